// Package election holds the domain types every part of canvass shares:
// contests, candidates and cast vote records (CVRs).
//
// The types are deliberately small. A CVR records what a voting system says
// was marked on one ballot, contest by contest; it carries no interpretation
// (overvote rules, exhaustion, thresholds), which belongs to package tabulate
// or to package rla. Readers in package cvr produce these types from vendor
// files; nothing in this package does I/O.
package election

import (
	"fmt"
	"slices"
	"strings"
)

// Choice identifies a candidate within one contest: an index into
// Contest.Candidates. Negative values are markers that are not candidates.
type Choice int32

// Overvote marks a rank (or, in an unranked contest, a contest) that the
// voting system reports as overvoted without saying which candidates were
// marked, as an ES&S "overvote" cell does. When the system does report the
// candidates, the CVR instead carries one Mark per candidate at that rank.
const Overvote Choice = -1

// UndeclaredWriteInName is the name under which undeclared write-ins are
// tallied. RCTab reports them under this exact label, so canvass does too.
const UndeclaredWriteInName = "Undeclared Write-ins"

// Candidate is one choice a voter can mark in a contest.
type Candidate struct {
	// Name is the name reported in results.
	Name string
	// ID is the voting system's own identifier for the choice, if it has
	// one (a Dominion candidate Id, a Hart option GUID, a CDF
	// ContestSelection @id). Empty when the format identifies candidates
	// by name.
	ID string
	// Aliases are further spellings or codes that identify this candidate
	// in CVR files (RCTab's "aliases").
	Aliases []string
	// Excluded candidates are ignored during tabulation, as if every mark
	// for them were blank (a candidate who withdrew after printing).
	Excluded bool
	// WriteIn is set on the pseudo-candidate that collects undeclared
	// write-ins. It can never win a ranked-choice contest.
	WriteIn bool
}

// Token returns the number Mark.Token gives the identifier s of the
// candidate: 0 for its Name, 1 for its ID, 2+i for Aliases[i], and -1 if s
// identifies another candidate or none.
func (cand *Candidate) Token(s string) int32 {
	switch {
	case s == cand.Name:
		return 0
	case s == cand.ID && s != "":
		return 1
	}
	if i := slices.Index(cand.Aliases, s); i >= 0 {
		return 2 + int32(i)
	}
	return -1
}

// Contest is one question on the ballot.
type Contest struct {
	// ID is the identifier the voting system uses for the contest; Name is
	// the human-readable title. Either may equal the other.
	ID   string
	Name string
	// VoteFor is how many candidates a voter may mark (the number of seats
	// for plurality contests). Zero means unknown.
	VoteFor int
	// Ranks is the number of rankings a voter may give; 0 or 1 means the
	// contest is not ranked.
	Ranks int
	// Candidates in the order the source (or configuration) lists them.
	// A Choice is an index into this slice.
	Candidates []Candidate

	// index maps names, IDs and aliases to candidates once AddCandidate
	// has built it. Lookup only reads it: a Contest written as a literal
	// has none and is searched instead, so that readers on several
	// goroutines can look up in one contest without a data race.
	index map[string]Choice
}

// Ranked reports whether voters rank candidates in this contest.
func (c *Contest) Ranked() bool { return c.Ranks > 1 }

// AddCandidate appends cand to the contest and returns its Choice. Its name,
// ID and aliases all identify it in Lookup; an identifier already taken by
// another candidate is an error, because it would make CVRs ambiguous.
func (c *Contest) AddCandidate(cand Candidate) (Choice, error) {
	index := c.lookupIndex()
	ch := Choice(len(c.Candidates))
	keys := append([]string{cand.Name, cand.ID}, cand.Aliases...)
	for _, k := range keys {
		if k == "" {
			continue
		}
		if prev, ok := index[k]; ok && prev != ch {
			return 0, fmt.Errorf("contest %q: %q identifies both %q and %q", c.label(), k, c.Candidates[prev].Name, cand.Name)
		}
	}
	for _, k := range keys {
		if k != "" {
			index[k] = ch
		}
	}
	c.Candidates = append(c.Candidates, cand)
	return ch, nil
}

// Lookup returns the candidate whose name, ID or alias is token.
// Surrounding white space in token is ignored.
func (c *Contest) Lookup(token string) (Choice, bool) {
	ch, ok := c.find(token)
	if !ok {
		if t := strings.TrimSpace(token); t != token {
			ch, ok = c.find(t)
		}
	}
	return ch, ok
}

// LookupToken is Lookup that also says which of the candidate's
// identifiers token is, as Mark.Token records it.
func (c *Contest) LookupToken(token string) (Choice, int32, bool) {
	ch, ok := c.find(token)
	if !ok {
		if t := strings.TrimSpace(token); t != token {
			token = t
			ch, ok = c.find(t)
		}
	}
	if !ok {
		return 0, 0, false
	}
	return ch, max(c.Candidates[ch].Token(token), 0), true
}

func (c *Contest) find(token string) (Choice, bool) {
	if c.index != nil {
		ch, ok := c.index[token]
		return ch, ok
	}
	return c.search(token)
}

// lookupIndex returns the contest's index, building it from Candidates
// for a Contest assembled as a literal. Only AddCandidate, which changes
// the contest anyway, calls it.
func (c *Contest) lookupIndex() map[string]Choice {
	if c.index != nil {
		return c.index
	}
	c.index = make(map[string]Choice, len(c.Candidates))
	for i, cand := range c.Candidates {
		for _, k := range append([]string{cand.Name, cand.ID}, cand.Aliases...) {
			if _, dup := c.index[k]; k != "" && !dup {
				c.index[k] = Choice(i)
			}
		}
	}
	return c.index
}

// search finds token in a contest without an index: the first candidate
// it identifies, as the index would map it.
func (c *Contest) search(token string) (Choice, bool) {
	if token == "" {
		return 0, false
	}
	for i, cand := range c.Candidates {
		if cand.Name == token || cand.ID == token || slices.Contains(cand.Aliases, token) {
			return Choice(i), true
		}
	}
	return 0, false
}

// WriteIn returns the undeclared write-in pseudo-candidate, adding it if the
// contest does not have one yet.
func (c *Contest) WriteIn() Choice {
	for i, cand := range c.Candidates {
		if cand.WriteIn {
			return Choice(i)
		}
	}
	ch, err := c.AddCandidate(Candidate{Name: UndeclaredWriteInName, WriteIn: true})
	if err != nil {
		// The write-in name collides with a declared candidate: reuse it.
		ch, _ = c.Lookup(UndeclaredWriteInName)
		c.Candidates[ch].WriteIn = true
	}
	return ch
}

func (c *Contest) label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// Election is the set of contests that CVRs refer to.
type Election struct {
	Name     string
	Contests []*Contest
}

// Contest returns the contest whose ID or name is key, and its index.
func (e *Election) Contest(key string) (*Contest, int, bool) {
	for i, c := range e.Contests {
		if c.ID == key {
			return c, i, true
		}
	}
	for i, c := range e.Contests {
		if c.Name == key {
			return c, i, true
		}
	}
	return nil, -1, false
}

// Mark is one indication on a ballot: a choice at a rank. Unranked contests
// use rank 1 for every mark.
type Mark struct {
	Rank   int32
	Choice Choice
	// Token says which of the candidate's identifiers the CVR used for
	// this mark (see Candidate.Token): 0 its Name, which is also the value
	// when a reader does not record it. Readers record it in RCTab mode
	// only, because RCTab's duplicate and overvote checks compare the
	// CVR's own text, so that a name and an alias of one candidate are
	// different (source notes T14, T15); everything else uses Choice.
	Token int32
}

// ContestMarks are the marks of one CVR in one contest. A CVR that lists a
// contest with no marks (an undervote) has an entry with empty Marks.
type ContestMarks struct {
	// Contest is an index into Election.Contests.
	Contest int32
	// Marks are sorted by rank, then by choice; readers in RCTab mode
	// keep several marks at one rank in the CVR's order instead (source
	// notes P8).
	Marks []Mark
}

// CVR is one cast vote record: what the voting system recorded for one
// ballot (or one card of it).
type CVR struct {
	// ID identifies the record within the election. Readers build it the
	// way RCTab does for the format (e.g. Dominion "tabulator-batch-record")
	// so that normalized exports match.
	ID string
	// SuppliedID is the identifier found in the file itself, if any.
	SuppliedID string
	// Source is the path of the file the record came from.
	Source string
	// Tabulator, Batch, Precinct, PrecinctPortion and BallotStyle locate
	// the ballot; any of them may be empty when the format lacks it.
	Tabulator       string
	Batch           string
	Precinct        string
	PrecinctPortion string
	BallotStyle     string
	// Contests lists each contest present on the ballot.
	Contests []ContestMarks
}

// Marks returns the marks for the contest with index contest, and whether
// the contest appears on the ballot at all.
func (r *CVR) Marks(contest int) ([]Mark, bool) {
	for i := range r.Contests {
		if int(r.Contests[i].Contest) == contest {
			return r.Contests[i].Marks, true
		}
	}
	return nil, false
}

// MarksFor returns r's entry for the contest with index contest, adding an
// empty one at the end of r.Contests when r has none. An added entry reuses
// the Marks capacity an earlier record left in r.Contests (see Reset), so
// that a reader filling one CVR per ballot does not allocate for each. The
// pointer is valid until the next call that adds an entry.
func (r *CVR) MarksFor(contest int32) *ContestMarks {
	for k := range r.Contests {
		if r.Contests[k].Contest == contest {
			return &r.Contests[k]
		}
	}
	if len(r.Contests) < cap(r.Contests) {
		r.Contests = r.Contests[:len(r.Contests)+1]
		cm := &r.Contests[len(r.Contests)-1]
		cm.Contest, cm.Marks = contest, cm.Marks[:0]
		return cm
	}
	r.Contests = append(r.Contests, ContestMarks{Contest: contest})
	return &r.Contests[len(r.Contests)-1]
}

// Reset empties r for reuse while keeping its allocated capacity, which
// lets a reader stream millions of records without allocating for each.
func (r *CVR) Reset() {
	cs := r.Contests[:0]
	*r = CVR{Contests: cs}
}
