package rctab

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const rulesRoot = "../testdata/rctab-rules"

// TestRules runs every hand-made case of testdata/rctab-rules, one folder
// per RCTab rule of the source notes: config.json and its CVR file, and
// either expected_error.txt (text the error must contain) or expected/,
// output files compared with RCTab's comparison rules, as the fixture test
// does. Each folder's README says how every expected value was derived.
func TestRules(t *testing.T) {
	entries, err := os.ReadDir(rulesRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(rulesRoot, e.Name())
			out, err := Run(nil, filepath.Join(dir, "config.json"), Options{Version: "test"})
			if want, rerr := os.ReadFile(filepath.Join(dir, "expected_error.txt")); rerr == nil {
				w := strings.TrimSpace(string(want))
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("error %v, want one containing %q", err, w)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			expDir := filepath.Join(dir, "expected")
			n := 0
			err = filepath.WalkDir(expDir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(expDir, p)
				key := filepath.ToSlash(rel)
				want, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				got, ok := out.Files[key]
				if !ok {
					t.Errorf("no output %q (have %s)", key, strings.Join(keys(out.Files), ", "))
					return nil
				}
				n++
				if strings.HasSuffix(key, ".json") {
					compareJSON(t, key, want, got)
				} else {
					compareCSV(t, key, want, got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no expected files")
			}
		})
	}
}
