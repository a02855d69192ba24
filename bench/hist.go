package bench

import (
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"
)

// histogram is a coarse latency histogram safe for concurrent use without
// locks, for the live line: buckets of microseconds, eight per power of
// two, so a quantile is off by at most an eighth.
type histogram struct {
	counts [nBuckets]atomic.Int64
}

const nBuckets = 64 * 8

// bucketOf returns the bucket of a latency of us microseconds.
func bucketOf(us uint64) int {
	if us < 8 {
		return int(us)
	}
	e := bits.Len64(us) - 1 // >= 3
	i := (e-2)*8 + int((us>>(e-3))&7)
	return min(i, nBuckets-1)
}

// bucketLow returns the smallest latency, in microseconds, of bucket i.
func bucketLow(i int) uint64 {
	if i < 8 {
		return uint64(i)
	}
	e, m := i/8+2, uint64(i%8)
	return (8 + m) << (e - 3)
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucketOf(uint64(max(d.Microseconds(), 0)))].Add(1)
}

// quantile returns an upper bound of the q-quantile (0 < q <= 1) of what
// was added so far, 0 when nothing was.
func (h *histogram) quantile(q float64) time.Duration {
	var total int64
	var snap [nBuckets]int64
	for i := range h.counts {
		snap[i] = h.counts[i].Load()
		total += snap[i]
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i, n := range snap {
		if seen += n; seen >= rank {
			return time.Duration(bucketLow(i+1)) * time.Microsecond
		}
	}
	return time.Duration(bucketLow(len(snap))) * time.Microsecond
}

// latencies are exact quantiles of a run, in milliseconds.
type latencies struct {
	P50, P90, P99, Max float64
}

// exactLatencies sorts all (in place) and returns its quantiles by the
// nearest-rank method.
func exactLatencies(all []time.Duration) latencies {
	if len(all) == 0 {
		return latencies{}
	}
	slices.Sort(all)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(all)))) - 1
		return ms(all[max(i, 0)])
	}
	return latencies{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(all[len(all)-1])}
}

// ms is d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}
