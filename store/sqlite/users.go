package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
)

var _ auth.Store = (*Store)(nil)

// CreateUser inserts u with its password hash: a *gateway.DuplicateError
// with Key "email" when the email is taken, a *gateway.Error of KindInvalid
// about "merchant" when u.MerchantID names no merchant.
func (s *Store) CreateUser(ctx context.Context, u auth.User, passwordHash string) error {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO users (id, email, password_hash, role, merchant_id, disabled, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
		u.ID, u.Email, passwordHash, string(u.Role), nullString(u.MerchantID), boolInt(u.Disabled), ms(u.CreatedAt))
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) && sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		// merchant_id is the only reference of users.
		return gateway.Errorf(gateway.KindInvalid, "merchant", "no merchant %q", u.MerchantID)
	}
	err = translate("create user", err)
	if dup, ok := errors.AsType[*gateway.DuplicateError](err); ok && dup.Key == "users.email" {
		return &gateway.DuplicateError{Key: "email"}
	}
	return err
}

const userColumns = `id, email, role, coalesce(merchant_id, ''), disabled, created_at`

func scanUser(row scanner, extra ...any) (auth.User, error) {
	var u auth.User
	var role string
	var created int64
	if err := row.Scan(append([]any{&u.ID, &u.Email, &role, &u.MerchantID, &u.Disabled, &created}, extra...)...); err != nil {
		return auth.User{}, err
	}
	u.Role, u.CreatedAt = auth.Role(role), fromMS(created)
	return u, nil
}

// UserByEmail returns the user with the (lower-cased) email and its password
// hash; gateway.ErrNotFound when there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.reader.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?1`, email), &hash)
	if err != nil {
		return auth.User{}, "", translate("user by email", err)
	}
	return u, hash, nil
}

// UserByID returns a user; gateway.ErrNotFound when there is none.
func (s *Store) UserByID(ctx context.Context, id string) (auth.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?1`, id))
	return u, translate("user by id", err)
}

// ListUsers returns the users of a merchant, or every user when merchantID
// is "", by email.
func (s *Store) ListUsers(ctx context.Context, merchantID string) ([]auth.User, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+userColumns+` FROM users
		WHERE ?1 = '' OR merchant_id = ?1
		ORDER BY email`, merchantID)
	return collect("list users", rows, err, func(r scanner) (auth.User, error) { return scanUser(r) })
}

// SetUserDisabled disables or enables a user; gateway.ErrNotFound when there
// is none. Disabling also deletes the user's sessions in the same
// transaction, so that enabling it again revives none of them.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return s.inTx(ctx, func(q queries) error {
		n, err := q.exec(ctx, "set user disabled", `UPDATE users SET disabled = ?2 WHERE id = ?1`, id, boolInt(disabled))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("sqlite: set user disabled %s: %w", id, gateway.ErrNotFound)
		}
		if disabled {
			_, err = q.exec(ctx, "delete sessions of disabled user", `DELETE FROM sessions WHERE user_id = ?1`, id)
		}
		return err
	})
}

// InsertSession stores a new session.
func (s *Store) InsertSession(ctx context.Context, sess auth.Session) error {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)`,
		sess.ID, sess.UserID, sess.CSRF, ms(sess.CreatedAt), ms(sess.ExpiresAt))
	return translate("insert session", err)
}

// GetSession returns a session by ID whatever its expiry;
// gateway.ErrNotFound when there is none.
func (s *Store) GetSession(ctx context.Context, id string) (auth.Session, error) {
	var sess auth.Session
	var created, expires int64
	err := s.reader.QueryRowContext(ctx, `SELECT id, user_id, csrf, created_at, expires_at FROM sessions WHERE id = ?1`, id).
		Scan(&sess.ID, &sess.UserID, &sess.CSRF, &created, &expires)
	if err != nil {
		return auth.Session{}, translate("get session", err)
	}
	sess.CreatedAt, sess.ExpiresAt = fromMS(created), fromMS(expires)
	return sess, nil
}

// DeleteSession removes a session; no error when there is none.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.w().exec(ctx, "delete session", `DELETE FROM sessions WHERE id = ?1`, id)
	return err
}

// DeleteExpiredSessions removes the sessions expired at now (expires_at at
// or before it) and says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	n, err := s.w().exec(ctx, "delete expired sessions", `DELETE FROM sessions WHERE expires_at <= ?1`, ms(now))
	return int(n), err
}
