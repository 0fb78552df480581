package cdf

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func checkRecord(t *testing.T, e *election.Election, rec *election.CVR) {
	for _, cm := range rec.Contests {
		c := e.Contests[cm.Contest]
		for _, m := range cm.Marks {
			if m.Rank < 1 || (m.Choice != election.Overvote && (m.Choice < 0 || int(m.Choice) >= len(c.Candidates))) {
				t.Fatalf("bad mark %+v in %s", m, rec.ID)
			}
		}
	}
}

// fuzzRead runs both passes of a reader over body, as Read does over a file.
func fuzzRead(t *testing.T, body []byte, contest string, isXML bool) {
	// An odd-length contest name also selects RCTab mode (source notes
	// R21, R24, R25, T16, P8).
	src := cvr.Source{Path: "f", ContestID: contest, UndeclaredWriteInLabel: "UWI", OvervoteLabel: "overvote", RCTab: len(contest)%2 == 1}
	e := &election.Election{}
	h := func(rec *election.CVR) error { checkRecord(t, e, rec); return nil }
	var d *defs
	var err error
	if isXML {
		if d, err = xmlDefs(bytes.NewReader(body), "f"); err == nil {
			err = xmlCVRs(src, e, h, d, bytes.NewReader(body))
		}
	} else {
		if d, err = jsonDefs(bytes.NewReader(body), "f"); err == nil {
			err = jsonCVRs(src, e, h, d, bytes.NewReader(body))
		}
	}
	var ce *cvr.Error
	if err != nil && !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *cvr.Error", err, err)
	}
}

func seed(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(fixture.Path(f, p))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 8<<10 {
			b = b[:8<<10]
		}
		f.Add(b, "")
	}
}

// FuzzCDFJSON feeds arbitrary JSON reports to both reading passes.
func FuzzCDFJSON(f *testing.F) {
	seed(f, "_shared/cdf_json/cdf_json_file1_cvr.json", "test_set_1_exhaust_at_overvote/test_set_1_exhaust_at_overvote_cvr.json")
	pos := `{"ContestSelectionId":"s-a","SelectionPosition":[{"HasIndication":"yes","NumberVotes":1,"Rank":1}]}`
	f.Add([]byte(`{`+jsonElection+`,"CVR":[`+jsonCVR(pos)+`]}`), "Mayor")
	f.Add([]byte(`{`+jsonElection+`,"CVR":[`+jsonCVR(pos)+`]}`), "Mayor2")
	f.Add([]byte(`{"CVR":[{"CVRSnapshot":[{"@id":"a"},{"@id":"b"}]}],"Election":[]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, contest string) { fuzzRead(t, body, contest, false) })
}

// FuzzCDFXML feeds arbitrary XML reports to both reading passes.
func FuzzCDFXML(f *testing.F) {
	seed(f, "nist_xml_cdf_2/nist_xml_cdf_2.xml", "unisyn_cvrs/797-GEN-OVCS_Sess_3_Combined_UVSOVS22516.xml")
	f.Add([]byte(xmlHead+xmlCVR(`<CVRContestSelection><ContestSelectionId>s-b</ContestSelectionId><SelectionPosition><HasIndication>yes</HasIndication><Rank>2</Rank></SelectionPosition></CVRContestSelection>`)+xmlElection+`</CastVoteRecordReport>`), "Mayor")
	f.Fuzz(func(t *testing.T, body []byte, contest string) { fuzzRead(t, body, contest, true) })
}
