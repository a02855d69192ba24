// Package reports makes a merchant's daily transaction reports: a CSV of one
// app's orders of one type created on one local date of a country, streamed
// from the store row by row so that its length costs no memory. It also
// issues the signed, expiring download links that the Open API hands out
// and serves them at GET /reports/{token}.
package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// Type is a report's transType: which orders it lists.
type Type int

// Report types, numbered as the Open API's transType.
const (
	TypePayout  Type = 1
	TypePayment Type = 2
	TypeRefund  Type = 3
)

// String returns the type's name: payout, payment or refund.
func (t Type) String() string {
	switch t {
	case TypePayout:
		return "payout"
	case TypePayment:
		return "payment"
	case TypeRefund:
		return "refund"
	}
	return "type" + strconv.Itoa(int(t))
}

// ParseType reads a type by name ("payout") or number ("1").
func ParseType(s string) (Type, error) {
	for _, t := range []Type{TypePayout, TypePayment, TypeRefund} {
		if s == t.String() || s == strconv.Itoa(int(t)) {
			return t, nil
		}
	}
	return 0, gateway.Errorf(gateway.KindInvalid, "transType", "must be 1 (payout), 2 (payment) or 3 (refund)")
}

// DateLayout is the form of a report's date: yyyy-MM-dd.
const DateLayout = "2006-01-02"

// timeLayout is ISO-8601 with the country's offset, as the API's time fields.
const timeLayout = "2006-01-02T15:04:05-07:00"

// Query names one report: an app's orders of one type created on one date in
// one country's time zone.
type Query struct {
	AppID   string
	Country string // a key of gateway.Countries
	Date    string // yyyy-MM-dd, a date in the country's zone
	Type    Type
}

// Check validates q and returns the instants its date spans in the country's
// zone: [local midnight, next local midnight). Its errors are *gateway.Error:
// KindCountry for an unknown country, KindInvalid (field transDate or
// transType) otherwise.
func (q Query) Check() (from, to time.Time, err error) {
	c, ok := gateway.Countries[q.Country]
	if !ok {
		return time.Time{}, time.Time{}, gateway.Errorf(gateway.KindCountry, "countryCode", "%q is not opened", q.Country)
	}
	switch q.Type {
	case TypePayout, TypePayment, TypeRefund:
	default:
		return time.Time{}, time.Time{}, gateway.Errorf(gateway.KindInvalid, "transType", "must be 1 (payout), 2 (payment) or 3 (refund)")
	}
	day, err := time.ParseInLocation(DateLayout, q.Date, c.Location)
	if err != nil {
		return time.Time{}, time.Time{}, gateway.Errorf(gateway.KindInvalid, "transDate", "must be a date yyyy-MM-dd")
	}
	return day, day.AddDate(0, 0, 1), nil
}

// Filename is the report's name for download, e.g. payout_PH_2026-11-23.csv.
func (q Query) Filename() string {
	return fmt.Sprintf("%s_%s_%s.csv", q.Type, q.Country, q.Date)
}

// Store is what reports read: gateway.ReportReader's streams.
type Store interface {
	StreamPayouts(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Payout) error) error
	StreamPayments(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Payment) error) error
	StreamRefunds(ctx context.Context, appID, countryCode string, from, to time.Time, fn func(gateway.Refund) error) error
}

// Column headers per type.
var (
	payoutHeader = []string{"transactionId", "mchOrderId", "createTime", "returnTime", "status", "currency",
		"amount", "fee", "payMethodCode", "transferCode", "accountNo", "failedCode", "failedMessage"}
	paymentHeader = []string{"transactionId", "mchOrderId", "createTime", "returnTime", "status", "currency",
		"amount", "paidAmount", "fee", "channelCode", "flag"}
	refundHeader = []string{"refundTransactionId", "mchRefundOrderId", "originalTransactionId", "createTime",
		"returnTime", "status", "currency", "amount", "feeRefunded", "channelCode", "reason", "failedCode",
		"failedMessage"}
)

// Write writes q's report to w as CSV: a header row, then one row per order
// by creation time. Amounts are decimals in major units beside a currency
// column; times ISO-8601 in the country's zone; account numbers masked but
// for their last four digits. Free-text cells (order ids, reasons, failure
// messages, account numbers) go through safeText, so that no spreadsheet runs
// them as formulas. It holds one row at a time. It returns Check's
// errors before writing anything, and the store's or w's errors after.
func Write(ctx context.Context, st Store, w io.Writer, q Query) error {
	from, to, err := q.Check()
	if err != nil {
		return err
	}
	loc := gateway.Countries[q.Country].Location
	cw := csv.NewWriter(w)
	var rec []string
	switch q.Type {
	case TypePayout:
		if err := cw.Write(payoutHeader); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		err = st.StreamPayouts(ctx, q.AppID, q.Country, from, to, func(p gateway.Payout) error {
			rec = append(rec[:0], p.TransactionID, safeText(p.MchOrderID), stamp(p.CreatedAt, loc), stamp(p.FinishedAt, loc),
				string(p.Status), p.Currency, money.FormatMajor(p.Amount, p.Currency), money.FormatMajor(p.Fee, p.Currency),
				p.PayMethod, p.TransferCode, safeText(Mask(p.AccountNo)), failedCode(p.FailedCode), safeText(p.FailedMessage))
			return cw.Write(rec)
		})
	case TypePayment:
		if err := cw.Write(paymentHeader); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		err = st.StreamPayments(ctx, q.AppID, q.Country, from, to, func(p gateway.Payment) error {
			rec = append(rec[:0], p.TransactionID, safeText(p.MchOrderID), stamp(p.CreatedAt, loc), stamp(p.FinishedAt, loc),
				string(p.Status), p.Currency, money.FormatMajor(p.Amount, p.Currency),
				money.FormatMajor(p.PaidAmount, p.Currency), money.FormatMajor(p.Fee, p.Currency), p.ChannelCode, p.Flag)
			return cw.Write(rec)
		})
	case TypeRefund:
		if err := cw.Write(refundHeader); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		err = st.StreamRefunds(ctx, q.AppID, q.Country, from, to, func(r gateway.Refund) error {
			rec = append(rec[:0], r.RefundTransactionID, safeText(r.MchRefundOrderID), r.OriginalTransactionID,
				stamp(r.CreatedAt, loc), stamp(r.FinishedAt, loc), string(r.Status), r.Currency,
				money.FormatMajor(r.Amount, r.Currency), money.FormatMajor(r.FeeRefunded, r.Currency),
				r.ChannelCode, safeText(r.Reason), failedCode(r.FailedCode), safeText(r.FailedMessage))
			return cw.Write(rec)
		})
	}
	if err != nil {
		return fmt.Errorf("reports: %s report: %w", q.Type, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// stamp formats t in loc; "" for the zero time (an order not final yet).
func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(timeLayout)
}

func failedCode(c int) string {
	if c == 0 {
		return ""
	}
	return strconv.Itoa(c)
}

// formulaStarts are the first characters that make a spreadsheet read a cell
// as a formula (or, for tab and carriage return, that hide one behind).
const formulaStarts = "=+-@\t\r"

// safeText neutralises a free-text cell against CSV (formula) injection: a
// cell that starts with = + - @, a tab or a carriage return gets a leading
// single quote ('=1+1 rather than =1+1), which spreadsheets show as text.
// Other text is returned unchanged. Numeric, amount, code and time columns
// do not go through it, so that a failedCode of -10004 stays a number.
func safeText(s string) string {
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Mask hides an account number but for its last four characters
// ("************1234"); one of four characters or fewer is hidden whole.
func Mask(account string) string {
	r := []rune(account)
	keep := 4
	if len(r) <= keep {
		keep = 0
	}
	return strings.Repeat("*", len(r)-keep) + string(r[len(r)-keep:])
}
