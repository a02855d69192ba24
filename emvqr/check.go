package emvqr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// checkText reports whether v is acceptable for the data object tag: at most
// max characters, all of them printable ASCII (the EMVCo "alphanumeric
// special" set, 0x20 to 0x7E), and not empty when required.
func checkText(tag, v string, max int, required bool) error {
	if v == "" {
		if required {
			return fail(tag, ErrMissing, "empty value")
		}
		return nil
	}
	for i, r := range v {
		if r < 0x20 || r > 0x7E {
			return fail(tag, ErrCharset, fmt.Sprintf("%q at byte %d; only printable ASCII is allowed", r, i))
		}
	}
	if len(v) > max {
		return fail(tag, ErrLength, fmt.Sprintf("%d characters, at most %d", utf8.RuneCountInString(v), max))
	}
	return nil
}

// checkAmount reports whether a is a transaction amount (54) in currency:
// digits, then optionally '.' and decimals (at most 2, none for IDR), not
// zero, at most 13 characters. A trailing '.' without decimals, which EMVCo
// tolerates, is refused, as money.ParseMajor refuses it.
func checkAmount(a, currency string) error {
	for i, r := range a {
		if (r < '0' || r > '9') && r != '.' {
			return fail("54", ErrFormat, fmt.Sprintf("%q at byte %d; an amount is digits and one '.'", r, i))
		}
	}
	if len(a) > maxAmount {
		return fail("54", ErrLength, fmt.Sprintf("%d characters, at most %d", len(a), maxAmount))
	}
	whole, frac, dot := strings.Cut(a, ".")
	if whole == "" || (dot && !isDigits(frac)) {
		return fail("54", ErrFormat, fmt.Sprintf("%q is not digits with an optional '.' and decimals", a))
	}
	if max := maxDecimals(currency); len(frac) > max {
		return fail("54", ErrFormat, fmt.Sprintf("%d decimals, currency %s allows %d", len(frac), currency, max))
	}
	if strings.Trim(whole+frac, "0") == "" {
		return fail("54", ErrFormat, "amount is zero")
	}
	return nil
}

// maxDecimals returns how many decimals an amount in currency may carry.
// QRIS writes rupiah (360) whole, as the money package counts them; every
// other currency the schemes here use has two.
func maxDecimals(currency string) int {
	if currency == "360" {
		return 0
	}
	return 2
}

// twoDigits parses an ID of exactly two ASCII digits.
func twoDigits(id string) (int, bool) {
	if len(id) != 2 || !isDigits(id) {
		return 0, false
	}
	return int(id[0]-'0')*10 + int(id[1]-'0'), true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
