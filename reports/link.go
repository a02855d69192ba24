package reports

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// SecretName is the name under which the link-signing key is kept in the
// database, so that every serve process on one database signs alike.
const SecretName = "reports.link-key"

// DefaultTTL is how long a download link works unless Options.TTL says
// otherwise.
const DefaultTTL = 15 * time.Minute

// Secrets keeps the signing key; keys.SecretStore has this method.
type Secrets interface {
	PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Options are New's settings; zero fields take the defaults.
type Options struct {
	// PublicURL is the gateway's base URL as merchants reach it
	// ("https://pay.example.com"); links are PublicURL + "/reports/" + token.
	PublicURL string
	// TTL is how long a link works. Default DefaultTTL.
	TTL time.Duration
	// Clock stamps and judges expiry. Default gateway.SystemClock.
	Clock gateway.Clock
	// Logger receives an Error record when a download fails. Default
	// slog.Default().
	Logger *slog.Logger
	// MaxDownloads caps the downloads this Service streams at once, each of
	// which holds a database connection for as long as its client takes to
	// read (up to 10 minutes). One more is refused with 503 and Retry-After
	// before it touches the database. Default DefaultMaxDownloads.
	MaxDownloads int
}

// DefaultMaxDownloads is Options.MaxDownloads unless set.
const DefaultMaxDownloads = 4

// Service issues download links and serves them. It is safe for concurrent
// use.
type Service struct {
	store Store
	key   []byte
	opts  Options
	slots chan struct{} // one element per download streaming now
}

// New returns a Service reading st. It loads the signing key from secrets,
// creating a random 32-byte one on first use.
func New(ctx context.Context, st Store, secrets Secrets, opts Options) (*Service, error) {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Clock == nil {
		opts.Clock = gateway.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxDownloads <= 0 {
		opts.MaxDownloads = DefaultMaxDownloads
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("reports: new key: %w", err)
	}
	key, err := secrets.PutSecretIfAbsent(ctx, SecretName, fresh)
	if err != nil {
		return nil, fmt.Errorf("reports: load key: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("reports: the stored key %s is %d bytes, want 32", SecretName, len(key))
	}
	return &Service{store: st, key: key, opts: opts, slots: make(chan struct{}, opts.MaxDownloads)}, nil
}

// claims is what a link's token says.
type claims struct {
	App     string `json:"app"`
	Country string `json:"country"`
	Date    string `json:"date"`
	Type    Type   `json:"type"`
	Exp     int64  `json:"exp"` // Unix seconds
}

// Link validates q and returns the URL that downloads its report, and when
// the URL stops working. Its errors are Query.Check's.
func (s *Service) Link(q Query) (url string, expires time.Time, err error) {
	if _, _, err := q.Check(); err != nil {
		return "", time.Time{}, err
	}
	expires = s.opts.Clock.Now().Add(s.opts.TTL).Truncate(time.Second)
	return s.opts.PublicURL + "/reports/" + s.token(q, expires), expires, nil
}

// token is base64url(JSON claims) "." base64url(HMAC-SHA256(key, first part)).
func (s *Service) token(q Query, expires time.Time) string {
	body, _ := json.Marshal(claims{App: q.AppID, Country: q.Country, Date: q.Date, Type: q.Type, Exp: expires.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Service) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Token errors.
var (
	errBadToken = errors.New("invalid report link")
	errExpired  = errors.New("report link expired")
)

// parse verifies a token's signature, then its expiry, and returns its query.
func (s *Service) parse(token string) (Query, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Query{}, errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return Query{}, errBadToken
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Query{}, errBadToken
	}
	var c claims
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Query{}, errBadToken
	}
	if !s.opts.Clock.Now().Before(time.Unix(c.Exp, 0)) {
		return Query{}, errExpired
	}
	return Query{AppID: c.App, Country: c.Country, Date: c.Date, Type: c.Type}, nil
}
