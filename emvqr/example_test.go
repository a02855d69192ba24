package emvqr_test

import (
	"fmt"

	"github.com/kasir-gateway/kasir/emvqr"
)

// A simulated QR Ph bank issues a dynamic code for one order; a payer's app
// reads it back, opening the additional data template (62) to find the
// order's reference label (05).
func ExampleQRPh() {
	p := emvqr.QRPh("Aling Nena Sari-Sari", "Quezon City", "150.00", "ORDER-1001", true)
	s, err := p.Encode()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)

	fields, err := emvqr.Decode(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fields {
		fmt.Println(f.ID, f.Value)
		if f.ID == "62" {
			sub, err := emvqr.DecodeTemplate(f.Value)
			if err != nil {
				fmt.Println(err)
				return
			}
			for _, s := range sub {
				fmt.Println("  ", s.ID, s.Value)
			}
		}
	}
	// Output:
	// 00020101021228490011ph.ppmi.p2m0111KASRPHM2XXX03152265254567310635204599953036085406150.005802PH5920Aling Nena Sari-Sari6011Quezon City62490012ph.ppmi.qrph03152265254567310630510ORDER-100163047AD4
	// 00 01
	// 01 12
	// 28 0011ph.ppmi.p2m0111KASRPHM2XXX0315226525456731063
	// 52 5999
	// 53 608
	// 54 150.00
	// 58 PH
	// 59 Aling Nena Sari-Sari
	// 60 Quezon City
	// 62 0012ph.ppmi.qrph03152265254567310630510ORDER-1001
	//    00 ph.ppmi.qrph
	//    03 226525456731063
	//    05 ORDER-1001
	// 63 7AD4
}
