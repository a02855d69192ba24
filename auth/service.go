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
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kasir-gateway/kasir/gateway"
)

// Options are New's settings; zero fields take the defaults.
type Options struct {
	SessionTTL time.Duration // default 12h
	// MaxFailures is how many failed sign-ins one email may have within
	// FailureWindow; the next is refused until the oldest leaves the
	// window. Default 5.
	MaxFailures int
	// MaxFailuresPerIP is the same for one client address, whatever the
	// emails; default 50. It is larger than MaxFailures because many
	// people may sign in from one address (an office, a carrier's NAT, a
	// proxy the dashboard does not see past), and a few mistakes of each
	// must not lock out all of them.
	MaxFailuresPerIP int
	FailureWindow    time.Duration // default 15m
	Clock            gateway.Clock // default gateway.SystemClock
	Logger           *slog.Logger  // default slog.Default()
}

// Service signs users in and out.
type Service struct {
	store Store
	opts  Options

	limits *limiter

	// hashing holds a token for each password hash under way: each takes
	// 19 MiB and a core for about 100 ms, so an unbounded number at once
	// could exhaust the memory. hashWait is how long one waits for a slot.
	hashing  chan struct{}
	hashWait time.Duration

	sweepMu   sync.Mutex
	lastSweep time.Time // when Login last deleted expired sessions
}

// sweepEvery is how often Login deletes expired sessions, at most.
const sweepEvery = time.Minute

// hashWaitLimit is how long a sign-in or a new user waits for a password
// hashing slot before ErrBusy.
const hashWaitLimit = 5 * time.Second

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
	if opts.MaxFailuresPerIP <= 0 {
		opts.MaxFailuresPerIP = 50
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
	return &Service{store: store, opts: opts, limits: newLimiter(opts.FailureWindow),
		hashing: make(chan struct{}, max(2, runtime.NumCPU())), hashWait: hashWaitLimit}
}

// hash runs fn, which hashes a password, once one of the Service's hashing
// slots is free. It waits while ctx allows, and returns ErrBusy when no
// slot came within hashWait; fn has not run then.
func (s *Service) hash(ctx context.Context, fn func()) error {
	select {
	case s.hashing <- struct{}{}:
	default:
		t := time.NewTimer(s.hashWait)
		defer t.Stop()
		select {
		case s.hashing <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("auth: waiting to hash a password: %w", context.Cause(ctx))
		case <-t.C:
			return ErrBusy
		}
	}
	defer func() { <-s.hashing }()
	fn()
	return nil
}

// CreateUser validates and stores a user: a plausible email (lower-cased),
// a password of at least 12 characters, a known role, and a MerchantID for
// RoleMerchant users only (the caller checks that the merchant exists).
// A bad value is a *gateway.Error of KindInvalid naming the field
// ("email", "password", "role", "merchant"); a taken email is a
// *gateway.DuplicateError with Key "email"; ErrBusy when too many
// passwords are being hashed at once.
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
	var hash string
	var err error
	if werr := s.hash(ctx, func() { hash, err = HashPassword(password) }); werr != nil {
		return User{}, werr
	}
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
// email has failed MaxFailures times, or clientIP MaxFailuresPerIP times,
// within FailureWindow, counting the attempts still being checked as
// failures; ErrBusy when too many passwords are being checked at once.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (token string, sess Session, u User, err error) {
	email = normalEmail(email)
	now := s.opts.Clock.Now()
	s.sweep(ctx, now)
	emailKey, ipKey := "email:"+email, ""
	if clientIP != "" {
		ipKey = "ip:" + clientIP
	}
	// The attempt is counted before the password is checked, so that
	// parallel guesses cannot all pass before the first of them fails.
	a, wait := s.limits.reserve(now, limit{emailKey, s.opts.MaxFailures}, limit{ipKey, s.opts.MaxFailuresPerIP})
	if a == nil {
		s.opts.Logger.Info("auth: sign-in refused while locked out", "email", email, "ip", clientIP, "retry_after", wait)
		return "", Session{}, User{}, &TooManyAttemptsError{RetryAfter: wait}
	}
	failed := false
	defer func() { s.limits.finish(a, failed) }()
	u, reason, err := s.check(ctx, email, password)
	switch {
	case errors.Is(err, ErrBusy):
		s.opts.Logger.Warn("auth: sign-in refused: every password hashing slot stayed busy", "email", email, "ip", clientIP)
		return "", Session{}, User{}, err
	case err != nil:
		return "", Session{}, User{}, err
	case reason != "":
		failed = true
		s.opts.Logger.Info("auth: sign-in failed", "email", email, "ip", clientIP, "reason", reason)
		return "", Session{}, User{}, ErrBadCredentials
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

// check looks the email up and checks the password. It returns the user
// when both match and the user is enabled; otherwise the reason why not,
// for the log. An error means the password was not checked: the store
// failed, the stored hash is malformed, or no hashing slot came (ErrBusy).
func (s *Service) check(ctx context.Context, email, password string) (u User, reason string, err error) {
	u, hash, err := s.store.UserByEmail(ctx, email)
	known := err == nil
	switch {
	case errors.Is(err, gateway.ErrNotFound):
		// Spend what a real check costs, so that the answer's timing does
		// not tell which emails have accounts.
		hash = dummyHash
	case err != nil:
		return User{}, "", fmt.Errorf("auth: login: %w", err)
	}
	var ok bool
	if werr := s.hash(ctx, func() { ok, err = VerifyPassword(hash, password) }); werr != nil {
		return User{}, "", werr
	}
	switch {
	case err != nil:
		return User{}, "", fmt.Errorf("auth: login: the stored hash of user %s: %w", u.ID, err)
	case !known:
		return User{}, "unknown email", nil
	case !ok:
		return User{}, "wrong password", nil
	case u.Disabled:
		return User{}, "user disabled", nil
	}
	return u, "", nil
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
