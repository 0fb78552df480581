package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
)

// Readings are what the audit boards recorded, after sign-off: the
// latest revision of each ballot's (or batch's) reading.
type Readings struct {
	Ballots []BallotReading `json:"ballots,omitempty"`
	Batches []BatchReading  `json:"batches,omitempty"`
}

// BallotReading is what a board read on one sampled paper ballot, contest
// by contest.
type BallotReading struct {
	BallotKey
	Contests map[string]Reading `json:"readings"`
}

// Reading is one contest on one paper ballot: the marked choices (for
// IRV, the ranking, first choice first) or a status, with an optional
// comment. A reading never shows the CVR: boards read blind.
type Reading struct {
	Choices []string `json:"choices,omitempty"`
	// Status is one of the audit's vocabulary: blank, overvote,
	// not-on-ballot, not-found, no-consensus, invalid-write-in.
	Status  string `json:"status,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// BatchReading is a batch's hand tally (batch comparison): votes per
// contest, or NotFound for a batch that could not be counted.
type BatchReading struct {
	Jurisdiction string                `json:"jurisdiction"`
	Batch        string                `json:"batch"`
	NotFound     bool                  `json:"not_found,omitempty"`
	Tallies      map[string]rla.Counts `json:"tallies,omitempty"`
	Comment      string                `json:"comment,omitempty"`
}

// MaxReadingsBytes bounds the JSON DecodeReadings accepts.
const MaxReadingsBytes = 256 << 20

// DecodeReadings reads readings JSON, refusing unknown fields and trailing
// data. Whether the readings fit the audit is checked when a round
// closes.
func DecodeReadings(data []byte) (*Readings, error) {
	if len(data) > MaxReadingsBytes {
		return nil, fmt.Errorf("%w: readings are %d bytes, more than %d", ErrInvalid, len(data), MaxReadingsBytes)
	}
	var r Readings
	if err := decodeStrict(data, &r); err != nil {
		return nil, fmt.Errorf("%w: readings: %v", ErrInvalid, err)
	}
	for i, b := range r.Ballots {
		for name, rd := range b.Contests {
			if len(rd.Choices) > 0 && rd.Status != "" {
				return nil, fmt.Errorf("%w: readings: ballots[%d]: contest %q has both choices and status %q; give one", ErrInvalid, i, name, rd.Status)
			}
			if len(rd.Choices) == 0 && rd.Status == "" {
				return nil, fmt.Errorf("%w: readings: ballots[%d]: contest %q has neither choices nor a status; a ballot with no mark is status %q", ErrInvalid, i, name, StatusBlank)
			}
		}
	}
	return &r, nil
}

// lost reports whether the reading stands for a ballot whose contents are
// unknown: not found, or no consensus. Both count the worst way.
func (r *Reading) lost() bool { return r.Status == StatusNotFound || r.Status == StatusNoConsensus }

// check validates a reading of contest c against the audit's vocabulary.
func (a *Audit) checkReading(c *contest, r *Reading) error {
	if r.Status != "" {
		if len(r.Choices) > 0 {
			return fmt.Errorf("has both choices and status %q; give one", r.Status)
		}
		if !a.def.statusAllowed(r.Status) {
			allowed := a.def.Statuses
			if len(allowed) == 0 {
				allowed = AllStatuses
			}
			return fmt.Errorf("status %q is not in this audit's vocabulary (%s)", r.Status, strings.Join(allowed, ", "))
		}
		if r.Status == StatusNoConsensus && strings.TrimSpace(r.Comment) == "" {
			return fmt.Errorf("status %q needs a comment saying what the board disagreed on", r.Status)
		}
		return nil
	}
	if len(r.Choices) == 0 {
		return fmt.Errorf("has neither choices nor a status; a ballot with no mark is status %q", StatusBlank)
	}
	for i, ch := range r.Choices {
		if c.candidate(ch) < 0 {
			return fmt.Errorf("choice %q is not a candidate (%s)", ch, strings.Join(c.candidates, ", "))
		}
		if c.def.Kind != IRV && slices.Index(r.Choices, ch) != i {
			return fmt.Errorf("choice %q is given twice", ch)
		}
	}
	return nil
}

// mvr turns a found ballot's reading into the audited CVR of contest c
// (nil marks with ok false for not-on-ballot).
func (c *contest) mvr(r *Reading) *election.CVR {
	out := &election.CVR{}
	if r.Status == StatusNotOnBallot {
		return out
	}
	cm := election.ContestMarks{Contest: int32(c.index)}
	switch {
	case r.Status == StatusOvervote:
		cm.Marks = []election.Mark{{Rank: 1, Choice: election.Overvote}}
	case len(r.Choices) > 0:
		for i, name := range r.Choices {
			rank := int32(1)
			if c.def.Kind == IRV {
				rank = int32(i + 1)
			}
			cm.Marks = append(cm.Marks, election.Mark{Rank: rank, Choice: election.Choice(c.candidate(name))})
		}
		slices.SortFunc(cm.Marks, func(x, y election.Mark) int {
			if x.Rank != y.Rank {
				return int(x.Rank - y.Rank)
			}
			return int(x.Choice - y.Choice)
		})
	}
	// blank and invalid-write-in: the contest with no valid mark.
	out.Contests = []election.ContestMarks{cm}
	return out
}

// describe renders a reading for reports.
func (r *Reading) describe(irv bool) string {
	if r.Status != "" {
		return r.Status
	}
	if irv {
		return strings.Join(r.Choices, " > ")
	}
	return strings.Join(r.Choices, ", ")
}

// describeCVR renders a CVR's marks in contest c for reports.
func (c *contest) describeCVR(cvr *election.CVR) string {
	if cvr == nil {
		return "phantom (no CVR)"
	}
	marks, ok := cvr.Marks(c.index)
	if !ok {
		return StatusNotOnBallot
	}
	if len(marks) == 0 {
		return StatusBlank
	}
	names := make([]string, 0, len(marks))
	for _, m := range marks {
		if m.Choice < 0 || int(m.Choice) >= len(c.candidates) {
			return StatusOvervote
		}
		names = append(names, c.candidates[m.Choice])
	}
	if c.def.Kind == IRV {
		return strings.Join(names, " > ")
	}
	if len(names) > c.votesAllowed() {
		return StatusOvervote + " (" + strings.Join(names, ", ") + ")"
	}
	return strings.Join(names, ", ")
}
