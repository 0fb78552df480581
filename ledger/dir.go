//go:build !js

package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// The POSIX directory driver: the log is a directory laid out exactly as
// tlog-tiles, which any static web server can publish, with its private
// state in DIR/.ledger. Nothing in .ledger is secret (the signing key never
// enters the log directory) and nothing in it is served: Handler serves
// only tlog-tiles paths.
const (
	stateDirName = ".ledger"
	lockFileName = "lock" // flock'd by the single writer
	tmpDirName   = "tmp"  // temporary files, renamed into place
)

// DirDriver stores a log in a directory. Writes go through temporary files
// in DIR/.ledger/tmp that are fsynced, renamed into place, and whose
// directories are fsynced, so a crash at any instant leaves every file old
// or new and never torn. The writer lock is an flock on DIR/.ledger/lock,
// released by the kernel when the process dies.
type DirDriver struct {
	dir string
	mu  sync.Mutex // guards w: a durableWriter stages one group at a time
	w   *durableWriter
}

// NewDirDriver returns the driver for the log in dir.
func NewDirDriver(dir string) *DirDriver {
	return &DirDriver{dir: dir}
}

// String returns the directory, for messages.
func (d *DirDriver) String() string { return d.dir }

func (d *DirDriver) stateDir() string { return filepath.Join(d.dir, stateDirName) }

// Fetch implements Fetcher.
func (d *DirDriver) Fetch(ctx context.Context, p string) ([]byte, error) {
	return DirFetcher(d.dir).Fetch(ctx, p)
}

// Init implements Driver: it creates the directory (which must not exist
// or be empty) and its private state directory, durably.
func (d *DirDriver) Init(ctx context.Context) error {
	if ents, err := os.ReadDir(d.dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty; choose a new directory for the log", d.dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(d.stateDir(), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(d.stateDir(), tmpDirName), 0o700); err != nil {
		return err
	}
	for _, dir := range []string{filepath.Dir(filepath.Clean(d.dir)), d.dir, d.stateDir()} {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// Lock implements Driver. Temporary files a crash left behind are deleted
// under the lock: nothing refers to them.
func (d *DirDriver) Lock(ctx context.Context) (func() error, error) {
	if fi, err := os.Stat(d.stateDir()); err != nil || !fi.IsDir() {
		return nil, d.notALog()
	}
	lock, err := lockDir(ctx, filepath.Join(d.stateDir(), lockFileName))
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(d.stateDir(), tmpDirName)
	if ents, err := os.ReadDir(tmp); err == nil {
		for _, e := range ents {
			os.Remove(filepath.Join(tmp, e.Name()))
		}
	} else if err := os.Mkdir(tmp, 0o700); err != nil {
		lock.Close()
		return nil, err
	}
	return lock.Close, nil
}

func (d *DirDriver) notALog() error {
	return fmt.Errorf("%s is not a canvass log directory (no %s); create one with 'canvass log init': %w", d.dir, stateDirName, fs.ErrNotExist)
}

// ReadState implements Driver.
func (d *DirDriver) ReadState(_ context.Context, name string) ([]byte, error) {
	if fi, err := os.Stat(d.stateDir()); err != nil || !fi.IsDir() {
		return nil, d.notALog()
	}
	return os.ReadFile(filepath.Join(d.stateDir(), name))
}

// Write implements Driver: the files are fsynced in parallel (which lets
// the device merge the flushes), renamed into place, and every directory
// that changed is fsynced.
func (d *DirDriver) Write(ctx context.Context, files []File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.w == nil {
		d.w = newDurableWriter(d.dir, filepath.Join(d.stateDir(), tmpDirName))
	}
	for _, f := range files {
		rel := f.Path
		if f.State {
			rel = stateDirName + "/" + f.Path
		} else if _, err := ParseResourcePath(f.Path); err != nil {
			d.w.abort()
			return err
		}
		if err := d.w.write(rel, f.Data); err != nil {
			d.w.abort()
			return err
		}
	}
	return d.w.commit()
}

// DeletePartials implements Driver.
func (d *DirDriver) DeletePartials(_ context.Context, fullPaths []string) error {
	var first error
	for _, p := range fullPaths {
		if _, err := ParseResourcePath(p); err != nil {
			return err
		}
		if err := os.RemoveAll(filepath.Join(d.dir, filepath.FromSlash(p)+".p")); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// OpenDir opens the log in dir with the signing key skey (as read by
// ReadKeyFile): Open with a DirDriver, for the command line.
func OpenDir(ctx context.Context, dir, skey string, opts Options) (*Log, error) {
	if _, err := signerVKey(skey); err != nil {
		return nil, fmt.Errorf("%w: the key file does not hold a note signing key", ErrWrongKey)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("%w: the key file does not hold a note signing key", ErrWrongKey)
	}
	return Open(ctx, NewDirDriver(dir), signer, opts)
}

// CreateDir initializes an empty log in dir (which must not exist or be
// empty) for the signing key skey: Create with a DirDriver. It returns the
// log's verifier key.
func CreateDir(dir, skey string, policy []byte) (vkey string, err error) {
	vkey, err = signerVKey(skey)
	if err != nil {
		return "", err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return "", errors.New("malformed signing key")
	}
	if err := Create(context.Background(), NewDirDriver(dir), signer, vkey, policy); err != nil {
		return "", err
	}
	return vkey, nil
}

// DirFetcher reads a log from a directory in the tlog-tiles layout.
type DirFetcher string

// Fetch reads the resource at the tlog-tiles path p under the directory.
func (d DirFetcher) Fetch(_ context.Context, p string) ([]byte, error) {
	if _, err := ParseResourcePath(p); err != nil {
		return nil, err
	}
	full := filepath.Join(string(d), filepath.FromSlash(p))
	f, err := os.Open(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxResourceSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(b) > maxResourceSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, maxResourceSize)
	}
	return b, nil
}
