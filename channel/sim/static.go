package sim

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kasir-gateway/kasir/emvqr"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// StaticCodes tells the simulated channel whether a static code takes a
// customer's payment; *gateway.Gateway implements it.
type StaticCodes interface {
	StaticCodePayable(ctx context.Context, codeID string, amount int64) (gateway.StaticCode, error)
}

// PrepareStatic returns a static code's payData: a static EMVCo QR payload
// (with the amount only for a fixed-amount code) or a virtual account number
// derived from the code's id, with the bank's prefix.
func (s *Sim) PrepareStatic(ctx context.Context, c gateway.StaticCode) (string, error) {
	ch, ok := gateway.FindPaymentChannel(c.CountryCode, c.ChannelCode)
	if !ok || !ch.Static {
		return "", fmt.Errorf("sim: no static payment channel %s in %s", c.ChannelCode, c.CountryCode)
	}
	if ch.PayData == gateway.PayDataVA {
		return virtualAccount(ch.VAPrefix, c.ID), nil
	}
	amount := ""
	if c.Amount > 0 {
		amount = money.FormatMajor(c.Amount, c.Currency)
		if c.Currency == "IDR" {
			amount = strconv.FormatInt(c.Amount, 10)
		}
	}
	var payload emvqr.Payload
	switch c.CountryCode {
	case "PH":
		payload = emvqr.QRPh(s.opts.MerchantName, "Manila", amount, c.ID, false)
	case "ID":
		payload = emvqr.QRIS(s.opts.MerchantName, "Jakarta", "10110", amount, c.ID, false)
	case "MY":
		payload = emvqr.DuitNow(s.opts.MerchantName, "Kuala Lumpur", amount, c.ID, false)
	case "TH":
		payload = emvqr.PromptPay(s.opts.MerchantName, "Bangkok", amount, c.ID, false)
	default:
		return "", fmt.Errorf("sim: no QR profile for %s", c.CountryCode)
	}
	return payload.Encode()
}

// PayStatic records that a customer paid amount (minor units) into static
// code codeID, as the channel would see it, and returns the channel's
// reference of the payment; Run reports it to the gateway. Like a real
// scheme it first asks whether the code takes the payment: a cancelled or
// expired code, or an amount the code does not take, is refused (the
// gateway's *gateway.Error) and nothing is recorded.
func (s *Sim) PayStatic(ctx context.Context, codeID string, amount int64) (string, error) {
	codes := s.opts.StaticCodes
	if codes == nil {
		s.mu.Lock()
		codes, _ = s.results.(StaticCodes)
		s.mu.Unlock()
	}
	if codes == nil {
		return "", errors.New("sim: no static code lookup configured")
	}
	if _, err := codes.StaticCodePayable(ctx, codeID, amount); err != nil {
		return "", err
	}
	id := simPaymentID()
	err := s.payments.InsertSimPayment(ctx, Payment{ID: id, StaticCodeID: codeID, Amount: amount, CreatedAt: s.opts.Clock.Now()})
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	return id, nil
}

// applyStaticPayment reports a payment into a static code, with the time the
// customer paid. When the gateway refuses it (the code was closed when the
// customer paid, or is unknown) the simulated channel returns the money to
// the customer: the report is done, with a warning.
func (s *Sim) applyStaticPayment(ctx context.Context, results Results, p Payment) error {
	err := results.ApplyStaticPayment(ctx, p.StaticCodeID, p.Amount, p.ID, p.CreatedAt)
	switch gateway.KindOf(err) {
	case gateway.KindCodeClosed, gateway.KindAmount, gateway.KindNotFound:
		s.opts.Logger.Warn("sim: static code refused a payment; returned to the customer",
			"staticCodeId", p.StaticCodeID, "amount", p.Amount, "channelRef", p.ID, "err", err)
		return nil
	}
	return err
}
