package money

import (
	"errors"
	"math"
	"testing"
)

func TestFormatMajor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "PHP", "0.00"},
		{5, "PHP", "0.05"},
		{123450, "PHP", "1234.50"},
		{-5, "MYR", "-0.05"},
		{150000, "IDR", "150000.00"},
		{math.MinInt64, "THB", "-92233720368547758.08"},
		{math.MaxInt64, "THB", "92233720368547758.07"},
	}
	for _, tt := range tests {
		if got := FormatMajor(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatMajor(%d, %s) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestParseMajor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		currency string
		want     int64
		err      error
	}{
		{"100", "PEN", 10000, nil},
		{"100.5", "PEN", 10050, nil},
		{"100.50", "PEN", 10050, nil},
		{"0.01", "PHP", 1, nil},
		{"150000.00", "IDR", 150000, nil},
		{"150000.5", "IDR", 0, ErrSyntax},
		{"1.001", "PHP", 0, ErrSyntax},
		{"1.000", "PHP", 100, nil},
		{"-1", "PHP", 0, ErrSyntax},
		{"1e3", "PHP", 0, ErrSyntax},
		{"", "PHP", 0, ErrSyntax},
		{".5", "PHP", 0, ErrSyntax},
		{"5.", "PHP", 0, ErrSyntax},
		{"1,000", "PHP", 0, ErrSyntax},
		{"99999999999999999999", "PHP", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := ParseMajor(tt.in, tt.currency)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseMajor(%q, %s) = %d, %v; want %d, %v", tt.in, tt.currency, got, err, tt.want, tt.err)
		}
	}
	if _, err := ParseMajor("1", "XXX"); err == nil {
		t.Error("ParseMajor with unknown currency: want error")
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"0", "1.5", "100.00", "92233720368547758.07", "1e9", "-3"} {
		f.Add(s, "PHP")
		f.Add(s, "IDR")
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		v, err := ParseMajor(s, currency)
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("ParseMajor(%q) = %d: negative", s, v)
		}
		back, err := ParseMajor(FormatMajor(v, currency), currency)
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, v, FormatMajor(v, currency), back, err)
		}
	})
}
