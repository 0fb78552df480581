package audit

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla/manifest"
)

// arloManifest reads an Arlo manifest of batches of the given sizes, all on
// tabulator T1 unless noTabulator.
func arloManifest(t testing.TB, name string, sizes []int, noTabulator bool) *manifest.Arlo {
	t.Helper()
	var b strings.Builder
	if noTabulator {
		b.WriteString("Container,Batch Name,Number of Ballots\n")
	} else {
		b.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
	}
	for i, n := range sizes {
		if noTabulator {
			fmt.Fprintf(&b, "Box %d,B%02d,%d\n", i/4+1, i+1, n)
		} else {
			fmt.Fprintf(&b, "Box %d,T1,B%02d,%d\n", i/4+1, i+1, n)
		}
	}
	m, err := manifest.ReadArlo(name+".csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func repeat(n, size int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = size
	}
	return out
}

// statewide is the simulated statewide election: three jurisdictions,
// a statewide plurality contest (Governor), a plurality contest in J1 and
// J2 (Measure) and an IRV contest in J3 (Mayor).
type statewide struct {
	election *election.Election
	def      *Definition
	inputs   *Inputs
}

const (
	governor = 0
	measure  = 1
	mayor    = 2
)

func newElection(t testing.TB) *election.Election {
	e := &election.Election{Name: "State General"}
	add := func(name string, ranks int, cands ...string) {
		c := &election.Contest{Name: name, ID: name, VoteFor: 1, Ranks: ranks}
		for _, n := range cands {
			if _, err := c.AddCandidate(election.Candidate{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		e.Contests = append(e.Contests, c)
	}
	add("Governor", 0, "Alice", "Bob")
	add("Measure", 0, "Yes", "No")
	add("Mayor", 3, "Xavier", "Yolanda", "Zed")
	return e
}

// cvrFor is ballot i's CVR in a jurisdiction: a deterministic pattern
// giving Governor Alice 60%, Measure Yes 55% and Mayor an IRV win for
// Xavier after Zed's elimination.
func cvrFor(jurisdiction string, batch, pos, i int) election.CVR {
	r := election.CVR{ID: fmt.Sprintf("%s-T1-B%02d-%d", jurisdiction, batch, pos), Source: jurisdiction + ".cvr", Tabulator: "T1", Batch: fmt.Sprintf("B%02d", batch)}
	g := election.Choice(0)
	if (i*7)%10 >= 6 {
		g = 1
	}
	r.Contests = append(r.Contests, election.ContestMarks{Contest: governor, Marks: []election.Mark{{Rank: 1, Choice: g}}})
	if i%50 == 49 {
		// an undervote in Governor
		r.Contests[0].Marks = nil
	}
	if jurisdiction != "J3" {
		m := election.Choice(0)
		if (i*3)%20 >= 11 {
			m = 1
		}
		r.Contests = append(r.Contests, election.ContestMarks{Contest: measure, Marks: []election.Mark{{Rank: 1, Choice: m}}})
	} else {
		var prefs []election.Choice
		switch k := i % 20; {
		case k < 9:
			prefs = []election.Choice{0, 1}
		case k < 16:
			prefs = []election.Choice{1, 0}
		case k < 19:
			prefs = []election.Choice{2, 0}
		default:
			prefs = []election.Choice{2, 1}
		}
		cm := election.ContestMarks{Contest: mayor}
		for rank, p := range prefs {
			cm.Marks = append(cm.Marks, election.Mark{Rank: int32(rank + 1), Choice: p})
		}
		r.Contests = append(r.Contests, cm)
	}
	return r
}

// jurisdictionSizes are the statewide election's manifests: J1 2,000
// ballots, J2 3,000, J3 1,500 of which one batch has only 95 CVRs.
var jurisdictionSizes = map[string][]int{"J1": repeat(20, 100), "J2": repeat(30, 100), "J3": repeat(15, 100)}

func newStatewide(t testing.TB, math string) *statewide {
	t.Helper()
	e := newElection(t)
	def := &Definition{
		Name: "State General RLA", Type: BallotComparison, Math: math, RiskLimit: 0.05, Sampler: SamplerArlo,
		Contests: []ContestDefinition{
			{Name: "Governor", Targeted: true, Jurisdictions: []string{"J1", "J2", "J3"}, Kind: Plurality},
			{Name: "Measure", Targeted: false, Jurisdictions: []string{"J1", "J2"}, Kind: Plurality},
			{Name: "Mayor", Targeted: true, Jurisdictions: []string{"J3"}, Kind: IRV},
		},
		Jurisdictions: []JurisdictionConfig{{Name: "J1"}, {Name: "J2"}, {Name: "J3"}},
	}
	in := &Inputs{Election: e}
	for _, j := range []string{"J1", "J2", "J3"} {
		sizes := jurisdictionSizes[j]
		ji := JurisdictionInput{Name: j, Manifest: arloManifest(t, j, sizes, false)}
		i := 0
		for b, n := range sizes {
			cvrs := n
			if j == "J3" && b == 4 {
				cvrs = 95 // five phantoms
			}
			for p := 1; p <= cvrs; p++ {
				ji.CVRs = append(ji.CVRs, cvrFor(j, b+1, p, i))
				i++
			}
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	return &statewide{e, def, in}
}

// readCVR is what a faithful board reads on a ballot whose CVR is r, for
// contest c of the election.
func readCVR(e *election.Election, r *election.CVR, c int) Reading {
	marks, ok := r.Marks(c)
	if !ok {
		return Reading{Status: StatusNotOnBallot}
	}
	if len(marks) == 0 {
		return Reading{Status: StatusBlank}
	}
	var rd Reading
	for _, m := range marks {
		rd.Choices = append(rd.Choices, e.Contests[c].Candidates[m.Choice].Name)
	}
	return rd
}

func mustPrepare(t testing.TB, def *Definition, in *Inputs) *Audit {
	t.Helper()
	a, err := Prepare(def, in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func reportBytes(t testing.TB, a *Audit, rounds []*Round, results []*RoundResult) []byte {
	t.Helper()
	rep, err := a.Report(rounds, results)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, table := range CSVTables {
		fmt.Fprintf(&b, "== %s\n", table)
		if err := rep.WriteCSV(table, &b); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}
