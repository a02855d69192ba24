package gateway

import (
	"context"
	"sync"
	"time"
)

// ttlCache remembers values for a while: the enabled apps that App returns
// and the fees that payouts are priced with, which every request of a busy
// merchant would otherwise read again. A change made through this Gateway
// forgets the old value at once; one made by another process (the CLI)
// reaches this one within the ttl (Config.CacheTTL). Its clock is the
// machine's, not the Gateway's: it ages entries, it does not date money.
type ttlCache[V any] struct {
	ttl time.Duration // <= 0: nothing is remembered
	mu  sync.RWMutex
	m   map[string]cached[V]
	gen uint64 // raised by forget and clear: a value read before may not be put back
}

type cached[V any] struct {
	v       V
	expires time.Time
}

// maxCached bounds a cache: reaching it forgets everything rather than grow.
const maxCached = 100_000

func (c *ttlCache[V]) get(key string) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return zero, false
	}
	return e.v, true
}

// generation is to be read before the store is: put stores a value only if
// no forget or clear came in between.
func (c *ttlCache[V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *ttlCache[V]) put(key string, v V, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // changed since v was read
	}
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]cached[V]{}
	}
	c.m[key] = cached[V]{v: v, expires: time.Now().Add(c.ttl)}
}

func (c *ttlCache[V]) forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen++
	c.mu.Unlock()
}

func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

// findFee is the store's FindFee through the fee cache.
func (g *Gateway) findFee(ctx context.Context, merchantID, channel string) (Fee, error) {
	key := merchantID + "\x00" + channel
	if f, ok := g.fees.get(key); ok {
		return f, nil
	}
	gen := g.fees.generation()
	f, err := g.store.FindFee(ctx, merchantID, channel)
	if err != nil {
		return Fee{}, err
	}
	g.fees.put(key, f, gen)
	return f, nil
}
