package emvqr

import "strings"

// Identifiers the simulated acquirers use. They have the shape of real ones
// and are not assigned to any real institution as far as the public
// samples show.
const (
	// QRPhAcquirerBIC is the SWIFT BIC of the simulated QR Ph acquirer: bank
	// code, country PH, location, branch XXX, as in RCBCPHMMXXX.
	QRPhAcquirerBIC = "KASRPHM2XXX"
	// QRISPANPrefix starts the simulated QRIS merchant PAN: 9360 (the QRIS
	// national prefix) then a four-digit institution number.
	QRISPANPrefix = "93600999"
	// DuitNowAcquirerID is the simulated DuitNow acquirer's six-digit ID,
	// like the 890087 or 588734 of real codes.
	DuitNowAcquirerID = "899999"
)

// QRPh returns a QR Ph person-to-merchant (P2M) payload, the code a merchant
// or its terminal shows to be paid from any InstaPay bank or e-wallet app.
// It sets:
//
//   - 28, the P2M merchant account template: 00 "ph.ppmi.p2m", 01 the
//     acquirer's BIC (QRPhAcquirerBIC), 03 the merchant ID (15 digits derived
//     from merchantName);
//   - 53 "608" (PHP), 58 "PH", 54 amountMajor when not empty ("150.00");
//   - 59 merchantName, 60 city, 52 DefaultMCC;
//   - 62: 00 "ph.ppmi.qrph", 03 the merchant ID as store label, 05 reference
//     when not empty.
//
// Template 27 with "com.p2pqrpay" is QR Ph's person-to-person form (a payee's
// account at a bank, sub-fields 01 BIC, 02 "99964403", 04 account number);
// merchant collections use the P2M form, as printed by acquirers' terminals.
func QRPh(merchantName, city, amountMajor, reference string, dynamic bool) Payload {
	mid := simDigits("qrph/"+merchantName, 15)
	return Payload{
		Dynamic: dynamic,
		Accounts: []MerchantAccount{{
			Tag:    "28",
			GUID:   "ph.ppmi.p2m",
			Fields: []Field{{"01", QRPhAcquirerBIC}, {"03", mid}},
		}},
		Currency:     "608",
		Amount:       amountMajor,
		Country:      "PH",
		MerchantName: merchantName,
		MerchantCity: city,
		Reference:    reference,
		Additional:   []Field{{"00", "ph.ppmi.qrph"}, {"03", mid}},
	}
}

// QRIS returns a Bank Indonesia QRIS payload. It sets:
//
//   - 26, the acquirer's merchant account template: 00 "ID.CO.QRIS.WWW",
//     01 the merchant PAN (QRISPANPrefix, ten digits derived from
//     merchantName, a Luhn check digit: 19 digits), 02 the merchant ID
//     (15 digits), 03 the merchant criteria "UMI" (micro);
//   - 51, the national template: 00 "ID.CO.QRIS.WWW", 02 the National
//     Merchant ID ("ID" and 13 digits), 03 "UMI";
//   - 53 "360" (IDR), 58 "ID", 54 the amount in whole rupiah (a zero
//     fraction such as "150000.00" is dropped; any other fraction makes
//     Encode fail), 61 postalCode (QRIS requires it);
//   - 59 merchantName, 60 city, 52 DefaultMCC, 62 05 reference when not
//     empty and 07 terminal "A01".
//
// Real acquirers put their own reverse domain in template 26
// (COM.GO-JEK.WWW, ID.CO.BANKMANDIRI.WWW); the simulator, acquiring for
// nobody in particular, uses the national one.
func QRIS(merchantName, city, postalCode, amount, reference string, dynamic bool) Payload {
	if whole, frac, ok := strings.Cut(amount, "."); ok && strings.Trim(frac, "0") == "" {
		amount = whole
	}
	return Payload{
		Dynamic: dynamic,
		Accounts: []MerchantAccount{
			{Tag: "26", GUID: "ID.CO.QRIS.WWW", Fields: []Field{
				{"01", withLuhn(QRISPANPrefix + simDigits("qris-pan/"+merchantName, 10))},
				{"02", simDigits("qris-mid/"+merchantName, 15)},
				{"03", "UMI"},
			}},
			{Tag: "51", GUID: "ID.CO.QRIS.WWW", Fields: []Field{
				{"02", "ID10" + simDigits("qris-nmid/"+merchantName, 11)},
				{"03", "UMI"},
			}},
		},
		Currency:     "360",
		Amount:       amount,
		Country:      "ID",
		MerchantName: merchantName,
		MerchantCity: city,
		PostalCode:   postalCode,
		Reference:    reference,
		Terminal:     "A01",
	}
}

// PromptPay returns a Thai QR PromptPay bill payment payload, the form Thai
// banks issue to merchants that collect payments (credit transfer, template
// 29 with AID A000000677010111, is for paying a person's mobile number or
// national ID). It sets:
//
//   - 30, the bill payment template: 00 the AID "A000000677010112", 01 the
//     biller ID (a 13-digit juristic-person tax ID derived from merchantName
//     with its mod-11 check digit, then suffix "00": 15 digits), 02 reference
//     as Reference 1 when not empty;
//   - 53 "764" (THB), 58 "TH", 54 amount when not empty;
//   - 59 merchantName, 60 city, 52 DefaultMCC.
//
// Thai bill payment carries the reference in Reference 1, which banks expect
// to be upper-case letters and digits, at most 20; PromptPay passes it on
// unchanged and leaves 62 empty.
func PromptPay(merchantName, city, amount, reference string, dynamic bool) Payload {
	fields := []Field{{"01", withThaiCheck("0105"+simDigits("promptpay/"+merchantName, 8)) + "00"}}
	if reference != "" {
		fields = append(fields, Field{"02", reference})
	}
	return Payload{
		Dynamic:      dynamic,
		Accounts:     []MerchantAccount{{Tag: "30", GUID: "A000000677010112", Fields: fields}},
		Currency:     "764",
		Amount:       amount,
		Country:      "TH",
		MerchantName: merchantName,
		MerchantCity: city,
	}
}

// DuitNow returns a PayNet DuitNow QR payload. It sets:
//
//   - 26, the DuitNow merchant account template: 00 the AID
//     "A0000006150001", 01 the acquirer ID (DuitNowAcquirerID), 02 the
//     merchant account ID ("MD" and 14 digits derived from merchantName);
//   - 53 "458" (MYR), 58 "MY", 54 amount when not empty;
//   - 59 merchantName, 60 city, 52 DefaultMCC, 62 05 reference when not empty.
//
// Payloads printed by some Malaysian banks carry payload format indicator
// "02"; Encode writes EMVCo's "01", as other DuitNow acquirers do.
func DuitNow(merchantName, city, amount, reference string, dynamic bool) Payload {
	return Payload{
		Dynamic: dynamic,
		Accounts: []MerchantAccount{{Tag: "26", GUID: "A0000006150001", Fields: []Field{
			{"01", DuitNowAcquirerID},
			{"02", "MD" + simDigits("duitnow/"+merchantName, 14)},
		}}},
		Currency:     "458",
		Amount:       amount,
		Country:      "MY",
		MerchantName: merchantName,
		MerchantCity: city,
		Reference:    reference,
	}
}
