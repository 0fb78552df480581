package pages_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/office"
	"golang.org/x/mod/sumdb/note"
)

// The audit of the page tests, set up through the office: two counties of
// two batches of 50 ballots each; Governor in both (targeted, a wide
// margin, so that round 1 is small), Mayor a ranked contest in county-b
// only (opportunistic). CVRs are Dominion CSV.

var auditCounties = []string{"county-a", "county-b"}

// pageBallot is one ballot's CVR: contest to ranked choices (nil: blank).
type pageBallot map[string][]string

// pageCVRs are a county's CVRs by "tabulator/batch/position".
func pageCVRs(county string) map[string]pageBallot {
	out := map[string]pageBallot{}
	i := 0
	for batch := 1; batch <= 2; batch++ {
		for pos := 1; pos <= 50; pos++ {
			v := pageBallot{}
			switch {
			case i%25 == 24:
				v["Governor"] = nil
			case (i*7)%10 < 7:
				v["Governor"] = []string{"Alice"}
			default:
				v["Governor"] = []string{"Bob"}
			}
			if county == "county-b" {
				switch k := i % 10; {
				case k < 5:
					v["Mayor"] = []string{"Xavier", "Yolanda"}
				case k < 8:
					v["Mayor"] = []string{"Yolanda", "Zed", "Xavier"}
				default:
					v["Mayor"] = []string{"Zed"}
				}
			}
			out[fmt.Sprintf("1/%d/%d", batch, pos)] = v
			i++
		}
	}
	return out
}

func pageManifest() []byte {
	return []byte("Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,50\nBox 2,1,2,50\n")
}

// pageDominionCSV writes a county's CVRs as Dominion's CSV export.
func pageDominionCSV(county string) []byte {
	var b bytes.Buffer
	cvrs := pageCVRs(county)
	b.WriteString("\"State General\",\"5.2.16.1\"\n")
	type col struct{ contest, head, cand string }
	cols := []col{{"Governor (Vote For=1)", "Alice", "Alice"}, {"Governor (Vote For=1)", "Bob", "Bob"}}
	if county == "county-b" {
		for rank := 1; rank <= 3; rank++ {
			for _, c := range []string{"Xavier", "Yolanda", "Zed"} {
				cols = append(cols, col{"Mayor (Number of positions=1, Number of ranks=3)", fmt.Sprintf("%s(%d)", c, rank), c})
			}
		}
	}
	row2, row3 := ",,,,,,,", ",,,,,,,"
	for _, c := range cols {
		row2 += ",\"" + c.contest + "\""
		row3 += ",\"" + c.head + "\""
	}
	b.WriteString(row2 + "\n" + row3 + "\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType" + strings.Repeat(",", len(cols)) + "\n")
	n := 0
	for batch := 1; batch <= 2; batch++ {
		for pos := 1; pos <= 50; pos++ {
			v := cvrs[fmt.Sprintf("1/%d/%d", batch, pos)]
			n++
			fmt.Fprintf(&b, "%d,1,%d,%d,1-%d-%d,Election Day,P1,B1", n, batch, pos, batch, pos)
			for _, c := range cols {
				contest := strings.SplitN(c.contest, " (", 2)[0]
				mark := "0"
				for r, name := range v[contest] {
					if name == c.cand && (contest != "Mayor" || c.head == fmt.Sprintf("%s(%d)", name, r+1)) {
						mark = "1"
					}
				}
				b.WriteString("," + mark)
			}
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// member is a signed-in person of the office tests: their account and
// their pages password and TOTP seed.
type member struct {
	*person
	u *office.User
}

// officeLogin signs p in through the office and returns their user.
func (e *env) officeLogin(t *testing.T, p *person) *member {
	t.Helper()
	e.clock.Advance(30 * time.Second)
	s, err := e.o.Login(context.Background(), p.name, p.pw, auth.TOTPCode(p.seed, e.clock.Now()), "")
	if err != nil {
		t.Fatalf("login %s: %v", p.name, err)
	}
	return &member{person: p, u: s.User}
}

// enrollCode enrolls name with an enrollment code through the office.
func (e *env) enrollCode(t *testing.T, name, code string) *person {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	p := &person{name: name, pw: "correct horse battery staple " + strings.Repeat("x", len(name)%3+1), signer: signer}
	uri, err := e.o.Enroll(ctx, name, code, p.pw, vkey)
	if err != nil {
		t.Fatalf("enroll %s: %v", name, err)
	}
	u, _ := url.Parse(uri)
	p.seed, _ = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	e.clock.Advance(30 * time.Second)
	if err := e.o.ConfirmEnrollment(ctx, name, code, auth.TOTPCode(p.seed, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	return p
}

// cosign signs request q by a and b.
func (e *env) cosign(t *testing.T, q *office.RequestView, a, b *member) *office.RequestView {
	t.Helper()
	var out *office.RequestView
	for _, m := range []*member{a, b} {
		msg, err := note.Sign(&note.Note{Text: q.SignText}, m.signer)
		if err != nil {
			t.Fatal(err)
		}
		if out, err = e.o.Sign(context.Background(), m.u, q.ID, string(msg)); err != nil {
			t.Fatalf("%s signs %s: %v", m.name, q.ID, err)
		}
	}
	return out
}

// newMember creates a user by a two-person request of the administrators
// and enrolls them.
func (e *env) newMember(t *testing.T, ada, bob *member, name, role, jurisdiction string) *member {
	t.Helper()
	ctx := context.Background()
	q, err := e.o.RequestUser(ctx, ada.u, name, []string{role}, jurisdiction)
	if err != nil {
		t.Fatal(err)
	}
	e.cosign(t, q, ada, bob)
	q, err = e.o.Request(ctx, ada.u, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e.officeLogin(t, e.enrollCode(t, name, q.Result["enrollment_code"]))
}

// auditEnv is an office with an audit set up to round 1.
type auditEnv struct {
	*env
	ada, bob, aa1, aa2, obs, countyOff *member
	audit                              string
}

// newAuditEnv sets up the audit's people, election and audit; with
// upload, the counties' files; with seed also the seed and round 1.
func newAuditEnv(t *testing.T, upload, seed bool) *auditEnv {
	t.Helper()
	ctx := context.Background()
	e := &auditEnv{env: newEnv(t)}
	e.ada, e.bob = e.officeLogin(t, e.enrollDirect(t, "ada")), e.officeLogin(t, e.enrollDirect(t, "bob"))
	off := e.newMember(t, e.ada, e.bob, "olga", office.RoleOfficial, "state")
	e.aa1 = e.newMember(t, e.ada, e.bob, "aa1", office.RoleAuditAdmin, "state")
	e.aa2 = e.newMember(t, e.ada, e.bob, "aa2", office.RoleAuditAdmin, "state")
	e.obs = e.newMember(t, e.ada, e.bob, "obs", office.RoleObserver, "state")
	e.countyOff = e.newMember(t, e.ada, e.bob, "cb-official", office.RoleOfficial, "state/county-b")
	el, err := e.o.CreateElection(ctx, off.u, "State General", "2026-11-03", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.o.CreateAudit(ctx, e.aa1.u, &office.AuditSetup{Name: "State General RLA", Election: el.ID, Type: "ballot-comparison",
		Math: "supersimple", RiskLimit: 0.1, Sampler: "arlo", Contests: []office.AuditContest{
			{Name: "Governor", Targeted: true, Jurisdictions: auditCounties},
			{Name: "Mayor", Kind: "irv", Jurisdictions: auditCounties[1:]},
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.audit = a.ID
	if !upload {
		return e
	}
	for _, c := range auditCounties {
		if _, err := e.o.UploadAuditFile(ctx, e.aa1.u, a.ID, c, "manifest", "arlo", "manifest.csv", bytes.NewReader(pageManifest())); err != nil {
			t.Fatal(err)
		}
		if _, err := e.o.UploadAuditFile(ctx, e.aa1.u, a.ID, c, "cvrs", "dominion-csv", "cvr.csv", bytes.NewReader(pageDominionCSV(c))); err != nil {
			t.Fatal(err)
		}
	}
	if !seed {
		return e
	}
	q, err := e.o.RequestSeed(ctx, e.aa1.u, a.ID, "12345678901234567890123", []string{"Ann Roller"}, []string{"Wes Witness"})
	if err != nil {
		t.Fatal(err)
	}
	if q = e.cosign(t, q, e.aa1, e.aa2); q.Status != "done" {
		t.Fatalf("seed request %s", q.Status)
	}
	if _, err := e.o.DrawRound(ctx, e.aa1.u, a.ID, office.SampleSize{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// newBoard forms a board of county and enrolls and signs in its members.
func (e *auditEnv) newBoard(t *testing.T, county string, names ...string) (string, []*member) {
	t.Helper()
	b, err := e.o.CreateBoard(context.Background(), e.aa1.u, e.audit, county, names)
	if err != nil {
		t.Fatal(err)
	}
	var ms []*member
	for _, m := range b.Members {
		ms = append(ms, e.officeLogin(t, e.enrollCode(t, m.User, m.EnrollmentCode)))
	}
	return b.Board, ms
}
