package emvqr

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultMCC is the merchant category code Encode writes when Payload.MCC is
// empty: ISO 18245 5999, miscellaneous and specialty retail stores.
const DefaultMCC = "5999"

// Maximum lengths of the EMVCo MPM data objects Encode checks.
const (
	maxValue     = 99  // any data object
	maxGUID      = 32  // sub-field 00 of a merchant account template
	maxAmount    = 13  // 54
	maxName      = 25  // 59
	maxCity      = 15  // 60
	maxPostal    = 10  // 61
	maxLabel     = 25  // 62 sub-fields 05 (reference label) and 07 (terminal label)
	maxPayload   = 512 // the whole payload
	firstAccount = 26
	lastAccount  = 51
)

// Payload is the content of one merchant-presented QR code. Encode turns it
// into the string the QR code carries; the zero value does not encode.
type Payload struct {
	// Dynamic selects point of initiation method (01) "12", a code for one
	// transaction, instead of "11", a code the merchant reuses.
	Dynamic bool
	// Accounts are the merchant account information templates (26-51), in
	// ascending tag order; at least one is required.
	Accounts []MerchantAccount
	// MCC is the ISO 18245 merchant category code (52), four digits;
	// DefaultMCC when empty.
	MCC string
	// Currency is the ISO 4217 numeric code (53), such as "608"; required.
	Currency string
	// Amount is the transaction amount (54) in major units, such as "150.00":
	// digits, then optionally '.' and one or two decimals (none for IDR, "360"),
	// not zero, at most 13 characters. Empty leaves the amount to the payer.
	Amount string
	// Country is the ISO 3166-1 alpha-2 code (58), two upper-case letters.
	Country string
	// MerchantName (59, at most 25 characters) and MerchantCity (60, at most
	// 15) are required.
	MerchantName string
	MerchantCity string
	// PostalCode (61, at most 10 characters) is optional; QRIS requires it.
	PostalCode string
	// Reference is the reference label (62 sub-field 05, at most 25
	// characters), optional.
	Reference string
	// Terminal is the terminal label (62 sub-field 07, at most 25
	// characters), optional.
	Terminal string
	// Additional holds further sub-fields of the additional data template
	// (62), such as QR Ph's globally unique identifier in sub-field 00. Encode
	// writes them together with Reference and Terminal in ascending ID order;
	// none may repeat an ID, 05 and 07 included when those are set.
	Additional []Field
}

// MerchantAccount is one merchant account information template (26-51): a
// globally unique identifier of the payment network in sub-field 00, then the
// network's own sub-fields.
type MerchantAccount struct {
	// Tag is the template's ID, "26" to "51".
	Tag string
	// GUID is sub-field 00: a reverse domain name ("ph.ppmi.p2m") or an
	// application identifier ("A000000677010112"), at most 32 characters.
	GUID string
	// Fields are the further sub-fields, IDs "01" to "99" in ascending order.
	Fields []Field
}

// Encode returns the payload string: 00 "01", 01, the merchant account
// templates, 52, 53, 54 when there is an amount, 58, 59, 60, 61 when there is
// a postal code, 62 when it has any sub-field, and 63 with the CRC last.
// Every value must be 1 to 99 characters of printable ASCII (space to '~'),
// within the limits documented on Payload; a template's encoded content must
// also fit in 99 characters and the whole payload in 512.
//
// Encode returns an *Error naming the first offending tag ("59", "26.01") and
// wrapping ErrMissing, ErrLength, ErrCharset, ErrFormat or ErrOrder.
func (p Payload) Encode() (string, error) {
	b := make([]byte, 0, 256)
	b = appendTLV(b, "00", "01")
	if p.Dynamic {
		b = appendTLV(b, "01", "12")
	} else {
		b = appendTLV(b, "01", "11")
	}
	b, err := p.appendAccounts(b)
	if err != nil {
		return "", err
	}
	if b, err = p.appendTransaction(b); err != nil {
		return "", err
	}
	if b, err = p.appendMerchant(b); err != nil {
		return "", err
	}
	if b, err = p.appendAdditional(b); err != nil {
		return "", err
	}
	b = append(b, "6304"...)
	b = fmt.Appendf(b, "%04X", CRC16(b))
	if len(b) > maxPayload {
		return "", fail("", ErrLength, fmt.Sprintf("%d characters, at most %d", len(b), maxPayload))
	}
	return string(b), nil
}

func (p Payload) appendAccounts(b []byte) ([]byte, error) {
	if len(p.Accounts) == 0 {
		return nil, fail("26", ErrMissing, "no merchant account information template (26-51)")
	}
	prev := 0
	for _, a := range p.Accounts {
		n, ok := twoDigits(a.Tag)
		if !ok || n < firstAccount || n > lastAccount {
			return nil, fail(a.Tag, ErrFormat, "merchant account template tag must be 26 to 51")
		}
		if n <= prev {
			return nil, fail(a.Tag, ErrOrder, "merchant account templates must be in ascending tag order, each once")
		}
		prev = n
		if err := checkText(a.Tag+".00", a.GUID, maxGUID, true); err != nil {
			return nil, err
		}
		sub := appendTLV(nil, "00", a.GUID)
		sub, err := appendFields(sub, a.Tag, a.Fields, 1)
		if err != nil {
			return nil, err
		}
		if b, err = appendTemplate(b, a.Tag, sub); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (p Payload) appendTransaction(b []byte) ([]byte, error) {
	mcc := p.MCC
	if mcc == "" {
		mcc = DefaultMCC
	}
	if len(mcc) != 4 || !isDigits(mcc) {
		return nil, fail("52", ErrFormat, fmt.Sprintf("merchant category code %q is not four digits", mcc))
	}
	b = appendTLV(b, "52", mcc)
	if len(p.Currency) != 3 || !isDigits(p.Currency) {
		return nil, fail("53", ErrFormat, fmt.Sprintf("currency %q is not an ISO 4217 numeric code", p.Currency))
	}
	b = appendTLV(b, "53", p.Currency)
	if p.Amount != "" {
		if err := checkAmount(p.Amount, p.Currency); err != nil {
			return nil, err
		}
		b = appendTLV(b, "54", p.Amount)
	}
	if len(p.Country) != 2 || !isUpper(p.Country) {
		return nil, fail("58", ErrFormat, fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 code", p.Country))
	}
	return appendTLV(b, "58", p.Country), nil
}

func (p Payload) appendMerchant(b []byte) ([]byte, error) {
	if err := checkText("59", p.MerchantName, maxName, true); err != nil {
		return nil, err
	}
	b = appendTLV(b, "59", p.MerchantName)
	if err := checkText("60", p.MerchantCity, maxCity, true); err != nil {
		return nil, err
	}
	b = appendTLV(b, "60", p.MerchantCity)
	if p.PostalCode == "" {
		return b, nil
	}
	if err := checkText("61", p.PostalCode, maxPostal, true); err != nil {
		return nil, err
	}
	return appendTLV(b, "61", p.PostalCode), nil
}

func (p Payload) appendAdditional(b []byte) ([]byte, error) {
	fields := slices.Clone(p.Additional)
	for _, f := range fields {
		// EMVCo caps the labels it defines in 62 (01 bill number to 08
		// purpose of transaction) at 25 characters.
		if n, ok := twoDigits(f.ID); ok && n >= 1 && n <= 8 {
			if err := checkText("62."+f.ID, f.Value, maxLabel, true); err != nil {
				return nil, err
			}
		}
	}
	for _, label := range []Field{{"05", p.Reference}, {"07", p.Terminal}} {
		if label.Value == "" {
			continue
		}
		if err := checkText("62."+label.ID, label.Value, maxLabel, true); err != nil {
			return nil, err
		}
		fields = append(fields, label)
	}
	if len(fields) == 0 {
		return b, nil
	}
	// Additional fields are validated as they are appended; sort first so that
	// a caller's 05 next to Reference shows up as a repeat.
	slices.SortStableFunc(fields, func(x, y Field) int { return strings.Compare(x.ID, y.ID) })
	sub, err := appendFields(nil, "62", fields, 0)
	if err != nil {
		return nil, err
	}
	return appendTemplate(b, "62", sub)
}

// appendFields appends a template's sub-fields, which must have two-digit IDs
// of at least minID in strictly ascending order and valid values.
func appendFields(b []byte, tag string, fields []Field, minID int) ([]byte, error) {
	prev := minID - 1
	for _, f := range fields {
		path := tag + "." + f.ID
		n, ok := twoDigits(f.ID)
		if !ok || n < minID {
			return nil, fail(path, ErrFormat, fmt.Sprintf("sub-field ID must be two digits from %02d", minID))
		}
		if n <= prev {
			return nil, fail(path, ErrOrder, "sub-fields must be in ascending ID order, each once")
		}
		prev = n
		if err := checkText(path, f.Value, maxValue, true); err != nil {
			return nil, err
		}
		b = appendTLV(b, f.ID, f.Value)
	}
	return b, nil
}

func appendTemplate(b []byte, tag string, content []byte) ([]byte, error) {
	if len(content) > maxValue {
		return nil, fail(tag, ErrLength, fmt.Sprintf("template content is %d characters, at most %d", len(content), maxValue))
	}
	return appendTLV(b, tag, string(content)), nil
}
