package verify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// fixture is the Minneapolis 2013 mayoral contest (ES&S export and RCTab
// configuration) shipped with the demo.
const fixture = "../demo/minneapolis2013/2013_minneapolis_mayor"

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

// testOffice is an office built through the office library.
type testOffice struct {
	t        *testing.T
	ctx      context.Context
	dir      string
	o        *office.Office
	clock    *clock
	people   map[string]*person
	election string
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

// binarySHA is the binary the test office claims to run.
const binarySHA = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

func newTestOffice(t *testing.T) *testOffice {
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
	x := &testOffice{t: t, ctx: ctx, dir: dir, o: o, clock: c, people: map[string]*person{}, created: created}
	if err := o.ServiceStart(ctx, "canvass test", binarySHA, ""); err != nil {
		t.Fatal(err)
	}
	x.enroll("ada", created.Enrollment["ada"])
	x.enroll("bob", created.Enrollment["bob"])
	return x
}

func (x *testOffice) enroll(name, code string) *person {
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
	uri, err := x.o.Enroll(x.ctx, name, code, p.pw, vkey)
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
	if err := x.o.ConfirmEnrollment(x.ctx, name, code, auth.TOTPCode(p.seed, x.clock.Now())); err != nil {
		t.Fatal(err)
	}
	x.clock.advance()
	s, err := x.o.Login(x.ctx, name, p.pw, auth.TOTPCode(p.seed, x.clock.Now()), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p.user = s.User
	x.people[name] = p
	return p
}

func (p *person) sign(t *testing.T, text string) string {
	msg, err := note.Sign(&note.Note{Text: text}, p.signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

// approve has a and then b sign request q.
func (x *testOffice) approve(q *office.RequestView, a, b string) *office.RequestView {
	x.t.Helper()
	for _, n := range []string{a, b} {
		p := x.people[n]
		v, err := x.o.Sign(x.ctx, p.user, q.ID, p.sign(x.t, q.SignText))
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
func (x *testOffice) newUser(name string, roles []string, jurisdiction string) *person {
	x.t.Helper()
	q, err := x.o.RequestUser(x.ctx, x.people["ada"].user, name, roles, jurisdiction)
	if err != nil {
		x.t.Fatal(err)
	}
	x.approve(q, "ada", "bob")
	v, err := x.o.Request(x.ctx, x.people["ada"].user, q.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	return x.enroll(name, v.Result["enrollment_code"])
}

// publishMinneapolis approves the running binary, creates officials, an
// election, uploads the Minneapolis 2013 CVRs, tabulates them with the
// RCTab configuration and publishes the results with two signatures.
func (x *testOffice) publishMinneapolis() {
	t := x.t
	t.Helper()
	q, err := x.o.RequestInstall(x.ctx, x.people["ada"].user, "canvass", "canvass test", binarySHA, "")
	if err != nil {
		t.Fatal(err)
	}
	x.approve(q, "ada", "bob")
	olga := x.newUser("olga", []string{"official"}, "state/hennepin")
	x.newUser("pat", []string{"official"}, "state/hennepin")
	el, err := x.o.CreateElection(x.ctx, olga.user, "2013 Minneapolis Mayor", "2013-11-05", "")
	if err != nil {
		t.Fatal(err)
	}
	x.election = el.ID
	xlsx, err := os.ReadFile(fixture + "_cvr.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	done := false
	if _, err := x.o.Upload(x.ctx, olga.user, el.ID, func() (*office.UploadPart, error) {
		if done {
			return nil, office.ErrNoMoreParts
		}
		done = true
		return &office.UploadPart{Name: "mpls_cvr.xlsx", Body: bytes.NewReader(xlsx)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	raw, err := os.ReadFile(fixture + "_config.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "mpls_cvr.xlsx"
	cfgJSON, _ := json.Marshal(cfg)
	tab, err := x.o.Tabulate(x.ctx, olga.user, el.ID, &office.TabulationRequest{RCTabConfig: cfgJSON})
	if err != nil {
		t.Fatal(err)
	}
	pq, err := x.o.RequestPublication(x.ctx, olga.user, el.ID, tab.ID)
	if err != nil {
		t.Fatal(err)
	}
	x.approve(pq, "olga", "pat")
}

// export writes the election's evidence package and returns its path.
func (x *testOffice) export() string {
	x.t.Helper()
	out := filepath.Join(x.t.TempDir(), "evidence")
	if err := office.ExportEvidence(x.ctx, x.dir, x.election, out); err != nil {
		x.t.Fatal(err)
	}
	return out
}

// logKey is the office's log signing key (what an insider holds).
func (x *testOffice) logKey() string {
	x.t.Helper()
	b, err := os.ReadFile(filepath.Join(x.dir, "keys", "log.key"))
	if err != nil {
		x.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
