package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
)

// Sealer encrypts dialect B apiKeys with a key derived from the master key
// (AES-256-GCM; stored as "v1:" and base64 of nonce and ciphertext). It
// still opens keys stored in plain text before a master key was set, so
// that an operator can turn encryption on without reissuing keys.
type Sealer struct{ aead cipher.AEAD }

const sealerInfo = "kasir api key v1"

// NewSealer returns the sealer for a master key, or gateway.PlainSealer
// when master is empty.
func NewSealer(master []byte) (gateway.KeySealer, error) {
	if len(master) == 0 {
		return gateway.PlainSealer{}, nil
	}
	key, err := hkdf.Key(sha256.New, master, nil, sealerInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("keys: derive: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts an apiKey.
func (s *Sealer) Seal(plain string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	sealed := s.aead.Seal(nonce, nonce, []byte(plain), []byte(sealerInfo))
	return "v1:" + base64.StdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a sealed apiKey, or returns one stored in plain text.
func (s *Sealer) Open(sealed string) (string, error) {
	if strings.HasPrefix(sealed, "plain:") {
		return gateway.PlainSealer{}.Open(sealed)
	}
	b64, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("keys: unknown apiKey encoding")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("keys: a stored apiKey is corrupt")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(sealerInfo))
	if err != nil {
		return "", errors.New("keys: cannot decrypt a stored apiKey: wrong KASIR_MASTER_KEY?")
	}
	return string(plain), nil
}
