package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// Migrate applies every embedded migration not yet recorded in
// schema_migrations, in version order, each in its own transaction. A
// transaction-scoped advisory lock, keyed on the current schema, makes
// processes that migrate at once wait for each other, so each migration is
// applied once. Migrating an up-to-date database does nothing.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(q queries) error {
			if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kasir.migrate:' || coalesce(current_schema(), '')))`); err != nil {
				return translate("lock", err)
			}
			_, err := q.db.Exec(ctx, `
				CREATE TABLE IF NOT EXISTS schema_migrations (
					version     INTEGER PRIMARY KEY,
					applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
				)`)
			if err != nil {
				return translate("create schema_migrations", err)
			}
			var applied bool
			err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).
				Scan(&applied)
			if err != nil || applied {
				return translate("read schema_migrations", err)
			}
			// Without arguments pgx uses the simple protocol, which runs a
			// file of several statements.
			if _, err := q.db.Exec(ctx, m.sql); err != nil {
				return translate("apply", err)
			}
			_, err = q.db.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.version)
			return translate("record", err)
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// loadMigrations reads the embedded migrations, sorted by version.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	var ms []migration
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(digits)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a version number", name)
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}
