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
		{"genericCsv", "generic.csv", "", 1, []string{"generic.csv: record 3: idColumnIndex: this ballot's ID appears twice: first at", "generic.csv ballot 1"}},
		{"clearBallot", "clearballot.csv", "Democratic Primary", 0, []string{"clearballot.csv: record 3: BallotID: this ballot's ID appears twice", "clearballot.csv ballot 1"}},
		{"dominion-csv", "dominion.csv", "", 0, []string{"dominion.csv: record 3: TabulatorNum-BatchId-RecordId: this ballot's ID appears twice", "dominion.csv ballot 2"}},
		{"dominion", "dominion", "1", 0, []string{"CvrExport_2.json: record 1: TabulatorId-BatchId-RecordId: this ballot's ID appears twice", "CvrExport_1.json ballot 2"}},
		{"hart", "hart", "", 0, []string{"b.xml: record 1: CvrGuid: this ballot's ID appears twice", "a.xml ballot 1"}},
		{"cdf", "cdf.json", "", 0, []string{"cdf.json: record 4: BallotPrePrintedId/UniqueId: this ballot's ID appears twice", "cdf.json ballot 2"}},
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
