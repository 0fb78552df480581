package rla

import (
	"fmt"
	"math"
	"testing"
)

// macroContestA builds Arlo's test_macro contest A: 400 batches, 200 of
// 200/180 votes in 400 ballots and 200 of 100/90 in 200.
func macroContestA() *MACRO {
	m := &MACRO{Contest: &Contest{Ballots: 120000, Tally: Counts{{"w", 60000}, {"l", 54000}}}}
	for i := 0; i < 200; i++ {
		m.Batches = append(m.Batches, Batch{Name: fmt.Sprintf("big %d", i), Ballots: 400, Reported: []int{200, 180}})
	}
	for i := 0; i < 200; i++ {
		m.Batches = append(m.Batches, Batch{Name: fmt.Sprintf("small %d", i), Ballots: 200, Reported: []int{100, 90}})
	}
	return m
}

// macroPending builds Arlo's pending-ballot case: 200/100/50 of 350 with
// 2 ballots pending.
func macroPending() *MACRO {
	return &MACRO{
		Contest: &Contest{Ballots: 350, Tally: Counts{{"A", 200}, {"B", 100}, {"C", 50}}},
		Pending: 2,
		Batches: []Batch{
			{"b1", 100, []int{60, 40, 0}},
			{"b2", 100, []int{0, 60, 40}},
			{"b3", 100, []int{90, 0, 10}},
			{"b4", 50, []int{50, 0, 0}},
		},
	}
}

func cleanDraws(m *MACRO, idx ...int) []BatchDraw {
	var ds []BatchDraw
	for _, i := range idx {
		ds = append(ds, BatchDraw{Batch: i, Audited: m.Batches[i].Reported})
	}
	return ds
}

type macroVector struct {
	Source         string   `json:"source"`
	RiskLimit      float64  `json:"risk_limit"`
	U              float64  `json:"U"`
	FirstRoundSize *int     `json:"first_round_size"`
	Risk3Clean     *float64 `json:"risk_after_3_clean"`
	Risk3Loser     *float64 `json:"risk_after_3_with_2_loser_votes_in_batch_3"`
}

func TestMACROPublishedVectors(t *testing.T) {
	var vs []macroVector
	decodeInto(t, loadVectors(t, "published.json")["macro"], &vs)
	if len(vs) != 2 {
		t.Fatalf("want 2 macro vectors, got %d", len(vs))
	}
	// Vector 1: contest A.
	a := macroContestA()
	_, U, err := a.ErrorBounds()
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(U, vs[0].U, 1e-12) {
		t.Errorf("A: U = %v, want %v", U, vs[0].U)
	}
	size, err := MACROSampleSize(vs[0].RiskLimit, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if size.Size != *vs[0].FirstRoundSize {
		t.Errorf("A: first round size %d, want %d", size.Size, *vs[0].FirstRoundSize)
	}
	// Vector 2: pending ballots.
	m := macroPending()
	_, U, err = m.ErrorBounds()
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(U, vs[1].U, 1e-12) {
		t.Errorf("pending: U = %v, want %v", U, vs[1].U)
	}
	r, err := MACRORisk(0.1, m, cleanDraws(m, 0, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(r.Risk, *vs[1].Risk3Clean, 1e-9) {
		t.Errorf("3 clean: %v, want %v", r.Risk, *vs[1].Risk3Clean)
	}
	d := cleanDraws(m, 0, 1)
	d = append(d, BatchDraw{Batch: 2, Audited: []int{90, 2, 10}})
	r, err = MACRORisk(0.1, m, d)
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(r.Risk, *vs[1].Risk3Loser, 1e-9) {
		t.Errorf("2 loser votes: %v, want %v", r.Risk, *vs[1].Risk3Loser)
	}
}

// TestMACROReferenceCases covers the rest of Arlo's test_macro (reference
// notes §3.3) for contest A: the size after 4 clean batches and the risk of
// 30 clean batches.
func TestMACROReferenceCases(t *testing.T) {
	a := macroContestA()
	size, err := MACROSampleSize(0.25, a, cleanDraws(a, 0, 1, 200, 201))
	if err != nil {
		t.Fatal(err)
	}
	if size.Size != 26 {
		t.Errorf("after 4 clean: %d, want 26", size.Size)
	}
	var idx []int
	for i := 0; i < 30; i++ {
		idx = append(idx, i*13%400)
	}
	r, err := MACRORisk(0.25, a, cleanDraws(a, idx...))
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Pow(20.0/21, 30); !relClose(r.Risk, want, 1e-9) || !r.Confirmed {
		t.Errorf("30 clean: %+v, want %v confirmed", r, want)
	}
}

func TestMACROConservative(t *testing.T) {
	m := macroPending()
	// A batch that could not be counted: risk 1.
	r, err := MACRORisk(0.1, m, []BatchDraw{{Batch: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Risk != 1 || r.Confirmed {
		t.Errorf("not found: %+v", r)
	}
	// Pending ballots that could erase the margin: full hand count.
	m.Pending = 100
	s, err := MACROSampleSize(0.1, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.FullHandCount || s.Size != 4 {
		t.Errorf("margin exhausted by pending: %+v", s)
	}
	// Every batch counted: the counts decide.
	m.Pending = 2
	r, err = MACRORisk(0.1, m, cleanDraws(m, 0, 1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r != (Risk{Risk: 0, Confirmed: true, FullHandCount: true}) {
		t.Errorf("full count: %+v", r)
	}
	// Combined batches: b1 and b2 counted together, with one loser vote
	// too many. The error is bounded by b1's own u_p.
	up, U, _ := m.ErrorBounds()
	g := []BatchDraw{{Batch: 0, Group: []int{0, 1}, Audited: []int{60, 101, 40}}}
	r, err = MACRORisk(0.1, m, g)
	if err != nil {
		t.Fatal(err)
	}
	want := (1 - 1/U) / (1 - (1.0/98)/up[0])
	if !relClose(r.Risk, want, 1e-12) {
		t.Errorf("combined: %v, want %v", r.Risk, want)
	}
}
