package auth

import (
	"sync"
	"time"
)

// maxLimiterKeys bounds the limiter's memory: about a hundred bytes a key.
const maxLimiterKeys = 100_000

// limiter counts failed sign-ins per key (an email or an address) in a
// sliding window: a key is locked while it has max failures younger than
// window. It lives in memory, so a restart forgets it, and each process of
// a deployment counts its own.
type limiter struct {
	max    int
	window time.Duration

	mu        sync.Mutex
	failures  map[string][]time.Time // the last max failures of a key, oldest first
	lastPrune time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, failures: map[string][]time.Time{}}
}

// locked returns how long the longest-locked of keys stays locked at now;
// zero when none is. Empty keys are ignored.
func (l *limiter) locked(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		fs := l.failures[k]
		if k == "" || len(fs) < l.max {
			continue
		}
		// The key unlocks when its oldest counted failure leaves the window.
		if d := fs[0].Add(l.window).Sub(now); d > wait {
			wait = d
		}
	}
	return wait
}

// fail records a failure of each of keys at now. Empty keys are ignored.
func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	for _, k := range keys {
		if k == "" {
			continue
		}
		fs := l.live(l.failures[k], now)
		if fs == nil && len(l.failures) >= maxLimiterKeys {
			l.evict()
		}
		fs = append(fs, now)
		if len(fs) > l.max {
			fs = fs[len(fs)-l.max:]
		}
		l.failures[k] = fs
	}
}

// clear forgets the failures of key.
func (l *limiter) clear(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// live returns the failures of fs still inside the window at now.
func (l *limiter) live(fs []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(fs) {
		return nil
	}
	return fs[i:]
}

// prune drops the keys whose failures have all left the window, at most
// once a window: a full pass costs a walk of the map.
func (l *limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < l.window && len(l.failures) < maxLimiterKeys {
		return
	}
	l.lastPrune = now
	for k, fs := range l.failures {
		if l.live(fs, now) == nil {
			delete(l.failures, k)
		}
	}
}

// evict makes room when the map is full of live keys: it drops about a
// tenth of them, whichever the map's random order yields first. Under such
// a flood of distinct emails or addresses some counts are lost; the memory
// stays bounded.
func (l *limiter) evict() {
	n := maxLimiterKeys / 10
	for k := range l.failures {
		if n == 0 {
			return
		}
		delete(l.failures, k)
		n--
	}
}
