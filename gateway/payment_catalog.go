package gateway

import "time"

// Payment channel types (channelType).
const (
	TypeQR            = "QR"
	TypeEWallet       = "EWALLET"
	TypeBankTransfer  = "BANK_TRANSFER"
	TypeOnlineBanking = "ONLINE_BANKING"
	TypeCard          = "CARD"
)

// What payData holds for a channel.
const (
	PayDataQR  = "qr"  // an EMVCo merchant-presented QR payload (or the country's QR string)
	PayDataVA  = "va"  // a virtual account number
	PayDataURL = "url" // a pay URL that opens the gateway's hosted payment page
)

// PaymentChannel is one way a country's customers can pay a merchant.
type PaymentChannel struct {
	Country   string
	Code      string // channelCode
	Name      string
	Type      string // channelType
	PayData   string
	MinAmount int64 // minor units
	MaxAmount int64
	Expiry    time.Duration // default lifetime of a dynamic order
	Static    bool          // may back a reusable static code
	VAPrefix  string        // for PayDataVA: the bank's prefix of its virtual accounts
}

var paymentCatalog = []PaymentChannel{
	{"PH", "PH_QRPH_DYNAMIC", "QR Ph", TypeQR, PayDataQR, 100, 5_000_000, 30 * time.Minute, false, ""},
	{"PH", "PH_QRPH_STATIC", "QR Ph (static)", TypeQR, PayDataQR, 100, 5_000_000, 0, true, ""},
	{"PH", "PH_GCASH_QR", "GCash QR", TypeQR, PayDataQR, 100, 10_000_000, 30 * time.Minute, false, ""},
	{"PH", "PH_GCASH", "GCash", TypeEWallet, PayDataURL, 100, 10_000_000, 30 * time.Minute, false, ""},
	{"PH", "PH_MAYA", "Maya", TypeEWallet, PayDataURL, 100, 10_000_000, 30 * time.Minute, false, ""},
	{"PH", "PH_GRABPAY", "GrabPay", TypeEWallet, PayDataURL, 100, 10_000_000, 30 * time.Minute, false, ""},
	{"PH", "PH_BPI_OB", "BPI Online", TypeOnlineBanking, PayDataURL, 100, 5_000_000, time.Hour, false, ""},
	{"PH", "PH_UBP_OB", "UnionBank Online", TypeOnlineBanking, PayDataURL, 100, 5_000_000, time.Hour, false, ""},
	{"PH", "PH_CARD", "Visa / Mastercard", TypeCard, PayDataURL, 100, 10_000_000, time.Hour, false, ""},
	{"ID", "ID_QRIS", "QRIS", TypeQR, PayDataQR, 1_000, 10_000_000, 30 * time.Minute, false, ""},
	{"ID", "ID_QRIS_STATIC", "QRIS (static)", TypeQR, PayDataQR, 1_000, 10_000_000, 0, true, ""},
	{"ID", "ID_BCA_VA", "BCA Virtual Account", TypeBankTransfer, PayDataVA, 10_000, 50_000_000, 24 * time.Hour, true, "70012"},
	{"ID", "BNI_VA", "BNI Virtual Account", TypeBankTransfer, PayDataVA, 10_000, 50_000_000, 24 * time.Hour, true, "9880"},
	{"ID", "BRI_VA", "BRI Virtual Account", TypeBankTransfer, PayDataVA, 10_000, 50_000_000, 24 * time.Hour, true, "26215"},
	{"ID", "ID_MANDIRI_VA", "Mandiri Virtual Account", TypeBankTransfer, PayDataVA, 10_000, 50_000_000, 24 * time.Hour, true, "89608"},
	{"ID", "ID_PERMATA_VA", "Permata Virtual Account", TypeBankTransfer, PayDataVA, 10_000, 50_000_000, 24 * time.Hour, true, "8625"},
	{"ID", "ID_OVO", "OVO", TypeEWallet, PayDataURL, 1_000, 10_000_000, 30 * time.Minute, false, ""},
	{"ID", "ID_DANA", "DANA", TypeEWallet, PayDataURL, 1_000, 10_000_000, 30 * time.Minute, false, ""},
	{"ID", "ID_SHOPEEPAY", "ShopeePay", TypeEWallet, PayDataURL, 1_000, 10_000_000, 30 * time.Minute, false, ""},
	{"MY", "MY_DUITNOW_QR", "DuitNow QR", TypeQR, PayDataQR, 100, 3_000_000, 30 * time.Minute, false, ""},
	{"MY", "MY_DUITNOW_STATIC", "DuitNow QR (static)", TypeQR, PayDataQR, 100, 3_000_000, 0, true, ""},
	{"MY", "MY_FPX_MAYBANK", "FPX Maybank2u", TypeOnlineBanking, PayDataURL, 100, 3_000_000, time.Hour, false, ""},
	{"MY", "MY_FPX_CIMB", "FPX CIMB Clicks", TypeOnlineBanking, PayDataURL, 100, 3_000_000, time.Hour, false, ""},
	{"MY", "MY_FPX_PBB", "FPX Public Bank", TypeOnlineBanking, PayDataURL, 100, 3_000_000, time.Hour, false, ""},
	{"MY", "MY_TNG", "Touch 'n Go eWallet", TypeEWallet, PayDataURL, 100, 500_000, 30 * time.Minute, false, ""},
	{"TH", "TH_PROMPTPAY_QR", "PromptPay QR", TypeQR, PayDataQR, 100, 70_000_000, 30 * time.Minute, false, ""},
	{"TH", "TH_PROMPTPAY_STATIC", "PromptPay QR (static)", TypeQR, PayDataQR, 100, 70_000_000, 0, true, ""},
	{"TH", "TH_TRUEMONEY", "TrueMoney Wallet", TypeEWallet, PayDataURL, 100, 3_000_000, 30 * time.Minute, false, ""},
	{"TH", "TH_SCB_OB", "SCB Easy", TypeOnlineBanking, PayDataURL, 100, 200_000_000, time.Hour, false, ""},
	{"TH", "TH_KBANK_OB", "K PLUS", TypeOnlineBanking, PayDataURL, 100, 200_000_000, time.Hour, false, ""},
	{"TH", "TH_WECHATPAY", "WeChat Pay", TypeEWallet, PayDataURL, 100, 20_000_000, 30 * time.Minute, false, ""},
	{"RU", "RU_SBP_QR", "SBP (Faster Payments) QR", TypeQR, PayDataURL, 100, 100_000_000, 30 * time.Minute, false, ""},
	{"RU", "RU_CARD", "Mir / Visa / Mastercard", TypeCard, PayDataURL, 100, 60_000_000, time.Hour, false, ""},
	// Peru: wallets through the hosted page; PagoEfectivo gives a CIP code the
	// customer pays in cash or from a banking app (a VA-like number).
	{"PE", "PE_YAPE", "Yape", TypeEWallet, PayDataURL, 100, 1_000_000, 30 * time.Minute, false, ""},
	{"PE", "PE_PLIN", "Plin", TypeEWallet, PayDataURL, 100, 1_000_000, 30 * time.Minute, false, ""},
	{"PE", "PE_PAGOEFECTIVO", "PagoEfectivo (CIP)", TypeBankTransfer, PayDataVA, 100, 1_000_000, 24 * time.Hour, false, "9"},
	{"PE", "PE_BANK_TRANSFER", "Peruvian banks (online banking)", TypeOnlineBanking, PayDataURL, 100, 1_000_000, time.Hour, false, ""},
}

// PaymentChannels returns a country's payment channels.
func PaymentChannels(country string) []PaymentChannel {
	var out []PaymentChannel
	for _, c := range paymentCatalog {
		if c.Country == country {
			out = append(out, c)
		}
	}
	return out
}

// FindPaymentChannel looks up a country's payment channel by channelCode.
func FindPaymentChannel(country, code string) (PaymentChannel, bool) {
	for _, c := range paymentCatalog {
		if c.Country == country && c.Code == code {
			return c, true
		}
	}
	return PaymentChannel{}, false
}
