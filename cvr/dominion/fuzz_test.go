package dominion

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

// checkRecord asserts what every emitted record must satisfy: marks in
// range and sorted, and unique except in RCTab mode, which keeps repeated
// marks (source notes T16).
func checkRecord(t *testing.T, e *election.Election, rec *election.CVR, rctab ...bool) {
	repeats := len(rctab) > 0 && rctab[0]
	for _, cm := range rec.Contests {
		if int(cm.Contest) >= len(e.Contests) {
			t.Fatalf("contest index %d out of range", cm.Contest)
		}
		c := e.Contests[cm.Contest]
		for i, m := range cm.Marks {
			if m.Rank < 1 || m.Choice < 0 || int(m.Choice) >= len(c.Candidates) {
				t.Fatalf("bad mark %+v in %s", m, rec.ID)
			}
			// RCTab mode keeps the CVR's order at one rank (source notes P8).
			if i > 0 && (cm.Marks[i-1].Rank > m.Rank || (!repeats && cm.Marks[i-1].Rank == m.Rank && cm.Marks[i-1].Choice > m.Choice)) {
				t.Fatalf("marks not sorted: %v", cm.Marks)
			}
			if i > 0 && !repeats && cm.Marks[i-1] == m {
				t.Fatalf("marks not sorted and unique: %v", cm.Marks)
			}
		}
	}
}

// FuzzDominion feeds arbitrary CvrExport bodies, with fixed manifests, to
// the export parser.
func FuzzDominion(f *testing.F) {
	f.Add([]byte(`{"Sessions":[`+session(1, 2, 3, cardMayor)+`]}`), true)
	f.Add(genExport(3), false)
	f.Add([]byte(`{"Sessions":[{"TabulatorId":1,"BatchId":2,"RecordId":4,"Original":{"IsCurrent":false,"PrecinctPortionId":7},"Modified":{"IsCurrent":true,"PrecinctPortionId":7,"Contests":[{"Id":1,"Marks":[{"Rank":1,"CandidateId":"10"}]}]}}]}`), true)
	f.Add([]byte(`{"Sessions":[{"TabulatorId":"1","BatchId":2,"RecordId":4,"Original":{"PrecinctPortionId":7,"Cards":[{"Contests":[{"Marks":[{"Rank":1e3,"CandidateId":10}],"Id":2}]}]}}]}`), false)
	f.Add([]byte(`{"Sessions":[{"TabulatorId":1,"BatchId":2,"RecordId":4,"Original":{"IsCurrent":true,"PrecinctPortionId":7,"Cards":[{"Contests":[{"Id":1,"OutstackConditionIds":[7],"Marks":[{"Rank":1,"CandidateId":10}]},{"Id":1,"OutstackConditionIds":null,"Marks":[{"Rank":1,"CandidateId":10},{"Rank":1,"CandidateId":10}]}]}]}}]}`), true)
	f.Add([]byte(`{"Sessions":[{"ImageMask":"\u00e9\ud83d\ude00\\"}]} `), false)
	if b, err := os.ReadFile(fixture.Path(f, "_shared", "dominion_alaska", "alaska_input_data", "CvrExport.json")); err == nil {
		f.Add(b[:4096], true)
	}
	dir := writeExport(f, "{}")
	m, err := loadManifests(cvr.Source{}, dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, one bool) {
		src := cvr.Source{Path: dir, UndeclaredWriteInLabel: "12"}
		if one {
			// One contest, as an RCTab configuration selects, in RCTab mode.
			src.ContestID, src.RCTab = "1", true
		}
		e := &election.Election{}
		slots, err := prepareContests(src, e, m)
		if err != nil {
			t.Fatal(err)
		}
		p := newExportParser(src, m, slots)
		err = p.read("CvrExport.json", bytes.NewReader(body), func(rec *election.CVR) error {
			checkRecord(t, e, rec, src.RCTab)
			return nil
		})
		var ce *cvr.Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *cvr.Error", err, err)
		}
	})
}

// FuzzDominionCSV feeds arbitrary CSV exports to ReadCSV's parser.
func FuzzDominionCSV(f *testing.F) {
	for _, name := range []string{"testdata/dominion_cvr.csv", "testdata/dominion_irv.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte("a,b\n,,x (Vote For=1)\n,,A\nTabulatorNum,BatchId,RecordId\n1,1,1\n"), "x")
	f.Add([]byte("\"x\n"), "")
	f.Fuzz(func(t *testing.T, body []byte, contest string) {
		e := &election.Election{}
		src := cvr.Source{Path: "cvr.csv", ContestID: contest, UndeclaredWriteInLabel: "Write-in"}
		err := readCSV(src, e, func(rec *election.CVR) error {
			checkRecord(t, e, rec)
			return nil
		}, bytes.NewReader(body))
		var ce *cvr.Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *cvr.Error", err, err)
		}
	})
}
