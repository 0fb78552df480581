package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/canvass/canvass/store"
)

// Rebuild recreates the projection of the store at url ("canvass rebuild
// --db postgres://..."). build fills a new, empty store in a fresh
// staging schema of the same database (the office applies the whole log
// to it). Then one transaction copies the target's records and applied
// count into a backup schema, truncates them, copies the rebuilt ones in
// and ends every session; the staging schema is dropped. Either all of
// that commits or none of it does, so a failure leaves the target as it
// was. Secrets (credentials) stay in place: they are not in the log.
// Rebuild returns the name of the backup schema. Stop "canvass serve"
// first: the swap waits for its locks on the target's tables.
func Rebuild(ctx context.Context, url string, build func(ctx context.Context, fresh store.Store) error) (backup string, err error) {
	target, err := Open(ctx, url)
	if err != nil {
		return "", err
	}
	defer target.Close()
	var schema string
	if err := target.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("store/postgres: rebuild: %w", err)
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	stamp := time.Now().UTC().Format("20060102t150405z") + "_" + hex.EncodeToString(rnd[:])
	staging, backup := schemaName(schema, "_rebuild_"+stamp), schemaName(schema, "_before_rebuild_"+stamp)
	if _, err := target.db.ExecContext(ctx, "CREATE SCHEMA "+ident(staging)); err != nil {
		return "", fmt.Errorf("store/postgres: rebuild: creating the staging schema %s: %w", staging, err)
	}
	defer func() {
		if _, derr := target.db.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+ident(staging)+" CASCADE"); derr != nil && err == nil {
			err = fmt.Errorf("store/postgres: rebuild: dropping the staging schema %s: %w", staging, derr)
		}
	}()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("store/postgres: %w", err)
	}
	cfg.RuntimeParams["search_path"] = staging
	fresh := &Store{db: stdlib.OpenDB(*cfg)}
	if err := fresh.init(ctx); err != nil {
		fresh.Close()
		return "", fmt.Errorf("store/postgres: rebuild: %w", err)
	}
	err = build(ctx, fresh)
	if cerr := fresh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := swap(ctx, target.db, schema, staging, backup); err != nil {
		return "", fmt.Errorf("store/postgres: rebuild: replacing the projection in schema %s: %w (nothing was changed)", schema, err)
	}
	return backup, nil
}

// swap replaces the projection in schema by the one in staging, keeping
// the old one in a new schema backup, in one transaction.
func swap(ctx context.Context, db *sql.DB, schema, staging, backup string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t, s, b := ident(schema), ident(staging), ident(backup)
	for _, q := range []string{
		"LOCK TABLE " + t + ".records, " + t + ".applied, " + t + ".sessions IN ACCESS EXCLUSIVE MODE",
		"CREATE SCHEMA " + b,
		"CREATE TABLE " + b + ".records AS TABLE " + t + ".records",
		"CREATE TABLE " + b + ".applied AS TABLE " + t + ".applied",
		"TRUNCATE " + t + ".records",
		"INSERT INTO " + t + ".records (kind, id, parent, data) SELECT kind, id, parent, data FROM " + s + ".records",
		"UPDATE " + t + ".applied SET n = (SELECT n FROM " + s + ".applied WHERE one = 1) WHERE one = 1",
		// Sessions were opened against the old projection: everyone signs
		// in again, as after a SQLite rebuild.
		"DELETE FROM " + t + ".sessions",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// schemaName is base+suffix within PostgreSQL's 63-byte identifiers.
func schemaName(base, suffix string) string {
	if len(base)+len(suffix) > 63 {
		base = base[:63-len(suffix)]
	}
	return base + suffix
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }
