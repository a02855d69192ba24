package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

const (
	password = "correct horse battery"
	window   = 10 * time.Minute
	ttl      = time.Hour
)

// clock is a gateway.Clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// spyStore is a real store that counts session reads and can fail them, to
// tell whether Authenticate reached the store and what it does when the
// store is down. It also counts the lookups of users by email, which Login
// makes only for an attempt that passed the limiter, and can hold them.
type spyStore struct {
	auth.Store
	gets    atomic.Int32
	failGet error

	byEmail       atomic.Int32
	onUserByEmail func() // when set, called before each lookup by email
}

func (s *spyStore) UserByEmail(ctx context.Context, email string) (auth.User, string, error) {
	s.byEmail.Add(1)
	if s.onUserByEmail != nil {
		s.onUserByEmail()
	}
	return s.Store.UserByEmail(ctx, email)
}

func (s *spyStore) GetSession(ctx context.Context, id string) (auth.Session, error) {
	s.gets.Add(1)
	if s.failGet != nil {
		return auth.Session{}, s.failGet
	}
	return s.Store.GetSession(ctx, id)
}

// bundle is what a test gets from setup.
type bundle struct {
	ctx      context.Context
	svc      *auth.Service
	store    *spyStore
	clock    *clock
	log      *bytes.Buffer
	merchant gateway.Merchant
}

// setup returns a Service on a fresh SQLite database with one merchant: at
// most 3 failures per email and 5 per address in 10 minutes, sessions of
// an hour.
func setup(t *testing.T) *bundle {
	t.Helper()
	s := storetest.NewSQLite(t)
	m := gateway.Merchant{ID: "M1", Name: "Toko Kita", CreatedAt: time.Unix(0, 0)}
	app := gateway.App{AppID: "app1", MerchantID: m.ID, PublicKeyPEM: "pem", CreatedAt: time.Unix(0, 0)}
	if err := s.InTx(t.Context(), func(tx gateway.Tx) error { return tx.CreateMerchant(t.Context(), m, app) }); err != nil {
		t.Fatal(err)
	}
	b := &bundle{ctx: t.Context(), store: &spyStore{Store: s}, log: &bytes.Buffer{}, merchant: m,
		clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.UTC)}}
	b.svc = auth.New(b.store, auth.Options{SessionTTL: ttl, MaxFailures: 3, MaxFailuresPerIP: 5, FailureWindow: window, Clock: b.clock,
		Logger: slog.New(slog.NewTextHandler(b.log, nil))})
	return b
}

func (b *bundle) user(t *testing.T, email string, role auth.Role, merchantID string) auth.User {
	t.Helper()
	u, err := b.svc.CreateUser(b.ctx, email, password, role, merchantID)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func (b *bundle) login(t *testing.T, email, pw, ip string) (string, auth.Session, auth.User) {
	t.Helper()
	token, sess, u, err := b.svc.Login(b.ctx, email, pw, ip)
	if err != nil {
		t.Fatalf("Login(%s from %s): %v", email, ip, err)
	}
	return token, sess, u
}

// wantTooMany fails the test unless err is a *TooManyAttemptsError asking
// to wait retry.
func wantTooMany(t *testing.T, what string, err error, retry time.Duration) {
	t.Helper()
	var many *auth.TooManyAttemptsError
	if !errors.As(err, &many) || many.RetryAfter != retry {
		t.Errorf("%s: got %v, want *TooManyAttemptsError with RetryAfter %v", what, err, retry)
	}
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	h1, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := auth.HashPassword(password)
	format := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !format.MatchString(h1) {
		t.Errorf("hash %q is not in the PHC format with 16-byte salt and 32-byte key", h1)
	}
	if h1 == h2 {
		t.Errorf("two hashes of one password are equal (%q): the salt is not random", h1)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{password, true}, {password + " ", false}, {"Correct horse battery", false}, {"", false}} {
		if ok, err := auth.VerifyPassword(h1, tc.pw); ok != tc.want || err != nil {
			t.Errorf("VerifyPassword(hash, %q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
}

// TestVerifyPasswordOtherParams checks a hash made with other parameters
// than today's: they are read from the string.
func TestVerifyPasswordOtherParams(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef0123")
	key := argon2.IDKey([]byte(password), salt, 3, 64, 2, 24)
	enc := base64.RawStdEncoding.EncodeToString
	encoded := fmt.Sprintf("$argon2id$v=19$m=64,t=3,p=2$%s$%s", enc(salt), enc(key))
	if ok, err := auth.VerifyPassword(encoded, password); !ok || err != nil {
		t.Errorf("VerifyPassword(%s) = %v, %v; want true", encoded, ok, err)
	}
	if ok, err := auth.VerifyPassword(encoded, "wrong"); ok || err != nil {
		t.Errorf("VerifyPassword(%s, wrong) = %v, %v; want false", encoded, ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, err := auth.VerifyPassword(good, password); err != nil {
		t.Fatalf("the well-formed base case fails: %v", err)
	}
	for name, encoded := range map[string]string{
		"Empty":          "",
		"Argon2i":        "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"Bcrypt":         "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"OldVersion":     "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"NoVersion":      "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"ParamsOrder":    "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"TwoParams":      "$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"MemoryOver1GiB": "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,
		"MemoryOverflow": "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key,
		"MemoryTooSmall": "$argon2id$v=19$m=7,t=1,p=1$" + salt + "$" + key,
		"TimeZero":       "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"TimeHuge":       "$argon2id$v=19$m=64,t=100000,p=1$" + salt + "$" + key,
		"ThreadsZero":    "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"ThreadsHuge":    "$argon2id$v=19$m=4096,t=1,p=255$" + salt + "$" + key,
		"NegativeTime":   "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key,
		"SaltNotBase64":  "$argon2id$v=19$m=64,t=1,p=1$salt!salt!salt$" + key,
		"SaltPadded":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"SaltShort":      "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,
		"KeyShort":       "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5",
		"KeyMissing":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"ExtraField":     good + "$x",
		"LeadingText":    "x" + good,
	} {
		ok, err := auth.VerifyPassword(encoded, password)
		if ok || err == nil {
			t.Errorf("%s: VerifyPassword(%q) = %v, %v; want false and an error", name, encoded, ok, err)
		}
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, err := b.svc.CreateUser(b.ctx, "  Ana.Lim@Toko.Example ", "ñandú ñandú!", auth.RoleMerchant, b.merchant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^usr_[0-9a-f]{16}$`).MatchString(u.ID) {
		t.Errorf("user ID %q, want usr_ and 16 hex digits", u.ID)
	}
	want := auth.User{ID: u.ID, Email: "ana.lim@toko.example", Role: auth.RoleMerchant, MerchantID: b.merchant.ID,
		CreatedAt: b.clock.Now().Truncate(time.Millisecond)}
	if u != want {
		t.Errorf("CreateUser returned\n %+v, want\n %+v", u, want)
	}
	stored, hash, err := b.store.UserByEmail(b.ctx, "ana.lim@toko.example")
	if err != nil || stored != want {
		t.Errorf("stored user %+v, %v; want %+v", stored, err, want)
	}
	if ok, err := auth.VerifyPassword(hash, "ñandú ñandú!"); !ok || err != nil {
		t.Errorf("stored hash %q does not verify the password: %v, %v", hash, ok, err)
	}
	op := b.user(t, "ops@kasir.example", auth.RoleOperator, "")
	if op.MerchantID != "" || op.Role != auth.RoleOperator || op.ID == u.ID {
		t.Errorf("operator %+v", op)
	}
}

func TestCreateUserInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := b.merchant.ID
	for _, tc := range []struct {
		name, email, password string
		role                  auth.Role
		merchant, field       string
	}{
		{"EmailEmpty", "  ", password, auth.RoleOperator, "", "email"},
		{"EmailNoAt", "ana.toko.example", password, auth.RoleOperator, "", "email"},
		{"EmailTwoAts", "ana@toko@example.com", password, auth.RoleOperator, "", "email"},
		{"EmailNoDotInDomain", "ana@localhost", password, auth.RoleOperator, "", "email"},
		{"EmailDomainDotLast", "ana@toko.", password, auth.RoleOperator, "", "email"},
		{"EmailWithName", "Ana <ana@toko.example>", password, auth.RoleOperator, "", "email"},
		{"EmailSpaceInside", "ana lim@toko.example", password, auth.RoleOperator, "", "email"},
		{"PasswordShort", "a@toko.example", "elevenchars", auth.RoleOperator, "", "password"},
		{"PasswordShortInCharacters", "a@toko.example", "ññññññññ", auth.RoleOperator, "", "password"},
		{"PasswordLong", "a@toko.example", strings.Repeat("p", 257), auth.RoleOperator, "", "password"},
		{"RoleUnknown", "a@toko.example", password, "admin", "", "role"},
		{"RoleEmpty", "a@toko.example", password, "", "", "role"},
		{"MerchantMissing", "a@toko.example", password, auth.RoleMerchant, "", "merchant"},
		{"MerchantForOperator", "a@toko.example", password, auth.RoleOperator, m, "merchant"},
		{"MerchantUnknown", "a@toko.example", password, auth.RoleMerchant, "M-none", "merchant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.svc.CreateUser(b.ctx, tc.email, tc.password, tc.role, tc.merchant)
			var e *gateway.Error
			if !errors.As(err, &e) || e.Kind != gateway.KindInvalid || e.Field != tc.field {
				t.Errorf("got %v, want a KindInvalid *gateway.Error about %q", err, tc.field)
			}
		})
	}
	if all, err := b.store.ListUsers(b.ctx, ""); err != nil || len(all) != 0 {
		t.Errorf("users after refused creations: %+v, %v", all, err)
	}
	if _, err := b.svc.CreateUser(b.ctx, "a@toko.example", strings.Repeat("p", 256), auth.RoleOperator, ""); err != nil {
		t.Errorf("a 256-byte password is refused: %v", err)
	}
}

func TestCreateUserDuplicate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	_, err := b.svc.CreateUser(b.ctx, "ANA@toko.example", password, auth.RoleMerchant, b.merchant.ID)
	var dup *gateway.DuplicateError
	if !errors.As(err, &dup) || dup.Key != "email" {
		t.Errorf("second ana@toko.example: %v, want *gateway.DuplicateError{Key: email}", err)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user(t, "ana@toko.example", auth.RoleMerchant, b.merchant.ID)
	token, sess, got := b.login(t, " ANA@Toko.example", password, "192.0.2.1")
	if got != u {
		t.Errorf("Login user %+v, want %+v", got, u)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != 32 {
		t.Errorf("token %q is not 32 bytes of unpadded base64url", token)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(sess.CSRF); err != nil || len(raw) != 32 {
		t.Errorf("CSRF %q is not 32 bytes of unpadded base64url", sess.CSRF)
	}
	now := b.clock.Now().Truncate(time.Millisecond)
	want := auth.Session{ID: sha256hex(token), UserID: u.ID, CSRF: sess.CSRF, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if sess != want {
		t.Errorf("session %+v, want %+v", sess, want)
	}
	au, as, err := b.svc.Authenticate(b.ctx, token)
	if err != nil || au != u || as != sess {
		t.Errorf("Authenticate = %+v, %+v, %v; want %+v, %+v", au, as, err, u, sess)
	}
	token2, sess2, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	if token2 == token || sess2.ID == sess.ID || sess2.CSRF == sess.CSRF {
		t.Error("a second sign-in reuses the first one's token, session or CSRF token")
	}
}

// TestStoreNeverHoldsToken: the store names a session by its token's hash.
func TestStoreNeverHoldsToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	token, sess, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	_, err := b.store.GetSession(b.ctx, token)
	if !errors.Is(err, gateway.ErrNotFound) {
		t.Errorf("GetSession(token) = %v, want not found", err)
	}
	stored, err := b.store.GetSession(b.ctx, sha256hex(token))
	if err != nil || stored != sess {
		t.Errorf("GetSession(sha256(token)) = %+v, %v; want %+v", stored, err, sess)
	}
}

func TestLoginBadCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	for _, tc := range []struct{ email, pw string }{
		{"ana@toko.example", "wrong password!"},
		{"ana@toko.example", ""},
		{"nobody@toko.example", password},
	} {
		if _, _, _, err := b.svc.Login(b.ctx, tc.email, tc.pw, "192.0.2.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("Login(%s, %q) = %v, want ErrBadCredentials", tc.email, tc.pw, err)
		}
		b.clock.Advance(window) // keep the limiter out of it
	}
	log := b.log.String()
	if !strings.Contains(log, "email=ana@toko.example") || !strings.Contains(log, "ip=192.0.2.1") ||
		!strings.Contains(log, "email=nobody@toko.example") {
		t.Errorf("failures are not logged with email and address:\n%s", log)
	}
	if strings.Contains(log, "wrong password!") || strings.Contains(log, password) {
		t.Errorf("the log holds a password:\n%s", log)
	}
}

func TestLockoutByEmail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	start := b.clock.Now()
	for i := range 3 {
		ip := fmt.Sprintf("192.0.2.%d", i+1) // a different address each time: the email counts
		if _, _, _, err := b.svc.Login(b.ctx, "ana@toko.example", "wrong password", ip); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		b.clock.Advance(time.Minute)
	}
	// Locked since the third failure, until the first leaves the window;
	// the right password does not help.
	_, _, _, err := b.svc.Login(b.ctx, "Ana@toko.example", password, "198.51.100.9")
	wantTooMany(t, "right password while locked", err, start.Add(window).Sub(b.clock.Now()))
	b.clock.Advance(start.Add(window).Sub(b.clock.Now()) - time.Millisecond)
	_, _, _, err = b.svc.Login(b.ctx, "ana@toko.example", password, "198.51.100.9")
	wantTooMany(t, "a millisecond before the window ends", err, time.Millisecond)
	// Another email from the same addresses is not locked.
	b.user(t, "budi@toko.example", auth.RoleOperator, "")
	b.login(t, "budi@toko.example", password, "192.0.2.1")

	b.clock.Advance(time.Millisecond)
	token, _, _ := b.login(t, "ana@toko.example", password, "198.51.100.9")
	if _, _, err := b.svc.Authenticate(b.ctx, token); err != nil {
		t.Errorf("the session after the lockout: %v", err)
	}
}

func TestLockoutByAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	const ip = "203.0.113.7"
	for i := range 5 { // the address's limit, larger than an email's 3
		email := fmt.Sprintf("guess%d@toko.example", i) // unknown emails count against the address
		if _, _, _, err := b.svc.Login(b.ctx, email, password, ip); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	_, _, _, err := b.svc.Login(b.ctx, "ana@toko.example", password, ip)
	wantTooMany(t, "a real user from the locked address", err, window)
	if !strings.Contains(b.log.String(), "ip="+ip) {
		t.Errorf("the lockout is not logged with the address:\n%s", b.log.String())
	}
	b.login(t, "ana@toko.example", password, "203.0.113.8")
	b.clock.Advance(window)
	b.login(t, "ana@toko.example", password, ip)
}

func TestSuccessClearsEmailFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	fail := func(ip string) {
		t.Helper()
		if _, _, _, err := b.svc.Login(b.ctx, "ana@toko.example", "wrong password", ip); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password from %s: %v", ip, err)
		}
	}
	fail("192.0.2.1")
	fail("192.0.2.2")
	b.login(t, "ana@toko.example", password, "192.0.2.3")
	fail("192.0.2.4")
	fail("192.0.2.5")
	// Four failures in the window, but only two since the success.
	b.login(t, "ana@toko.example", password, "192.0.2.6")
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	token, sess, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	b.clock.Advance(sess.ExpiresAt.Sub(b.clock.Now()) - time.Nanosecond)
	if _, _, err := b.svc.Authenticate(b.ctx, token); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	b.clock.Advance(time.Nanosecond)
	if _, _, err := b.svc.Authenticate(b.ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("at expiry: %v, want ErrNoSession", err)
	}
	// The next sign-in sweeps the expired session away.
	b.clock.Advance(time.Minute)
	b.login(t, "ana@toko.example", password, "192.0.2.1")
	if _, err := b.store.Store.GetSession(b.ctx, sess.ID); !errors.Is(err, gateway.ErrNotFound) {
		t.Errorf("expired session after the next sign-in: %v, want it deleted", err)
	}
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user(t, "ana@toko.example", auth.RoleMerchant, b.merchant.ID)
	token, _, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	if err := b.store.SetUserDisabled(b.ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.svc.Authenticate(b.ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("Authenticate of a disabled user: %v, want ErrNoSession", err)
	}
	if _, _, _, err := b.svc.Login(b.ctx, "ana@toko.example", password, "192.0.2.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("Login of a disabled user: %v, want ErrBadCredentials", err)
	}
	if err := b.store.SetUserDisabled(b.ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	// Disabling ended the session for good: a stolen token stays dead.
	if _, _, err := b.svc.Authenticate(b.ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("Authenticate of a session from before the user was disabled, once enabled again: %v, want ErrNoSession", err)
	}
	token, _, _ = b.login(t, "ana@toko.example", password, "192.0.2.1")
	if _, _, err := b.svc.Authenticate(b.ctx, token); err != nil {
		t.Errorf("Authenticate of a new session once enabled again: %v", err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	token, sess, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	other, _, _ := b.login(t, "ana@toko.example", password, "192.0.2.2")
	if err := b.svc.Logout(b.ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.svc.Authenticate(b.ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("Authenticate after Logout: %v, want ErrNoSession", err)
	}
	if _, err := b.store.Store.GetSession(b.ctx, sess.ID); !errors.Is(err, gateway.ErrNotFound) {
		t.Errorf("the session after Logout: %v, want it deleted", err)
	}
	if _, _, err := b.svc.Authenticate(b.ctx, other); err != nil {
		t.Errorf("the user's other session after Logout: %v", err)
	}
	for _, tok := range []string{token, "", "not a token"} {
		if err := b.svc.Logout(b.ctx, tok); err != nil {
			t.Errorf("Logout(%q) of no session: %v", tok, err)
		}
	}
}

func TestAuthenticateMalformedToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	token, _, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	for _, tok := range []string{"", "x", token + "=", token[:42], token + "AA", strings.ToUpper(token[:1]) + "!" + token[2:],
		base64.URLEncoding.EncodeToString(make([]byte, 32))} {
		if _, _, err := b.svc.Authenticate(b.ctx, tok); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("Authenticate(%q) = %v, want ErrNoSession", tok, err)
		}
	}
	if n := b.store.gets.Load(); n != 0 {
		t.Errorf("malformed tokens read the store %d times", n)
	}
	// A well-formed token of no session does read the store.
	unknown := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	if _, _, err := b.svc.Authenticate(b.ctx, unknown); !errors.Is(err, auth.ErrNoSession) || b.store.gets.Load() != 1 {
		t.Errorf("Authenticate(unknown) = %v after %d reads, want ErrNoSession after 1", err, b.store.gets.Load())
	}
}

func TestAuthenticateStoreDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	token, _, _ := b.login(t, "ana@toko.example", password, "192.0.2.1")
	b.store.failGet = fmt.Errorf("sqlite: get session: %w", gateway.ErrUnavailable)
	_, _, err := b.svc.Authenticate(b.ctx, token)
	if !errors.Is(err, gateway.ErrUnavailable) || errors.Is(err, auth.ErrNoSession) {
		t.Errorf("Authenticate with the store down = %v, want ErrUnavailable, not ErrNoSession", err)
	}
}
