package gateway

import (
	"strconv"
	"sync"
	"time"
)

// IDs makes transaction ids: a letter prefix and a decimal number built from
// milliseconds since 2020-01-01 (41 bits), a node number (10 bits) and a
// per-millisecond sequence (12 bits). Ids from one node are strictly
// increasing; nodes never share a number (the store hands them out), so ids
// are unique across nodes and sort by time.
type IDs struct {
	mu    sync.Mutex
	node  int64
	clock Clock
	last  int64 // last millisecond used
	seq   int64
}

var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// NewIDs returns a generator for node (taken mod 1024).
func NewIDs(node int64, clock Clock) *IDs {
	return &IDs{node: node & 1023, clock: clock}
}

// Next returns a new id with the given prefix, e.g. "D1656505190221611009".
func (g *IDs) Next(prefix string) string {
	g.mu.Lock()
	ms := g.clock.Now().UnixMilli() - idEpoch
	if ms <= g.last {
		// Same millisecond, or the clock went back: keep counting from the
		// last millisecond so ids never repeat or go backwards.
		ms = g.last
		g.seq++
		if g.seq > 4095 {
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.last = ms
	n := ms<<22 | g.node<<12 | g.seq
	g.mu.Unlock()
	return prefix + strconv.FormatInt(n, 10)
}
