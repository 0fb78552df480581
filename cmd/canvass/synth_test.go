package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
)

// synthChildEnv makes the test binary run "canvass <args>" (the arguments
// after "--") instead of the tests: the SIGKILL test's child.
const synthChildEnv = "CANVASS_CLI_CHILD"

func TestMain(m *testing.M) {
	// argon2id at its production cost was most of the office tests' CPU
	// time (each enrolls and signs in several people); the PHC string
	// carries its parameters, and package auth tests the production cost.
	auth.DefaultArgon2 = auth.Argon2Params{Time: 1, MemoryKiB: 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	if os.Getenv(synthChildEnv) != "" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSynthKilledMidWrite: a synth killed while writing the CVR file leaves
// no file under the final name (only its temporary, which no reader looks
// at), so a later run cannot count a truncated election (issue 11). The
// child is this test binary running "canvass synth"; it is killed with
// SIGKILL once its temporary file holds data, before it is complete.
func TestSynthKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large synthetic file")
	}
	dir := t.TempDir()
	const ballots = 3_000_000
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "synth", "--out", dir, "--no-cdf", "--ballots", fmt.Sprint(ballots))
	cmd.Env = append(os.Environ(), synthChildEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, "synthetic_cvr.csv")
	deadline := time.Now().Add(30 * time.Second)
	killed := false
	for time.Now().Before(deadline) && !killed {
		// Kill as soon as anything is being written: the temporary with
		// data in it, or (were the write not atomic) the final file.
		writing := false
		tmps, _ := filepath.Glob(filepath.Join(dir, ".synthetic_cvr.csv.tmp-*"))
		for _, tmp := range tmps {
			if st, err := os.Stat(tmp); err == nil && st.Size() > 0 {
				writing = true
			}
		}
		if _, err := os.Stat(final); err == nil {
			writing = true
		}
		if writing {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("the child never started writing; stderr:\n%s", stderr.String())
	}
	data, err := os.ReadFile(final)
	if err == nil {
		// Whatever is under the final name must be whole.
		if n := strings.Count(string(data), "\n"); n != ballots+1 {
			t.Fatalf("%s has %d lines after SIGKILL; want no file or all %d", final, n, ballots+1)
		}
		return
	}
	if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			t.Errorf("after SIGKILL mid-write, %s is in the output folder; want only the hidden temporary", e.Name())
		}
	}
}
