package keys

import "context"

// SecretStore keeps small named secrets in the database. store/postgres and
// store/sqlite implement it.
type SecretStore interface {
	// GetSecret returns gateway.ErrNotFound when no secret has that name.
	GetSecret(ctx context.Context, name string) ([]byte, error)
	// PutSecretIfAbsent stores value under name unless a secret of that name
	// exists, and returns the stored value either way, so that two processes
	// starting at once agree on one secret.
	PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error)
}
