package sqlite_test

import (
	"testing"

	"github.com/kasir-gateway/kasir/store/storetest"
)

// The store benchmarks (storetest.BenchPostEntry, BenchClaimOutbox) on SQLite.

func sqliteStore(tb testing.TB) storetest.Store { return storetest.NewSQLite(tb) }

func BenchmarkPostEntry(b *testing.B)   { storetest.BenchPostEntry(b, sqliteStore) }
func BenchmarkClaimOutbox(b *testing.B) { storetest.BenchClaimOutbox(b, sqliteStore) }
