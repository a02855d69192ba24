package auth

import (
	"fmt"
	"testing"
	"time"
)

var limT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fail records a failed attempt on key at now, or fails the test when the
// key is locked.
func fail(t *testing.T, l *limiter, now time.Time, key string, most int) {
	t.Helper()
	a, wait := l.reserve(now, limit{key, most})
	if a == nil {
		t.Fatalf("%s locked for %v at %v", key, wait, now)
	}
	l.finish(a, true)
}

func TestLimiterSlidingWindow(t *testing.T) {
	t.Parallel()
	l := newLimiter(10 * time.Minute)
	k := limit{"k", 3}
	locked := func(now time.Time, limits ...limit) time.Duration {
		t.Helper()
		a, wait := l.reserve(now, limits...)
		if a != nil {
			l.finish(a, false)
		}
		return wait
	}
	fail(t, l, limT0, "k", 3)
	fail(t, l, limT0.Add(4*time.Minute), "k", 3)
	if d := locked(limT0.Add(5*time.Minute), k); d != 0 {
		t.Errorf("locked after 2 of 3 failures: %v", d)
	}
	fail(t, l, limT0.Add(5*time.Minute), "k", 3)
	if d := locked(limT0.Add(6*time.Minute), limit{"", 1}, limit{"other", 3}, k); d != 4*time.Minute {
		t.Errorf("after 3 failures: locked for %v, want 4m (until the first leaves the window)", d)
	}
	// At t0+10m the first failure leaves; at t0+12m a new one makes three
	// again in the window, until t0+14m.
	if d := locked(limT0.Add(10*time.Minute), k); d != 0 {
		t.Errorf("locked once the first failure left the window: %v", d)
	}
	fail(t, l, limT0.Add(12*time.Minute), "k", 3)
	if d := locked(limT0.Add(12*time.Minute), k); d != 2*time.Minute {
		t.Errorf("after a fourth failure: locked for %v, want 2m", d)
	}
	l.clear("k")
	if d := locked(limT0.Add(12*time.Minute), k); d != 0 {
		t.Errorf("locked after clear: %v", d)
	}
}

// TestLimiterInFlight: an attempt counts from its reservation on, until it
// is known not to have failed.
func TestLimiterInFlight(t *testing.T) {
	t.Parallel()
	l := newLimiter(10 * time.Minute)
	k := limit{"k", 3}
	var held []*attempt
	for i := range 3 {
		a, wait := l.reserve(limT0.Add(time.Duration(i)*time.Minute), k)
		if a == nil {
			t.Fatalf("attempt %d refused for %v", i+1, wait)
		}
		held = append(held, a)
	}
	now := limT0.Add(3 * time.Minute)
	if a, wait := l.reserve(now, k); a != nil || wait != 7*time.Minute {
		t.Fatalf("a fourth attempt while three are in flight: %v, locked for %v; want locked for 7m", a, wait)
	}
	// A success forgives its own attempt only; clearing the key's failures
	// does not forgive the attempts still in flight.
	l.finish(held[0], false)
	l.clear("k")
	a, _ := l.reserve(now, k)
	if a == nil {
		t.Fatal("locked after an attempt in flight succeeded")
	}
	if b, _ := l.reserve(now, k); b != nil {
		t.Fatal("a fifth attempt passed while three are in flight again")
	}
	// Failures stay counted at the time their attempts began.
	l.finish(held[1], true)
	l.finish(held[2], true)
	l.finish(a, true)
	if b, wait := l.reserve(now, k); b != nil || wait != 8*time.Minute {
		t.Errorf("after three failures: %v, locked for %v; want locked for 8m (until the failure of t0+1m leaves)", b, wait)
	}
}

// TestLimiterLimits: each key has its own limit, and a refused attempt
// reserves nothing against any of them.
func TestLimiterLimits(t *testing.T) {
	t.Parallel()
	l := newLimiter(time.Hour)
	email, ip := limit{"email:a", 2}, limit{"ip:1", 4}
	for range 2 {
		a, _ := l.reserve(limT0, email, ip)
		l.finish(a, true)
	}
	if a, _ := l.reserve(limT0, email, ip); a != nil {
		t.Fatal("the email passed its limit of 2")
	}
	// The refused attempts did not count against the address: two more
	// emails fit under its limit of 4, and not a third.
	for i := range 2 {
		a, wait := l.reserve(limT0, limit{fmt.Sprintf("email:b%d", i), 2}, ip)
		if a == nil {
			t.Fatalf("failure %d of the address's 4 refused for %v", i+3, wait)
		}
		l.finish(a, true)
	}
	if a, _ := l.reserve(limT0, limit{"email:c", 2}, ip); a != nil {
		t.Error("the address passed its limit of 4")
	}
	if n := len(l.keys); n != 4 {
		t.Errorf("%d keys held, want 4 (refused attempts leave none behind)", n)
	}
}

func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	l := newLimiter(time.Minute)
	for i := range maxLimiterKeys + 1000 {
		fail(t, l, limT0, fmt.Sprintf("ip:%d", i), 5)
	}
	if n := len(l.keys); n > maxLimiterKeys {
		t.Errorf("%d keys held, want at most %d", n, maxLimiterKeys)
	}
	// Once the window has passed, the next failure prunes every stale key.
	fail(t, l, limT0.Add(time.Minute), "fresh", 5)
	if n := len(l.keys); n != 1 {
		t.Errorf("%d keys held after the window, want only the fresh one", n)
	}
}

// TestLimiterEvictsOldest: when the map is full of live keys, the keys
// that went quiet first go, not a random few; a key whose first failure
// is the oldest of all but whose last is recent stays.
func TestLimiterEvictsOldest(t *testing.T) {
	t.Parallel()
	l := newLimiter(time.Hour)
	at := func(i int) time.Time { return limT0.Add(time.Duration(i) * time.Millisecond) }
	fail(t, l, at(0), "email:victim", 5)
	for i := 1; len(l.keys) < maxLimiterKeys; i++ {
		fail(t, l, at(i), fmt.Sprintf("ip:%d", i), 5)
	}
	fail(t, l, at(maxLimiterKeys), "email:victim", 5)
	fail(t, l, at(maxLimiterKeys+1), "ip:new", 5)

	if n := len(l.keys); n >= maxLimiterKeys || n < maxLimiterKeys*8/10 {
		t.Fatalf("%d keys held after the overflow, want about 90%% of %d", n, maxLimiterKeys)
	}
	for _, k := range []string{"email:victim", "ip:new"} {
		if l.keys[k] == nil {
			t.Errorf("%s was evicted", k)
		}
	}
	// The keys kept are exactly the newest ones.
	oldestKept := maxLimiterKeys
	for i := 1; i < maxLimiterKeys; i++ {
		if l.keys[fmt.Sprintf("ip:%d", i)] != nil {
			oldestKept = i
			break
		}
	}
	for i := oldestKept; i < maxLimiterKeys; i++ {
		if l.keys[fmt.Sprintf("ip:%d", i)] == nil {
			t.Fatalf("ip:%d was evicted but ip:%d, older, was kept", i, oldestKept)
		}
	}
	if victim := l.keys["email:victim"]; victim != nil && len(victim.failures) != 2 {
		t.Errorf("the victim's failures: %v, want both kept", victim.failures)
	}
}
