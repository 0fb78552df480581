package count_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
)

const fixtures = "../testdata/rctab"

// checkAgainstRCTab compares a count's detailed report with RCTab's.
func checkAgainstRCTab(t *testing.T, res *count.Results, fixture string) {
	t.Helper()
	want, err := os.ReadFile(path.Join(fixtures, fixture, fixture+"_expected_detailed_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := rctab.CompareJSON(want, res.Files[rctab.DetailedJSON]); err != nil || d != "" {
		t.Fatalf("detailed report differs from RCTab's: %s %v", d, err)
	}
}

// TestRCTabConfigFS runs a fixture whose CVRs sit in a sibling folder
// ("../_shared/...") from an fs.FS holding both, and checks that the
// manifest commits to the bytes of each input, named relative to the
// configuration.
func TestRCTabConfigFS(t *testing.T) {
	fsys := os.DirFS(fixtures)
	const name = "aliases_cdf_json"
	res, err := count.RCTabConfig(fsys, name+"/"+name+"_config.json", count.RCTabOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstRCTab(t, res, name)
	var got []string
	for _, in := range res.Manifest.Inputs {
		data, err := fs.ReadFile(fsys, path.Join(name, in.Path))
		if err != nil {
			t.Fatal(err)
		}
		if evidence.Commit(in.Path, data) != in {
			t.Errorf("input %s: manifest %+v is not the file's", in.Path, in)
		}
		got = append(got, in.Path)
	}
	want := "../_shared/cdf_json/cdf_json_file1_cvr.json ../_shared/cdf_json/cdf_json_file2_cvr.json aliases_cdf_json_config.json"
	if strings.Join(got, " ") != want {
		t.Errorf("inputs %v, want %s", got, want)
	}
	if _, ok := res.Files[evidence.ManifestName]; !ok {
		t.Error("no manifest among the files")
	}
	sealed := fstest.MapFS{}
	for n, data := range res.Files {
		sealed[n] = &fstest.MapFile{Data: data}
	}
	if err := evidence.Check(sealed); err != nil {
		t.Errorf("the package does not check: %v", err)
	}
}

// TestRCTabConfigZip counts a configuration and its CVR straight from a
// zip, as the office counts an upload, without unpacking it.
func TestRCTabConfigZip(t *testing.T) {
	const name = "generic_csv_test"
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []string{name + "_config.json", name + "_cvr.csv"} {
		data, err := os.ReadFile(path.Join(fixtures, name, f))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("upload/" + f)
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := count.RCTabConfig(zr, "upload/"+name+"_config.json", count.RCTabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstRCTab(t, res, name)
}

// TestRCTabConfigOutside: a configuration cannot name a file outside the
// file system it is read from, even one that exists on disk.
func TestRCTabConfigOutside(t *testing.T) {
	const name = "aliases_cdf_json"
	_, err := count.RCTabConfig(os.DirFS(path.Join(fixtures, name)), name+"_config.json", count.RCTabOptions{})
	var ce *rctab.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `"../_shared/cdf_json/cdf_json_file1_cvr.json" leads outside`) {
		t.Fatalf("got %v, want a configuration error naming the path", err)
	}
	config, _ := os.ReadFile(path.Join(fixtures, "generic_csv_test", "generic_csv_test_config.json"))
	for _, p := range []string{"../x.csv", "/etc/passwd"} {
		fsys := fstest.MapFS{"c.json": {Data: bytes.Replace(config, []byte("generic_csv_test_cvr.csv"), []byte(p), 1)}}
		if _, err := count.RCTabConfig(fsys, "c.json", count.RCTabOptions{}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "leads outside") {
			t.Errorf("filePath %q: %v", p, err)
		}
	}
}

const pluralityCSV = `"Test Election","5.10",,,,,,,,
,,,,,,,,"Mayor (Vote For=1)","Mayor (Vote For=1)"
,,,,,,,,"Ann","Bob"
"CvrNumber","TabulatorNum","BatchId","RecordId","ImprintedId","CountingGroup","PrecinctPortion","BallotType","DEM","REP"
1,1,1,1,1-1-1,Election Day,Ward 1,Ballot 1,1,0
2,1,1,2,1-1-2,Election Day,Ward 1,Ballot 1,1,0
3,1,1,3,1-1-3,Election Day,Ward 1,Ballot 1,0,1
`

// TestCVRFilesHashesWhatWasRead: the manifest commits to the bytes the
// count read, not to what the file holds when the count is over.
func TestCVRFilesHashesWhatWasRead(t *testing.T) {
	fsys := fstest.MapFS{"in/cvr.csv": {Data: []byte(pluralityCSV)}}
	res, err := count.CVRFiles(fsys, "dominion-csv", []string{"in/cvr.csv"}, count.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fsys["in/cvr.csv"] = &fstest.MapFile{Data: []byte("changed afterwards")}
	want := []evidence.File{evidence.Commit("in/cvr.csv", []byte(pluralityCSV))}
	if len(res.Manifest.Inputs) != 1 || res.Manifest.Inputs[0] != want[0] {
		t.Errorf("inputs %+v, want %+v", res.Manifest.Inputs, want)
	}
	if !bytes.Contains(res.Files[count.SummaryText], []byte("Ann")) || res.Records != 3 {
		t.Errorf("%d records, summary:\n%s", res.Records, res.Files[count.SummaryText])
	}
	for _, f := range []string{count.SummaryJSON, count.NISTJSON, count.SummaryText, evidence.ManifestName} {
		if _, ok := res.Files[f]; !ok {
			t.Errorf("no %s", f)
		}
	}
	if _, err := count.CVRFiles(fsys, "dominion-csv", []string{"../cvr.csv"}, count.Options{}); err == nil || !strings.Contains(err.Error(), "not a path inside") {
		t.Errorf("a path leaving the file system: %v", err)
	}
}

// changingFS serves different bytes each time a file is opened, as a file
// rewritten during a count would.
type changingFS struct {
	fstest.MapFS
	opens int
}

func (c *changingFS) Open(name string) (fs.File, error) {
	c.opens++
	if c.opens > 1 {
		// Trailing white space: still the same report, other bytes.
		c.MapFS = fstest.MapFS{name: {Data: append(bytes.Clone(c.MapFS[name].Data), '\n')}}
	}
	return c.MapFS.Open(name)
}

// TestCVRFilesChangedDuringCount: the CDF reader reads a file twice; if the
// two reads differ, the count has no single input to commit to and fails.
func TestCVRFilesChangedDuringCount(t *testing.T) {
	data, err := os.ReadFile(path.Join(fixtures, "_shared", "cdf_json", "cdf_json_file1_cvr.json"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := &changingFS{MapFS: fstest.MapFS{"cvr.json": {Data: data}}}
	_, err = count.CVRFiles(fsys, "cdf", []string{"cvr.json"}, count.Options{Tiebreak: "useCandidateOrder"})
	if !errors.Is(err, evidence.ErrChanged) {
		t.Fatalf("got %v, want ErrChanged", err)
	}
}

// TestSameExportTwice: a folder given as "dir" and "dir/" (or a file twice)
// would count every ballot twice; it is refused before anything is read
// (issue 11).
func TestSameExportTwice(t *testing.T) {
	dir := "../testdata/duplicate-ids"
	for _, tt := range []struct {
		format string
		paths  []string
	}{
		{"dominion", []string{dir + "/dominion", dir + "/dominion/"}},
		{"genericCsv", []string{dir + "/generic.csv", dir + "/./generic.csv"}},
	} {
		_, err := count.CVRFiles(nil, tt.format, tt.paths, count.Options{})
		if err == nil || !strings.Contains(err.Error(), "is input 1") || !strings.Contains(err.Error(), "counted twice") {
			t.Errorf("%s %q: error %v, want the repeat refused", tt.format, tt.paths, err)
		}
	}
}

// TestContestMatchesNothing: --contest naming no contest of a single-contest
// file used to rename the file's contest and count it; it is an error
// listing the contests there are (issue 11). Input: testdata/mayor.csv.
func TestContestMatchesNothing(t *testing.T) {
	opts := count.Options{Tiebreak: "useCandidateOrder"}
	opts.Source.ContestID = "Sheriff"
	_, err := count.CVRFiles(nil, "genericCsv", []string{"testdata/mayor.csv"}, opts)
	if err == nil || !strings.Contains(err.Error(), `--contest "Sheriff" matches no contest`) || !strings.Contains(err.Error(), `it holds "mayor"`) {
		t.Fatalf("error %v, want the contest refused and the file's contest listed", err)
	}
	opts.Source.ContestID = "mayor"
	res, err := count.CVRFiles(nil, "genericCsv", []string{"testdata/mayor.csv"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Summary.Contests) != 1 || res.Records != 3 {
		t.Errorf("contests %d, records %d; want 1 contest of 3 ballots", len(res.Summary.Contests), res.Records)
	}
}
