package notify

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// DefaultSchedule is the retry schedule of both dialects: after the first
// failed attempt wait 1 minute, then 2, 4, ... up to 512 minutes; ten
// retries, eleven attempts in all.
var DefaultSchedule = []time.Duration{
	1 * time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
	32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 512 * time.Minute,
}

// ellipsis in a schedule stands for the doubling from the value before it up
// to the value after it.
const ellipsis = "..."

// ParseSchedule parses a retry schedule: comma-separated Go durations, where
// an element "..." between two values keeps doubling the previous value up to
// and including the next one, so "1m,2m,4m,...,512m" is DefaultSchedule and
// "1s,...,8s" is 1s,2s,4s,8s. Spaces around elements are ignored. It returns
// an error for an empty schedule or element, a duration that is not positive,
// a "..." at either end or next to another, and a "..." whose doubling does
// not land exactly on the value after it.
func ParseSchedule(s string) ([]time.Duration, error) {
	parts := strings.Split(s, ",")
	out := make([]time.Duration, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		p := strings.TrimSpace(parts[i])
		switch {
		case p == "":
			return nil, fmt.Errorf("notify: schedule %q: element %d is empty", s, i+1)
		case p == ellipsis && (i == 0 || i == len(parts)-1):
			return nil, fmt.Errorf("notify: schedule %q: %q needs a value on both sides", s, ellipsis)
		case p == ellipsis:
			// The value before is out's last; the one after is parsed here.
			next, err := parseStep(s, i+2, parts[i+1])
			if err != nil {
				return nil, err
			}
			steps, err := doubling(out[len(out)-1], next)
			if err != nil {
				return nil, fmt.Errorf("notify: schedule %q: %w", s, err)
			}
			out = append(out, steps...)
			i++
		default:
			d, err := parseStep(s, i+1, p)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// parseStep parses the n-th element of schedule s, which must be a positive
// duration.
func parseStep(s string, n int, p string) (time.Duration, error) {
	p = strings.TrimSpace(p)
	if p == ellipsis {
		return 0, fmt.Errorf("notify: schedule %q: element %d: %q must follow a value", s, n, ellipsis)
	}
	if p == "" {
		return 0, fmt.Errorf("notify: schedule %q: element %d is empty", s, n)
	}
	d, err := time.ParseDuration(p)
	if err != nil {
		return 0, fmt.Errorf("notify: schedule %q: element %d: %w", s, n, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("notify: schedule %q: element %d: %s is not positive", s, n, p)
	}
	return d, nil
}

// doubling returns from*2, from*4, ... up to and including to, which the
// doubling must reach exactly.
func doubling(from, to time.Duration) ([]time.Duration, error) {
	var out []time.Duration
	for d := from; d < to; {
		if d > math.MaxInt64/2 {
			return nil, errors.New("doubling overflows")
		}
		d *= 2
		if d > to {
			return nil, fmt.Errorf("doubling %s does not reach %s exactly", formatDuration(from), formatDuration(to))
		}
		out = append(out, d)
	}
	if len(out) == 0 && from != to {
		return nil, fmt.Errorf("doubling %s cannot reach the smaller %s", formatDuration(from), formatDuration(to))
	}
	return out, nil
}

// FormatSchedule writes a schedule in ParseSchedule's form, a run of five or
// more doublings shortened with "...": DefaultSchedule is
// "1m,2m,4m,...,512m". ParseSchedule(FormatSchedule(s)) equals s for every
// schedule of positive durations.
func FormatSchedule(s []time.Duration) string {
	var parts []string
	for i := 0; i < len(s); {
		j := i // s[i..j] doubles at each step
		for j+1 < len(s) && s[j] <= math.MaxInt64/2 && s[j+1] == 2*s[j] {
			j++
		}
		if j-i+1 >= 5 {
			parts = append(parts, formatDuration(s[i]), formatDuration(s[i+1]), formatDuration(s[i+2]), ellipsis, formatDuration(s[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, formatDuration(s[k]))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// formatDuration writes d in the largest unit that divides it ("512m", "1h",
// "1500ms"), which time.ParseDuration reads back.
func formatDuration(d time.Duration) string {
	units := []struct {
		name string
		d    time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}}
	if d > 0 {
		for _, u := range units {
			if d%u.d == 0 {
				return fmt.Sprintf("%d%s", d/u.d, u.name)
			}
		}
	}
	return d.String()
}
