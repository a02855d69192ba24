package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// RefundTestValue in a refund's reason makes the simulated channel fail it
// with -10009 "Channel Refund Failed".
const RefundTestValue = "SIMFAIL"

// Refund is what a simulated channel knows of a refund it was asked to make.
type Refund struct {
	RefundTransactionID string
	Reason              string
	Currency            string
	Amount              int64
	Status              string // PENDING, COMPLETED, FAILED
	FailedCode          int
	FailedMessage       string
	SettleAt            time.Time
	Reported            bool
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// RefundStore is the simulator's storage of refunds (table sim_refunds).
// store/postgres and store/sqlite implement it.
type RefundStore interface {
	// InsertSimRefund records a refund; when one with the same id exists it
	// changes nothing and returns the stored one.
	InsertSimRefund(ctx context.Context, r Refund) (Refund, error)
	// GetSimRefund returns gateway.ErrNotFound for an unknown id.
	GetSimRefund(ctx context.Context, refundTransactionID string) (Refund, error)
	// DueSimRefunds returns unreported refunds that are final, or PENDING
	// with a SettleAt at or before now, oldest first.
	DueSimRefunds(ctx context.Context, now time.Time, limit int) ([]Refund, error)
	// DecideSimRefund sets the final status of a PENDING refund; false when
	// it was not PENDING, gateway.ErrNotFound for an unknown id.
	DecideSimRefund(ctx context.Context, refundTransactionID, status string, failedCode int, failedMessage string, at time.Time) (bool, error)
	// MarkSimRefundReported records that the gateway was told of a final refund.
	MarkSimRefundReported(ctx context.Context, refundTransactionID string) error
}

// RefundConnector returns the simulator for every payment channel that
// refunds.
func (s *Sim) RefundConnector(channel string) (gateway.RefundConnector, bool) {
	for _, country := range []string{"PH", "ID", "MY", "TH", "RU", "PE"} {
		if ch, ok := gateway.FindPaymentChannel(country, channel); ok && gateway.Refundable(ch) {
			return s, true
		}
	}
	return nil, false
}

// SubmitRefund accepts a refund; it settles after the delay, failed when
// its reason holds RefundTestValue.
func (s *Sim) SubmitRefund(ctx context.Context, r gateway.Refund) (gateway.ChannelResult, error) {
	now := s.opts.Clock.Now()
	sr, err := s.refunds.InsertSimRefund(ctx, Refund{
		RefundTransactionID: r.RefundTransactionID, Reason: r.Reason, Currency: r.Currency, Amount: r.Amount,
		Status: string(gateway.StatusPending), SettleAt: now.Add(s.opts.Delay), CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("sim: %w", err)
	}
	return refundResult(sr), nil
}

// QueryRefund reports a refund's state, settling it first if it is due.
func (s *Sim) QueryRefund(ctx context.Context, refundTransactionID string) (gateway.ChannelResult, error) {
	r, err := s.refunds.GetSimRefund(ctx, refundTransactionID)
	if errors.Is(err, gateway.ErrNotFound) {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("sim: %w", err)
	}
	if r, err = s.settleRefundIfDue(ctx, r); err != nil {
		return gateway.ChannelResult{}, err
	}
	return refundResult(r), nil
}

// DecideRefund completes (code 0) or fails a PENDING refund, as an
// operator's `kasir sim refund complete|fail` does. The gateway hears of it
// from Run.
func (s *Sim) DecideRefund(ctx context.Context, refundTransactionID string, failedCode int) error {
	status, msg := string(gateway.StatusCompleted), ""
	if failedCode != 0 {
		status, msg = string(gateway.StatusFailed), gateway.FailedMessages[failedCode]
		if msg == "" {
			return fmt.Errorf("sim: unknown failed code %d", failedCode)
		}
	}
	ok, err := s.refunds.DecideSimRefund(ctx, refundTransactionID, status, failedCode, msg, s.opts.Clock.Now())
	if errors.Is(err, gateway.ErrNotFound) {
		return fmt.Errorf("sim: no refund %s", refundTransactionID)
	}
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if !ok {
		return fmt.Errorf("sim: refund %s is already final", refundTransactionID)
	}
	return nil
}

// reportRefunds settles due refunds and tells the gateway of final ones, as
// a channel's callbacks would; it returns how many it reported.
func (s *Sim) reportRefunds(ctx context.Context, results Results) (int, error) {
	due, err := s.refunds.DueSimRefunds(ctx, s.opts.Clock.Now(), 100)
	if err != nil {
		return 0, fmt.Errorf("sim: %w", err)
	}
	n := 0
	var firstErr error
	for _, r := range due {
		r, err := s.settleRefundIfDue(ctx, r)
		if err == nil && r.Status != string(gateway.StatusPending) {
			if err = results.ApplyRefundResult(ctx, r.RefundTransactionID, refundResult(r)); err == nil {
				err = s.refunds.MarkSimRefundReported(ctx, r.RefundTransactionID)
				n++
			}
		}
		if err != nil {
			s.opts.Logger.Warn("sim: report refund", "refundTransactionId", r.RefundTransactionID, "err", err)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return n, firstErr
}

// settleRefundIfDue decides a PENDING refund whose time has come, by its
// test value.
func (s *Sim) settleRefundIfDue(ctx context.Context, r Refund) (Refund, error) {
	now := s.opts.Clock.Now()
	if r.Status != string(gateway.StatusPending) || r.SettleAt.IsZero() || r.SettleAt.After(now) {
		return r, nil
	}
	status, code := string(gateway.StatusCompleted), 0
	if strings.Contains(r.Reason, RefundTestValue) {
		status, code = string(gateway.StatusFailed), gateway.FailedRefund
	}
	if _, err := s.refunds.DecideSimRefund(ctx, r.RefundTransactionID, status, code, gateway.FailedMessages[code], now); err != nil {
		return r, fmt.Errorf("sim: %w", err)
	}
	got, err := s.refunds.GetSimRefund(ctx, r.RefundTransactionID)
	if err != nil {
		return r, fmt.Errorf("sim: %w", err)
	}
	return got, nil
}

func refundResult(r Refund) gateway.ChannelResult {
	return gateway.ChannelResult{
		Status: gateway.Status(r.Status), FailedCode: r.FailedCode, FailedMessage: r.FailedMessage,
		ChannelRef: "SIM" + r.RefundTransactionID, At: r.UpdatedAt,
	}
}
