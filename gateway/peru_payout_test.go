package gateway_test

import (
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
)

func pePayout(id string) gateway.PayoutRequest {
	return gateway.PayoutRequest{
		MchOrderID: id, CountryCode: "PE", Currency: "PEN", Amount: 15_000, PayMethod: gateway.MethodBank,
		TransferCode: "PE_BCP", AccountNo: "1912345678901", AccountType: "0", AccountName: "Rosa Quispe",
		IDType: gateway.PeruIDDNI, IDCard: "45678912", Dialect: gateway.DialectB,
	}
}

func TestPeruPayout(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		if _, err := b.gw.CreditBalance(b.ctx, b.app.MerchantID, "PEN", 100_000); err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			p, err := b.gw.CreatePayout(b.ctx, b.app, pePayout("pe-ok"))
			if err != nil {
				t.Fatal(err)
			}
			got := b.settle(t, p.TransactionID)
			if got.Status != gateway.StatusCompleted || got.Dialect != gateway.DialectB || got.IDCard != "45678912" || got.Connector != "sim" {
				t.Fatalf("payout %+v: want COMPLETED, dialect B, the id card kept and connector sim", got)
			}
		})
		for _, tc := range []struct {
			name  string
			edit  func(*gateway.PayoutRequest)
			kind  gateway.Kind
			field string
		}{
			{"ErrAccountTypeMissing", func(r *gateway.PayoutRequest) { r.AccountType = "" }, gateway.KindInvalid, "accountType"},
			{"ErrAccountTypeBad", func(r *gateway.PayoutRequest) { r.AccountType = "3" }, gateway.KindInvalid, "accountType"},
			{"ErrBCPSavingsLength", func(r *gateway.PayoutRequest) { r.AccountType = "1" }, gateway.KindInvalid, "accountNo"},
			{"ErrCCIRequiredOutsideBigFour", func(r *gateway.PayoutRequest) { r.TransferCode = "PE_FALABELLA"; r.AccountNo = "12345678901" }, gateway.KindInvalid, "cciAccountNo"},
			{"ErrCCICheckDigits", func(r *gateway.PayoutRequest) { r.CCIAccountNo = "00219400254640654320" }, gateway.KindInvalid, "cciAccountNo"},
			{"ErrDNI", func(r *gateway.PayoutRequest) { r.IDCard = "1234567" }, gateway.KindInvalid, "idCard"},
			{"ErrIDType", func(r *gateway.PayoutRequest) { r.IDType = "9" }, gateway.KindInvalid, "idType"},
			{"ErrBelowMinimum", func(r *gateway.PayoutRequest) { r.Amount = 999 }, gateway.KindAmount, "amount"},
			{"ErrAboveMaximum", func(r *gateway.PayoutRequest) { r.Amount = 200_001 }, gateway.KindAmount, "amount"},
			{"ErrCurrency", func(r *gateway.PayoutRequest) { r.Currency = "USD" }, gateway.KindInvalid, "currency"},
			{"ErrEmail", func(r *gateway.PayoutRequest) { r.Email = "not-an-email" }, gateway.KindInvalid, "email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := pePayout("pe-" + tc.name)
				tc.edit(&r)
				_, err := b.gw.CreatePayout(b.ctx, b.app, r)
				var e *gateway.Error
				if !asError(err, &e) || e.Kind != tc.kind || e.Field != tc.field {
					t.Fatalf("CreatePayout = %v, want %s about %s", err, tc.kind, tc.field)
				}
				if _, err := b.store.GetPayout(b.ctx, b.app.AppID, gateway.OrderRef{MchOrderID: r.MchOrderID}); err == nil {
					t.Fatal("a refused payout was stored")
				}
			})
		}
		t.Run("CCIBankWithValidCCI", func(t *testing.T) {
			r := pePayout("pe-cci")
			r.TransferCode, r.AccountNo = "PE_FALABELLA", "12345678901"
			r.CCIAccountNo = cciFor("054", "123", "456789012345")
			if _, err := b.gw.CreatePayout(b.ctx, b.app, r); err != nil {
				t.Fatal(err)
			}
		})
		b.checkLedger(t)
	})
}

// cciFor builds a CCI with valid check digits.
func cciFor(entity, office, account string) string {
	return entity + office + account + gateway.CCICheckDigits(entity+office, account)
}
