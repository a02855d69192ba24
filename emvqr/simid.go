package emvqr

import (
	"hash/fnv"
	"strconv"
)

// simDigits returns n decimal digits derived from seed. The simulator has no
// acquirer to issue merchant identifiers, so the profiles derive them from
// the merchant's name: the same merchant always gets the same identifiers,
// and two merchants almost never share one.
func simDigits(seed string, n int) string {
	b := make([]byte, 0, n+19)
	for round := 0; len(b) < n; round++ {
		h := fnv.New64a()
		h.Write([]byte(seed))
		h.Write([]byte{byte(round)})
		// Drop the first digit: it is skewed towards 1, the rest are even.
		b = append(b, strconv.FormatUint(h.Sum64(), 10)[1:]...)
	}
	return string(b[:n])
}

// withLuhn appends the Luhn check digit to a string of digits, as card
// numbers and QRIS merchant PANs carry.
func withLuhn(digits string) string {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 { // doubled: these sit at odd places once the check digit follows
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// withThaiCheck appends the check digit of a 13-digit Thai citizen or tax
// identification number to its first 12 digits: eleven minus the sum of the
// digits weighted 13 down to 2, modulo 11, last digit.
func withThaiCheck(d12 string) string {
	sum := 0
	for i := 0; i < 12; i++ {
		sum += int(d12[i]-'0') * (13 - i)
	}
	return d12 + strconv.Itoa((11-sum%11)%10)
}
