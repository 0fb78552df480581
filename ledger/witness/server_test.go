package witness_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

const origin = "canvass.example/county-42"

// step is one request in a protocol scenario and what must come of it.
type step struct {
	body    func(env *witnesstesting.Env) []byte
	status  int
	bodyHas string // substring of the response body
	stored  int64  // stored size afterwards; -1 means no state
}

func TestAddCheckpointProtocol(t *testing.T) {
	req := func(old, n int64) func(env *witnesstesting.Env) []byte {
		return func(env *witnesstesting.Env) []byte { return env.Logs[origin].Request(old, n) }
	}
	raw := func(s string) func(env *witnesstesting.Env) []byte {
		return func(env *witnesstesting.Env) []byte { return []byte(s) }
	}
	// custom builds a request from parts of the test log.
	custom := func(f func(l *witnesstesting.Log) *witness.AddCheckpointRequest) func(env *witnesstesting.Env) []byte {
		return func(env *witnesstesting.Env) []byte { return f(env.Logs[origin]).Body() }
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first checkpoint with old 0", []step{
			{body: req(0, 5), status: 200, stored: 5},
		}},
		{"first checkpoint of the empty tree", []step{
			{body: req(0, 0), status: 200, stored: 0},
			{body: req(0, 3), status: 200, stored: 3},
		}},
		{"consistent advances", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: req(5, 12), status: 200, stored: 12},
			{body: req(12, 16), status: 200, stored: 16},
			{body: req(16, 17), status: 200, stored: 17},
			{body: req(17, 1000), status: 200, stored: 1000},
		}},
		{"same checkpoint resubmitted is cosigned again", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: req(5, 5), status: 200, stored: 5},
			{body: req(5, 5), status: 200, stored: 5},
		}},
		{"old 0 after a cosignature reports the stored size", []step{
			{body: req(0, 7), status: 200, stored: 7},
			{body: req(0, 9), status: 409, bodyHas: "7\n", stored: 7},
		}},
		{"rollback to a smaller tree", []step{
			{body: req(0, 10), status: 200, stored: 10},
			{body: req(5, 5), status: 409, bodyHas: "10\n", stored: 10},
			{body: req(5, 8), status: 409, bodyHas: "10\n", stored: 10},
		}},
		{"old size larger than the checkpoint", []step{
			{body: req(0, 10), status: 200, stored: 10},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				return &witness.AddCheckpointRequest{OldSize: 10, SignedCheckpoint: l.Checkpoint(5)}
			}), status: 400, bodyHas: "larger than the checkpoint size", stored: 10},
		}},
		{"fork at the same size", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				return &witness.AddCheckpointRequest{OldSize: 5, SignedCheckpoint: l.Fork().Checkpoint(5)}
			}), status: 422, bodyHas: "refusing a fork", stored: 5},
		}},
		{"fork at a larger size with the fork's own proof", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				f := l.Fork()
				return &witness.AddCheckpointRequest{OldSize: 5, Proof: f.Proof(5, 9), SignedCheckpoint: f.Checkpoint(9)}
			}), status: 422, bodyHas: "does not verify", stored: 5},
		}},
		{"tampered consistency proof", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				p := l.Proof(5, 9)
				p[1][0] ^= 1
				return &witness.AddCheckpointRequest{OldSize: 5, Proof: p, SignedCheckpoint: l.Checkpoint(9)}
			}), status: 422, stored: 5},
		}},
		{"truncated consistency proof", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				p := l.Proof(5, 9)
				return &witness.AddCheckpointRequest{OldSize: 5, Proof: p[:len(p)-1], SignedCheckpoint: l.Checkpoint(9)}
			}), status: 422, stored: 5},
		}},
		{"proof with the same size", []step{
			{body: req(0, 5), status: 200, stored: 5},
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				return &witness.AddCheckpointRequest{OldSize: 5, Proof: []tlog.Hash{l.Root(5)}, SignedCheckpoint: l.Checkpoint(5)}
			}), status: 422, stored: 5},
		}},
		{"proof sent with old size 0", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				return &witness.AddCheckpointRequest{OldSize: 0, Proof: l.Proof(3, 5), SignedCheckpoint: l.Checkpoint(5)}
			}), status: 422, bodyHas: "proof must be empty", stored: -1},
		}},
		{"empty tree with a non-empty root hash", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				text := witness.Checkpoint{Origin: l.Origin, Size: 0, Hash: l.Root(1)}.Text()
				return &witness.AddCheckpointRequest{SignedCheckpoint: l.Sign(text)}
			}), status: 422, bodyHas: "empty tree hash", stored: -1},
		}},
		{"altered log signature", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				cp := l.Checkpoint(5)
				i := bytes.LastIndexByte(cp[:len(cp)-1], ' ') + 10
				cp[i] ^= 'A' ^ 'B'
				if cp[i] == '=' || cp[i] == '\n' {
					t.Fatal("test altered the wrong byte")
				}
				return &witness.AddCheckpointRequest{SignedCheckpoint: cp}
			}), status: 403, bodyHas: "does not verify", stored: -1},
		}},
		{"checkpoint text altered after signing", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				cp := l.Checkpoint(5)
				return &witness.AddCheckpointRequest{SignedCheckpoint: bytes.Replace(cp, []byte("\n5\n"), []byte("\n6\n"), 1)}
			}), status: 403, stored: -1},
		}},
		{"signed only by an unknown key with the log's name", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				impostor := witnesstesting.NewLog(t, l.Origin+"/impostor")
				s, _ := note.NewSigner(mustSkey(t, l.Origin, "impostor"))
				impostor.Signer = s
				return &witness.AddCheckpointRequest{SignedCheckpoint: impostor.Sign(l.Text(5))}
			}), status: 403, bodyHas: "no signature from a key this witness trusts", stored: -1},
		}},
		{"unknown origin", []step{
			{body: func(env *witnesstesting.Env) []byte {
				return witnesstesting.NewLog(t, "other.example/log").Request(0, 3)
			}, status: 404, stored: -1},
		}},
		{"extension lines and foreign signatures are accepted", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				text := witness.Checkpoint{Origin: l.Origin, Size: 4, Hash: l.Root(4), Extensions: []string{"election 2026-11-03"}}.Text()
				other := witnesstesting.NewCosigner(t, "someone.example/other")
				msg, err := note.Sign(&note.Note{Text: string(text)}, other, l.Signer)
				if err != nil {
					t.Fatal(err)
				}
				return &witness.AddCheckpointRequest{SignedCheckpoint: msg}
			}), status: 200, stored: 4},
		}},
		{"malformed: no old line", []step{{body: raw("olde 1\n\n"), status: 400, bodyHas: "line 1", stored: -1}}},
		{"malformed: leading zero in old size", []step{
			{body: func(env *witnesstesting.Env) []byte {
				return append([]byte("old 05\n\n"), env.Logs[origin].Checkpoint(5)...)
			}, status: 400, bodyHas: "leading zeroes", stored: -1},
		}},
		{"malformed: proof line not base64", []step{
			{body: func(env *witnesstesting.Env) []byte {
				return append([]byte("old 3\nnot-base64!\n\n"), env.Logs[origin].Checkpoint(5)...)
			}, status: 400, bodyHas: "line 2", stored: -1},
		}},
		{"malformed: 64 proof lines", []step{
			{body: func(env *witnesstesting.Env) []byte {
				b := []byte("old 3\n")
				for i := 0; i < 64; i++ {
					b = append(b, base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n"...)
				}
				return append(append(b, '\n'), env.Logs[origin].Checkpoint(5)...)
			}, status: 400, bodyHas: "more than 63", stored: -1},
		}},
		{"malformed: CRLF line endings", []step{
			{body: func(env *witnesstesting.Env) []byte {
				return bytes.ReplaceAll(env.Logs[origin].Request(0, 5), []byte("\n"), []byte("\r\n"))
			}, status: 400, stored: -1},
		}},
		{"malformed: checkpoint without signatures", []step{
			{body: func(env *witnesstesting.Env) []byte {
				return append([]byte("old 0\n\n"), env.Logs[origin].Text(5)...)
			}, status: 400, stored: -1},
		}},
		{"malformed: empty body", []step{{body: raw(""), status: 400, stored: -1}}},
		{"malformed: size with a sign", []step{
			{body: custom(func(l *witnesstesting.Log) *witness.AddCheckpointRequest {
				text := []byte(l.Origin + "\n+5\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n")
				return &witness.AddCheckpointRequest{SignedCheckpoint: l.Sign(text)}
			}), status: 400, bodyHas: "tree size", stored: -1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := witnesstesting.NewEnv(t, nil, origin)
			for i, s := range tc.steps {
				before, hadBefore, _ := env.Store.Latest(context.Background(), origin)
				body := s.body(env)
				rec := env.Post(body)
				if rec.Code != s.status {
					t.Fatalf("step %d: status %d, want %d; body %q", i, rec.Code, s.status, rec.Body.String())
				}
				if !strings.Contains(rec.Body.String(), s.bodyHas) {
					t.Errorf("step %d: body %q does not contain %q", i, rec.Body.String(), s.bodyHas)
				}
				after, found, err := env.Store.Latest(context.Background(), origin)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case s.stored < 0 && found:
					t.Errorf("step %d: state stored (size %d), want none", i, after.Size)
				case s.stored >= 0 && (!found || after.Size != uint64(s.stored)):
					t.Errorf("step %d: stored size %d (found %v), want %d", i, after.Size, found, s.stored)
				}
				if rec.Code != 200 {
					if hadBefore != found || found && after.Version != before.Version {
						t.Errorf("step %d: refused request changed the stored state", i)
					}
					if rec.Code == 409 {
						if ct := rec.Header().Get("Content-Type"); ct != "text/x.tlog.size" {
							t.Errorf("409 Content-Type %q, want text/x.tlog.size", ct)
						}
						if want := fmt.Sprintf("%d\n", after.Size); rec.Body.String() != want {
							t.Errorf("409 body %q, want %q", rec.Body.String(), want)
						}
					}
					continue
				}
				checkCosignedResponse(t, env, body, rec.Body.Bytes(), after)
			}
		})
	}
}

// checkCosignedResponse verifies a 200 answer: one cosignature line from
// the witness key over the submitted checkpoint, timestamped with the
// witness clock, matching what was stored for monitors.
func checkCosignedResponse(t *testing.T, env *witnesstesting.Env, body, resp []byte, st witness.State) {
	t.Helper()
	if bytes.Count(resp, []byte("\n")) != 1 || !bytes.HasPrefix(resp, []byte("— witness.example/w1 ")) {
		t.Fatalf("response %q is not one signature line from the witness", resp)
	}
	req, err := witness.ParseAddCheckpointRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(append(bytes.Clone(req.SignedCheckpoint), resp...), note.VerifierList(env.Cosigner.Verifier()))
	if err != nil {
		t.Fatalf("cosignature does not verify with note.Open: %v", err)
	}
	ts, err := witness.CosignatureTimestamp(n.Sigs[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := env.Clock.Now(); !ts.Equal(want) {
		t.Errorf("cosignature time %v, want %v", ts, want)
	}
	if st.Size != req.Checkpoint.Size || st.Hash != req.Checkpoint.Hash || uint64(ts.Unix()) != st.Timestamp {
		t.Errorf("stored state %+v does not match the cosigned checkpoint", st)
	}
	if !bytes.HasSuffix(st.Checkpoint, resp) {
		t.Errorf("stored monitoring checkpoint does not end with the returned cosignature")
	}
}

func mustSkey(t *testing.T, name, label string) string {
	skey, _, err := note.GenerateKey(bytes.NewReader(witnesstesting.Seed(label)), name)
	if err != nil {
		t.Fatal(err)
	}
	return skey
}

func TestKeyRotationTwoKeysForOneOrigin(t *testing.T) {
	oldLog := witnesstesting.NewLog(t, origin)
	newSkey := mustSkey(t, origin, "rotated")
	newSigner, _ := note.NewSigner(newSkey)
	newVkey, _ := note.NewEd25519VerifierKey(origin, ed25519.NewKeyFromSeed(witnesstesting.Seed("rotated")).Public().(ed25519.PublicKey))
	list, err := witness.ParseLogList([]byte("log " + oldLog.VKey + "\nlog " + newVkey + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := witness.NewServer(witness.Config{Cosigner: witnesstesting.NewCosigner(t, "w.example"), Logs: list, Store: witnesstesting.NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddCheckpoint(context.Background(), oldLog.Request(0, 3)); err != nil {
		t.Fatalf("old key: %v", err)
	}
	oldLog.Signer = newSigner
	if _, err := srv.AddCheckpoint(context.Background(), oldLog.Request(3, 6)); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
}

func TestTimestampsNeverGoBackwards(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	l := env.Logs[origin]
	if rec := env.Post(l.Request(0, 2)); rec.Code != 200 {
		t.Fatal(rec.Body.String())
	}
	first, _, _ := env.Store.Latest(context.Background(), origin)
	env.Clock.Set(env.Clock.Now().Add(-time.Hour)) // clock stepped back
	rec := env.Post(l.Request(2, 4))
	if rec.Code != 200 {
		t.Fatal(rec.Body.String())
	}
	second, _, _ := env.Store.Latest(context.Background(), origin)
	if second.Timestamp != first.Timestamp {
		t.Errorf("after the clock went back an hour the timestamp is %d, want the previous %d", second.Timestamp, first.Timestamp)
	}
	n, err := note.Open(append(l.Checkpoint(4), rec.Body.Bytes()...), note.VerifierList(env.Cosigner.Verifier()))
	if err != nil {
		t.Fatal(err)
	}
	if ts, _ := witness.CosignatureTimestamp(n.Sigs[0]); uint64(ts.Unix()) != first.Timestamp {
		t.Errorf("returned cosignature time %d, want %d", ts.Unix(), first.Timestamp)
	}
}

func TestConcurrentAdvancesFromOneOldSize(t *testing.T) {
	witnesstesting.ConcurrentAdvances(t, witnesstesting.NewMemStore(), origin)
}

func TestOperationalLog(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	l := env.Logs[origin]
	env.Post(l.Request(0, 5))
	env.Post(l.Request(2, 6))
	out := env.LogText.String()
	for _, want := range []string{
		`msg="cosigned checkpoint"`, "origin=" + origin, "old=0", "size=5", "status=200",
		`msg="refused checkpoint"`, "old=2", "size=6", "status=409",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("operational log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PRIVATE") {
		t.Error("operational log contains key material")
	}
}

func TestHTTPHostileRequests(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	big := bytes.Repeat([]byte("A"), witness.DefaultMaxBodyBytes+1)
	tests := []struct {
		name, method, path string
		body               io.Reader
		contentLength      int64 // -1 hides the length (chunked)
		status             int
	}{
		{"GET add-checkpoint", http.MethodGet, "/add-checkpoint", nil, 0, 405},
		{"PUT add-checkpoint", http.MethodPut, "/add-checkpoint", strings.NewReader("x"), 1, 405},
		{"unknown path", http.MethodPost, "/add-checkpoints", strings.NewReader("x"), 1, 404},
		{"declared oversized body", http.MethodPost, "/add-checkpoint", bytes.NewReader(big), int64(len(big)), 413},
		{"chunked oversized body", http.MethodPost, "/add-checkpoint", bytes.NewReader(big), -1, 413},
		{"binary garbage", http.MethodPost, "/add-checkpoint", bytes.NewReader([]byte{0, 1, 2, 0xff, '\n'}), 5, 400},
		{"monitor: unknown origin hash", http.MethodGet, "/" + strings.Repeat("ab", 32) + "/checkpoint", nil, 0, 404},
		{"monitor: POST", http.MethodPost, "/" + strings.Repeat("ab", 32) + "/checkpoint", nil, 0, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, tc.body)
			req.ContentLength = tc.contentLength
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%q)", rec.Code, tc.status, rec.Body.String())
			}
			if tc.status == 405 && rec.Header().Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			if _, found, _ := env.Store.Latest(context.Background(), origin); found {
				t.Error("hostile request stored state")
			}
		})
	}
}

func TestMonitorCheckpoint(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	l := env.Logs[origin]
	sum := sha256.Sum256([]byte(origin))
	path := "/" + hex.EncodeToString(sum[:]) + "/checkpoint"
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := get(); rec.Code != 404 {
		t.Fatalf("before any cosignature: %d, want 404", rec.Code)
	}
	// An extra unknown signature must not be served to monitors.
	cp, err := note.Sign(&note.Note{Text: string(l.Text(6))}, l.Signer, witnesstesting.NewCosigner(t, "other.example/x"))
	if err != nil {
		t.Fatal(err)
	}
	if rec := env.Post((&witness.AddCheckpointRequest{SignedCheckpoint: cp}).Body()); rec.Code != 200 {
		t.Fatal(rec.Body.String())
	}
	rec := get()
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	logV, _ := note.NewVerifier(l.VKey)
	n, err := note.Open(rec.Body.Bytes(), note.VerifierList(logV, env.Cosigner.Verifier()))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Sigs) != 2 || len(n.UnverifiedSigs) != 0 {
		t.Fatalf("monitor checkpoint has %d verified and %d other signatures, want the log's and the witness's only", len(n.Sigs), len(n.UnverifiedSigs))
	}
	if n.Text != string(l.Text(6)) {
		t.Errorf("monitor checkpoint text %q", n.Text)
	}
}

func TestStoreFailureReturnsNoCosignature(t *testing.T) {
	store := witnesstesting.NewMemStore()
	env := witnesstesting.NewEnv(t, store, origin)
	store.FailNext = errors.New("disk full")
	rec := env.Post(env.Logs[origin].Request(0, 4))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "—") {
		t.Fatalf("store failure: %d %q; want 500 without a cosignature", rec.Code, rec.Body.String())
	}
	if _, found, _ := store.Latest(context.Background(), origin); found {
		t.Fatal("state stored despite the failure")
	}
}

// TestSlowClientsAreCut checks the server timeouts against a client that
// trickles its headers (slowloris) and one that stalls mid-body.
func TestSlowClientsAreCut(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := env.Server.HTTPServer("", witness.Timeouts{ReadHeader: 200 * time.Millisecond, Read: 400 * time.Millisecond, Write: time.Second, Idle: time.Second})
	go hs.Serve(ln)
	defer hs.Close()

	tests := []struct {
		name    string
		prefix  string
		trickle string
	}{
		{"slow headers", "POST /add-checkpoint HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n"},
		{"stalled body", "POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nold 0\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			io.WriteString(c, tc.prefix)
			closed := make(chan struct{})
			go func() {
				io.Copy(io.Discard, c)
				close(closed)
			}()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					if d := time.Since(start); d > 3*time.Second {
						t.Errorf("connection closed after %v", d)
					}
					return
				case <-tick.C:
					if tc.trickle != "" {
						io.WriteString(c, tc.trickle)
					}
					if time.Since(start) > 5*time.Second {
						t.Fatal("server kept a slow connection open for 5 s")
					}
				}
			}
		})
	}
	if _, found, _ := env.Store.Latest(context.Background(), origin); found {
		t.Error("slow request stored state")
	}
}
