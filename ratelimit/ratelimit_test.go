package ratelimit

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeClock is moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate  string
		burst int
		want  Limit
	}{
		{"100/s", 200, Limit{100, time.Second, 200}},
		{" 6000/m", 1, Limit{6000, time.Minute, 1}},
		{"5/h", 5, Limit{5, time.Hour, 5}},
		{"0", 0, Limit{}},
		{"", 0, Limit{}},
	} {
		got, err := Parse(tc.rate, tc.burst)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q, %d) = %+v, %v; want %+v", tc.rate, tc.burst, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		rate  string
		burst int
	}{{"100", 10}, {"100/d", 10}, {"-1/s", 10}, {"x/s", 10}, {"1.5/s", 10}, {"10/s", 0}, {"2000000000/s", 10}} {
		if l, err := Parse(tc.rate, tc.burst); err == nil {
			t.Errorf("Parse(%q, %d) = %+v, want an error", tc.rate, tc.burst, l)
		}
	}
	if s := (Limit{100, time.Second, 200}).String(); s != "100/s (burst 200)" {
		t.Errorf("String() = %q", s)
	}
}

// TestBucket spends a burst, is refused with the time to the next token,
// gets one token per interval back, and never more than the burst however
// long it waits; keys do not share buckets.
func TestBucket(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(Limit{N: 10, Per: time.Second, Burst: 3}, clock) // a token every 100ms
	for i := range 3 {
		if ok, _ := l.Allow("app-1"); !ok {
			t.Fatalf("call %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("app-1")
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("fourth call: ok %v, retry after %v; want refused, 100ms", ok, wait)
	}
	if ok, _ := l.Allow("app-2"); !ok {
		t.Fatal("another key was refused")
	}
	clock.advance(40 * time.Millisecond)
	if ok, wait := l.Allow("app-1"); ok || wait != 60*time.Millisecond {
		t.Fatalf("40ms later: ok %v, retry after %v; want refused, 60ms", ok, wait)
	}
	clock.advance(60 * time.Millisecond)
	if ok, _ := l.Allow("app-1"); !ok {
		t.Fatal("a token did not come back after the interval")
	}
	if ok, _ := l.Allow("app-1"); ok {
		t.Fatal("two tokens came back after one interval")
	}
	// A long pause refills the bucket to the burst, no further.
	clock.advance(time.Hour)
	allowed := 0
	for range 10 {
		if ok, _ := l.Allow("app-1"); ok {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("after an hour %d calls went through at once, want the burst of 3", allowed)
	}
}

// TestSustainedRate: over ten simulated seconds at 1000 calls a second
// against a limit of 100/s, the burst plus 100 a second go through.
func TestSustainedRate(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := New(Limit{N: 100, Per: time.Second, Burst: 20}, clock)
	allowed := 0
	for range 10_000 {
		if ok, _ := l.Allow("k"); ok {
			allowed++
		}
		clock.advance(time.Millisecond)
	}
	if allowed < 20+999 || allowed > 20+1001 {
		t.Fatalf("%d calls allowed in 10s, want about 20 + 1000", allowed)
	}
}

func TestConcurrentCallers(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := New(Limit{N: 1, Per: time.Hour, Burst: 50}, clock)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 200 {
		wg.Go(func() {
			if ok, _ := l.Allow("k"); ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d of 200 concurrent calls allowed, want the burst of 50", allowed)
	}
}

func TestNoLimitAndPruning(t *testing.T) {
	t.Parallel()
	var l *Limiter = New(Limit{}, nil)
	if l != nil {
		t.Fatal("New of no limit returned a limiter")
	}
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("a nil limiter refused")
	}
	clock := &fakeClock{t: time.Unix(0, 0)}
	l = New(Limit{N: 1, Per: time.Second, Burst: 1}, clock)
	for i := range pruneAt {
		l.Allow(strconv.Itoa(i))
	}
	clock.advance(2 * time.Second)
	l.Allow("new")
	if n := len(l.tat); n != 1 {
		t.Fatalf("%d buckets kept after every old one filled up, want 1", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 90 * time.Second: "90"} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %q, want %q", d, got, want)
		}
	}
}
