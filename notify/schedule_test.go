package notify

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	const m, s = time.Minute, time.Second
	ok := []struct {
		name, in string
		want     []time.Duration
	}{
		{"Default", "1m,2m,4m,...,512m", DefaultSchedule},
		{"Plain", "1m,2m,4m", []time.Duration{m, 2 * m, 4 * m}},
		{"One", "30s", []time.Duration{30 * s}},
		{"EllipsisAfterFirst", "1s,...,8s", []time.Duration{s, 2 * s, 4 * s, 8 * s}},
		{"EllipsisOneStep", "1s,...,2s", []time.Duration{s, 2 * s}},
		{"EllipsisThenMore", "1s,...,4s,10s,...,40s,1h", []time.Duration{s, 2 * s, 4 * s, 10 * s, 20 * s, 40 * s, time.Hour}},
		{"MixedUnits", "30s,...,2m", []time.Duration{30 * s, m, 2 * m}},
		{"Spaces", " 1m , ... , 4m ", []time.Duration{m, 2 * m, 4 * m}},
		{"NotIncreasing", "10m,1m", []time.Duration{10 * m, m}},
		{"Fractions", "1.5s,...,6s", []time.Duration{1500 * time.Millisecond, 3 * s, 6 * s}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSchedule(tt.in)
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}

	bad := []struct{ name, in, msg string }{
		{"Empty", "", "empty"},
		{"EmptyElement", "1m,,2m", "element 2 is empty"},
		{"TrailingComma", "1m,2m,", "element 3 is empty"},
		{"Zero", "0s", "not positive"},
		{"Negative", "1m,-2m", "not positive"},
		{"NotADuration", "1m,soon", "element 2"},
		{"NoUnit", "5", "element 1"},
		{"EllipsisFirst", "...,4m", "both sides"},
		{"EllipsisLast", "1m,...", "both sides"},
		{"EllipsisAlone", "...", "both sides"},
		{"TwoEllipses", "1m,...,...,4m", "must follow a value"},
		{"NotLanding", "1m,...,5m", "does not reach 5m exactly"},
		{"Shrinking", "4m,...,1m", "cannot reach"},
		{"EllipsisToZero", "1m,...,0s", "not positive"},
		{"Overflow", "2562047h,...,2562047h47m16s", "overflows"},
	}
	for _, tt := range bad {
		t.Run("Err"+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSchedule(tt.in)
			if err == nil {
				t.Fatalf("ParseSchedule(%q) = %v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ParseSchedule(%q): error %q does not say %q", tt.in, err, tt.msg)
			}
		})
	}
}

func TestFormatSchedule(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   []time.Duration
		want string
	}{
		{"Default", DefaultSchedule, "1m,2m,4m,...,512m"},
		{"ShortRun", []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, "1s,2s,4s,8s"},
		{"Units", []time.Duration{time.Hour, 90 * time.Minute, 1500 * time.Millisecond, 3 * time.Microsecond, 7}, "1h,90m,1500ms,3us,7ns"},
		{"TwoRuns", []time.Duration{1, 2, 4, 8, 16, 3, 6, 12, 24, 48, 96}, "1ns,2ns,4ns,...,16ns,3ns,6ns,12ns,...,96ns"},
		{"Empty", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FormatSchedule(tt.in)
			if got != tt.want {
				t.Fatalf("FormatSchedule(%v) = %q, want %q", tt.in, got, tt.want)
			}
			if len(tt.in) == 0 {
				return
			}
			back, err := ParseSchedule(got)
			if err != nil || !slices.Equal(back, tt.in) {
				t.Fatalf("ParseSchedule(%q) = %v, %v; want %v", got, back, err, tt.in)
			}
		})
	}
}

// FuzzParseSchedule checks that whatever parses is a schedule of positive
// durations that formats and parses back to itself.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"1m,2m,4m,...,512m", "1s,...,8s", "1m,,2m", "...,1m", "1m,...,5m", "1.5h,3h", "1ns,...,4611686018427387904ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSchedule(s)
		if err != nil {
			if got != nil {
				t.Fatalf("ParseSchedule(%q) returned %v with error %v", s, got, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseSchedule(%q) returned an empty schedule", s)
		}
		for _, d := range got {
			if d <= 0 {
				t.Fatalf("ParseSchedule(%q) = %v: %v is not positive", s, got, d)
			}
		}
		text := FormatSchedule(got)
		back, err := ParseSchedule(text)
		if err != nil || !slices.Equal(back, got) {
			t.Fatalf("ParseSchedule(%q) = %v; formatted %q parses to %v, %v", s, got, text, back, err)
		}
	})
}
