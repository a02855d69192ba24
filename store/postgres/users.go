package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
)

var _ auth.Store = (*Store)(nil)

// CreateUser inserts u with its password hash: a *gateway.DuplicateError
// with Key "email" when the email is taken, a *gateway.Error of KindInvalid
// about "merchant" when u.MerchantID names no merchant.
func (s *Store) CreateUser(ctx context.Context, u auth.User, passwordHash string) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO users (id, email, password_hash, role, merchant_id, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, u.Email, passwordHash, string(u.Role), nullString(u.MerchantID), u.Disabled, u.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23503" && pgErr.ConstraintName == "users_merchant_id_fkey":
			return gateway.Errorf(gateway.KindInvalid, "merchant", "no merchant %q", u.MerchantID)
		case pgErr.Code == "23505" && pgErr.ConstraintName == "users_email_key":
			return &gateway.DuplicateError{Key: "email"}
		}
	}
	return translate("create user", err)
}

const userColumns = `id, email, role, coalesce(merchant_id, ''), disabled, created_at`

func scanUser(row pgx.Row, extra ...any) (auth.User, error) {
	var u auth.User
	var role string
	if err := row.Scan(append([]any{&u.ID, &u.Email, &role, &u.MerchantID, &u.Disabled, &u.CreatedAt}, extra...)...); err != nil {
		return auth.User{}, err
	}
	u.Role, u.CreatedAt = auth.Role(role), u.CreatedAt.UTC()
	return u, nil
}

// UserByEmail returns the user with the (lower-cased) email and its password
// hash; gateway.ErrNotFound when there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	if err != nil {
		return auth.User{}, "", translate("user by email", err)
	}
	return u, hash, nil
}

// UserByID returns a user; gateway.ErrNotFound when there is none.
func (s *Store) UserByID(ctx context.Context, id string) (auth.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, translate("user by id", err)
}

// ListUsers returns the users of a merchant, or every user when merchantID
// is "", by email.
func (s *Store) ListUsers(ctx context.Context, merchantID string) ([]auth.User, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+userColumns+` FROM users
		WHERE $1 = '' OR merchant_id = $1
		ORDER BY email`, merchantID)
	if err != nil {
		return nil, translate("list users", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.User, error) { return scanUser(r) })
	return users, translate("list users", err)
}

// SetUserDisabled disables or enables a user; gateway.ErrNotFound when there
// is none. Disabling also deletes the user's sessions in the same
// transaction, so that enabling it again revives none of them.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return s.inTx(ctx, func(q queries) error {
		tag, err := q.db.Exec(ctx, `UPDATE users SET disabled = $2 WHERE id = $1`, id, disabled)
		if err != nil {
			return translate("set user disabled", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: set user disabled %s: %w", id, gateway.ErrNotFound)
		}
		if disabled {
			_, err = q.db.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		}
		return translate("delete sessions of disabled user", err)
	})
}

// InsertSession stores a new session.
func (s *Store) InsertSession(ctx context.Context, sess auth.Session) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		sess.ID, sess.UserID, sess.CSRF, sess.CreatedAt, sess.ExpiresAt)
	return translate("insert session", err)
}

// GetSession returns a session by ID whatever its expiry;
// gateway.ErrNotFound when there is none.
func (s *Store) GetSession(ctx context.Context, id string) (auth.Session, error) {
	var sess auth.Session
	err := s.db.QueryRow(ctx, `SELECT id, user_id, csrf, created_at, expires_at FROM sessions WHERE id = $1`, id).
		Scan(&sess.ID, &sess.UserID, &sess.CSRF, &sess.CreatedAt, &sess.ExpiresAt)
	if err != nil {
		return auth.Session{}, translate("get session", err)
	}
	sess.CreatedAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
	return sess, nil
}

// DeleteSession removes a session; no error when there is none.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return translate("delete session", err)
}

// DeleteExpiredSessions removes the sessions expired at now (expires_at at
// or before it) and says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, translate("delete expired sessions", err)
	}
	return int(tag.RowsAffected()), nil
}
