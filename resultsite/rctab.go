package resultsite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
)

// MaxSummaryBytes bounds the RCTab report one contest may carry.
const MaxSummaryBytes = 64 << 20

// ErrInvalidSummary is wrapped by every error ParseSummary returns for
// malformed input.
var ErrInvalidSummary = errors.New("invalid RCTab summary")

// Summary is what the page needs from RCTab's round-by-round report
// ("detailed_report.json"; RCTab before 1.3 called it "summary.json").
type Summary struct {
	Contest, Jurisdiction, Office, GeneratedBy string
	// Threshold is the final round's threshold as RCTab printed it
	// (summary.finalThreshold).
	Threshold string
	// Ballots is summary.totalNumBallots; Undervotes summary.undervotes.
	Ballots    string
	Undervotes int64
	// Seats is summary.numWinners, or the number of winners when RCTab
	// gives 0 (bottoms-up to a percentage threshold).
	Seats int
	// Candidates are every candidate that appears in a round's tally, in
	// finishing order: winners in order of election, then the others by the
	// last round they were counted in (later first), then by their votes in
	// that round (more first), then by name.
	Candidates []RankedCandidate
	Rounds     []Round
	// Winners are the elected candidates, in order of election; none when
	// the count stopped early.
	Winners []string
}

// RankedCandidate is one candidate of a ranked contest and what happened
// to them.
type RankedCandidate struct {
	Name string
	// ElectedRound and EliminatedRound are 1-based; 0 if it did not happen.
	ElectedRound, EliminatedRound int
	// LastRound is the last round whose tally lists the candidate.
	LastRound int
}

// Round is one round of the count.
type Round struct {
	Number int
	// Threshold as printed; empty when the round has none.
	Threshold string
	// Votes maps candidate names to their votes as printed by RCTab
	// ("28951", "14866.0000").
	Votes map[string]string
	// Inactive is the sum of the round's inactive ballots (overvotes,
	// skipped and repeated rankings, exhausted choices).
	Inactive            string
	Elected, Eliminated []string
}

type jsonSummary struct {
	Config            map[string]string `json:"config"`
	JSONFormatVersion *string           `json:"jsonFormatVersion"`
	Results           []jsonRound       `json:"results"`
	Summary           *struct {
		FinalThreshold  string `json:"finalThreshold"`
		NumCandidates   int    `json:"numCandidates"`
		NumWinners      int    `json:"numWinners"`
		TotalNumBallots string `json:"totalNumBallots"`
		Undervotes      int64  `json:"undervotes"`
	} `json:"summary"`
}

type jsonRound struct {
	InactiveBallots map[string]string `json:"inactiveBallots"`
	Round           int               `json:"round"`
	Tally           map[string]string `json:"tally"`
	TallyResults    []struct {
		Elected    *string           `json:"elected"`
		Eliminated *string           `json:"eliminated"`
		Transfers  map[string]string `json:"transfers"`
	} `json:"tallyResults"`
	Threshold *string `json:"threshold"`
}

// ParseSummary parses RCTab's round-by-round JSON report. It is strict:
// unknown fields, missing rounds, numbers that are not non-negative
// decimals, outcomes naming candidates absent from the round and
// candidates elected or eliminated twice are errors, each naming the
// offending field.
func ParseSummary(data []byte) (*Summary, error) {
	if len(data) > MaxSummaryBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrInvalidSummary, len(data), MaxSummaryBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var js jsonSummary
	if err := dec.Decode(&js); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, fmt.Errorf("%w: %s: expected %s, found a JSON %s", ErrInvalidSummary, te.Field, te.Type, te.Value)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidSummary, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalidSummary)
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidSummary, field, fmt.Sprintf(format, args...))
	}
	if js.JSONFormatVersion == nil {
		return nil, bad("jsonFormatVersion", "missing")
	}
	if *js.JSONFormatVersion != "1" {
		return nil, bad("jsonFormatVersion", "%q is not supported (want \"1\")", *js.JSONFormatVersion)
	}
	if js.Summary == nil {
		return nil, bad("summary", "missing")
	}
	if len(js.Results) == 0 {
		return nil, bad("results", "no rounds")
	}
	s := &Summary{
		Contest:      js.Config["contest"],
		Jurisdiction: js.Config["jurisdiction"],
		Office:       js.Config["office"],
		GeneratedBy:  js.Config["generatedBy"],
		Threshold:    js.Summary.FinalThreshold,
		Ballots:      js.Summary.TotalNumBallots,
		Undervotes:   js.Summary.Undervotes,
		Seats:        js.Summary.NumWinners,
	}
	if s.Seats < 0 {
		return nil, bad("summary.numWinners", "%d is negative", s.Seats)
	}
	if s.Undervotes < 0 {
		return nil, bad("summary.undervotes", "%d is negative", s.Undervotes)
	}
	if s.Threshold != "" {
		if _, err := parseDecimal(s.Threshold); err != nil {
			return nil, bad("summary.finalThreshold", "%v", err)
		}
	}
	if _, err := parseDecimal(s.Ballots); err != nil {
		return nil, bad("summary.totalNumBallots", "%v", err)
	}
	cands := map[string]*RankedCandidate{}
	for i, jr := range js.Results {
		f := fmt.Sprintf("results[%d]", i)
		if jr.Round != i+1 {
			return nil, bad(f+".round", "%d, want %d (rounds must be numbered 1, 2, ... in order)", jr.Round, i+1)
		}
		if len(jr.Tally) == 0 {
			return nil, bad(f+".tally", "empty")
		}
		r := Round{Number: jr.Round, Votes: jr.Tally}
		if jr.Threshold != nil {
			if _, err := parseDecimal(*jr.Threshold); err != nil {
				return nil, bad(f+".threshold", "%v", err)
			}
			r.Threshold = *jr.Threshold
		}
		for _, name := range sortedKeys(jr.Tally) {
			if name == "" {
				return nil, bad(f+".tally", "empty candidate name")
			}
			if _, err := parseDecimal(jr.Tally[name]); err != nil {
				return nil, bad(fmt.Sprintf("%s.tally[%q]", f, name), "%v", err)
			}
			c := cands[name]
			if c == nil {
				c = &RankedCandidate{Name: name}
				cands[name] = c
			}
			c.LastRound = jr.Round
		}
		inactive := new(big.Rat)
		for _, k := range sortedKeys(jr.InactiveBallots) {
			v, err := parseDecimal(jr.InactiveBallots[k])
			if err != nil {
				return nil, bad(fmt.Sprintf("%s.inactiveBallots[%q]", f, k), "%v", err)
			}
			if k != "finalRoundSurplus" {
				inactive.Add(inactive, v)
			}
		}
		r.Inactive = formatRat(inactive, scaleOf(jr.InactiveBallots))
		for j, tr := range jr.TallyResults {
			tf := fmt.Sprintf("%s.tallyResults[%d]", f, j)
			var name string
			switch {
			case tr.Elected != nil && tr.Eliminated != nil:
				return nil, bad(tf, "both elected and eliminated")
			case tr.Elected != nil:
				name = *tr.Elected
			case tr.Eliminated != nil:
				name = *tr.Eliminated
			default:
				return nil, bad(tf, "neither elected nor eliminated")
			}
			c := cands[name]
			if _, ok := jr.Tally[name]; !ok || c == nil {
				what := "eliminated"
				if tr.Elected != nil {
					what = "elected"
				}
				return nil, bad(tf+"."+what, "%q is not in the round's tally", name)
			}
			for _, k := range sortedKeys(tr.Transfers) {
				if _, err := parseDecimal(tr.Transfers[k]); err != nil {
					return nil, bad(fmt.Sprintf("%s.transfers[%q]", tf, k), "%v", err)
				}
			}
			if c.ElectedRound != 0 || c.EliminatedRound != 0 {
				return nil, bad(tf, "%q was already elected or eliminated", name)
			}
			if tr.Elected != nil {
				c.ElectedRound = jr.Round
				r.Elected = append(r.Elected, name)
				s.Winners = append(s.Winners, name)
			} else {
				c.EliminatedRound = jr.Round
				r.Eliminated = append(r.Eliminated, name)
			}
		}
		s.Rounds = append(s.Rounds, r)
	}
	switch {
	case s.Seats == 0:
		// Bottoms-up to a percentage threshold: as many seats as winners.
		s.Seats = len(s.Winners)
	case len(s.Winners) > s.Seats:
		return nil, bad("results", "%d candidates elected, but summary.numWinners is %d", len(s.Winners), s.Seats)
	}
	for _, c := range cands {
		s.Candidates = append(s.Candidates, *c)
	}
	last := func(c RankedCandidate) float64 {
		return decimalFloat(s.Rounds[c.LastRound-1].Votes[c.Name])
	}
	sort.Slice(s.Candidates, func(i, j int) bool {
		a, b := s.Candidates[i], s.Candidates[j]
		if (a.ElectedRound != 0) != (b.ElectedRound != 0) {
			return a.ElectedRound != 0
		}
		if a.ElectedRound != 0 {
			if a.ElectedRound != b.ElectedRound {
				return a.ElectedRound < b.ElectedRound
			}
			return electedIndex(s.Winners, a.Name) < electedIndex(s.Winners, b.Name)
		}
		if a.LastRound != b.LastRound {
			return a.LastRound > b.LastRound
		}
		if va, vb := last(a), last(b); va != vb {
			return va > vb
		}
		return a.Name < b.Name
	})
	return s, nil
}

func electedIndex(winners []string, name string) int {
	for i, w := range winners {
		if w == name {
			return i
		}
	}
	return len(winners)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseDecimal accepts what RCTab prints: digits, optionally followed by a
// point and more digits.
func parseDecimal(s string) (*big.Rat, error) {
	if s == "" {
		return nil, errors.New("empty, want a number")
	}
	if len(s) > 40 {
		return nil, fmt.Errorf("%q has too many digits", s[:40]+"...")
	}
	dot := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return nil, fmt.Errorf("%q is not a non-negative decimal number", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a non-negative decimal number", s)
	}
	return r, nil
}

// decimalFloat converts a number already checked by parseDecimal.
func decimalFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// scaleOf is the largest number of digits after the point among m's values.
func scaleOf(m map[string]string) int {
	n := 0
	for _, v := range m {
		if i := bytes.IndexByte([]byte(v), '.'); i >= 0 && len(v)-i-1 > n {
			n = len(v) - i - 1
		}
	}
	return n
}

func formatRat(r *big.Rat, scale int) string {
	return r.FloatString(scale)
}
