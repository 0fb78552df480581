package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
	"golang.org/x/mod/sumdb/note"
)

func TestInitJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "office")
	code, out, errOut := logRun("", "init", "--data", dir, "--origin", "clerk.example/office", "--admin", "ada", "--admin", "bob", "--json")
	if code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"enrollment", "origin", "vkey"}) {
		t.Fatalf("init --json keys %v", keys)
	}
	var c office.Created
	json.Unmarshal([]byte(out), &c)
	if c.Origin != "clerk.example/office" || !strings.HasPrefix(c.VKey, "clerk.example/office+") || c.Enrollment["ada"] == "" || c.Enrollment["bob"] == "" {
		t.Fatalf("init --json: %s", out)
	}
	for _, f := range []string{"keys/log.key", "keys/seal.key"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}
	if code, _, _ := logRun("", "init", "--data", dir, "--origin", "clerk.example/office", "--admin", "ada", "--admin", "bob"); code == 0 {
		t.Error("init over an existing office succeeded")
	}
	if code, _, errOut := logRun("", "init", "--data", filepath.Join(t.TempDir(), "x"), "--origin", "o.example/x", "--admin", "ada"); code == 0 || !strings.Contains(errOut, "two") {
		t.Errorf("init with one admin: %d %s", code, errOut)
	}

	// rebuild recreates the same database and keeps the credentials.
	before := dumpDB(t, filepath.Join(dir, office.DefaultDBName))
	if code, out, errOut := logRun("", "rebuild", "--data", dir); code != 0 || !strings.Contains(out, "2 credentials") {
		t.Fatalf("rebuild: %d %s %s", code, out, errOut)
	}
	if after := dumpDB(t, filepath.Join(dir, office.DefaultDBName)); !bytes.Equal(before, after) {
		t.Fatalf("rebuilt dump differs:\n%s\n%s", before, after)
	}
}

func dumpDB(t *testing.T, path string) []byte {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestServeCrashHelper(t *testing.T) {
	if os.Getenv("CANVASS_SERVE_CHILD") != "1" {
		return
	}
	var args []string
	json.Unmarshal([]byte(os.Getenv("CANVASS_SERVE_ARGS")), &args)
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// startServe runs "canvass serve" in a subprocess and returns it with its
// base URL.
func startServe(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"})
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeCrashHelper$")
	cmd.Env = append(os.Environ(), "CANVASS_SERVE_CHILD=1", "CANVASS_SERVE_ARGS="+string(args))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("serve did not start: %v %s", err, stderr.String())
	}
	i := strings.Index(line, "http://")
	j := strings.Index(line[i:], "/ ")
	return cmd, line[i : i+j]
}

func postJSON(t *testing.T, c *http.Client, u string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestServeSurvivesSIGKILL kills "canvass serve" with SIGKILL at random
// moments while an administrator's session creates two-person requests as
// fast as it can (each a durable, logged write), restarts it, and checks
// that every acknowledged request is in the database and the log, the log
// verifies, and a rebuild gives the same database.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs subprocesses")
	}
	dir := filepath.Join(t.TempDir(), "office")
	code, out, errOut := logRun("", "init", "--data", dir, "--origin", "clerk.example/crash", "--admin", "ada", "--admin", "bob", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var created office.Created
	json.Unmarshal([]byte(out), &created)
	cmd, base := startServe(t, dir)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	_, vkey, _ := note.GenerateKey(rand.Reader, "ada")
	pw := "correct horse battery staple"
	code, body := postJSON(t, c, base+"/api/v1/enroll", map[string]string{"user": "ada", "code": created.Enrollment["ada"], "password": pw, "signing_key": vkey})
	if code != 200 {
		t.Fatalf("enroll: %d %s", code, body)
	}
	var enr struct {
		TOTPURI string `json:"totp_uri"`
	}
	json.Unmarshal(body, &enr)
	u, _ := url.Parse(enr.TOTPURI)
	seed, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	now := time.Now()
	if code, body := postJSON(t, c, base+"/api/v1/enroll/confirm", map[string]string{"user": "ada", "code": created.Enrollment["ada"], "totp": auth.TOTPCode(seed, now.Add(-30*time.Second))}); code != 204 {
		t.Fatalf("confirm: %d %s", code, body)
	}
	if code, body := postJSON(t, c, base+"/api/v1/login", map[string]string{"user": "ada", "password": pw, "totp": auth.TOTPCode(seed, now)}); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	// Administrators may not create elections; they may request users,
	// which is a logged write that changes the database.
	seed64 := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed64)
	r := mrand.New(mrand.NewPCG(seed64, 2))
	var acked []string
	n := 0
	for round := 0; round < 3; round++ {
		done := make(chan struct{})
		ackedRound := make(chan string, 10000)
		go func() {
			defer close(done)
			for {
				name := fmt.Sprintf("user%d", n)
				n++
				code, body, err := tryPost(c, base+"/api/v1/users", map[string]any{"name": name, "roles": []string{"official"}})
				if err != nil {
					return // the server died
				}
				if code != 202 {
					t.Errorf("request %s: %d %s", name, code, body)
					return
				}
				ackedRound <- name
			}
		}()
		time.Sleep(time.Duration(200+r.IntN(600)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		<-done
		close(ackedRound)
		for a := range ackedRound {
			acked = append(acked, a)
		}
		cmd, base = startServe(t, dir)
		resp, err := c.Get(base + "/api/v1/requests")
		if err != nil {
			t.Fatal(err)
		}
		var reqs []struct {
			Action struct{ Name string } `json:"action"`
		}
		json.NewDecoder(resp.Body).Decode(&reqs)
		resp.Body.Close()
		have := map[string]bool{}
		for _, q := range reqs {
			have[q.Action.Name] = true
		}
		for _, a := range acked {
			if !have[a] {
				t.Fatalf("round %d: acknowledged request for %s is missing after the restart", round, a)
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatal("no request was acknowledged before the kills")
	}
	t.Logf("%d acknowledged requests survived 3 kills", len(acked))
	if _, err := ledger.Verify(context.Background(), ledger.DirFetcher(filepath.Join(dir, "log")), ledger.VerifyOptions{VKey: created.VKey}); err != nil {
		t.Fatal(err)
	}
	// Serve once more to apply anything the last kill left unapplied,
	// then a rebuild must give the same database.
	cmd, _ = startServe(t, dir)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	before := dumpDB(t, filepath.Join(dir, office.DefaultDBName))
	if code, _, errOut := logRun("", "rebuild", "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	after := dumpDB(t, filepath.Join(dir, office.DefaultDBName))
	if !bytes.Equal(before, after) {
		t.Fatalf("rebuilt dump differs")
	}
}

func tryPost(c *http.Client, u string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	resp, err := c.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}
