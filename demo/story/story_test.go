package story

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRefusesNonEmptyDir: the story never writes into a directory
// that holds something, and says what it holds. (The story itself runs
// in cmd/canvass's TestDemo, once, as CI runs it.)
func TestRunRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Options{Dir: dir})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "precious.txt") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Run on a non-empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, DataDir)); !os.IsNotExist(err) {
		t.Errorf("Run wrote %s into a refused directory", DataDir)
	}
	// A file where the directory should be is refused too.
	if _, err := Run(context.Background(), Options{Dir: filepath.Join(dir, "precious.txt")}); err == nil {
		t.Error("Run accepted a file as its directory")
	}
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Error("Run accepted no directory")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 80101: "80,101", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
