package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestWriteDirAndCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	files := map[string][]byte{
		"detailed_report.json":                        []byte(`{"a":1}`),
		"Tabulate by Precinct/p1_precinct_report.csv": []byte("x,y\n"),
	}
	m := Manifest{Command: "tabulate", Rules: json.RawMessage(`{"overvoteRule":"exhaustImmediately"}`),
		Inputs: []File{Commit("cvr.csv", []byte("1,2\n"))}}
	if err := WriteDir(dir, files, m); err != nil {
		t.Fatal(err)
	}
	if err := Check(os.DirFS(dir)); err != nil {
		t.Fatalf("fresh directory fails its own check: %v", err)
	}
	got, err := ReadManifest(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Outputs) != 2 || got.Outputs[0].Path != "Tabulate by Precinct/p1_precinct_report.csv" {
		t.Fatalf("outputs not listed in sorted order: %+v", got.Outputs)
	}
	if got.Outputs[1].SHA256 != "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862" {
		t.Fatalf("wrong hash for detailed_report.json: %s", got.Outputs[1].SHA256)
	}
	st, _ := os.Stat(filepath.Join(dir, "detailed_report.json"))
	if st.Mode().Perm()&0o222 != 0 {
		t.Fatalf("output is writable: %v", st.Mode())
	}
	// Never overwrite published results.
	if err := WriteDir(dir, files, m); !errors.Is(err, ErrExists) {
		t.Fatalf("second write: %v, want ErrExists", err)
	}
	// Tampering is caught.
	p := filepath.Join(dir, "detailed_report.json")
	os.Chmod(p, 0o644)
	os.WriteFile(p, []byte(`{"a":2}`), 0o644)
	if err := Check(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "detailed_report.json") {
		t.Fatalf("altered file not reported: %v", err)
	}
	os.WriteFile(p, []byte(`{"a":1}`), 0o644)
	os.WriteFile(filepath.Join(dir, "extra.csv"), nil, 0o644)
	if err := Check(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "extra.csv") {
		t.Fatalf("unlisted file not reported: %v", err)
	}
}

func TestWriteDirRejectsEscapes(t *testing.T) {
	for _, name := range []string{"../x", "/etc/x", "a/../../x", "", "a//b", `a\b`, ManifestName} {
		dir := filepath.Join(t.TempDir(), "r")
		if err := WriteDir(dir, map[string][]byte{name: nil}, Manifest{}); err == nil {
			t.Errorf("%q accepted", name)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%q: directory created despite the error", name)
		}
	}
}

func TestWriteDirIntoEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDir(dir, map[string][]byte{"a": []byte("x")}, Manifest{}); err != nil {
		t.Fatal(err)
	}
	if err := Check(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
}

func TestCommitInputsWalksFolders(t *testing.T) {
	base := t.TempDir()
	os.MkdirAll(filepath.Join(base, "dominion"), 0o755)
	os.WriteFile(filepath.Join(base, "dominion", "CvrExport_1.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(base, "dominion", "CvrExport_0.json"), []byte("[]"), 0o644)
	os.WriteFile(filepath.Join(base, "config.json"), []byte("{}"), 0o644)
	got, err := CommitInputs(base, []string{filepath.Join(base, "config.json"), filepath.Join(base, "dominion"), filepath.Join(base, "config.json")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Path)
	}
	if want := "config.json dominion/CvrExport_0.json dominion/CvrExport_1.json"; strings.Join(names, " ") != want {
		t.Fatalf("got %v, want %s", names, want)
	}
	if _, err := CommitInputs(base, []string{filepath.Join(base, "missing")}); err == nil {
		t.Fatal("missing input accepted")
	}
}

// TestCrashLeavesNoPartialResults kills a process at random instants while
// it writes a large results directory. Afterwards the directory either does
// not exist or is complete and passes Check: never half-written.
func TestCrashLeavesNoPartialResults(t *testing.T) {
	if os.Getenv("EVIDENCE_CRASH_CHILD") != "" {
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var complete, absent int
	for i := 0; i < 12; i++ {
		dir := filepath.Join(t.TempDir(), "results")
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "EVIDENCE_CRASH_CHILD="+dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := os.Stat(dir); err != nil {
			absent++
			continue
		}
		if err := Check(os.DirFS(dir)); err != nil {
			t.Fatalf("iteration %d: results directory exists but is inconsistent: %v\n%s", i, err, out.String())
		}
		complete++
	}
	t.Logf("%d kills: %d left no directory, %d left a complete one", 12, absent, complete)
}

// TestCrashChild is the process TestCrashLeavesNoPartialResults kills.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("EVIDENCE_CRASH_CHILD")
	if dir == "" {
		t.Skip("only runs as the crash test's child")
	}
	files := map[string][]byte{}
	for i := 0; i < 40; i++ {
		files[fmt.Sprintf("slice/%03d.csv", i)] = bytes.Repeat([]byte{byte('a' + i%26)}, 1<<20)
	}
	if err := WriteDir(dir, files, Manifest{Command: "crash test"}); err != nil {
		t.Fatal(err)
	}
}
