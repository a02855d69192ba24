package open

import (
	"errors"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// pePayout is a valid Peru transfer param: BCP, current account, a DNI.
func pePayout(id string) map[string]any {
	return map[string]any{"mchOrderId": id, "countryCode": "PE", "currency": "PEN", "amount": 15_000,
		"payMethodCode": "BANK", "transferCode": "PE_BCP", "accountNo": "1912345678901", "accountName": "Rosa Quispe",
		"accountType": "0", "idType": "1", "idCard": "45678912", "email": "rosa@example.com"}
}

// peCCI returns a CCI with valid check digits for a bank entity.
func peCCI(entity string) string {
	eo, acct := entity+"193", "001538952068"
	return eo + acct + gateway.CCICheckDigits(eo, acct)
}

// TestPeruPayoutDialectA makes Peru payouts through the Open API: the Peru
// fields reach the core, and its Peru rules refuse with 21002 naming the
// field.
func TestPeruPayoutDialectA(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, "PEN", 100_000)
		var res client.PayoutResult
		if err := b.c.Do(b.ctx, client.PathCreatePayout, pePayout("pe-a-1"), &res); err != nil {
			t.Fatal(err)
		}
		if res.TransactionStatus != "PENDING" || res.Amount != 15_000 || res.Currency != "PEN" || res.CountryCode != "PE" {
			t.Errorf("transfer answered %+v", res)
		}
		p, err := b.gw.Store().GetPayout(b.ctx, b.app.AppID, gateway.OrderRef{TransactionID: res.TransactionID})
		if err != nil || p.IDType != "1" || p.IDCard != "45678912" || p.Email != "rosa@example.com" ||
			p.AccountType != "0" || p.Dialect != gateway.DialectA {
			t.Errorf("stored %+v, %v", p, err)
		}

		// A bank outside the big four with its CCI, on the country alias path.
		m := pePayout("pe-a-2")
		m["transferCode"], m["cciAccountNo"] = "PE_FALABELLA", peCCI("054")
		if err := b.c.Do(b.ctx, "/open-api/peru/disbursement/transfer", m, &res); err != nil {
			t.Fatalf("Falabella with a CCI: %v", err)
		}
		if p, err := b.gw.Store().GetPayout(b.ctx, b.app.AppID, gateway.OrderRef{MchOrderID: "pe-a-2"}); err != nil || p.CCIAccountNo != peCCI("054") {
			t.Errorf("stored CCI %q, %v", p.CCIAccountNo, err)
		}

		bad := []byte(peCCI("054"))
		bad[18] = '0' + (bad[18]-'0'+1)%10
		tests := []struct {
			name   string
			change func(m map[string]any)
			code   int
			field  string
		}{
			{"BadCCI", func(m map[string]any) { m["transferCode"], m["cciAccountNo"] = "PE_FALABELLA", string(bad) }, client.CodeParamError, "cciAccountNo"},
			{"CCIOfAnotherBank", func(m map[string]any) { m["transferCode"], m["cciAccountNo"] = "PE_FALABELLA", peCCI("002") }, client.CodeParamError, "cciAccountNo"},
			{"NoCCI", func(m map[string]any) { m["transferCode"] = "PE_FALABELLA" }, client.CodeParamError, "cciAccountNo"},
			{"NoAccountType", func(m map[string]any) { delete(m, "accountType") }, client.CodeParamError, "accountType"},
			{"NoIDCard", func(m map[string]any) { delete(m, "idCard") }, client.CodeParamError, "idCard"},
			{"BadRUC", func(m map[string]any) { m["idType"], m["idCard"] = "4", "20100047219" }, client.CodeParamError, "idCard"},
			{"BadEmail", func(m map[string]any) { m["email"] = "rosa" }, client.CodeParamError, "email"},
			{"OverLimit", func(m map[string]any) { m["amount"] = 200_001 }, client.CodeAmount, "amount"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := pePayout("pe-bad-" + tt.name)
				tt.change(m)
				err := b.c.Do(b.ctx, client.PathCreatePayout, m, nil)
				var ae *client.APIError
				if client.ErrorCode(err) != tt.code || !errors.As(err, &ae) || !strings.HasPrefix(ae.Message, tt.field+":") {
					t.Errorf("got %v; want code %d naming %s", err, tt.code, tt.field)
				}
				b.wantNotFoundIn(t, "pe-bad-"+tt.name, "PE")
			})
		}
	})
}

// wantNotFoundIn asserts that no payout mchOrderId exists for the app in a
// country.
func (b *bundle) wantNotFoundIn(t *testing.T, mchOrderID, country string) {
	t.Helper()
	_, err := b.c.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: mchOrderID, CountryCode: country})
	if client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("check %s: got %v, want 21010", mchOrderID, err)
	}
}
