package emvqr

import (
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"
)

// joinTLV re-encodes fields, counting lengths in characters; it is written
// apart from appendTLV so that the fuzz targets check Decode against an
// independent encoder.
func joinTLV(fields []Field) string {
	s := ""
	for _, f := range fields {
		s += fmt.Sprintf("%s%02d%s", f.ID, utf8.RuneCountInString(f.Value), f.Value)
	}
	return s
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		payMongoQRPh, rcbcQRPh, kittinanPromptPay, duitNowSample, badCRCQRIS,
		"", "000201", "0002016304", "0002016304FFFF", "0002010102116009São Paulo6304B4C4",
	} {
		f.Add(s)
	}
	for _, pc := range profileCases() {
		s, err := pc.build(pc.merchant, "", "REF-1", true).Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fields, err := Decode(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || fields != nil {
				t.Fatalf("Decode(%q) = %v, %v; want nil and an *Error", s, fields, err)
			}
			return
		}
		if got := joinTLV(fields); got != s {
			t.Fatalf("fields %v re-encode to\n%q\nnot the input\n%q", fields, got, s)
		}
		if fields[0].ID != "00" || fields[len(fields)-1].ID != "63" {
			t.Fatalf("accepted %q with fields %v: want 00 first and 63 last", s, fields)
		}
		for _, fld := range fields {
			sub, err := DecodeTemplate(fld.Value)
			if err == nil && joinTLV(sub) != fld.Value {
				t.Fatalf("template %s: sub-fields %v re-encode to %q, not %q", fld.ID, sub, joinTLV(sub), fld.Value)
			}
		}
	})
}

func FuzzEncode(f *testing.F) {
	f.Add(uint8(0), "Aling Nena Sari-Sari", "Quezon City", "150.00", "INV-1", true)
	f.Add(uint8(1), "Warung Bu Sri", "Jakarta", "150000.00", "", false)
	f.Add(uint8(2), "Ran Khao Man Kai", "Bangkok", "", "REF1", false)
	f.Add(uint8(3), "Kedai Runcit Ah Seng", "Kuala Lumpur", "10.05", "ORDER-77", true)
	f.Add(uint8(0), "Panadería José", "Cebu", "1.234", "INV\n1", true)
	f.Add(uint8(1), "", "", "0", "", false)
	f.Add(uint8(3), "A Name Much Longer Than Allowed", "Kuala Lumpur Sentral", "99999999999.99", "x", true)
	f.Fuzz(func(t *testing.T, profile uint8, name, city, amount, ref string, dynamic bool) {
		cases := profileCases()
		pc := cases[int(profile)%len(cases)]
		p := pc.build(name, amount, ref, dynamic)
		p.MerchantCity = city
		s, err := p.Encode()
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || s != "" {
				t.Fatalf("Encode = %q, %v; want \"\" and an *Error", s, err)
			}
			return
		}
		if name == "" || len(name) > 25 || !printableASCII(name) || city == "" || len(city) > 15 || !printableASCII(city) {
			t.Fatalf("Encode accepted name %q and city %q", name, city)
		}
		if len(s) > 512 || !printableASCII(s) {
			t.Fatalf("Encode produced %d characters, not all printable ASCII: %q", len(s), s)
		}
		fields, err := Decode(s)
		if err != nil {
			t.Fatalf("Decode(Encode()) = %v for %q", err, s)
		}
		wantSub(t, fields, "01", map[bool]string{false: "11", true: "12"}[dynamic])
		wantSub(t, fields, "59", name)
		wantSub(t, fields, "60", city)
		if got, ok := lookup(fields, "54"); got != p.Amount || ok != (p.Amount != "") {
			t.Errorf("54 = %q (present %t), want %q", got, ok, p.Amount)
		}
		if got := subValue(t, fields, pc.refAt[0], pc.refAt[1]); got != ref {
			t.Errorf("reference = %q, want %q", got, ref)
		}
		for tag, check := range pc.accounts {
			check(t, template(t, fields, tag))
		}
	})
}
