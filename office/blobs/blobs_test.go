package blobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPutHashesAndDeduplicates(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := "precinct,choice\n1,A\n"
	sum := sha256.Sum256([]byte(content))
	ref, err := s.Put(strings.NewReader(content), 100)
	if err != nil {
		t.Fatal(err)
	}
	if ref.SHA256 != hex.EncodeToString(sum[:]) || ref.Size != int64(len(content)) {
		t.Fatalf("ref %+v", ref)
	}
	again, err := s.PutBytes([]byte(content))
	if err != nil || again != ref {
		t.Fatalf("second put: %+v %v", again, err)
	}
	b, err := s.ReadAll(ref.SHA256)
	if err != nil || string(b) != content {
		t.Fatalf("read back %q %v", b, err)
	}
}

func TestPutRefusesOversizeAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(strings.NewReader("12345"), 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if _, err := s.Put(strings.NewReader("1234"), 4); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	for _, sub := range []string{"tmp"} {
		ents, _ := os.ReadDir(dir + "/" + sub)
		if len(ents) != 0 {
			t.Errorf("%s holds %d leftover files", sub, len(ents))
		}
	}
	ents, _ := os.ReadDir(dir + "/sha256")
	if len(ents) != 1 {
		t.Errorf("sha256/ holds %d files, want 1", len(ents))
	}
}

func TestOpenRefusesNonHashes(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, h := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63)} {
		if _, err := s.Open(h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v", h, err)
		}
	}
}
