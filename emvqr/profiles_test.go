package emvqr

import (
	"fmt"
	"strings"
	"testing"
)

// profileCase describes what one national profile must put in a payload.
type profileCase struct {
	name     string
	merchant string
	build    func(merchant, amount, reference string, dynamic bool) Payload
	currency string
	country  string
	accounts map[string]func(t *testing.T, sub []Field) // template tag -> check
	refAt    [2]string                                  // template and sub-field holding the reference
}

func profileCases() []profileCase {
	return []profileCase{
		{
			name: "QRPh", merchant: "Aling Nena Sari-Sari",
			build: func(m, amount, ref string, dyn bool) Payload {
				return QRPh(m, "Quezon City", amount, ref, dyn)
			},
			currency: "608", country: "PH", refAt: [2]string{"62", "05"},
			accounts: map[string]func(*testing.T, []Field){
				"28": func(t *testing.T, sub []Field) {
					wantSub(t, sub, "00", "ph.ppmi.p2m")
					wantSub(t, sub, "01", "KASRPHM2XXX")
					wantDigits(t, sub, "03", 15)
				},
			},
		},
		{
			name: "QRIS", merchant: "Warung Bu Sri",
			build: func(m, amount, ref string, dyn bool) Payload {
				return QRIS(m, "Jakarta", "10110", amount, ref, dyn)
			},
			currency: "360", country: "ID", refAt: [2]string{"62", "05"},
			accounts: map[string]func(*testing.T, []Field){
				"26": func(t *testing.T, sub []Field) {
					wantSub(t, sub, "00", "ID.CO.QRIS.WWW")
					pan := wantDigits(t, sub, "01", 19)
					if !strings.HasPrefix(pan, "9360") || !luhnValid(pan) {
						t.Errorf("merchant PAN %s: want prefix 9360 and a valid Luhn check digit", pan)
					}
					wantDigits(t, sub, "02", 15)
					wantSub(t, sub, "03", "UMI")
				},
				"51": func(t *testing.T, sub []Field) {
					wantSub(t, sub, "00", "ID.CO.QRIS.WWW")
					nmid, _ := lookup(sub, "02")
					if len(nmid) != 15 || !strings.HasPrefix(nmid, "ID") || !isDigits(nmid[2:]) {
						t.Errorf("NMID %q: want ID and 13 digits", nmid)
					}
					wantSub(t, sub, "03", "UMI")
				},
			},
		},
		{
			name: "PromptPay", merchant: "Ran Khao Man Kai",
			build: func(m, amount, ref string, dyn bool) Payload {
				return PromptPay(m, "Bangkok", amount, ref, dyn)
			},
			currency: "764", country: "TH", refAt: [2]string{"30", "02"},
			accounts: map[string]func(*testing.T, []Field){
				"30": func(t *testing.T, sub []Field) {
					wantSub(t, sub, "00", "A000000677010112")
					biller := wantDigits(t, sub, "01", 15)
					if !strings.HasPrefix(biller, "0105") || !thaiIDValid(biller[:13]) || biller[13:] != "00" {
						t.Errorf("biller ID %s: want a valid juristic tax ID and suffix 00", biller)
					}
				},
			},
		},
		{
			name: "DuitNow", merchant: "Kedai Runcit Ah Seng",
			build: func(m, amount, ref string, dyn bool) Payload {
				return DuitNow(m, "Kuala Lumpur", amount, ref, dyn)
			},
			currency: "458", country: "MY", refAt: [2]string{"62", "05"},
			accounts: map[string]func(*testing.T, []Field){
				"26": func(t *testing.T, sub []Field) {
					wantSub(t, sub, "00", "A0000006150001")
					wantSub(t, sub, "01", "899999")
					id, _ := lookup(sub, "02")
					if len(id) != 16 || !strings.HasPrefix(id, "MD") || !isDigits(id[2:]) {
						t.Errorf("merchant account ID %q: want MD and 14 digits", id)
					}
				},
			},
		},
	}
}

func TestProfilesRoundTrip(t *testing.T) {
	t.Parallel()
	amounts := map[string]string{"608": "150.00", "360": "150000", "764": "99.50", "458": "10.05"}
	for _, pc := range profileCases() {
		for _, dynamic := range []bool{false, true} {
			for _, withAmount := range []bool{false, true} {
				name := fmt.Sprintf("%s/dynamic=%t/amount=%t", pc.name, dynamic, withAmount)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					amount, ref := "", ""
					if withAmount {
						amount, ref = amounts[pc.currency], "INV-2024-0001"
					}
					p := pc.build(pc.merchant, amount, ref, dynamic)
					fields, err := Decode(mustEncode(t, p))
					if err != nil {
						t.Fatalf("Decode: %v", err)
					}
					poi := map[bool]string{false: "11", true: "12"}[dynamic]
					wantSub(t, fields, "00", "01")
					wantSub(t, fields, "01", poi)
					wantSub(t, fields, "52", DefaultMCC)
					wantSub(t, fields, "53", pc.currency)
					wantSub(t, fields, "58", pc.country)
					wantSub(t, fields, "59", p.MerchantName)
					wantSub(t, fields, "60", p.MerchantCity)
					if got, ok := lookup(fields, "54"); ok != withAmount || got != amount {
						t.Errorf("54 = %q (present %t), want %q", got, ok, amount)
					}
					for tag, check := range pc.accounts {
						check(t, template(t, fields, tag))
					}
					if got := subValue(t, fields, pc.refAt[0], pc.refAt[1]); got != ref {
						t.Errorf("reference at %s.%s = %q, want %q", pc.refAt[0], pc.refAt[1], got, ref)
					}
				})
			}
		}
	}
}

func TestProfilesDeterministic(t *testing.T) {
	t.Parallel()
	for _, pc := range profileCases() {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			a := mustEncode(t, pc.build(pc.merchant, "", "", false))
			if b := mustEncode(t, pc.build(pc.merchant, "", "", false)); a != b {
				t.Errorf("same merchant, two payloads:\n%s\n%s", a, b)
			}
			mine := pc.build(pc.merchant, "", "", false).Accounts
			theirs := pc.build("Someone Else", "", "", false).Accounts
			if fmt.Sprint(mine) == fmt.Sprint(theirs) {
				t.Errorf("two merchants share account identifiers %v", mine)
			}
		})
	}
}

func TestQRISAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		kind     error
	}{
		{"150000", "150000", nil},
		{"150000.00", "150000", nil}, // what money.FormatMajor prints for IDR
		{"150000.", "150000", nil},
		{"150000.50", "", ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			s, err := QRIS("Warung Bu Sri", "Jakarta", "10110", tt.in, "", true).Encode()
			if tt.kind != nil {
				wantErr(t, err, "54", tt.kind)
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			fields, err := Decode(s)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			wantSub(t, fields, "54", tt.want)
		})
	}
}

func TestCheckDigits(t *testing.T) {
	t.Parallel()
	// 79927398713 is the textbook Luhn example; 0107537000882 is the tax ID
	// inside the biller ID of a Krungthai shop QR (010753700088205).
	if got := withLuhn("7992739871"); got != "79927398713" {
		t.Errorf("withLuhn = %s, want 79927398713", got)
	}
	if got := withThaiCheck("010753700088"); got != "0107537000882" {
		t.Errorf("withThaiCheck = %s, want 0107537000882", got)
	}
	for _, n := range []int{1, 15, 19, 40} {
		if got := simDigits("seed", n); len(got) != n || !isDigits(got) {
			t.Errorf("simDigits(seed, %d) = %q", n, got)
		}
	}
}

// luhnValid checks a number that ends in its Luhn check digit, written
// independently of withLuhn.
func luhnValid(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func thaiIDValid(s string) bool {
	if len(s) != 13 || !isDigits(s) {
		return false
	}
	sum := 0
	for i := range 12 {
		sum += int(s[i]-'0') * (13 - i)
	}
	return (11-sum%11)%10 == int(s[12]-'0')
}

func wantSub(t *testing.T, fields []Field, id, want string) {
	t.Helper()
	if got, ok := lookup(fields, id); !ok || got != want {
		t.Errorf("field %s = %q (present %t), want %q", id, got, ok, want)
	}
}

func wantDigits(t *testing.T, fields []Field, id string, n int) string {
	t.Helper()
	got, _ := lookup(fields, id)
	if len(got) != n || !isDigits(got) {
		t.Errorf("field %s = %q, want %d digits", id, got, n)
	}
	return got
}

func template(t *testing.T, fields []Field, tag string) []Field {
	t.Helper()
	value, ok := lookup(fields, tag)
	if !ok {
		t.Fatalf("no template %s", tag)
	}
	sub, err := DecodeTemplate(value)
	if err != nil {
		t.Fatalf("DecodeTemplate(%s): %v", tag, err)
	}
	return sub
}

// subValue returns sub-field id of template tag, "" when either is absent.
func subValue(t *testing.T, fields []Field, tag, id string) string {
	t.Helper()
	if _, ok := lookup(fields, tag); !ok {
		return ""
	}
	v, _ := lookup(template(t, fields, tag), id)
	return v
}
