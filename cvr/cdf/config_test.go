package cdf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// rctabConfig is the part of an RCTab contest configuration the tests need.
type rctabConfig struct {
	OutputSettings struct {
		ContestName         string `json:"contestName"`
		ContestJurisdiction string `json:"contestJurisdiction"`
		TabulateByPrecinct  bool   `json:"tabulateByPrecinct"`
	} `json:"outputSettings"`
	CVRFileSources []struct {
		FilePath               string `json:"filePath"`
		ContestID              string `json:"contestId"`
		Provider               string `json:"provider"`
		UndeclaredWriteInLabel string `json:"undeclaredWriteInLabel"`
		OvervoteLabel          string `json:"overvoteLabel"`
		SkippedRankLabel       string `json:"skippedRankLabel"`
		FirstVoteColumnIndex   string `json:"firstVoteColumnIndex"`
		FirstVoteRowIndex      string `json:"firstVoteRowIndex"`
		PrecinctColumnIndex    string `json:"precinctColumnIndex"`
		BatchColumnIndex       string `json:"batchColumnIndex"`
	} `json:"cvrFileSources"`
	Candidates []struct {
		Name     string   `json:"name"`
		Aliases  []string `json:"aliases"`
		Excluded bool     `json:"excluded"`
	} `json:"candidates"`
	Rules struct {
		MaxRankingsAllowed string `json:"maxRankingsAllowed"`
	} `json:"rules"`
}

type fixtureSource struct {
	cvr.Source
	provider                           string
	skipped                            string
	firstCol, firstRow, precCol, batch int
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// loadFixture reads testdata/rctab/NAME/NAME_config.json.
func loadFixture(t testing.TB, name string) (*rctabConfig, []fixtureSource) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "rctab", name)
	b, err := os.ReadFile(filepath.Join(dir, name+"_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c rctabConfig
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	cands := []election.Candidate{}
	for _, cand := range c.Candidates {
		cands = append(cands, election.Candidate{Name: cand.Name, Aliases: cand.Aliases, Excluded: cand.Excluded})
	}
	var out []fixtureSource
	for _, s := range c.CVRFileSources {
		out = append(out, fixtureSource{
			Source: cvr.Source{
				Path:                   filepath.Join(dir, s.FilePath),
				ContestID:              s.ContestID,
				UndeclaredWriteInLabel: s.UndeclaredWriteInLabel,
				OvervoteLabel:          s.OvervoteLabel,
				Candidates:             cands,
			},
			provider: s.Provider,
			skipped:  s.SkippedRankLabel,
			firstCol: atoiOr(s.FirstVoteColumnIndex, 4),
			firstRow: atoiOr(s.FirstVoteRowIndex, 2),
			precCol:  atoiOr(s.PrecinctColumnIndex, 0),
			batch:    atoiOr(s.BatchColumnIndex, 0),
		})
	}
	return &c, out
}

// collect reads src and returns deep copies of the records.
func collect(t testing.TB, r cvr.Reader, src cvr.Source, e *election.Election) []*election.CVR {
	t.Helper()
	var out []*election.CVR
	err := r(src, e, func(rec *election.CVR) error {
		c := *rec
		c.Contests = nil
		for _, cm := range rec.Contests {
			c.Contests = append(c.Contests, election.ContestMarks{Contest: cm.Contest, Marks: append([]election.Mark(nil), cm.Marks...)})
		}
		out = append(out, &c)
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", src.Path, err)
	}
	return out
}
