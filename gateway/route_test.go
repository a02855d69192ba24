package gateway_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// flakyConn is a connector that fails every submission with err, counting them.
type flakyConn struct {
	err   error
	calls atomic.Int32
}

func (c *flakyConn) SubmitPayout(context.Context, gateway.Payout) (gateway.ChannelResult, error) {
	c.calls.Add(1)
	return gateway.ChannelResult{}, c.err
}

func (c *flakyConn) QueryPayout(context.Context, string) (gateway.ChannelResult, error) {
	return gateway.ChannelResult{Status: gateway.StatusPending}, nil
}

// twoRoutes routes every channel to "first", then the simulator.
type twoRoutes struct {
	first *flakyConn
	b     *bundle
}

func (r twoRoutes) Routes(string) []gateway.Route {
	return []gateway.Route{{Name: "first", Connector: r.first}, {Name: "sim", Connector: r.b.sim}}
}

func (r twoRoutes) Named(name string) (gateway.Connector, bool) {
	switch name {
	case "first":
		return r.first, true
	case "sim":
		return r.b.sim, true
	}
	return nil, false
}

func TestSubmitFailover(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		err           error
		wantConnector string
		wantState     gateway.ChannelState
	}{
		// Certainly not received: the next route takes it.
		{"NotSentFailsOver", gateway.ErrNotSent, "sim", gateway.ChannelSubmitted},
		// Unknown outcome: never sent elsewhere; the first connector is queried.
		{"UnknownStays", errors.New("read: connection reset"), "first", gateway.ChannelUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEngine(t, func(t *testing.T, b *bundle) {
				r := twoRoutes{first: &flakyConn{err: tc.err}, b: b}
				gw, err := gateway.New(b.ctx, b.store, r, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				p, err := gw.CreatePayout(b.ctx, b.app, payoutReq("fo-1"))
				if err != nil {
					t.Fatal(err)
				}
				if err := gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
					t.Fatal(err)
				}
				got, err := b.store.GetPayoutByID(b.ctx, p.TransactionID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Connector != tc.wantConnector || got.ChannelState != tc.wantState {
					t.Fatalf("payout with connector %q in state %s, want %q in %s", got.Connector, got.ChannelState, tc.wantConnector, tc.wantState)
				}
				if n := r.first.calls.Load(); n != 1 {
					t.Fatalf("first connector called %d times, want 1", n)
				}
				// A second submission (a redelivery) sends nothing anywhere.
				if err := gw.SubmitPayout(b.ctx, p.TransactionID); err != nil || r.first.calls.Load() != 1 {
					t.Fatalf("redelivery: %v, first connector calls %d", err, r.first.calls.Load())
				}
			})
		})
	}
	t.Run("AllDown", func(t *testing.T) {
		t.Parallel()
		forEngine(t, func(t *testing.T, b *bundle) {
			down := &flakyConn{err: gateway.ErrNotSent}
			r := onlyRoute{down}
			gw, err := gateway.New(b.ctx, b.store, r, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler),
				Config: gateway.Config{ReconcileAfter: time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := gw.CreatePayout(b.ctx, b.app, payoutReq("fo-2"))
			if err != nil {
				t.Fatal(err)
			}
			if err := gw.SubmitPayout(b.ctx, p.TransactionID); !errors.Is(err, gateway.ErrNotSent) {
				t.Fatalf("SubmitPayout with every route down = %v, want ErrNotSent", err)
			}
			got, _ := b.store.GetPayoutByID(b.ctx, p.TransactionID)
			if got.Status != gateway.StatusPending || got.ChannelState != gateway.ChannelNew {
				t.Fatalf("payout %s/%s, want PENDING and NEW (to be tried again)", got.Status, got.ChannelState)
			}
		})
	})
}

type onlyRoute struct{ c gateway.Connector }

func (r onlyRoute) Routes(string) []gateway.Route {
	return []gateway.Route{{Name: "only", Connector: r.c}}
}
func (r onlyRoute) Named(string) (gateway.Connector, bool) { return r.c, true }

func payoutReq(id string) gateway.PayoutRequest { return bdoPayout(id, "1234567890", 10_000) }

// upOnly knows the connector "up" alone.
type upOnly struct{ c gateway.Connector }

func (r upOnly) Routes(string) []gateway.Route { return []gateway.Route{{Name: "up", Connector: r.c}} }
func (r upOnly) Named(name string) (gateway.Connector, bool) {
	return r.c, name == "up"
}

func TestCheckRoutes(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.CheckRoutes(b.ctx); err != nil {
			t.Fatalf("no payouts in flight: %v", err)
		}
		p, err := b.gw.CreatePayout(b.ctx, b.app, payoutReq("cr-1"))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.gw.SubmitPayout(b.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		// The simulator holds it; a gateway whose routes dropped "sim" must say so.
		gw, err := gateway.New(b.ctx, b.store, upOnly{b.sim}, gateway.Options{Clock: b.clock, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if err := gw.CheckRoutes(b.ctx); err == nil || !strings.Contains(err.Error(), `"sim"`) {
			t.Fatalf("CheckRoutes = %v, want an error naming sim", err)
		}
		if err := b.gw.CheckRoutes(b.ctx); err != nil {
			t.Fatalf("CheckRoutes with sim routed: %v", err)
		}
		b.settle(t, p.TransactionID)
		if err := gw.CheckRoutes(b.ctx); err != nil {
			t.Fatalf("CheckRoutes once the payout is final: %v", err)
		}
	})
}
