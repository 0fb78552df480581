package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestWitnessInit(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "w.key")
	code, out, errOut := runCmd("witness", "init", "--key-file", key, "--name", "witness.example/county")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	vkey := lines[len(lines)-1]
	if _, err := witness.NewCosignatureVerifier(vkey); err != nil {
		t.Fatalf("last line %q is not a witness vkey: %v", vkey, err)
	}
	if strings.Contains(out+errOut, "PRIVATE") {
		t.Fatal("init printed the private key")
	}
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode())
	}
	if code, out, _ := runCmd("witness", "vkey", "--key-file", key); code != 0 || strings.TrimSpace(out) != vkey {
		t.Fatalf("witness vkey: exit %d, %q, want %q", code, out, vkey)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		errHas string
	}{
		{"existing key file", []string{"--key-file", key, "--name", "x.example"}, 1, "refusing to overwrite"},
		{"missing name", []string{"--key-file", filepath.Join(dir, "k2")}, 2, "--name are required"},
		{"bad name", []string{"--key-file", filepath.Join(dir, "k3"), "--name", "a+b"}, 1, "plus"},
		{"stray argument", []string{"--key-file", filepath.Join(dir, "k4"), "--name", "x", "extra"}, 2, "no other arguments"},
		{"help", []string{"--help"}, 0, "Usage: canvass witness init"},
		{"unknown flag", []string{"--nmae", "x"}, 2, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(append([]string{"witness", "init"}, tc.args...)...)
			if tc.name == "help" {
				// Help goes to stdout (issue 11; it was stderr).
				errOut = out
			}
			if code != tc.code || !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.errHas)
			}
		})
	}
}

// testLogFiles creates a log key and a logs file for serve tests and
// returns a signer for the log.
func testLogFiles(t *testing.T, dir string) (note.Signer, string) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "canvass.example/cli-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	logs := filepath.Join(dir, "logs")
	if err := os.WriteFile(logs, []byte("# logs this witness serves\nlog "+vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return signer, logs
}

func TestWitnessServeArguments(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "w.key")
	if code, _, errOut := runCmd("witness", "init", "--key-file", key, "--name", "w.example"); code != 0 {
		t.Fatal(errOut)
	}
	_, logs := testLogFiles(t, dir)
	loose := filepath.Join(dir, "loose.key")
	data, _ := os.ReadFile(key)
	os.WriteFile(loose, data, 0o644)
	badLogs := filepath.Join(dir, "bad-logs")
	os.WriteFile(badLogs, []byte("# ok\nlog nonsense\n"), 0o644)
	db := filepath.Join(dir, "w.db")

	tests := []struct {
		name   string
		args   []string
		code   int
		errHas string
	}{
		{"missing db", []string{"--key-file", key, "--logs", logs}, 2, "are required"},
		{"loose key permissions", []string{"--db", db, "--key-file", loose, "--logs", logs}, 1, "chmod 600"},
		{"missing key", []string{"--db", db, "--key-file", filepath.Join(dir, "none"), "--logs", logs}, 1, "no such file"},
		{"bad logs file", []string{"--db", db, "--key-file", key, "--logs", badLogs}, 1, "line 2"},
		{"bad address", []string{"--db", db, "--key-file", key, "--logs", logs, "--addr", "256.0.0.1:x"}, 1, "listening on"},
		{"tiny max body", []string{"--db", db, "--key-file", key, "--logs", logs, "--max-body", "10"}, 2, "--max-body"},
		{"help", []string{"--help"}, 0, "--logs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(append([]string{"witness", "serve"}, tc.args...)...)
			if tc.name == "help" {
				// Help goes to stdout (issue 11; it was stderr).
				errOut = out
			}
			if code != tc.code || !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.errHas)
			}
			if strings.Contains(errOut, "PRIVATE") {
				t.Fatal("stderr contains key material")
			}
		})
	}
}

const serveChildEnv = "CANVASS_TEST_WITNESS_SERVE_ARGS"

// TestWitnessServe runs "canvass witness serve" in a child process (this
// test binary re-executed), submits checkpoints over HTTP, stops it with
// SIGTERM, and restarts it to check that the state survived.
func TestWitnessServe(t *testing.T) {
	if args := os.Getenv(serveChildEnv); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "w.key")
	code, out, errOut := runCmd("witness", "init", "--key-file", key, "--name", "w.example/cli")
	if code != 0 {
		t.Fatal(errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wv, err := witness.NewCosignatureVerifier(lines[len(lines)-1])
	if err != nil {
		t.Fatal(err)
	}
	signer, logs := testLogFiles(t, dir)
	db := filepath.Join(dir, "w.db")

	// A two-leaf tree: checkpoints of size 1 and 2 and the proof between.
	h0, h1 := tlog.RecordHash([]byte("event 0")), tlog.RecordHash([]byte("event 1"))
	checkpoint := func(size uint64, root tlog.Hash) []byte {
		text := witness.Checkpoint{Origin: signer.Name(), Size: size, Hash: root}.Text()
		msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	cp1, cp2 := checkpoint(1, h0), checkpoint(2, tlog.NodeHash(h0, h1))

	start := func() (*exec.Cmd, string, *bufio.Scanner) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWitnessServe$")
		cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join([]string{"witness", "serve", "--db", db, "--key-file", key, "--logs", logs, "--addr", "127.0.0.1:0"}, "\x1f"))
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "PRIVATE") {
				t.Error("operational log contains key material")
			}
			if i := strings.Index(line, "addr="); i >= 0 && strings.Contains(line, "witness listening") {
				addr := strings.Fields(line[i+len("addr="):])[0]
				return cmd, "http://" + addr, sc
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("witness serve did not report its address")
		return nil, "", nil
	}
	stop := func(cmd *exec.Cmd, sc *bufio.Scanner) string {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		var rest strings.Builder
		for sc.Scan() {
			rest.WriteString(sc.Text() + "\n")
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("witness serve exited with %v after SIGTERM:\n%s", err, rest.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Fatal("witness serve did not stop on SIGTERM")
		}
		return rest.String()
	}

	ctx := context.Background()
	cmd, url, sc := start()
	sigs, err := witness.AddCheckpoint(ctx, nil, url, 0, nil, cp1)
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	if _, err := witness.CheckCosignature(cp1, sigs, wv); err != nil {
		t.Fatal(err)
	}
	logText := stop(cmd, sc)
	for _, want := range []string{`msg="cosigned checkpoint"`, "old=0", "size=1", "status=200", `msg="witness stopped"`} {
		if !strings.Contains(logText, want) {
			t.Errorf("operational log lacks %q:\n%s", want, logText)
		}
	}

	// After a restart the witness remembers size 1: old 0 is a conflict,
	// and the consistent advance to 2 is cosigned.
	cmd, url, sc = start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	_, err = witness.AddCheckpoint(ctx, nil, url, 0, nil, cp2)
	var ce *witness.ConflictError
	if !errors.As(err, &ce) || ce.Size != 1 {
		t.Fatalf("after restart: %v, want a conflict at size 1", err)
	}
	sigs, err = witness.AddCheckpoint(ctx, nil, url, 1, []tlog.Hash{h1}, cp2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := witness.CheckCosignature(cp2, sigs, wv); err != nil {
		t.Fatal(err)
	}
	// A fork of size 2 signed by the log is refused and kept as evidence.
	fork := checkpoint(2, tlog.NodeHash(h0, tlog.RecordHash([]byte("rewritten event 1"))))
	_, err = witness.AddCheckpoint(ctx, nil, url, 2, nil, fork)
	var se *witness.StatusError
	if !errors.As(err, &se) || se.StatusCode != 422 {
		t.Fatalf("fork: %v, want 422", err)
	}
	stop(cmd, sc)

	code, out, errOut = runCmd("witness", "evidence", "--db", db)
	if code != 0 || !strings.Contains(out, "# evidence 1:") || !strings.Contains(out, string(fork)) || !strings.Contains(errOut, "1 evidence record") {
		t.Fatalf("witness evidence: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd("witness", "evidence", "--db", filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("evidence from a missing database: exit %d %s", code, errOut)
	}
}
