package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/canvass/canvass/rla"
)

// Batch tallies are the reported votes of every batch of a jurisdiction
// in a batch-comparison audit, in Arlo's CSV layout: a "Batch Name"
// column and one column per choice, headed with the choice's name when
// the jurisdiction has one audited contest and "Contest - Choice" always
// (required with several contests).

// tallyColumn is one vote column of a batch tallies file.
type tallyColumn struct {
	contest, choice string
}

// jurisdictionContests lists the contests of def in jurisdiction j, with
// their reported choices in definition order.
func jurisdictionContests(def *Definition, j string) []ContestDefinition {
	var out []ContestDefinition
	for _, c := range def.Contests {
		if slices.Contains(c.Jurisdictions, j) {
			out = append(out, c)
		}
	}
	return out
}

// ReadBatchTallies reads jurisdiction j's batch tallies file (path names
// it in errors). Every problem is an error naming the file, the row and
// the column; nothing is read from a file with one. The office reads
// uploads and the verifier re-reads committed ones with it, so both see
// the same tallies.
func ReadBatchTallies(path string, data []byte, def *Definition, j string) ([]BatchTally, error) {
	fail := func(row int, col, format string, args ...any) error {
		where := path
		if row > 0 {
			where += fmt.Sprintf(": row %d", row)
		}
		if col != "" {
			where += fmt.Sprintf(", column %q", col)
		}
		return errors.New(where + ": " + fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(data) {
		return nil, fail(0, "", "the file is not UTF-8 text; save the CSV as UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	contests := jurisdictionContests(def, j)
	want := map[string]tallyColumn{}
	var order []string
	for _, c := range contests {
		for _, cv := range c.Reported {
			k := c.Name + " - " + cv.Name
			want[k] = tallyColumn{c.Name, cv.Name}
			order = append(order, k)
			if len(contests) == 1 {
				want[cv.Name] = tallyColumn{c.Name, cv.Name}
			}
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fail(0, "", "the file is empty; expected a header row with \"Batch Name\" and one column per choice (%s)", strings.Join(order, ", "))
	}
	if err != nil {
		return nil, fail(1, "", "not CSV: %v", err)
	}
	batchCol := -1
	cols := make([]*tallyColumn, len(head))
	seen := map[tallyColumn]string{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if strings.EqualFold(h, "Batch Name") {
			if batchCol >= 0 {
				return nil, fail(1, h, "\"Batch Name\" appears twice")
			}
			batchCol = i
			continue
		}
		tc, ok := want[h]
		if !ok {
			return nil, fail(1, h, "not a choice of the audit's contests in %s; the columns are \"Batch Name\" and %s", j, quoteAll(order))
		}
		if prev, dup := seen[tc]; dup {
			return nil, fail(1, h, "the same choice as column %q", prev)
		}
		seen[tc] = h
		cols[i] = &tc
	}
	if batchCol < 0 {
		return nil, fail(1, "", "no \"Batch Name\" column")
	}
	for _, k := range order {
		if _, ok := seen[want[k]]; !ok {
			return nil, fail(1, "", "no column for %q; every choice needs one (0 where it got no votes)", k)
		}
	}
	var out []BatchTally
	rows := map[string]int{}
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail(row, "", "not CSV: %v", err)
		}
		row, _ = r.FieldPos(0)
		if len(rec) != len(head) {
			return nil, fail(row, "", "%d cells, the header has %d", len(rec), len(head))
		}
		name := strings.TrimSpace(rec[batchCol])
		if name == "" {
			return nil, fail(row, head[batchCol], "expected a batch name, got an empty cell")
		}
		if prev, dup := rows[name]; dup {
			return nil, fail(row, head[batchCol], "batch %q already appears in row %d; each batch has one row", name, prev)
		}
		rows[name] = row
		bt := BatchTally{Batch: name, Source: path, Row: row, Contests: map[string]rla.Counts{}}
		for i, tc := range cols {
			if tc == nil {
				continue
			}
			cell := strings.TrimSpace(rec[i])
			n, err := strconv.Atoi(cell)
			if err != nil || n < 0 || n > 1_000_000_000 {
				return nil, fail(row, head[i], "expected a whole number of votes from 0 to 1000000000, got %q", cell)
			}
			bt.Contests[tc.contest] = append(bt.Contests[tc.contest], rla.CandidateVotes{Name: tc.choice, Votes: n})
		}
		out = append(out, bt)
	}
	if len(out) == 0 {
		return nil, fail(0, "", "no batch rows after the header")
	}
	// Choices in definition order, whatever the column order.
	for _, bt := range out {
		for _, c := range contests {
			counts := bt.Contests[c.Name]
			slices.SortStableFunc(counts, func(x, y rla.CandidateVotes) int {
				return slices.IndexFunc(c.Reported, func(v rla.CandidateVotes) bool { return v.Name == x.Name }) -
					slices.IndexFunc(c.Reported, func(v rla.CandidateVotes) bool { return v.Name == y.Name })
			})
		}
	}
	return out, nil
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}
