package emvqr

import "testing"

func TestCRC16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want uint16
	}{
		// The catalogue check value of CRC-16/CCITT-FALSE.
		{"Check", "123456789", 0x29B1},
		// No input leaves the initial value.
		{"Empty", "", 0xFFFF},
		{"OneByte", "A", 0xB915},
		// The body of the PayMongo QR Ph sample, whose printed CRC is ED03.
		{"PublishedPayload", payMongoQRPh[:len(payMongoQRPh)-4], 0xED03},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CRC16([]byte(tt.in)); got != tt.want {
				t.Errorf("CRC16(%q) = %04X, want %04X", tt.in, got, tt.want)
			}
		})
	}
}
