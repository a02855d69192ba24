package sqlite

import (
	"context"
	"time"
)

// GetSecret returns the secret stored under name; gateway.ErrNotFound when
// there is none.
func (s *Store) GetSecret(ctx context.Context, name string) ([]byte, error) {
	return getSecret(ctx, s.queries, name)
}

// PutSecretIfAbsent stores value under name unless a secret of that name
// exists, and returns the value stored under name either way.
func (s *Store) PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if value == nil {
		value = []byte{} // the column is NOT NULL
	}
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO NOTHING`,
		name, value, ms(time.Now()))
	if err != nil {
		return nil, translate("put secret", err)
	}
	return getSecret(ctx, s.w(), name)
}

func getSecret(ctx context.Context, q queries, name string) ([]byte, error) {
	var value []byte
	if err := q.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?1`, name).Scan(&value); err != nil {
		return nil, translate("get secret", err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}
