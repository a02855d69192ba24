package gateway

import (
	"net/url"
	"unicode/utf8"
)

// validatePayout checks a payout request field by field and returns the
// channel it goes to. The first problem found is returned as an *Error
// naming the field.
func validatePayout(r PayoutRequest) (PayoutChannel, error) {
	if err := checkOrderID("mchOrderId", r.MchOrderID, true); err != nil {
		return PayoutChannel{}, err
	}
	if err := checkOrderID("idempotencyId", r.IdempotencyID, false); err != nil {
		return PayoutChannel{}, err
	}
	if r.CountryCode == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "countryCode", "is required")
	}
	country, ok := Countries[r.CountryCode]
	if !ok || len(PayoutChannels(r.CountryCode)) == 0 {
		return PayoutChannel{}, Errorf(KindCountry, "countryCode", "payouts to %q are not opened", r.CountryCode)
	}
	if r.Currency == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "currency", "is required")
	}
	if r.Currency != country.Currency {
		return PayoutChannel{}, Errorf(KindInvalid, "currency", "must be %s for countryCode %s, got %q", country.Currency, r.CountryCode, r.Currency)
	}
	if r.PayMethod == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "payMethodCode", "is required")
	}
	if !countryHasMethod(r.CountryCode, r.PayMethod) {
		return PayoutChannel{}, Errorf(KindPayMethod, "payMethodCode", "%q is not a payout method in %s", r.PayMethod, r.CountryCode)
	}
	if r.TransferCode == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "transferCode", "is required")
	}
	ch, ok := FindPayoutChannel(r.CountryCode, r.TransferCode)
	if !ok || ch.Method != r.PayMethod {
		kind, what := KindBankCode, "bank"
		if r.PayMethod != MethodBank {
			kind, what = KindWalletCode, "wallet"
		}
		return PayoutChannel{}, Errorf(kind, "transferCode", "%q is not a %s code for %s payouts in %s", r.TransferCode, what, r.PayMethod, r.CountryCode)
	}
	if r.Amount <= 0 {
		return PayoutChannel{}, Errorf(KindAmount, "amount", "must be a positive number of minor units, got %d", r.Amount)
	}
	if r.Amount < ch.MinAmount || r.Amount > ch.MaxAmount {
		return PayoutChannel{}, Errorf(KindAmount, "amount", "%d is outside %s's limits %d to %d (minor units of %s)", r.Amount, ch.Code, ch.MinAmount, ch.MaxAmount, r.Currency)
	}
	if r.AccountNo == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "accountNo", "is required")
	}
	if !ch.Account.MatchString(r.AccountNo) {
		return PayoutChannel{}, Errorf(KindInvalid, "accountNo", "must be %s for %s", ch.AccountHint, ch.Code)
	}
	if r.CountryCode == "PE" {
		if err := validatePeruFields(r, ch); err != nil {
			return PayoutChannel{}, err
		}
	}
	if r.Email != "" && (len(r.Email) > 64 || !looksLikeEmail(r.Email)) {
		return PayoutChannel{}, Errorf(KindInvalid, "email", "must be an email address of at most 64 characters")
	}
	if r.PayMethod == MethodBank && r.AccountName == "" {
		return PayoutChannel{}, Errorf(KindInvalid, "accountName", "is required for bank payouts")
	}
	if err := checkText("accountName", r.AccountName, 64); err != nil {
		return PayoutChannel{}, err
	}
	if err := checkText("accountType", r.AccountType, 32); err != nil {
		return PayoutChannel{}, err
	}
	if r.Mobile != "" && !isPhone(r.Mobile) {
		return PayoutChannel{}, Errorf(KindInvalid, "mobile", "must be digits with an optional leading +, 7 to 16 long")
	}
	if err := CheckNotifyURL("notifyUrl", r.NotifyURL); err != nil {
		return PayoutChannel{}, err
	}
	if err := checkText("remark", r.Remark, 128); err != nil {
		return PayoutChannel{}, err
	}
	return ch, nil
}

// validatePeruFields applies ValidatePeruPayout to a PE payout: accountType
// "0" or "1", the bank's account shape, the CCI and the payee's document.
func validatePeruFields(r PayoutRequest, ch PayoutChannel) error {
	bank, _ := PeruBankByTransfer(ch.Code)
	var accountType int
	switch r.AccountType {
	case "0":
		accountType = PeruAccountCurrent
	case "1":
		accountType = PeruAccountSavings
	case "":
		return Errorf(KindInvalid, "accountType", "is required for Peru: 0 (Corriente) or 1 (Ahorro)")
	default:
		return Errorf(KindInvalid, "accountType", "must be 0 (Corriente) or 1 (Ahorro), got %q", r.AccountType)
	}
	return ValidatePeruPayout(bank.ID, accountType, r.AccountNo, r.CCIAccountNo, r.IDType, r.IDCard, r.Amount)
}

func countryHasMethod(country, method string) bool {
	for _, c := range PayoutChannels(country) {
		if c.Method == method {
			return true
		}
	}
	return false
}

// checkOrderID accepts 1 to 32 printable ASCII characters without spaces.
func checkOrderID(field, v string, required bool) error {
	if v == "" {
		if required {
			return Errorf(KindInvalid, field, "is required")
		}
		return nil
	}
	if len(v) > 32 {
		return Errorf(KindInvalid, field, "must be at most 32 characters, got %d", len(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return Errorf(KindInvalid, field, "must contain only printable ASCII characters without spaces")
		}
	}
	return nil
}

// checkText accepts valid UTF-8 of at most max characters with no control characters.
func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return Errorf(KindInvalid, field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Errorf(KindInvalid, field, "must be at most %d characters, got %d", max, n)
	}
	for _, c := range v {
		if c < ' ' || c == 0x7f {
			return Errorf(KindInvalid, field, "must not contain control characters")
		}
	}
	return nil
}

func isPhone(v string) bool {
	d := v
	if d[0] == '+' {
		d = d[1:]
	}
	if len(d) < 7 || len(d) > 16 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// CheckNotifyURL accepts an empty string or an absolute http or https URL of
// at most 256 characters with a host and without user information
// ("user:password@"), which would be sent along with every notification and
// can disguise the host ("https://bank.example@10.0.0.1/"). Where the host
// may point is the gateway's AddrPolicy's business (checkNotifyTarget).
func CheckNotifyURL(field, v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 256 {
		return Errorf(KindInvalid, field, "must be at most 256 characters")
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return Errorf(KindInvalid, field, "must be an absolute http or https URL")
	}
	if u.User != nil {
		return Errorf(KindInvalid, field, "must not contain a user name or password")
	}
	return nil
}

// validatePayment checks a payment request field by field and returns its
// channel.
func validatePayment(r PaymentRequest) (PaymentChannel, error) {
	if err := checkOrderID("mchOrderId", r.MchOrderID, true); err != nil {
		return PaymentChannel{}, err
	}
	if r.CountryCode == "" {
		return PaymentChannel{}, Errorf(KindInvalid, "countryCode", "is required")
	}
	country, ok := Countries[r.CountryCode]
	if !ok || len(PaymentChannels(r.CountryCode)) == 0 {
		return PaymentChannel{}, Errorf(KindCountry, "countryCode", "payments in %q are not opened", r.CountryCode)
	}
	if r.Currency == "" {
		return PaymentChannel{}, Errorf(KindInvalid, "currency", "is required")
	}
	if r.Currency != country.Currency {
		return PaymentChannel{}, Errorf(KindInvalid, "currency", "must be %s for countryCode %s, got %q", country.Currency, r.CountryCode, r.Currency)
	}
	if r.ChannelCode == "" {
		return PaymentChannel{}, Errorf(KindInvalid, "channelCode", "is required")
	}
	ch, ok := FindPaymentChannel(r.CountryCode, r.ChannelCode)
	if !ok || ch.Expiry == 0 {
		return PaymentChannel{}, Errorf(KindChannelUnavailable, "channelCode", "%q is not a payment channel of %s for one-off orders", r.ChannelCode, r.CountryCode)
	}
	if r.ChannelType != "" && r.ChannelType != ch.Type {
		return PaymentChannel{}, Errorf(KindInvalid, "channelType", "%s is a %s channel, not %s", ch.Code, ch.Type, r.ChannelType)
	}
	if r.Amount <= 0 {
		return PaymentChannel{}, Errorf(KindAmount, "amount", "must be a positive number of minor units, got %d", r.Amount)
	}
	if r.Amount < ch.MinAmount || r.Amount > ch.MaxAmount {
		return PaymentChannel{}, Errorf(KindAmount, "amount", "%d is outside %s's limits %d to %d (minor units of %s)", r.Amount, ch.Code, ch.MinAmount, ch.MaxAmount, r.Currency)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"customerName", r.CustomerName, 64}, {"email", r.Email, 128}, {"terminalType", r.TerminalType, 16}, {"remark", r.Remark, 128}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return PaymentChannel{}, err
		}
	}
	if r.Email != "" && !looksLikeEmail(r.Email) {
		return PaymentChannel{}, Errorf(KindInvalid, "email", "is not an email address")
	}
	if r.Mobile != "" && !isPhone(r.Mobile) {
		return PaymentChannel{}, Errorf(KindInvalid, "mobile", "must be digits with an optional leading +, 7 to 16 long")
	}
	if err := CheckNotifyURL("notifyUrl", r.NotifyURL); err != nil {
		return PaymentChannel{}, err
	}
	if err := CheckNotifyURL("redirectUrl", r.RedirectURL); err != nil {
		return PaymentChannel{}, err
	}
	return ch, nil
}

func looksLikeEmail(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
		if s[i] <= ' ' {
			return false
		}
	}
	return at > 0 && at < len(s)-3
}
