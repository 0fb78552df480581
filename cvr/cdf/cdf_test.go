package cdf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

// TestConversionR25RCTabMode reads the same files in RCTab mode and
// compares every record's id, tabulator, batch, vendor id and precinct with
// RCTab's export (source notes R25: BallotPrePrintedId in JSON, no
// tabulator, BatchSequenceId).
func TestConversionR25RCTabMode(t *testing.T) {
	fc := fixture.LoadConfig(t, "conversions_from_cdf")
	e := &election.Election{}
	var recs []*election.CVR
	for _, s := range fc.Sources {
		src := s.Source
		src.RCTab = true
		recs = append(recs, fixture.Collect(t, Read, src, e)...)
	}
	rows := fixture.ExpectedConversion(t, "conversions_from_cdf")
	if len(rows) != len(recs) {
		t.Fatalf("records = %d, RCTab %d", len(recs), len(rows))
	}
	for i, row := range rows {
		r := recs[i]
		got := []string{r.ID, r.Tabulator, r.Batch, r.SuppliedID, r.Precinct}
		want := []string{row[3], row[4], row[5], row[6], row[7]}
		if !slices.Equal(got, want) {
			t.Fatalf("record %d: id/tabulator/batch/vendor/precinct %q; RCTab %q", i+1, got, want)
		}
	}
}

// TestConversionMatchesRCTab compares every CVR of the two alias files with
// RCTab's normalized export (conversions_from_cdf_expected.csv).
func TestConversionMatchesRCTab(t *testing.T) {
	fc := fixture.LoadConfig(t, "conversions_from_cdf")
	e := &election.Election{}
	var recs []*election.CVR
	for _, s := range fc.Sources {
		recs = append(recs, fixture.Collect(t, Read, s.Source, e)...)
	}
	if len(e.Contests) != 1 {
		t.Fatalf("contests = %d; both files define contest-001, which must be one contest", len(e.Contests))
	}
	rows := fixture.ExpectedConversion(t, "conversions_from_cdf")
	if len(rows) != len(recs) || len(recs) != 30 {
		t.Fatalf("records = %d, RCTab %d (want 30)", len(recs), len(rows))
	}
	c := e.Contests[0]
	for i, row := range rows {
		rec := recs[i]
		if rec.ID != row[3] || rec.SuppliedID != row[6] || rec.Precinct != row[7] {
			t.Fatalf("record %d: id %q vendor %q precinct %q; RCTab %q %q %q", i+1, rec.ID, rec.SuppliedID, rec.Precinct, row[3], row[6], row[7])
		}
		ms, ok := rec.Marks(0)
		if !ok {
			t.Fatalf("%s lacks the contest", rec.ID)
		}
		for rank := 1; rank <= 4; rank++ {
			var want, got []string
			if cell := row[8+rank]; cell != "undervote" {
				want = strings.Split(cell, "\n")
			}
			for _, m := range ms {
				if int(m.Rank) == rank {
					got = append(got, c.Candidates[m.Choice].Name)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s rank %d: %q, RCTab %q", rec.ID, rank, got, want)
			}
		}
	}
}

// firstRound counts, per candidate, the ballots whose first marked rank
// holds that candidate alone, and the ballots with no marks.
func firstRound(e *election.Election, recs []*election.CVR) (map[string]int, int) {
	tally := map[string]int{}
	under := 0
	for _, r := range recs {
		ms, _ := r.Marks(0)
		if len(ms) == 0 {
			under++
			continue
		}
		if len(ms) == 1 || ms[1].Rank != ms[0].Rank {
			tally[e.Contests[0].Candidates[ms[0].Choice].Name]++
		}
	}
	return tally, under
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		fixture         string
		ballots         int
		under           int
		first           map[string]int // round 1 of the expected report
		id              string         // a record checked in detail
		marks           []string
		precinct, style string
	}{
		{
			fixture: "test_set_0_skipped_first_choice", ballots: 12,
			first: map[string]int{"Candidate A Name": 4, "Candidate B Name": 4, "Candidate C Name": 3, "Candidate D Name": 1},
			id:    "test_set_0_skipped_first_choice_cvr.json(2)",
			marks: []string{"1:Candidate B Name", "2:Candidate A Name", "3:Candidate D Name", "4:Candidate C Name"},
		},
		{
			fixture: "aliases_cdf_json", ballots: 30,
			first: map[string]int{"Candidate B Name File 1": 10, "Unused Display Name Candidate A": 10, "Candidate C Name File 1": 6, "Candidate D Name File 1": 4},
		},
		{
			fixture: "unisyn_xml_cdf_city_tax_collector", ballots: 35, under: 6,
			first:    map[string]int{"Sandy Wallace": 7, "Mel Bonham": 5, "Wendy Simpson": 4, "Daniel Gregory": 3, "Wendy McDonald": 3, "Greg Smith": 2, "Harry Nelson": 2, "Brady Gordon": 2, election.UndeclaredWriteInName: 1},
			id:       "101-RCV-CVT_TEST_3_UNIOVS2103-2.xml(1)",
			marks:    []string{"1:Greg Smith", "2:Wendy McDonald", "3:Mel Bonham"},
			precinct: "Precinct 1", style: "1",
		},
		{
			fixture: "unisyn_xml_cdf_county_sheriff", ballots: 35, under: 6,
			first: map[string]int{"Terry Baker": 5, "John Wayne Jr.": 5, "Tony Seiler": 5, "Warren Norell": 4, "Thomas Soto": 3, "Sandra Williams": 3, "Beth Small": 2, election.UndeclaredWriteInName: 2},
		},
		{
			// The one CVR holding the governor's contest has only an
			// unmatched write-in: an undervote. The other CVR lacks the
			// contest and is not counted.
			fixture: "nist_xml_cdf_2", ballots: 1, under: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			fc := fixture.LoadConfig(t, tc.fixture)
			e := &election.Election{}
			var recs []*election.CVR
			for _, s := range fc.Sources {
				recs = append(recs, fixture.Collect(t, Read, s.Source, e)...)
			}
			if len(recs) != tc.ballots {
				t.Errorf("ballots = %d, want %d", len(recs), tc.ballots)
			}
			first, under := firstRound(e, recs)
			if under != tc.under {
				t.Errorf("undervotes = %d, want %d", under, tc.under)
			}
			for name, n := range tc.first {
				if first[name] != n {
					t.Errorf("first-round %s = %d, want %d (all: %v)", name, first[name], n, first)
				}
			}
			if tc.id == "" {
				return
			}
			var rec *election.CVR
			for _, r := range recs {
				if r.ID == tc.id {
					rec = r
				}
			}
			if rec == nil {
				t.Fatalf("no record %s", tc.id)
			}
			if got := fixture.Names(e, rec, 0); !slices.Equal(got, tc.marks) {
				t.Errorf("%s marks %q, want %q", tc.id, got, tc.marks)
			}
			if rec.Precinct != tc.precinct || rec.BallotStyle != tc.style {
				t.Errorf("%s precinct %q style %q, want %q %q", tc.id, rec.Precinct, rec.BallotStyle, tc.precinct, tc.style)
			}
		})
	}
}

// TestEveryContest reads the Unisyn export without a contest: all eight
// contests, with candidates from the Election section.
func TestEveryContest(t *testing.T) {
	e := &election.Election{}
	recs := fixture.Collect(t, Read, cvr.Source{Path: fixture.Path(t, "unisyn_cvrs", "101-RCV-CVT_TEST_3_UNIOVS2103-2.xml")}, e)
	if len(recs) != 35 || len(e.Contests) != 8 {
		t.Fatalf("records %d contests %d, want 35 and 8", len(recs), len(e.Contests))
	}
	c, idx, ok := e.Contest("CON_177")
	if !ok || c.Name != "For County Tax Collector (1/3)" || c.VoteFor != 1 {
		t.Fatalf("CON_177 = %+v", c)
	}
	var names []string
	for _, cand := range c.Candidates {
		names = append(names, cand.Name+"#"+cand.ID)
	}
	want := []string{"Greg Smith#CONS_177_144", "Wendy McDonald#CONS_177_143", "Mel Bonham#CONS_177_137", "Brady Gordon#CONS_177_141", "Harry Nelson#CONS_177_142", "Sandy Wallace#CONS_177_138", "Wendy Simpson#CONS_177_139", "Daniel Gregory#CONS_177_140", election.UndeclaredWriteInName + "#"}
	if !slices.Equal(names, want) {
		t.Errorf("candidates %q, want %q", names, want)
	}
	for _, r := range recs {
		if len(r.Contests) != 8 {
			t.Fatalf("%s holds %d contests, want 8", r.ID, len(r.Contests))
		}
	}
	if got := fixture.Names(e, recs[0], idx); !slices.Equal(got, []string{"1:Greg Smith", "2:Wendy McDonald", "3:Mel Bonham"}) {
		t.Errorf("first record %q", got)
	}
	// The ballot measure's selections are its candidates.
	m, _, _ := e.Contest("CON_155")
	if len(m.Candidates) != 2 || m.Candidates[0].Name != "AGAINST" {
		t.Errorf("ballot measure candidates %+v", m.Candidates)
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const jsonElection = `"Election":[{"@id":"e","Candidate":[{"@id":"c-a","Name":"Ann"},{"@id":"c-b","Name":"Bob"}],"Contest":[{"@id":"k1","Name":"Mayor","VotesAllowed":1,"ContestSelection":[{"@id":"s-a","CandidateIds":["c-a"]},{"@id":"s-b","CandidateIds":["c-b"]},{"@id":"s-w","CandidateIds":["c-w"],"IsWriteIn":true}]}]}]`

// testCVRCount counts the CVRs jsonCVR made, so that each gets its own ballot
// ID (a repeated one is an error).
var testCVRCount atomic.Int64

func jsonCVR(sels string) string {
	return `{"@type":"CVR","BallotPrePrintedId":"` + strconv.FormatInt(7+testCVRCount.Add(1), 10) + `","CVRSnapshot":[{"@id":"s1","CVRContest":[{"ContestId":"k1","CVRContestSelection":[` + sels + `]}]}],"CurrentSnapshotId":"s1"}`
}

const xmlHead = `<?xml version="1.0" encoding="UTF-8"?><CastVoteRecordReport xmlns="http://itl.nist.gov/ns/voting/1500-103/v1">`
const xmlElection = `<Election ObjectId="e"><Candidate ObjectId="c-a"><Name>Ann</Name></Candidate><Candidate ObjectId="c-b"><Name>Bob</Name></Candidate>` +
	`<Contest ObjectId="k1"><ContestSelection ObjectId="s-a"><CandidateIds>c-a</CandidateIds></ContestSelection><ContestSelection ObjectId="s-b"><CandidateIds>c-b</CandidateIds></ContestSelection><Name>Mayor</Name></Contest></Election>`

func xmlCVR(sels string) string {
	return `<CVR><CurrentSnapshotId>s1</CurrentSnapshotId><CVRSnapshot ObjectId="s1"><CVRContest><ContestId>k1</ContestId>` + sels + `</CVRContest></CVRSnapshot></CVR>`
}

func TestReadSemantics(t *testing.T) {
	pos := func(sel, rank, ind string) string {
		return `{"ContestSelectionId":"` + sel + `","SelectionPosition":[{"HasIndication":"` + ind + `","NumberVotes":1,"Rank":` + rank + `}]}`
	}
	twoSnaps := `{"CVRSnapshot":[{"@id":"old","CVRContest":[{"ContestId":"k1","CVRContestSelection":[` + pos("s-a", "1", "yes") + `]}]},{"@id":"new","CVRContest":[{"ContestId":"k1","CVRContestSelection":[` + pos("s-b", "1", "yes") + `]}]}],"CurrentSnapshotId":"new"}`
	body := `{` + jsonElection + `,"CVR":[` +
		jsonCVR(pos("s-a", "1", "yes")+","+pos("s-b", "2", "yes")+","+pos("s-w", "3", "yes")) + "," +
		jsonCVR(pos("s-a", "1", "no")+","+pos("s-b", "1", "yes")) + "," +
		twoSnaps + "," +
		jsonCVR(`{"ContestSelectionId":"s-a","Rank":2,"SelectionPosition":[{"HasIndication":"yes","NumberVotes":1}]},{"SelectionPosition":[{"HasIndication":"yes","CVRWriteIn":{"Text":"Zed"}}]}`) +
		`],"GpUnit":[]}`
	xmlBody := xmlHead + xmlCVR(`<CVRContestSelection><ContestSelectionId>s-b</ContestSelectionId><SelectionPosition><HasIndication>yes</HasIndication><NumberVotes>1</NumberVotes><Rank>2</Rank></SelectionPosition></CVRContestSelection>`) + xmlElection + `</CastVoteRecordReport>`
	tests := []struct {
		name string
		path string
		src  cvr.Source
		want [][]string
	}{
		{"json", writeFile(t, "r.json", body), cvr.Source{ContestID: "Mayor"}, [][]string{
			{"1:Ann", "2:Bob", "3:" + election.UndeclaredWriteInName},
			{"1:Bob"}, // HasIndication "no" is not a mark
			{"1:Bob"}, // the current snapshot
			{"2:Ann"}, // CVRContestSelection's Rank; the unmatched write-in is ignored
		}},
		{"json with declared candidates and labels", writeFile(t, "r.json", body), cvr.Source{ContestID: "k1", OvervoteLabel: "Bob", Candidates: []election.Candidate{{Name: "Ann Ames", Aliases: []string{"Ann"}}}}, [][]string{
			{"1:Ann Ames", "2:overvote", "3:" + election.UndeclaredWriteInName},
			{"1:overvote"},
			{"1:overvote"},
			{"2:Ann Ames"},
		}},
		{"xml", writeFile(t, "r.xml", "\ufeff"+xmlBody), cvr.Source{ContestID: "Mayor"}, [][]string{{"2:Bob"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Path = tc.path
			e := &election.Election{}
			recs := fixture.Collect(t, Read, tc.src, e)
			if len(recs) != len(tc.want) {
				t.Fatalf("records %d, want %d", len(recs), len(tc.want))
			}
			for i, w := range tc.want {
				if got := fixture.Names(e, recs[i], 0); !slices.Equal(got, w) {
					t.Errorf("record %d: %q, want %q", i+1, got, w)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	pos := `{"ContestSelectionId":"s-a","SelectionPosition":[{"HasIndication":"yes","NumberVotes":1,"Rank":1}]}`
	good := `{` + jsonElection + `,"CVR":[` + jsonCVR(pos) + `]}`
	tests := []struct {
		name, file, body string
		src              cvr.Source
		want             string
		record           int
		field            string
		is               error
	}{
		{name: "empty", file: "a.json", body: "  ", want: "file is empty"},
		{name: "not CDF", file: "a.json", body: "Cast Vote Record,Precinct", want: `not a CDF file: it starts with 'C'`},
		{name: "truncated JSON", file: "a.json", body: good[:len(good)-20], want: "unexpected end of input"},
		{name: "no Election", file: "a.json", body: `{"CVR":[]}`, want: "no Election section"},
		{name: "unknown contest", file: "a.json", body: good, src: cvr.Source{ContestID: "Sheriff"}, want: `no contest named "Sheriff"; the file defines "Mayor"`},
		{name: "unknown selection", file: "a.json", body: strings.Replace(good, `"ContestSelectionId":"s-a"`, `"ContestSelectionId":"s-z"`, 1), src: cvr.Source{ContestID: "Mayor"},
			want: `ContestSelectionId "s-z" is not a selection of contest "k1"`, record: 1, field: "CVR[0].CVRSnapshot[0].CVRContest[0].CVRContestSelection[0].ContestSelectionId"},
		{name: "rank zero", file: "a.json", body: strings.Replace(good, `"Rank":1`, `"Rank":0`, 1), src: cvr.Source{ContestID: "Mayor"},
			want: "expected a rank from 1", record: 1, field: "CVR[0].CVRSnapshot[0].CVRContest[0].CVRContestSelection[0].SelectionPosition[0].Rank"},
		{name: "rank not a number", file: "a.json", body: strings.Replace(good, `"Rank":1`, `"Rank":"first"`, 1), src: cvr.Source{ContestID: "Mayor"},
			want: "expected an integer", record: 1, field: "CVR[0].CVRSnapshot[0].CVRContest[0].CVRContestSelection[0].SelectionPosition[0].Rank"},
		{name: "undeclared candidate", file: "a.json", body: good, src: cvr.Source{ContestID: "Mayor", Candidates: []election.Candidate{{Name: "Bob"}}},
			want: `candidate "Ann" (selection "s-a") matches no declared candidate`, record: 1, is: cvr.ErrUnknownCandidate},
		{name: "current snapshot missing", file: "a.json", body: strings.Replace(good, `"CurrentSnapshotId":"s1"`, `"CurrentSnapshotId":"s9"`, 1), src: cvr.Source{ContestID: "Mayor"},
			want: `CurrentSnapshotId "s9" names none`, record: 1, field: "CVR[0].CurrentSnapshotId"},
		{name: "contest not defined", file: "a.json", body: strings.Replace(good, `"ContestId":"k1"`, `"ContestId":"k9"`, 1),
			want: `ContestId "k9" is not defined`, record: 1, field: "CVR[0].CVRSnapshot[0].CVRContest[0].ContestId"},
		{name: "oversized string", file: "a.json", body: regexp.MustCompile(`"BallotPrePrintedId":"[0-9]+"`).ReplaceAllString(good, `"BallotPrePrintedId":"`+strings.Repeat("7", cvr.MaxFieldBytes+1)+`"`),
			want: "longer than", is: cvr.ErrTooLarge},
		{name: "duplicate candidate id", file: "a.json", body: strings.Replace(good, `{"@id":"c-b","Name":"Bob"}`, `{"@id":"c-a","Name":"Bob"}`, 1), want: `candidate @id "c-a" defined twice`, field: "Election[0].Candidate[1].@id"},
		{name: "malformed XML", file: "a.xml", body: xmlHead + `<CVR><CVRSnapshot></CVR>` + xmlElection + `</CastVoteRecordReport>`, want: "malformed XML"},
		{name: "XML wrong root", file: "a.xml", body: `<Cvr></Cvr>`, want: "root element is Cvr; expected a NIST SP 1500-103 CastVoteRecordReport"},
		{name: "XML bad rank", file: "a.xml", body: xmlHead + xmlCVR(`<CVRContestSelection><ContestSelectionId>s-b</ContestSelectionId><SelectionPosition><HasIndication>yes</HasIndication><Rank>x</Rank></SelectionPosition></CVRContestSelection>`) + xmlElection + `</CastVoteRecordReport>`,
			src: cvr.Source{ContestID: "Mayor"}, want: `expected a rank from 1`, record: 1, field: "CVR[0]/CVRSnapshot[0]/CVRContest[0]/CVRContestSelection[0]/SelectionPosition[0]/Rank"},
		{name: "XML truncated", file: "a.xml", body: xmlHead + xmlElection, want: "before the report's closing tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Path = writeFile(t, tc.file, tc.body)
			err := Read(tc.src, &election.Election{}, func(*election.CVR) error { return nil })
			var ce *cvr.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *cvr.Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if tc.record != 0 && ce.Record != tc.record {
				t.Errorf("record %d, want %d", ce.Record, tc.record)
			}
			if tc.field != "" && ce.Field != tc.field {
				t.Errorf("field %q, want %q", ce.Field, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not wrap %v", tc.is)
			}
			if ce.Path != tc.src.Path {
				t.Errorf("path %q", ce.Path)
			}
		})
	}
}

// TestR25RecordFieldsXML: in RCTab mode an XML CVR's supplied id is its
// UniqueId (not BallotPrePrintedId), its batch the BatchSequenceId, it has
// no tabulator, and a BallotStyleUnitId naming no GpUnit fails the source
// (source notes R25). Outside RCTab mode canvass keeps its own choices.
func TestR25RecordFieldsXML(t *testing.T) {
	sel := `<CVRContestSelection><ContestSelectionId>s-a</ContestSelectionId><SelectionPosition><HasIndication>yes</HasIndication><IsAllocable>yes</IsAllocable><NumberVotes>1</NumberVotes><Rank>1</Rank></SelectionPosition></CVRContestSelection>`
	fields := `<BallotPrePrintedId>pp-1</BallotPrePrintedId><UniqueId>u-1</UniqueId><BatchId>b-9</BatchId><BatchSequenceId>7</BatchSequenceId><CreatingDeviceId>dev</CreatingDeviceId>`
	cvrXML := strings.Replace(xmlCVR(sel), "<CVR>", "<CVR>"+fields, 1)
	path := writeFile(t, "r.xml", xmlHead+cvrXML+xmlElection+`</CastVoteRecordReport>`)
	for _, rctab := range []bool{false, true} {
		recs := fixture.Collect(t, Read, cvr.Source{Path: path, ContestID: "Mayor", RCTab: rctab}, &election.Election{})
		if len(recs) != 1 {
			t.Fatalf("RCTab %v: %d records", rctab, len(recs))
		}
		got := []string{recs[0].SuppliedID, recs[0].Batch, recs[0].Tabulator}
		want := []string{"pp-1", "b-9", "dev"}
		if rctab {
			want = []string{"u-1", "7", ""}
		}
		if !slices.Equal(got, want) {
			t.Errorf("RCTab %v: supplied id/batch/tabulator %q, want %q", rctab, got, want)
		}
	}
	unknown := strings.Replace(cvrXML, "<CVR>", "<CVR><BallotStyleUnitId>nowhere</BallotStyleUnitId>", 1)
	path = writeFile(t, "u.xml", xmlHead+unknown+xmlElection+`</CastVoteRecordReport>`)
	err := Read(cvr.Source{Path: path, ContestID: "Mayor", RCTab: true}, &election.Election{}, func(*election.CVR) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `GpUnit "nowhere"`) {
		t.Errorf("unknown GpUnit in RCTab mode: error %v", err)
	}
}

// TestR21SnapshotsAndRepeatedContests: in RCTab mode (source notes R21) the
// current snapshot is the one CurrentSnapshotId names, with no fallback: an
// XML CVR without it is skipped and gets no number, a JSON CVR fails; only
// the first CVRContest entry of the contest is read.
func TestR21SnapshotsAndRepeatedContests(t *testing.T) {
	selAnn := `<CVRContestSelection><ContestSelectionId>s-a</ContestSelectionId><SelectionPosition><HasIndication>yes</HasIndication><IsAllocable>yes</IsAllocable><NumberVotes>1</NumberVotes><Rank>1</Rank></SelectionPosition></CVRContestSelection>`
	selBob := strings.Replace(selAnn, "s-a", "s-b", 1)
	noCurrent := strings.Replace(xmlCVR(selAnn), "<CurrentSnapshotId>s1</CurrentSnapshotId>", "<CurrentSnapshotId>zz</CurrentSnapshotId>", 1)
	twice := strings.Replace(xmlCVR(selAnn), "</CVRContest>", "</CVRContest><CVRContest><ContestId>k1</ContestId>"+selBob+"</CVRContest>", 1)
	path := writeFile(t, "r.xml", xmlHead+xmlCVR(selAnn)+noCurrent+twice+xmlElection+`</CastVoteRecordReport>`)
	e := &election.Election{}
	recs := fixture.Collect(t, Read, cvr.Source{Path: path, ContestID: "Mayor", RCTab: true}, e)
	if len(recs) != 2 || recs[0].ID != "r.xml(1)" || recs[1].ID != "r.xml(2)" {
		t.Fatalf("RCTab mode: %d records %v; want r.xml(1) and r.xml(2), the CVR without its current snapshot skipped", len(recs), recs)
	}
	if got := fixture.Names(e, recs[1], 0); !slices.Equal(got, []string{"1:Ann"}) {
		t.Errorf("repeated CVRContest: marks %q, want only the first entry's 1:Ann", got)
	}
	err := Read(cvr.Source{Path: path, ContestID: "Mayor"}, &election.Election{}, func(*election.CVR) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `CurrentSnapshotId "zz"`) {
		t.Errorf("canvass mode: error %v, want the CVR without its snapshot refused", err)
	}
	pos := `{"ContestSelectionId":"s-a","SelectionPosition":[{"HasIndication":"yes","NumberVotes":1,"Rank":1}]}`
	other := strings.Replace(jsonCVR(pos), `"ContestId":"k1"`, `"ContestId":"k2"`, 1)
	jpath := writeFile(t, "r.json", `{`+strings.Replace(jsonElection, `"Contest":[`, `"Contest":[{"@id":"k2","Name":"Other","ContestSelection":[]},`, 1)+`,"CVR":[`+jsonCVR(pos)+`,`+other+`]}`)
	err = Read(cvr.Source{Path: jpath, ContestID: "Mayor", RCTab: true}, &election.Election{}, func(*election.CVR) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "has no CVRContest for contest") {
		t.Errorf("JSON CVR without the contest, RCTab mode: error %v, want it refused", err)
	}
}

// TestR24SelectionWithoutID: in RCTab mode a selection without
// ContestSelectionId fails the source, in both encodings, unless an XML
// Status of needs-adjudication skips it first (source notes R24). canvass's
// own mode ignores it.
func TestR24SelectionWithoutID(t *testing.T) {
	pos := `{"SelectionPosition":[{"HasIndication":"yes","NumberVotes":1,"Rank":1}]}`
	jpath := writeFile(t, "r.json", `{`+jsonElection+`,"CVR":[`+jsonCVR(pos)+`]}`)
	h := func(*election.CVR) error { return nil }
	if err := Read(cvr.Source{Path: jpath, ContestID: "Mayor"}, &election.Election{}, h); err != nil {
		t.Errorf("canvass mode: %v, want the selection ignored", err)
	}
	if err := Read(cvr.Source{Path: jpath, ContestID: "Mayor", RCTab: true}, &election.Election{}, h); err == nil || !strings.Contains(err.Error(), "has no ContestSelectionId") {
		t.Errorf("RCTab mode, JSON: error %v, want the selection refused", err)
	}
	sel := `<CVRContestSelection><SelectionPosition><HasIndication>yes</HasIndication><IsAllocable>yes</IsAllocable><NumberVotes>1</NumberVotes><Rank>1</Rank></SelectionPosition>%s</CVRContestSelection>`
	for _, tt := range []struct {
		status string
		ok     bool
	}{{"", false}, {"<Status>needs-adjudication</Status>", true}} {
		path := writeFile(t, "r.xml", xmlHead+xmlCVR(fmt.Sprintf(sel, tt.status))+xmlElection+`</CastVoteRecordReport>`)
		err := Read(cvr.Source{Path: path, ContestID: "Mayor", RCTab: true}, &election.Election{}, h)
		if (err == nil) != tt.ok {
			t.Errorf("RCTab mode, XML, status %q: error %v", tt.status, err)
		}
	}
}
