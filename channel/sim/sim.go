// Package sim is Kasir's channel simulator: it plays every bank and e-wallet
// the gateway lists, so that merchants can integrate end to end without a real
// bank. It keeps its own book of transfers in the database (tables sim_*),
// settles them asynchronously after a delay, and reports results back to the
// gateway the way a channel's callback would.
//
// Test values: the last four digits of accountNo choose the outcome.
//
//	...4004  fails with -10004 "Transaction Channel Rejected"
//	...4005  fails with -10005 "Destination Account Error"
//	...9999  stays PENDING until `kasir sim complete|fail`
//	...7777  the channel takes the payout but its answer is lost (a timeout):
//	         the gateway must find the outcome by querying; it completes
//	...8888  the submission is lost before it reaches the channel: queries
//	         answer "no such transaction" and the gateway fails the payout
//	         with -10006 after its not-found grace period
//	anything else completes
//
// Refunds complete after the delay, unless their reason contains SIMFAIL:
// those fail with -10009 "Channel Refund Failed".
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Options configures the simulator.
type Options struct {
	Delay time.Duration // how long a transfer takes to settle
	// PublicURL is the gateway's address as customers reach it, for pay URLs
	// of the hosted payment page.
	PublicURL string
	// MerchantName appears in QR payloads; default "KASIR SANDBOX".
	MerchantName string
	Poll         time.Duration // how often Run looks for settled transfers; default 100ms
	Clock        gateway.Clock
	Logger       *slog.Logger
	// StaticCodes answers whether a static code takes a payment, for
	// PayStatic; default the Results when they can (the gateway).
	StaticCodes StaticCodes
}

// Results is how the simulator reports to the gateway, as a channel's
// callbacks would.
type Results interface {
	gateway.Results
	ApplyPaymentResult(ctx context.Context, transactionID string, r gateway.PaymentResult) error
	ApplyRefundResult(ctx context.Context, refundTransactionID string, r gateway.ChannelResult) error
	ApplyStaticPayment(ctx context.Context, codeID string, amount int64, channelRef string, paidAt time.Time) error
}

// Storage is all the simulator keeps.
type Storage interface {
	Store
	PaymentStore
	RefundStore
}

// Sim is the simulator connector. It serves every channel of the catalog.
type Sim struct {
	store    Store
	payments PaymentStore
	refunds  RefundStore
	opts     Options

	mu      sync.Mutex
	results Results
}

// New returns a simulator on store.
func New(store Storage, opts Options) *Sim {
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	if opts.Clock == nil {
		opts.Clock = gateway.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MerchantName == "" {
		opts.MerchantName = "KASIR SANDBOX"
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://127.0.0.1:8080"
	}
	return &Sim{store: store, payments: store, refunds: store, opts: opts}
}

// SetResults tells the simulator where to report results (the gateway).
func (s *Sim) SetResults(r Results) {
	s.mu.Lock()
	s.results = r
	s.mu.Unlock()
}

// RouteName is the simulator's connector name in routes.
const RouteName = "sim"

// Routes makes the simulator a gateway.Router on its own: it serves every
// payout channel of the catalog under the name "sim".
func (s *Sim) Routes(channel string) []gateway.Route {
	for _, c := range gateway.AllPayoutChannels() {
		if c.Code == channel {
			return []gateway.Route{{Name: RouteName, Connector: s}}
		}
	}
	return nil
}

// Named returns the simulator for the name "sim".
func (s *Sim) Named(name string) (gateway.Connector, bool) {
	if name == RouteName {
		return s, true
	}
	return nil, false
}

// ErrAnswerLost is the simulated timeout of test value ...7777 and ...8888.
var ErrAnswerLost = errors.New("sim: timed out waiting for the channel's answer")

// SubmitPayout accepts a payout; it settles after the delay.
func (s *Sim) SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error) {
	now := s.opts.Clock.Now()
	if strings.HasSuffix(p.AccountNo, "8888") {
		return gateway.ChannelResult{}, ErrAnswerLost
	}
	t := Transfer{
		TransactionID: p.TransactionID, AccountNo: p.AccountNo, Currency: p.Currency, Amount: p.Amount,
		Status: string(gateway.StatusPending), CreatedAt: now, UpdatedAt: now,
	}
	if !strings.HasSuffix(p.AccountNo, "9999") {
		t.SettleAt = now.Add(s.opts.Delay)
	}
	t, err := s.store.InsertSimTransfer(ctx, t)
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("sim: %w", err)
	}
	if strings.HasSuffix(p.AccountNo, "7777") {
		return gateway.ChannelResult{}, ErrAnswerLost
	}
	return result(t), nil
}

// QueryPayout reports a transfer's state, settling it first if it is due.
func (s *Sim) QueryPayout(ctx context.Context, transactionID string) (gateway.ChannelResult, error) {
	t, err := s.store.GetSimTransfer(ctx, transactionID)
	if errors.Is(err, gateway.ErrNotFound) {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("sim: %w", err)
	}
	if t, err = s.settleIfDue(ctx, t); err != nil {
		return gateway.ChannelResult{}, err
	}
	return result(t), nil
}

// Decide completes (code 0) or fails a PENDING transfer, as an operator's
// `kasir sim complete|fail` does. The gateway hears of it from Run.
func (s *Sim) Decide(ctx context.Context, transactionID string, failedCode int) error {
	status, msg := string(gateway.StatusCompleted), ""
	if failedCode != 0 {
		status, msg = string(gateway.StatusFailed), gateway.FailedMessages[failedCode]
		if msg == "" {
			return fmt.Errorf("sim: unknown failed code %d", failedCode)
		}
	}
	ok, err := s.store.DecideSimTransfer(ctx, transactionID, status, failedCode, msg, s.opts.Clock.Now())
	if errors.Is(err, gateway.ErrNotFound) {
		return fmt.Errorf("sim: no transfer %s", transactionID)
	}
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if !ok {
		t, err := s.store.GetSimTransfer(ctx, transactionID)
		if err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		return fmt.Errorf("sim: transfer %s is already %s", transactionID, t.Status)
	}
	return nil
}

// Run settles due transfers and reports final ones to the gateway until ctx
// is done, as a bank's callbacks would.
func (s *Sim) Run(ctx context.Context) error {
	tick := time.NewTicker(s.opts.Poll)
	defer tick.Stop()
	for {
		if _, err := s.ReportDue(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("sim: report", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// ReportDue settles what is due and reports every unreported final transfer
// and every customer's payment once; it returns how many it reported.
func (s *Sim) ReportDue(ctx context.Context) (int, error) {
	s.mu.Lock()
	results := s.results
	s.mu.Unlock()
	if results == nil {
		return 0, nil
	}
	n, firstErr := s.reportPayments(ctx, results)
	m, err := s.reportRefunds(ctx, results)
	if n += m; firstErr == nil {
		firstErr = err
	}
	due, err := s.store.DueSimTransfers(ctx, s.opts.Clock.Now(), 100)
	if err != nil {
		return n, fmt.Errorf("sim: %w", err)
	}
	for _, t := range due {
		// One transfer that cannot be reported must not hold up the others.
		reported, err := s.report(ctx, results, t)
		if err != nil {
			s.opts.Logger.Warn("sim: report transfer", "transactionId", t.TransactionID, "err", err)
			if firstErr == nil {
				firstErr = err
			}
		}
		if reported {
			n++
		}
	}
	return n, firstErr
}

// report settles a due transfer and, once final, tells the gateway and
// marks it reported; it says whether it did. A transfer still PENDING is not
// an error.
func (s *Sim) report(ctx context.Context, results gateway.Results, t Transfer) (bool, error) {
	t, err := s.settleIfDue(ctx, t)
	if err != nil || t.Status == string(gateway.StatusPending) {
		return false, err
	}
	if err := results.ApplyPayoutResult(ctx, t.TransactionID, result(t)); err != nil {
		return false, err
	}
	if err := s.store.MarkSimReported(ctx, t.TransactionID); err != nil {
		return false, fmt.Errorf("sim: %w", err)
	}
	return true, nil
}

// settleIfDue decides a PENDING transfer whose time has come, by its test value.
func (s *Sim) settleIfDue(ctx context.Context, t Transfer) (Transfer, error) {
	now := s.opts.Clock.Now()
	if t.Status != string(gateway.StatusPending) || t.SettleAt.IsZero() || t.SettleAt.After(now) {
		return t, nil
	}
	status, code := string(gateway.StatusCompleted), 0
	switch {
	case strings.HasSuffix(t.AccountNo, "4004"):
		status, code = string(gateway.StatusFailed), gateway.FailedChannelRejected
	case strings.HasSuffix(t.AccountNo, "4005"):
		status, code = string(gateway.StatusFailed), gateway.FailedDestination
	}
	if _, err := s.store.DecideSimTransfer(ctx, t.TransactionID, status, code, gateway.FailedMessages[code], now); err != nil {
		return t, fmt.Errorf("sim: %w", err)
	}
	// Re-read: another process may have decided it first.
	got, err := s.store.GetSimTransfer(ctx, t.TransactionID)
	if err != nil {
		return t, fmt.Errorf("sim: %w", err)
	}
	return got, nil
}

func result(t Transfer) gateway.ChannelResult {
	return gateway.ChannelResult{
		Status: gateway.Status(t.Status), FailedCode: t.FailedCode, FailedMessage: t.FailedMessage,
		ChannelRef: "SIM" + t.TransactionID, At: t.UpdatedAt,
	}
}
