package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterSlidingWindow(t *testing.T) {
	t.Parallel()
	l := newLimiter(3, 10*time.Minute)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.fail(t0, "k")
	l.fail(t0.Add(4*time.Minute), "k")
	if d := l.locked(t0.Add(5*time.Minute), "k"); d != 0 {
		t.Errorf("locked after 2 of 3 failures: %v", d)
	}
	l.fail(t0.Add(5*time.Minute), "k")
	if d := l.locked(t0.Add(6*time.Minute), "", "other", "k"); d != 4*time.Minute {
		t.Errorf("after 3 failures: locked for %v, want 4m (until the first leaves the window)", d)
	}
	// At t0+10m the first failure leaves; at t0+12m a new one makes three
	// again in the window, until t0+14m.
	if d := l.locked(t0.Add(10*time.Minute), "k"); d != 0 {
		t.Errorf("locked once the first failure left the window: %v", d)
	}
	l.fail(t0.Add(12*time.Minute), "k")
	if d := l.locked(t0.Add(12*time.Minute), "k"); d != 2*time.Minute {
		t.Errorf("after a fourth failure: locked for %v, want 2m", d)
	}
	l.clear("k")
	if d := l.locked(t0.Add(12*time.Minute), "k"); d != 0 {
		t.Errorf("locked after clear: %v", d)
	}
}

func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	l := newLimiter(5, time.Minute)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxLimiterKeys + 1000 {
		l.fail(t0, fmt.Sprintf("ip:%d", i))
	}
	if n := len(l.failures); n > maxLimiterKeys {
		t.Errorf("%d keys held, want at most %d", n, maxLimiterKeys)
	}
	// Once the window has passed, the next failure prunes every stale key.
	l.fail(t0.Add(time.Minute), "fresh")
	if n := len(l.failures); n != 1 {
		t.Errorf("%d keys held after the window, want only the fresh one", n)
	}
}
