package audit

import (
	"fmt"
	"testing"

	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
)

// batchAudit is a batch-comparison audit of Council (East and West, 20
// batches of 50 ballots each: Cho 30, Diaz 18, 2 blank per batch) with
// Levy (East only) opportunistic.
func batchAudit(t testing.TB) (*Definition, *Inputs) {
	def := &Definition{Name: "County batch audit", Type: BatchComparison, Math: "macro", RiskLimit: 0.1, Sampler: SamplerArlo,
		Contests: []ContestDefinition{
			{Name: "Council", Targeted: true, Jurisdictions: []string{"East", "West"}, Kind: Plurality,
				Reported: rla.Counts{{Name: "Cho", Votes: 1200}, {Name: "Diaz", Votes: 720}}},
			{Name: "Levy", Jurisdictions: []string{"East"}, Kind: Plurality, Reported: rla.Counts{{Name: "Yes", Votes: 600}, {Name: "No", Votes: 400}}},
		},
		Jurisdictions: []JurisdictionConfig{{Name: "East"}, {Name: "West"}},
	}
	in := &Inputs{}
	for _, j := range []string{"East", "West"} {
		ji := JurisdictionInput{Name: j, Manifest: arloManifest(t, j, repeat(20, 50), true)}
		for b := 1; b <= 20; b++ {
			bt := BatchTally{Batch: fmt.Sprintf("B%02d", b), Source: j + "-tallies.csv", Row: b + 1, Contests: map[string]rla.Counts{
				"Council": {{Name: "Cho", Votes: 30}, {Name: "Diaz", Votes: 18}}}}
			if j == "East" {
				bt.Contests["Levy"] = rla.Counts{{Name: "Yes", Votes: 30}, {Name: "No", Votes: 20}}
			}
			ji.Tallies = append(ji.Tallies, bt)
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	return def, in
}

// handCount is the boards' tally of a batch: as reported, except that
// West's batch wrong really had Cho 25, Diaz 23, and East's batch lose is
// lost.
func handCount(sb SampledBatch, lose, wrong string) BatchReading {
	br := BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, Tallies: map[string]rla.Counts{
		"Council": {{Name: "Cho", Votes: 30}, {Name: "Diaz", Votes: 18}}}}
	if sb.Jurisdiction == "West" && sb.Batch == wrong {
		br.Tallies["Council"] = rla.Counts{{Name: "Cho", Votes: 25}, {Name: "Diaz", Votes: 23}}
	}
	if sb.Jurisdiction == "East" {
		br.Tallies["Levy"] = rla.Counts{{Name: "Yes", Votes: 30}, {Name: "No", Votes: 20}}
		if sb.Batch == lose {
			return BatchReading{Jurisdiction: sb.Jurisdiction, Batch: sb.Batch, NotFound: true, Comment: "box missing"}
		}
	}
	return br
}

func TestBatchComparison(t *testing.T) {
	def, in := batchAudit(t)
	a := mustPrepare(t, def, in)
	opts, err := a.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	size := opts[0].Draws
	if size <= 0 || size >= 40 {
		t.Fatalf("first round size %d", size)
	}
	// The rla MACRO the test builds on its own: batches in jurisdiction
	// and manifest order.
	m := &rla.MACRO{Contest: &rla.Contest{Ballots: 2000, Tally: []rla.CandidateVotes{{Name: "Cho", Votes: 1200}, {Name: "Diaz", Votes: 720}}}}
	index := map[string]int{}
	for _, j := range []string{"East", "West"} {
		for b := 1; b <= 20; b++ {
			index[j+"/"+fmt.Sprintf("B%02d", b)] = len(m.Batches)
			m.Batches = append(m.Batches, rla.Batch{Name: j + fmt.Sprint(b), Ballots: 50, Reported: []int{30, 18}})
		}
	}
	const seed = "55512345678901234567"
	var rounds []*Round
	var results []*RoundResult
	var readings Readings
	read := map[string]bool{}
	var draws []rla.BatchDraw
	wrong := ""
	for len(rounds) < 5 {
		r, err := a.Draw(seed, rounds, size)
		if err != nil {
			t.Fatal(err)
		}
		// The draw is Arlo's PPEB draw with the MACRO error bounds.
		up, _, err := m.ErrorBounds()
		if err != nil {
			t.Fatal(err)
		}
		var ws []draw.Weights
		for _, j := range a.jurs {
			w := draw.Weights{Jurisdiction: j.name}
			for bi := range j.batches {
				w.Weights = append(w.Weights, a.weights()[len(ws)].Weights[bi])
				if got, _ := w.Weights[bi].Weight.Float64(); got != up[index[j.name+"/"+j.batches[bi].key.batch]] {
					t.Fatalf("weight of %s %s: %v, MACRO bound %v", j.name, j.batches[bi].key.batch, got, up[bi])
				}
			}
			ws = append(ws, w)
		}
		s, err := draw.ArloPPEB(draw.Request{Seed: seed, Skip: r.Skip, Count: r.Count}, ws)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range s.Collect() {
			if got := r.Batches[i]; got.Ticket != row.TicketNumber || got.Jurisdiction != row.Jurisdiction || got.Batch != row.Batch || got.TimesSampled != row.TimesSampled {
				t.Fatalf("draw %d: %+v, sampler %+v", i, got, row)
			}
		}
		rounds = append(rounds, r)
		for _, sb := range r.Batches {
			if wrong == "" && sb.Jurisdiction == "West" {
				wrong = sb.Batch // the first West batch drawn overstates Cho's margin
			}
		}
		for _, sb := range r.Batches {
			hc := handCount(sb, "", wrong)
			draws = append(draws, rla.BatchDraw{Batch: index[sb.Jurisdiction+"/"+sb.Batch], Audited: []int{hc.Tallies["Council"][0].Votes, hc.Tallies["Council"][1].Votes}})
			if !read[sb.Jurisdiction+"/"+sb.Batch] {
				read[sb.Jurisdiction+"/"+sb.Batch] = true
				readings.Batches = append(readings.Batches, hc)
			}
		}
		res, err := a.Close(rounds, &readings)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		want, err := rla.MACRORisk(0.1, m, draws)
		if err != nil {
			t.Fatal(err)
		}
		council := res.Contests[0]
		if council.Risk != want.Risk || council.RiskLimitMet != want.Confirmed || council.SampleSize != len(draws) {
			t.Fatalf("round %d: Council %+v, rla %+v", res.Round, council, want)
		}
		if res.Contests[1].Decision != NotMeasured {
			t.Fatalf("Levy: %+v", res.Contests[1])
		}
		if res.Done {
			break
		}
		size = res.NextSize
	}
	if last := results[len(results)-1]; !last.Done || last.Contests[0].Decision != Confirmed {
		t.Fatalf("final %+v", last.Contests[0])
	}
	if wrong == "" || results[0].Contests[0].Risk <= 0 {
		t.Fatalf("no overstated batch drawn, or risk %v", results[0].Contests[0].Risk)
	}
	rep, err := a.Report(rounds, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Batches) == 0 || rep.Batches[0].Contests[0].Reported[0].Votes != 30 {
		t.Fatalf("report batches %+v", rep.Batches)
	}
}

func TestBatchNotFound(t *testing.T) {
	def, in := batchAudit(t)
	a := mustPrepare(t, def, in)
	// Lose the first East batch drawn.
	r, err := a.Draw("55512345678901234567", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	lose := ""
	for _, sb := range r.Batches {
		if sb.Jurisdiction == "East" && lose == "" {
			lose = sb.Batch
		}
	}
	if lose == "" {
		t.Fatal("no East batch drawn")
	}
	var readings Readings
	seen := map[string]bool{}
	for _, sb := range r.Batches {
		if !seen[sb.Jurisdiction+sb.Batch] {
			seen[sb.Jurisdiction+sb.Batch] = true
			readings.Batches = append(readings.Batches, handCount(sb, lose, ""))
		}
	}
	res, err := a.Close([]*Round{r}, &readings)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Contests[0]; c.Risk != 1 || c.RiskLimitMet || c.Discrepancies.NotFound == 0 || c.Decision != FullHandCount || !res.Done {
		t.Fatalf("Council with a lost batch: %+v", c)
	}
}
