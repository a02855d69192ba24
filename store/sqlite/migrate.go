package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
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
// schema_migrations, in version order, each in its own transaction. Each
// transaction begins with BEGIN IMMEDIATE, taking the database's write lock,
// so processes that migrate at once apply each migration once. Migrating an
// up-to-date database does nothing.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(q queries) error {
			_, err := q.db.ExecContext(ctx, `
				CREATE TABLE IF NOT EXISTS schema_migrations (
					version     INTEGER PRIMARY KEY,
					applied_at  INTEGER NOT NULL
				) STRICT`)
			if err != nil {
				return translate("create schema_migrations", err)
			}
			var applied bool
			err = q.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)`, m.version).
				Scan(&applied)
			if err != nil || applied {
				return translate("read schema_migrations", err)
			}
			if _, err := q.db.ExecContext(ctx, m.sql); err != nil {
				return translate("apply", err)
			}
			_, err = q.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)`,
				m.version, time.Now().UnixMilli())
			return translate("record", err)
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// loadMigrations reads the embedded migrations, sorted by version.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	var ms []migration
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(digits)
		if err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: name must start with a version number", name)
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlite: migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}
