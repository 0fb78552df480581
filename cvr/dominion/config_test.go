package dominion

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// rctabConfig is the part of an RCTab contest configuration the tests need.
type rctabConfig struct {
	OutputSettings struct {
		ContestName         string `json:"contestName"`
		ContestJurisdiction string `json:"contestJurisdiction"`
	} `json:"outputSettings"`
	CVRFileSources []struct {
		FilePath               string `json:"filePath"`
		ContestID              string `json:"contestId"`
		Provider               string `json:"provider"`
		UndeclaredWriteInLabel string `json:"undeclaredWriteInLabel"`
		OvervoteLabel          string `json:"overvoteLabel"`
	} `json:"cvrFileSources"`
	Candidates []struct {
		Name     string   `json:"name"`
		Aliases  []string `json:"aliases"`
		Excluded bool     `json:"excluded"`
	} `json:"candidates"`
}

// fixtureSources reads testdata/rctab/NAME/NAME_config.json and returns its
// sources with paths resolved and declared candidates attached.
func fixtureSources(t testing.TB, name string) []cvr.Source {
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
	var out []cvr.Source
	for _, s := range c.CVRFileSources {
		out = append(out, cvr.Source{
			Path:                   filepath.Join(dir, s.FilePath),
			ContestID:              s.ContestID,
			UndeclaredWriteInLabel: s.UndeclaredWriteInLabel,
			OvervoteLabel:          s.OvervoteLabel,
			Candidates:             cands,
		})
	}
	return out
}

// collect reads src and returns deep copies of the records.
func collect(t testing.TB, r cvr.Reader, src cvr.Source, e *election.Election) []election.CVR {
	t.Helper()
	var out []election.CVR
	err := r(src, e, func(rec *election.CVR) error {
		out = append(out, copyCVR(rec))
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", src.Path, err)
	}
	return out
}

func copyCVR(rec *election.CVR) election.CVR {
	c := *rec
	c.Contests = nil
	for _, cm := range rec.Contests {
		c.Contests = append(c.Contests, election.ContestMarks{Contest: cm.Contest, Marks: append([]election.Mark(nil), cm.Marks...)})
	}
	return c
}
