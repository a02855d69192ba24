package emvqr

// Payloads published by others, with CRCs they computed. Each one is a test
// that this package agrees with the outside world, not only with itself.
const (
	// QR Ph person-to-person (InstaPay) transfer code from PayMongo's API
	// reference, "QR Transfer Resource" (developers.paymongo.com).
	payMongoQRPh = "00020101021227770012com.p2pqrpay0111PAEYPHM2XXX02089996440304129858893861530514+63-99137298615204601653036085406123.455802PH5913ENG-19818-ged6006Manila62980012com.p2pqrpay0103***0214+63-99137298620303***0408LOYALTY10506test120605cust10708123456780803***6304ED03"

	// QR Ph P2M code shown by an RCBC-acquired department store terminal,
	// decoded in "QRPh Part 4 - What is in the QR Code?" (afcsblog.ingonoka.com);
	// the blog's line wraps removed.
	rcbcQRPh = "00020101021228560011ph.ppmi.p2m0111RCBCPHMMXXX0315000600788000696050331052045311530360854071458.315802PH5918LANDMARK Makati DS6006Makati62610012ph.ppmi.qrph03150006007880006960510000043863807082000651988710012ph.ppmi.qrph0151000600788000696~000600788000696~20006519~000043863863049616"

	// Thai QR PromptPay credit transfer to mobile 089-999-9999, from the
	// README of kittinan/php-promptpay-qr.
	kittinanPromptPay = "00020101021129370016A000000677010111011300668999999995802TH53037646304FE29"

	// DuitNow QR with payload format indicator "02", as Malaysian issuers
	// print it, from a public point-of-sale test fixture.
	duitNowSample = "00020201021126410014A000000615000101065016640209123456789520499995303458540510.005802MY5909QRCSDNBHD6005BANGI6304343F"

	// A QRIS sample from the README of misterdevs/qris-parser whose CRC,
	// "M2B3", is not hexadecimal: Decode must refuse it.
	badCRCQRIS = "00020101021126610014COM.GO-JEK.WWW01189360091234285490450210G6285936550303UMI51440014ID.CO.QRIS.WWW0215ID10253801632580303UMI5204504553033605802ID5910Misterdevs6007JAKARTA61051234562070703A016304M2B3"
)
