package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/client"
)

// storedAPIKeys returns the sealed apiKeys as the database holds them.
func storedAPIKeys(t *testing.T, db string) string {
	t.Helper()
	if !isPostgres(db) {
		var all []byte
		for _, f := range []string{db, db + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return string(all)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT sealed FROM api_keys")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(sealed, "\n")
}

// TestAPIKeyLifecycle issues a dialect B apiKey with the merchant, encrypted
// at rest under the master key, rotates it with a grace period, and calls
// dialect B with both keys.
func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		master := filepath.Join(t.TempDir(), "master.key")
		if err := os.WriteFile(master, []byte("correct horse battery staple\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI(t, db, "merchant", "create", "--name", "Bodega Lima", "--master-key-file", master, "--json")
		if code != 0 {
			t.Fatalf("merchant create: exit %d: %s", code, errOut)
		}
		var created struct {
			AppID      string
			MerchantNo int64
			APIKey     string
		}
		if err := json.Unmarshal([]byte(out), &created); err != nil || created.MerchantNo < 100001 || len(created.APIKey) != 32 {
			t.Fatalf("merchant create --json printed %q (%v): want merchantNo and apiKey", out, err)
		}
		if stored := storedAPIKeys(t, db); strings.Contains(stored, created.APIKey) {
			t.Fatal("the apiKey is stored in plain text although a master key is set")
		}

		code, out, errOut = runCLI(t, db, "merchant", "apikey", "rotate", "--app", created.AppID, "--grace", "1h", "--master-key-file", master, "--json")
		if code != 0 {
			t.Fatalf("apikey rotate: exit %d: %s", code, errOut)
		}
		var rotated struct {
			MerchantNo int64
			APIKey     string
		}
		if err := json.Unmarshal([]byte(out), &rotated); err != nil || rotated.MerchantNo != created.MerchantNo || rotated.APIKey == created.APIKey || len(rotated.APIKey) != 32 {
			t.Fatalf("apikey rotate --json printed %q (%v): want the same merchantNo and a new key", out, err)
		}

		s := startServer(t, db, func(c *Config) { c.MasterKeyFile = master; c.MasterKey = "correct horse battery staple" })
		defer closeServer(t, s)
		ctx := context.Background()
		for name, key := range map[string]string{"old key in grace": created.APIKey, "new key": rotated.APIKey} {
			if _, err := client.NewB("http://"+s.Addr(), created.MerchantNo, key).GetBalance(ctx); err != nil {
				t.Errorf("%s: getBalance: %v", name, err)
			}
		}
		_, err := client.NewB("http://"+s.Addr(), created.MerchantNo, "0123456789abcdef0123456789abcdef").GetBalance(ctx)
		if client.BErrorMsg(err) != "Sign_verify_error" {
			t.Fatalf("a wrong apiKey: %v, want Sign_verify_error", err)
		}

		// Without the master key the stored keys cannot be read: the operator
		// is told, and no key is stored in plain text beside them.
		code, _, errOut = runCLI(t, db, "merchant", "apikey", "rotate", "--app", created.AppID, "--grace", "0s")
		if code == 0 || !strings.Contains(errOut, "master key") {
			t.Fatalf("rotation without the master key: exit %d, %q; want a refusal naming the master key", code, errOut)
		}
		if stored := storedAPIKeys(t, db); strings.Contains(stored, "plain:") {
			t.Fatal("a refused rotation stored a plain key")
		}
	})
}
