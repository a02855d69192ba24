package gateway

import (
	"regexp"
	"sort"
	"time"
)

// Country is a market the gateway serves.
type Country struct {
	Code     string
	Name     string // as used in the per-country alias paths
	Currency string
	Location *time.Location // for time fields and report dates
}

// Pay methods of payouts.
const (
	MethodBank      = "BANK"
	MethodEWallet   = "EWALLET"
	MethodPromptPay = "PROMPTPAY"
)

// PayoutChannel is one bank or wallet a country's payouts can go to. Its Code
// is the transferCode merchants send.
type PayoutChannel struct {
	Country   string
	Code      string
	Name      string
	Method    string
	MinAmount int64 // minor units
	MaxAmount int64
	// Account is the shape accountNo must have, and AccountHint says it in words.
	Account     *regexp.Regexp
	AccountHint string
}

func fixedZone(name string, hours int) *time.Location { return time.FixedZone(name, hours*3600) }

// Countries lists the countries of dialect A by code.
var Countries = map[string]Country{
	"PH": {"PH", "philippines", "PHP", fixedZone("PHT", 8)},
	"ID": {"ID", "indonesia", "IDR", fixedZone("WIB", 7)},
	"MY": {"MY", "malaysia", "MYR", fixedZone("MYT", 8)},
	"TH": {"TH", "thailand", "THB", fixedZone("ICT", 7)},
	"RU": {"RU", "russia", "RUB", fixedZone("MSK", 3)},
	"PE": {"PE", "peru", "PEN", fixedZone("PET", -5)},
}

// CountryByName finds a country by its alias-path name ("philippines").
func CountryByName(name string) (Country, bool) {
	for _, c := range Countries {
		if c.Name == name {
			return c, true
		}
	}
	return Country{}, false
}

var (
	bankAccount   = regexp.MustCompile(`^[0-9]{10,16}$`)
	phMobile      = regexp.MustCompile(`^(09[0-9]{9}|639[0-9]{9})$`)
	idMobile      = regexp.MustCompile(`^(08[0-9]{8,11}|628[0-9]{8,11})$`)
	myMobile      = regexp.MustCompile(`^(01[0-9]{8,9}|601[0-9]{8,9})$`)
	thMobile      = regexp.MustCompile(`^0[0-9]{9}$`)
	thPromptPay   = regexp.MustCompile(`^(0[0-9]{9}|[0-9]{13})$`)
	peAccount     = regexp.MustCompile(`^[0-9]{10,20}$`)
	peAccountHint = "10 to 20 digits"
	bankHint      = "10 to 16 digits"
	phMobileHint  = "a mobile number 09XXXXXXXXX or 639XXXXXXXXX"
	idMobileHint  = "a mobile number 08... or 628..., 10 to 14 digits"
	myMobileHint  = "a mobile number 01... or 601..., 10 to 12 digits"
	thMobileHint  = "a 10-digit mobile number starting with 0"
	thPromptHint  = "a 10-digit mobile number starting with 0 or a 13-digit national id"
	payoutCatalog []PayoutChannel
)

func init() {
	add := func(country, method string, min, max int64, re *regexp.Regexp, hint string, codes ...string) {
		for i := 0; i+1 < len(codes); i += 2 {
			payoutCatalog = append(payoutCatalog, PayoutChannel{country, codes[i], codes[i+1], method, min, max, re, hint})
		}
	}
	// Philippines: InstaPay banks up to PHP 50,000.00; wallets up to 100,000.00.
	add("PH", MethodBank, 100, 5_000_000, bankAccount, bankHint,
		"BDO", "BDO Unibank", "BPI", "Bank of the Philippine Islands", "MBTC", "Metrobank",
		"LBP", "Land Bank of the Philippines", "UBP", "UnionBank", "SECB", "Security Bank",
		"RCBC", "RCBC", "PNB", "Philippine National Bank", "CBC", "China Bank", "EWB", "EastWest Bank")
	add("PH", MethodEWallet, 100, 10_000_000, phMobile, phMobileHint,
		"GCASH", "GCash", "PAYMAYA", "Maya", "GRABPAY", "GrabPay")
	// Indonesia (whole rupiah): bank transfers 10,000 to 50,000,000; wallets to 10,000,000.
	add("ID", MethodBank, 10_000, 50_000_000, bankAccount, bankHint,
		"BCA", "Bank Central Asia", "BNI", "Bank Negara Indonesia", "BRI", "Bank Rakyat Indonesia",
		"MANDIRI", "Bank Mandiri", "PERMATA", "Bank Permata", "CIMB", "CIMB Niaga",
		"DANAMON", "Bank Danamon", "BSI", "Bank Syariah Indonesia")
	add("ID", MethodEWallet, 10_000, 10_000_000, idMobile, idMobileHint,
		"OVO", "OVO", "DANA", "DANA", "GOPAY", "GoPay", "SHOPEEPAY", "ShopeePay", "LINKAJA", "LinkAja")
	// Malaysia: DuitNow transfers MYR 1.00 to 30,000.00; wallets to 5,000.00.
	add("MY", MethodBank, 100, 3_000_000, bankAccount, bankHint,
		"MBB", "Maybank", "CIMB", "CIMB Bank", "PBB", "Public Bank", "RHB", "RHB Bank",
		"HLB", "Hong Leong Bank", "AMB", "AmBank", "BIMB", "Bank Islam", "BSN", "Bank Simpanan Nasional")
	add("MY", MethodEWallet, 100, 500_000, myMobile, myMobileHint,
		"TNG", "Touch 'n Go eWallet", "GRABPAY", "GrabPay", "BOOST", "Boost")
	// Thailand: banks THB 1.00 to 2,000,000.00; PromptPay and TrueMoney lower.
	add("TH", MethodBank, 100, 200_000_000, bankAccount, bankHint,
		"BBL", "Bangkok Bank", "KBANK", "Kasikornbank", "KTB", "Krungthai Bank",
		"SCB", "Siam Commercial Bank", "BAY", "Krungsri", "TTB", "TMBThanachart", "GSB", "Government Savings Bank")
	add("TH", MethodPromptPay, 100, 70_000_000, thPromptPay, thPromptHint, "PROMPTPAY", "PromptPay")
	add("TH", MethodEWallet, 100, 3_000_000, thMobile, thMobileHint, "TRUEMONEY", "TrueMoney Wallet")
	// Peru: the banks of dialect B's list, PEN 10.00 to 2,000.00 (seed 002);
	// ValidatePeruPayout checks each bank's account shape and the CCI.
	for _, b := range PeruBanks {
		add("PE", MethodBank, PeruMinPayout, PeruMaxPayout, peAccount, peAccountHint, b.Transfer, b.Name)
	}
	sort.SliceStable(payoutCatalog, func(i, j int) bool { return payoutCatalog[i].Country < payoutCatalog[j].Country })
}

// PayoutChannels returns a country's payout channels, banks first.
func PayoutChannels(country string) []PayoutChannel {
	var out []PayoutChannel
	for _, c := range payoutCatalog {
		if c.Country == country {
			out = append(out, c)
		}
	}
	return out
}

// AllPayoutChannels returns every payout channel of every country.
func AllPayoutChannels() []PayoutChannel { return append([]PayoutChannel(nil), payoutCatalog...) }

// FindPayoutChannel looks up a country's payout channel by transferCode.
func FindPayoutChannel(country, code string) (PayoutChannel, bool) {
	for _, c := range payoutCatalog {
		if c.Country == country && c.Code == code {
			return c, true
		}
	}
	return PayoutChannel{}, false
}
