package hart

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

var archive = filepath.Join("..", "..", "testdata", "rctab", "_shared", "hart_cvr_archive")

func TestTravisCountyOfficers(t *testing.T) {
	e := &election.Election{}
	recs := fixture.Collect(t, Read, fixture.LoadConfig(t, "hart_travis_county_officers").Sources[0].Source, e)
	// RCTab's report: 9 ballots, 2 undervotes, 6 overvotes at rank 1, one
	// vote for Michael Gottner.
	if len(recs) != 9 {
		t.Fatalf("ballots = %d, want 9", len(recs))
	}
	under, over, gottner := 0, 0, 0
	for _, r := range recs {
		ms, ok := r.Marks(0)
		switch {
		case !ok:
			t.Fatalf("%s lacks the contest", r.ID)
		case len(ms) == 0:
			under++
		case len(ms) > 1 && ms[1].Rank == 1:
			over++
		case e.Contests[0].Candidates[ms[0].Choice].Name == "Michael Gottner":
			gottner++
		}
	}
	if under != 2 || over != 6 || gottner != 1 {
		t.Errorf("undervotes %d overvotes %d Gottner %d; want 2, 6, 1", under, over, gottner)
	}
	want := []string{"0e4cb797-392c-4e64-9034-94694bf97419", "1a0e576b-0b2d-474d-8d65-89c968b42262", "3f078997-6eee-48a0-8c32-71288748d187",
		"5bc7ce6c-f498-438e-9930-2e829f066eab", "826a70f1-5df6-458c-bc78-8443ba3b20b0", "d47ab934-ac1d-4021-b2e6-78bce1b89415",
		"e84522d1-adce-43df-8b49-13adb8bcc2e1", "f4b6ca3a-1341-4f93-804e-a0a723cfc6f5", "df008bec-2c95-4bd7-b6fb-451f15f0a679"}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("records in order %q, want file-name order %q", ids, want)
	}
	last := recs[8]
	if got := fixture.Names(e, last, 0); !slices.Equal(got, []string{"1:Michael Gottner"}) {
		t.Errorf("df008bec marks %q", got)
	}
	if last.Precinct != `ABC~!@#^&()_+|?><,.[]\][ k1234567@-C!~@#^&` || last.Batch != "1" || last.SuppliedID != last.ID || last.PrecinctPortion != "7b43f69a-e31f-420d-a5aa-e61fc4e74e56" {
		t.Errorf("df008bec = %+v", last)
	}
	if got := fixture.Names(e, recs[1], 0); !slices.Equal(got, []string{"1:Michael Gottner", "1:Jim Sylvester", "1:William Poole"}) {
		t.Errorf("1a0e576b marks %q (declared order)", got)
	}
	if c := e.Contests[0]; c.Name != "TRAVIS COUNTY OFFICERS" || len(c.Candidates) != 5 {
		t.Errorf("contest %q with %d candidates", c.Name, len(c.Candidates))
	}
}

func TestEveryContest(t *testing.T) {
	e := &election.Election{}
	recs := fixture.Collect(t, Read, cvr.Source{Path: archive}, e)
	if len(recs) != 18 {
		t.Fatalf("records %d, want all 18 files", len(recs))
	}
	byID := map[string]election.CVR{}
	for _, r := range recs {
		byID[r.ID] = *r
	}
	tests := []struct {
		cvr, contest string
		ranks        int
		want         []string
	}{
		// Hart's Value is a mark string over the rank columns.
		{"3f078997-6eee-48a0-8c32-71288748d187", "CEDAR PARK SCHOOL BOARD", 6, []string{"1:Steve Carlson", "2:Tony Hernandez", "3:Betty McCollum", "4:April King", "5:Bev Scalze", "6:Russ Bertsch"}},
		{"f532531e-8715-4976-9af4-ab0ba50334a7", "PFLUGERVILLE COUNTY OFFICERS", 10, []string{"1:Ken Paxton", "2:Ken Paxton", "2:Sam Patrick", "3:Sam Patrick", "5:Jamie Balagia", "5:Jamar Osborne", "7:Tom Oxford", "7:Jamar Osborne", "7:William Moody", "9:Jamar Osborne"}}, // choice order: Tom Oxford appeared in an earlier file
		// A write-in with unresolved WriteInData.
		{"04917dca-3f9e-440e-a41a-98dc5e57376e", "AUSTIN LIBRARY OFFICE", 1, []string{"1:" + election.UndeclaredWriteInName}},
	}
	for _, tc := range tests {
		var idx int
		var c *election.Contest
		for i, ec := range e.Contests {
			if ec.Name == tc.contest {
				idx, c = i, ec
			}
		}
		if c == nil {
			t.Fatalf("no contest %q", tc.contest)
		}
		if c.Ranks != tc.ranks {
			t.Errorf("%s ranks %d, want %d", tc.contest, c.Ranks, tc.ranks)
		}
		rec := byID[tc.cvr]
		if got := fixture.Names(e, &rec, idx); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s = %q, want %q", tc.cvr[:8], tc.contest, got, tc.want)
		}
	}
}

// writeFolder makes a folder of CVR files.
func writeFolder(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func cvrXML(guid, options string) string {
	return `<?xml version="1.0" encoding="utf-8"?><Cvr xmlns="http://tempuri.org/CVRDesign.xsd"><Contests><Contest><Name>Mayor</Name><Id>k1</Id><Options>` + options +
		`</Options></Contest></Contests><BatchSequence>1</BatchSequence><SheetNumber>1</SheetNumber><PrecinctSplit><Name>P1</Name><Id>p1</Id></PrecinctSplit><BatchNumber>4</BatchNumber><CvrGuid>` + guid + `</CvrGuid></Cvr>`
}

const optAnn = `<Option><Name>Ann</Name><Id>a</Id><Value>1</Value></Option>`

func TestSignaturesAndOtherFilesIgnored(t *testing.T) {
	dir := writeFolder(t, map[string]string{"b.xml": cvrXML("g2", optAnn), "a.XML": cvrXML("g1", optAnn), "a.sig.xml": "<Signature/>", "notes.txt": "x"})
	recs := fixture.Collect(t, Read, cvr.Source{Path: dir, ContestID: "k1"}, &election.Election{})
	if len(recs) != 2 || recs[0].ID != "g1" || recs[1].ID != "g2" || recs[0].Batch != "4" {
		t.Errorf("records %+v", recs)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		src   cvr.Source
		want  string
		file  string
		field string
		is    error
	}{
		{name: "empty folder", files: map[string]string{"x.txt": ""}, want: "no .xml CVR files"},
		{name: "malformed XML", files: map[string]string{"a.xml": cvrXML("g1", optAnn), "b.xml": `<Cvr><Contests>`}, want: "malformed XML", file: "b.xml"},
		{name: "empty file", files: map[string]string{"a.xml": ""}, want: "the file is empty", file: "a.xml"},
		{name: "wrong root", files: map[string]string{"a.xml": `<CastVoteRecordReport/>`}, want: "root element is CastVoteRecordReport", file: "a.xml"},
		{name: "two documents", files: map[string]string{"a.xml": cvrXML("g1", optAnn) + cvrXML("g2", optAnn)}, want: "content after the <Cvr> element", file: "a.xml"},
		{name: "bad value", files: map[string]string{"a.xml": cvrXML("g1", `<Option><Name>Ann</Name><Id>a</Id><Value>2</Value></Option>`)}, want: `expected Hart's mark string`, file: "a.xml", field: "Cvr/Contests/Contest[0]/Options/Option[0]/Value"},
		{name: "missing guid", files: map[string]string{"a.xml": cvrXML("", optAnn)}, want: "each Hart CVR names its CvrGuid", file: "a.xml", field: "Cvr/CvrGuid"},
		{name: "undeclared option", files: map[string]string{"a.xml": cvrXML("g1", optAnn)}, src: cvr.Source{ContestID: "k1", Candidates: []election.Candidate{{Name: "Bob", Aliases: []string{"b"}}}},
			want: `option "Ann" (a) matches no declared candidate`, file: "a.xml", field: "Cvr/Contests/Contest[0]/Options/Option[0]/Id", is: cvr.ErrUnknownCandidate},
		{name: "contest nowhere", files: map[string]string{"a.xml": cvrXML("g1", optAnn)}, src: cvr.Source{ContestID: "k9"}, want: `no CVR file in the folder holds contest "k9"`},
		{name: "candidates without contest", files: map[string]string{"a.xml": cvrXML("g1", optAnn)}, src: cvr.Source{Candidates: []election.Candidate{{Name: "Ann"}}}, want: "set the source's contest ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFolder(t, tc.files)
			tc.src.Path = dir
			err := Read(tc.src, &election.Election{}, func(*election.CVR) error { return nil })
			var ce *cvr.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *cvr.Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			wantPath := dir
			if tc.file != "" {
				wantPath = filepath.Join(dir, tc.file)
			}
			if ce.Path != wantPath {
				t.Errorf("path %q, want %q", ce.Path, wantPath)
			}
			if tc.field != "" && ce.Field != tc.field {
				t.Errorf("field %q, want %q", ce.Field, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not wrap %v", tc.is)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		err := Read(cvr.Source{Path: filepath.Join(t.TempDir(), "nope")}, &election.Election{}, nil)
		if err == nil || !strings.Contains(err.Error(), "folder not found") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("oversized file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.xml")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, maxFileBytes+1); err != nil {
			t.Fatal(err)
		}
		err := Read(cvr.Source{Path: dir}, &election.Election{}, nil)
		if !errors.Is(err, cvr.ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
	})
}

// FuzzHart feeds arbitrary bytes as one CVR file.
func FuzzHart(f *testing.F) {
	entries, err := os.ReadDir(archive)
	if err != nil {
		f.Fatal(err)
	}
	for _, ent := range entries {
		b, err := os.ReadFile(filepath.Join(archive, ent.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte(cvrXML("g", optAnn)), "k1")
	f.Fuzz(func(t *testing.T, body []byte, contest string) {
		var x xCvr
		err := parse(body, "a.xml", &x)
		if err == nil {
			e := &election.Election{}
			r := &reader{src: cvr.Source{Path: "dir", ContestID: contest}, e: e, contests: map[string]*target{}}
			var emit bool
			emit, err = r.build("a.xml", &x)
			if emit {
				for _, cm := range r.rec.Contests {
					for _, m := range cm.Marks {
						if m.Rank < 1 || int(m.Choice) >= len(e.Contests[cm.Contest].Candidates) || m.Choice < 0 {
							t.Fatalf("bad mark %+v", m)
						}
					}
				}
			}
		}
		var ce *cvr.Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *cvr.Error", err, err)
		}
	})
}

// BenchmarkHart reads the fixture folder (18 files).
func BenchmarkHart(b *testing.B) {
	var size int64
	entries, _ := os.ReadDir(archive)
	for _, ent := range entries {
		info, _ := ent.Info()
		size += info.Size()
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Read(cvr.Source{Path: archive}, &election.Election{}, func(*election.CVR) error { n++; return nil }); err != nil || n != 18 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkHartLarge reads a folder of 10,080 sheets (the fixture's 18
// files copied 560 times), where per-file cost dominates the fixed cost of
// listing the folder.
func BenchmarkHartLarge(b *testing.B) {
	entries, err := os.ReadDir(archive)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var size int64
	for i := 0; i < 560; i++ {
		for _, ent := range entries {
			body, err := os.ReadFile(filepath.Join(archive, ent.Name()))
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)+"_"+ent.Name()), body, 0o644); err != nil {
				b.Fatal(err)
			}
			size += int64(len(body))
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Read(cvr.Source{Path: dir}, &election.Election{}, func(*election.CVR) error { n++; return nil }); err != nil || n != 10080 {
			b.Fatal(n, err)
		}
	}
}

// TestR19OptionsByIDOnly: in RCTab mode an option is identified by its Id
// alone: the write-in only when the Id equals the label, a declared
// candidate only through the Id; Name and WriteInData play no part (source
// notes R19). Outside RCTab mode the Name and WriteInData still count.
func TestR19OptionsByIDOnly(t *testing.T) {
	byName := `<Option><Name>Ann</Name><Id>zz</Id><Value>1</Value></Option>`
	writeIn := `<Option><Name>Write-in</Name><Id>w</Id><WriteInData><Text>X</Text></WriteInData><Value>01</Value></Option>`
	declared := []election.Candidate{{Name: "Ann", Aliases: []string{"a"}}, {Name: "Bob", Aliases: []string{"b"}}}
	for _, tt := range []struct {
		name, options string
		rctab         bool
		label, want   string
	}{
		{"name does not match in RCTab mode", byName, true, "", `option Id "zz" (Ann) matches no declared candidate`},
		{"name matches outside RCTab mode", byName, false, "", ""},
		{"WriteInData is no write-in in RCTab mode", optAnn + writeIn, true, "", `option Id "w" (Write-in) matches no declared candidate`},
		{"Id equal to the label is the write-in", optAnn + writeIn, true, "w", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFolder(t, map[string]string{"a.xml": cvrXML("g1", tt.options)})
			src := cvr.Source{Path: dir, ContestID: "k1", Candidates: declared, RCTab: tt.rctab, UndeclaredWriteInLabel: tt.label}
			e := &election.Election{}
			err := Read(src, e, func(*election.CVR) error { return nil })
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestR26NoCVRForContest: in RCTab mode a Hart folder none of whose CVRs
// holds the contest yields no records without an error; the run fails only
// if no source yields any (source notes R26). Outside RCTab mode it is an
// error naming the contest.
func TestR26NoCVRForContest(t *testing.T) {
	dir := writeFolder(t, map[string]string{"a.xml": cvrXML("g1", optAnn)})
	n := 0
	h := func(*election.CVR) error { n++; return nil }
	if err := Read(cvr.Source{Path: dir, ContestID: "k9", RCTab: true}, &election.Election{}, h); err != nil || n != 0 {
		t.Errorf("RCTab mode: %d records, error %v; want none and no error", n, err)
	}
	if err := Read(cvr.Source{Path: dir, ContestID: "k9"}, &election.Election{}, h); err == nil || !strings.Contains(err.Error(), `holds contest "k9"`) {
		t.Errorf("canvass mode: error %v, want the missing contest named", err)
	}
}

// TestR18ValueOtherCharacters: RCTab reads only the 1s of a Value and
// ignores other characters (source notes R18), so in RCTab mode "1x1"
// marks ranks 1 and 3, with one warning; outside RCTab mode it is an error.
// Tokens: the option Id "a" is Ann's alias (election.Mark.Token 2).
func TestR18ValueOtherCharacters(t *testing.T) {
	opt := `<Option><Name>Ann</Name><Id>a</Id><Value>1x1</Value></Option>`
	dir := writeFolder(t, map[string]string{"a.xml": cvrXML("g1", opt)})
	declared := []election.Candidate{{Name: "Ann", Aliases: []string{"a"}}}
	var warns []string
	var got []election.Mark
	src := cvr.Source{Path: dir, ContestID: "k1", Candidates: declared, RCTab: true, Warn: func(m string) { warns = append(warns, m) }}
	err := Read(src, &election.Election{}, func(r *election.CVR) error {
		got = append(got, r.Contests[0].Marks...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []election.Mark{{Rank: 1, Choice: 0, Token: 2}, {Rank: 3, Choice: 0, Token: 2}}
	if !slices.Equal(got, want) || len(warns) != 1 {
		t.Errorf("marks %v, warnings %q; want %v and one warning", got, warns, want)
	}
	src.RCTab = false
	if err := Read(src, &election.Election{}, func(*election.CVR) error { return nil }); err == nil || !strings.Contains(err.Error(), "Value") {
		t.Errorf("outside RCTab mode: error %v, want one about Value", err)
	}
}
