package verifytest

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// The small ballot-comparison audit of the verifier's tests, run through
// the office library: two counties, each on tabulator 1 with two batches
// of 500 ballots (DefaultAuditSize), contest Governor (targeted, Alice 60% against Bob) in
// both. The boards read what the CVRs say, except for planted two-vote
// overstatements in round 1 that force a second round.

// AuditCounties are the audit's jurisdictions.
var AuditCounties = []string{"county-a", "county-b"}

// AuditSeed is the dice roll of the test audit.
const AuditSeed = "31415926535897932384626"

// auditVote is the Governor vote the CVR of a ballot records.
func auditVote(county string, batch, pos int) string {
	i := (batch-1)*1_000_003 + pos - 1
	if county == "county-b" {
		i += 7
	}
	if (i*7)%10 < 6 {
		return "Alice"
	}
	return "Bob"
}

// AuditSize is the size of each county of the test audit.
type AuditSize struct {
	Batches, PerBatch int
}

// DefaultAuditSize is two batches of 500 ballots per county.
var DefaultAuditSize = AuditSize{Batches: 2, PerBatch: 500}

func auditManifest(z AuditSize) []byte {
	var b bytes.Buffer
	b.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
	for batch := 1; batch <= z.Batches; batch++ {
		fmt.Fprintf(&b, "Box %d,1,%d,%d\n", batch, batch, z.PerBatch)
	}
	return b.Bytes()
}

// auditCVRs writes a county's CVRs as Dominion's CSV export.
func auditCVRs(county string, z AuditSize) []byte {
	var b bytes.Buffer
	b.WriteString("\"State General\",\"5.2.16.1\"\n")
	b.WriteString(",,,,,,,,\"Governor (Vote For=1)\",\"Governor (Vote For=1)\"\n")
	b.WriteString(",,,,,,,,\"Alice\",\"Bob\"\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType,,\n")
	n := 0
	for batch := 1; batch <= z.Batches; batch++ {
		for pos := 1; pos <= z.PerBatch; pos++ {
			n++
			a, bob := "1", "0"
			if auditVote(county, batch, pos) == "Bob" {
				a, bob = "0", "1"
			}
			fmt.Fprintf(&b, "%d,1,%d,%d,1-%d-%d,Election Day,P1,B1,%s,%s\n", n, batch, pos, batch, pos, a, bob)
		}
	}
	return b.Bytes()
}

// AuditOptions steer RunAudit.
type AuditOptions struct {
	// Plant is the number of two-vote overstatements the boards find in
	// round 1 (Alice on the CVR, Bob on paper); 2 forces a second round.
	Plant int
	// BeforeClose, if set, runs when every board of round n has signed
	// off, just before the round is closed.
	BeforeClose func(a *AuditRun, n int)
	// Rounds stops the audit after this many closed rounds (0: until
	// done).
	Rounds int
	// Boards is the number of boards per county and round (default 1).
	Boards int
}

// AuditRun is an audit run through the office.
type AuditRun struct {
	ID string
	// Boards are the boards of each round (index round-1), with their
	// members' names (accounts).
	Boards [][]Board
	// Results are each closed round's answer.
	Results []*office.CloseView
	// Seed is the executed seed request.
	Seed *office.RequestView
}

// Board is an audit board with its members' accounts.
type Board struct {
	ID, Jurisdiction string
	Members          []string
}

// AuditAdmins creates the audit-admins aa1 and aa2 (once).
func (x *Office) auditAdmins() {
	if x.people["aa1"] == nil {
		x.newUser("aa1", []string{"audit-admin"}, "state/hennepin")
		x.newUser("aa2", []string{"audit-admin"}, "state/hennepin")
	}
}

// CreateAudit sets up the test audit of the election, uploads every
// county's manifest and CVRs and enters the seed (requested by aa1,
// approved by pat).
func (x *Office) CreateAudit() *AuditRun { return x.CreateAuditOf(DefaultAuditSize) }

// CreateAuditOf is CreateAudit with counties of size z.
func (x *Office) CreateAuditOf(z AuditSize) *AuditRun {
	t := x.t
	t.Helper()
	x.auditAdmins()
	aa1 := x.people["aa1"].user
	v, err := x.O.CreateAudit(x.ctx, aa1, &office.AuditSetup{Name: "Governor RLA", Election: x.Election, Type: audit.BallotComparison,
		Math: "corla", RiskLimit: 0.1, Sampler: audit.SamplerArlo,
		Contests: []office.AuditContest{{Name: "Governor", Targeted: true, Jurisdictions: AuditCounties}}})
	if err != nil {
		t.Fatal(err)
	}
	a := &AuditRun{ID: v.ID}
	for _, c := range AuditCounties {
		if _, err := x.O.UploadAuditFile(x.ctx, aa1, a.ID, c, "manifest", "arlo", "manifest.csv", bytes.NewReader(auditManifest(z))); err != nil {
			t.Fatal(err)
		}
		if _, err := x.O.UploadAuditFile(x.ctx, x.people["olga"].user, a.ID, c, "cvrs", "dominion-csv", "cvr.csv", bytes.NewReader(auditCVRs(c, z))); err != nil {
			t.Fatal(err)
		}
	}
	q, err := x.O.RequestSeed(x.ctx, aa1, a.ID, AuditSeed, []string{"Ann Roller"}, []string{"Wes Witness"})
	if err != nil {
		t.Fatal(err)
	}
	a.Seed = x.approve(q, "aa1", "pat")
	return a
}

// RunAudit creates the test audit and runs it round by round through the
// office: draw, boards, readings, sign-off, close.
func (x *Office) RunAudit(opts AuditOptions) *AuditRun {
	a := x.CreateAudit()
	x.ContinueAudit(a, opts)
	return a
}

// RunAuditOf is RunAudit with counties of size z.
func (x *Office) RunAuditOf(z AuditSize, opts AuditOptions) *AuditRun {
	a := x.CreateAuditOf(z)
	x.ContinueAudit(a, opts)
	return a
}

// ContinueAudit runs rounds of a until it is done (or opts.Rounds rounds
// are closed).
func (x *Office) ContinueAudit(a *AuditRun, opts AuditOptions) {
	t := x.t
	t.Helper()
	aa1 := x.people["aa1"].user
	planted := 0
	for {
		rv, err := x.O.DrawRound(x.ctx, aa1, a.ID, office.SampleSize{})
		if err != nil {
			t.Fatal(err)
		}
		n := rv.Round
		var boards []Board
		for _, c := range AuditCounties {
			for range max(opts.Boards, 1) {
				bv, err := x.O.CreateBoard(x.ctx, aa1, a.ID, c, []string{"Dee Democrat", "Rex Republican"})
				if err != nil {
					t.Fatal(err)
				}
				b := Board{ID: bv.Board, Jurisdiction: c}
				for _, m := range bv.Members {
					x.enroll(m.User, m.EnrollmentCode)
					b.Members = append(b.Members, m.User)
				}
				boards = append(boards, b)
			}
		}
		a.Boards = append(a.Boards, boards)
		for _, b := range boards {
			member := x.people[b.Members[0]].user
			list, err := x.O.BoardBallots(x.ctx, member, a.ID, n, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, bb := range list {
				var batch, pos int
				fmt.Sscan(bb.Batch, &batch)
				pos = bb.Position
				vote := auditVote(b.Jurisdiction, batch, pos)
				if n == 1 && planted < opts.Plant && vote == "Alice" {
					vote = "Bob"
					planted++
				}
				rd := map[string]audit.Reading{"Governor": {Choices: []string{vote}}}
				if err := x.O.PutReading(x.ctx, member, a.ID, n, bb.Ballot, rd, ""); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range b.Members {
				if _, err := x.O.SignOff(x.ctx, x.people[m].user, a.ID, n, b.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if opts.BeforeClose != nil {
			opts.BeforeClose(a, n)
		}
		cv, err := x.O.CloseRound(x.ctx, aa1, a.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		a.Results = append(a.Results, cv)
		if cv.Done || (opts.Rounds > 0 && n >= opts.Rounds) {
			return
		}
		if n == 5 {
			t.Fatalf("the test audit is not done after %d rounds", n)
		}
	}
}

// Member is the signed-in account of an audit board member.
func (x *Office) Member(account string) *office.User { return x.User(account) }

// ImportFacility imports a site description and badge and camera exports
// into the office's log: the server room's only camera is switched off
// for an hour, during which olga's badge opens its door. It returns the
// times the camera went off and the badge was used.
func (x *Office) ImportFacility() (off, entry time.Time) {
	t := x.t
	t.Helper()
	// Four hours on, so that the whole story falls after the election
	// was created (the start of the verifier's facility window).
	x.clock.mu.Lock()
	x.clock.t = x.clock.t.Add(4 * time.Hour)
	x.clock.mu.Unlock()
	now := x.clock.Now().UTC()
	x.clock.advance()
	site := `{"rooms":[{"id":"server-room","name":"Election server room","election_equipment":true},{"id":"lobby","name":"Lobby","election_equipment":false}],` +
		`"doors":[{"id":"D-SRV","room":"server-room"},{"id":"D-MAIN","room":"lobby"}],"cameras":[{"id":"CAM-SRV","rooms":["server-room"]}]}`
	on := now.Add(-5 * time.Hour) // before the election was created
	off = now.Add(-2 * time.Hour)
	entry = off.Add(20 * time.Minute)
	back := off.Add(time.Hour)
	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	cams := strings.Join([]string{"time,camera,status", ts(on) + ",CAM-SRV,on", ts(off) + ",CAM-SRV,off", ts(back) + ",CAM-SRV,on"}, "\n") + "\n"
	badges := strings.Join([]string{"time,door,badge_id,name,result", ts(on.Add(5*time.Minute)) + ",D-MAIN,B-7,Olga Official,granted",
		ts(entry) + ",D-SRV,B-7,Olga Official,granted"}, "\n") + "\n"
	for _, f := range []struct{ kind, name, data string }{{office.FacilitySite, "site.json", site}, {"camera", "cameras.csv", cams}, {"badge", "badges.csv", badges}} {
		if _, err := x.O.ImportFacility(x.ctx, "Sam Operator", f.kind, f.name, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	return off, entry
}
