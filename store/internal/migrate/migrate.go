// Package migrate applies numbered SQL migrations (migrations/0001_init.sql,
// 0002_....sql, ...) embedded in a store backend, recording the schema
// version in a schema_version table. The SQL differs by backend; the
// bookkeeping does not.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Run brings the schema in tx up to the newest migration in fsys (files
// "migrations/NNNN_name.sql"). The caller commits tx, so a failed migration
// leaves the previous version. param is the backend's first placeholder
// ("?" or "$1").
func Run(ctx context.Context, tx *sql.Tx, fsys fs.FS, param string) error {
	files, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	type mig struct {
		n    int
		name string
	}
	var migs []mig
	for _, f := range files {
		base := path.Base(f)
		num, _, ok := strings.Cut(base, "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n <= 0 {
			return fmt.Errorf("migration %s: name must start with a positive number and '_'", f)
		}
		migs = append(migs, mig{n, f})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].n < migs[j].n })
	for i, m := range migs {
		if m.n != i+1 {
			return fmt.Errorf("migration %s: expected number %d; migrations are numbered from 1 without gaps", m.name, i+1)
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); err != nil {
		return fmt.Errorf("creating schema_version: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&have); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if have > len(migs) {
		return fmt.Errorf("schema version %d is newer than this canvass understands (%d); upgrade canvass", have, len(migs))
	}
	for _, m := range migs[have:] {
		sqlText, err := fs.ReadFile(fsys, m.name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(sqlText)); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES ("+param+")", m.n); err != nil {
			return fmt.Errorf("migration %s: recording version: %w", m.name, err)
		}
	}
	return nil
}
