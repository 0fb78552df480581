package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// LoadOrCreateSealKey reads the seal key from path (a file holding exactly
// SealKeySize bytes), creating it with a new random key and mode 0600 if it
// does not exist. It refuses a key file that group or others may read or
// write, so a key left readable is noticed rather than used. The directory
// (DIR/keys/) must exist; the office creates it with mode 0700.
func LoadOrCreateSealKey(path string) ([]byte, error) {
	key, err := loadSealKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = NewSealKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first; use theirs.
		return loadSealKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: creating seal key: %w", err)
	}
	_, werr := f.Write(key)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("auth: writing seal key %s: %w", path, err)
	}
	return key, nil
}

func loadSealKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("auth: seal key %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth: seal key %s has mode %v; run chmod 600 %s (and check who may have read it)", path, fi.Mode().Perm(), path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: reading seal key: %w", err)
	}
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("auth: seal key %s is %d bytes, want %d", path, len(key), SealKeySize)
	}
	return key, nil
}
