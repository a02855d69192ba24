package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/client"
)

// engines are the databases every end-to-end test runs on.
var engines = []string{"sqlite", "postgres"}

// freshDB returns a --db value naming an empty database of the engine: a
// file in a temp dir, or a fresh PostgreSQL schema dropped after the test.
func freshDB(t *testing.T, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "kasir.db")
	}
	base := os.Getenv("KASIR_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("KASIR_SKIP_POSTGRES") == "1" {
			t.Skipf("PostgreSQL unreachable and KASIR_SKIP_POSTGRES=1: %v", err)
		}
		t.Fatalf("PostgreSQL unreachable at %s: %v (run `make test`, which starts one, or set KASIR_SKIP_POSTGRES=1)", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "e2e_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	keyOnce   sync.Once
	testKey   *rsa.PrivateKey
	binOnce   sync.Once
	binPath   string
	binErr    error
	binOutput []byte
)

// merchantKey returns one RSA key for the merchants of the test binary.
func merchantKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey
}

// writePublicKey writes the merchant's public key as PEM and returns the path.
func writePublicKey(t *testing.T, dir string, k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "merchant.pub.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// kasirBinary builds the kasir binary once per test run.
func kasirBinary(t *testing.T) string {
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kasir-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "kasir")
		binOutput, binErr = exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binOutput)
	}
	return binPath
}

// runCLI runs kasir's Main in-process with args and returns its exit code,
// stdout and stderr.
func runCLI(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIEnv(t, db, nil, args...)
}

// runCLIEnv is runCLI with more environment variables.
func runCLIEnv(t *testing.T, db string, extra map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		switch k {
		case "KASIR_DB":
			return db
		case "KASIR_PLATFORM_KEY":
			return platformKeyPath(db)
		}
		return extra[k]
	}
	code := Main(context.Background(), args, &out, &errOut, env)
	return code, out.String(), errOut.String()
}

// platformKeyPath keeps each test's platform key apart from the others':
// beside the SQLite file, or named for the PostgreSQL schema.
func platformKeyPath(db string) string {
	if u, err := url.Parse(db); err == nil && strings.HasPrefix(db, "postgres") {
		return filepath.Join(os.TempDir(), "kasir-test-keys", u.Query().Get("search_path")+".pem")
	}
	return filepath.Join(filepath.Dir(db), "platform.pem")
}

// eachEngine runs f as a parallel subtest on a fresh SQLite database and on
// a fresh PostgreSQL schema.
func eachEngine(t *testing.T, f func(t *testing.T, db string)) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, freshDB(t, engine))
		})
	}
}

// platformPublicKey reads the platform key with `kasir keys platform`, as a
// merchant would.
func platformPublicKey(t *testing.T, db string) *rsa.PublicKey {
	t.Helper()
	code, pubPEM, errOut := runCLI(t, db, "keys", "platform")
	if code != 0 {
		t.Fatalf("keys platform: exit %d: %s", code, errOut)
	}
	k, err := client.ParsePublicKey([]byte(pubPEM))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestMain removes the binary kasirBinary built, once every test is done.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
