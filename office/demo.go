package office

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/store"
	"golang.org/x/mod/sumdb/note"
)

// DemoPerson is one account of the demo office, with everything needed to
// sign in and to sign requests as them. Demo only: real people keep these
// to themselves.
type DemoPerson struct {
	User     string
	Roles    []string
	Password string
	// TOTPURI holds the TOTP seed (add it to an authenticator app).
	TOTPURI string
	// SigningKey is the private signed-note key for approving requests.
	SigningKey string
}

// DemoInfo describes a demo office.
type DemoInfo struct {
	Origin   string
	VKey     string
	Election string
	People   []DemoPerson
	// Tabulation is the published tabulation's id and Contest its
	// (only) contest's outcome.
	Tabulation string
	Contest    results.ContestSummary
	// Reports holds the tabulation's detailed_report.json and
	// detailed_report.csv as the office stored them.
	Reports map[string][]byte
	// Install is the executed software-install request that approves
	// the running binary (empty without DemoOptions.BinarySHA256).
	Install string
	// Audit is the audit's outcome (nil without DemoOptions.Audit).
	Audit *DemoAudit
	// Steps are the story's steps in order, with their wall times.
	Steps []DemoStep
}

// DemoStep is one step of the demo and how long it took.
type DemoStep struct {
	Name string
	Took time.Duration
}

// DemoOptions configure NewDemo.
type DemoOptions struct {
	// Version and BinarySHA256 describe the running binary. When
	// BinarySHA256 is set the office records its start (service-start)
	// before anything else, as canvass serve does, and two administrators
	// approve it by a software-install request, as a county records a
	// trusted build; canvass verify's software claim then holds.
	Version, BinarySHA256 string
	// Policy is the log's witness policy (C2SP tlog-policy), if any: every
	// checkpoint is then cosigned by its quorum before it is published.
	Policy []byte
	// Audit also runs the ballot-comparison audit of the mayoral contest
	// (demo_audit.go).
	Audit bool
}

// Demo creates an office in dir with st in which two administrators
// created two officials, and the officials created the 2013 Minneapolis
// mayoral election, uploaded its CVRs, counted it with its RCTab
// configuration and published the results (in test mode), every step
// through the same methods the API calls, two-person rule included.
func Demo(ctx context.Context, dir string, st store.Store) (*DemoInfo, error) {
	return NewDemo(ctx, dir, st, DemoOptions{})
}

// DemoArgon2 is the cost of the demo accounts' password hashes: 1 pass
// over 8 MiB. The demo prints their passwords, so the production cost
// (auth.DefaultArgon2, 64 MiB) would protect nothing, and on the
// project's virtual machine touching 64 MiB of fresh memory per hash
// made password hashing half of the demo's time. The PHC strings record
// the cost; a real office hashes at the production cost.
var DemoArgon2 = auth.Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}

// demoRun is one run of the demo: the office and the people's keys.
type demoRun struct {
	ctx     context.Context
	o       *Office
	info    *DemoInfo
	signers map[string]note.Signer
	last    time.Time
	// witnessed is set when the log has a witness policy.
	witnessed bool
}

// step records the step that ends now.
func (d *demoRun) step(name string) {
	now := time.Now()
	d.info.Steps = append(d.info.Steps, DemoStep{Name: name, Took: now.Sub(d.last)})
	d.last = now
}

// enroll completes the enrollment of name with code, as the person would
// through the API: a password, a new signing key, the TOTP confirmation.
func (d *demoRun) enroll(name, code string, roles []string) (*User, error) {
	o, ctx := d.o, d.ctx
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	pw := "demo password for " + strings.ToUpper(name[:1]) + " " + strings.Repeat("*", 3)
	uri, err := o.Enroll(ctx, name, code, pw, vkey)
	if err != nil {
		return nil, fmt.Errorf("enrolling %s: %w", name, err)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, err
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		return nil, err
	}
	// The code of the previous step: a person signing in right away
	// then uses the current one, which is still unused.
	if err := o.ConfirmEnrollment(ctx, name, code, auth.TOTPCode(seed, o.now().Add(-auth.TOTPPeriod))); err != nil {
		return nil, fmt.Errorf("confirming %s: %w", name, err)
	}
	d.signers[name] = signer
	d.info.People = append(d.info.People, DemoPerson{User: name, Roles: roles, Password: pw, TOTPURI: uri, SigningKey: skey})
	return o.user(ctx, name)
}

// sign signs request q as u, with u's own key.
func (d *demoRun) sign(u *User, q *RequestView) (*RequestView, error) {
	msg, err := note.Sign(&note.Note{Text: q.SignText}, d.signers[u.Name])
	if err != nil {
		return nil, err
	}
	return d.o.Sign(d.ctx, u, q.ID, string(msg))
}

// twoSign has a and then b sign q, and checks that it executed.
func (d *demoRun) twoSign(a, b *User, q *RequestView) error {
	if _, err := d.sign(a, q); err != nil {
		return err
	}
	q, err := d.sign(b, q)
	if err != nil {
		return err
	}
	if q.Status != "done" {
		return fmt.Errorf("request %s (%s) is %s after two signatures", q.ID, q.Kind, q.Status)
	}
	return nil
}

// newUser has admins a and b create user name, who then enrolls.
func (d *demoRun) newUser(a, b *User, name, role string) (*User, error) {
	q, err := d.o.RequestUser(d.ctx, a, name, []string{role}, "state/minneapolis")
	if err != nil {
		return nil, err
	}
	if err := d.twoSign(a, b, q); err != nil {
		return nil, err
	}
	if q, err = d.o.Request(d.ctx, a, q.ID); err != nil {
		return nil, err
	}
	return d.enroll(name, q.Result["enrollment_code"], []string{role})
}

// NewDemo is Demo with options: with opts.BinarySHA256 the binary's start
// is recorded and approved, with opts.Policy the log is witnessed, and
// with opts.Audit the published contest is then audited (demo_audit.go).
func NewDemo(ctx context.Context, dir string, st store.Store, opts DemoOptions) (*DemoInfo, error) {
	d := &demoRun{ctx: ctx, signers: map[string]note.Signer{}, last: time.Now(), info: &DemoInfo{}, witnessed: opts.Policy != nil}
	created, err := Create(ctx, dir, st, CreateOptions{Origin: "demo.canvass.example/minneapolis", Admins: []string{"ada", "bob"}, Policy: opts.Policy})
	if err != nil {
		return nil, err
	}
	o, err := Open(ctx, dir, st, Options{Argon2: &DemoArgon2})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	d.o = o
	info := d.info
	info.Origin, info.VKey = created.Origin, created.VKey
	if opts.BinarySHA256 != "" {
		// First, as canvass serve does: every later entry is then
		// written by a process whose binary the log names.
		if err := o.ServiceStart(ctx, opts.Version, opts.BinarySHA256, ""); err != nil {
			return nil, err
		}
	}
	d.step("office created (log, keys, file store, database)")
	ada, err := d.enroll("ada", created.Enrollment["ada"], []string{RoleAdmin})
	if err != nil {
		return nil, err
	}
	bob, err := d.enroll("bob", created.Enrollment["bob"], []string{RoleAdmin})
	if err != nil {
		return nil, err
	}
	if opts.BinarySHA256 != "" {
		q, err := o.RequestInstall(ctx, ada, "canvass", opts.Version, opts.BinarySHA256, "")
		if err != nil {
			return nil, err
		}
		if err := d.twoSign(ada, bob, q); err != nil {
			return nil, err
		}
		info.Install = q.ID
	}
	olga, err := d.newUser(ada, bob, "olga", RoleOfficial)
	if err != nil {
		return nil, err
	}
	pat, err := d.newUser(ada, bob, "pat", RoleOfficial)
	if err != nil {
		return nil, err
	}
	var aria *User
	if opts.Audit {
		if aria, err = d.newUser(ada, bob, "aria", RoleAuditAdmin); err != nil {
			return nil, err
		}
	}
	if opts.BinarySHA256 != "" {
		d.step(fmt.Sprintf("%d people enrolled (argon2id at the demo's cost, TOTP, signing keys); software install approved", len(info.People)))
	} else {
		d.step(fmt.Sprintf("%d people enrolled (argon2id at the demo's cost, TOTP, signing keys)", len(info.People)))
	}
	c := demo.Minneapolis2013
	fsys, err := c.FS()
	if err != nil {
		return nil, err
	}
	e, err := o.CreateElection(ctx, olga, "2013 Minneapolis Mayor", "2013-11-05", "")
	if err != nil {
		return nil, err
	}
	info.Election = e.ID
	cvrData, err := fs.ReadFile(fsys, c.CVR)
	if err != nil {
		return nil, err
	}
	sent := false
	if _, err := o.Upload(ctx, olga, e.ID, func() (*UploadPart, error) {
		if sent {
			return nil, ErrNoMoreParts
		}
		sent = true
		return &UploadPart{Name: c.CVR, Body: bytes.NewReader(cvrData)}, nil
	}); err != nil {
		return nil, err
	}
	cfg, err := fs.ReadFile(fsys, c.Config)
	if err != nil {
		return nil, err
	}
	d.step("ES&S CVR export uploaded")
	t, err := o.Tabulate(ctx, olga, e.ID, &TabulationRequest{RCTabConfig: cfg})
	if err != nil {
		return nil, err
	}
	info.Tabulation = t.ID
	if err := d.readTabulation(t); err != nil {
		return nil, err
	}
	d.step("counted with its RCTab configuration")
	q, err := o.RequestPublication(ctx, olga, e.ID, t.ID)
	if err != nil {
		return nil, err
	}
	if err := d.twoSign(olga, pat, q); err != nil {
		return nil, err
	}
	d.step("results published (olga requested, pat co-signed)")
	if opts.Audit {
		a, err := d.runAudit(aria, pat)
		if err != nil {
			return nil, fmt.Errorf("the demo audit: %w", err)
		}
		info.Audit = a
	}
	return info, nil
}

// readTabulation keeps the tabulation's outcome and detailed reports.
func (d *demoRun) readTabulation(v *TabulationView) error {
	var s results.Summary
	if err := json.Unmarshal(v.Summary, &s); err != nil {
		return err
	}
	if len(s.Contests) != 1 {
		return fmt.Errorf("the demo tabulation has %d contests, expected 1", len(s.Contests))
	}
	d.info.Contest = s.Contests[0]
	var t Tabulation
	if err := getJSON(d.ctx, d.o.st, kindTabulation, v.ID, &t); err != nil {
		return err
	}
	d.info.Reports = map[string][]byte{}
	for _, r := range t.Reports {
		if r.Name == "detailed_report.json" || r.Name == "detailed_report.csv" {
			data, err := d.o.blobs.ReadAll(r.SHA256)
			if err != nil {
				return err
			}
			d.info.Reports[r.Name] = data
		}
	}
	if len(d.info.Reports) != 2 {
		return fmt.Errorf("tabulation %s lacks its detailed reports", v.ID)
	}
	return nil
}
