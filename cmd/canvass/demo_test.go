package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/evidence"
)

// TestDemo runs the whole story once, as CI does, and checks what it
// promises: RCTab's count, the audit confirmed with no discrepancy,
// every claim of canvass verify holding, the --keep layout, and that
// canvass verify passes the kept package and fails a tampered copy.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo counts and audits 80,101 ballots")
	}
	dir := filepath.Join(t.TempDir(), "keep")
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, stderr := runCLI(t, "demo", "--keep", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"Winner(s): BETSY HODGES", "80,101 ballots", "33 rounds", "Identical to RCTab's published report",
		"RAIRE assertions", "discrepancies o1 0, o2 0, u1 0, u2 0, not found 0", ": confirmed; the audited winner is BETSY HODGES",
		"cosigned by w1, w2 (package policy, quorum met)", "approved by software-install request",
		"Kept: the office's data directory in " + filepath.Join(dir, "data"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "PROBLEM") {
		t.Errorf("demo reports a problem:\n%s", stdout)
	}
	// canvass verify's claim lines: 0 to 6, each ok (the audit claim may
	// not be checked yet), none FAIL.
	claims := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(ok|FAIL|not checked) +(\d) `).FindAllStringSubmatch(stdout, -1) {
		if claims[m[2]] != "FAIL" {
			claims[m[2]] = m[1]
		}
	}
	for _, n := range []string{"0", "1", "2", "3", "4", "5", "6"} {
		if st := claims[n]; st != "ok" && !(n == "4" && st == "not checked") {
			t.Errorf("verify claim %s is %q, want ok:\n%s", n, st, stdout)
		}
	}
	if err := evidence.Check(os.DirFS(out)); err != nil {
		t.Errorf("--out: %v", err)
	}

	// The layout --keep promises.
	for _, p := range []string{"data/office.db", "data/log/checkpoint", "data/files/sha256", "data/keys",
		"evidence/evidence.json", "evidence/log/checkpoint", "evidence/vkey", "evidence/policy", "evidence/files/sha256"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("--keep layout: %v", err)
		}
	}
	pkg := filepath.Join(dir, "evidence")
	blobs, err := os.ReadDir(filepath.Join(pkg, "files", "sha256"))
	if err != nil || len(blobs) < 3 {
		t.Fatalf("evidence files: %d, %v", len(blobs), err)
	}
	for _, b := range blobs {
		data, err := os.ReadFile(filepath.Join(pkg, "files", "sha256", b.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != b.Name() {
			t.Fatalf("files/sha256/%s holds content with another SHA-256", b.Name())
		}
	}

	if code, stdout, stderr := runCLI(t, "verify", pkg); code != 0 {
		t.Fatalf("canvass verify on the kept package: exit %d: %s\n%s", code, stderr, stdout)
	}
	// A byte flipped in a committed file, and a claim edited in
	// evidence.json: each copy fails.
	tampered := map[string]func(dir string){
		"byte flipped in files/sha256": func(d string) {
			p := filepath.Join(d, "files", "sha256", blobs[len(blobs)/2].Name())
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0x01
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"winner edited in evidence.json": func(d string) {
			p := filepath.Join(d, "evidence.json")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			edited := bytes.Replace(data, []byte(`"BETSY HODGES"`), []byte(`"MARK ANDREW"`), 1)
			if bytes.Equal(edited, data) {
				t.Fatal("evidence.json does not name the winner")
			}
			if err := os.WriteFile(p, edited, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, name := range slices.Sorted(maps.Keys(tampered)) {
		cp := filepath.Join(t.TempDir(), "evidence")
		copyTree(t, pkg, cp)
		tampered[name](cp)
		code, stdout, _ := runCLI(t, "verify", cp)
		if code != 1 || !strings.Contains(stdout, "FAIL") {
			t.Errorf("%s: canvass verify exit %d, want 1 with a FAIL claim:\n%s", name, code, stdout)
		}
	}

	// --keep never writes over a directory that holds something.
	code, _, stderr = runCLI(t, "demo", "--keep", dir)
	if code != 1 || !strings.Contains(stderr, dir+" is not empty") {
		t.Errorf("demo --keep on a non-empty directory: exit %d, %q; want 1 naming it", code, stderr)
	}
}

// TestDemoUsage: wrong arguments are usage errors (exit 2), before any
// work.
func TestDemoUsage(t *testing.T) {
	for _, args := range [][]string{{"demo", "extra"}, {"demo", "--serve", "--keep", "x"}, {"demo", "--keep"}, {"demo", "--no-such-flag"}} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// copyTree copies the directory from to the new directory to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
