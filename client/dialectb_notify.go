package client

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// BNotification is a dialect B notification: a payout's (seed 002) or a
// pay-in's outcome. Kind is "payin" when OrderNo starts with "C" (the
// gateway's payment ids) and "payout" otherwise. Pay-in notifications also
// carry PayType, PayCode and PayURL.
type BNotification struct {
	BPayout
	Kind            string
	PayType         int
	PayCode, PayURL string
	Raw             json.RawMessage // the body as received, for fields this struct does not know
}

// VerifyBNotification checks a dialect B notification (headers MerchantId
// and Sign, body JSON) against the merchant's apiKey(s) and decodes it; an
// error when the signature is wrong or the body is malformed. The signature
// is checked first, against every key in constant time, so that during a
// key rotation a notification signed with the old or the new key verifies.
// Errors wrap ErrSignature or ErrMalformed; a notification that fails
// either must not be acted on.
func VerifyBNotification(body []byte, sign string, apiKeys ...string) (BNotification, error) {
	got, err := hex.DecodeString(strings.TrimSpace(sign))
	if err != nil || len(got) != md5.Size {
		return BNotification{}, fmt.Errorf("%w: Sign is not a hex MD5", ErrSignature)
	}
	match := 0
	for _, k := range apiKeys {
		sum := md5.Sum(append(append([]byte(nil), body...), k...))
		match |= subtle.ConstantTimeCompare(sum[:], got)
	}
	if match != 1 {
		return BNotification{}, fmt.Errorf("%w: Sign does not match the body with any apiKey", ErrSignature)
	}
	var w bOrderWire
	if err := json.Unmarshal(body, &w); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return BNotification{}, fmt.Errorf("%w: body is not a dialect B order: %v", ErrMalformed, err)
	}
	if w.OrderNo == "" || w.OrderStatus == "" {
		return BNotification{}, fmt.Errorf("%w: orderNo and orderStatus are required", ErrMalformed)
	}
	n := BNotification{BPayout: w.payout(), Kind: "payout", PayType: int(w.PayType), PayCode: string(w.PayCode),
		PayURL: string(w.PayURL), Raw: append(json.RawMessage(nil), body...)}
	if strings.HasPrefix(n.OrderNo, "C") {
		n.Kind = "payin"
	}
	return n, nil
}

// BNotificationHandler serves a merchant's dialect B notifyUrl: it verifies
// each notification with VerifyBNotification and calls fn, and answers the
// plain text SUCCESS when fn returns nil, the only answer after which the
// gateway stops retrying. A notification that does not verify, or an error
// from fn, is answered FAIL (HTTP 401 or 500), so the gateway tries again
// later; fn must therefore be idempotent.
func BNotificationHandler(fn func(context.Context, BNotification) error, apiKeys ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationBytes))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "FAIL")
			return
		}
		n, err := VerifyBNotification(body, r.Header.Get("Sign"), apiKeys...)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "FAIL")
			return
		}
		if err := fn(r.Context(), n); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "FAIL")
			return
		}
		io.WriteString(w, "SUCCESS")
	})
}
