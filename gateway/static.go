package gateway

import (
	"context"
	"errors"
	"time"
)

// StaticStatus is a static code's status.
type StaticStatus string

// Static code statuses. A code is stored ACTIVE or CANCEL; an ACTIVE code
// past its ExpireAt is shown EXPIRED.
const (
	StaticActive  StaticStatus = "ACTIVE"
	StaticCancel  StaticStatus = "CANCEL"
	StaticExpired StaticStatus = "EXPIRED"
)

// Static code error kinds.
const (
	// KindCancelNotAllowed: the code is cancelled or expired already (21025).
	KindCancelNotAllowed Kind = "cancel_not_allowed"
	// KindCodeClosed: a payment into a cancelled or expired code (21028).
	KindCodeClosed Kind = "code_closed"
)

// StaticCode is a reusable payment code: a static QR or a virtual account
// that customers pay again and again, each payment its own Payment with
// StaticCodeID set. Amount is the fixed amount of every payment, or 0 for an
// open amount between MinAmount and MaxAmount (for a fixed code both equal
// Amount).
type StaticCode struct {
	ID           string // "S..."
	AppID        string
	MerchantID   string
	MchOrderID   string // unique per app among static codes
	CountryCode  string
	Currency     string
	ChannelCode  string
	CustomerName string
	Amount       int64 // minor units; 0 = open amount
	MinAmount    int64
	MaxAmount    int64
	ExpireAt     time.Time // zero: never
	Status       StaticStatus
	PayData      string
	NotifyURL    string
	Remark       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	CancelledAt  time.Time
}

// StatusAt is the code's status as shown at now: EXPIRED for an ACTIVE code
// whose ExpireAt has come.
func (c StaticCode) StatusAt(now time.Time) StaticStatus {
	if c.Status == StaticCancel && (c.CancelledAt.IsZero() || !now.Before(c.CancelledAt)) {
		return StaticCancel
	}
	if !c.ExpireAt.IsZero() && !now.Before(c.ExpireAt) {
		return StaticExpired
	}
	return StaticActive
}

// StaticRef names an app's static code by id or, when that is empty, by
// mchOrderId.
type StaticRef struct {
	ID         string
	MchOrderID string
}

// StaticConnector is what a channel that can back static codes offers: the
// payData of a reusable code. A PaymentConnector that also implements it
// serves static codes.
type StaticConnector interface {
	PrepareStatic(ctx context.Context, c StaticCode) (string, error)
}

// StaticCodeRequest is a merchant's request for a static code. Amount > 0
// fixes every payment's amount; 0 leaves it open between MinAmount and
// MaxAmount, which default to the channel's limits.
type StaticCodeRequest struct {
	MchOrderID   string
	CountryCode  string
	Currency     string
	ChannelCode  string
	CustomerName string
	Amount       int64
	MinAmount    int64
	MaxAmount    int64
	ExpireTime   time.Time // optional; zero: never expires
	NotifyURL    string
	Remark       string
}

// CreateStaticCode validates req for app, asks the channel for the code's
// payData and stores the ACTIVE code. Errors are *Error (KindInvalid,
// KindChannelUnavailable, KindAmount, KindCountry, KindDuplicateOrder).
func (g *Gateway) CreateStaticCode(ctx context.Context, app App, req StaticCodeRequest) (StaticCode, error) {
	now := g.now()
	c, err := validateStatic(req, now)
	if err == nil {
		err = g.checkNotifyTarget("notifyUrl", req.NotifyURL)
	}
	if err != nil {
		return StaticCode{}, err
	}
	var conn StaticConnector
	ok := false
	if pr, isPR := g.router.(PaymentRouter); isPR {
		var pc PaymentConnector
		if pc, ok = pr.PaymentConnector(c.ChannelCode); ok {
			conn, ok = pc.(StaticConnector)
		}
	}
	if !ok {
		return StaticCode{}, Errorf(KindChannelUnavailable, "channelCode", "channel %s is not available", c.ChannelCode)
	}
	if c.ID, err = g.newID(ctx, "S"); err != nil {
		return StaticCode{}, err
	}
	c.AppID, c.MerchantID, c.Status, c.CreatedAt, c.UpdatedAt = app.AppID, app.MerchantID, StaticActive, now, now
	if c.PayData, err = conn.PrepareStatic(ctx, c); err != nil {
		g.log.Warn("channel could not prepare a static code", "channel", c.ChannelCode, "err", err)
		return StaticCode{}, Errorf(KindChannelUnavailable, "channelCode", "channel %s did not answer, try again", c.ChannelCode)
	}
	err = g.store.InTx(ctx, func(tx Tx) error { return tx.InsertStaticCode(ctx, c) })
	var dup *DuplicateError
	if errors.As(err, &dup) {
		return StaticCode{}, Errorf(KindDuplicateOrder, "mchOrderId", "mchOrderId %q was already used for a static code", req.MchOrderID)
	}
	if err != nil {
		return StaticCode{}, g.storeErr("create static code", err)
	}
	return c, nil
}

// validateStatic checks a static code request field by field and returns
// the code it describes, without ids, status or times.
func validateStatic(r StaticCodeRequest, now time.Time) (StaticCode, error) {
	if err := checkOrderID("mchOrderId", r.MchOrderID, true); err != nil {
		return StaticCode{}, err
	}
	if r.CountryCode == "" {
		return StaticCode{}, Errorf(KindInvalid, "countryCode", "is required")
	}
	country, ok := Countries[r.CountryCode]
	if !ok || len(PaymentChannels(r.CountryCode)) == 0 {
		return StaticCode{}, Errorf(KindCountry, "countryCode", "payments in %q are not opened", r.CountryCode)
	}
	if r.Currency != country.Currency {
		if r.Currency == "" {
			return StaticCode{}, Errorf(KindInvalid, "currency", "is required")
		}
		return StaticCode{}, Errorf(KindInvalid, "currency", "must be %s for countryCode %s, got %q", country.Currency, r.CountryCode, r.Currency)
	}
	if r.ChannelCode == "" {
		return StaticCode{}, Errorf(KindInvalid, "channelCode", "is required")
	}
	ch, ok := FindPaymentChannel(r.CountryCode, r.ChannelCode)
	if !ok || !ch.Static {
		return StaticCode{}, Errorf(KindChannelUnavailable, "channelCode", "%q is not a payment channel of %s for static codes", r.ChannelCode, r.CountryCode)
	}
	c := StaticCode{MchOrderID: r.MchOrderID, CountryCode: r.CountryCode, Currency: r.Currency, ChannelCode: ch.Code,
		CustomerName: r.CustomerName, Amount: r.Amount, NotifyURL: r.NotifyURL, Remark: r.Remark}
	limits := func(field string, v int64) error {
		if v < ch.MinAmount || v > ch.MaxAmount {
			return Errorf(KindAmount, field, "%d is outside %s's limits %d to %d (minor units of %s)", v, ch.Code, ch.MinAmount, ch.MaxAmount, r.Currency)
		}
		return nil
	}
	switch {
	case r.Amount < 0:
		return StaticCode{}, Errorf(KindAmount, "amount", "must be a positive number of minor units, or absent for an open amount, got %d", r.Amount)
	case r.Amount > 0:
		if err := limits("amount", r.Amount); err != nil {
			return StaticCode{}, err
		}
		if r.MinAmount != 0 || r.MaxAmount != 0 {
			return StaticCode{}, Errorf(KindInvalid, "minAmount", "minAmount and maxAmount are for open-amount codes; a fixed amount was given")
		}
		c.MinAmount, c.MaxAmount = r.Amount, r.Amount
	default:
		c.MinAmount, c.MaxAmount = ch.MinAmount, ch.MaxAmount
		if r.MinAmount != 0 {
			c.MinAmount = r.MinAmount
		}
		if r.MaxAmount != 0 {
			c.MaxAmount = r.MaxAmount
		}
		if err := limits("minAmount", c.MinAmount); err != nil {
			return StaticCode{}, err
		}
		if err := limits("maxAmount", c.MaxAmount); err != nil {
			return StaticCode{}, err
		}
		if c.MinAmount > c.MaxAmount {
			return StaticCode{}, Errorf(KindAmount, "minAmount", "%d is above maxAmount %d", c.MinAmount, c.MaxAmount)
		}
	}
	if !r.ExpireTime.IsZero() {
		if !r.ExpireTime.After(now) {
			return StaticCode{}, Errorf(KindInvalid, "expireTime", "must be in the future")
		}
		c.ExpireAt = r.ExpireTime.Truncate(time.Millisecond)
	}
	if err := checkText("customerName", r.CustomerName, 64); err != nil {
		return StaticCode{}, err
	}
	if err := checkText("remark", r.Remark, 128); err != nil {
		return StaticCode{}, err
	}
	if err := CheckNotifyURL("notifyUrl", r.NotifyURL); err != nil {
		return StaticCode{}, err
	}
	return c, nil
}

// StaticCodeDetail returns an app's static code, its Status as shown now
// (EXPIRED when past ExpireAt). KindNotFound when the app has none by ref.
func (g *Gateway) StaticCodeDetail(ctx context.Context, appID string, ref StaticRef) (StaticCode, error) {
	if ref.ID == "" && ref.MchOrderID == "" {
		return StaticCode{}, Errorf(KindInvalid, "mchOrderId", "is required")
	}
	c, err := g.store.GetStaticCode(ctx, appID, ref)
	if errors.Is(err, ErrNotFound) {
		return StaticCode{}, Errorf(KindNotFound, "", "static code not found")
	}
	if err != nil {
		return StaticCode{}, g.storeErr("get static code", err)
	}
	c.Status = c.StatusAt(g.now())
	return c, nil
}

// StaticPayments is one page of the payments into a static code.
type StaticPayments struct {
	Code     StaticCode
	Total    int // payments into the code in all
	Page     int // 1-based
	PageSize int
	Payments []Payment // newest first
}

// MaxStaticPageSize bounds ListStaticPayments' pageSize.
const MaxStaticPageSize = 100

// ListStaticPayments returns page (1-based) of the payments into an app's
// static code, pageSize of them (1 to MaxStaticPageSize), newest first.
// KindNotFound when the app has no such code, KindInvalid for a bad page.
func (g *Gateway) ListStaticPayments(ctx context.Context, appID string, ref StaticRef, page, pageSize int) (StaticPayments, error) {
	if page < 1 {
		return StaticPayments{}, Errorf(KindInvalid, "pageNum", "must be 1 or more, got %d", page)
	}
	if pageSize < 1 || pageSize > MaxStaticPageSize {
		return StaticPayments{}, Errorf(KindInvalid, "pageSize", "must be 1 to %d, got %d", MaxStaticPageSize, pageSize)
	}
	c, err := g.StaticCodeDetail(ctx, appID, ref)
	if err != nil {
		return StaticPayments{}, err
	}
	ps, total, err := g.store.ListStaticPayments(ctx, c.ID, (page-1)*pageSize, pageSize)
	if err != nil {
		return StaticPayments{}, g.storeErr("list static payments", err)
	}
	return StaticPayments{Code: c, Total: total, Page: page, PageSize: pageSize, Payments: ps}, nil
}

// CancelStaticCode moves an app's ACTIVE code to CANCEL, after which it takes
// no payments. A cancelled or expired code is KindCancelNotAllowed; an
// unknown one KindNotFound.
func (g *Gateway) CancelStaticCode(ctx context.Context, appID string, ref StaticRef) (StaticCode, error) {
	c, err := g.StaticCodeDetail(ctx, appID, ref)
	if err != nil {
		return StaticCode{}, err
	}
	now := g.now()
	err = g.store.InTx(ctx, func(tx Tx) error {
		if c, err = tx.LockStaticCode(ctx, c.ID); err != nil {
			return err
		}
		if s := c.StatusAt(now); s != StaticActive {
			return Errorf(KindCancelNotAllowed, "mchOrderId", "static code %s is %s: not allowed to cancel", c.MchOrderID, s)
		}
		ok, err := tx.CancelStaticCode(ctx, c.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(KindCancelNotAllowed, "mchOrderId", "static code %s is no longer ACTIVE: not allowed to cancel", c.MchOrderID)
		}
		return nil
	})
	var ge *Error
	if errors.As(err, &ge) {
		return StaticCode{}, ge
	}
	if err != nil {
		return StaticCode{}, g.storeErr("cancel static code", err)
	}
	c.Status, c.CancelledAt, c.UpdatedAt = StaticCancel, now, now
	return c, nil
}
