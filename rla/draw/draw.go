package draw

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"

	"github.com/canvass/canvass/rla/manifest"
	"github.com/canvass/canvass/rla/sampler"
)

// MaxDraws is the most draws (Skip + Count) a sampler that must hold or
// replay its draws is asked for: Arlo's (it keeps Skip + Count tickets),
// Colorado's without replacement (it remembers every ballot drawn) and the
// Skip that PPS replays. At the cap, an Arlo draw from 3,000,000 ballots
// takes about 10 s of CPU and 0.9 GB (100,000 draws: 1.6 s, 100 MB), and
// PPS replays a million draws in about 5 s; the largest real audits draw
// tens of thousands of ballots, so a larger request is a typing error
// rather than an audit.
const MaxDraws = 1_000_000

// Request is what every sampler is asked.
type Request struct {
	// Seed is the public random seed, used exactly as written.
	Seed string
	// Skip is how many draws earlier rounds took; Count how many to
	// return now. The rows are draws Skip+1 .. Skip+Count, exactly those
	// a single request with Skip+Count returns after its first Skip, so a
	// later round extends an earlier one.
	Skip, Count int
	// WithoutReplacement never draws a ballot twice (Colorado and Arlo
	// ballot samplers only; the batch samplers draw with replacement).
	WithoutReplacement bool
}

// RangeError is a Skip or Count a sampler cannot honour. Field is "skip"
// or "count" (the CLI flag without its dashes), Value what was asked.
// Err, when set, is the sentinel the reason stands for, such as
// sampler.ErrTooManyDraws.
type RangeError struct {
	Field  string
	Value  int
	Reason string
	Err    error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("%s %d: %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns Err.
func (e *RangeError) Unwrap() error { return e.Err }

// ErrNothingToSample is returned when the manifests list no ballots (or
// the weights add up to zero) but draws are asked for.
var ErrNothingToSample = errors.New("the manifests list no ballots; there is nothing to sample")

func (r Request) check(sampler string) error {
	switch {
	case r.Skip < 0:
		return &RangeError{"skip", r.Skip, "it must be 0 or more", nil}
	case r.Count < 0:
		return &RangeError{"count", r.Count, "it must be 0 or more", nil}
	case r.Skip > math.MaxInt-r.Count:
		return &RangeError{"skip", r.Skip, "skip + count is larger than any sample", nil}
	case r.WithoutReplacement && (sampler == "pps" || sampler == "arlo-ppeb"):
		return fmt.Errorf("the %s sampler draws batches with replacement; without replacement does not apply", sampler)
	}
	return nil
}

// maxTotal refuses Skip + Count beyond MaxDraws for a sampler that holds
// or replays that many draws.
func (r Request) maxTotal(why string) error {
	if r.Skip+r.Count <= MaxDraws {
		return nil
	}
	field, value := "count", r.Count
	if r.Skip > r.Count {
		field, value = "skip", r.Skip
	}
	return &RangeError{field, value, fmt.Sprintf("skip + count is %d, more than the %d draws allowed because %s; no audit needs that many, so check the sample size", r.Skip+r.Count, MaxDraws, why), nil}
}

// tooMany refuses more draws without replacement than there are items.
func (r Request) tooMany(items int64, what string) error {
	if !r.WithoutReplacement || int64(r.Skip)+int64(r.Count) <= items {
		return nil
	}
	field, value := "count", r.Count
	if int64(r.Skip) > items {
		field, value = "skip", r.Skip
	}
	return &RangeError{field, value, fmt.Sprintf("%v: %d draws from %d %s; ask for at most %d draws in all (skip + count), or hand count every ballot", sampler.ErrTooManyDraws, r.Skip+r.Count, items, what, items), sampler.ErrTooManyDraws}
}

// Sample is a drawn sample: the CSV header and the rows in output order.
// Ranging over Rows again yields the same rows (and, for a streaming
// sampler, draws them again).
type Sample[R Row] struct {
	Columns []string
	Rows    iter.Seq[R]
}

// Collect returns the sample's rows as a slice.
func (s Sample[R]) Collect() []R {
	out := []R{}
	for r := range s.Rows {
		out = append(out, r)
	}
	return out
}

// FromSlice makes a Sample of rows already drawn (for example
// CorlaAsArlo's, or rows stored by a server), so that they print with
// WriteCSV and WriteJSON exactly as a fresh draw does.
func FromSlice[R Row](columns []string, rows []R) Sample[R] {
	return Sample[R]{Columns: columns, Rows: func(yield func(R) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}}
}

// Row is one line of a sample: Fields are its CSV cells, in the order of
// the sample's Columns. Each row type also has the JSON form the CLI
// prints with --json.
type Row interface {
	Fields() []string
}

// ColoradoAcceptsSeed reports whether ColoradoRLA would accept the seed:
// at least 20 decimal digits. Any seed can be drawn from, but only such a
// seed's draw can be reproduced in ColoradoRLA.
func ColoradoAcceptsSeed(seed string) bool {
	if len(seed) < 20 {
		return false
	}
	for i := 0; i < len(seed); i++ {
		if seed[i] < '0' || seed[i] > '9' {
			return false
		}
	}
	return true
}

// BallotNumber is a Colorado draw without a manifest: the ballot number,
// 1..N. Its CSV is the bare number, and its JSON a bare number.
type BallotNumber uint64

// Fields returns the number in decimal.
func (b BallotNumber) Fields() []string { return []string{strconv.FormatUint(uint64(b), 10)} }

// Corla draws ballot numbers 1..ballots with Colorado's sampler. With
// replacement it streams: any Skip and Count, constant memory. Without
// replacement Skip + Count is at most ballots and MaxDraws. The sample
// has no header.
func Corla(req Request, ballots int64) (Sample[BallotNumber], error) {
	seq, err := corla(req, ballots)
	if err != nil {
		return Sample[BallotNumber]{}, err
	}
	return Sample[BallotNumber]{Rows: func(yield func(BallotNumber) bool) {
		for d := range seq {
			if !yield(BallotNumber(d.Ballot)) {
				return
			}
		}
	}}, nil
}

func corla(req Request, ballots int64) (iter.Seq[sampler.CorlaDraw], error) {
	if err := req.check("corla"); err != nil {
		return nil, err
	}
	if ballots < 1 {
		return nil, ErrNothingToSample
	}
	if err := req.tooMany(ballots, "ballots"); err != nil {
		return nil, err
	}
	if req.WithoutReplacement {
		if err := req.maxTotal("without replacement every ballot drawn is remembered"); err != nil {
			return nil, err
		}
	}
	return sampler.Corla{Seed: req.Seed, Ballots: uint64(ballots), WithoutReplacement: req.WithoutReplacement}.Seq(req.Skip, req.Count)
}

// CorlaRow is a Colorado draw located in the statewide manifest.
type CorlaRow struct {
	// Draw is the row's place in the sample, Skip+1 .. Skip+Count.
	Draw int `json:"draw"`
	// Counter is the i of SHA-256(seed "," i) that drew the ballot;
	// without replacement it exceeds Draw when repeats were rejected.
	Counter         uint64 `json:"-"`
	BallotNumber    uint64 `json:"ballot_number"`
	CountyID        int64  `json:"county_id"`
	ScannerID       int64  `json:"scanner_id"`
	BatchID         string `json:"batch_id"`
	BallotPosition  int    `json:"ballot_position"`
	StorageLocation string `json:"storage_location"`
}

// CorlaColumns is the CSV header of CorlaRow.
var CorlaColumns = []string{"draw", "ballot_number", "county_id", "scanner_id", "batch_id", "ballot_position", "storage_location"}

// Fields returns the row's CSV cells in CorlaColumns order.
func (r CorlaRow) Fields() []string {
	return []string{strconv.Itoa(r.Draw), strconv.FormatUint(r.BallotNumber, 10), strconv.FormatInt(r.CountyID, 10),
		strconv.FormatInt(r.ScannerID, 10), r.BatchID, strconv.Itoa(r.BallotPosition), r.StorageLocation}
}

// CorlaManifest draws with Colorado's sampler over the ballots of the
// counties' manifests, numbered as ColoradoRLA numbers them, and locates
// each. Limits as Corla.
func CorlaManifest(req Request, state *manifest.Statewide) (Sample[CorlaRow], error) {
	seq, err := corla(req, state.Ballots())
	if err != nil {
		return Sample[CorlaRow]{}, err
	}
	return Sample[CorlaRow]{Columns: CorlaColumns, Rows: func(yield func(CorlaRow) bool) {
		k := req.Skip
		for d := range seq {
			k++
			// Every number drawn is in 1..Ballots(), so Locate cannot fail.
			loc, _ := state.Locate(int64(d.Ballot))
			r := CorlaRow{k, d.Counter, d.Ballot, loc.CountyID, loc.ScannerID, loc.BatchID, loc.Position, loc.StorageLocation}
			if !yield(r) {
				return
			}
		}
	}}, nil
}

// Jurisdiction is one jurisdiction's Arlo ballot manifest. Name is the
// jurisdiction's name exactly as Arlo has it: it is part of every
// ballot's id, so it decides the draw.
type Jurisdiction struct {
	Name     string
	Manifest *manifest.Arlo
}

// ArloRow is a ballot drawn by Arlo's sampler, with Arlo's columns.
type ArloRow struct {
	TicketNumber string `json:"ticket_number"`
	Jurisdiction string `json:"jurisdiction"`
	// Tabulator is nil when the batch has none (empty in CSV).
	Tabulator      *string `json:"tabulator"`
	Batch          string  `json:"batch"`
	BallotPosition int     `json:"ballot_position"`
	TimesSampled   int     `json:"times_sampled"`
	// Container is the batch's container when the manifest gives one. It
	// is not one of Arlo's sample columns; retrieval lists sort by it.
	Container string `json:"-"`
}

// ArloColumns is the CSV header of ArloRow, as Arlo names its columns.
var ArloColumns = []string{"ticket_number", "jurisdiction", "tabulator", "batch", "ballot_position", "times_sampled"}

// Fields returns the row's CSV cells in ArloColumns order.
func (r ArloRow) Fields() []string {
	return []string{r.TicketNumber, r.Jurisdiction, deref(r.Tabulator), r.Batch, strconv.Itoa(r.BallotPosition), strconv.Itoa(r.TimesSampled)}
}

// Arlo draws ballots from all the jurisdictions' batches together, exactly
// as Arlo samples a contest: same tickets, ballots and order. Rows are in
// ticket order. Skip + Count is at most MaxDraws, and without replacement
// at most the number of ballots.
func Arlo(req Request, js []Jurisdiction) (Sample[ArloRow], error) {
	if err := req.check("arlo"); err != nil {
		return Sample[ArloRow]{}, err
	}
	batches, err := ArloBatches(js)
	if err != nil {
		return Sample[ArloRow]{}, err
	}
	var total int64
	for _, b := range batches {
		total += int64(b.Ballots)
	}
	if err := req.tooMany(total, "ballots in the manifests"); err != nil {
		return Sample[ArloRow]{}, err
	}
	if err := req.maxTotal("the arlo sampler keeps skip + count tickets in memory"); err != nil {
		return Sample[ArloRow]{}, err
	}
	draws, err := sampler.ArloSample(req.Seed, batches, sampler.Options{WithReplacement: !req.WithoutReplacement, Drop: req.Skip, Take: req.Count})
	if err != nil {
		return Sample[ArloRow]{}, err
	}
	return Sample[ArloRow]{Columns: ArloColumns, Rows: func(yield func(ArloRow) bool) {
		for _, d := range draws {
			b := &batches[d.Batch]
			if !yield(ArloRow{d.Ticket, b.Jurisdiction, optional(b.Tabulator), b.Name, d.Position, d.TimesSampled, b.Container}) {
				return
			}
		}
	}}, nil
}

// ArloBatches lists the jurisdictions' batches as the Arlo sampler takes
// them, refusing a jurisdiction named twice.
func ArloBatches(js []Jurisdiction) ([]sampler.Batch, error) {
	var out []sampler.Batch
	seen := make(map[string]bool, len(js))
	for _, j := range js {
		if seen[j.Name] {
			return nil, fmt.Errorf("jurisdiction %q is given twice; give each jurisdiction's batches in one manifest", j.Name)
		}
		seen[j.Name] = true
		for _, b := range j.Manifest.Batches {
			out = append(out, sampler.Batch{Jurisdiction: j.Name, Tabulator: b.Tabulator, Name: b.Name, Ballots: b.Ballots, Container: b.Container})
		}
	}
	return out, nil
}

// Weights is one jurisdiction's batch weights (MACRO error bounds). Path
// names the weights file in errors.
type Weights struct {
	Jurisdiction string
	Path         string
	Weights      []manifest.Weight
}

// PPSRow is a batch drawn by the PPS sampler.
type PPSRow struct {
	Draw         uint64  `json:"draw"`
	TicketNumber string  `json:"ticket_number"`
	Jurisdiction string  `json:"jurisdiction"`
	Tabulator    *string `json:"tabulator"`
	Batch        string  `json:"batch"`
	TimesSampled int     `json:"times_sampled"`
}

// PPSColumns is the CSV header of PPSRow.
var PPSColumns = []string{"draw", "ticket_number", "jurisdiction", "tabulator", "batch", "times_sampled"}

// Fields returns the row's CSV cells in PPSColumns order.
func (r PPSRow) Fields() []string {
	return []string{strconv.FormatUint(r.Draw, 10), r.TicketNumber, r.Jurisdiction, deref(r.Tabulator), r.Batch, strconv.Itoa(r.TimesSampled)}
}

// PPS draws batches with probability proportional to their weights
// (sampler.PPS), in draw order. It streams: any Count; Skip, whose draws
// are replayed, is at most MaxDraws.
func PPS(req Request, ws []Weights) (Sample[PPSRow], error) {
	if err := req.check("pps"); err != nil {
		return Sample[PPSRow]{}, err
	}
	if req.Skip > MaxDraws {
		return Sample[PPSRow]{}, &RangeError{"skip", req.Skip, fmt.Sprintf("the pps sampler replays the skipped draws and allows at most %d; no audit has taken that many, so check the number of draws already taken", MaxDraws), nil}
	}
	var batches []sampler.WeightedBatch
	if err := eachJurisdiction(ws, func(w Weights) error {
		for _, x := range w.Weights {
			batches = append(batches, sampler.WeightedBatch{Jurisdiction: w.Jurisdiction, Tabulator: x.Tabulator, Name: x.Batch, Weight: x.Weight})
		}
		return nil
	}); err != nil {
		return Sample[PPSRow]{}, err
	}
	seq, err := sampler.PPSSeq(req.Seed, batches, req.Skip, req.Count)
	if err != nil {
		return Sample[PPSRow]{}, err
	}
	return Sample[PPSRow]{Columns: PPSColumns, Rows: func(yield func(PPSRow) bool) {
		for d := range seq {
			b := &batches[d.Batch]
			if !yield(PPSRow{d.Draw, d.Ticket, b.Jurisdiction, optional(b.Tabulator), b.Name, d.TimesSampled}) {
				return
			}
		}
	}}, nil
}

// PPEBRow is a batch drawn by Arlo's own MACRO batch draw.
type PPEBRow struct {
	TicketNumber string `json:"ticket_number"`
	Jurisdiction string `json:"jurisdiction"`
	Batch        string `json:"batch"`
	TimesSampled int    `json:"times_sampled"`
}

// PPEBColumns is the CSV header of PPEBRow.
var PPEBColumns = []string{"ticket_number", "jurisdiction", "batch", "times_sampled"}

// Fields returns the row's CSV cells in PPEBColumns order.
func (r PPEBRow) Fields() []string {
	return []string{r.TicketNumber, r.Jurisdiction, r.Batch, strconv.Itoa(r.TimesSampled)}
}

// ArloPPEB reproduces Arlo's MACRO batch draw (sampler.ArloPPEB) from the
// jurisdictions' weights, given in Arlo's jurisdiction order. Arlo
// identifies batches by jurisdiction and name only, so weights with a
// tabulator are refused. Skip + Count is less than the number of batches
// (otherwise Arlo audits every batch), which bounds its memory.
func ArloPPEB(req Request, ws []Weights) (Sample[PPEBRow], error) {
	if err := req.check("arlo-ppeb"); err != nil {
		return Sample[PPEBRow]{}, err
	}
	type batch struct{ jurisdiction, name string }
	var (
		batches []batch
		ids     []string
		weights []float64
	)
	if err := eachJurisdiction(ws, func(w Weights) error {
		for _, x := range w.Weights {
			if x.Tabulator != "" {
				return fmt.Errorf("%s: row %d: column %q: Arlo identifies MACRO batches by jurisdiction and batch name only; remove the Tabulator column", w.Path, x.Row, manifest.ColTabulator)
			}
			// The nearest float64, which is what Python computes for a
			// decimal or for a quotient of whole numbers.
			u, _ := x.Weight.Float64()
			batches = append(batches, batch{w.Jurisdiction, x.Batch})
			ids = append(ids, sampler.ArloBatchID(w.Jurisdiction, x.Batch))
			weights = append(weights, u)
		}
		return nil
	}); err != nil {
		return Sample[PPEBRow]{}, err
	}
	draws, err := sampler.ArloPPEB(req.Seed, ids, weights, req.Skip, req.Count)
	if err != nil {
		return Sample[PPEBRow]{}, err
	}
	return Sample[PPEBRow]{Columns: PPEBColumns, Rows: func(yield func(PPEBRow) bool) {
		for _, d := range draws {
			if !yield(PPEBRow{d.Ticket, batches[d.Batch].jurisdiction, batches[d.Batch].name, d.TimesSampled}) {
				return
			}
		}
	}}, nil
}

func eachJurisdiction(ws []Weights, f func(Weights) error) error {
	seen := make(map[string]bool, len(ws))
	for _, w := range ws {
		if seen[w.Jurisdiction] {
			return fmt.Errorf("jurisdiction %q is given twice; give each jurisdiction's batches in one file", w.Jurisdiction)
		}
		seen[w.Jurisdiction] = true
		if err := f(w); err != nil {
			return err
		}
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
