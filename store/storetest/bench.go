package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// Benchmarks of the stores' hot writes, run by each engine's bench_test.go:
// a ledger entry in its own transaction, and an outbox claim. They measure,
// never assert a speed; each checks its result.

// Ledger fixtures: merchants funded once, each hold takes holdAmount.
const (
	benchMerchants = 1000
	benchFunding   = int64(1) << 50
	holdAmount     = 100
	hotMerchant    = "hot"
)

func benchMerchant(i int) string { return "m-" + strconv.Itoa(i%benchMerchants) }

// fundMerchants credits every merchant, hotMerchant included, from the
// platform's funding account, in one transaction.
func fundMerchants(b *testing.B, s Store) {
	b.Helper()
	ctx := b.Context()
	at := time.Now()
	err := s.InTx(ctx, func(tx gateway.Tx) error {
		for i := -1; i < benchMerchants; i++ {
			m := hotMerchant
			if i >= 0 {
				m = benchMerchant(i)
			}
			e := ledger.Entry{ID: "fund:" + m, Kind: "funding", Ref: m, At: at, Postings: []ledger.Posting{
				{Account: ledger.PlatformFunding("PHP"), Currency: "PHP", Amount: -benchFunding},
				{Account: ledger.MerchantAvailable(m, "PHP"), Currency: "PHP", Amount: benchFunding},
			}}
			if err := tx.PostEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fund merchants: %v", err)
	}
}

// holder posts holds, each a ledger.HoldEntry (two postings) in a
// transaction of its own, and counts them per merchant kind.
type holder struct {
	s      Store
	seq    atomic.Int64 // entry ids
	hot    atomic.Int64 // holds on hotMerchant
	spread atomic.Int64 // holds on the other merchants, which take turns
}

func (h *holder) hold(ctx context.Context, merchant string) error {
	id := "H" + strconv.FormatInt(h.seq.Add(1), 10)
	e := ledger.HoldEntry(ledger.Hold{ID: id, MerchantID: merchant, Currency: "PHP", Amount: holdAmount})
	e.At = time.Now()
	return h.s.InTx(ctx, func(tx gateway.Tx) error { return tx.PostEntry(ctx, e) })
}

// holdHot and holdSpread post one hold on hotMerchant, or on the next of
// the spread merchants.
func (h *holder) holdHot(ctx context.Context) error {
	h.hot.Add(1)
	return h.hold(ctx, hotMerchant)
}

func (h *holder) holdSpread(ctx context.Context) error {
	return h.hold(ctx, benchMerchant(int(h.spread.Add(1))))
}

// check verifies the ledger once the benchmarks ran: every entry balanced,
// no account drifted from its postings or below zero (CheckLedger; holds
// are not recorded here, so its hold comparison does not apply), and the
// held balances add up to the holds counted.
func (h *holder) check(b *testing.B) {
	b.Helper()
	ctx := b.Context()
	r, err := h.s.CheckLedger(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(r.UnbalancedEntries)+len(r.DriftedAccounts)+len(r.NegativeAccounts) > 0 {
		b.Fatalf("ledger check: %+v", r)
	}
	held := func(m string) int64 {
		v, err := h.s.AccountBalance(ctx, ledger.MerchantHeld(m, "PHP"))
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	if got, want := held(hotMerchant), h.hot.Load()*holdAmount; got != want {
		b.Errorf("held on %s: %d, want %d", hotMerchant, got, want)
	}
	var spread int64
	for i := range benchMerchants {
		spread += held(benchMerchant(i))
	}
	if want := h.spread.Load() * holdAmount; spread != want {
		b.Errorf("held on the spread merchants: %d, want %d", spread, want)
	}
}

// BenchPostEntry is InTx with one PostEntry of a hold: on accounts spread
// over 1000 merchants or on one hot merchant, from one goroutine or from 4
// per CPU (RunParallel), on a store from open.
func BenchPostEntry(b *testing.B, open func(testing.TB) Store) {
	s := open(b)
	fundMerchants(b, s)
	h := &holder{s: s}
	for _, tc := range []struct {
		name string
		post func(context.Context) error
	}{
		{"Spread", h.holdSpread},
		{"Hot", h.holdHot},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := b.Context()
			for b.Loop() {
				if err := tc.post(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"Parallel", func(b *testing.B) {
			ctx := b.Context()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := tc.post(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	h.check(b)
}

// benchPayload is a notification's outbox payload, as the gateway queues it.
func benchPayload(b *testing.B) []byte {
	b.Helper()
	p, err := json.Marshal(gateway.Event{
		Name: "disbursement.success", Kind: "payout", TransactionID: "DU514182073259261952",
		MchOrderID: "BENCH-000001", MerchantID: "m-1", CountryCode: "PH", Currency: "PHP", Amount: 150000,
		Fee: 1750, Status: gateway.StatusCompleted, Dialect: gateway.DialectA,
		CreateTime: time.Date(2026, 3, 2, 6, 14, 47, 0, time.UTC), ReturnTime: time.Date(2026, 3, 2, 6, 16, 17, 0, time.UTC),
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchClaimOutbox claims batches of 32 from a table of N pending
// notifications, due one millisecond apart as a steady flow queues them or,
// for Burst, all due at the same instant. Each claim is a minute after the
// previous one's lease ended, so every message is due again and the table
// keeps N pending ones without being written between claims.
func BenchClaimOutbox(b *testing.B, open func(testing.TB) Store) {
	const batch = 32
	for _, tc := range []struct {
		n     int
		burst bool
	}{{1_000, false}, {10_000, false}, {10_000, true}} {
		name := "Pending" + strconv.Itoa(tc.n)
		if tc.burst {
			name += "Burst"
		}
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			payload := benchPayload(b)
			err := s.InTx(ctx, func(tx gateway.Tx) error {
				for i := range tc.n {
					due := t0
					if !tc.burst {
						due = t0.Add(time.Duration(i) * time.Millisecond)
					}
					m := gateway.OutboxMessage{Topic: gateway.TopicNotify, AppID: "app-bench",
						TransactionID: "DU" + strconv.Itoa(i), Event: "disbursement.success",
						URL: "https://merchant.example/notify", Payload: payload, NextAttemptAt: due, CreatedAt: due}
					if err := tx.InsertOutbox(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			now := t0.Add(time.Duration(tc.n) * time.Millisecond) // every message is due
			for b.Loop() {
				now = now.Add(2 * time.Minute)
				msgs, err := s.ClaimOutbox(ctx, "bench", now, now.Add(time.Minute), batch)
				if err != nil {
					b.Fatal(err)
				}
				if len(msgs) != batch || msgs[0].ID >= msgs[batch-1].ID || msgs[0].Status != gateway.OutboxPending {
					b.Fatalf("claimed %d messages, want %d in order", len(msgs), batch)
				}
			}
		})
	}
}
