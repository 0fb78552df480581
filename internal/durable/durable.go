// Package durable writes files so that a crash at any instant leaves either
// the old state or the complete new file, never a torn one: the data goes
// to a temporary file in the destination's folder, is synced, and is then
// moved into place in one step, after which the folder is synced too.
//
// Replace moves with rename, replacing what was there. Create moves with a
// hard link, which fails if the name exists: a new file (a signing key)
// can never overwrite an old one, even when two processes race, and the
// name never points at a partly written file. O_EXCL on the final name
// would also refuse to overwrite, but a crash while writing would leave a
// short file under the real name, which is why Create does not use it.
package durable

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data (see Replace).
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Replace(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Replace writes path with what fill writes, replacing any file there
// only once fill succeeded and the data is on disk. On error path is
// unchanged and nothing is left behind.
func Replace(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	tmp, err := writeTemp(path, perm, fill)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// Create writes a new file path with what fill writes. If path exists,
// already or by the time the file is complete, it returns an error
// wrapping fs.ErrExist and path is untouched.
func Create(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	if _, err := os.Lstat(path); err == nil {
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := writeTemp(path, perm, fill)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// writeTemp writes a synced temporary file beside path with mode perm.
func writeTemp(path string, perm fs.FileMode, fill func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return name, nil
}

// SyncDir syncs the folder dir, so that names just created, renamed or
// removed in it survive a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
