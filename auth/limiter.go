package auth

import (
	"slices"
	"sync"
	"time"
)

// maxLimiterKeys bounds the limiter's memory: about a hundred bytes a key.
const maxLimiterKeys = 100_000

// limiter counts sign-in attempts per key (an email or an address) in a
// sliding window. An attempt is reserved before its password is checked and
// counts as a failure from then on, unless it turns out to succeed or is
// never checked; so parallel attempts cannot all pass the check before the
// first of them fails. A key is locked while it has as many failures and
// attempts in flight younger than window as its limit allows. The limiter
// lives in memory, so a restart forgets it, and each process of a
// deployment counts its own.
type limiter struct {
	window time.Duration

	mu        sync.Mutex
	keys      map[string]*counts
	lastPrune time.Time
}

// counts is what the limiter holds of one key.
type counts struct {
	failures []time.Time // the last failures, oldest first; no more than the key's limit
	inFlight []time.Time // when each attempt still being checked began, in no order
}

// limit is a key and how many failures it may have within the window.
type limit struct {
	key string
	max int
}

// attempt is a sign-in reserved by reserve; finish settles it.
type attempt struct {
	at     time.Time
	limits []limit
}

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, keys: map[string]*counts{}}
}

// reserve counts an attempt at now against each of limits, if none of their
// keys is locked, and returns it; the caller must finish it. Otherwise it
// reserves nothing and returns how long the longest-locked key stays
// locked. Limits with an empty key are ignored.
func (l *limiter) reserve(now time.Time, limits ...limit) (*attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	var wait time.Duration
	for _, lim := range limits {
		if c := l.keys[lim.key]; lim.key != "" && c != nil {
			wait = max(wait, l.lockedFor(c, lim.max, now))
		}
	}
	if wait > 0 {
		return nil, wait
	}
	for _, lim := range limits {
		if lim.key == "" {
			continue
		}
		c := l.keys[lim.key]
		if c == nil {
			if len(l.keys) >= maxLimiterKeys {
				l.evict()
			}
			c = &counts{}
			l.keys[lim.key] = c
		}
		c.inFlight = append(c.inFlight, now)
	}
	return &attempt{at: now, limits: limits}, 0
}

// lockedFor returns how long c stays locked at now when it may have most
// failures; zero when it is not locked.
func (l *limiter) lockedFor(c *counts, most int, now time.Time) time.Duration {
	counted := l.live(c.failures, now)
	for _, t := range c.inFlight {
		if l.inWindow(t, now) {
			counted = append(counted, t)
		}
	}
	if len(counted) < most {
		return 0
	}
	// The key unlocks when enough of what it counts has left the window
	// for one more attempt to fit.
	slices.SortFunc(counted, time.Time.Compare)
	return counted[len(counted)-most].Add(l.window).Sub(now)
}

// finish settles an attempt of reserve. A failed one stays counted against
// each of its keys, as a failure at the time it began; any other leaves the
// counts as if it had never been made.
func (l *limiter) finish(a *attempt, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lim := range a.limits {
		c := l.keys[lim.key]
		if lim.key == "" || c == nil {
			continue // pruned once out of the window, or evicted
		}
		if i := slices.IndexFunc(c.inFlight, a.at.Equal); i >= 0 {
			c.inFlight = slices.Delete(c.inFlight, i, i+1)
		}
		if failed {
			i, _ := slices.BinarySearchFunc(c.failures, a.at, time.Time.Compare)
			c.failures = slices.Insert(c.failures, i, a.at)
			if len(c.failures) > lim.max {
				c.failures = slices.Delete(c.failures, 0, len(c.failures)-lim.max)
			}
		}
		if len(c.failures) == 0 && len(c.inFlight) == 0 {
			delete(l.keys, lim.key)
		}
	}
}

// clear forgets the failures of key. Its attempts still in flight stay
// counted: they may yet fail.
func (l *limiter) clear(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.keys[key]
	if c == nil {
		return
	}
	c.failures = nil
	if len(c.inFlight) == 0 {
		delete(l.keys, key)
	}
}

// inWindow reports whether something at t still counts at now.
func (l *limiter) inWindow(t, now time.Time) bool { return t.After(now.Add(-l.window)) }

// live returns a copy of the failures of fs still inside the window at now.
func (l *limiter) live(fs []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(fs) && !l.inWindow(fs[i], now) {
		i++
	}
	return slices.Clone(fs[i:])
}

// newest returns the time of the latest failure or attempt of c.
func (c *counts) newest() time.Time {
	var t time.Time
	if n := len(c.failures); n > 0 {
		t = c.failures[n-1]
	}
	for _, f := range c.inFlight {
		if f.After(t) {
			t = f
		}
	}
	return t
}

// prune drops the keys with nothing left inside the window, at most once a
// window unless the map is full: a full pass costs a walk of the map.
func (l *limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < l.window && len(l.keys) < maxLimiterKeys {
		return
	}
	l.lastPrune = now
	for k, c := range l.keys {
		if !l.inWindow(c.newest(), now) {
			delete(l.keys, k)
		}
	}
}

// evict makes room when the map is full of live keys: it drops the tenth of
// them whose latest failure is oldest, so that a flood of new emails or
// addresses forgets the keys that have gone quiet first, never one picked
// at random. Among keys equally old, which go is the map's choice.
func (l *limiter) evict() {
	newest := make([]time.Time, 0, len(l.keys))
	for _, c := range l.keys {
		newest = append(newest, c.newest())
	}
	slices.SortFunc(newest, time.Time.Compare)
	n := max(len(newest)/10, 1)
	cut := newest[n-1]
	// Every key older than cut goes, and as many as cut itself as make n.
	older, _ := slices.BinarySearchFunc(newest, cut, time.Time.Compare)
	ties := n - older
	for k, c := range l.keys {
		switch t := c.newest(); {
		case t.Before(cut):
			delete(l.keys, k)
		case t.Equal(cut) && ties > 0:
			delete(l.keys, k)
			ties--
		}
	}
}
