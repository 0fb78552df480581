// Package dominion reads cast vote records exported by Dominion Democracy
// Suite: the JSON export folder that RCTab reads (provider "dominion") and
// the CSV export that Colorado's and Arlo's comparison audits take
// ("dominion-csv").
//
// # JSON export folder
//
// The folder holds the ballots in CvrExport.json or in numbered files
// CvrExport_1.json, CvrExport_2.json, … (read in that order, numerically),
// plus the manifests ContestManifest.json, CandidateManifest.json and
// PrecinctPortionManifest.json (all required) and BallotTypeManifest.json
// (optional). Each Sessions[] element is one ballot. Read applies RCTab's
// rules:
//
//   - The ballot's current version is Original when Original.IsCurrent is
//     true; otherwise Modified (the adjudicated version) whatever its own
//     IsCurrent says. A session whose Original is not current and that has
//     no Modified was outstacked and never adjudicated: it is not counted.
//   - Marks with IsAmbiguous true are skipped. IsVote and the marks'
//     OutstackConditionIds lists are ignored. A contest record whose own
//     OutstackConditionIds list holds 7 is dropped in RCTab mode
//     (cvr.Source.RCTab), as RCTab does: the ballot does not count for the
//     contest at all (source notes B); the number dropped goes to
//     cvr.Source.Warn. Outside RCTab mode such records are counted and
//     their number reported the same way.
//   - A multi-card ballot is one session; marks are gathered from every
//     card. In RCTab mode each contest object of each card is its own CVR
//     instead, with the session's ID, as RCTab reads them (source notes
//     R16). A partial session (some of the ballot's cards) still counts for
//     the contests on the cards it has. When a contest is selected, a
//     session with no card holding it is not emitted (RCTab's ballot
//     counts); a card that holds it with no marks is an undervote.
//   - A mark's CandidateId names the candidate: through the declared
//     candidates' names and aliases when cvr.Source.Candidates is set, else
//     through CandidateManifest.json. The UndeclaredWriteInLabel (a
//     candidate Id such as "12") and, without a configuration,
//     manifest candidates of Type "WriteIn" are the undeclared write-in.
//     Several candidates at one rank are an overvote and are all kept.
//
// Each CVR gets ID "tabulator-batch-record" as RCTab computes it,
// SuppliedID RecordId, Tabulator TabulatorId, Batch BatchId,
// PrecinctPortion the portion's Description and BallotStyle the ballot
// type's Description (its Id when the folder has no BallotTypeManifest.json).
// Precinct is empty, except in RCTab mode for a session whose current
// version has PrecinctId: then it is that precinct's Description in
// PrecinctManifest.json, as RCTab reads it (source notes R15).
//
// # CSV export
//
// See ReadCSV.
package dominion

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func init() {
	cvr.Register("dominion", Read)
	cvr.Register("dominion-csv", ReadCSV)
}

// Read reads the Dominion JSON export folder src.Path. It is the reader
// registered as "dominion".
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	raw := h
	// A ballot (TabulatorId-BatchId-RecordId) given twice, in one file or
	// two, is an error naming both (issue 11).
	h, done := cvrread.UniqueIDs(h, "TabulatorId-BatchId-RecordId", func(r *election.CVR) string { return r.ID })
	files, err := exportFiles(src, src.Path)
	if err != nil {
		return err
	}
	m, err := loadManifests(src, src.Path)
	if err != nil {
		return err
	}
	slots, err := prepareContests(src, e, m)
	if err != nil {
		return err
	}
	p := newExportParser(src, m, slots)
	p.more = raw
	for _, f := range files {
		if err := p.readFile(f, h); err != nil {
			return err
		}
	}
	if err := done(); err != nil {
		return err
	}
	if p.outstacked > 0 {
		if src.RCTab {
			src.Warnf("%d outstack cast vote records (contest records whose OutstackConditionIds hold 7) were not counted, as RCTab drops them", p.outstacked)
		} else {
			src.Warnf("%d contest records have OutstackConditionIds holding 7; they were counted, but RCTab drops them", p.outstacked)
		}
	}
	return nil
}

// exportFiles lists the CVR files of a folder: CvrExport.json, then
// CvrExport_N.json by N.
func exportFiles(src cvr.Source, dir string) ([]string, error) {
	if info, err := src.Stat(dir); err == nil && !info.IsDir() {
		return nil, &cvr.Error{Path: dir, Err: errors.New("is a file; the dominion provider reads the export folder that holds CvrExport.json (use dominion-csv for a CSV export)")}
	}
	entries, err := src.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &cvr.Error{Path: dir, Err: errors.New("folder not found; the Dominion provider reads an export folder holding CvrExport.json and the manifests")}
		}
		return nil, &cvr.Error{Path: dir, Err: fmt.Errorf("cannot list the Dominion export folder: %w", err)}
	}
	type numbered struct {
		n    int64
		name string
	}
	var single []string
	var multi []numbered
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() {
			continue
		}
		if name == "CvrExport.json" {
			single = append(single, src.Join(dir, name))
			continue
		}
		rest, ok := strings.CutPrefix(name, "CvrExport_")
		if !ok {
			continue
		}
		digits, ok := strings.CutSuffix(rest, ".json")
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			continue
		}
		multi = append(multi, numbered{n, src.Join(dir, name)})
	}
	if len(single) > 0 && src.RCTab {
		// RCTab reads only CvrExport.json when it exists (source notes R14).
		return single, nil
	}
	sort.Slice(multi, func(i, j int) bool {
		if src.RCTab {
			// RCTab orders the numbered files by full path compared as
			// text, so _10 comes before _2 (source notes R14).
			return multi[i].name < multi[j].name
		}
		if multi[i].n != multi[j].n {
			return multi[i].n < multi[j].n
		}
		return multi[i].name < multi[j].name
	})
	for _, f := range multi {
		single = append(single, f.name)
	}
	if len(single) == 0 {
		return nil, &cvr.Error{Path: dir, Err: errors.New("no CvrExport.json or CvrExport_N.json in the folder; point the source at the Dominion CVR export folder itself")}
	}
	return single, nil
}

// slot is one contest being read: its place in the election and how the
// export's candidate Ids map onto its choices.
type slot struct {
	mc      *mContest
	contest *election.Contest
	index   int32
	byID    map[int64]election.Choice
	// tokens holds the election.Mark.Token of the declared candidates'
	// Ids that are not their names (see resolve).
	tokens   map[int64]int32
	declared bool // candidates come from a configuration
	uwi      int64
	hasUWI   bool
}

// unknownChoice marks a manifest candidate that no declared candidate
// names; it is an error only if a ballot marks it.
const unknownChoice election.Choice = -1000

// prepareContests finds the contests src selects, adds them to e, and builds
// each one's candidate map.
func prepareContests(src cvr.Source, e *election.Election, m *manifests) ([]*slot, error) {
	manifestPath := src.Join(src.Path, contestManifest)
	var chosen []*mContest
	if src.ContestID == "" {
		if src.Candidates != nil {
			return nil, &cvr.Error{Path: manifestPath, Err: errors.New("a candidate list applies to one contest; set the source's contest ID (a Dominion contest Id)")}
		}
		for i := range m.contests {
			chosen = append(chosen, &m.contests[i])
		}
	} else {
		for i := range m.contests {
			if m.contests[i].idText == strings.TrimSpace(src.ContestID) {
				chosen = append(chosen, &m.contests[i])
				break
			}
		}
		if chosen == nil {
			for i := range m.contests {
				if m.contests[i].name == src.ContestID {
					chosen = append(chosen, &m.contests[i])
					break
				}
			}
		}
		if chosen == nil {
			var known []string
			for i, c := range m.contests {
				if i == 10 {
					known = append(known, "…")
					break
				}
				known = append(known, fmt.Sprintf("%s (%s)", c.idText, c.name))
			}
			return nil, &cvr.Error{Path: manifestPath, Field: "Id", Err: fmt.Errorf("no contest with Id %q; the manifest lists %s", src.ContestID, strings.Join(known, ", "))}
		}
	}
	uwi, uwiErr := strconv.ParseInt(strings.TrimSpace(src.UndeclaredWriteInLabel), 10, 64)
	hasUWI := src.UndeclaredWriteInLabel != "" && uwiErr == nil
	var slots []*slot
	for _, mc := range chosen {
		sl := &slot{mc: mc, byID: map[int64]election.Choice{}, tokens: map[int64]int32{}, declared: src.Candidates != nil, uwi: uwi, hasUWI: hasUWI}
		c, idx, err := cvrread.ContestFor(src, e, mc.idText, mc.name)
		if err != nil { // only declared candidates can clash
			return nil, &cvr.Error{Path: manifestPath, Err: fmt.Errorf("declared candidates: %w", err)}
		}
		sl.contest, sl.index = c, idx
		if sl.declared && src.UndeclaredWriteInLabel != "" {
			// RCTab counts the undeclared write-in as a candidate
			// whenever a label is configured.
			c.WriteIn()
		}
		if sl.contest.VoteFor == 0 {
			sl.contest.VoteFor = mc.voteFor
		}
		if sl.contest.Ranks == 0 {
			sl.contest.Ranks = mc.ranks
		}
		for i := range m.candidates {
			mcand := &m.candidates[i]
			if mcand.contest != mc.id {
				continue
			}
			sl.byID[mcand.id] = sl.choiceFor(mcand)
			if sl.declared && !(sl.hasUWI && mcand.id == sl.uwi) {
				if _, tok, ok := sl.contest.LookupToken(mcand.idText); ok && tok != 0 {
					sl.tokens[mcand.id] = tok
				}
			}
		}
		slots = append(slots, sl)
	}
	return slots, nil
}

// choiceFor maps one manifest candidate to a choice of the slot's contest.
func (sl *slot) choiceFor(mcand *mCandidate) election.Choice {
	c := sl.contest
	if sl.hasUWI && mcand.id == sl.uwi {
		return writeInChoice(c, mcand.idText)
	}
	if sl.declared {
		if ch, ok := c.Lookup(mcand.idText); ok {
			return ch
		}
		return unknownChoice
	}
	for i, cand := range c.Candidates {
		if cand.ID == mcand.idText {
			return election.Choice(i)
		}
	}
	if mcand.writeIn && !sl.hasUWI {
		return writeInChoice(c, mcand.idText)
	}
	return addCandidate(c, election.Candidate{Name: mcand.name, ID: mcand.idText})
}

// writeInChoice returns the contest's undeclared write-in, creating it with
// the vendor id so that the id also finds it.
func writeInChoice(c *election.Contest, id string) election.Choice {
	for i, cand := range c.Candidates {
		if cand.WriteIn {
			return election.Choice(i)
		}
	}
	if _, taken := c.Lookup(id); !taken {
		if ch, err := c.AddCandidate(election.Candidate{Name: election.UndeclaredWriteInName, ID: id, WriteIn: true}); err == nil {
			return ch
		}
	}
	return c.WriteIn()
}

// addCandidate adds a candidate discovered in a manifest. Names must be
// unique within a contest, so a repeated Description gets the Id appended
// rather than making the whole export unreadable.
func addCandidate(c *election.Contest, cand election.Candidate) election.Choice {
	if ch, err := c.AddCandidate(cand); err == nil {
		return ch
	}
	cand.Name = fmt.Sprintf("%s [%s]", cand.Name, cand.ID)
	if ch, err := c.AddCandidate(cand); err == nil {
		return ch
	}
	cand.ID = ""
	ch, err := c.AddCandidate(cand)
	if err != nil {
		// Unreachable in practice: the name carries the unique Id.
		cand.Name += "*"
		ch, _ = c.AddCandidate(cand)
	}
	return ch
}

// resolve maps a mark's CandidateId to a choice.
//
// It also returns which of the candidate's identifiers the Id is
// (election.Mark.Token): RCTab's token for a Dominion mark is the Id, which
// a configuration usually declares as an alias (source notes T14, T15).
func (sl *slot) resolve(id int64) (election.Choice, int32, error) {
	ch, ok := sl.byID[id]
	if ok && ch != unknownChoice {
		return ch, sl.tokens[id], nil
	}
	text := strconv.FormatInt(id, 10)
	if sl.hasUWI && id == sl.uwi {
		return writeInChoice(sl.contest, text), 0, nil
	}
	if sl.declared {
		if ch, tok, ok := sl.contest.LookupToken(text); ok {
			return ch, tok, nil
		}
		return 0, 0, fmt.Errorf("candidate Id %s in contest %s (%s) matches no declared candidate's name or alias: %w; add the Id as an alias of the right candidate", text, sl.mc.idText, sl.mc.name, cvr.ErrUnknownCandidate)
	}
	return 0, 0, fmt.Errorf("candidate Id %s is not listed for contest %s in %s: %w", text, sl.mc.idText, candidateManifest, cvr.ErrUnknownCandidate)
}

// CandidateTokens returns, for each choice of contest c that a candidate of
// src's CandidateManifest.json maps to, that candidate's Dominion Id. RCTab
// names ballot selections by these Ids in its CDF export (see package cdf's
// Report.Token); the undeclared write-in is omitted because the export names
// it "Undeclared Write-ins" whatever its Id.
func CandidateTokens(src cvr.Source, c *election.Contest) (map[election.Choice]string, error) {
	m, err := loadManifests(src, src.Path)
	if err != nil {
		return nil, err
	}
	mc, ok := (*mContest)(nil), false
	for i := range m.contests {
		if m.contests[i].idText == strings.TrimSpace(src.ContestID) || m.contests[i].name == src.ContestID {
			mc, ok = &m.contests[i], true
			break
		}
	}
	if !ok {
		return nil, &cvr.Error{Path: src.Join(src.Path, contestManifest), Field: "Id", Err: fmt.Errorf("no contest with Id %q", src.ContestID)}
	}
	out := map[election.Choice]string{}
	for _, mcand := range m.candidates {
		if mcand.contest != mc.id || (src.UndeclaredWriteInLabel != "" && mcand.idText == strings.TrimSpace(src.UndeclaredWriteInLabel)) {
			continue
		}
		ch, ok := c.Lookup(mcand.idText)
		if !ok || c.Candidates[ch].WriteIn {
			continue
		}
		if _, dup := out[ch]; !dup {
			out[ch] = mcand.idText
		}
	}
	return out, nil
}
