package open

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/kasir-gateway/kasir/gateway"
)

// envelope is the body of every call: the app, its param document as a
// string, and the signature over that string.
type envelope struct {
	AppID string
	Param string
	Sign  string
}

// readBody reads at most max bytes of the request body; a longer body is a
// 413 with code 21002.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, max)
	b, err := io.ReadAll(body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &apiError{code: codeParamError, status: http.StatusRequestEntityTooLarge,
			message: "request body exceeds " + strconv.FormatInt(max, 10) + " bytes"}
	}
	if err != nil {
		return nil, errorf(codeParamError, "body: cannot be read")
	}
	return b, nil
}

// decodeEnvelope checks that body is a JSON object whose appId, param and
// sign are strings, and that param and sign are present. A missing appId is
// left for the app lookup to refuse with 21003.
func decodeEnvelope(body []byte) (envelope, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return envelope{}, gateway.Errorf(gateway.KindInvalid, "body", "must be a JSON object with appId, param and sign")
	}
	p := params(m)
	var env envelope
	var err error
	if env.AppID, err = p.str("appId"); err != nil {
		return envelope{}, err
	}
	if env.Param, err = p.str("param"); err != nil {
		return envelope{}, err
	}
	if env.Param == "" {
		return envelope{}, gateway.Errorf(gateway.KindInvalid, "param", "is required")
	}
	if env.Sign, err = p.str("sign"); err != nil {
		return envelope{}, err
	}
	if env.Sign == "" {
		return envelope{}, gateway.Errorf(gateway.KindInvalid, "sign", "is required")
	}
	return env, nil
}

// verify checks env.Sign, SHA256withRSA (PKCS #1 v1.5) in base64, over the
// exact bytes of env.Param or, as a fallback some integrations use, over
// "appId=<appId>&param=<param>".
func (env envelope) verify(pub *rsa.PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(env.Sign)
	if err != nil {
		sig, err = base64.RawStdEncoding.DecodeString(env.Sign)
	}
	if err != nil {
		return errorf(codeSignError, "sign: is not base64")
	}
	digest := sha256.Sum256([]byte(env.Param))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil {
		return nil
	}
	digest = sha256.Sum256([]byte("appId=" + env.AppID + "&param=" + env.Param))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil {
		return nil
	}
	return errorf(codeSignError, "sign: does not verify with the app's public key")
}

// open authenticates a call: body, app, client address, signature, then the
// param document and its timestamp, in that order. It fills rq as it goes, so
// that a failing call is still logged with its appId.
func (h *handler) open(w http.ResponseWriter, r *http.Request, rq *request) error {
	body, err := readBody(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	env, err := decodeEnvelope(body)
	if err != nil {
		return err
	}
	rq.appID = env.AppID
	if rq.app, err = h.app(r.Context(), env.AppID); err != nil {
		return err
	}
	addr, _ := netip.ParseAddrPort(r.RemoteAddr)
	if !rq.app.Allowed(addr.Addr()) {
		return errorf(codeIPForbidden, "IP address %s is not allowed for this app", addr.Addr())
	}
	if rq.app.PublicKeyPEM == "" {
		return errorf(codeSignError, "sign: this app has no RSA public key registered, so it cannot use the Open API (kasir keys set)")
	}
	pub, err := h.publicKey(rq.app.PublicKeyPEM)
	if err != nil {
		return err
	}
	if err := env.verify(pub); err != nil {
		return err
	}
	if rq.p, err = parseParams(env.Param); err != nil {
		return err
	}
	return checkTimestamp(rq.p, h.opts.Clock.Now(), h.opts.TimestampWindow)
}

// app looks up an enabled app: 21003 for a missing or unknown appId, 21004
// for a disabled app or merchant.
func (h *handler) app(ctx context.Context, appID string) (gateway.App, error) {
	if appID == "" {
		return gateway.App{}, errorf(codeAppIDError, "appId: is required")
	}
	app, err := h.gw.App(ctx, appID)
	if gateway.KindOf(err) == gateway.KindNotFound {
		return gateway.App{}, errorf(codeAppIDError, "appId: unknown appId")
	}
	return app, err
}

// publicKey parses an app's PEM once and caches the key by its text, so a
// rotated key is parsed anew.
func (h *handler) publicKey(pemText string) (*rsa.PublicKey, error) {
	if k, ok := h.keys.Load(pemText); ok {
		return k.(*rsa.PublicKey), nil
	}
	pub, err := gateway.ParsePublicKey(pemText)
	if err != nil {
		// CreateMerchant and UpdateApp validate keys, so a stored key that does
		// not parse is the platform's fault, not the caller's.
		return nil, &gateway.Error{Kind: gateway.KindInternal, Message: "stored public key: " + err.Error()}
	}
	h.keys.Store(pemText, pub)
	return pub, nil
}
