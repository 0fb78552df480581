package verify_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
	"golang.org/x/mod/sumdb/note"
)

// copyDir copies a package (never linking: tampering must not reach the
// original).
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "pkg")
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// packageEntries reads a package's log entries.
func packageEntries(t *testing.T, pkg string) (*verify.Log, string) {
	t.Helper()
	vkey, err := os.ReadFile(filepath.Join(pkg, "vkey"))
	if err != nil {
		t.Fatal(err)
	}
	lg, err := verify.ReadLog(context.Background(), ledger.DirFetcher(filepath.Join(pkg, "log")), strings.TrimSpace(string(vkey)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return lg, strings.TrimSpace(string(vkey))
}

// relog plays the insider who holds the log's signing key: it replaces the
// package's log with a new one of the given entries, validly signed, and
// rewrites evidence.json to match it.
func relog(t *testing.T, x *verifytest.Office, pkg string, entries [][]byte) {
	t.Helper()
	ctx := context.Background()
	skey := x.LogKey()
	dir := filepath.Join(t.TempDir(), "log")
	if _, err := ledger.CreateDir(dir, skey, nil); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.OpenDir(ctx, dir, skey, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		if _, err := l.AppendEntries(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	l.Close()
	os.RemoveAll(filepath.Join(pkg, "log"))
	_, vkey := packageEntries(t, copyLog(t, dir, pkg))
	lg, err := verify.ReadLog(ctx, ledger.DirFetcher(filepath.Join(pkg, "log")), vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err := verify.Derive(lg.Checkpoint.Origin, lg.Entries, x.Election, func(sum string) ([]byte, error) {
		return os.ReadFile(filepath.Join(pkg, verify.FilePath(sum)))
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(ev, "", "  ")
	if err := os.WriteFile(filepath.Join(pkg, verify.EvidenceName), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyLog copies the tlog-tiles files of a log directory into pkg/log.
func copyLog(t *testing.T, dir, pkg string) string {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if d.Name() == ".ledger" {
				return fs.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(pkg, "log", rel)
		os.MkdirAll(filepath.Dir(out), 0o755)
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// editEntries rewrites every entry of type typ with edit (on the decoded
// JSON object) and returns the canonical entries.
func editEntries(t *testing.T, entries [][]byte, typ string, edit func(ev map[string]any)) [][]byte {
	t.Helper()
	out := make([][]byte, len(entries))
	n := 0
	for i, e := range entries {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			t.Fatal(err)
		}
		if m["Type"] == typ {
			edit(m)
			n++
			b, _ := json.Marshal(m)
			c, err := ledger.Canonicalize(b)
			if err != nil {
				t.Fatal(err)
			}
			e = c
		}
		out[i] = e
	}
	if n == 0 {
		t.Fatalf("no %s entry", typ)
	}
	return out
}

func claimOf(t *testing.T, rep *verify.Report, n int) verify.Claim {
	t.Helper()
	for _, c := range rep.Claims {
		if c.N == n && c.Status == verify.Fail {
			return c
		}
	}
	t.Fatalf("claim %d did not fail", n)
	return verify.Claim{}
}

func readEvidence(t *testing.T, pkg string) verify.Evidence {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
	if err != nil {
		t.Fatal(err)
	}
	var ev verify.Evidence
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestTamper(t *testing.T) {
	x := verifytest.New(t)
	x.PublishMinneapolis()
	orig := x.Export()
	if rep := run(t, orig, verify.Options{}); !rep.OK() {
		t.Fatal("the untouched package does not verify")
	}
	ev := readEvidence(t, orig)
	tab := ev.Tabulations[0]
	cvr := tab.Inputs[1]
	if !strings.HasSuffix(cvr.Name, ".xlsx") {
		t.Fatalf("second input is %s", cvr.Name)
	}
	var report verify.FileRef
	for _, r := range tab.Reports {
		if strings.HasSuffix(r.Name, "summary_report.csv") && !strings.Contains(r.Name, "/") {
			report = r
		}
	}
	if report.Name == "" {
		t.Fatalf("no summary CSV among %d reports", len(tab.Reports))
	}
	state, err := os.ReadFile(filepath.Join(orig, "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("flipped byte in a CVR file", func(t *testing.T) {
		pkg := copyDir(t, orig)
		p := filepath.Join(pkg, verify.FilePath(cvr.SHA256))
		b, _ := os.ReadFile(p)
		b[len(b)/2] ^= 1
		os.WriteFile(p, b, 0o644)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimFiles)
		if !strings.Contains(c.Detail, cvr.SHA256) || !strings.Contains(c.Detail, "altered") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("deleted file", func(t *testing.T) {
		pkg := copyDir(t, orig)
		os.Remove(filepath.Join(pkg, verify.FilePath(cvr.SHA256)))
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimFiles)
		if !strings.Contains(c.Detail, "missing") || !strings.Contains(c.Detail, cvr.Name) {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("changed number in a report, recommitted with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		old, _ := os.ReadFile(filepath.Join(pkg, verify.FilePath(report.SHA256)))
		// Move 100 votes in the first count of the report.
		s := string(old)
		i := strings.IndexAny(s, "123456789")
		forged := []byte(s[:i] + string(rune(s[i]+1)) + s[i+1:])
		if string(forged) == s {
			t.Fatal("no number changed")
		}
		sum := sha256.Sum256(forged)
		newSHA := hex.EncodeToString(sum[:])
		os.WriteFile(filepath.Join(pkg, verify.FilePath(newSHA)), forged, 0o644)
		os.Remove(filepath.Join(pkg, verify.FilePath(report.SHA256)))
		lg, _ := packageEntries(t, pkg)
		fix := func(v any) {
			for _, f := range v.([]any) {
				m := f.(map[string]any)
				if m["sha256"] == report.SHA256 {
					m["sha256"] = newSHA
					m["size"] = len(forged)
				}
			}
		}
		entries := editEntries(t, lg.Entries, "election-tabulation", func(ev map[string]any) { fix(ev["Payload"].(map[string]any)["reports"]) })
		entries = editEntries(t, entries, "request-executed", func(ev map[string]any) {
			if f, ok := ev["Payload"].(map[string]any)["files"]; ok {
				fix(f)
			}
		})
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		for _, n := range []int{verify.ClaimLog, verify.ClaimFiles, verify.ClaimEvidence} {
			if c := rep.Claim(n); c.Status != verify.OK {
				t.Errorf("claim %d: %+v (the forgery is consistently committed)", n, c)
			}
		}
		c := claimOf(t, rep, verify.ClaimTabulation)
		if !strings.Contains(c.Detail, report.Name) {
			t.Errorf("detail %q does not name %s", c.Detail, report.Name)
		}
	})

	t.Run("truncated log re-signed with the log key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		relog(t, x, pkg, lg.Entries[:len(lg.Entries)-1])
		if rep := run(t, pkg, verify.Options{}); rep.Claim(verify.ClaimLog).Status != verify.OK {
			t.Fatalf("without a state file the re-signed log itself verifies: %+v", rep.Claim(verify.ClaimLog))
		}
		c := claimOf(t, run(t, pkg, verify.Options{State: state}), verify.ClaimLog)
		if !strings.Contains(c.Detail, "rollback") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("truncated log re-signed, checked against a witness policy", func(t *testing.T) {
		// The witnesses refuse to cosign a truncated log, so the insider's
		// checkpoint carries no cosignature; a verifier with the policy
		// sees it without any remembered state.
		_, wkey, err := witness.GenerateKey(rand.Reader, "witness.example")
		if err != nil {
			t.Fatal(err)
		}
		policy := []byte("witness w1 " + wkey + "\nquorum w1\n")
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		relog(t, x, pkg, lg.Entries[:len(lg.Entries)-1])
		c := claimOf(t, run(t, pkg, verify.Options{Policy: policy}), verify.ClaimLog)
		if !strings.Contains(c.Detail, "quorum") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("replaced checkpoint, same size, re-signed", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		entries := editEntries(t, lg.Entries, "file-upload", func(ev map[string]any) { ev["Description"] = "rewritten" })
		relog(t, x, pkg, entries)
		c := claimOf(t, run(t, pkg, verify.Options{State: state}), verify.ClaimLog)
		if !strings.Contains(c.Detail, "fork") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("another log key given out of band", func(t *testing.T) {
		_, vkey, _ := note.GenerateKey(rand.Reader, "clerk.example/office")
		rep := run(t, orig, verify.Options{VKey: vkey})
		claimOf(t, rep, verify.ClaimLog)
		if rep.TrustRoot != "--vkey" {
			t.Errorf("trust root %q", rep.TrustRoot)
		}
	})

	pub := ev.Publications[0]
	t.Run("forged second approval by an unenrolled key", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		var q verify.Request
		for _, r := range ev.Requests {
			if r.ID == pub.Request {
				q = r
			}
		}
		skey, _, _ := note.GenerateKey(rand.Reader, "pat")
		signer, _ := note.NewSigner(skey)
		forged, _ := note.Sign(&note.Note{Text: q.SignText}, signer)
		entries := editEntries(t, lg.Entries, "request-executed", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if p["request"] == pub.Request {
				p["signatures"].([]any)[1] = string(forged)
			}
		})
		relog(t, x, pkg, entries)
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimLog); c.Status != verify.OK {
			t.Errorf("log: %+v", c)
		}
		c := claimOf(t, rep, verify.ClaimTwoPerson)
		if !strings.Contains(c.Detail, pub.Request) || !strings.Contains(c.Detail, "signature by pat") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("the same person's approval twice", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		entries := editEntries(t, lg.Entries, "request-executed", func(ev map[string]any) {
			p := ev["Payload"].(map[string]any)
			if p["request"] == pub.Request {
				sig := p["signatures"].([]any)
				signers := p["signers"].([]any)
				sig[1], signers[1] = sig[0], signers[0]
			}
		})
		relog(t, x, pkg, entries)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimTwoPerson)
		if !strings.Contains(c.Detail, "same person") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("unapproved binary", func(t *testing.T) {
		pkg := copyDir(t, orig)
		lg, _ := packageEntries(t, pkg)
		entries := editEntries(t, lg.Entries, "service-start", func(ev map[string]any) {
			ev["Payload"].(map[string]any)["binary_sha256"] = strings.Repeat("ab", 32)
		})
		relog(t, x, pkg, entries)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimSoftware)
		if !strings.Contains(c.Detail, strings.Repeat("ab", 32)) {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("evidence.json claims another winner", func(t *testing.T) {
		pkg := copyDir(t, orig)
		b, _ := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
		b = []byte(strings.Replace(string(b), `"BETSY HODGES"`, `"MARK ANDREW"`, 1))
		os.WriteFile(filepath.Join(pkg, verify.EvidenceName), b, 0o644)
		c := claimOf(t, run(t, pkg, verify.Options{}), verify.ClaimEvidence)
		if !strings.Contains(c.Detail, "winners") {
			t.Errorf("detail %q", c.Detail)
		}
	})
}
