package rla

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The properties, for each method, over contests drawn from a fixed
// seed: a clean sample of the stated size confirms; a two-vote
// overstatement in a narrow contest does not; and the risk never increases
// when a clean ballot is added.

const propertyCases = 200

// randomContest draws a contest of 2–4 candidates whose diluted margin is
// between lo and hi.
func randomContest(r *rand.Rand, lo, hi float64) *Contest {
	n := 1000 + r.IntN(200000)
	margin := lo + (hi-lo)*r.Float64()
	k := 2 + r.IntN(3)
	// Winner and runner-up split most of the ballots; the rest go to
	// minor candidates and undervotes.
	top := 0.6 + 0.35*r.Float64()
	w := int(math.Round(float64(n) * (top + margin) / 2))
	l := int(math.Round(float64(n) * (top - margin) / 2))
	tally := Counts{{"W", w}, {"L", l}}
	left := n - w - l
	for i := 2; i < k; i++ {
		v := r.IntN(max(1, min(left/2, l/2)))
		tally = append(tally, CandidateVotes{fmt.Sprintf("m%d", i), v})
		left -= v
	}
	return &Contest{Ballots: n, Tally: tally}
}

// mustCheck fails a property test that skipped too many random cases to
// mean anything.
func mustCheck(t *testing.T, checked, least int) {
	t.Helper()
	t.Logf("%d cases checked", checked)
	if checked < least {
		t.Errorf("only %d cases checked, want at least %d", checked, least)
	}
}

var alphas = []float64{0.01, 0.05, 0.1, 0.25}

func TestPropertyBRAVO(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	defer func() { mustCheck(t, checked, propertyCases/2) }()
	for i := 0; i < propertyCases; i++ {
		c := randomContest(r, 0.02, 0.3)
		alpha := alphas[r.IntN(len(alphas))]
		sizes, err := BRAVOSampleSizes(alpha, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := sizes.P90
		if sizes.FullHandCount || n >= c.Ballots {
			continue
		}
		checked++
		// A sample that matches the reported shares exactly.
		clean := &PollingSample{Votes: make([]int, len(c.Tally)), Size: n}
		for j, cv := range c.Tally {
			clean.Votes[j] = int(math.Round(float64(n) * float64(cv.Votes) / float64(c.Ballots)))
		}
		risk, err := BRAVORisk(alpha, c, clean)
		if err != nil {
			t.Fatal(err)
		}
		if !risk.Confirmed {
			t.Errorf("case %d %v α=%v: proportional sample of the 90%% size %d did not confirm: %+v", i, c.Tally, alpha, n, risk)
		}
		// Polling has no overstatements; the analogue is a sample in
		// which the reported winner and runner-up swapped shares.
		swapped := &PollingSample{Votes: append([]int(nil), clean.Votes...), Size: n}
		swapped.Votes[0], swapped.Votes[1] = swapped.Votes[1], swapped.Votes[0]
		risk, err = BRAVORisk(alpha, c, swapped)
		if err != nil {
			t.Fatal(err)
		}
		if risk.Confirmed || risk.Risk != 1 {
			t.Errorf("case %d: reversed sample confirmed: %+v", i, risk)
		}
		// Adding a winner vote, or a ballot without a vote in any pair,
		// never raises the risk.
		prev, _ := BRAVORisk(alpha, c, &PollingSample{Votes: []int{n / 3, n / 3, 0, 0}[:len(c.Tally)]})
		s := &PollingSample{Votes: []int{n / 3, n / 3, 0, 0}[:len(c.Tally)]}
		for k := 0; k < 50; k++ {
			if k%2 == 0 {
				s.Votes[0]++
			} else {
				s.Size = s.size() + 1
			}
			cur, err := BRAVORisk(alpha, c, s)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Risk > prev.Risk {
				t.Fatalf("case %d: risk rose from %v to %v after a clean ballot", i, prev.Risk, cur.Risk)
			}
			prev = cur
		}
	}
}

func TestPropertyComparison(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < propertyCases; i++ {
		alpha := alphas[r.IntN(len(alphas))]
		c := randomContest(r, 0.01, 0.4)
		narrow := randomContest(r, 0.01, 0.05)

		// SuperSimple.
		size, err := SuperSimpleSampleSize(alpha, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		risk, err := SuperSimpleRiskOfCounts(alpha, c, Discrepancies{SampleSize: size.Size})
		if err != nil {
			t.Fatal(err)
		}
		if !size.FullHandCount && !risk.Confirmed {
			t.Errorf("supersimple case %d: clean sample of %d did not confirm: %+v", i, size.Size, risk)
		}
		size, _ = SuperSimpleSampleSize(alpha, narrow, nil)
		risk, _ = SuperSimpleRiskOfCounts(alpha, narrow, Discrepancies{SampleSize: size.Size, O2: 1})
		if risk.Confirmed {
			t.Errorf("supersimple case %d: a two-vote overstatement confirmed %v at %d: %+v", i, narrow.Tally, size.Size, risk)
		}

		// Colorado.
		km := KaplanMarkov{DilutedMargin: c.DilutedMargin()}
		opt := km.OptimisticSize(alpha, Discrepancies{})
		cr, err := CORLA(alpha, c, &Discrepancies{SampleSize: opt}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if opt < c.Ballots && (!cr.Confirmed || cr.RiskUnrounded > alpha) {
			t.Errorf("corla case %d: clean sample of %d did not confirm: %+v", i, opt, cr)
		}
		opt = KaplanMarkov{DilutedMargin: narrow.DilutedMargin()}.OptimisticSize(alpha, Discrepancies{})
		cr, _ = CORLA(alpha, narrow, &Discrepancies{SampleSize: opt, O2: 1}, 0)
		if cr.Confirmed || cr.RiskUnrounded <= alpha {
			t.Errorf("corla case %d: a two-vote overstatement confirmed: %+v", i, cr)
		}

		// ALPHA comparison.
		as, err := ALPHAComparisonSampleSize(alpha, c, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ar, err := ALPHAComparisonRisk(alpha, c, make([]int, as.Size), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !as.FullHandCount && !ar.Confirmed {
			t.Errorf("alpha-comparison case %d: clean sample of %d did not confirm: %+v", i, as.Size, ar)
		}
		as, _ = ALPHAComparisonSampleSize(alpha, narrow, nil, nil)
		seq := make([]int, as.Size)
		seq[r.IntN(len(seq))] = 2
		ar, _ = ALPHAComparisonRisk(alpha, narrow, seq, nil)
		if ar.Confirmed {
			t.Errorf("alpha-comparison case %d: a two-vote overstatement confirmed: %+v", i, ar)
		}

		// Adding a clean ballot never raises any comparison risk, from
		// any state of discrepancies.
		d := Discrepancies{SampleSize: 30, O1: r.IntN(3), O2: r.IntN(2), U1: r.IntN(3), U2: r.IntN(2)}
		ov := []int{}
		for k := 0; k < d.O1; k++ {
			ov = append(ov, 1)
		}
		for k := 0; k < d.O2; k++ {
			ov = append(ov, 2)
		}
		for len(ov) < d.SampleSize {
			ov = append(ov, 0)
		}
		r.Shuffle(len(ov), func(a, b int) { ov[a], ov[b] = ov[b], ov[a] })
		prevSS, _ := SuperSimpleRiskOfCounts(alpha, c, d)
		prevCO, _ := CORLA(alpha, c, &d, 0)
		prevAL, _ := ALPHAComparisonRisk(alpha, c, ov, nil)
		for k := 0; k < 40; k++ {
			d.SampleSize++
			ov = append(ov, 0)
			ss, _ := SuperSimpleRiskOfCounts(alpha, c, d)
			co, _ := CORLA(alpha, c, &d, 0)
			al, _ := ALPHAComparisonRisk(alpha, c, ov, nil)
			if ss.Risk > prevSS.Risk || co.RiskUnrounded > prevCO.RiskUnrounded || al.Risk > prevAL.Risk {
				t.Fatalf("case %d: a clean ballot raised a risk: supersimple %v→%v, corla %v→%v, alpha %v→%v",
					i, prevSS.Risk, ss.Risk, prevCO.RiskUnrounded, co.RiskUnrounded, prevAL.Risk, al.Risk)
			}
			prevSS, prevCO, prevAL = ss, co, al
		}
	}
}

func TestPropertyALPHAPolling(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	checked := 0
	defer func() { mustCheck(t, checked, propertyCases/8) }()
	for i := 0; i < propertyCases/4; i++ {
		alpha := alphas[r.IntN(len(alphas))]
		c := randomContest(r, 0.05, 0.4)
		c.Tally = c.Tally[:2]
		size, err := ALPHAPollingSampleSize(alpha, c, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if size.FullHandCount {
			continue
		}
		checked++
		// The same share-tracking sequence the size assumes.
		share := []float64{float64(c.Tally[1].Votes) / float64(c.Ballots), 1 - float64(c.Tally[0].Votes+c.Tally[1].Votes)/float64(c.Ballots), float64(c.Tally[0].Votes) / float64(c.Ballots)}
		code := []int{1, NoVote, 0}
		var draws, reversed []int
		var count [3]float64
		for n := 0; n < size.Size; n++ {
			k, best := 0, math.Inf(-1)
			for j := range share {
				if lag := float64(n+1)*share[j] - count[j]; lag > best {
					k, best = j, lag
				}
			}
			count[k]++
			draws = append(draws, code[k])
			rev := code[k]
			if rev == 0 {
				rev = 1
			} else if rev == 1 {
				rev = 0
			}
			reversed = append(reversed, rev)
		}
		risk, err := ALPHAPollingRisk(alpha, c, draws, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !risk.Confirmed {
			t.Errorf("case %d: share-tracking sample of %d did not confirm: %+v", i, size.Size, risk)
		}
		risk, _ = ALPHAPollingRisk(alpha, c, reversed, nil)
		if risk.Confirmed {
			t.Errorf("case %d: reversed sample confirmed: %+v", i, risk)
		}
		prev, _ := ALPHAPollingRisk(alpha, c, draws[:len(draws)/2], nil)
		cur := append([]int(nil), draws[:len(draws)/2]...)
		for k := 0; k < 30 && len(cur) < c.Ballots; k++ {
			cur = append(cur, 0)
			now, _ := ALPHAPollingRisk(alpha, c, cur, nil)
			if now.Risk > prev.Risk {
				t.Fatalf("case %d: a winner vote raised the risk from %v to %v", i, prev.Risk, now.Risk)
			}
			prev = now
		}
	}
}

func TestPropertyMACRO(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	checked := 0
	defer func() { mustCheck(t, checked, propertyCases/8) }()
	for i := 0; i < propertyCases/4; i++ {
		alpha := alphas[r.IntN(len(alphas))]
		nb := 20 + r.IntN(200)
		c := &Contest{Tally: Counts{{"W", 0}, {"L", 0}, {"O", 0}}}
		m := &MACRO{Contest: c}
		lead := 0.05 + 0.3*r.Float64()
		for b := 0; b < nb; b++ {
			ballots := 50 + r.IntN(400)
			w := int(float64(ballots) * (0.45 + lead/2) * (0.9 + 0.2*r.Float64()))
			w = min(w, ballots)
			l := min(ballots-w, int(float64(ballots)*(0.45-lead/2)))
			o := r.IntN(ballots - w - l + 1)
			m.Batches = append(m.Batches, Batch{Name: fmt.Sprint(b), Ballots: ballots, Reported: []int{w, l, o}})
			c.Tally[0].Votes += w
			c.Tally[1].Votes += l
			c.Tally[2].Votes += o
			c.Ballots += ballots
		}
		if c.Tally[0].Votes <= max(c.Tally[1].Votes, c.Tally[2].Votes) {
			continue
		}
		checked++
		size, err := MACROSampleSize(alpha, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		var draws []BatchDraw
		for k := 0; k < size.Size; k++ {
			b := r.IntN(nb)
			draws = append(draws, BatchDraw{Batch: b, Audited: m.Batches[b].Reported})
		}
		risk, err := MACRORisk(alpha, m, draws)
		if err != nil {
			t.Fatal(err)
		}
		if !size.FullHandCount && !risk.Confirmed {
			t.Errorf("case %d: %d clean batches did not confirm: %+v", i, size.Size, risk)
		}
		// A drawn batch whose ballots all turn out to be for the
		// runner-up (its error reaches its bound) stops the audit.
		b := draws[0].Batch
		bad := append([]BatchDraw(nil), draws...)
		bad[0].Audited = []int{0, m.Batches[b].Ballots, 0}
		risk, _ = MACRORisk(alpha, m, bad)
		if risk.Confirmed {
			t.Errorf("case %d: a batch overstated to its bound confirmed: %+v", i, risk)
		}
		prev, _ := MACRORisk(alpha, m, draws[:len(draws)/2])
		for k := len(draws) / 2; k < len(draws); k++ {
			cur, _ := MACRORisk(alpha, m, draws[:k+1])
			if cur.Risk > prev.Risk {
				t.Fatalf("case %d: a clean batch raised the risk from %v to %v", i, prev.Risk, cur.Risk)
			}
			prev = cur
		}
	}
}
