package audit

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"

	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

// Round is one round's draw: which ballots (or batches) the seed selects,
// in ticket order. It is a pure function of the Audit, the seed, the
// earlier rounds' sizes and this round's size.
type Round struct {
	Number int    `json:"round"`
	Seed   string `json:"seed"`
	// Skip is the number of draws of the earlier rounds; Count this
	// round's. The draws are Skip+1 .. Skip+Count of one sample.
	Skip  int `json:"skip"`
	Count int `json:"count"`
	// Ballots are the drawn ballots (ballot audits), Batches the drawn
	// batches (batch comparison), in ticket order.
	Ballots []SampledBallot `json:"ballots,omitempty"`
	Batches []SampledBatch  `json:"batches,omitempty"`
}

// SampledBallot is one draw of a ballot, with Arlo's sample columns.
type SampledBallot struct {
	Ticket       string `json:"ticket_number"`
	Jurisdiction string `json:"jurisdiction"`
	Container    string `json:"container,omitempty"`
	Tabulator    string `json:"tabulator,omitempty"`
	Batch        string `json:"batch"`
	Position     int    `json:"ballot_position"`
	// TimesSampled counts this ballot's draws so far, this one included.
	TimesSampled int `json:"times_sampled"`
	// CVR is the ID of the ballot's CVR (comparison audits); Phantom
	// marks a manifest ballot without one. The CVR's content is never
	// part of a round: boards read blind.
	CVR     string `json:"cvr,omitempty"`
	Phantom bool   `json:"phantom,omitempty"`
}

// Key identifies the ballot.
func (b *SampledBallot) Key() BallotKey {
	return BallotKey{b.Jurisdiction, b.Tabulator, b.Batch, b.Position}
}

// BallotKey identifies a ballot: jurisdiction, tabulator, batch and its
// 1-based position in the batch.
type BallotKey struct {
	Jurisdiction string `json:"jurisdiction"`
	Tabulator    string `json:"tabulator,omitempty"`
	Batch        string `json:"batch"`
	Position     int    `json:"ballot_position"`
}

func (k BallotKey) String() string {
	s := strconv.Quote(k.Jurisdiction)
	if k.Tabulator != "" {
		s += " tabulator " + strconv.Quote(k.Tabulator)
	}
	return s + " batch " + strconv.Quote(k.Batch) + " position " + strconv.Itoa(k.Position)
}

// SampledBatch is one draw of a batch (batch comparison).
type SampledBatch struct {
	Ticket       string `json:"ticket_number"`
	Jurisdiction string `json:"jurisdiction"`
	Container    string `json:"container,omitempty"`
	Batch        string `json:"batch"`
	Ballots      int    `json:"ballots"`
	TimesSampled int    `json:"times_sampled"`
}

// ErrSeed is wrapped by errors about the seed.
var ErrSeed = errors.New("bad seed")

// Draw draws round len(prior)+1 of count draws from the seed, continuing
// the earlier rounds' sample exactly as `canvass rla sample --skip` does
// (the same library call, rla/draw, with the same manifests in definition
// order). Every earlier round must have the same seed.
func (a *Audit) Draw(seed string, prior []*Round, count int) (*Round, error) {
	skip := 0
	for i, r := range prior {
		if r.Number != i+1 {
			return nil, fmt.Errorf("%w: earlier round %d is numbered %d", ErrInvalid, i+1, r.Number)
		}
		if r.Seed != seed {
			return nil, fmt.Errorf("%w: round %d was drawn from seed %q; every round uses the one seed", ErrSeed, r.Number, r.Seed)
		}
		if r.Skip != skip {
			return nil, fmt.Errorf("%w: round %d skips %d draws, but the rounds before it drew %d", ErrInvalid, r.Number, r.Skip, skip)
		}
		skip += r.Count
	}
	if seed == "" {
		return nil, fmt.Errorf("%w: the seed is empty", ErrSeed)
	}
	if count <= 0 {
		return nil, fmt.Errorf("%w: round size %d; draw at least one ballot", ErrInvalid, count)
	}
	req := draw.Request{Seed: seed, Skip: skip, Count: count, WithoutReplacement: a.def.WithoutReplacement}
	r := &Round{Number: len(prior) + 1, Seed: seed, Skip: skip, Count: count}
	switch {
	case a.def.Type == BatchComparison:
		s, err := draw.ArloPPEB(req, a.weights())
		if err != nil {
			return nil, err
		}
		for row := range s.Rows {
			j := a.jurs[a.jurIndex[row.Jurisdiction]]
			b := &j.batches[j.index[batchKey{"", row.Batch}]]
			r.Batches = append(r.Batches, SampledBatch{row.TicketNumber, row.Jurisdiction, b.container, row.Batch, b.ballots, row.TimesSampled})
		}
	case a.def.Sampler == SamplerArlo:
		js := make([]draw.Jurisdiction, len(a.jurs))
		for i, j := range a.jurs {
			js[i] = draw.Jurisdiction{Name: j.name, Manifest: j.arlo}
		}
		s, err := draw.Arlo(req, js)
		if err != nil {
			return nil, err
		}
		r.Ballots = make([]SampledBallot, 0, count)
		for row := range s.Rows {
			r.Ballots = append(r.Ballots, a.sampled(row))
		}
	default:
		if !draw.ColoradoAcceptsSeed(seed) {
			return nil, fmt.Errorf("%w: ColoradoRLA needs a seed of at least 20 decimal digits", ErrSeed)
		}
		s, err := draw.CorlaManifest(req, a.statewide)
		if err != nil {
			return nil, err
		}
		times := map[BallotKey]int{}
		for _, p := range prior {
			for _, b := range p.Ballots {
				times[b.Key()]++
			}
		}
		byCounty := map[string]string{}
		for _, j := range a.jurs {
			byCounty[strconv.FormatInt(j.county, 10)] = j.name
		}
		r.Ballots = make([]SampledBallot, 0, count)
		for _, row := range draw.CorlaAsArlo(s.Collect()) {
			row.Jurisdiction = byCounty[row.Jurisdiction]
			b := a.sampled(row)
			times[b.Key()]++
			b.TimesSampled = times[b.Key()]
			r.Ballots = append(r.Ballots, b)
		}
	}
	return r, nil
}

// sampled locates a drawn row in the audit's manifests and CVRs.
func (a *Audit) sampled(row draw.ArloRow) SampledBallot {
	j := a.jurs[a.jurIndex[row.Jurisdiction]]
	tab := ""
	if row.Tabulator != nil {
		tab = *row.Tabulator
	}
	out := SampledBallot{Ticket: row.TicketNumber, Jurisdiction: row.Jurisdiction, Container: row.Container, Tabulator: tab,
		Batch: row.Batch, Position: row.BallotPosition, TimesSampled: row.TimesSampled}
	if a.def.Type == BallotComparison {
		if cvr := a.cvrAt(j, tab, row.Batch, row.BallotPosition); cvr != nil {
			out.CVR = cvr.ID
		} else {
			out.Phantom = true
		}
	}
	return out
}

// weights are the MACRO error bounds of the targeted contest's batches,
// per jurisdiction in definition order: Arlo's PPEB weights. Batches
// outside the contest weigh 0 and are never drawn.
func (a *Audit) weights() []draw.Weights {
	c := a.targeted()[0]
	ws := make([]draw.Weights, len(a.jurs))
	for ji, j := range a.jurs {
		ws[ji] = draw.Weights{Jurisdiction: j.name, Path: j.name}
		for bi, b := range j.batches {
			u := 0.0
			if c.jurs[ji] {
				u = c.batchBound[[2]int{ji, bi}]
			}
			ws[ji].Weights = append(ws[ji].Weights, manifest.Weight{Row: b.row, Batch: b.key.batch, Weight: new(big.Rat).SetFloat64(u)})
		}
	}
	return ws
}

func (a *Audit) targeted() []*contest {
	var out []*contest
	for _, c := range a.contests {
		if c.def.Targeted {
			out = append(out, c)
		}
	}
	return out
}

// Redraw draws r again from its seed and the earlier rounds and reports
// whether it is exactly what was drawn: the verifier's check of a
// published round.
func (a *Audit) Redraw(prior []*Round, r *Round) error {
	again, err := a.Draw(r.Seed, prior, r.Count)
	if err != nil {
		return err
	}
	if again.Number != r.Number || again.Skip != r.Skip || !reflect.DeepEqual(again.Ballots, r.Ballots) || !reflect.DeepEqual(again.Batches, r.Batches) {
		return fmt.Errorf("%w: round %d is not the sample its seed and manifests draw", ErrInvalid, r.Number)
	}
	return nil
}

// Sample returns the round's draws as the sample `canvass rla sample`
// prints (Arlo's columns, ticket order): draw.WriteCSV of it is byte for
// byte the command's output for the same seed, manifests, skip and count.
// Ballot audits only.
func (r *Round) Sample() draw.Sample[draw.ArloRow] {
	return draw.FromSlice(draw.ArloColumns, r.arloRows())
}

func (r *Round) arloRows() []draw.ArloRow {
	rows := make([]draw.ArloRow, len(r.Ballots))
	for i := range r.Ballots {
		b := &r.Ballots[i]
		var tab *string
		if b.Tabulator != "" {
			tab = &b.Tabulator
		}
		rows[i] = draw.ArloRow{TicketNumber: b.Ticket, Jurisdiction: b.Jurisdiction, Tabulator: tab, Batch: b.Batch,
			BallotPosition: b.Position, TimesSampled: b.TimesSampled, Container: b.Container}
	}
	return rows
}

// Retrieval returns the round's per-jurisdiction retrieval lists: each
// distinct ballot once, with every ticket that drew it, sorted by
// container, tabulator, batch and position (rla/draw.RetrievalLists).
// Ballot audits only.
func (r *Round) Retrieval() []draw.Retrieval {
	return draw.RetrievalLists(r.arloRows())
}
