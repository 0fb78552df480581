package sampler

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
)

// The vector files are shared with the other rla packages; each section
// this package implements is consumed by exactly one table-driven test.
const (
	publishedPath = "../../testdata/rla/published.json"
	generatedPath = "../../testdata/rla/arlo-generated.json"
)

func loadSection(t *testing.T, path, section string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	raw, ok := all[section]
	if !ok {
		t.Fatalf("%s: no section %q", path, section)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: section %q: %v", path, section, err)
	}
}

type corlaVector struct {
	Source          string   `json:"source"`
	Seed            string   `json:"seed"`
	Ballots         uint64   `json:"ballots"`
	Count           int      `json:"count"`
	WithReplacement bool     `json:"with_replacement"`
	Draws           []uint64 `json:"draws"`
}

func checkCorla(t *testing.T, vs []corlaVector) {
	t.Helper()
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for i, v := range vs {
		t.Run(fmt.Sprintf("%d/%s", i, v.Seed), func(t *testing.T) {
			c := Corla{Seed: v.Seed, Ballots: v.Ballots, WithoutReplacement: !v.WithReplacement}
			draws, err := c.Draws(0, v.Count)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]uint64, len(draws))
			for k, d := range draws {
				got[k] = d.Ballot
			}
			if !reflect.DeepEqual(got, v.Draws) {
				t.Fatalf("draws\n got %v\nwant %v", got, v.Draws)
			}
			// A later round continues the same sequence.
			if v.Count > 1 {
				half := v.Count / 2
				rest, err := c.Draws(half, v.Count-half)
				if err != nil {
					t.Fatal(err)
				}
				for k, d := range rest {
					if d != draws[half+k] {
						t.Fatalf("draw %d with skip %d = %+v, want %+v", half+k+1, half, d, draws[half+k])
					}
				}
			}
		})
	}
}

func TestPublishedCorlaSampler(t *testing.T) {
	var vs []corlaVector
	loadSection(t, publishedPath, "corla_sampler", &vs)
	checkCorla(t, vs)
}

func TestGeneratedSamplerCorla(t *testing.T) {
	var vs []corlaVector
	loadSection(t, generatedPath, "sampler_corla", &vs)
	checkCorla(t, vs)
}

type consistentVector struct {
	Source          string            `json:"source"`
	IDs             []string          `json:"ids"`
	Seed            string            `json:"seed"`
	WithReplacement bool              `json:"with_replacement"`
	Take            int               `json:"take"`
	IDsOut          []string          `json:"ids_out"`
	TicketsOut      [][3]any          `json:"tickets_out"`
	FirstFraction   map[string]string `json:"first_fraction"`
	NextFraction    string            `json:"next_fraction"`
	Value           string            `json:"value"`
}

func TestPublishedConsistentSampler(t *testing.T) {
	var vs []consistentVector
	loadSection(t, publishedPath, "consistent_sampler", &vs)
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for i, v := range vs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			switch {
			case v.FirstFraction != nil:
				if got := FirstFraction(v.FirstFraction["id"], v.FirstFraction["seed"]); got != v.Value {
					t.Fatalf("FirstFraction = %s, want %s", got, v.Value)
				}
			case v.NextFraction != "":
				if got := NextFraction(v.NextFraction); got != v.Value {
					t.Fatalf("NextFraction = %s, want %s", got, v.Value)
				}
			case v.IDsOut != nil:
				// Rivest's sampler takes every item when take is not given.
				take := v.Take
				if take == 0 {
					take = len(v.IDs)
				}
				ts, err := Sample(v.IDs, v.Seed, Options{WithReplacement: v.WithReplacement, Take: take})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, tk := range ts {
					got = append(got, tk.ID)
				}
				if !reflect.DeepEqual(got, v.IDsOut) {
					t.Fatalf("ids\n got %v\nwant %v", got, v.IDsOut)
				}
			case v.TicketsOut != nil:
				// This doctest uses the sampler's default of 9 digits.
				ts, err := Sample(v.IDs, v.Seed, Options{WithReplacement: v.WithReplacement, Take: len(v.IDs), Digits: 9})
				if err != nil {
					t.Fatal(err)
				}
				var got [][3]any
				for _, tk := range ts {
					got = append(got, [3]any{tk.Number, tk.ID, float64(tk.Generation)})
				}
				if !reflect.DeepEqual(got, v.TicketsOut) {
					t.Fatalf("tickets\n got %v\nwant %v", got, v.TicketsOut)
				}
			default:
				t.Fatalf("vector of unknown kind: %+v", v)
			}
		})
	}
}

type arloVector struct {
	Seed            string                     `json:"seed"`
	Manifests       map[string][][3]any        `json:"manifests"`
	Count           int                        `json:"count"`
	Skip            int                        `json:"skip"`
	WithReplacement bool                       `json:"with_replacement"`
	Draws           []arloVectorDraw           `json:"draws"`
	Extra           map[string]json.RawMessage `json:"-"`
}

type arloVectorDraw struct {
	TicketNumber   string  `json:"ticket_number"`
	Jurisdiction   string  `json:"jurisdiction"`
	Tabulator      *string `json:"tabulator"`
	Batch          string  `json:"batch"`
	BallotPosition int     `json:"ballot_position"`
	TimesSampled   int     `json:"times_sampled"`
}

// batchesOf flattens a vector's manifests. JSON objects have no order,
// and none is needed: a consistent sample does not depend on item order.
func batchesOf(t *testing.T, ms map[string][][3]any) []Batch {
	t.Helper()
	var bs []Batch
	for j, rows := range ms {
		for _, r := range rows {
			b := Batch{Jurisdiction: j}
			if r[0] != nil {
				b.Tabulator = r[0].(string)
				if b.Tabulator == "" {
					t.Fatal("vector has an empty tabulator, which this test cannot tell from None")
				}
			}
			b.Name = r[1].(string)
			b.Ballots = int(r[2].(float64))
			bs = append(bs, b)
		}
	}
	return bs
}

func arloDraws(bs []Batch, ds []ArloDraw) []arloVectorDraw {
	var out []arloVectorDraw
	for _, d := range ds {
		b := bs[d.Batch]
		var tab *string
		if b.Tabulator != "" {
			tab = &b.Tabulator
		}
		out = append(out, arloVectorDraw{d.Ticket, b.Jurisdiction, tab, b.Name, d.Position, d.TimesSampled})
	}
	return out
}

func TestGeneratedSamplerArlo(t *testing.T) {
	var vs []arloVector
	loadSection(t, generatedPath, "sampler_arlo", &vs)
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for i, v := range vs {
		t.Run(fmt.Sprintf("%d/%s", i, v.Seed), func(t *testing.T) {
			bs := batchesOf(t, v.Manifests)
			for _, workers := range []int{1, 3} {
				opt := Options{WithReplacement: v.WithReplacement, Drop: v.Skip, Take: v.Count, Workers: workers}
				ds, err := ArloSample(v.Seed, bs, opt)
				if err != nil {
					t.Fatal(err)
				}
				got := arloDraws(bs, ds)
				if !reflect.DeepEqual(got, v.Draws) {
					t.Fatalf("workers=%d: draws differ\n got %s\nwant %s", workers, js(got), js(v.Draws))
				}
			}
			// A second round that skips the first half returns the rest.
			half := v.Count / 2
			ds, err := ArloSample(v.Seed, bs, Options{WithReplacement: v.WithReplacement, Drop: v.Skip + half, Take: v.Count - half})
			if err != nil {
				t.Fatal(err)
			}
			if got := arloDraws(bs, ds); !reflect.DeepEqual(got, v.Draws[half:]) {
				t.Fatalf("skip %d: draws differ\n got %s\nwant %s", half, js(got), js(v.Draws[half:]))
			}
		})
	}
}

func js(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}
