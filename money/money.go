// Package money formats and parses amounts held as integer minor units.
//
// Amounts never pass through a float: the gateway stores and computes int64
// counts of a currency's minor unit (centavo, sen, satang, kopeck, céntimo;
// whole rupiah for IDR) and turns them into decimal strings only at the edge.
package money

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Exponent returns the number of decimal places of a currency's minor unit
// as the providers count it, and false for a currency the gateway does not
// know. IDR amounts are in whole rupiah, so its exponent is 0.
func Exponent(currency string) (int, bool) {
	switch currency {
	case "PHP", "MYR", "THB", "RUB", "PEN":
		return 2, true
	case "IDR":
		return 0, true
	}
	return 0, false
}

// FormatMajor renders minor units of a currency as a decimal string in major
// units with exactly two decimal places ("1234.50", "-0.05", for IDR
// "150000.00"), the form the providers use for balances and dialect B amounts.
func FormatMajor(minor int64, currency string) string {
	exp, ok := Exponent(currency)
	if !ok {
		exp = 2
	}
	// Scale to hundredths of the major unit.
	hundredths := minor
	for i := exp; i < 2; i++ {
		hundredths *= 10
	}
	neg := hundredths < 0
	u := uint64(hundredths)
	if neg {
		u = uint64(-(hundredths + 1)) + 1 // safe for math.MinInt64
	}
	s := fmt.Sprintf("%d.%02d", u/100, u%100)
	if neg {
		s = "-" + s
	}
	return s
}

// ErrSyntax reports a decimal amount that is not a plain non-negative number
// with at most as many decimal places as the currency allows.
var ErrSyntax = errors.New("money: not a decimal amount")

// ErrRange reports an amount too large to hold in minor units.
var ErrRange = errors.New("money: amount out of range")

// ParseMajor parses a decimal string in major units ("100", "100.5",
// "100.50") into minor units of the currency. It accepts no sign, no
// exponent, no thousands separators and no more decimal places than the
// minor unit has (for IDR, trailing zero decimals such as "100.00" are
// accepted since they lose nothing).
func ParseMajor(s, currency string) (int64, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return 0, fmt.Errorf("money: unknown currency %q", currency)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, ErrSyntax
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > exp {
		return 0, ErrSyntax
	}
	for len(frac) < exp {
		frac += "0"
	}
	frac = frac[:exp]
	var v int64
	for _, c := range whole + frac {
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, ErrRange
		}
		v = v*10 + d
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
