package office

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/dominion"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla/manifest"
)

func testBallots() *demoBallots {
	c := &election.Contest{Name: "MAYOR", Ranks: 3, VoteFor: 1, Candidates: []election.Candidate{{Name: "ANN"}, {Name: "BO, JR."}, {Name: "CY"}}}
	ov := election.Overvote
	return &demoBallots{contest: c, precincts: []string{"P-1", "P-2"}, byPrecinct: map[string][][]election.Mark{
		"P-1": {
			{{Rank: 1, Choice: 0}, {Rank: 2, Choice: 1}, {Rank: 3, Choice: 2}},
			{},
			{{Rank: 1, Choice: ov}, {Rank: 2, Choice: 1}},
		},
		"P-2": {
			{{Rank: 1, Choice: 2}, {Rank: 2, Choice: ov}, {Rank: 3, Choice: 0}},
			{{Rank: 2, Choice: 1}, {Rank: 3, Choice: 1}},
		},
	}}
}

// TestDemoReading: the simulated board's reading of each kind of ballot
// the ES&S export holds.
func TestDemoReading(t *testing.T) {
	b := testBallots()
	want := map[string][]audit.Reading{
		"P-1": {{Choices: []string{"ANN", "BO, JR.", "CY"}}, {Status: audit.StatusBlank}, {Status: audit.StatusOvervote}},
		// An overvote after a ranking ends it; a skipped rank is left
		// out and a repeated candidate kept.
		"P-2": {{Choices: []string{"CY"}}, {Choices: []string{"BO, JR.", "BO, JR."}}},
	}
	for _, p := range b.precincts {
		for i, m := range b.byPrecinct[p] {
			if got := b.reading(m); !reflect.DeepEqual(got, want[p][i]) {
				t.Errorf("%s ballot %d: reading %+v, want %+v", p, i+1, got, want[p][i])
			}
		}
	}
}

// TestDemoDerivedFiles: the derived Dominion CSV reads back, ballot by
// ballot, as the ES&S marks (an overvoted rank as every candidate marked
// there), in batches and positions the derived manifest holds.
func TestDemoDerivedFiles(t *testing.T) {
	b := testBallots()
	m, err := manifest.ReadArlo("manifest.csv", bytes.NewReader(b.manifest()))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Batches) != 2 || m.Batches[0].Name != "P-1" || m.Batches[0].Ballots != 3 || m.Batches[1].Ballots != 2 || m.HasTabulator {
		t.Fatalf("manifest %+v", m)
	}
	e := &election.Election{}
	var got []election.CVR
	src := cvr.Source{FS: fstest.MapFS{"cvrs.csv": {Data: b.dominionCSV()}}, Path: "cvrs.csv"}
	if err := dominion.ReadCSV(src, e, func(r *election.CVR) error {
		c := *r
		c.Contests = []election.ContestMarks{{Contest: r.Contests[0].Contest, Marks: slices.Clone(r.Contests[0].Marks)}}
		got = append(got, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(e.Contests) != 1 || e.Contests[0].Name != "MAYOR" || e.Contests[0].Ranks != 3 || len(e.Contests[0].Candidates) != 3 {
		t.Fatalf("contest %+v", e.Contests)
	}
	n := 0
	for _, p := range b.precincts {
		for pos, marks := range b.byPrecinct[p] {
			r := got[n]
			n++
			if r.Batch != p || r.ID != "1-"+p+"-"+string(rune('0'+pos+1)) {
				t.Errorf("ballot %d: batch %q id %q", n, r.Batch, r.ID)
			}
			var want []election.Mark
			for _, mk := range marks {
				if mk.Choice == election.Overvote {
					for k := range 3 {
						want = append(want, election.Mark{Rank: mk.Rank, Choice: election.Choice(k)})
					}
				} else {
					want = append(want, mk)
				}
			}
			if gm := r.Contests[0].Marks; !reflect.DeepEqual(gm, want) && !(len(gm) == 0 && len(want) == 0) {
				t.Errorf("%s position %d: marks %v, want %v", p, pos+1, gm, want)
			}
		}
	}
	if n != len(got) {
		t.Errorf("%d CVRs read, %d written", len(got), n)
	}
}
