package open

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// params is a request's decoded param object: each field's raw JSON, read
// with the typed accessors below. Unknown fields are ignored; a field given as
// null counts as absent.
type params map[string]json.RawMessage

// parseParams parses the (already verified) param string as a JSON object.
func parseParams(param string) (params, error) {
	var p params
	if err := json.Unmarshal([]byte(param), &p); err != nil || p == nil {
		return nil, gateway.Errorf(gateway.KindInvalid, "param", "must be a JSON object")
	}
	return p, nil
}

// raw returns a field's JSON, or false when it is absent or null.
func (p params) raw(field string) (json.RawMessage, bool) {
	v, ok := p[field]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// str returns a string field as given, "" when it is absent. A NUL
// character is refused here, whatever the field: no field may hold one, and
// PostgreSQL cannot compare text with one (a lookup would fail, not miss).
func (p params) str(field string) (string, error) {
	v, ok := p.raw(field)
	if !ok {
		return "", nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", gateway.Errorf(gateway.KindInvalid, field, "must be a string")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", gateway.Errorf(gateway.KindInvalid, field, "must not contain NUL characters")
	}
	return s, nil
}

// errNotDigits means a string that is not only ASCII digits.
var errNotDigits = errors.New("not digits")

// digits parses a non-empty run of ASCII digits; strconv.ErrRange when it
// does not fit an int64.
func digits(s string) (int64, error) {
	if s == "" {
		return 0, errNotDigits
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errNotDigits
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// amount returns a field holding minor units: a JSON integer (negative ones
// pass, for the gateway to refuse as KindAmount) or a string of digits.
// Fractions and exponents are KindInvalid, values beyond int64 KindAmount.
func (p params) amount(field string) (int64, error) {
	v, ok := p.raw(field)
	if !ok {
		return 0, gateway.Errorf(gateway.KindInvalid, field, "is required")
	}
	var text string
	neg := false
	switch {
	case v[0] == '"':
		if json.Unmarshal(v, &text) != nil {
			text = "x"
		}
	case v[0] == '-':
		neg, text = true, string(v[1:])
	default:
		text = string(v)
	}
	n, err := digits(text)
	if errors.Is(err, strconv.ErrRange) {
		return 0, gateway.Errorf(gateway.KindAmount, field, "is too large")
	}
	if err != nil {
		return 0, gateway.Errorf(gateway.KindInvalid, field, "must be an integer number of minor units")
	}
	if neg {
		n = -n
	}
	return n, nil
}

// epochMillis reads a field holding milliseconds since the epoch, as a JSON
// number or a string of digits. ok is false when the field is absent; err
// (not yet a coded error: the callers choose the code) when it is malformed.
func (p params) epochMillis(field string) (t time.Time, ok bool, err error) {
	v, ok := p.raw(field)
	if !ok {
		return time.Time{}, false, nil
	}
	text := string(v)
	if v[0] == '"' && json.Unmarshal(v, &text) != nil {
		text = "x"
	}
	ms, err := digits(text)
	if err != nil {
		return time.Time{}, true, err
	}
	return time.UnixMilli(ms), true, nil
}

// timestamp returns param.timestamp: milliseconds since the epoch, as a JSON
// number or a string of digits.
func (p params) timestamp() (time.Time, error) {
	ts, ok, err := p.epochMillis("timestamp")
	if !ok {
		return time.Time{}, gateway.Errorf(gateway.KindInvalid, "timestamp", "is required")
	}
	if err != nil {
		return time.Time{}, errorf(codeTimestampInvalid,
			"timestamp: must be milliseconds since the epoch, as a number or a string of digits")
	}
	return ts, nil
}

// instant returns an optional time field given like timestamp, in
// milliseconds since the epoch; the zero time when it is absent. A malformed
// value is KindInvalid (21002), unlike a malformed timestamp.
func (p params) instant(field string) (time.Time, error) {
	t, _, err := p.epochMillis(field)
	if err != nil {
		return time.Time{}, gateway.Errorf(gateway.KindInvalid, field,
			"must be milliseconds since the epoch, as a number or a string of digits")
	}
	return t, nil
}

// checkTimestamp refuses a request whose timestamp is missing, malformed or
// further than window from now.
func checkTimestamp(p params, now time.Time, window time.Duration) error {
	ts, err := p.timestamp()
	if err != nil {
		return err
	}
	if d := ts.Sub(now); d > window || d < -window {
		return errorf(codeTimestampExpired, "timestamp: must be within ±%s of the server's time", window)
	}
	return nil
}
