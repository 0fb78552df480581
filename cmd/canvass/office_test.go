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
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// crashPerson is a signed-in person of the crash test.
type crashPerson struct {
	name   string
	client *http.Client
	signer note.Signer
}

// enrollOver enrolls and signs in name with code against the server at
// base.
func enrollOver(t *testing.T, base, name, code string) *crashPerson {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &crashPerson{name: name, client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	skey, vkey, _ := note.GenerateKey(rand.Reader, name)
	p.signer, _ = note.NewSigner(skey)
	pw := "correct horse battery staple"
	status, body := postJSON(t, p.client, base+"/api/v1/enroll", map[string]string{"user": name, "code": code, "password": pw, "signing_key": vkey})
	if status != 200 {
		t.Fatalf("enroll %s: %d %s", name, status, body)
	}
	var enr struct {
		TOTPURI string `json:"totp_uri"`
	}
	json.Unmarshal(body, &enr)
	u, _ := url.Parse(enr.TOTPURI)
	seed, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	now := time.Now()
	if status, body := postJSON(t, p.client, base+"/api/v1/enroll/confirm", map[string]string{"user": name, "code": code, "totp": auth.TOTPCode(seed, now.Add(-30*time.Second))}); status != 204 {
		t.Fatalf("confirm %s: %d %s", name, status, body)
	}
	if status, body := postJSON(t, p.client, base+"/api/v1/login", map[string]string{"user": name, "password": pw, "totp": auth.TOTPCode(seed, now)}); status != 200 {
		t.Fatalf("login %s: %d %s", name, status, body)
	}
	return p
}

type crashRequest struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	SignText string `json:"sign_text"`
	Result   map[string]string
}

// sign signs request q as p; it returns the answer or an error once the
// server is gone.
func (p *crashPerson) sign(base string, q crashRequest) (crashRequest, int, error) {
	msg, _ := note.Sign(&note.Note{Text: q.SignText}, p.signer)
	status, body, err := tryPost(p.client, base+"/api/v1/requests/"+q.ID+"/signatures", map[string]string{"signature": string(msg)})
	var out crashRequest
	json.Unmarshal(body, &out)
	return out, status, err
}

// TestServeSurvivesSIGKILL kills "canvass serve" with SIGKILL at random
// moments while two administrators create and execute two-person requests
// and an official uploads files, as fast as they can; it restarts the
// server and checks that every acknowledged change (each a durable, logged
// write) is in the database, that the log verifies, and that a rebuild
// gives the same database.
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
	ada := enrollOver(t, base, "ada", created.Enrollment["ada"])
	bob := enrollOver(t, base, "bob", created.Enrollment["bob"])
	var q crashRequest
	status, body := postJSON(t, ada.client, base+"/api/v1/users", map[string]any{"name": "olga", "roles": []string{"official"}, "jurisdiction": "state/hennepin"})
	json.Unmarshal(body, &q)
	if status != 202 {
		t.Fatalf("user request: %d %s", status, body)
	}
	ada.sign(base, q)
	bob.sign(base, q)
	resp, err := ada.client.Get(base + "/api/v1/requests/" + q.ID)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&q)
	resp.Body.Close()
	olga := enrollOver(t, base, "olga", q.Result["enrollment_code"])
	var el office.Election
	status, body = postJSON(t, olga.client, base+"/api/v1/elections", map[string]string{"name": "General", "date": "2026-11-03"})
	json.Unmarshal(body, &el)
	if status != 201 {
		t.Fatalf("election: %d %s", status, body)
	}

	seed64 := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed64)
	r := mrand.New(mrand.NewPCG(seed64, 2))
	var executed, uploaded []string
	n := 0
	for round := 0; round < 4; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wg.Add(2)
		go func() { // requests, each executed by a second signature
			defer wg.Done()
			for {
				mu.Lock()
				name := fmt.Sprintf("user%d", n)
				n++
				mu.Unlock()
				status, body, err := tryPost(ada.client, base+"/api/v1/users", map[string]any{"name": name, "roles": []string{"observer"}})
				if err != nil {
					return
				}
				var q crashRequest
				json.Unmarshal(body, &q)
				if status != 202 {
					t.Errorf("request %s: %d %s", name, status, body)
					return
				}
				if _, _, err := ada.sign(base, q); err != nil {
					return
				}
				done, status, err := bob.sign(base, q)
				if err != nil {
					return
				}
				if status != 200 || done.Status != "done" {
					t.Errorf("executing %s: %d %+v", name, status, done)
					return
				}
				mu.Lock()
				executed = append(executed, name)
				mu.Unlock()
			}
		}()
		go func() { // uploads
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("r%d-f%d.csv", round, i)
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				fw, _ := mw.CreateFormFile("file", name)
				fmt.Fprintf(fw, "ballot,choice\n%d,%s\n", i, name)
				mw.Close()
				resp, err := olga.client.Post(base+"/api/v1/elections/"+el.ID+"/files", mw.FormDataContentType(), &b)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("upload %s: %d", name, resp.StatusCode)
					return
				}
				mu.Lock()
				uploaded = append(uploaded, name)
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(300+r.IntN(900)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		wg.Wait()
		cmd, base = startServe(t, dir)

		var users []office.User
		getJSONOver(t, ada.client, base+"/api/v1/users", &users)
		have := map[string]bool{}
		for _, u := range users {
			have[u.Name] = true
		}
		for _, name := range executed {
			if !have[name] {
				t.Fatalf("round %d: the acknowledged, executed request for %s is missing after the restart", round, name)
			}
		}
		var files []office.File
		getJSONOver(t, olga.client, base+"/api/v1/elections/"+el.ID+"/files", &files)
		have = map[string]bool{}
		for _, f := range files {
			have[f.Name] = true
		}
		for _, name := range uploaded {
			if !have[name] {
				t.Fatalf("round %d: the acknowledged upload %s is missing after the restart", round, name)
			}
		}
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if len(executed) == 0 || len(uploaded) == 0 {
		t.Fatalf("nothing acknowledged before the kills: %d requests, %d uploads", len(executed), len(uploaded))
	}
	t.Logf("%d executed requests and %d uploads acknowledged across 4 kills", len(executed), len(uploaded))
	if _, err := ledger.Verify(context.Background(), ledger.DirFetcher(filepath.Join(dir, "log")), ledger.VerifyOptions{VKey: created.VKey}); err != nil {
		t.Fatal(err)
	}
	before := dumpDB(t, filepath.Join(dir, office.DefaultDBName))
	if code, _, errOut := logRun("", "rebuild", "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	if after := dumpDB(t, filepath.Join(dir, office.DefaultDBName)); !bytes.Equal(before, after) {
		t.Fatalf("rebuilt dump differs")
	}
}

func getJSONOver(t *testing.T, c *http.Client, u string, v any) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
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
