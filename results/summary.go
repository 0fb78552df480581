package results

import (
	"bytes"
	"encoding/json"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/tabulate"
)

// SummaryFormat identifies the summary's schema version.
const SummaryFormat = "canvass-results/v1"

// Summary is canvass's own JSON rendering of a count of CVRs read directly
// (no RCTab configuration): what was read, by which build, and each
// contest's outcome.
type Summary struct {
	Format   string           `json:"format"`
	Software buildinfo.Info   `json:"software"`
	Inputs   []evidence.File  `json:"inputs"`
	Contests []ContestSummary `json:"contests"`
}

// ContestSummary is one contest's outcome.
type ContestSummary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Method is "plurality", "vote-for-n", "approval" or "ranked-choice".
	Method  string   `json:"method"`
	Seats   int      `json:"seats"`
	Ballots int64    `json:"ballots"`
	Winners []string `json:"winners"`
	// Tied names candidates tied for the last seat(s) of an unranked
	// contest, which the law must resolve.
	Tied []string `json:"tied,omitempty"`
	// Votes, Overvotes, Undervotes and BlankBallots describe unranked
	// contests.
	Votes        []CandidateVotes `json:"votes,omitempty"`
	Overvotes    int64            `json:"overvotes,omitempty"`
	Undervotes   int64            `json:"undervotes,omitempty"`
	BlankBallots int64            `json:"blank_ballots,omitempty"`
	// RCTabReport is, for a ranked contest, RCTab's detailed report JSON
	// (the round-by-round format tools such as RCVis read), one per pass
	// for multi-pass IRV.
	RCTabReport []json.RawMessage `json:"rctab_report,omitempty"`
}

// CandidateVotes is one candidate's count in an unranked contest.
type CandidateVotes struct {
	Name  string `json:"name"`
	Votes int64  `json:"votes"`
}

// SummarizeTally summarizes an unranked count.
func SummarizeTally(id, name string, t *tabulate.Tally, r tabulate.TallyResult, seats int) ContestSummary {
	method := "plurality"
	switch {
	case t.Method == tabulate.Approval:
		method = "approval"
	case t.VoteFor > 1:
		method = "vote-for-n"
	}
	s := ContestSummary{ID: id, Name: name, Method: method, Seats: seats, Ballots: t.Ballots, Winners: []string{},
		Overvotes: t.Overvotes, Undervotes: t.Undervotes, BlankBallots: t.BlankBallots}
	for _, c := range r.Order {
		s.Votes = append(s.Votes, CandidateVotes{Name: t.Candidates[c].Name, Votes: t.Votes[c]})
	}
	for _, c := range r.Winners {
		s.Winners = append(s.Winners, t.Candidates[c].Name)
	}
	for _, c := range r.Tied {
		s.Tied = append(s.Tied, t.Candidates[c].Name)
	}
	return s
}

// SummarizeRanked summarizes a ranked-choice count, embedding RCTab's
// detailed report for each tabulation.
func SummarizeRanked(id, name string, res *tabulate.Result, info tabulate.ReportInfo) (ContestSummary, error) {
	s := ContestSummary{ID: id, Name: name, Method: "ranked-choice", Winners: []string{}}
	for _, t := range res.Tabulations {
		var buf bytes.Buffer
		if err := tabulate.WriteDetailedJSON(&buf, t, info); err != nil {
			return s, err
		}
		s.RCTabReport = append(s.RCTabReport, json.RawMessage(buf.Bytes()))
		s.Ballots = t.TotalBallots
		s.Seats += t.NumberToElect
	}
	if len(res.Tabulations) > 0 {
		cands := res.Tabulations[0].Candidates
		for _, w := range res.Winners {
			s.Winners = append(s.Winners, cands[w].Name)
		}
	}
	return s, nil
}
