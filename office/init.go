package office

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// CreateOptions configure Create.
type CreateOptions struct {
	// Origin names the office's log, e.g. "clerk.county.example/2026".
	Origin string
	// Admins are the first administrators' user names: at least two, so
	// that two-person control holds from the first day.
	Admins []string
	// Policy is optional C2SP tlog-policy text for the log's witnesses.
	Policy []byte
}

// Created is what Create reports.
type Created struct {
	Origin string `json:"origin"`
	VKey   string `json:"vkey"`
	// Enrollment holds each administrator's one-time enrollment code.
	// They are shown once and stored only as hashes.
	Enrollment map[string]string `json:"enrollment"`
}

// Create makes a new office in dir: the keys (DIR/keys, mode 0700, files
// 0600), the election log (DIR/log), the file store (DIR/files), the
// administrators pending enrollment in st, and the office-created event.
func Create(ctx context.Context, dir string, st store.Store, opts CreateOptions) (*Created, error) {
	if len(opts.Admins) < 2 {
		return nil, errors.New("an office needs at least two administrators (--admin NAME --admin NAME): two-person control starts on day one")
	}
	seen := map[string]bool{}
	for _, a := range opts.Admins {
		if !validUserName(a) {
			return nil, fmt.Errorf("administrator name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", a)
		}
		if seen[a] {
			return nil, fmt.Errorf("administrator %q is named twice; two-person control needs two different people", a)
		}
		seen[a] = true
	}
	for _, sub := range []string{keysDir, logDir, filesDir} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			return nil, fmt.Errorf("%s already holds an office (%s exists); choose a new --data directory", dir, sub)
		}
	}
	if n, err := st.Applied(ctx); err != nil {
		return nil, err
	} else if n != 0 {
		return nil, errors.New("the database is not empty; give init a new database")
	}
	if err := os.MkdirAll(filepath.Join(dir, keysDir), 0o700); err != nil {
		return nil, err
	}
	vkey, err := ledger.CreateKeyFile(filepath.Join(dir, keysDir, logKeyFile), opts.Origin, filepath.Join(dir, logDir))
	if err != nil {
		return nil, err
	}
	skey, err := ledger.ReadKeyFile(filepath.Join(dir, keysDir, logKeyFile), filepath.Join(dir, logDir))
	if err != nil {
		return nil, err
	}
	sealKey, err := auth.NewSealKey()
	if err != nil {
		return nil, err
	}
	if err := writeKey(filepath.Join(dir, keysDir, sealKeyFile), []byte(hex.EncodeToString(sealKey)+"\n")); err != nil {
		return nil, err
	}
	if _, err := ledger.CreateDir(filepath.Join(dir, logDir), skey, opts.Policy); err != nil {
		return nil, err
	}
	o, err := Open(ctx, dir, st, Options{})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	out := &Created{Origin: o.origin, VKey: vkey, Enrollment: map[string]string{}}
	for _, a := range opts.Admins {
		code, hash, err := auth.NewEnrollmentCode()
		if err != nil {
			return nil, err
		}
		if err := o.putSecret(ctx, a, &secret{CodeHash: hex.EncodeToString(hash[:])}); err != nil {
			return nil, err
		}
		out.Enrollment[a] = code
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_, err = o.commit(ctx, ledger.Event{Type: "office-created", Description: "office created by canvass init",
		Payload: map[string]any{"origin": o.origin, "admins": strsVal(opts.Admins), "jurisdiction": StateJurisdiction}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func writeKey(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Rebuild applies the whole log in dir to st, which must be empty: the
// database "canvass rebuild" recreates. Credentials are not in the log;
// the caller copies them from the old database or a backup.
func Rebuild(ctx context.Context, dir string, st store.Store) error {
	if n, err := st.Applied(ctx); err != nil {
		return err
	} else if n != 0 {
		return errors.New("rebuild needs an empty database")
	}
	o, err := Open(ctx, dir, st, Options{})
	if err != nil {
		return err
	}
	return o.Close()
}

// CopySecrets copies every credential from one store to another (rebuild
// keeps the credentials the old database held).
func CopySecrets(ctx context.Context, from, to store.Store) error {
	users, err := from.ListSecrets(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		b, err := from.Secret(ctx, u)
		if err != nil {
			return err
		}
		if err := to.PutSecret(ctx, u, b); err != nil {
			return err
		}
	}
	return nil
}
