package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kasir-gateway/kasir/gateway"
)

// Options are New's settings; zero fields take the defaults.
type Options struct {
	SessionTTL    time.Duration // default 12h
	MaxFailures   int           // failed logins per email and per address within FailureWindow; default 5
	FailureWindow time.Duration // default 15m
	Clock         gateway.Clock // default gateway.SystemClock
	Logger        *slog.Logger  // default slog.Default()
}

// Service signs users in and out.
type Service struct {
	store Store
	opts  Options

	limits *limiter

	sweepMu   sync.Mutex
	lastSweep time.Time // when Login last deleted expired sessions
}

// sweepEvery is how often Login deletes expired sessions, at most.
const sweepEvery = time.Minute

// Password length bounds: a floor that makes guessing slow, and a ceiling
// that keeps hashing cheap to ask for.
const (
	minPasswordChars = 12
	maxPasswordBytes = 256
)

// New returns a Service over store.
func New(store Store, opts Options) *Service {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 5
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = 15 * time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = gateway.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{store: store, opts: opts, limits: newLimiter(opts.MaxFailures, opts.FailureWindow)}
}

// CreateUser validates and stores a user: a plausible email (lower-cased),
// a password of at least 12 characters, a known role, and a MerchantID for
// RoleMerchant users only (the caller checks that the merchant exists).
// A bad value is a *gateway.Error of KindInvalid naming the field
// ("email", "password", "role", "merchant"); a taken email is a
// *gateway.DuplicateError with Key "email".
func (s *Service) CreateUser(ctx context.Context, email, password string, role Role, merchantID string) (User, error) {
	email = normalEmail(email)
	if err := checkEmail(email); err != nil {
		return User{}, err
	}
	if utf8.RuneCountInString(password) < minPasswordChars {
		return User{}, gateway.Errorf(gateway.KindInvalid, "password", "must be at least %d characters", minPasswordChars)
	}
	if len(password) > maxPasswordBytes {
		return User{}, gateway.Errorf(gateway.KindInvalid, "password", "must be at most %d bytes", maxPasswordBytes)
	}
	switch {
	case role != RoleOperator && role != RoleMerchant:
		return User{}, gateway.Errorf(gateway.KindInvalid, "role", "must be %s or %s, not %q", RoleOperator, RoleMerchant, role)
	case role == RoleMerchant && merchantID == "":
		return User{}, gateway.Errorf(gateway.KindInvalid, "merchant", "is required for a %s user", RoleMerchant)
	case role == RoleOperator && merchantID != "":
		return User{}, gateway.Errorf(gateway.KindInvalid, "merchant", "must be empty for an %s, who sees every merchant", RoleOperator)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{ID: "usr_" + hex.EncodeToString(random(8)), Email: email, Role: role, MerchantID: merchantID,
		CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u, hash); err != nil {
		return User{}, err
	}
	return u, nil
}

// normalEmail is an email as stored and compared: trimmed, lower-cased.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail accepts a bare address with one @ and a dot inside its domain;
// whether anyone reads it is not ours to know.
func checkEmail(email string) error {
	bad := gateway.Errorf(gateway.KindInvalid, "email", "%q is not an email address", email)
	if email == "" {
		return gateway.Errorf(gateway.KindInvalid, "email", "is required")
	}
	if len(email) > 254 || strings.Count(email, "@") != 1 {
		return bad
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return bad
	}
	_, domain, _ := strings.Cut(email, "@")
	if dot := strings.Index(domain, "."); dot <= 0 || strings.HasSuffix(domain, ".") {
		return bad
	}
	return nil
}

// Login checks the email and password and starts a session. It returns the
// token for the cookie (random, 32 bytes, base64url), the session and its
// user. ErrBadCredentials on a mismatch; *TooManyAttemptsError while the
// email or clientIP has failed MaxFailures times within FailureWindow.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (token string, sess Session, u User, err error) {
	email = normalEmail(email)
	now := s.opts.Clock.Now()
	s.sweep(ctx, now)
	emailKey, ipKey := "email:"+email, ""
	if clientIP != "" {
		ipKey = "ip:" + clientIP
	}
	if wait := s.limits.locked(now, emailKey, ipKey); wait > 0 {
		s.opts.Logger.Info("auth: sign-in refused while locked out", "email", email, "ip", clientIP, "retry_after", wait)
		return "", Session{}, User{}, &TooManyAttemptsError{RetryAfter: wait}
	}
	u, hash, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, gateway.ErrNotFound):
		// Spend what a real check costs, so that the answer's timing does
		// not tell which emails have accounts.
		_, _ = VerifyPassword(dummyHash, password)
		return "", Session{}, User{}, s.failed(now, emailKey, ipKey, email, clientIP, "unknown email")
	case err != nil:
		return "", Session{}, User{}, fmt.Errorf("auth: login: %w", err)
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return "", Session{}, User{}, fmt.Errorf("auth: login: the stored hash of user %s: %w", u.ID, err)
	}
	if !ok {
		return "", Session{}, User{}, s.failed(now, emailKey, ipKey, email, clientIP, "wrong password")
	}
	if u.Disabled {
		return "", Session{}, User{}, s.failed(now, emailKey, ipKey, email, clientIP, "user disabled")
	}
	s.limits.clear(emailKey)
	token = base64.RawURLEncoding.EncodeToString(random(32))
	created := s.now()
	sess = Session{ID: sessionID(token), UserID: u.ID, CSRF: base64.RawURLEncoding.EncodeToString(random(32)),
		CreatedAt: created, ExpiresAt: created.Add(s.opts.SessionTTL)}
	if err := s.store.InsertSession(ctx, sess); err != nil {
		return "", Session{}, User{}, fmt.Errorf("auth: login: %w", err)
	}
	return token, sess, u, nil
}

// failed counts a failed sign-in against the email and the address, logs
// it, and returns ErrBadCredentials.
func (s *Service) failed(now time.Time, emailKey, ipKey, email, clientIP, reason string) error {
	s.limits.fail(now, emailKey, ipKey)
	s.opts.Logger.Info("auth: sign-in failed", "email", email, "ip", clientIP, "reason", reason)
	return ErrBadCredentials
}

// sweep deletes expired sessions, at most once every sweepEvery. A failure
// is logged and left for the next sweep: signing in does not depend on it.
func (s *Service) sweep(ctx context.Context, now time.Time) {
	s.sweepMu.Lock()
	due := now.Sub(s.lastSweep) >= sweepEvery
	if due {
		s.lastSweep = now
	}
	s.sweepMu.Unlock()
	if !due {
		return
	}
	if n, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		s.opts.Logger.Warn("auth: deleting expired sessions", "err", err)
	} else if n > 0 {
		s.opts.Logger.Debug("auth: deleted expired sessions", "count", n)
	}
}

// Authenticate returns the live session a cookie token names and its user;
// ErrNoSession otherwise.
func (s *Service) Authenticate(ctx context.Context, token string) (User, Session, error) {
	if !wellFormedToken(token) {
		return User{}, Session{}, ErrNoSession
	}
	sess, err := s.store.GetSession(ctx, sessionID(token))
	if errors.Is(err, gateway.ErrNotFound) {
		return User{}, Session{}, ErrNoSession
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("auth: authenticate: %w", err)
	}
	if !s.opts.Clock.Now().Before(sess.ExpiresAt) {
		return User{}, Session{}, ErrNoSession
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if errors.Is(err, gateway.ErrNotFound) {
		return User{}, Session{}, ErrNoSession
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("auth: authenticate: %w", err)
	}
	if u.Disabled {
		return User{}, Session{}, ErrNoSession
	}
	return u, sess, nil
}

// Logout ends the session a token names.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil // it names no session, so there is none to end
	}
	if err := s.store.DeleteSession(ctx, sessionID(token)); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// now is the clock's time as both stores keep it: UTC, whole milliseconds.
func (s *Service) now() time.Time {
	return s.opts.Clock.Now().UTC().Truncate(time.Millisecond)
}

// sessionID is the name a token's session is stored under.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedToken reports whether token could be one Login made.
func wellFormedToken(token string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == 32
}

// random returns n random bytes.
func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: it crashes the program first
	return b
}

// dummyHash is what Login checks a password against when the email is
// unknown: a hash of nothing, with the parameters of real hashes.
var dummyHash = phc{memory: hashMemory, time: hashTime, threads: hashThreads,
	salt: make([]byte, saltLen), key: make([]byte, keyLen)}.encode()

// HashPassword returns an argon2id hash in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash).
func HashPassword(password string) (string, error) {
	h := phc{memory: hashMemory, time: hashTime, threads: hashThreads, salt: random(saltLen)}
	h.key = h.derive(password, keyLen)
	return h.encode(), nil
}

// VerifyPassword reports whether password matches an encoded hash, in
// constant time; an error for a malformed hash.
func VerifyPassword(encoded, password string) (bool, error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(h.derive(password, len(h.key)), h.key) == 1, nil
}
