package postgres

import (
	"context"
	"time"
)

// GetSecret returns the secret stored under name; gateway.ErrNotFound when
// there is none.
func (s *Store) GetSecret(ctx context.Context, name string) ([]byte, error) {
	var value []byte
	err := s.db.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	if err != nil {
		return nil, translate("get secret", err)
	}
	return value, nil
}

// PutSecretIfAbsent stores value under name unless a secret of that name
// exists, and returns the value stored under name either way.
func (s *Store) PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if value == nil {
		value = []byte{} // pgx sends a nil slice as NULL
	}
	_, err := s.db.Exec(ctx, `
		INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`,
		name, value, time.Now())
	if err != nil {
		return nil, translate("put secret", err)
	}
	return s.GetSecret(ctx, name)
}
