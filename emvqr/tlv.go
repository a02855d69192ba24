package emvqr

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Field is one data object: a two-digit ID and its value. A template's value
// is itself a run of encoded fields; DecodeTemplate reads it.
type Field struct {
	ID    string
	Value string
}

// Decode parses an MPM payload into its top-level data objects, in the order
// they appear, and verifies the structure around them: the payload is valid
// UTF-8, every ID and length is two digits, no length is zero or runs past the
// end, the payload format indicator (00) comes first, and the CRC (63) comes
// last, once, as four hex digits (either case) equal to CRC16 of everything
// before them. Lengths count characters, so a UTF-8 value of n runes has
// length n.
//
// Decode does not look inside templates (see DecodeTemplate) or judge values:
// a payload format indicator of "02", as some DuitNow issuers print, decodes.
// It returns an *Error wrapping ErrMissing, ErrSyntax, ErrCharset, ErrLength,
// ErrFormat, ErrOrder or ErrCRC.
func Decode(s string) ([]Field, error) {
	if s == "" {
		return nil, fail("", ErrMissing, "empty payload")
	}
	if !utf8.ValidString(s) {
		return nil, fail("", ErrCharset, "not valid UTF-8")
	}
	fields, err := parseTLV(s)
	if err != nil {
		return nil, err
	}
	if fields[0].ID != "00" {
		return nil, fail("00", ErrOrder, fmt.Sprintf("payload starts with %s, not the payload format indicator", fields[0].ID))
	}
	last := fields[len(fields)-1]
	for _, f := range fields[:len(fields)-1] {
		if f.ID == "63" {
			return nil, fail("63", ErrOrder, "CRC is not the last data object")
		}
	}
	if last.ID != "63" {
		return nil, fail("63", ErrMissing, "payload does not end with a CRC")
	}
	if len(last.Value) != 4 {
		return nil, fail("63", ErrLength, fmt.Sprintf("%d characters, want 4", utf8.RuneCountInString(last.Value)))
	}
	stated, err := strconv.ParseUint(last.Value, 16, 16)
	if err != nil {
		return nil, fail("63", ErrFormat, fmt.Sprintf("%q is not four hex digits", last.Value))
	}
	if got := CRC16([]byte(s[:len(s)-4])); uint16(stated) != got {
		return nil, fail("63", ErrCRC, fmt.Sprintf("payload says %s, content gives %04X", last.Value, got))
	}
	return fields, nil
}

// DecodeTemplate parses the value of a template data object (merchant account
// information 26-51, additional data 62, or any other nested template) into
// its sub-fields, in order. It checks the same TLV structure as Decode but no
// CRC and no order. It returns an *Error wrapping ErrMissing for an empty
// value, ErrCharset for invalid UTF-8, or ErrSyntax or ErrLength for broken
// structure; the error's Tag is the sub-field's ID.
func DecodeTemplate(value string) ([]Field, error) {
	if value == "" {
		return nil, fail("", ErrMissing, "empty template")
	}
	if !utf8.ValidString(value) {
		return nil, fail("", ErrCharset, "not valid UTF-8")
	}
	return parseTLV(value)
}

// parseTLV splits a non-empty, valid UTF-8 string into data objects.
func parseTLV(s string) ([]Field, error) {
	var fields []Field
	for i := 0; i < len(s); {
		if len(s)-i < 4 {
			return nil, fail("", ErrSyntax, fmt.Sprintf("data object at offset %d is cut short", i))
		}
		id, ln := s[i:i+2], s[i+2:i+4]
		if !isDigits(id) {
			return nil, fail("", ErrSyntax, fmt.Sprintf("ID %q at offset %d is not two digits", id, i))
		}
		if !isDigits(ln) {
			return nil, fail(id, ErrSyntax, fmt.Sprintf("length %q at offset %d is not two digits", ln, i+2))
		}
		n := int(ln[0]-'0')*10 + int(ln[1]-'0')
		if n == 0 {
			return nil, fail(id, ErrLength, fmt.Sprintf("zero length at offset %d", i+2))
		}
		start, end := i+4, i+4
		for range n {
			if end >= len(s) {
				return nil, fail(id, ErrSyntax, fmt.Sprintf("value at offset %d is cut short: length says %d characters", start, n))
			}
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
		}
		fields = append(fields, Field{ID: id, Value: s[start:end]})
		i = end
	}
	return fields, nil
}

// appendTLV appends one data object. The caller has checked that value is
// 1 to 99 characters of ASCII.
func appendTLV(b []byte, id, value string) []byte {
	b = append(b, id...)
	b = append(b, byte('0'+len(value)/10), byte('0'+len(value)%10))
	return append(b, value...)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
