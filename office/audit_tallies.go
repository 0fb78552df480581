package office

import (
	"net/http"
	"slices"

	"github.com/canvass/canvass/audit"
)

// jurisdictionContests lists the contests of def in jurisdiction j, with
// their reported choices in definition order.
func jurisdictionContests(def *audit.Definition, j string) []audit.ContestDefinition {
	var out []audit.ContestDefinition
	for _, c := range def.Contests {
		if slices.Contains(c.Jurisdictions, j) {
			out = append(out, c)
		}
	}
	return out
}

// readBatchTallies reads jurisdiction j's batch tallies file with the
// audit package's reader (which the verifier uses too). Every problem is
// a 422 naming the file, the row and the column; nothing is read from a
// file with one.
func readBatchTallies(path string, data []byte, def *audit.Definition, j string) ([]audit.BatchTally, error) {
	out, err := audit.ReadBatchTallies(path, data, def, j)
	if err != nil {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Field: "file", Msg: err.Error()}
	}
	return out, nil
}
