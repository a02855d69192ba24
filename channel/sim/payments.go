package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kasir-gateway/kasir/emvqr"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// PaymentConnector returns the simulator for every payment channel of the
// catalog.
func (s *Sim) PaymentConnector(channel string) (gateway.PaymentConnector, bool) {
	for _, country := range []string{"PH", "ID", "MY", "TH", "RU", "PE"} {
		if _, ok := gateway.FindPaymentChannel(country, channel); ok {
			return s, true
		}
	}
	return nil, false
}

// PreparePayment returns what the channel would give a customer to pay
// with: an EMVCo QR payload (QR Ph, QRIS, DuitNow, PromptPay), a virtual
// account number with the bank's prefix, or a URL of the gateway's hosted
// payment page.
func (s *Sim) PreparePayment(ctx context.Context, p gateway.Payment) (string, error) {
	ch, ok := gateway.FindPaymentChannel(p.CountryCode, p.ChannelCode)
	if !ok {
		return "", fmt.Errorf("sim: no payment channel %s in %s", p.ChannelCode, p.CountryCode)
	}
	switch ch.PayData {
	case gateway.PayDataVA:
		return virtualAccount(ch.VAPrefix, p.TransactionID), nil
	case gateway.PayDataURL:
		return strings.TrimRight(s.opts.PublicURL, "/") + "/pay/" + p.TransactionID, nil
	}
	amount := money.FormatMajor(p.Amount, p.Currency)
	if p.Currency == "IDR" {
		amount = strconv.FormatInt(p.Amount, 10) // QRIS amounts carry no decimals
	}
	var payload emvqr.Payload
	switch p.CountryCode {
	case "PH":
		payload = emvqr.QRPh(s.opts.MerchantName, "Manila", amount, p.TransactionID, true)
	case "ID":
		payload = emvqr.QRIS(s.opts.MerchantName, "Jakarta", "10110", amount, p.TransactionID, true)
	case "MY":
		payload = emvqr.DuitNow(s.opts.MerchantName, "Kuala Lumpur", amount, p.TransactionID, true)
	case "TH":
		payload = emvqr.PromptPay(s.opts.MerchantName, "Bangkok", amount, p.TransactionID, true)
	default:
		return "", fmt.Errorf("sim: no QR profile for %s", p.CountryCode)
	}
	return payload.Encode()
}

// virtualAccount makes a 16-digit VA number: the bank's prefix, then digits
// of the transaction id, so that each order has its own account.
func virtualAccount(prefix, transactionID string) string {
	digits := strings.TrimLeft(transactionID, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	n := 16 - len(prefix)
	if len(digits) > n {
		digits = digits[len(digits)-n:]
	}
	return prefix + strings.Repeat("0", n-len(digits)) + digits
}

// Pay records that a customer paid amount (minor units) for a payment, as
// the channel would see it; Run reports it to the gateway. It returns the
// channel's reference of the payment.
func (s *Sim) Pay(ctx context.Context, transactionID string, amount int64) (string, error) {
	if amount <= 0 {
		return "", errors.New("sim: amount must be positive")
	}
	id := simPaymentID()
	err := s.payments.InsertSimPayment(ctx, Payment{ID: id, TransactionID: transactionID, Amount: amount, CreatedAt: s.opts.Clock.Now()})
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	return id, nil
}

// simPaymentID makes the channel's reference of a customer's payment.
func simPaymentID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "SIMPAY" + strings.ToUpper(hex.EncodeToString(b))
}

// reportPayments tells the gateway of customers' payments not yet
// reported, like a channel's callbacks, and returns how many it reported.
func (s *Sim) reportPayments(ctx context.Context, results Results) (int, error) {
	due, err := s.payments.UnreportedSimPayments(ctx, 100)
	if err != nil {
		return 0, fmt.Errorf("sim: %w", err)
	}
	n := 0
	var firstErr error
	for _, p := range due {
		var err error
		if p.StaticCodeID != "" {
			err = s.applyStaticPayment(ctx, results, p)
		} else {
			err = results.ApplyPaymentResult(ctx, p.TransactionID, gateway.PaymentResult{PaidAmount: p.Amount, ChannelRef: p.ID, At: p.CreatedAt})
		}
		if errors.Is(err, gateway.ErrNotFound) {
			s.opts.Logger.Warn("sim: payment for an unknown order; dropped", "transactionId", p.TransactionID)
			err = nil
		}
		if err == nil {
			err = s.payments.MarkSimPaymentReported(ctx, p.ID)
		}
		if err != nil {
			s.opts.Logger.Warn("sim: report payment", "transactionId", p.TransactionID, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n++
	}
	return n, firstErr
}
