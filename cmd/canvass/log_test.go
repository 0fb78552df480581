package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness/witnesstest"
)

// logRun runs the CLI with stdin and returns the exit code and output.
func logRun(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const logSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// logEvent returns an input line; marker ends up in Details.
func logEvent(marker string) string {
	return `{"Type":"cvr-upload","Disposition":"success","UserId":"clerk1","Details":"` + marker +
		`","Payload":{"file":{"name":"cvr-` + marker + `.json","sha256":"` + logSHA + `","size":1234},"format":"dominion-json"}}`
}

// logInit creates a log and returns its directory, key file and vkey.
func logInit(t *testing.T) (dir, key, vkey string) {
	t.Helper()
	tmp := t.TempDir()
	dir, key = filepath.Join(tmp, "log"), filepath.Join(tmp, "log.key")
	code, out, errOut := logRun("", "log", "init", "--dir", dir, "--origin", "county.example/2026-general", "--key-file", key)
	if code != 0 {
		t.Fatalf("log init: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	vkey = lines[len(lines)-1]
	if !strings.HasPrefix(vkey, "county.example/2026-general+") {
		t.Fatalf("last line of init output is not the verifier key: %q", out)
	}
	if strings.Contains(out+errOut, "PRIVATE") {
		t.Fatal("init printed the signing key")
	}
	return dir, key, vkey
}

func TestLogCommands(t *testing.T) {
	dir, key, vkey := logInit(t)
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	var in strings.Builder
	for i := 0; i < 5; i++ {
		in.WriteString(logEvent(fmt.Sprint("e", i)) + "\n")
	}
	in.WriteString("\n   \n") // blank lines are skipped
	code, out, errOut := logRun(in.String(), "log", "append", "--dir", dir, "--key-file", key)
	if code != 0 || out != "0\n1\n2\n3\n4\n" {
		t.Fatalf("append: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	// A last line without a newline counts.
	code, out, _ = logRun(logEvent("e5")+"\n"+logEvent("e6"), "log", "append", "--dir", dir, "--key-file", key, "--stream", "--batch", "1")
	if code != 0 || out != "5\n6\n" {
		t.Fatalf("streamed append: exit %d, %q", code, out)
	}
	state := filepath.Join(t.TempDir(), "state")
	code, out, errOut = logRun("", "log", "verify", "--dir", dir, "--vkey", vkey, "--state", state)
	if code != 0 || !strings.Contains(out, "7 entries verified") || !strings.Contains(out, "state "+state+" updated to size 7") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	// The vkey may also be given as a file, e.g. init's output.
	vkeyFile := filepath.Join(t.TempDir(), "vkey")
	os.WriteFile(vkeyFile, []byte("created ...\n"+vkey+"\n"), 0o644)
	code, out, errOut = logRun("", "log", "verify", "--dir", dir, "--vkey", vkeyFile, "--state", state)
	if code != 0 || !strings.Contains(out, "consistent with the previously verified checkpoint of size 7") {
		t.Fatalf("verify with vkey file: exit %d\n%s%s", code, out, errOut)
	}
	code, proof, errOut := logRun("", "log", "prove", "--dir", dir, "--index", "3")
	if code != 0 || !strings.HasPrefix(proof, "c2sp.org/tlog-proof@v1\nextra ") || !strings.Contains(proof, "\nindex 3\n") {
		t.Fatalf("prove: exit %d\n%s%s", code, proof, errOut)
	}
	code, out, errOut = logRun(proof, "log", "check-proof", "--vkey", vkey)
	if code != 0 || !strings.Contains(out, "entry 3 is in log county.example/2026-general (checkpoint size 7)") || !strings.Contains(out, `"Details":"e3"`) {
		t.Fatalf("check-proof: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = logRun(strings.Replace(proof, "index 3", "index 4", 1), "log", "check-proof", "--vkey", vkey)
	if code != 1 || !strings.Contains(errOut, "proof FAILED") {
		t.Fatalf("check-proof of a wrong index: exit %d %s", code, errOut)
	}
	eel := filepath.Join(t.TempDir(), "eel.json")
	code, _, errOut = logRun("", "log", "export", "--dir", dir, "--format", "nist-eel", "--out", eel, "--vkey", vkey, "--generated-time", "2026-11-04T00:00:00Z")
	if code != 0 {
		t.Fatalf("export: exit %d %s", code, errOut)
	}
	var doc struct {
		GeneratedTime string
		Device        []struct{ Event []struct{ Sequence string } }
	}
	b, _ := os.ReadFile(eel)
	if err := json.Unmarshal(b, &doc); err != nil || doc.GeneratedTime != "2026-11-04T00:00:00Z" || len(doc.Device[0].Event) != 7 {
		t.Fatalf("export: %v %s", err, b)
	}
	code, stdout, _ := logRun("", "log", "export", "--dir", dir, "--format", "nist-eel", "--generated-time", "2026-11-04T00:00:00Z")
	if code != 0 || stdout != string(b) {
		t.Fatal("export to stdout differs from export to a file")
	}
}

func TestLogHelpAndUsage(t *testing.T) {
	for _, c := range []string{"init", "append", "verify", "prove", "check-proof", "serve", "export"} {
		// Help is output asked for: stdout (issue 11; it was stderr).
		code, out, _ := logRun("", "log", c, "--help")
		if code != 0 || !strings.Contains(out, "Usage: canvass log "+c) {
			t.Errorf("log %s --help: exit %d %q", c, code, out)
		}
	}
	dir, key, vkey := logInit(t)
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"log", "init", "--dir", dir}, "missing required flag --origin"},
		{[]string{"log", "append", "--dir", dir}, "missing required flag --key-file"},
		{[]string{"log", "append", "--dir", dir, "--key-file", key, "--batch", "0"}, "--batch must be at least 1"},
		{[]string{"log", "verify", "--dir", dir}, "missing required flag --vkey"},
		{[]string{"log", "verify", "--vkey", vkey}, "give the log with --dir or --url"},
		{[]string{"log", "verify", "--vkey", vkey, "--dir", dir, "--url", "http://x"}, "either --dir or --url"},
		{[]string{"log", "prove", "--dir", dir, "--index", "-1"}, "not a non-negative integer"},
		{[]string{"log", "export", "--dir", dir, "--format", "csv"}, "the only format is nist-eel"},
		{[]string{"log", "verify", "--vkey", vkey, "--dir", dir, "stray"}, `unexpected argument "stray"`},
		{[]string{"log", "append", "--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, errOut := logRun("", tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.msg)
		}
	}
}

// logFiles snapshots the published part of a log directory.
func logFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Name() != "lock" {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return err
	})
	return m
}

func TestLogAppendBadInput(t *testing.T) {
	dir, key, _ := logInit(t)
	if code, _, errOut := logRun(logEvent("first")+"\n", "log", "append", "--dir", dir, "--key-file", key); code != 0 {
		t.Fatal(errOut)
	}
	good := logEvent("ok") + "\n"
	_, otherKey, _ := logInit(t)
	foreignKey := filepath.Join(t.TempDir(), "foreign.key")
	if _, err := ledger.CreateKeyFile(foreignKey, "other.example/log", dir); err != nil {
		t.Fatal(err)
	}
	looseKey := filepath.Join(t.TempDir(), "loose.key")
	b, _ := os.ReadFile(key)
	os.WriteFile(looseKey, b, 0o644)
	inside := filepath.Join(dir, "tile", "key")
	os.WriteFile(inside, b, 0o600)
	defer os.Remove(inside)
	huge := `{"Type":"login","Disposition":"success","Details":"` + strings.Repeat("x", 70000) + `","Payload":{"method":"pw"}}`
	tests := []struct {
		name, stdin string
		args        []string
		msg         string
	}{
		{"entry over 64 KiB", good + huge + "\n", nil, "stdin line 2: entry is 70"},
		{"entry just over the limit", good + strings.Replace(huge, strings.Repeat("x", 70000), strings.Repeat("x", 65535-170), 1) + "\n", nil, "the limit is 65535"},
		{"line over 1 MiB", good + strings.Repeat(" ", 2<<20) + "\n", nil, "stdin line 2: line is longer than 1048576 bytes"},
		{"not JSON", good + "login clerk1\n", nil, "stdin line 2: byte 0: unexpected \"l\"; expected a JSON value"},
		{"truncated JSON", good + good[:40] + "\n", nil, "stdin line 2: byte 40: unexpected end of input"},
		{"unknown type", good + `{"Type":"ballot-stuffing","Disposition":"success","Payload":{}}` + "\n", nil, `stdin line 2: Type: unknown event type "ballot-stuffing"`},
		{"bad payload", good + `{"Type":"login","Disposition":"success","Payload":{"method":""}}` + "\n", nil, "stdin line 2: Payload.method: must be a non-empty string"},
		{"id given", `{"Type":"login","Disposition":"success","Id":"x","Payload":{"method":"pw"}}` + "\n", nil, "stdin line 1: Id: is assigned by the log"},
		{"key of another log with the same origin", good, []string{"--key-file", otherKey}, "wrong signing key: the key is not the one this log was created with"},
		{"key for another origin", good, []string{"--key-file", foreignKey}, `wrong signing key: the key is for log "other.example/log" but`},
		{"key readable by others", good, []string{"--key-file", looseKey}, "chmod 600"},
		{"key inside the log", good, []string{"--key-file", inside}, "inside the log directory"},
		{"missing key", good, []string{"--key-file", filepath.Join(t.TempDir(), "none")}, "no such file"},
		{"not a log", good, []string{"--dir", t.TempDir()}, "not a canvass log directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := logFiles(t, dir)
			args := map[string]string{"--dir": dir, "--key-file": key}
			for i := 0; i < len(tt.args); i += 2 {
				args[tt.args[i]] = tt.args[i+1]
			}
			code, out, errOut := logRun(tt.stdin, "log", "append", "--dir", args["--dir"], "--key-file", args["--key-file"])
			if code != 1 || out != "" || !strings.Contains(errOut, tt.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, tt.msg)
			}
			if strings.Contains(errOut, "PRIVATE") {
				t.Fatal("the error shows the key")
			}
			after := logFiles(t, dir)
			if len(before) != len(after) {
				t.Fatalf("files changed: %d → %d", len(before), len(after))
			}
			for p, v := range before {
				if after[p] != v {
					t.Fatalf("%s changed", p)
				}
			}
		})
	}
	// In --stream mode the lines before a bad one are appended, and the
	// error says so.
	code, out, errOut := logRun(good+good+"oops\n"+good, "log", "append", "--dir", dir, "--key-file", key, "--stream", "--batch", "1")
	if code != 1 || out != "1\n2\n" || !strings.Contains(errOut, "stdin line 3") || !strings.Contains(errOut, "lines before it were appended") {
		t.Fatalf("stream with a bad line: exit %d %q %q", code, out, errOut)
	}
}

func TestLogVerifyFailures(t *testing.T) {
	dir, key, vkey := logInit(t)
	var in strings.Builder
	for i := 0; i < 300; i++ {
		in.WriteString(logEvent(fmt.Sprint("v", i)) + "\n")
	}
	if code, _, errOut := logRun(in.String(), "log", "append", "--dir", dir, "--key-file", key); code != 0 {
		t.Fatal(errOut)
	}
	state := filepath.Join(t.TempDir(), "state")
	if code, _, errOut := logRun("", "log", "verify", "--dir", dir, "--vkey", vkey, "--state", state); code != 0 {
		t.Fatal(errOut)
	}
	stateBefore, _ := os.ReadFile(state)
	p := filepath.Join(dir, "tile/entries/000")
	b, _ := os.ReadFile(p)
	i := bytes.Index(b, []byte(`"Details":"v77"`))
	b[i+12] = '8'
	os.WriteFile(p, b, 0o644)
	code, out, errOut := logRun("", "log", "verify", "--dir", dir, "--vkey", vkey, "--state", state)
	if code != 1 || out != "" || !strings.Contains(errOut, "canvass log verify: verification FAILED: entry 77: hash mismatch (entry bundle tile/entries/000 byte ") {
		t.Fatalf("tampered: exit %d %q %q", code, out, errOut)
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(after, stateBefore) {
		t.Fatal("a failed verification changed the state file")
	}
	// Rolling back to an older checkpoint.
	b[i+12] = '7'
	os.WriteFile(p, b, 0o644)
	old := filepath.Join(t.TempDir(), "old")
	os.WriteFile(old, stateBefore, 0o644)
	if code, _, errOut := logRun(logEvent("more")+"\n", "log", "append", "--dir", dir, "--key-file", key); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := logRun("", "log", "verify", "--dir", dir, "--vkey", vkey, "--state", state); code != 0 {
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(dir, "checkpoint"), stateBefore, 0o644)
	code, _, errOut = logRun("", "log", "verify", "--dir", dir, "--vkey", vkey, "--state", state)
	if code != 1 || !strings.Contains(errOut, "rollback: the log's checkpoint has size 300 but a checkpoint of size 301 was verified before") {
		t.Fatalf("rollback: exit %d %q", code, errOut)
	}
}

// TestLogAppendCrashHelper is the child process of TestLogAppendSurvivesSIGKILL;
// run normally, it does nothing.
func TestLogAppendCrashHelper(t *testing.T) {
	if os.Getenv("CANVASS_LOG_CRASH_CHILD") != "1" {
		return
	}
	var args []string
	json.Unmarshal([]byte(os.Getenv("CANVASS_LOG_CRASH_ARGS")), &args)
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// TestLogAppendSurvivesSIGKILL kills `canvass log append` with SIGKILL at
// random moments of long runs. After each kill the log must verify (and be
// consistent with what was verified before), and every index the process
// printed must hold the event of the matching input line.
func TestLogAppendSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs subprocesses for several seconds")
	}
	dir, key, vkey := logInit(t)
	state := filepath.Join(t.TempDir(), "state")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := mrand.New(mrand.NewPCG(seed, 1))
	const runs, lines = 8, 10000
	killed := 0
	// Kills land at a random instant within window. A run that finishes
	// before its kill shows the window is longer than a run on this
	// machine, so the window shrinks to that run's length: the test keeps
	// killing mid-write whether the machine is fast or loaded.
	window := 900 * time.Millisecond
	// recovered is what the run after a kill must report: entries the
	// killed run stored but never published (so never printed).
	recovered := ""
	var committed, published uint64
	for run := 0; run < runs; run++ {
		var in bytes.Buffer
		for k := 0; k < lines; k++ {
			fmt.Fprintln(&in, logEvent(fmt.Sprintf("run-%d-line-%d", run, k)))
		}
		args := []string{"log", "append", "--dir", dir, "--key-file", key, "--batch", strconv.Itoa(50 + r.IntN(400))}
		if run%2 == 1 {
			args = append(args, "--stream")
		}
		argsJSON, _ := json.Marshal(args)
		cmd := exec.Command(os.Args[0], "-test.run=^TestLogAppendCrashHelper$")
		cmd.Env = append(os.Environ(), "CANVASS_LOG_CRASH_CHILD=1", "CANVASS_LOG_CRASH_ARGS="+string(argsJSON))
		cmd.Stdin = &in
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		started := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var printed []byte
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			printed, _ = io.ReadAll(stdout)
		}()
		last := run == runs-1
		if !last {
			time.Sleep(10*time.Millisecond + time.Duration(r.Int64N(int64(window))))
			cmd.Process.Signal(syscall.SIGKILL)
		}
		wg.Wait()
		err = cmd.Wait()
		if last && err != nil {
			t.Fatalf("final run: %v\n%s", err, stderr.String())
		}
		if err == nil && !last {
			took := time.Since(started)
			t.Logf("run %d finished before the kill (%v); kill window now %v", run, took, took*4/5)
			window = max(took*4/5, 20*time.Millisecond)
		} else if !last {
			killed++
		}
		// Only complete lines were printed.
		text := string(printed)
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1]
		} else {
			text = ""
		}
		var indices []uint64
		for _, l := range strings.Fields(text) {
			n, err := strconv.ParseUint(l, 10, 64)
			if err != nil {
				t.Fatalf("run %d printed %q", run, l)
			}
			indices = append(indices, n)
		}

		prev, err := ledger.ReadState(state)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ledger.Verify(context.Background(), ledger.DirFetcher(dir), ledger.VerifyOptions{VKey: vkey, Previous: prev})
		if err != nil {
			t.Fatalf("run %d (killed): log does not verify: %v\nstderr: %s", run, err, stderr.String())
		}
		if err := ledger.WriteState(state, res.Checkpoint.Note); err != nil {
			t.Fatal(err)
		}
		details := logDetails(t, dir)
		for k, idx := range indices {
			if idx >= res.Checkpoint.Size {
				t.Fatalf("run %d: printed index %d but the log has %d entries", run, idx, res.Checkpoint.Size)
			}
			if k > 0 && idx != indices[k-1]+1 {
				t.Fatalf("run %d: printed %d after %d", run, idx, indices[k-1])
			}
			if want := fmt.Sprintf("run-%d-line-%d", run, k); details[idx] != want {
				t.Fatalf("run %d: entry %d holds %q, want %q", run, idx, details[idx], want)
			}
		}
		// A run killed before it opened the log had no chance to say
		// anything; one that published past the previous checkpoint, or
		// the last run, got through Open and must have reported.
		opened := last || res.Checkpoint.Size > published
		published = res.Checkpoint.Size
		if recovered != "" && opened && !strings.Contains(stderr.String(), recovered) {
			t.Fatalf("run %d: stderr does not say %q:\n%s", run, recovered, stderr.String())
		}
		if recovered == "" && strings.Contains(stderr.String(), "recovered") {
			t.Fatalf("run %d reports recovered entries after a clean publish:\n%s", run, stderr.String())
		}
		if len(indices) > 0 && indices[0] < committed {
			t.Fatalf("run %d printed index %d, which the previous run had already stored", run, indices[0])
		}
		tree, err := os.ReadFile(filepath.Join(dir, ".ledger", "tree"))
		if err != nil {
			t.Fatal(err)
		}
		cp, err := ledger.ParseCheckpoint(string(tree))
		if err != nil {
			t.Fatal(err)
		}
		committed, recovered = cp.Size, ""
		if cp.Size > res.Checkpoint.Size {
			recovered = fmt.Sprintf("recovered %d entries appended before an interruption: indexes %d..%d", cp.Size-res.Checkpoint.Size, res.Checkpoint.Size, cp.Size-1)
		}
		t.Logf("run %d: %d indices printed, log has %d entries (%d committed)", run, len(indices), res.Checkpoint.Size, cp.Size)
		if last && len(indices) != lines {
			t.Fatalf("final run printed %d indices, want %d", len(indices), lines)
		}
	}
	if killed < runs/2 {
		t.Errorf("only %d of %d runs were killed mid-way", killed, runs-1)
	}
}

// TestLogAppendReportsRecoveredEntries: entries a killed append stored but
// never published (so never printed) are named on stderr by the next
// append, which publishes them without printing their indexes.
func TestLogAppendReportsRecoveredEntries(t *testing.T) {
	dir, key, _ := logInit(t)
	if code, _, errOut := logRun(logEvent("published")+"\n", "log", "append", "--dir", dir, "--key-file", key); code != 0 {
		t.Fatal(errOut)
	}
	skey, err := ledger.ReadKeyFile(key, dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.OpenDir(context.Background(), dir, skey, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []ledger.Event
	for _, m := range []string{"lost-1", "lost-2"} {
		ev, err := ledger.ParseInput([]byte(logEvent(m)))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := l.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	l.Close() // as if killed before publishing

	code, out, errOut := logRun(logEvent("next")+"\n", "log", "append", "--dir", dir, "--key-file", key)
	if code != 0 {
		t.Fatal(errOut)
	}
	if want := "recovered 2 entries appended before an interruption: indexes 1..2"; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not say %q", errOut, want)
	}
	if out != "3\n" {
		t.Errorf("stdout %q, want only the new entry's index 3", out)
	}
	if details := logDetails(t, dir); len(details) != 4 || details[1] != "lost-1" || details[3] != "next" {
		t.Errorf("published entries %q", details)
	}
	code, _, errOut = logRun("", "log", "append", "--dir", dir, "--key-file", key)
	if code != 0 || strings.Contains(errOut, "recovered") {
		t.Errorf("an append after the recovery reports again: %d %q", code, errOut)
	}
}

// logDetails returns each entry's Details, by index, read through the NIST
// export (which checks the whole tree first).
func logDetails(t *testing.T, dir string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := ledger.ExportNIST(context.Background(), ledger.DirFetcher(dir), &buf, ledger.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Device []struct{ Event []struct{ Details string } }
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(doc.Device[0].Event))
	for i, e := range doc.Device[0].Event {
		var entry struct{ Details string }
		json.Unmarshal([]byte(e.Details), &entry)
		out[i] = entry.Details
	}
	return out
}

func TestLogWithWitnesses(t *testing.T) {
	tmp := t.TempDir()
	dir, key := filepath.Join(tmp, "log"), filepath.Join(tmp, "key")
	// The witnesses and the policy need the log's key: init first, and
	// give the policy to append (it could also be stored with init).
	code, out, errOut := logRun("", "log", "init", "--dir", dir, "--origin", "county.example/witnessed", "--key-file", key)
	if code != 0 {
		t.Fatal(errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	logVKey := lines[len(lines)-1]
	var ws []*witnesstest.Witness
	var pol strings.Builder
	fmt.Fprintf(&pol, "log %s\n", logVKey)
	for i := 1; i <= 3; i++ {
		w := witnesstest.Start(t, fmt.Sprintf("w%d.example", i), logVKey)
		ws = append(ws, w)
		fmt.Fprintf(&pol, "witness w%d %s %s\n", i, w.VKey, w.URL)
	}
	pol.WriteString("group any2 2 w1 w2 w3\nquorum any2\n")
	policy := filepath.Join(tmp, "policy")
	os.WriteFile(policy, []byte(pol.String()), 0o644)

	code, out, errOut = logRun(logEvent("a")+"\n"+logEvent("b")+"\n", "log", "append", "--dir", dir, "--key-file", key, "--policy", policy)
	if code != 0 || out != "0\n1\n" {
		t.Fatalf("append with witnesses: exit %d %q %s", code, out, errOut)
	}
	code, out, errOut = logRun("", "log", "verify", "--dir", dir, "--vkey", logVKey, "--policy", policy)
	if code != 0 || !strings.Contains(out, "cosigned by w1, w2, w3 (quorum any2 met)") {
		t.Fatalf("verify with policy: exit %d\n%s%s", code, out, errOut)
	}
	ws[0].SetDown(true)
	ws[1].SetDown(true)
	code, out, errOut = logRun(logEvent("c")+"\n", "log", "append", "--dir", dir, "--key-file", key, "--policy", policy, "--witness-timeout", "5s")
	if code != 1 || out != "" || !strings.Contains(errOut, "checkpoint of size 3 not published") || !strings.Contains(errOut, "503") {
		t.Fatalf("append without quorum: exit %d %q %s", code, out, errOut)
	}
	code, out, _ = logRun("", "log", "verify", "--dir", dir, "--vkey", logVKey, "--policy", policy)
	if code != 0 || !strings.Contains(out, ": 2 entries verified") {
		t.Fatalf("the published log changed: %s", out)
	}
	ws[0].SetDown(false)
	// Empty input publishes what is stored.
	if code, out, errOut = logRun("", "log", "append", "--dir", dir, "--key-file", key, "--policy", policy); code != 0 || out != "" {
		t.Fatalf("republish: exit %d %q %s", code, out, errOut)
	}
	code, out, errOut = logRun("", "log", "verify", "--dir", dir, "--vkey", logVKey, "--policy", policy)
	if code != 0 || !strings.Contains(out, ": 3 entries verified") || !strings.Contains(out, "cosigned by w1, w3") {
		t.Fatalf("after republishing: exit %d\n%s%s", code, out, errOut)
	}
}

func TestLogVerifyURL(t *testing.T) {
	dir, key, vkey := logInit(t)
	if code, _, errOut := logRun(logEvent("u")+"\n", "log", "append", "--dir", dir, "--key-file", key); code != 0 {
		t.Fatal(errOut)
	}
	srv := httptest.NewServer(ledger.Handler(ledger.DirFetcher(dir)))
	defer srv.Close()
	code, out, errOut := logRun("", "log", "verify", "--url", srv.URL, "--vkey", vkey)
	if code != 0 || !strings.Contains(out, "1 entries verified") {
		t.Fatalf("verify --url: exit %d\n%s%s", code, out, errOut)
	}
	code, proof, _ := logRun("", "log", "prove", "--url", srv.URL, "--index", "0")
	if code != 0 || !strings.Contains(proof, "index 0\n") {
		t.Fatalf("prove --url: exit %d %s", code, proof)
	}
	if code, _, errOut := logRun("", "log", "verify", "--url", "ftp://x", "--vkey", vkey); code != 1 || !strings.Contains(errOut, "must start with https://") {
		t.Fatalf("bad url: exit %d %s", code, errOut)
	}
}
