// Package ratelimit limits how often each of many callers may act: a token
// bucket per key (a dialect A appId, a dialect B merchant number), kept as
// the generic cell rate algorithm's one timestamp per key, on an injected
// clock. The API dialects use it to answer a merchant that calls too often
// with "too many requests" and when to retry.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock tells the time; gateway.SystemClock and tests' clocks satisfy it.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Limit is a rate of N calls per Per, of which up to Burst may come at once.
// A Limit whose N is 0 limits nothing.
type Limit struct {
	N     int
	Per   time.Duration
	Burst int
}

// Parse reads a rate such as "100/s", "6000/m" or "50000/h", or "0" for no
// limit, with the burst a bucket holds (at least 1 when there is a limit).
func Parse(rate string, burst int) (Limit, error) {
	rate = strings.TrimSpace(rate)
	if rate == "0" || rate == "" {
		return Limit{}, nil
	}
	n, unit, ok := strings.Cut(rate, "/")
	count, err := strconv.Atoi(n)
	per, known := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	if !ok || err != nil || count <= 0 || !known {
		return Limit{}, fmt.Errorf("rate %q: want N/s, N/m or N/h with N a positive integer, or 0 for no limit", rate)
	}
	if burst < 1 {
		return Limit{}, fmt.Errorf("burst %d: must be at least 1", burst)
	}
	if per/time.Duration(count) <= 0 {
		return Limit{}, fmt.Errorf("rate %q: more than one call per nanosecond", rate)
	}
	return Limit{N: count, Per: per, Burst: burst}, nil
}

// String returns the limit as Parse reads it, with its burst.
func (l Limit) String() string {
	if l.N == 0 {
		return "no limit"
	}
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[l.Per]
	if unit == "" {
		unit = l.Per.String()
	}
	return fmt.Sprintf("%d/%s (burst %d)", l.N, unit, l.Burst)
}

// Limiter holds one bucket per key. Its methods are safe for concurrent
// use; a nil *Limiter allows everything.
type Limiter struct {
	limit    Limit
	clock    Clock
	interval time.Duration // time one call's token takes to come back
	window   time.Duration // interval * Burst: how far ahead the buckets may run

	mu  sync.Mutex
	tat map[string]time.Time // per key: when its bucket is full again
}

// New returns a limiter of l on clock (nil: the wall clock), or nil when l
// limits nothing.
func New(l Limit, clock Clock) *Limiter {
	if l.N <= 0 {
		return nil
	}
	if clock == nil {
		clock = systemClock{}
	}
	interval := l.Per / time.Duration(l.N)
	return &Limiter{limit: l, clock: clock, interval: interval, window: interval * time.Duration(l.Burst),
		tat: map[string]time.Time{}}
}

// Limit returns the limit the limiter applies.
func (l *Limiter) Limit() Limit {
	if l == nil {
		return Limit{}
	}
	return l.limit
}

// pruneAt is the number of keys at which Allow forgets the full buckets,
// which are the same as absent ones.
const pruneAt = 4096

// Allow takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns false and how long until a token is back.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, seen := l.tat[key]
	if !seen || tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	if ahead := next.Sub(now); ahead > l.window {
		return false, ahead - l.window
	}
	if !seen && len(l.tat) >= pruneAt {
		l.prune(now)
	}
	l.tat[key] = next
	return true, 0
}

// prune forgets the keys whose buckets are full.
func (l *Limiter) prune(now time.Time) {
	for k, t := range l.tat {
		if !t.After(now) {
			delete(l.tat, k)
		}
	}
}

// RetryAfterSeconds is retryAfter as the value of a Retry-After header:
// whole seconds, rounded up, at least 1.
func RetryAfterSeconds(retryAfter time.Duration) string {
	s := (retryAfter + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(int64(s), 10)
}
