// Package auth holds the dashboard's accounts: users with argon2id password
// hashes, sessions named by a random token that only the browser holds (the
// store keeps its SHA-256), a CSRF token per session, and a limit on failed
// logins. It has no HTTP in it; the dashboard package sets the cookies.
package auth

import (
	"context"
	"errors"
	"time"
)

// Role is what a user may see and do.
type Role string

const (
	// RoleOperator sees and does everything.
	RoleOperator Role = "operator"
	// RoleMerchant sees one merchant's data only (User.MerchantID).
	RoleMerchant Role = "merchant"
)

// User is a dashboard account.
type User struct {
	ID         string // "usr_" + random hex
	Email      string // lower-cased; unique
	Role       Role
	MerchantID string // the merchant a RoleMerchant user belongs to; "" for operators
	Disabled   bool
	CreatedAt  time.Time
}

// Session is a signed-in browser. The cookie holds a random token; ID is the
// hex SHA-256 of that token, so that the database never holds a usable one.
type Session struct {
	ID        string
	UserID    string
	CSRF      string // random; every form of the session carries it
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store is what auth needs of storage; store/postgres and store/sqlite
// implement it (migration 0009: tables users and sessions).
type Store interface {
	// CreateUser inserts u with its password hash; *gateway.DuplicateError
	// with Key "email" when the email is taken.
	CreateUser(ctx context.Context, u User, passwordHash string) error
	// UserByEmail returns the user and its password hash; gateway.ErrNotFound.
	UserByEmail(ctx context.Context, email string) (User, string, error)
	// UserByID returns a user; gateway.ErrNotFound.
	UserByID(ctx context.Context, id string) (User, error)
	// ListUsers returns the users of a merchant, or every user when
	// merchantID is "", by email.
	ListUsers(ctx context.Context, merchantID string) ([]User, error)
	// SetUserDisabled disables or enables a user; gateway.ErrNotFound.
	// Disabling also deletes the user's sessions in the same transaction,
	// so that enabling it again revives none of them.
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	// InsertSession stores a new session.
	InsertSession(ctx context.Context, s Session) error
	// GetSession returns a session by ID whatever its expiry; gateway.ErrNotFound.
	GetSession(ctx context.Context, id string) (Session, error)
	// DeleteSession removes a session; no error when there is none.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions removes the sessions expired at now and says how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// Errors of Service.
var (
	// ErrBadCredentials: unknown email, wrong password or disabled user; the
	// dashboard does not say which.
	ErrBadCredentials = errors.New("auth: wrong email or password")
	// ErrNoSession: the token names no live session (unknown, expired, or its
	// user is disabled or gone).
	ErrNoSession = errors.New("auth: not signed in")
	// ErrBusy: too many passwords were being hashed at once, and none of
	// their slots came free within a few seconds; nothing was checked.
	ErrBusy = errors.New("auth: too many sign-ins at once; try again shortly")
)

// TooManyAttemptsError is Login's answer while an email or an address is
// locked out after too many failures.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	return "auth: too many failed sign-ins; try again in " + e.RetryAfter.Round(time.Second).String()
}
