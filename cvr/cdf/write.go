package cdf

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/jackson"
	"github.com/canvass/canvass/internal/java"
)

// Report describes the CDF JSON export of one contest's CVRs. Its fields map
// onto RCTab's configuration and tabulation so that WriteJSON reproduces
// RCTab's cdf_cvr.json.
type Report struct {
	// Contest is the contest tabulated; its candidates (plus
	// ExtraCandidates) make the Election's Candidate and ContestSelection
	// lists, sorted by name as RCTab sorts them. ContestIndex is its index
	// in Election.Contests, which selects each CVR's marks.
	Contest      *election.Contest
	ContestIndex int32
	// ExtraCandidates are further names RCTab lists as candidates: it
	// lists a source's overvoteLabel (e.g. "overvote") this way.
	ExtraCandidates []string
	// ContestName is the Contest's Name in the report (RCTab's
	// outputSettings.contestName); empty means Contest.Name.
	ContestName string
	// Jurisdiction names the election-scope GpUnit
	// (outputSettings.contestJurisdiction).
	Jurisdiction string
	// Generated is the GeneratedDate; the zero time means now.
	Generated time.Time
	// Application and Manufacturer describe the reporting device. Empty
	// means RCTab's "RCTab" and "Bright Spots", which RCTab's expected
	// files contain.
	Application, Manufacturer string
	// Precincts adds a GpUnit per precinct and each CVR's
	// BallotStyleUnitId, as RCTab does when tabulateByPrecinct is set.
	// Every CVR must then have a Precinct.
	Precincts bool
	// Rounds is the number of tabulation rounds. Each CVR gets an
	// "interpreted" snapshot per round after its "original" one. Zero
	// writes only the original snapshots (RCTab's --convert-to-cdf).
	Rounds int
	// Allocations says where the i'th CVR's vote sat at the end of round
	// round (1-based): the rankings it counted for and how much of the
	// vote each holds. ok=false means "unchanged since the previous round"
	// (before round 1: counted for nobody). Nil means no allocations.
	Allocations func(i, round int) (a []Allocation, ok bool)
	// Token returns the text RCTab kept for choice ch on the i'th CVR: the
	// CVR file's own spelling (a Dominion candidate Id, a CDF candidate
	// Name, an ES&S cell). Selection ids are built from it, and RCTab marks
	// a selection allocable only when this text equals the candidate's
	// name, so a candidate known by an alias never shows as allocable —
	// WriteJSON reproduces that. Nil, or an empty result, means the
	// candidate's Name. The undeclared write-in is always
	// "Undeclared Write-ins" and an explicit overvote "overvote".
	Token func(i int, ch election.Choice) string
}

// Allocation is one share of a ballot's vote at the end of a round: the
// ranking (rank and candidate) it counts for, and the share as a decimal
// ("1", "1.0000", "0.9063"). An empty Votes means the whole vote.
type Allocation struct {
	Rank   int32
	Choice election.Choice
	Votes  string
}

// Fixed identifiers of RCTab's export.
const (
	cdfElectionID   = "election-001"
	cdfContestID    = "contest-001"
	cdfGpuElection  = "gpu-election"
	cdfReportDevice = "rd-001"
	overvoteToken   = "overvote"
)

// WriteJSON writes the CDF JSON report of cvrs as RCTab writes cdf_cvr.json:
// the same values, key order and layout (Jackson's pretty printer, keys
// sorted), so that the files differ only in GeneratedDate.
func WriteJSON(w io.Writer, r *Report, cvrs []*election.CVR) error {
	if r.Contest == nil {
		return errors.New("cdf: Report.Contest is nil")
	}
	j := jackson.NewWriterSize(w, 64<<10)
	wr := &reportWriter{r: r, j: j}
	if err := wr.write(cvrs); err != nil {
		return err
	}
	return j.Flush()
}

type reportWriter struct {
	r        *Report
	j        *jackson.Writer
	gpu      map[string]string // precinct -> gpu id
	gpuOrder []string
	sels     []sel
}

type sel struct {
	token string
	ranks []int32
}

func (wr *reportWriter) write(cvrs []*election.CVR) error {
	r, j := wr.r, wr.j
	if r.Precincts {
		if err := wr.precincts(cvrs); err != nil {
			return err
		}
	}
	j.BeginObject()
	j.Field("@type")
	j.String("CVR.CastVoteRecordReport")
	j.Field("CVR")
	j.BeginArray()
	for i, rec := range cvrs {
		if err := wr.cvr(i, rec); err != nil {
			return err
		}
		if j.Err() != nil {
			return j.Err()
		}
	}
	j.EndArray()
	wr.election()
	j.Field("GeneratedDate")
	gen := r.Generated
	if gen.IsZero() {
		gen = time.Now()
	}
	j.String(gen.Format(time.RFC3339))
	j.Field("GpUnit")
	j.BeginArray()
	j.BeginObject()
	j.Field("@id")
	j.String(cdfGpuElection)
	j.Field("@type")
	j.String("GpUnit")
	j.Field("Name")
	j.String(r.Jurisdiction)
	j.Field("OtherType")
	j.String("Election Scope Jurisdiction")
	j.Field("Type")
	j.String("other")
	j.EndObject()
	for _, p := range wr.gpuOrder {
		j.BeginObject()
		j.Field("@id")
		j.String(wr.gpu[p])
		j.Field("@type")
		j.String("GpUnit")
		j.Field("Name")
		j.String(p)
		j.Field("Type")
		j.String("precinct")
		j.EndObject()
	}
	j.EndArray()
	j.Field("ReportGeneratingDeviceIds")
	j.BeginArray()
	j.String(cdfReportDevice)
	j.EndArray()
	j.Field("ReportingDevice")
	j.BeginArray()
	j.BeginObject()
	j.Field("@id")
	j.String(cdfReportDevice)
	j.Field("@type")
	j.String("CVR.ReportingDevice")
	j.Field("Application")
	j.String(orDefault(r.Application, "RCTab"))
	j.Field("Manufacturer")
	j.String(orDefault(r.Manufacturer, "Bright Spots"))
	j.EndObject()
	j.EndArray()
	j.Field("Version")
	j.String("1.0.0")
	j.EndObject()
	return j.Err()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// precincts numbers the precinct GpUnits in the order RCTab's HashMap of
// precinct names iterates: by hash bucket, then by first appearance.
func (wr *reportWriter) precincts(cvrs []*election.CVR) error {
	seen := map[string]bool{}
	var names []string
	for _, rec := range cvrs {
		if rec.Precinct == "" {
			return fmt.Errorf("cdf: CVR %s has no precinct; a report with precinct GpUnits needs every CVR's precinct", rec.ID)
		}
		if !seen[rec.Precinct] {
			seen[rec.Precinct] = true
			names = append(names, rec.Precinct)
		}
	}
	wr.gpuOrder = java.HashOrder(names, java.HashMapCapacity(len(names)))
	wr.gpu = map[string]string{}
	for i, p := range wr.gpuOrder {
		wr.gpu[p] = "gpu-" + strconv.Itoa(i+1)
	}
	return nil
}

// sanitize is RCTab's sanitizeStringForOutput: every character other than
// an ASCII letter, digit, '_', '-' or '.' becomes '_'.
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// cdfID is the id RCTab derives from a candidate name or token.
func cdfID(s string) string { return strings.ToLower(sanitize(s)) }

func (wr *reportWriter) candidateName(ch election.Choice) string {
	if ch == election.Overvote {
		return overvoteToken
	}
	if ch < 0 || int(ch) >= len(wr.r.Contest.Candidates) {
		return ""
	}
	cand := wr.r.Contest.Candidates[ch]
	if cand.WriteIn {
		return election.UndeclaredWriteInName
	}
	return cand.Name
}

func (wr *reportWriter) token(i int, ch election.Choice) string {
	if ch == election.Overvote {
		return overvoteToken
	}
	if ch >= 0 && int(ch) < len(wr.r.Contest.Candidates) && wr.r.Contest.Candidates[ch].WriteIn {
		return election.UndeclaredWriteInName
	}
	if wr.r.Token != nil {
		if t := wr.r.Token(i, ch); t != "" {
			return t
		}
	}
	return wr.candidateName(ch)
}

// selections groups a CVR's marks by token in RCTab's order: rank by rank,
// tokens sorted within a rank, each token once with all its ranks.
func (wr *reportWriter) selections(i int, rec *election.CVR) ([]sel, error) {
	marks, _ := rec.Marks(int(wr.r.ContestIndex))
	wr.sels = wr.sels[:0]
	for k := 0; k < len(marks); {
		rank := marks[k].Rank
		var toks []string
		for ; k < len(marks) && marks[k].Rank == rank; k++ {
			m := marks[k]
			if m.Choice != election.Overvote && (m.Choice < 0 || int(m.Choice) >= len(wr.r.Contest.Candidates)) {
				return nil, fmt.Errorf("cdf: CVR %s marks choice %d, which contest %q does not have", rec.ID, m.Choice, wr.r.Contest.Name)
			}
			toks = append(toks, wr.token(i, m.Choice))
		}
		sort.Slice(toks, func(a, b int) bool { return java.Compare(toks[a], toks[b]) < 0 })
	next:
		for t, tok := range toks {
			if t > 0 && tok == toks[t-1] {
				continue
			}
			for s := range wr.sels {
				if wr.sels[s].token == tok {
					wr.sels[s].ranks = append(wr.sels[s].ranks, rank)
					continue next
				}
			}
			wr.sels = append(wr.sels, sel{token: tok, ranks: []int32{rank}})
		}
	}
	return wr.sels, nil
}

func (wr *reportWriter) cvr(i int, rec *election.CVR) error {
	r, j := wr.r, wr.j
	id := sanitize(rec.ID)
	sels, err := wr.selections(i, rec)
	if err != nil {
		return err
	}
	j.BeginObject()
	j.Field("@type")
	j.String("CVR")
	j.Field("BallotPrePrintedId")
	j.String(id)
	if r.Precincts {
		j.Field("BallotStyleUnitId")
		j.String(wr.gpu[rec.Precinct])
	}
	j.Field("CVRSnapshot")
	j.BeginArray()
	if err := wr.snapshot("ballot-"+id, "original", sels, nil, false); err != nil {
		return err
	}
	var alloc []Allocation
	for round := 1; round <= r.Rounds; round++ {
		if r.Allocations != nil {
			if a, ok := r.Allocations(i, round); ok {
				alloc = a
			}
		}
		if err := wr.snapshot("ballot-"+id+"-round-"+strconv.Itoa(round), "interpreted", sels, alloc, true); err != nil {
			return fmt.Errorf("cdf: CVR %s round %d: %w", rec.ID, round, err)
		}
	}
	j.EndArray()
	j.Field("CurrentSnapshotId")
	if r.Rounds > 0 {
		j.String("ballot-" + id + "-round-" + strconv.Itoa(r.Rounds))
	} else {
		j.String("ballot-" + id)
	}
	j.Field("ElectionId")
	j.String(cdfElectionID)
	j.EndObject()
	return nil
}

func (wr *reportWriter) snapshot(id, typ string, sels []sel, alloc []Allocation, interpreted bool) error {
	j := wr.j
	j.BeginObject()
	j.Field("@id")
	j.String(id)
	j.Field("@type")
	j.String("CVR.CVRSnapshot")
	j.Field("CVRContest")
	j.BeginArray()
	j.BeginObject()
	j.Field("@type")
	j.String("CVR.CVRContest")
	j.Field("CVRContestSelection")
	j.BeginArray()
	for _, s := range sels {
		j.BeginObject()
		j.Field("@type")
		j.String("CVR.CVRContestSelection")
		j.Field("ContestSelectionId")
		j.String("cs-" + cdfID(s.token))
		j.Field("SelectionPosition")
		j.BeginArray()
		for _, rank := range s.ranks {
			allocable, votes := "unknown", ""
			if interpreted {
				allocable = "no"
				for _, a := range alloc {
					if a.Rank == rank && wr.candidateName(a.Choice) == s.token {
						allocable, votes = "yes", a.Votes
						if votes == "" {
							votes = "1"
						}
						break
					}
				}
			}
			whole, frac, err := splitVotes(votes)
			if err != nil {
				return err
			}
			j.BeginObject()
			j.Field("@type")
			j.String("CVR.SelectionPosition")
			if frac != "" {
				j.Field("FractionalVotes")
				j.String(frac)
			}
			j.Field("HasIndication")
			j.String("yes")
			j.Field("IsAllocable")
			j.String(allocable)
			j.Field("NumberVotes")
			j.Int(whole)
			j.Field("Rank")
			j.Int(int64(rank))
			j.EndObject()
		}
		j.EndArray()
		j.EndObject()
	}
	j.EndArray()
	j.Field("ContestId")
	j.String(cdfContestID)
	j.EndObject()
	j.EndArray()
	j.Field("Type")
	j.String(typ)
	j.EndObject()
	return nil
}

// splitVotes turns an allocated share into RCTab's NumberVotes and
// FractionalVotes: a whole vote is NumberVotes 1; a fraction is NumberVotes
// 0 and FractionalVotes ".dddd" with the digits given.
func splitVotes(v string) (int64, string, error) {
	if v == "" {
		return 1, "", nil
	}
	intPart, fracPart, _ := strings.Cut(v, ".")
	if strings.Trim(intPart, "0123456789") != "" || strings.Trim(fracPart, "0123456789") != "" || (intPart == "" && fracPart == "") {
		return 0, "", fmt.Errorf("allocation votes %q: expected a decimal such as 1 or 0.9063", v)
	}
	n := strings.TrimLeft(intPart, "0")
	switch {
	case n == "1" && strings.Trim(fracPart, "0") == "":
		return 1, "", nil
	case n == "":
		if fracPart == "" {
			fracPart = "0"
		}
		return 0, "." + fracPart, nil
	}
	return 0, "", fmt.Errorf("allocation votes %q: a ballot's share must be at most 1", v)
}

// election writes the Election section.
func (wr *reportWriter) election() {
	r, j := wr.r, wr.j
	seen := map[string]bool{}
	var names []string
	for k := range r.Contest.Candidates {
		n := wr.candidateName(election.Choice(k))
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, n := range r.ExtraCandidates {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.SliceStable(names, func(a, b int) bool { return java.Compare(names[a], names[b]) < 0 })
	j.Field("Election")
	j.BeginArray()
	j.BeginObject()
	j.Field("@id")
	j.String(cdfElectionID)
	j.Field("@type")
	j.String("Election")
	j.Field("Candidate")
	j.BeginArray()
	for _, n := range names {
		j.BeginObject()
		j.Field("@id")
		j.String("c-" + cdfID(n))
		j.Field("Name")
		j.String(n)
		j.EndObject()
	}
	j.EndArray()
	j.Field("Contest")
	j.BeginArray()
	j.BeginObject()
	j.Field("@id")
	j.String(cdfContestID)
	j.Field("@type")
	j.String("CandidateContest")
	j.Field("ContestSelection")
	j.BeginArray()
	for _, n := range names {
		j.BeginObject()
		j.Field("@id")
		j.String("cs-" + cdfID(n))
		j.Field("@type")
		j.String("ContestSelection")
		j.Field("CandidateIds")
		j.BeginArray()
		j.String("c-" + cdfID(n))
		j.EndArray()
		j.EndObject()
	}
	j.EndArray()
	j.Field("Name")
	j.String(orDefault(r.ContestName, r.Contest.Name))
	j.EndObject()
	j.EndArray()
	j.Field("ElectionScopeId")
	j.String(cdfGpuElection)
	j.EndObject()
	j.EndArray()
}
