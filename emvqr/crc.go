package emvqr

// CRC16 returns the CRC-16/CCITT-FALSE of data: polynomial 0x1021, initial
// value 0xFFFF, no reflection, no final XOR. EMVCo MPM payloads carry it in
// data object 63, computed over the payload up to and including "6304".
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
