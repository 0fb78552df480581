//go:build !js

package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/canvass/canvass/internal/durable"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// CreateKeyFile generates an Ed25519 note signing key named origin and
// writes it to keyPath, which must not exist, with mode 0600. It refuses a
// keyPath inside logDir, which is published. It returns the verifier key.
func CreateKeyFile(keyPath, origin, logDir string) (vkey string, err error) {
	if !validKeyName(origin) {
		return "", fmt.Errorf("origin %q is not a valid key name: it must be non-empty UTF-8 with no spaces, no '+' and no control characters, e.g. \"county.example/2026-general\"", origin)
	}
	if err := checkOutside(keyPath, logDir); err != nil {
		return "", err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", err
	}
	// Write-temp-then-link: the key never overwrites another, and a crash
	// never leaves a short key file under the real name.
	err = durable.Create(keyPath, 0o600, func(w io.Writer) error {
		_, err := io.WriteString(w, skey+"\n")
		return err
	})
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("key file %s already exists; refusing to overwrite a signing key (choose another --key-file)", keyPath)
	}
	if err != nil {
		return "", fmt.Errorf("writing key file %s: %w", keyPath, err)
	}
	return vkey, nil
}

// ReadKeyFile reads a signing key written by CreateKeyFile. It refuses a
// file that others can read or write (mode looser than 0600) and a file
// inside logDir. The key itself never appears in errors.
func ReadKeyFile(keyPath, logDir string) (skey string, err error) {
	fi, err := os.Stat(keyPath)
	if err != nil {
		return "", fmt.Errorf("reading key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("key file %s is not a regular file", keyPath)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("key file %s has mode %04o; a signing key must be readable only by its owner: run chmod 600 %s", keyPath, perm, keyPath)
	}
	if err := checkOutside(keyPath, logDir); err != nil {
		return "", err
	}
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return "", fmt.Errorf("reading key file: %w", err)
	}
	skey = strings.TrimSuffix(string(b), "\n")
	if _, err := note.NewSigner(skey); err != nil {
		return "", fmt.Errorf("key file %s does not hold a note signing key (PRIVATE+KEY+<name>+<hash>+<key>)", keyPath)
	}
	return skey, nil
}

// checkOutside refuses a key path inside the (published) log directory,
// resolving symbolic links so that a link cannot smuggle it in.
func checkOutside(keyPath, logDir string) error {
	if logDir == "" {
		return nil
	}
	key, err := resolve(keyPath)
	if err != nil {
		return err
	}
	dir, err := resolve(logDir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, key)
	if err != nil {
		return nil // different volumes: certainly outside
	}
	if rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("key file %s is inside the log directory %s, which is published; keep the signing key elsewhere", keyPath, logDir)
	}
	return nil
}

// resolve makes path absolute with symbolic links in its existing prefix
// resolved.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var tail []string
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, tail...)...), nil
		}
		if filepath.Dir(p) == p {
			return abs, nil
		}
		tail = append([]string{filepath.Base(p)}, tail...)
	}
}
