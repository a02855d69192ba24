package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/store/sqlite"
	"github.com/kasir-gateway/kasir/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Store { return storetest.NewSQLite(t) })
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	s := storetest.NewSQLite(t) // migrated once already
	for range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
}

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestTwoProcesses opens one file twice, as two processes would: they
// migrate at once, then both write, each waiting for the other's lock.
func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kasir.db")
	stores := []*sqlite.Store{open(t, path), open(t, path)}
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			if err := s.Migrate(t.Context()); err != nil {
				t.Errorf("Migrate: %v", err)
			}
		})
	}
	wg.Wait()
	const perStore = 25
	for i, s := range stores {
		wg.Go(func() {
			for j := range perStore {
				e := ledger.Entry{ID: fmt.Sprintf("F%d-%d", i, j), Kind: "funding", Ref: "m1", At: time.Now(),
					Postings: []ledger.Posting{
						{Account: ledger.PlatformFunding("PHP"), Currency: "PHP", Amount: -10},
						{Account: ledger.MerchantAvailable("m1", "PHP"), Currency: "PHP", Amount: 10},
					}}
				if err := s.InTx(t.Context(), func(tx gateway.Tx) error { return tx.PostEntry(t.Context(), e) }); err != nil {
					t.Errorf("store %d, entry %d: %v", i, j, err)
				}
			}
		})
	}
	wg.Wait()
	b, err := stores[1].AccountBalance(t.Context(), ledger.MerchantAvailable("m1", "PHP"))
	if err != nil || b != 2*perStore*10 {
		t.Errorf("balance %d, %v; want %d", b, err, 2*perStore*10)
	}
}

func TestOpenUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "no-such-dir", "kasir.db"))
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("Open in a missing directory: %v, want gateway.ErrUnavailable", err)
	}
	if _, err := sqlite.Open(ctx, ":memory:"); err == nil {
		t.Error("Open(:memory:) succeeded")
	}
}
