package witness_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
)

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "witness.key")
	vkey, err := witness.CreateKeyFile(path, "witness.example/county")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	c, err := witness.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.VerifierKey() != vkey || c.Name() != "witness.example/county" {
		t.Fatalf("loaded %s, want %s", c.VerifierKey(), vkey)
	}
	if _, err := witness.CreateKeyFile(path, "witness.example/county"); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second create: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	tests := []struct {
		name   string
		setup  func(p string) error
		errHas string
	}{
		{"group readable", func(p string) error { return os.Chmod(p, 0o640) }, "chmod 600"},
		{"world readable", func(p string) error { return os.Chmod(p, 0o604) }, "mode 0604"},
		{"corrupt", func(p string) error { return os.WriteFile(p, []byte("PRIVATE+KEY+x+00000000+AAAA\n"), 0o600) }, "seed"},
		{"huge", func(p string) error { return os.WriteFile(p, make([]byte, 10000), 0o600) }, "larger than"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o700) }, "not a regular file"},
		{"missing", func(p string) error { return nil }, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k")
			if tc.name == "group readable" || tc.name == "world readable" {
				if _, err := witness.CreateKeyFile(p, "w.example"); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.setup(p); err != nil {
				t.Fatal(err)
			}
			_, err := witness.LoadKeyFile(p)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
			if strings.Contains(err.Error(), "PRIVATE") {
				t.Fatal("error echoes key material")
			}
		})
	}
	if _, err := witness.CreateKeyFile(filepath.Join(dir, "bad"), "bad name"); err == nil {
		t.Fatal("created a key with an invalid name")
	}
}
