// Package verifytest builds election offices through the office library
// for the tests of the verifier and of "canvass verify": an office with the
// Minneapolis 2013 mayoral contest tabulated and published with two
// signatures, exported as an evidence package.
package verifytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
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

// fixture is the Minneapolis 2013 mayoral contest (ES&S export and RCTab
// configuration) shipped with the demo.
var fixture = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "demo", "minneapolis2013", "2013_minneapolis_mayor")
}()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance() {
	c.mu.Lock()
	c.t = c.t.Add(30 * time.Second)
	c.mu.Unlock()
}

// Office is an office built through the office library.
type Office struct {
	t        testing.TB
	ctx      context.Context
	Dir      string
	O        *office.Office
	clock    *clock
	people   map[string]*person
	Election string
	created  *office.Created
}

type person struct {
	name   string
	signer note.Signer
	vkey   string
	seed   []byte
	pw     string
	user   *office.User
}

// BinarySHA is the binary the test office claims to run.
const BinarySHA = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

// New creates an office with two enrolled administrators, ada and bob,
// and a logged service start of BinarySHA.
func New(t testing.TB) *Office {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "clerk.example/office", Admins: []string{"ada", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(); st.Close() })
	x := &Office{t: t, ctx: ctx, Dir: dir, O: o, clock: c, people: map[string]*person{}, created: created}
	if err := o.ServiceStart(ctx, "canvass test", BinarySHA, ""); err != nil {
		t.Fatal(err)
	}
	x.enroll("ada", created.Enrollment["ada"])
	x.enroll("bob", created.Enrollment["bob"])
	return x
}

func (x *Office) enroll(name, code string) *person {
	t := x.t
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	p := &person{name: name, signer: signer, vkey: vkey, pw: "correct horse battery staple " + strings.Repeat("x", len(name)%3+1)}
	uri, err := x.O.Enroll(x.ctx, name, code, p.pw, vkey)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if p.seed, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret"))); err != nil {
		t.Fatal(err)
	}
	x.clock.advance()
	if err := x.O.ConfirmEnrollment(x.ctx, name, code, auth.TOTPCode(p.seed, x.clock.Now())); err != nil {
		t.Fatal(err)
	}
	x.clock.advance()
	s, err := x.O.Login(x.ctx, name, p.pw, auth.TOTPCode(p.seed, x.clock.Now()), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p.user = s.User
	x.people[name] = p
	return p
}

func (p *person) sign(t testing.TB, text string) string {
	msg, err := note.Sign(&note.Note{Text: text}, p.signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

// approve has a and then b sign request q.
func (x *Office) approve(q *office.RequestView, a, b string) *office.RequestView {
	x.t.Helper()
	for _, n := range []string{a, b} {
		p := x.people[n]
		v, err := x.O.Sign(x.ctx, p.user, q.ID, p.sign(x.t, q.SignText))
		if err != nil {
			x.t.Fatalf("%s signing %s request %s: %v", n, q.Kind, q.ID, err)
		}
		q = v
	}
	if q.Status != "done" {
		x.t.Fatalf("request %s is %s after two signatures", q.ID, q.Status)
	}
	return q
}

// newUser creates a user through a two-administrator request.
func (x *Office) newUser(name string, roles []string, jurisdiction string) *person {
	x.t.Helper()
	q, err := x.O.RequestUser(x.ctx, x.people["ada"].user, name, roles, jurisdiction)
	if err != nil {
		x.t.Fatal(err)
	}
	x.approve(q, "ada", "bob")
	v, err := x.O.Request(x.ctx, x.people["ada"].user, q.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	return x.enroll(name, v.Result["enrollment_code"])
}

// Setup approves the running binary by a software-install request and
// creates two officials, olga and pat, and an election.
func (x *Office) Setup() {
	t := x.t
	t.Helper()
	q, err := x.O.RequestInstall(x.ctx, x.people["ada"].user, "canvass", "canvass test", BinarySHA, "")
	if err != nil {
		t.Fatal(err)
	}
	x.approve(q, "ada", "bob")
	olga := x.newUser("olga", []string{"official"}, "state/hennepin")
	x.newUser("pat", []string{"official"}, "state/hennepin")
	el, err := x.O.CreateElection(x.ctx, olga.user, "2013 Minneapolis Mayor", "2013-11-05", "")
	if err != nil {
		t.Fatal(err)
	}
	x.Election = el.ID
}

// Tabulate uploads a CVR file as name and tabulates it with the RCTab
// configuration cfg (its first source's filePath is set to name); it
// returns the tabulation's id.
func (x *Office) Tabulate(name string, cvr, cfg []byte) string {
	t := x.t
	t.Helper()
	olga := x.people["olga"]
	done := false
	if _, err := x.O.Upload(x.ctx, olga.user, x.Election, func() (*office.UploadPart, error) {
		if done {
			return nil, office.ErrNoMoreParts
		}
		done = true
		return &office.UploadPart{Name: name, Body: bytes.NewReader(cvr)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(cfg, &c); err != nil {
		t.Fatal(err)
	}
	c["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = name
	cfgJSON, _ := json.Marshal(c)
	tab, err := x.O.Tabulate(x.ctx, olga.user, x.Election, &office.TabulationRequest{RCTabConfig: cfgJSON})
	if err != nil {
		t.Fatal(err)
	}
	return tab.ID
}

// Publish publishes a tabulation, requested by olga and approved by pat.
func (x *Office) Publish(tab string) {
	x.t.Helper()
	pq, err := x.O.RequestPublication(x.ctx, x.people["olga"].user, x.Election, tab)
	if err != nil {
		x.t.Fatal(err)
	}
	x.approve(pq, "olga", "pat")
}

// PublishMinneapolis sets up the office, uploads the Minneapolis 2013
// CVRs, tabulates them with the RCTab configuration and publishes the
// results with two signatures.
func (x *Office) PublishMinneapolis() {
	t := x.t
	t.Helper()
	x.Setup()
	xlsx, err := os.ReadFile(fixture + "_cvr.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(fixture + "_config.json")
	if err != nil {
		t.Fatal(err)
	}
	x.Publish(x.Tabulate("mpls_cvr.xlsx", xlsx, cfg))
}

// PadLog closes the office and appends n sign-in events to its log with
// the log key, in large batches: a log as long as a county's without
// waiting for n durable writes.
func (x *Office) PadLog(n int) {
	t := x.t
	t.Helper()
	x.O.Close()
	logDir := filepath.Join(x.Dir, "log")
	skey, err := ledger.ReadKeyFile(filepath.Join(x.Dir, "keys", "log.key"), logDir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.OpenDir(x.ctx, logDir, skey, ledger.Options{Now: x.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for n > 0 {
		k := min(n, 10000)
		evs := make([]ledger.Event, k)
		for i := range evs {
			evs[i] = ledger.Event{Type: "login", Disposition: "success", UserID: "olga", Payload: map[string]any{"method": "password+totp", "address": "127.0.0.1"}}
		}
		if _, err := l.Append(x.ctx, evs); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if _, err := l.Publish(x.ctx); err != nil {
		t.Fatal(err)
	}
}

// Export writes the election's evidence package and returns its path.
func (x *Office) Export() string {
	x.t.Helper()
	out := filepath.Join(x.t.TempDir(), "evidence")
	if err := office.ExportEvidence(x.ctx, x.Dir, x.Election, out); err != nil {
		x.t.Fatal(err)
	}
	return out
}

// LogKey is the office's log signing key (what an insider holds).
func (x *Office) LogKey() string {
	x.t.Helper()
	b, err := os.ReadFile(filepath.Join(x.Dir, "keys", "log.key"))
	if err != nil {
		x.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
