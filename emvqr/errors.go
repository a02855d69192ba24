package emvqr

import "errors"

// The kinds of failure. Every error this package returns is an *Error that
// wraps exactly one of them, so callers can test with errors.Is.
var (
	// ErrMissing reports a required data object that is absent or empty.
	ErrMissing = errors.New("missing")
	// ErrLength reports a value longer (or, for the CRC, shorter) than allowed.
	ErrLength = errors.New("bad length")
	// ErrCharset reports a character outside the set the data object allows.
	ErrCharset = errors.New("character not allowed")
	// ErrFormat reports a value of the wrong shape: an amount with letters, a
	// three-letter currency, an ID that is not two digits.
	ErrFormat = errors.New("bad format")
	// ErrOrder reports data objects out of order or repeated.
	ErrOrder = errors.New("out of order")
	// ErrSyntax reports TLV structure that cannot be read: a cut-short header or
	// value, or length digits that are not digits.
	ErrSyntax = errors.New("malformed TLV")
	// ErrCRC reports a CRC that does not match the payload.
	ErrCRC = errors.New("CRC mismatch")
)

// Error reports a data object that cannot be encoded or decoded.
type Error struct {
	// Tag names the data object: "59", or "26.01" for sub-field 01 of
	// template 26. It is empty when the fault is the payload as a whole.
	Tag string
	// Err is one of the Err kinds above.
	Err error
	// Detail says what was wrong with the value, for people.
	Detail string
}

// Error returns "emvqr: tag 59: bad length: 26 characters, at most 25".
func (e *Error) Error() string {
	where := "payload"
	if e.Tag != "" {
		where = "tag " + e.Tag
	}
	msg := "emvqr: " + where + ": " + e.Err.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the kind of failure.
func (e *Error) Unwrap() error { return e.Err }

func fail(tag string, kind error, detail string) *Error {
	return &Error{Tag: tag, Err: kind, Detail: detail}
}
