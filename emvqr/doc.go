// Package emvqr builds and parses EMVCo Merchant-Presented Mode (MPM) QR
// payloads, the strings behind the national QR payment schemes Kasir's
// simulator plays: QR Ph (Philippines), QRIS (Indonesia), Thai QR PromptPay
// and DuitNow QR (Malaysia).
//
// A payload is a run of data objects, each a two-digit ID, a two-digit length
// and a value of that many characters. Templates (merchant account
// information 26-51, additional data 62) nest the same format inside a value.
// The payload starts with the payload format indicator (ID 00) and ends with
// the CRC (ID 63): four upper-case hex digits of CRC-16/CCITT-FALSE computed
// over everything before them, "6304" included.
//
// Encode is strict: it writes only printable ASCII, the EMVCo "alphanumeric
// special" set, and refuses anything else rather than transliterating it, so
// that a merchant's name never changes without the caller knowing. Decode is
// lenient about values (it checks structure and the CRC, not meaning), so that
// it reads what real banks print, including UTF-8 values whose lengths count
// characters, not bytes.
package emvqr
