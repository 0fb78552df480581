package witness

import (
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/canvass/canvass/internal/durable"
	"io"
	"io/fs"
	"os"
	"runtime"
)

// maxKeyFileBytes bounds how much of a key file is read; a key is one
// short line.
const maxKeyFileBytes = 4 << 10

// LoadKeyFile reads a witness private key written by [CreateKeyFile]. It
// refuses files that other users could read or write, because anyone who
// can read the key can cosign forks in this witness's name.
func LoadKeyFile(path string) (*Cosigner, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening witness key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("witness key %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("witness key %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("witness key %s has mode %04o, so other users can read or change it; run chmod 600 %s, and make a new key if others may have copied it", path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading witness key %s: %w", path, err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, fmt.Errorf("witness key %s is larger than %d bytes; it is not a key file", path, maxKeyFileBytes)
	}
	c, err := NewCosignerFromKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("witness key %s: %w", path, err)
	}
	return c, nil
}

// CreateKeyFile generates a witness key named name and writes it to path
// with mode 0600. It never overwrites an existing file, and a crash leaves
// either no key file or a complete one: the key is written and synced to a
// temporary file that is then hard-linked into place. It returns the
// witness's verifier key.
func CreateKeyFile(path, name string) (vkey string, err error) {
	skey, vkey, err := GenerateKey(rand.Reader, name)
	if err != nil {
		return "", err
	}
	err = durable.Create(path, 0o600, func(w io.Writer) error {
		_, err := io.WriteString(w, skey+"\n")
		return err
	})
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s already exists; refusing to overwrite a key (move it away first if you really mean to replace it)", path)
	}
	if err != nil {
		return "", fmt.Errorf("writing key file: %w", err)
	}
	return vkey, nil
}
