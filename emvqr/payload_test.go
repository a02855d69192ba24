package emvqr

import (
	"strings"
	"testing"
)

func mustEncode(t testing.TB, p Payload) string {
	t.Helper()
	s, err := p.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return s
}

// TestEncodePublished rebuilds PayMongo's published QR Ph sample from its
// parts: the result, CRC included, must be the published string byte for byte.
func TestEncodePublished(t *testing.T) {
	t.Parallel()
	p := Payload{
		Dynamic: true,
		Accounts: []MerchantAccount{{Tag: "27", GUID: "com.p2pqrpay", Fields: []Field{
			{"01", "PAEYPHM2XXX"}, {"02", "99964403"}, {"04", "985889386153"}, {"05", "+63-9913729861"},
		}}},
		MCC:          "6016",
		Currency:     "608",
		Amount:       "123.45",
		Country:      "PH",
		MerchantName: "ENG-19818-ged",
		MerchantCity: "Manila",
		Reference:    "test12",
		Terminal:     "12345678",
		// Out of order on purpose: Encode sorts 62 by ID.
		Additional: []Field{
			{"08", "***"}, {"00", "com.p2pqrpay"}, {"01", "***"}, {"02", "+63-9913729862"},
			{"03", "***"}, {"04", "LOYALTY1"}, {"06", "cust1"},
		},
	}
	if got := mustEncode(t, p); got != payMongoQRPh {
		t.Errorf("Encode =\n%s\nwant\n%s", got, payMongoQRPh)
	}
}

// validPayload returns a payload that encodes; each error case breaks one thing.
func validPayload() Payload {
	return Payload{
		Accounts: []MerchantAccount{{Tag: "26", GUID: "A0000006150001", Fields: []Field{
			{"01", "899999"}, {"02", "MD12345678901234"},
		}}},
		Currency:     "458",
		Amount:       "10.00",
		Country:      "MY",
		MerchantName: "Kedai Runcit Ah Seng",
		MerchantCity: "Kuala Lumpur",
	}
}

func TestEncodeValidation(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		modify func(p *Payload)
		tag    string // "" with kind nil: Encode must succeed
		kind   error
	}{
		{"OK", func(p *Payload) {}, "", nil},
		{"OKAtLimits", func(p *Payload) {
			p.MerchantName, p.MerchantCity, p.PostalCode = long(25), long(15), long(10)
			p.Amount, p.Reference, p.Terminal = "1234567890.12", long(25), long(25)
		}, "", nil},
		{"OKOneDecimal", func(p *Payload) { p.Amount = "150.5" }, "", nil},
		{"OKWholeRupiah", func(p *Payload) { p.Currency, p.Amount = "360", "150000" }, "", nil},
		{"OKNoAmount", func(p *Payload) { p.Amount = "" }, "", nil},
		{"OKTwoAccounts", func(p *Payload) {
			p.Accounts = append(p.Accounts, MerchantAccount{Tag: "51", GUID: "ID.CO.QRIS.WWW"})
		}, "", nil},

		{"NoAccount", func(p *Payload) { p.Accounts = nil }, "26", ErrMissing},
		{"AccountTagLow", func(p *Payload) { p.Accounts[0].Tag = "25" }, "25", ErrFormat},
		{"AccountTagHigh", func(p *Payload) { p.Accounts[0].Tag = "52" }, "52", ErrFormat},
		{"AccountTagNotDigits", func(p *Payload) { p.Accounts[0].Tag = "2a" }, "2a", ErrFormat},
		{"AccountsDescending", func(p *Payload) {
			p.Accounts = append(p.Accounts, MerchantAccount{Tag: "25", GUID: "x"})
			p.Accounts[0].Tag, p.Accounts[1].Tag = "30", "29"
		}, "29", ErrOrder},
		{"AccountsRepeated", func(p *Payload) {
			p.Accounts = append(p.Accounts, MerchantAccount{Tag: "26", GUID: "x"})
		}, "26", ErrOrder},
		{"GUIDEmpty", func(p *Payload) { p.Accounts[0].GUID = "" }, "26.00", ErrMissing},
		{"GUIDTooLong", func(p *Payload) { p.Accounts[0].GUID = long(33) }, "26.00", ErrLength},
		{"SubFieldZero", func(p *Payload) { p.Accounts[0].Fields[0].ID = "00" }, "26.00", ErrFormat},
		{"SubFieldIDOneDigit", func(p *Payload) { p.Accounts[0].Fields[0].ID = "1" }, "26.1", ErrFormat},
		{"SubFieldsDescending", func(p *Payload) { p.Accounts[0].Fields[1].ID = "01" }, "26.01", ErrOrder},
		{"SubFieldEmpty", func(p *Payload) { p.Accounts[0].Fields[1].Value = "" }, "26.02", ErrMissing},
		{"SubFieldControlChar", func(p *Payload) { p.Accounts[0].Fields[1].Value = "MD\n1" }, "26.02", ErrCharset},
		{"SubFieldTooLong", func(p *Payload) { p.Accounts[0].Fields[1].Value = long(100) }, "26.02", ErrLength},
		{"TemplateTooLong", func(p *Payload) { p.Accounts[0].Fields[1].Value = long(70) }, "26", ErrLength},

		{"MCCShort", func(p *Payload) { p.MCC = "599" }, "52", ErrFormat},
		{"MCCLetters", func(p *Payload) { p.MCC = "ABCD" }, "52", ErrFormat},
		{"CurrencyMissing", func(p *Payload) { p.Currency = "" }, "53", ErrFormat},
		{"CurrencyAlpha", func(p *Payload) { p.Currency = "MYR" }, "53", ErrFormat},
		{"CurrencyLong", func(p *Payload) { p.Currency = "4580" }, "53", ErrFormat},

		{"AmountLetters", func(p *Payload) { p.Amount = "ten" }, "54", ErrFormat},
		{"AmountNegative", func(p *Payload) { p.Amount = "-1.00" }, "54", ErrFormat},
		{"AmountExponent", func(p *Payload) { p.Amount = "1e3" }, "54", ErrFormat},
		{"AmountSpace", func(p *Payload) { p.Amount = " 150" }, "54", ErrFormat},
		{"AmountComma", func(p *Payload) { p.Amount = "1,500.00" }, "54", ErrFormat},
		{"AmountThreeDecimals", func(p *Payload) { p.Amount = "1.234" }, "54", ErrFormat},
		{"AmountTwoDots", func(p *Payload) { p.Amount = "1.2.3" }, "54", ErrFormat},
		{"AmountTrailingDot", func(p *Payload) { p.Amount = "150." }, "54", ErrFormat},
		{"AmountLeadingDot", func(p *Payload) { p.Amount = ".50" }, "54", ErrFormat},
		{"AmountZero", func(p *Payload) { p.Amount = "0.00" }, "54", ErrFormat},
		{"AmountTooLong", func(p *Payload) { p.Amount = "12345678901.00" }, "54", ErrLength},
		{"AmountRupiahDecimals", func(p *Payload) { p.Currency, p.Amount = "360", "150000.00" }, "54", ErrFormat},

		{"CountryLower", func(p *Payload) { p.Country = "my" }, "58", ErrFormat},
		{"CountryAlpha3", func(p *Payload) { p.Country = "MYS" }, "58", ErrFormat},
		{"CountryMissing", func(p *Payload) { p.Country = "" }, "58", ErrFormat},

		{"NameMissing", func(p *Payload) { p.MerchantName = "" }, "59", ErrMissing},
		{"NameTooLong", func(p *Payload) { p.MerchantName = long(26) }, "59", ErrLength},
		{"NameNonASCII", func(p *Payload) { p.MerchantName = "Panadería José" }, "59", ErrCharset},
		{"NameTab", func(p *Payload) { p.MerchantName = "A\tB" }, "59", ErrCharset},
		{"NameDelete", func(p *Payload) { p.MerchantName = "AB\x7f" }, "59", ErrCharset},
		{"CityMissing", func(p *Payload) { p.MerchantCity = "" }, "60", ErrMissing},
		{"CityTooLong", func(p *Payload) { p.MerchantCity = long(16) }, "60", ErrLength},
		{"CityNonASCII", func(p *Payload) { p.MerchantCity = "Zürich" }, "60", ErrCharset},
		{"PostalTooLong", func(p *Payload) { p.PostalCode = long(11) }, "61", ErrLength},
		{"PostalNUL", func(p *Payload) { p.PostalCode = "12\x0034" }, "61", ErrCharset},

		{"ReferenceTooLong", func(p *Payload) { p.Reference = long(26) }, "62.05", ErrLength},
		{"ReferenceNewline", func(p *Payload) { p.Reference = "INV\r\n1" }, "62.05", ErrCharset},
		{"TerminalTooLong", func(p *Payload) { p.Terminal = long(26) }, "62.07", ErrLength},
		{"AdditionalRepeatsReference", func(p *Payload) {
			p.Reference, p.Additional = "INV-1", []Field{{"05", "INV-2"}}
		}, "62.05", ErrOrder},
		{"AdditionalIDNotDigits", func(p *Payload) { p.Additional = []Field{{"x1", "v"}} }, "62.x1", ErrFormat},
		{"AdditionalLabelTooLong", func(p *Payload) { p.Additional = []Field{{"03", long(26)}} }, "62.03", ErrLength},
		{"AdditionalEmpty", func(p *Payload) { p.Additional = []Field{{"50", ""}} }, "62.50", ErrMissing},
		{"AdditionalTooLong", func(p *Payload) { p.Additional = []Field{{"50", long(96)}} }, "62", ErrLength},

		{"PayloadTooLong", func(p *Payload) {
			p.Accounts = nil
			for tag := 26; tag <= 31; tag++ {
				p.Accounts = append(p.Accounts, MerchantAccount{
					Tag: string(rune('0'+tag/10)) + string(rune('0'+tag%10)), GUID: long(32),
					Fields: []Field{{"01", long(59)}},
				})
			}
		}, "", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validPayload()
			tt.modify(&p)
			s, err := p.Encode()
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				if _, err := Decode(s); err != nil {
					t.Fatalf("Decode(Encode()) = %v", err)
				}
				return
			}
			if s != "" {
				t.Errorf("Encode = %q, want \"\" with an error", s)
			}
			wantErr(t, err, tt.tag, tt.kind)
		})
	}
}

func TestEncodeLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Payload
		want string // everything before the CRC digits
	}{
		{"StaticDefaults", Payload{
			Accounts: []MerchantAccount{{Tag: "26", GUID: "A0000006150001"}},
			Currency: "458", Country: "MY", MerchantName: "A", MerchantCity: "B",
		}, "000201010211" + "26180014A0000006150001" + "52045999" + "5303458" + "5802MY" + "5901A" + "6001B" + "6304"},
		{"DynamicEverything", Payload{
			Dynamic:  true,
			Accounts: []MerchantAccount{{Tag: "26", GUID: "G", Fields: []Field{{"01", "X"}}}, {Tag: "51", GUID: "H"}},
			MCC:      "6016", Currency: "608", Amount: "1.5", Country: "PH",
			MerchantName: "A", MerchantCity: "B", PostalCode: "1100",
			Reference: "R", Terminal: "T", Additional: []Field{{"00", "ph.ppmi.qrph"}},
		}, "000201010212" + "26100001G0101X" + "51050001H" + "52046016" + "5303608" + "54031.5" + "5802PH" +
			"5901A" + "6001B" + "61041100" + "62260012ph.ppmi.qrph0501R0701T" + "6304"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustEncode(t, tt.p)
			want := tt.want + fmtCRC(CRC16([]byte(tt.want)), false)
			if got != want {
				t.Errorf("Encode =\n%s\nwant\n%s", got, want)
			}
		})
	}
}
