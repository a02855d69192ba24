package keys_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/store/storetest"
)

func verify(t *testing.T, p *keys.Platform, msg []byte) {
	t.Helper()
	sig, err := p.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(p.Public(), crypto.SHA256, sum[:], raw); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestFileKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "platform.pem")
	// Concurrent first starts agree on one key.
	var wg sync.WaitGroup
	pems := make([][]byte, 4)
	for i := range pems {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := keys.Load(ctx, keys.Options{Path: path})
			if err != nil {
				t.Error(err)
				return
			}
			pems[i] = p.PublicPEM()
		}()
	}
	wg.Wait()
	for _, p := range pems[1:] {
		if !bytes.Equal(p, pems[0]) {
			t.Fatal("concurrent loads made different keys")
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	again, err := keys.Load(ctx, keys.Options{Path: path})
	if err != nil || !bytes.Equal(again.PublicPEM(), pems[0]) {
		t.Fatalf("reload gave another key: %v", err)
	}
	verify(t, again, []byte(`{"eventName":"disbursement.success"}`))
	if !strings.HasPrefix(string(pems[0]), "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("PublicPEM = %q", pems[0])
	}

	// A key file others can read is refused.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Load(ctx, keys.Options{Path: path}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: err = %v", err)
	}
}

func TestEncryptedKey(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := e.Open(t)
			opts := keys.Options{MasterKey: []byte("correct horse battery staple"), Secrets: s}
			var wg sync.WaitGroup
			pems := make([][]byte, 3)
			for i := range pems {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := keys.Load(ctx, opts)
					if err != nil {
						t.Error(err)
						return
					}
					pems[i] = p.PublicPEM()
				}()
			}
			wg.Wait()
			for _, p := range pems[1:] {
				if !bytes.Equal(p, pems[0]) {
					t.Fatal("concurrent loads made different keys")
				}
			}
			stored, err := s.GetSecret(ctx, "platform_rsa_key")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(stored, []byte("PRIVATE KEY")) || len(stored) < 1000 {
				t.Fatalf("stored secret does not look encrypted (%d bytes)", len(stored))
			}
			if _, err := keys.Load(ctx, keys.Options{MasterKey: []byte("wrong"), Secrets: s}); err == nil || !strings.Contains(err.Error(), "KASIR_MASTER_KEY") {
				t.Fatalf("wrong master key: err = %v", err)
			}
		})
	}
}
