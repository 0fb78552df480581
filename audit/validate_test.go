package audit

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

func TestDecodeDefinitionFile(t *testing.T) {
	data, err := os.ReadFile("testdata/definition.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != BallotComparison || len(d.Contests) != 3 || d.Contests[2].Kind != IRV || d.RiskLimit != 0.05 {
		t.Fatalf("decoded %+v", d)
	}
}

func TestDefinitionErrors(t *testing.T) {
	base := `{"name":"A","type":"ballot-comparison","math":"supersimple","risk_limit":0.05,"sampler":"arlo",
	  "contests":[{"name":"G","targeted":true,"jurisdictions":["J1"],"kind":"plurality"}],"jurisdictions":[{"name":"J1"}]}`
	for _, tc := range []struct{ edit, old, want string }{
		{`"type":"ballot-comparison"`, `"type":"ballot-comparison"`, ""},
		{`"type":"polling"`, `"type":"ballot-comparison"`, "type: \"polling\" is not an audit type"},
		{`"math":"bravo"`, `"math":"supersimple"`, "math: \"bravo\" does not apply to a ballot-comparison audit"},
		{`"risk_limit":5`, `"risk_limit":0.05`, "risk_limit: 5 is not a fraction"},
		{`"sampler":"random"`, `"sampler":"arlo"`, "sampler: \"random\" is not a sampler"},
		{`"sampler":"corla"`, `"sampler":"arlo"`, "jurisdictions[0].county_id: the corla sampler needs"},
		{`"targeted":false`, `"targeted":true`, "contests: no contest is targeted"},
		{`"jurisdictions":["J9"]`, `"jurisdictions":["J1"]`, "contests[0].jurisdictions[0]: \"J9\" is not one of the audit's jurisdictions"},
		{`"kind":"ranked"`, `"kind":"plurality"`, "contests[0].kind: \"ranked\" is not a contest kind"},
		{`"kind":"plurality","winners":2`, `"kind":"plurality"`, "contests[0]: a plurality contest has one winner"},
		{`"jurisdictions":[{"name":"J1"},{"name":"J1"}]`, `"jurisdictions":[{"name":"J1"}]`, "jurisdictions[1].name: \"J1\" is listed twice"},
		{`"risk_limit":0.05,"extra":1`, `"risk_limit":0.05`, "unknown field \"extra\""},
		{`"risk_limit":0.05,"statuses":["maybe"]`, `"risk_limit":0.05`, "statuses[0]: \"maybe\" is not a reading status"},
	} {
		data := strings.Replace(base, tc.old, tc.edit, 1)
		_, err := DecodeDefinition([]byte(data))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.edit, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want %q", tc.edit, err, tc.want)
		}
	}
	if _, err := DecodeDefinition([]byte(base + "{}")); err == nil || !strings.Contains(err.Error(), "unexpected data") {
		t.Errorf("trailing data: %v", err)
	}
	poll := strings.NewReplacer(`"ballot-comparison"`, `"ballot-polling"`, `"supersimple"`, `"bravo"`).Replace(base)
	if _, err := DecodeDefinition([]byte(poll)); err == nil || !strings.Contains(err.Error(), "contests[0].reported: a ballot-polling audit needs the reported tally") {
		t.Errorf("polling without tally: %v", err)
	}
	irv := strings.NewReplacer(`"plurality"`, `"irv"`).Replace(poll)
	if _, err := DecodeDefinition([]byte(irv)); err == nil || !strings.Contains(err.Error(), "IRV contests are audited by ballot comparison") {
		t.Errorf("IRV polling: %v", err)
	}
}

func TestInputErrors(t *testing.T) {
	s := newStatewide(t, "supersimple")
	in := s.inputs
	// A CVR in a batch the manifest lacks, and one CVR too many in J1 B01.
	stray := cvrFor("J1", 99, 1, 0)
	extra := cvrFor("J1", 1, 101, 0)
	in.Jurisdictions[0].CVRs = append(in.Jurisdictions[0].CVRs, stray, extra)
	// A CVR with a contest the definition does not list in J1.
	in.Jurisdictions[0].CVRs[0].Contests = append(in.Jurisdictions[0].CVRs[0].Contests, election.ContestMarks{Contest: mayor})
	// A jurisdiction the definition does not have.
	in.Jurisdictions = append(in.Jurisdictions, JurisdictionInput{Name: "J9", Manifest: arloManifest(t, "j9", []int{1}, false)})
	_, err := Prepare(s.def, in)
	var ie InputErrors
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v", err)
	}
	want := []string{
		`J9: is not a jurisdiction of the audit`,
		`J1: J1.cvr: CVR "J1-T1-B01-1": has contest "Mayor", which the audit does not list in this jurisdiction`,
		`J1: J1.cvr: CVR "J1-T1-B99-1": tabulator "T1" batch "B99" is not in the ballot manifest`,
		`J1: J1.cvr: CVR "J1-T1-B01-101": tabulator "T1" batch "B01" has more CVRs than the 100 ballots the manifest lists (row 2)`,
	}
	if len(ie) != len(want) {
		t.Fatalf("%d errors:\n%v", len(ie), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(ie[i].Error(), w) {
			t.Errorf("error %d: %q, want %q", i, ie[i].Error(), w)
		}
	}
	// The reported tally, when given, must match the CVRs.
	s = newStatewide(t, "supersimple")
	s.def.Contests[0].Reported = rla.Counts{{Name: "Alice", Votes: 1}, {Name: "Bob", Votes: 2}}
	if _, err := Prepare(s.def, s.inputs); err == nil || !strings.Contains(err.Error(), `the CVRs give "Alice" 3768 votes but the reported tally 1`) {
		t.Fatalf("mismatched reported tally: %v", err)
	}
}

func TestTieRefused(t *testing.T) {
	def, in := pollingAudit(t, "bravo", nil)
	def.Contests[0].Reported = append(def.Contests[0].Reported[:0], def.Contests[1].Reported...)
	def.Contests[0].Reported[1].Votes = 600
	_, err := Prepare(def, in)
	if !errors.Is(err, ErrTie) {
		t.Fatalf("tie: %v", err)
	}
}

// TestColoradoSampler draws with ColoradoRLA's sampler over two counties'
// manifests and checks the round against rla/draw.CorlaManifest.
func TestColoradoSampler(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n")
	for c := 1; c <= 2; c++ {
		for b := 1; b <= 5; b++ {
			fmt.Fprintf(&csv, "%d,%d,%d,%d,Bin %d\n", c, 10+c, b, 40, b)
		}
	}
	all, err := manifest.ReadColorado("state.csv", strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	split := func(county int64) *manifest.Colorado {
		m := &manifest.Colorado{Path: all.Path}
		for _, b := range all.Batches {
			if b.CountyID == county {
				m.Batches = append(m.Batches, b)
			}
		}
		return m
	}
	e := &election.Election{Contests: []*election.Contest{{Name: "Treasurer", VoteFor: 1}}}
	for _, n := range []string{"Ida", "Jo"} {
		if _, err := e.Contests[0].AddCandidate(election.Candidate{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	in := &Inputs{Election: e}
	for c := int64(1); c <= 2; c++ {
		ji := JurisdictionInput{Name: fmt.Sprint("County ", c), Colorado: split(c)}
		for b := 1; b <= 5; b++ {
			for p := 1; p <= 40; p++ {
				ch := election.Choice(0)
				if p%3 == 0 {
					ch = 1
				}
				ji.CVRs = append(ji.CVRs, election.CVR{ID: fmt.Sprintf("%d-%d-%d", c, b, p), Tabulator: fmt.Sprintf("%03d", 10+c), Batch: fmt.Sprint(b),
					Contests: []election.ContestMarks{{Contest: 0, Marks: []election.Mark{{Rank: 1, Choice: ch}}}}})
			}
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	def := &Definition{Name: "CO", Type: BallotComparison, Math: "corla", RiskLimit: 0.03, Sampler: SamplerCorla,
		Contests:      []ContestDefinition{{Name: "Treasurer", Targeted: true, Jurisdictions: []string{"County 1", "County 2"}, Kind: Plurality}},
		Jurisdictions: []JurisdictionConfig{{Name: "County 1", CountyID: 1}, {Name: "County 2", CountyID: 2}}}
	a := mustPrepare(t, def, in)
	if a.Contests()[0].Phantoms != 0 {
		t.Fatalf("phantoms %d: scanner 011 did not match manifest scanner 11", a.Contests()[0].Phantoms)
	}
	if _, err := a.Draw("1234", nil, 10); !errors.Is(err, ErrSeed) {
		t.Fatalf("short seed: %v", err)
	}
	seed := "01234567890123456789"
	r1, err := a.Draw(seed, nil, 30)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := a.Draw(seed, []*Round{r1}, 20)
	if err != nil {
		t.Fatal(err)
	}
	state, err := manifest.NewStatewide(split(1), split(2))
	if err != nil {
		t.Fatal(err)
	}
	s, err := draw.CorlaManifest(draw.Request{Seed: seed, Count: 50}, state)
	if err != nil {
		t.Fatal(err)
	}
	rows := draw.CorlaAsArlo(s.Collect())
	got := append(append([]SampledBallot{}, r1.Ballots...), r2.Ballots...)
	for i, row := range rows {
		g := got[i]
		if g.Ticket != row.TicketNumber || g.Jurisdiction != "County "+row.Jurisdiction || g.Tabulator != *row.Tabulator || g.Batch != row.Batch ||
			g.Position != row.BallotPosition || g.TimesSampled != row.TimesSampled || g.Container != row.Container || g.CVR == "" {
			t.Fatalf("draw %d: %+v, Colorado %+v", i, g, row)
		}
	}
}
