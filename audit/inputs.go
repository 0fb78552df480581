package audit

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/manifest"
)

// Inputs are everything the jurisdictions upload.
type Inputs struct {
	// Election defines the contests the CVRs refer to (comparison
	// audits only).
	Election      *election.Election
	Jurisdictions []JurisdictionInput
}

// JurisdictionInput is one jurisdiction's uploads.
type JurisdictionInput struct {
	Name string
	// Manifest is the jurisdiction's Arlo ballot manifest (sampler arlo).
	Manifest *manifest.Arlo
	// Colorado is the county's ColoradoRLA manifest (sampler corla); every
	// row must carry the jurisdiction's county_id.
	Colorado *manifest.Colorado
	// CVRs are the jurisdiction's cast vote records (ballot comparison).
	// Within a batch, the k-th CVR given is the ballot at position k.
	CVRs []election.CVR
	// Tallies are the batches' reported tallies (batch comparison).
	Tallies []BatchTally
}

// BatchTally is one batch's reported votes, by contest name.
type BatchTally struct {
	Batch string
	// Source and Row locate the tally in its file, for errors.
	Source   string
	Row      int
	Contests map[string]rla.Counts
}

// InputError is one problem with a jurisdiction's uploads: the
// jurisdiction, the file, the row or record and what is wrong.
type InputError struct {
	Jurisdiction string
	Source       string
	Row          int
	Record       string
	Msg          string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Jurisdiction)
	if e.Source != "" {
		b.WriteString(": " + e.Source)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Record != "" {
		fmt.Fprintf(&b, ": %s", e.Record)
	}
	return b.String() + ": " + e.Msg
}

// InputErrors is every problem Prepare found, in jurisdiction order.
type InputErrors []*InputError

// maxInputErrors bounds how many problems Prepare reports.
const maxInputErrors = 1000

func (es InputErrors) Error() string {
	lines := make([]string, 0, min(len(es), 20)+1)
	for i, e := range es {
		if i == 20 {
			lines = append(lines, fmt.Sprintf("... and %d more", len(es)-20))
			break
		}
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns ErrInvalid.
func (es InputErrors) Unwrap() error { return ErrInvalid }

type batchKey struct{ tabulator, batch string }

type batch struct {
	key       batchKey
	container string
	ballots   int
	row       int
	// cvrs holds the indices into the jurisdiction's CVRs of the ballots
	// at positions 1..len(cvrs); later positions are phantoms.
	cvrs []int32
	// tally is the batch's reported votes per audited contest (batch
	// comparison), parallel to the contest's candidates.
	tally map[int][]int
}

type jurisdiction struct {
	name     string
	county   int64
	batches  []batch
	index    map[batchKey]int
	ballots  int64
	phantoms int64
	cvrs     []election.CVR
	byBatch  bool // CVRs are matched on batch names alone
	colorado *manifest.Colorado
	arlo     *manifest.Arlo
}

func canonicalScanner(s string) string {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return s
}

// loadJurisdiction checks one jurisdiction's manifest and CVRs against each
// other.
func (a *Audit) loadJurisdiction(cfg JurisdictionConfig, in *JurisdictionInput, errs *InputErrors) *jurisdiction {
	add := func(e *InputError) {
		if len(*errs) < maxInputErrors {
			*errs = append(*errs, e)
		}
	}
	j := &jurisdiction{name: cfg.Name, county: cfg.CountyID, index: map[batchKey]int{}, cvrs: in.CVRs}
	switch a.def.Sampler {
	case SamplerArlo:
		if in.Manifest == nil {
			add(&InputError{Jurisdiction: j.name, Msg: "no Arlo ballot manifest; upload one"})
			return j
		}
		if in.Colorado != nil {
			add(&InputError{Jurisdiction: j.name, Msg: "a ColoradoRLA manifest was given to an audit with the arlo sampler; upload an Arlo manifest"})
		}
		j.arlo = in.Manifest
		j.byBatch = !in.Manifest.HasTabulator
		for _, b := range in.Manifest.Batches {
			k := batchKey{b.Tabulator, b.Name}
			if j.byBatch {
				k.tabulator = ""
			}
			if a.def.Type == BatchComparison && b.Tabulator != "" {
				add(&InputError{Jurisdiction: j.name, Source: in.Manifest.Path, Row: b.Row, Msg: "Arlo identifies MACRO batches by jurisdiction and batch name only; remove the Tabulator column"})
				continue
			}
			if _, dup := j.index[k]; dup {
				add(&InputError{Jurisdiction: j.name, Source: in.Manifest.Path, Row: b.Row, Msg: fmt.Sprintf("batch %q is listed twice", b.Name)})
				continue
			}
			j.index[k] = len(j.batches)
			j.batches = append(j.batches, batch{key: k, container: b.Container, ballots: b.Ballots, row: b.Row})
			j.ballots += int64(b.Ballots)
		}
	case SamplerCorla:
		if in.Colorado == nil {
			add(&InputError{Jurisdiction: j.name, Msg: "no ColoradoRLA ballot manifest; upload one"})
			return j
		}
		j.colorado = in.Colorado
		for _, e := range CheckColorado(cfg, in.Colorado) {
			add(e)
		}
		for _, b := range in.Colorado.Batches {
			if b.CountyID != cfg.CountyID {
				continue
			}
			k := batchKey{strconv.FormatInt(b.ScannerID, 10), b.BatchID}
			if _, dup := j.index[k]; dup {
				add(&InputError{Jurisdiction: j.name, Source: b.Path, Row: b.Row, Msg: fmt.Sprintf("scanner %d batch %q is listed twice", b.ScannerID, b.BatchID)})
				continue
			}
			j.index[k] = len(j.batches)
			j.batches = append(j.batches, batch{key: k, container: b.StorageLocation, ballots: b.Ballots, row: b.Row})
			j.ballots += int64(b.Ballots)
		}
	}
	if a.def.Type != BallotComparison && len(in.CVRs) > 0 {
		add(&InputError{Jurisdiction: j.name, Msg: fmt.Sprintf("%d CVRs were given to a %s audit, which does not use them", len(in.CVRs), a.def.Type)})
	}
	if a.def.Type != BatchComparison && len(in.Tallies) > 0 {
		add(&InputError{Jurisdiction: j.name, Msg: fmt.Sprintf("batch tallies were given to a %s audit, which does not use them", a.def.Type)})
	}
	outside := map[*contest]bool{}
	for i := range in.CVRs {
		r := &in.CVRs[i]
		k := batchKey{r.Tabulator, r.Batch}
		if j.colorado != nil {
			k.tabulator = canonicalScanner(k.tabulator)
		}
		if j.byBatch {
			k.tabulator = ""
		}
		bi, ok := j.index[k]
		if !ok {
			add(&InputError{Jurisdiction: j.name, Source: r.Source, Record: "CVR " + strconv.Quote(r.ID), Msg: fmt.Sprintf("tabulator %q batch %q is not in the ballot manifest; a CVR without a manifest ballot cannot be sampled, so the manifest or the CVR export is wrong", r.Tabulator, r.Batch)})
			continue
		}
		b := &j.batches[bi]
		if len(b.cvrs) == b.ballots {
			add(&InputError{Jurisdiction: j.name, Source: r.Source, Record: "CVR " + strconv.Quote(r.ID), Msg: fmt.Sprintf("tabulator %q batch %q has more CVRs than the %d ballots the manifest lists (row %d)", r.Tabulator, r.Batch, b.ballots, b.row)})
			continue
		}
		b.cvrs = append(b.cvrs, int32(i))
		for _, cm := range r.Contests {
			c := a.byElectionIndex[cm.Contest]
			if c != nil && !c.spans(j.name) && !outside[c] {
				outside[c] = true
				add(&InputError{Jurisdiction: j.name, Source: r.Source, Record: "CVR " + strconv.Quote(r.ID), Msg: fmt.Sprintf("has contest %q, which the audit does not list in this jurisdiction; add the jurisdiction to the contest, or the contest's ballots and margin would be wrong", c.def.Name)})
			}
		}
	}
	if a.def.Type == BallotComparison {
		for _, b := range j.batches {
			j.phantoms += int64(b.ballots - len(b.cvrs))
		}
	}
	return j
}

// CheckColorado reports every row of a county's ColoradoRLA manifest that
// carries another county's number. Prepare refuses such rows too; the
// office checks a manifest with it as soon as it is uploaded, before there
// are CVRs to prepare the county with.
func CheckColorado(cfg JurisdictionConfig, m *manifest.Colorado) InputErrors {
	var errs InputErrors
	for _, b := range m.Batches {
		if b.CountyID != cfg.CountyID && len(errs) < maxInputErrors {
			errs = append(errs, &InputError{Jurisdiction: cfg.Name, Source: b.Path, Row: b.Row, Msg: fmt.Sprintf("CountyID %d is not this jurisdiction's county %d", b.CountyID, cfg.CountyID)})
		}
	}
	return errs
}

// loadTallies reads the batch tallies of one jurisdiction into its batches.
func (a *Audit) loadTallies(j *jurisdiction, in *JurisdictionInput, errs *InputErrors) {
	add := func(e *InputError) {
		if len(*errs) < maxInputErrors {
			*errs = append(*errs, e)
		}
	}
	seen := map[int]bool{}
	for _, t := range in.Tallies {
		bi, ok := j.index[batchKey{"", t.Batch}]
		if !ok {
			add(&InputError{Jurisdiction: j.name, Source: t.Source, Row: t.Row, Msg: fmt.Sprintf("batch %q is not in the ballot manifest", t.Batch)})
			continue
		}
		if seen[bi] {
			add(&InputError{Jurisdiction: j.name, Source: t.Source, Row: t.Row, Msg: fmt.Sprintf("batch %q has two tallies", t.Batch)})
			continue
		}
		seen[bi] = true
		b := &j.batches[bi]
		b.tally = map[int][]int{}
		for _, name := range slices.Sorted(maps.Keys(t.Contests)) {
			counts := t.Contests[name]
			ci, ok := a.contestIndex[name]
			if !ok || !a.contests[ci].spans(j.name) {
				add(&InputError{Jurisdiction: j.name, Source: t.Source, Row: t.Row, Msg: fmt.Sprintf("contest %q is not an audited contest of this jurisdiction", name)})
				continue
			}
			c := a.contests[ci]
			votes := make([]int, len(c.candidates))
			total := 0
			for _, cv := range counts {
				k := c.candidate(cv.Name)
				if k < 0 {
					add(&InputError{Jurisdiction: j.name, Source: t.Source, Row: t.Row, Msg: fmt.Sprintf("contest %q has no candidate %q", name, cv.Name)})
					continue
				}
				votes[k] += cv.Votes
				total += cv.Votes
			}
			if total > b.ballots*c.votesAllowed() {
				add(&InputError{Jurisdiction: j.name, Source: t.Source, Row: t.Row, Msg: fmt.Sprintf("contest %q has %d votes in batch %q, more than its %d ballots allow", name, total, t.Batch, b.ballots)})
			}
			b.tally[ci] = votes
		}
	}
	for bi, b := range j.batches {
		if !seen[bi] {
			add(&InputError{Jurisdiction: j.name, Row: b.row, Msg: fmt.Sprintf("batch %q of the manifest has no reported tally; enter one (zeros for a batch without the contest)", b.key.batch)})
		}
	}
}
