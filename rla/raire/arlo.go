package raire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ArloContest is one contest read from an Arlo/raire .raire file.
type ArloContest struct {
	// ID is the contest identifier of the file.
	ID string
	// Problem has the candidates named by their identifiers in the file,
	// identical ballots grouped into votes, the declared winner (or -1)
	// and a OneOnMargin audit over the contest's ballots; set Audit and
	// Trim as needed before solving.
	Problem *Problem
}

// ArloError is a problem in a .raire file, located by line and field.
type ArloError struct {
	Path  string
	Line  int
	Field string
	Err   error
}

func (e *ArloError) Error() string {
	s := e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *ArloError) Unwrap() error { return e.Err }

// MaxArloLine bounds one line of a .raire file.
const MaxArloLine = 1 << 20

// ReadArlo reads the text format of the original raire tool, which Arlo
// keeps its RAIRE test data in (server/tests/audit_math/raire_data):
//
//	1
//	Contest,339,4,15,16,17,18,winner,15
//	339,ballot-1,17
//	339,ballot-2,16,18,15
//
// An optional first line gives the number of contests. Each "Contest" line
// has the contest identifier, the number of candidates, that many candidate
// identifiers and optionally "winner,<candidate>". Every other line is one
// ballot: contest identifier, ballot identifier, then the ranked candidate
// identifiers, most preferred first (none for a blank ballot). Blank lines
// are ignored. A ballot ranking a candidate twice, naming an undeclared
// contest or candidate, or coming before its contest's line is an error
// naming the line and field; path is used in messages only.
func ReadArlo(r io.Reader, path string) ([]ArloContest, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxArloLine)
	type contest struct {
		ArloContest
		cands  map[string]int
		groups map[string]int // ranking key -> index in Votes
	}
	var (
		contests []*contest
		byID     = map[string]*contest{}
		declared = -1
		line     = 0
		seenData = false
	)
	fail := func(field string, format string, args ...any) error {
		return &ArloError{Path: path, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if text == "" {
			continue
		}
		f := strings.Split(text, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if !seenData && len(f) == 1 {
			n, err := strconv.Atoi(f[0])
			if err != nil || n < 0 {
				return nil, fail("contest count", "%q is not a number of contests", f[0])
			}
			declared = n
			seenData = true
			continue
		}
		seenData = true
		if f[0] == "Contest" {
			if len(f) < 3 {
				return nil, fail("Contest", "want Contest,<id>,<number of candidates>,<candidates...>[,winner,<candidate>]")
			}
			id := f[1]
			if id == "" {
				return nil, fail("contest id", "empty")
			}
			if byID[id] != nil {
				return nil, fail("contest id", "contest %q is declared twice", id)
			}
			n, err := strconv.Atoi(f[2])
			if err != nil || n < 1 || n > MaxCandidates {
				return nil, fail("number of candidates", "%q is not a number from 1 to %d", f[2], MaxCandidates)
			}
			rest := f[3:]
			winner := ""
			if len(rest) == n+2 && rest[n] == "winner" {
				winner = rest[n+1]
				rest = rest[:n]
			}
			if len(rest) != n {
				return nil, fail("candidates", "contest %q declares %d candidates but lists %d fields after the count; list exactly the candidates, then optionally winner,<candidate>", id, n, len(rest))
			}
			c := &contest{cands: map[string]int{}, groups: map[string]int{}}
			c.ID = id
			c.Problem = &Problem{NumCandidates: n, Candidates: rest, Winner: -1, Audit: Audit{Type: OneOnMargin}}
			for i, name := range rest {
				if name == "" {
					return nil, fail(fmt.Sprintf("candidate %d", i+1), "empty candidate identifier")
				}
				if _, dup := c.cands[name]; dup {
					return nil, fail(fmt.Sprintf("candidate %d", i+1), "candidate %q is listed twice", name)
				}
				c.cands[name] = i
			}
			if winner != "" {
				w, ok := c.cands[winner]
				if !ok {
					return nil, fail("winner", "%q is not one of the contest's candidates", winner)
				}
				c.Problem.Winner = w
			}
			contests = append(contests, c)
			byID[id] = c
			continue
		}
		c := byID[f[0]]
		if c == nil {
			return nil, fail("contest id", "ballot for contest %q, which no earlier Contest line declares", f[0])
		}
		if len(f) < 2 {
			return nil, fail("ballot id", "missing; want <contest>,<ballot id>,<candidates...>")
		}
		prefs := make([]int, 0, len(f)-2)
		var seen set
		for j, tok := range f[2:] {
			ci, ok := c.cands[tok]
			if !ok {
				return nil, fail(fmt.Sprintf("preference %d", j+1), "%q is not a candidate of contest %q", tok, c.ID)
			}
			if seen.has(ci) {
				return nil, fail(fmt.Sprintf("preference %d", j+1), "candidate %q is ranked twice on ballot %q", tok, f[1])
			}
			seen |= 1 << uint(ci)
			prefs = append(prefs, ci)
		}
		k := strings.Join(f[2:], ",")
		if g, ok := c.groups[k]; ok {
			c.Problem.Votes[g].N++
		} else {
			c.groups[k] = len(c.Problem.Votes)
			c.Problem.Votes = append(c.Problem.Votes, Vote{N: 1, Prefs: prefs})
		}
		c.Problem.Audit.TotalAuditableBallots++
	}
	if err := sc.Err(); err != nil {
		line++
		if err == bufio.ErrTooLong {
			return nil, fail("", "line longer than %d bytes", MaxArloLine)
		}
		return nil, &ArloError{Path: path, Line: line, Err: err}
	}
	if len(contests) == 0 {
		return nil, &ArloError{Path: path, Err: fmt.Errorf("no Contest line; the file must declare at least one contest")}
	}
	if declared >= 0 && declared != len(contests) {
		return nil, &ArloError{Path: path, Line: 1, Field: "contest count", Err: fmt.Errorf("says %d contests but the file declares %d", declared, len(contests))}
	}
	out := make([]ArloContest, len(contests))
	for i, c := range contests {
		out[i] = c.ArloContest
	}
	return out, nil
}
