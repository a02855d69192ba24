package emvqr

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// lookup returns the value of the first field with id.
func lookup(fields []Field, id string) (string, bool) {
	i := slices.IndexFunc(fields, func(f Field) bool { return f.ID == id })
	if i < 0 {
		return "", false
	}
	return fields[i].Value, true
}

// wantErr fails t unless err is an *Error of kind on tag.
func wantErr(t *testing.T, err error, tag string, kind error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error of kind %v on tag %q", err, kind, tag)
	}
	if e.Tag != tag || !errors.Is(err, kind) {
		t.Fatalf("err = %v (tag %q), want kind %v on tag %q", err, e.Tag, kind, tag)
	}
}

func TestDecodePublished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		payload  string
		ids      []string
		template string // a template to open
		want     []Field
	}{
		{"PayMongoQRPh", payMongoQRPh,
			[]string{"00", "01", "27", "52", "53", "54", "58", "59", "60", "62", "63"},
			"27", []Field{{"00", "com.p2pqrpay"}, {"01", "PAEYPHM2XXX"}, {"02", "99964403"}, {"04", "985889386153"}, {"05", "+63-9913729861"}}},
		{"RCBCQRPh", rcbcQRPh,
			[]string{"00", "01", "28", "52", "53", "54", "58", "59", "60", "62", "88", "63"},
			"62", []Field{{"00", "ph.ppmi.qrph"}, {"03", "000600788000696"}, {"05", "0000438638"}, {"07", "20006519"}}},
		{"KittinanPromptPay", kittinanPromptPay,
			[]string{"00", "01", "29", "58", "53", "63"},
			"29", []Field{{"00", "A000000677010111"}, {"01", "0066899999999"}}},
		{"DuitNow", duitNowSample,
			[]string{"00", "01", "26", "52", "53", "54", "58", "59", "60", "63"},
			"26", []Field{{"00", "A0000006150001"}, {"01", "501664"}, {"02", "123456789"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields, err := Decode(tt.payload)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var ids []string
			for _, f := range fields {
				ids = append(ids, f.ID)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("IDs = %v, want %v", ids, tt.ids)
			}
			value, _ := lookup(fields, tt.template)
			sub, err := DecodeTemplate(value)
			if err != nil {
				t.Fatalf("DecodeTemplate(%s): %v", tt.template, err)
			}
			if !slices.Equal(sub, tt.want) {
				t.Errorf("template %s = %v, want %v", tt.template, sub, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	valid := mustEncode(t, QRPh("Aling Nena Store", "Quezon City", "150.00", "INV-1", true))
	body := valid[:len(valid)-4]
	tests := []struct {
		name string
		in   string
		tag  string
		kind error
	}{
		{"Empty", "", "", ErrMissing},
		{"InvalidUTF8", "000201\xff", "", ErrCharset},
		{"HeaderCutShort", "000201630", "", ErrSyntax},
		{"ValueCutShort", "0002015910ABC", "59", ErrSyntax},
		{"IDNotDigits", "0002010A0211", "", ErrSyntax},
		{"LengthNotDigits", "00020101x211", "01", ErrSyntax},
		{"LengthSign", "00020101-111", "01", ErrSyntax},
		{"ZeroLength", "0002015900", "59", ErrLength},
		{"NoCRC", "000201010211", "63", ErrMissing},
		{"FormatIndicatorNotFirst", "010211000201" + "6304ABCD", "00", ErrOrder},
		{"CRCNotLast", "0002016304ABCD0102116304ABCD", "63", ErrOrder},
		{"CRCTooShort", "0002016303ABC", "63", ErrLength},
		{"CRCNotHex", badCRCQRIS, "63", ErrFormat},
		{"CRCSigned", body + "+FFF", "63", ErrFormat},
		{"CRCMismatch", body + "0000", "63", ErrCRC},
		{"ContentChanged", strings.Replace(valid, "Aling", "Aline", 1), "63", ErrCRC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields, err := Decode(tt.in)
			if fields != nil {
				t.Errorf("fields = %v, want nil with an error", fields)
			}
			wantErr(t, err, tt.tag, tt.kind)
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string // everything before the CRC digits
		lower bool   // print the CRC in lower case
		want  []Field
	}{
		{"LowerCaseCRC", "0002010102115802PH6304", true,
			[]Field{{"00", "01"}, {"01", "11"}, {"58", "PH"}}},
		// Lengths count characters: "São Paulo" is 9 runes in 10 bytes.
		{"UTF8Value", "0002010102116009São Paulo6304", false,
			[]Field{{"00", "01"}, {"01", "11"}, {"60", "São Paulo"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			crc := fmtCRC(CRC16([]byte(tt.body)), tt.lower)
			fields, err := Decode(tt.body + crc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := append(tt.want, Field{"63", crc})
			if !slices.Equal(fields, want) {
				t.Errorf("fields = %v, want %v", fields, want)
			}
		})
	}
}

func fmtCRC(c uint16, lower bool) string {
	const upper, low = "0123456789ABCDEF", "0123456789abcdef"
	digits := upper
	if lower {
		digits = low
	}
	return string([]byte{digits[c>>12], digits[c>>8&0xF], digits[c>>4&0xF], digits[c&0xF]})
}

func TestDecodeTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		tag  string
		kind error
	}{
		{"Empty", "", "", ErrMissing},
		{"InvalidUTF8", "0001\xfe", "", ErrCharset},
		{"CutShort", "0012com.p2p", "00", ErrSyntax},
		{"TrailingByte", "0002AB0", "", ErrSyntax},
		{"ZeroLength", "0100", "01", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeTemplate(tt.in)
			wantErr(t, err, tt.tag, tt.kind)
		})
	}
}
