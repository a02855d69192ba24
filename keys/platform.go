// Package keys manages the platform's RSA key pair, which signs every
// notification the gateway sends to merchants.
//
// The key is generated on first start and kept durably: in a file readable by
// its owner only (0600), or, when a master key is configured, in the database
// encrypted with AES-256-GCM under a key derived from it, so that several
// gateway processes on one PostgreSQL share one platform key.
package keys

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Platform is the platform's signing key.
type Platform struct {
	key *rsa.PrivateKey
}

// Sign returns the base64 SHA256withRSA (PKCS #1 v1.5) signature of data.
func (p *Platform) Sign(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(nil, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Public returns the public key merchants verify notifications with.
func (p *Platform) Public() *rsa.PublicKey { return &p.key.PublicKey }

// PublicPEM returns the public key as a PEM "PUBLIC KEY" block.
func (p *Platform) PublicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Options says where the platform key lives.
type Options struct {
	// Path is the key file used when MasterKey is empty.
	Path string
	// MasterKey, when set, keeps the key in Secrets, encrypted.
	MasterKey []byte
	Secrets   SecretStore
	// Bits is the size of a generated key; default 2048.
	Bits int
}

const secretName = "platform_rsa_key"

// Load returns the platform key, generating and storing it on first use.
// Concurrent first starts agree on one key.
func Load(ctx context.Context, o Options) (*Platform, error) {
	if o.Bits == 0 {
		o.Bits = 2048
	}
	if len(o.MasterKey) > 0 {
		return loadEncrypted(ctx, o)
	}
	return loadFile(o)
}

func generate(bits int) ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("keys: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("keys: marshal: %w", err)
	}
	return der, nil
}

func parse(der []byte) (*Platform, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: parse platform key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("keys: platform key is not RSA")
	}
	return &Platform{key: rk}, nil
}

func loadFile(o Options) (*Platform, error) {
	if o.Path == "" {
		return nil, errors.New("keys: no platform key path")
	}
	if pemBytes, err := os.ReadFile(o.Path); err == nil {
		return parseFile(o.Path, pemBytes)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keys: %w", err)
	}
	der, err := generate(o.Bits)
	if err != nil {
		return nil, err
	}
	// Write a private temp file, then link it into place: the link fails if
	// another process got there first, and then its key wins.
	dir := filepath.Dir(o.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".platform-key-*")
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: %w", err)
	}
	if _, err := tmp.Write(pemBytes); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if err := os.Link(tmp.Name(), o.Path); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("keys: %w", err)
		}
		if pemBytes, err = os.ReadFile(o.Path); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
	}
	return parseFile(o.Path, pemBytes)
}

func parseFile(path string, pemBytes []byte) (*Platform, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keys: %s is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("keys: %s holds no PKCS #8 PRIVATE KEY block", path)
	}
	return parse(block.Bytes)
}

func loadEncrypted(ctx context.Context, o Options) (*Platform, error) {
	if o.Secrets == nil {
		return nil, errors.New("keys: a master key needs a secret store")
	}
	aead, err := newAEAD(o.MasterKey)
	if err != nil {
		return nil, err
	}
	sealed, err := o.Secrets.GetSecret(ctx, secretName)
	if err != nil {
		der, gerr := generate(o.Bits)
		if gerr != nil {
			return nil, gerr
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		if sealed, err = o.Secrets.PutSecretIfAbsent(ctx, secretName, aead.Seal(nonce, nonce, der, []byte(secretName))); err != nil {
			return nil, fmt.Errorf("keys: store platform key: %w", err)
		}
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("keys: stored platform key is truncated")
	}
	der, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(secretName))
	if err != nil {
		return nil, errors.New("keys: cannot decrypt the stored platform key: wrong KASIR_MASTER_KEY?")
	}
	return parse(der)
}

func newAEAD(master []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, master, nil, "kasir platform key v1", 32)
	if err != nil {
		return nil, fmt.Errorf("keys: derive: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return cipher.NewGCM(block)
}
