package header

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// body is a request's decoded JSON object: each field's raw JSON, read with
// the typed accessors below. Unknown fields are ignored; a field given as
// null counts as absent, and so does an empty string.
type body map[string]json.RawMessage

// parseBody parses the (already verified) request body as a JSON object.
func parseBody(raw []byte) (body, error) {
	var b body
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		return nil, errorf(codeBadRequest, msgJSONFormat, "body: must be a JSON object")
	}
	return b, nil
}

// raw returns a field's JSON, or false when it is absent or null.
func (b body) raw(field string) (json.RawMessage, bool) {
	v, ok := b[field]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// str returns a string field, "" when it is absent. With digitsOK a JSON
// integer is accepted too and kept as written, for fields that hold digits
// (account and document numbers, phones, nonces) which integrations often
// send as numbers. A NUL character is refused here, whatever the field: no
// field may hold one, and PostgreSQL cannot compare text with one (a lookup
// would fail, not miss).
func (b body) str(field string, digitsOK bool) (string, error) {
	v, ok := b.raw(field)
	if !ok {
		return "", nil
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", invalid(field, "must be a string")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return "", invalid(field, "must not contain NUL characters")
		}
		return s, nil
	}
	if digitsOK && allDigits(string(v)) {
		return string(v), nil
	}
	return "", invalid(field, "must be a string")
}

// strField is a string field to read into dst: need makes it required,
// digitsOK lets it come as a JSON integer (see str).
type strField struct {
	name     string
	dst      *string
	need     bool
	digitsOK bool
}

// readStrings reads fields in order and returns the first problem.
func readStrings(b body, fields []strField) error {
	for _, f := range fields {
		v, err := b.str(f.name, f.digitsOK)
		if err == nil && f.need && v == "" {
			err = required(f.name)
		}
		if err != nil {
			return err
		}
		*f.dst = v
	}
	return nil
}

// integer returns a field holding a whole number, as a JSON integer or a
// string of digits; ok is false when it is absent.
func (b body) integer(field string) (n int64, ok bool, err error) {
	v, ok := b.raw(field)
	if !ok {
		return 0, false, nil
	}
	text := string(v)
	if v[0] == '"' && json.Unmarshal(v, &text) != nil {
		text = "x"
	}
	if text == "" {
		return 0, false, nil
	}
	if !allDigits(text) {
		return 0, true, invalid(field, "must be a whole number")
	}
	n, err = strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, true, invalid(field, "is too large")
	}
	return n, true, nil
}

// amount returns a required decimal amount in major units as céntimos: a
// JSON number or a string, at most two decimal places, no sign and no
// exponent ("100", "100.5", 100.50).
func (b body) amount(field string) (int64, error) {
	v, ok := b.raw(field)
	if !ok {
		return 0, required(field)
	}
	text := string(v)
	if v[0] == '"' && json.Unmarshal(v, &text) != nil {
		text = "x"
	}
	if text == "" {
		return 0, required(field)
	}
	if _, frac, _ := strings.Cut(text, "."); len(frac) > 2 && allDigits(frac) {
		return 0, invalid(field, "must have at most two decimal places, got %q", text)
	}
	n, err := money.ParseMajor(text, "PEN")
	if errors.Is(err, money.ErrRange) {
		return 0, gateway.Errorf(gateway.KindAmount, field, "is too large")
	}
	if err != nil {
		return 0, invalid(field, "must be a decimal amount in soles with at most two decimal places, e.g. 100.00")
	}
	return n, nil
}

// boolean returns a JSON boolean field (or the strings "true" and "false");
// ok is false when it is absent.
func (b body) boolean(field string) (v, ok bool, err error) {
	raw, ok := b.raw(field)
	if !ok {
		return false, false, nil
	}
	switch string(raw) {
	case "true", `"true"`:
		return true, true, nil
	case "false", `"false"`:
		return false, true, nil
	}
	return false, true, invalid(field, "must be true or false")
}

// nonce returns nonceStr: required, 1 to 32 printable ASCII characters
// without spaces.
func (b body) nonce() (string, error) {
	var s string
	if err := readStrings(b, []strField{{"nonceStr", &s, true, true}}); err != nil {
		return "", err
	}
	if len(s) > 32 {
		return "", invalid("nonceStr", "must be at most 32 characters, got %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "", invalid("nonceStr", "must contain only printable ASCII characters without spaces")
		}
	}
	return s, nil
}

// orderRef reads orderNo and mchOrderNo, of which at least one is needed.
func (b body) orderRef() (gateway.OrderRef, error) {
	var ref gateway.OrderRef
	var err error
	if ref.TransactionID, err = b.str("orderNo", false); err != nil {
		return ref, err
	}
	if ref.MchOrderID, err = b.str("mchOrderNo", true); err != nil {
		return ref, err
	}
	if ref.TransactionID == "" && ref.MchOrderID == "" {
		return ref, gateway.Errorf(gateway.KindInvalid, "orderNo", "is required: send orderNo or mchOrderNo")
	}
	return ref, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimal is an amount of minor units that marshals as a JSON number in
// major units with two decimal places (100.00), as the provider shows them.
type decimal struct {
	minor    int64
	currency string
}

func amountOf(minor int64, currency string) decimal { return decimal{minor, currency} }

// MarshalJSON renders the amount with money.FormatMajor.
func (d decimal) MarshalJSON() ([]byte, error) {
	return []byte(money.FormatMajor(d.minor, d.currency)), nil
}

// timeLayout is the provider's completionTime format, in the country's
// local time (Peru: UTC-5).
const timeLayout = "2006-01-02 15:04:05"

// localTime renders t in a country's zone, or nil (JSON null) for the zero
// time, as the provider sends completionTime before an order is final.
func localTime(t time.Time, countryCode string) *string {
	if t.IsZero() {
		return nil
	}
	loc := time.UTC
	if c, ok := gateway.Countries[countryCode]; ok && c.Location != nil {
		loc = c.Location
	}
	s := t.In(loc).Format(timeLayout)
	return &s
}
