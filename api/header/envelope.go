package header

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
)

// sign returns the MD5 of body followed by apiKey: dialect B's request and
// notification signature, sent as hex in the Sign header.
func sign(body []byte, apiKey string) [md5.Size]byte {
	h := md5.New()
	h.Write(body)
	h.Write([]byte(apiKey))
	var sum [md5.Size]byte
	h.Sum(sum[:0])
	return sum
}

// verifySign reports whether signature, hex in either case, is the MD5 of
// body and one of keys. Every key is tried, each in constant time, so that
// the time taken says nothing about which key or how much of it matched.
func verifySign(body []byte, signature string, keys []string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != md5.Size {
		return false
	}
	match := 0
	for _, k := range keys {
		want := sign(body, k)
		match |= subtle.ConstantTimeCompare(want[:], got)
	}
	return match == 1
}

// parseMerchantID reads the MerchantId header: MerchantId_is_null when it is
// missing, MerchantId_not_Number when it is not a positive integer, and
// MerchantId_is_error when it is too large to be anyone's.
func parseMerchantID(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, errorf(codeUnauthorized, msgMerchantIDNull, "MerchantId: the header is required")
	}
	if !allDigits(v) {
		return 0, errorf(codeUnauthorized, msgMerchantIDNumber, "MerchantId: must be an integer, got %q", truncate(v, 32))
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, errorf(codeUnauthorized, msgMerchantIDError, "MerchantId: no merchant has this number")
	}
	return n, nil
}

// checkContentType accepts application/json with any parameters (charset).
func checkContentType(v string) error {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/json" {
		return errorf(codeBadRequest, msgContentType, "Content-Type: must be application/json, got %q", truncate(v, 64))
	}
	return nil
}

// readBody reads at most max bytes: RequestBody_too_large (HTTP 413) beyond,
// RequestBody_is_null when there is nothing.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &apiError{code: codeTooLarge, status: http.StatusRequestEntityTooLarge, msg: msgBodyTooLarge,
			detail: "body: exceeds " + strconv.FormatInt(max, 10) + " bytes"}
	}
	if err != nil {
		return nil, errorf(codeBadRequest, msgBodyNull, "body: cannot be read")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, errorf(codeBadRequest, msgBodyNull, "body: is empty; send a JSON object with at least nonceStr")
	}
	return b, nil
}

// authenticate checks a call in this order: method, Content-Type, the
// MerchantId header, the body, the merchant's credential, the client's
// address against the app's IP allowlist, the Sign header, the body's JSON,
// and last its nonceStr. It fills rq as it goes, so that a refused call is
// still logged with its MerchantId.
//
// The nonceStr is recorded only once the signature verified, so nobody but
// the merchant can use up its nonces; it is recorded before the operation
// runs, so a request the operation then refuses (a bad parameter, a repeated
// mchOrderNo) has spent its nonce too, and its retry needs a fresh one like
// any other request. Nonces are remembered for gateway.Config.NonceWindow;
// a captured request replayed after that is refused by what it asks for
// (a payOut's mchOrderNo is taken), and queries repeat what they said.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request, rq *request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return &apiError{code: codeMethod, status: http.StatusMethodNotAllowed, msg: msgMethod,
			detail: "method " + r.Method + " is not allowed: every call is a POST"}
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	no, err := parseMerchantID(r.Header.Get("MerchantId"))
	if err != nil {
		return err
	}
	rq.merchantNo = no
	raw, err := readBody(w, r, h.opts.MaxBody)
	if err != nil {
		return err
	}
	if rq.cred, err = h.credential(r.Context(), no); err != nil {
		return err
	}
	addr, _ := netip.ParseAddrPort(r.RemoteAddr)
	if !rq.cred.App.Allowed(addr.Addr()) {
		return errorf(codeForbidden, msgIPNotAllowed, "IP address %s is not in this merchant's allowlist", addr.Addr())
	}
	signature := r.Header.Get("Sign")
	if strings.TrimSpace(signature) == "" {
		return errorf(codeUnauthorized, msgSignError, "Sign: the header is required")
	}
	if !verifySign(raw, signature, rq.cred.Keys) {
		return errorf(codeUnauthorized, msgSignError, "Sign: is not MD5(body + apiKey) in hex for this MerchantId's apiKey")
	}
	if rq.b, err = parseBody(raw); err != nil {
		return err
	}
	nonce, err := rq.b.nonce()
	if err != nil {
		return err
	}
	return h.gw.UseNonce(r.Context(), no, nonce)
}

// credential looks up the merchant's credential: MerchantId_is_error when no
// merchant has the number (or it has no valid apiKey); a disabled merchant
// is Merchant_is_disabled.
func (h *handler) credential(ctx context.Context, no int64) (gateway.Credential, error) {
	c, err := h.gw.Credential(ctx, no)
	if gateway.KindOf(err) == gateway.KindNotFound {
		return c, errorf(codeUnauthorized, msgMerchantIDError, "MerchantId: no merchant has this number")
	}
	return c, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
