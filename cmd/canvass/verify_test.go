package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/server"
	"github.com/canvass/canvass/verify/verifytest"
)

// TestEvidenceExportAndVerify exports a published election with the
// command and verifies it as a directory, a .tar.gz and over HTTP; a
// flipped byte makes verify exit 1 naming the files claim.
func TestEvidenceExportAndVerify(t *testing.T) {
	x := verifytest.New(t)
	x.PublishMinneapolis()
	pkg := filepath.Join(t.TempDir(), "evidence")
	code, stdout, stderr := runCLI(t, "evidence", "export", "--data", x.Dir, "--election", x.Election, "--out", pkg)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, pkg) {
		t.Errorf("export output %q", stdout)
	}
	if code, _, stderr := runCLI(t, "evidence", "export", "--data", x.Dir, "--election", x.Election, "--out", pkg); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Errorf("export over a package: exit %d: %s", code, stderr)
	}
	vkey := strings.TrimSpace(x.O.VKey())
	state := filepath.Join(t.TempDir(), "state")

	t.Run("directory", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "verify", pkg, "--vkey", vkey, "--state", state)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, stdout, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if !strings.Contains(lines[0], "verifier key from --vkey") {
			t.Errorf("trust root line %q", lines[0])
		}
		claims := 0
		for _, l := range lines[1:] {
			switch {
			case strings.HasPrefix(l, "ok "):
				claims++
			case strings.HasPrefix(l, "not checked 4 audit: no audit"):
			case strings.HasPrefix(l, "state "):
			default:
				t.Errorf("line %q", l)
			}
		}
		if claims < 6 {
			t.Errorf("%d ok lines:\n%s", claims, stdout)
		}
		if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), "clerk.example/office") {
			t.Errorf("state file: %v %q", err, b)
		}
	})

	t.Run("json", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "verify", "--json", pkg)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var out struct {
			OK     bool
			Report struct {
				TrustRoot string `json:"trust_root"`
				Claims    []struct {
					Claim  int
					Status string
				}
			}
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if !out.OK || !strings.HasPrefix(out.Report.TrustRoot, "package vkey") || len(out.Report.Claims) < 7 {
			t.Errorf("%+v", out)
		}
	})

	t.Run("tar.gz and HTTP", func(t *testing.T) {
		tgz := filepath.Join(t.TempDir(), "evidence.tar.gz")
		writeTarGz(t, pkg, tgz)
		if code, stdout, stderr := runCLI(t, "verify", tgz, "--vkey", vkey); code != 0 {
			t.Fatalf(".tar.gz: exit %d: %s %s", code, stdout, stderr)
		}
		srv := httptest.NewServer(http.FileServer(http.Dir(pkg)))
		defer srv.Close()
		code, stdout, stderr := runCLI(t, "verify", srv.URL, "--vkey", vkey)
		if code != 0 {
			t.Fatalf("URL: exit %d: %s %s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "the server does not list files") {
			t.Errorf("URL output:\n%s", stdout)
		}
	})

	t.Run("served by the office", func(t *testing.T) {
		srv := httptest.NewServer(server.New(x.O))
		defer srv.Close()
		base := srv.URL + "/public/elections/" + x.Election
		code, stdout, stderr := runCLI(t, "verify", base+"/evidence/", "--vkey", vkey)
		if code != 0 {
			t.Fatalf("evidence/: exit %d: %s %s", code, stdout, stderr)
		}
		code, stdout, stderr = runCLI(t, "verify", base+"/evidence.tar.gz", "--vkey", vkey)
		if code != 0 || !strings.Contains(stdout, "files present, each committed") {
			t.Fatalf(".tar.gz: exit %d: %s %s", code, stdout, stderr)
		}
		resp, err := http.Get(srv.URL + "/public/elections/nosuch/evidence/evidence.json")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown election: HTTP %d", resp.StatusCode)
		}
	})

	t.Run("tampered", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad")
		os.CopyFS(bad, os.DirFS(pkg))
		ents, _ := os.ReadDir(filepath.Join(bad, "files", "sha256"))
		p := filepath.Join(bad, "files", "sha256", ents[0].Name())
		os.Chmod(p, 0o644)
		b, _ := os.ReadFile(p)
		b[0] ^= 0x20
		os.WriteFile(p, b, 0o644)
		code, stdout, stderr := runCLI(t, "verify", bad, "--vkey", vkey, "--state", state)
		if code != 1 || !strings.Contains(stdout, "FAIL        2 files:") || !strings.Contains(stderr, "verification failed") {
			t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
		}
	})

	t.Run("usage", func(t *testing.T) {
		if code, _, _ := runCLI(t, "verify"); code != 2 {
			t.Errorf("no package: exit %d", code)
		}
		if code, _, _ := runCLI(t, "verify", pkg, "--results", pkg); code != 2 {
			t.Errorf("package and --results: exit %d", code)
		}
		if code, _, stderr := runCLI(t, "verify", t.TempDir()); code != 1 || !strings.Contains(stderr, "not an evidence package") {
			t.Errorf("empty directory: exit %d %s", code, stderr)
		}
	})
}

func writeTarGz(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: "evidence/" + p, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	f.Close()
}

// TestVerifyResults re-tabulates a 'canvass tabulate --out' directory from
// its manifest, and catches an edited report.
func TestVerifyResults(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "cvr.csv")
	os.WriteFile(csv, []byte(pluralityCSV), 0o644)
	for _, tc := range []struct {
		name, report string
		args, inputs []string
	}{
		{"rctab", "summary_report.csv", []string{"--rctab-config", filepath.Join(fixtures, "precinct_example", "precinct_example_config.json")},
			[]string{"--inputs", filepath.Join(fixtures, "precinct_example")}},
		{"direct", "results.txt", []string{"--format", "dominion-csv"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results")
			args := append(append([]string{"tabulate"}, tc.args...), "--out", out)
			if tc.name == "direct" {
				args = append(args, csv)
			}
			if code, _, stderr := runCLI(t, args...); code != 0 {
				t.Fatalf("tabulate: %s", stderr)
			}
			code, stdout, stderr := runCLI(t, append([]string{"verify", "--results", out}, tc.inputs...)...)
			if code != 0 || strings.Count(stdout, "ok ") != 2 {
				t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
			}
			// Edit a report and fix its hash in the manifest: the outputs
			// check passes, the re-tabulation does not.
			p := filepath.Join(out, tc.report)
			os.Chmod(p, 0o644)
			b, _ := os.ReadFile(p)
			i := strings.IndexAny(string(b), "123456789")
			b[i]++
			os.WriteFile(p, b, 0o644)
			code, stdout, _ = runCLI(t, append([]string{"verify", "--results", out}, tc.inputs...)...)
			if code != 1 || !strings.Contains(stdout, "FAIL") || !strings.Contains(stdout, tc.report) {
				t.Fatalf("edited report: exit %d:\n%s", code, stdout)
			}
		})
	}
}
