package cvr_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	_ "github.com/canvass/canvass/cvr/cdf"
	_ "github.com/canvass/canvass/cvr/clearballot"
	_ "github.com/canvass/canvass/cvr/dominion"
	_ "github.com/canvass/canvass/cvr/generic"
	_ "github.com/canvass/canvass/cvr/hart"
	"github.com/canvass/canvass/election"
)

// TestDuplicateBallotIDs: every reader refuses a ballot ID given twice in
// one source (issue 11), naming both occurrences, instead of counting the
// ballot twice. The inputs are in testdata/duplicate-ids: fixture exports
// with one record repeated (Hart and Dominion: the same ballot in two files).
func TestDuplicateBallotIDs(t *testing.T) {
	dir := filepath.Join("..", "testdata", "duplicate-ids")
	for _, tt := range []struct {
		format, path, contest string
		idColumn              int
		want                  []string
	}{
		{"genericCsv", "generic.csv", "", 1, []string{`ballot ID "x1" appears twice`, "generic.csv ballot 1", "record 3"}},
		{"clearBallot", "clearballot.csv", "Democratic Primary", 0, []string{`ballot ID "ED-004+10003" appears twice`, "clearballot.csv ballot 1", "record 3"}},
		{"dominion-csv", "dominion.csv", "", 0, []string{`ballot ID "1-1-2" appears twice`, "dominion.csv ballot 2", "record 3"}},
		{"dominion", "dominion", "1", 0, []string{`ballot ID "1-1-2" appears twice`, "CvrExport_1.json ballot 2", "CvrExport_2.json: record 1"}},
		{"hart", "hart", "", 0, []string{"appears twice", "a.xml ballot 1", "b.xml: record 1"}},
		{"cdf", "cdf.json", "", 0, []string{"appears twice", "cdf.json ballot 2", "record 4"}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			read, err := cvr.Lookup(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			src := cvr.Source{Path: filepath.Join(dir, tt.path), ContestID: tt.contest, IDColumn: tt.idColumn, FirstVoteColumn: 2}
			err = read(src, &election.Election{}, func(*election.CVR) error { n++; return nil })
			if err == nil {
				t.Fatalf("read %d ballots without error; want the duplicate refused", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
