package gateway_test

import (
	"errors"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
)

// cci builds a valid CCI from its entity+office and account.
func cci(t testing.TB, entityOffice, account string) string {
	t.Helper()
	cd := gateway.CCICheckDigits(entityOffice, account)
	if cd == "" {
		t.Fatalf("CCICheckDigits(%q, %q) refused its input", entityOffice, account)
	}
	return entityOffice + account + cd
}

// wantErr checks that err is an *gateway.Error of kind about field, or nil
// when kind is "".
func wantErr(t *testing.T, err error, kind gateway.Kind, field string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		return
	}
	var e *gateway.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *gateway.Error %s about %s", err, kind, field)
	}
	if e.Kind != kind || e.Field != field {
		t.Fatalf("got %s about %q (%v), want %s about %q", e.Kind, e.Field, err, kind, field)
	}
	if e.Message == "" {
		t.Fatal("empty message")
	}
}

func TestPeruBanks(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for _, b := range gateway.PeruBanks {
		if b.ID < 1 || b.ID > 28 || seen[b.ID] {
			t.Errorf("bankId %d out of 1-28 or repeated", b.ID)
		}
		seen[b.ID] = true
		if b.Code == "" || b.Name == "" {
			t.Errorf("bank %d has no code or name", b.ID)
		}
		if b.Entity != "" && (len(b.Entity) != 3 || gateway.CCICheckDigits(b.Entity+"000", "000000000000") == "") {
			t.Errorf("bank %d has entity %q, want 3 digits", b.ID, b.Entity)
		}
		if b.BigFour != (b.ID <= 4) {
			t.Errorf("bank %d BigFour = %v", b.ID, b.BigFour)
		}
	}
	if len(gateway.PeruBanks) != 26 {
		t.Errorf("got %d banks, want the 26 published (1-28 without 15 and 16)", len(gateway.PeruBanks))
	}
	for id, entity := range map[int]string{1: "011", 2: "003", 3: "002", 4: "009"} {
		b, ok := gateway.FindPeruBank(id)
		if !ok || b.Entity != entity {
			t.Errorf("FindPeruBank(%d) = %+v, %v; want entity %s", id, b, ok, entity)
		}
	}
	for _, id := range []int{0, 15, 16, 29, -1} {
		if _, ok := gateway.FindPeruBank(id); ok {
			t.Errorf("FindPeruBank(%d) found a bank", id)
		}
	}
}

func TestValidCCI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cci  string
		want bool
	}{
		// Published examples (d24/Pandablue, dLocal, Localpayment docs).
		{"PublishedD24", "00219300153895206813", true},
		{"PublishedDLocal", "00219300247595201411", true},
		{"PublishedLocalpayment", "01136600010003254221", true},
		// The provider's appendix example ends in a made-up 654321: its
		// check digits do not verify, so it is no test vector.
		{"ProviderExampleNotValid", "00219400254640654321", false},
		{"BuiltBanBif", cci(t, "038100", "000012345678"), true},
		{"BuiltCajaTacna", cci(t, "813001", "123456789012"), true},
		{"FirstCheckWrong", "00219300153895206803", false},
		{"SecondCheckWrong", "00219300153895206814", false},
		{"AccountDigitChanged", "00219300153895206913", false},
		{"Short", "0021930015389520681", false},
		{"Long", "002193001538952068130", false},
		{"Letters", "0021930015389520681A", false},
		{"Dashes", "002-193-001538952068-13", false},
		{"Empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gateway.ValidCCI(tc.cci); got != tc.want {
				t.Errorf("ValidCCI(%q) = %v, want %v", tc.cci, got, tc.want)
			}
		})
	}
}

func TestCCICheckDigits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, eo, account, want string
	}{
		{"PublishedD24", "002193", "001538952068", "13"},
		{"PublishedLocalpayment", "011366", "000100032542", "21"},
		{"AllZero", "000000", "000000000000", "00"},
		{"ShortOffice", "00219", "001538952068", ""},
		{"LongAccount", "002193", "0015389520681", ""},
		{"Letter", "00219A", "001538952068", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gateway.CCICheckDigits(tc.eo, tc.account); got != tc.want {
				t.Errorf("CCICheckDigits(%q, %q) = %q, want %q", tc.eo, tc.account, got, tc.want)
			}
		})
	}
}

func TestValidRUC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ruc string
		want      bool
	}{
		{"BCP", "20100047218", true},
		{"Interbank", "20100053455", true},
		{"SUNAT", "20131312955", true},
		{"NaturalPersonCheck11", "10123456781", true}, // 11 - 0 = 11 is written 1
		{"WrongCheckDigit", "20100047219", false},
		{"BadPrefix", "30100047218", false},
		{"TenDigits", "2010004721", false},
		{"Letters", "2010004721X", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gateway.ValidRUC(tc.ruc); got != tc.want {
				t.Errorf("ValidRUC(%q) = %v, want %v", tc.ruc, got, tc.want)
			}
		})
	}
}

func TestValidPeruID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, idType, number string
		kind                 gateway.Kind
		field                string
	}{
		{"DNI", "1", "45678912", "", ""},
		{"DNISeven", "1", "4567891", gateway.KindInvalid, "idCard"},
		{"DNINine", "1", "456789123", gateway.KindInvalid, "idCard"},
		{"DNILetter", "1", "4567891K", gateway.KindInvalid, "idCard"},
		{"Passport", "2", "PE1234567", "", ""},
		{"PassportDigits", "2", "123456", "", ""},
		{"PassportShort", "2", "12345", gateway.KindInvalid, "idCard"},
		{"PassportLong", "2", "ABCDEFG123456", gateway.KindInvalid, "idCard"},
		{"PassportDash", "2", "PE-123456", gateway.KindInvalid, "idCard"},
		{"CE", "3", "001234567", "", ""},
		{"CETwelve", "3", "E00123456789", "", ""},
		{"CEShort", "3", "1234567", gateway.KindInvalid, "idCard"},
		{"CELong", "3", "0012345678901", gateway.KindInvalid, "idCard"},
		{"RUC", "4", "20100047218", "", ""},
		{"RUCWrongCheckDigit", "4", "20100047217", gateway.KindInvalid, "idCard"},
		{"RUCBadPrefix", "4", "11100047218", gateway.KindInvalid, "idCard"},
		{"UnknownType", "5", "45678912", gateway.KindInvalid, "idType"},
		{"NumericTypeZero", "0", "45678912", gateway.KindInvalid, "idType"},
		{"NoType", "", "45678912", gateway.KindInvalid, "idType"},
		{"NoNumber", "1", "", gateway.KindInvalid, "idCard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, gateway.ValidPeruID(tc.idType, tc.number), tc.kind, tc.field)
		})
	}
}

func TestValidPeruAccountType(t *testing.T) {
	t.Parallel()
	for v, want := range map[int]bool{-1: false, 0: true, 1: true, 2: false, 3: false} {
		if got := gateway.ValidPeruAccountType(v); got != want {
			t.Errorf("ValidPeruAccountType(%d) = %v, want %v", v, got, want)
		}
	}
}

func TestValidatePeruPayout(t *testing.T) {
	t.Parallel()
	banbifCCI := cci(t, "038100", "000012345678")
	bcpCCI := cci(t, "002193", "000123456789")
	aztecaCCI := cci(t, "999001", "000000000042") // entity unknown for Azteca: not checked
	type req struct {
		bank, accountType int
		accountNo, cci    string
		idType, idCard    string
		amount            int64
	}
	ok := req{3, 1, "19312345678901", "", "1", "45678912", 10000} // BCP savings
	with := func(f func(*req)) req { r := ok; f(&r); return r }
	for _, tc := range []struct {
		name  string
		r     req
		kind  gateway.Kind
		field string
	}{
		{"OK", ok, "", ""},
		{"OKBCPCurrent", with(func(r *req) { r.accountType, r.accountNo = 0, "1931234567890" }), "", ""},
		{"OKBBVA18", with(func(r *req) { r.bank, r.accountNo = 1, "001106660100012345" }), "", ""},
		{"OKBBVA20", with(func(r *req) { r.bank, r.accountNo = 1, "00110666010001234512" }), "", ""},
		{"OKInterbank", with(func(r *req) { r.bank, r.accountNo = 2, "2003001234567" }), "", ""},
		{"OKScotiabank", with(func(r *req) { r.bank, r.accountNo = 4, "0037651234" }), "", ""},
		{"OKBigFourWithOwnCCI", with(func(r *req) { r.cci = bcpCCI }), "", ""},
		{"OKBanBifWithCCI", with(func(r *req) { r.bank, r.accountNo, r.cci = 6, "0001234567", banbifCCI }), "", ""},
		{"OKUnknownEntityBank", with(func(r *req) { r.bank, r.accountNo, r.cci = 22, "1234567890", aztecaCCI }), "", ""},
		{"OKRUC", with(func(r *req) { r.idType, r.idCard = "4", "20131312955" }), "", ""},
		{"Amount999", with(func(r *req) { r.amount = 999 }), gateway.KindAmount, "amount"},
		{"Amount1000", with(func(r *req) { r.amount = 1000 }), "", ""},
		{"Amount200000", with(func(r *req) { r.amount = 200000 }), "", ""},
		{"Amount200001", with(func(r *req) { r.amount = 200001 }), gateway.KindAmount, "amount"},
		{"AmountZero", with(func(r *req) { r.amount = 0 }), gateway.KindAmount, "amount"},
		{"UnknownBank", with(func(r *req) { r.bank = 29 }), gateway.KindBankCode, "bankId"},
		{"UnpublishedBank15", with(func(r *req) { r.bank = 15 }), gateway.KindBankCode, "bankId"},
		{"BankZero", with(func(r *req) { r.bank = 0 }), gateway.KindBankCode, "bankId"},
		{"AccountType2", with(func(r *req) { r.accountType = 2 }), gateway.KindInvalid, "accountType"},
		{"NoAccountNo", with(func(r *req) { r.accountNo = "" }), gateway.KindInvalid, "accountNo"},
		{"BCPSavings13", with(func(r *req) { r.accountNo = "1931234567890" }), gateway.KindInvalid, "accountNo"},
		{"BCPCurrent14", with(func(r *req) { r.accountType = 0 }), gateway.KindInvalid, "accountNo"},
		{"BBVA19", with(func(r *req) { r.bank, r.accountNo = 1, "0011066601000123451" }), gateway.KindInvalid, "accountNo"},
		{"Interbank14", with(func(r *req) { r.bank, r.accountNo = 2, "20030012345678" }), gateway.KindInvalid, "accountNo"},
		{"Scotiabank11", with(func(r *req) { r.bank, r.accountNo = 4, "00376512345" }), gateway.KindInvalid, "accountNo"},
		{"OtherBankShortAccount", with(func(r *req) { r.bank, r.accountNo, r.cci = 6, "123456789", banbifCCI }), gateway.KindInvalid, "accountNo"},
		{"NonBigFourWithoutCCI", with(func(r *req) { r.bank, r.accountNo = 6, "0001234567" }), gateway.KindInvalid, "cciAccountNo"},
		{"CCIBadCheckDigits", with(func(r *req) { r.bank, r.accountNo, r.cci = 6, "0001234567", banbifCCI[:18]+"99" }), gateway.KindInvalid, "cciAccountNo"},
		{"CCIShort", with(func(r *req) { r.bank, r.accountNo, r.cci = 6, "0001234567", banbifCCI[:19] }), gateway.KindInvalid, "cciAccountNo"},
		{"CCIWrongEntity", with(func(r *req) { r.bank, r.accountNo, r.cci = 6, "0001234567", bcpCCI }), gateway.KindInvalid, "cciAccountNo"},
		{"BigFourCCIWrongEntity", with(func(r *req) { r.cci = banbifCCI }), gateway.KindInvalid, "cciAccountNo"},
		{"BadDNI", with(func(r *req) { r.idCard = "1234567" }), gateway.KindInvalid, "idCard"},
		{"RUCWrongCheckDigit", with(func(r *req) { r.idType, r.idCard = "4", "20131312954" }), gateway.KindInvalid, "idCard"},
		{"BadIDType", with(func(r *req) { r.idType = "9" }), gateway.KindInvalid, "idType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			err := gateway.ValidatePeruPayout(r.bank, r.accountType, r.accountNo, r.cci, r.idType, r.idCard, r.amount)
			wantErr(t, err, tc.kind, tc.field)
		})
	}
}

func TestDialectBPayoutStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     gateway.Status
		failedCode int
		want, desc string
	}{
		{"Pending", gateway.StatusPending, 0, "PROCESSING", ""},
		{"Completed", gateway.StatusCompleted, 0, "SUCCESS", "SUCCESS"},
		{"FailedDestination", gateway.StatusFailed, gateway.FailedDestination, "FAIL", "INVALID_BANK_ACCOUNT"},
		{"FailedService", gateway.StatusFailed, gateway.FailedService, "FAIL", "SYSTEM_ERROR"},
		{"FailedUnknownCode", gateway.StatusFailed, -1, "FAIL", "UNKNOWN_ERROR"},
		{"Canceled", gateway.StatusFailed, gateway.FailedCanceled, "CANCEL", "ORDER_CANCELED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gateway.DialectBPayoutStatus(tc.status, tc.failedCode); got != tc.want {
				t.Errorf("DialectBPayoutStatus = %q, want %q", got, tc.want)
			}
			if got := gateway.DialectBResultDesc(tc.status, tc.failedCode); got != tc.desc {
				t.Errorf("DialectBResultDesc = %q, want %q", got, tc.desc)
			}
		})
	}
}

func TestDialectBPayoutToCore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status, desc string
		want         gateway.Status
		code         int
		ok           bool
	}{
		{"PROCESSING", "", gateway.StatusPending, 0, true},
		{"WAITING", "", gateway.StatusPending, 0, true},
		{"PAYING", "SUCCESS", gateway.StatusPending, 0, true},
		{"SUCCESS", "SUCCESS", gateway.StatusCompleted, 0, true},
		{"FAIL", "INVALID_CCI", gateway.StatusFailed, gateway.FailedDestination, true},
		{"FAIL", "AMOUNT_ERROR", gateway.StatusFailed, gateway.FailedExceedLimit, true},
		{"FAIL", "SOMETHING_NEW", gateway.StatusFailed, gateway.FailedChannelRejected, true},
		{"CANCEL", "", gateway.StatusFailed, gateway.FailedCanceled, true},
		{"success", "", "", 0, false},
		{"", "", "", 0, false},
	} {
		t.Run(tc.status+"_"+tc.desc, func(t *testing.T) {
			s, code, ok := gateway.DialectBPayoutToCore(tc.status, tc.desc)
			if s != tc.want || code != tc.code || ok != tc.ok {
				t.Errorf("got %q, %d, %v; want %q, %d, %v", s, code, ok, tc.want, tc.code, tc.ok)
			}
			if ok && s != gateway.StatusPending {
				// A final upstream status shows the same way through our dialect B.
				if got := gateway.DialectBPayoutStatus(s, code); got != tc.status {
					t.Errorf("round trip gave %q, want %q", got, tc.status)
				}
			}
		})
	}
}

func FuzzValidCCI(f *testing.F) {
	for _, s := range []string{"00219300153895206813", "00219400254640654321", "", "0021930015389520681x", "٠٠٢١٩٣٠٠١٥٣٨٩٥٢٠٦٨١٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !gateway.ValidCCI(s) {
			return
		}
		if len(s) != 20 {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				t.Fatalf("accepted %q with a non-digit", s)
			}
		}
		if cd := gateway.CCICheckDigits(s[:6], s[6:18]); cd != s[18:] {
			t.Fatalf("accepted %q but its check digits are %q", s, cd)
		}
	})
}

func TestDialectBOrderStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    gateway.Payout
		want string
	}{
		{gateway.Payout{Status: gateway.StatusPending, ChannelState: gateway.ChannelNew}, "PROCESSING"},
		{gateway.Payout{Status: gateway.StatusPending, ChannelState: gateway.ChannelUnknown}, "WAITING"},
		{gateway.Payout{Status: gateway.StatusPending, ChannelState: gateway.ChannelSubmitted}, "PAYING"},
		{gateway.Payout{Status: gateway.StatusCompleted, ChannelState: gateway.ChannelDone}, "SUCCESS"},
		{gateway.Payout{Status: gateway.StatusFailed, FailedCode: gateway.FailedDestination, ChannelState: gateway.ChannelDone}, "FAIL"},
		{gateway.Payout{Status: gateway.StatusFailed, FailedCode: gateway.FailedCanceled, ChannelState: gateway.ChannelDone}, "CANCEL"},
	} {
		if got := gateway.DialectBOrderStatus(tc.p); got != tc.want {
			t.Errorf("DialectBOrderStatus(%s, %s, %d) = %s, want %s", tc.p.Status, tc.p.ChannelState, tc.p.FailedCode, got, tc.want)
		}
	}
}
