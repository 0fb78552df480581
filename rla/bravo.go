package rla

import "math"

// PollingSample is what a ballot-polling audit has drawn so far.
type PollingSample struct {
	// Votes holds the sampled votes for each candidate, parallel to
	// Contest.Tally (cumulative over rounds).
	Votes []int
	// NotFound counts sampled ballots that could not be found. Each one
	// counts as a vote for every loser (Arlo's ballot_polling rule): the
	// worst case, because the missing ballot could have been any of them.
	NotFound int
	// Size is the number of ballots drawn, counting repeats, blanks and
	// ballots without the contest. Zero means the sum of Votes and
	// NotFound. It only matters to tell when the sample has reached the
	// ballot count.
	Size int
}

// Risk is the outcome of a risk measurement.
type Risk struct {
	// Risk is the measured risk (p-value), in [0, 1]: the largest over
	// the hypotheses the method tests (every winner/loser pair).
	Risk float64
	// Confirmed is set when the risk is within the risk limit by the
	// method's own stopping rule.
	Confirmed bool
	// FullHandCount is set when the audit must escalate to (or, with a
	// zero risk, has become) a full hand count: the sample has reached
	// the ballot count or the risk limit cannot be met by sampling.
	FullHandCount bool
}

// BRAVOSizes are Arlo's sample size options for a BRAVO ballot-polling
// audit: the average sample number and the sizes that complete the audit
// in one round with probability 70%, 80% and 90% if the reported outcome is
// right. Sizes count ballots still to draw and are not capped at the ballot
// count (Arlo does not cap them); FullHandCount says when they should be.
type BRAVOSizes struct {
	ASN, P70, P80, P90 int
	// AllBallots is Arlo's "all-ballots" option: a tie, or a contest of
	// more than 100,000 ballots whose 90% size is at least a quarter of
	// them. The sizes are then all equal to the ballot count.
	AllBallots bool
	// FullHandCount is set with AllBallots, and when every size reaches
	// the ballots not yet sampled.
	FullHandCount bool
}

// bravoPair holds what BRAVO needs about one (winner, loser) pair.
type bravoPair struct {
	pair
	pw, pl   float64 // shares of ballots (Arlo's p_w, p_l)
	swl      float64 // winner share of the pair's valid votes (Arlo's swl)
	sw, sl   int     // sampled votes for each
	logT     float64 // log of the sequential probability ratio
	tie      bool
	noLoserV bool
}

// bravoPairs computes Arlo's compute_margins and get_test_statistics for
// every pair. sample may be nil.
func bravoPairs(c *Contest, sample *PollingSample) []bravoPair {
	total := 0
	for _, cv := range c.Tally {
		total += cv.Votes
	}
	var ps []bravoPair
	for _, p := range c.pairs() {
		vw, vl := c.Tally[p.w].Votes, c.Tally[p.l].Votes
		bp := bravoPair{pair: p}
		bp.pw = float64(vw) / float64(c.Ballots)
		bp.pl = float64(vl) / float64(c.Ballots)
		// Arlo divides shares of all valid votes rather than raw votes;
		// the ratio is the same but the rounding is Arlo's.
		sW := float64(vw) / float64(total)
		sL := float64(vl) / float64(total)
		bp.swl = sW / (sW + sL)
		bp.tie = bp.pw == bp.pl
		bp.noLoserV = vl == 0
		if sample != nil {
			bp.sw = sample.Votes[p.w]
			bp.sl = sample.Votes[p.l] + sample.NotFound
			// T = (swl/½)^sw ((1−swl)/½)^sl, kept in logs so that long
			// samples neither overflow nor underflow.
			if bp.sw > 0 {
				bp.logT += float64(bp.sw) * math.Log(bp.swl/0.5)
			}
			if bp.sl > 0 {
				bp.logT += float64(bp.sl) * math.Log((1-bp.swl)/0.5)
			}
		}
		ps = append(ps, bp)
	}
	return ps
}

func checkRiskLimit(alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return invalidf("risk_limit is %v; it must be a fraction strictly between 0 and 1 (0.05 for 5%%)", alpha)
	}
	return nil
}

func checkPollingSample(c *Contest, s *PollingSample) error {
	if s == nil {
		return nil
	}
	if len(s.Votes) != len(c.Tally) {
		return invalidf("sample has %d vote counts for %d candidates", len(s.Votes), len(c.Tally))
	}
	sum := s.NotFound
	for i, v := range s.Votes {
		if v < 0 {
			return invalidf("sample: candidate %q has %d votes; counts cannot be negative", c.Tally[i].Name, v)
		}
		if v > math.MaxInt32 {
			return invalidf("sample: candidate %q has %d votes, more than any sample can have", c.Tally[i].Name, v)
		}
		sum += v
	}
	if s.NotFound < 0 || s.NotFound > math.MaxInt32 {
		return invalidf("sample: not_found is %d; it must be between 0 and %d", s.NotFound, math.MaxInt32)
	}
	if s.Size != 0 && s.Size*c.votesAllowed() < sum {
		return invalidf("sample: sample_size is %d but the sample holds %d votes and not-found ballots, more than %d ballots can hold", s.Size, sum, s.Size)
	}
	return nil
}

func (s *PollingSample) size() int {
	if s == nil {
		return 0
	}
	if s.Size != 0 {
		return s.Size
	}
	n := s.NotFound
	for _, v := range s.Votes {
		n += v
	}
	return n
}

// BRAVORisk measures the risk of a BRAVO ballot-polling audit as Arlo does:
// for each (winner, loser) pair, T = ∏ (s_wl/½)^{n_w} ((1−s_wl)/½)^{n_l}
// over the cumulative sample, risk = min(1, 1/T), and the audit is
// confirmed when every pair's risk is at most the risk limit. The reported
// risk is the largest over pairs.
//
// Not-found ballots count as a vote for every loser. When the sample has
// reached the ballot count the audit has become a full hand count: canvass
// then reports risk 0 and confirms only if the sampled counts put every
// reported winner ahead of every reported loser (Arlo reports risk 0
// unconditionally; canvass will not confirm an outcome the hand count
// contradicts).
func BRAVORisk(alpha float64, c *Contest, s *PollingSample) (Risk, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return Risk{}, err
	}
	if err := c.Validate(); err != nil {
		return Risk{}, err
	}
	if err := checkPollingSample(c, s); err != nil {
		return Risk{}, err
	}
	ps := bravoPairs(c, s)
	if s.size() >= c.Ballots {
		for _, p := range ps {
			if p.sw <= p.sl {
				return Risk{Risk: 1, FullHandCount: true}, nil
			}
		}
		return Risk{Risk: 0, Confirmed: true, FullHandCount: true}, nil
	}
	r := Risk{Confirmed: true}
	for _, p := range ps {
		risk := math.Min(1, math.Exp(-p.logT))
		if p.tie {
			// Both shares are ½ of the pair: T stays 1 for ever.
			risk = 1
		}
		if !(risk <= alpha) {
			r.Confirmed = false
		}
		r.Risk = math.Max(r.Risk, risk)
	}
	return r, nil
}

// bravoAllBallots is Arlo's rule for recommending a full hand count in a
// large contest: more than 100,000 ballots and a 90% size of at least a
// quarter of them.
const (
	bravoLargeContest = 100000
	bravoLargeShare   = 0.25
)

// BRAVOSampleSizes returns Arlo's BRAVO sample size options for the ballots
// still to draw, given the sample so far (nil before the first round).
//
// Each figure is the largest over (winner, loser) pairs. For a pair with
// ballot shares p_w, p_l and s = p_w/(p_w+p_l), the average sample number
// is ⌈(ln((1/α)/T) + ln(2s)/2) / (p_w ln 2s + p_l ln(2−2s))⌉ (T the pair's
// test statistic so far), and the quantile sizes come from
// BRAVOQuantileSize. Arlo's special cases apply: a tie is a full hand
// count, a pair whose loser has no votes has an ASN of 1, and a contest of
// more than 100,000 ballots whose 90% size is at least 25% of the ballots
// is sent to a full hand count.
func BRAVOSampleSizes(alpha float64, c *Contest, s *PollingSample) (BRAVOSizes, error) {
	if err := checkRiskLimit(alpha); err != nil {
		return BRAVOSizes{}, err
	}
	if err := c.Validate(); err != nil {
		return BRAVOSizes{}, err
	}
	if err := checkPollingSample(c, s); err != nil {
		return BRAVOSizes{}, err
	}
	all := BRAVOSizes{ASN: c.Ballots, P70: c.Ballots, P80: c.Ballots, P90: c.Ballots, AllBallots: true, FullHandCount: true}
	ps := bravoPairs(c, s)
	for _, p := range ps {
		if p.tie {
			return all, nil
		}
	}
	var out BRAVOSizes
	for _, p := range ps {
		out.ASN = max(out.ASN, bravoASN(alpha, p))
		out.P70 = max(out.P70, BRAVOQuantileSize(alpha, p.pw, p.pl, p.sw, p.sl, 0.7, c.Ballots))
		out.P80 = max(out.P80, BRAVOQuantileSize(alpha, p.pw, p.pl, p.sw, p.sl, 0.8, c.Ballots))
		out.P90 = max(out.P90, BRAVOQuantileSize(alpha, p.pw, p.pl, p.sw, p.sl, 0.9, c.Ballots))
	}
	if c.Ballots > bravoLargeContest && float64(out.P90) >= bravoLargeShare*float64(c.Ballots) {
		return all, nil
	}
	if left := c.Ballots - s.size(); min(out.ASN, out.P70, out.P80, out.P90) >= left {
		out.FullHandCount = true
	}
	return out, nil
}

// bravoASN is Arlo's average sample number for one pair, floored at zero
// (Arlo's formula goes negative once the pair is confirmed).
func bravoASN(alpha float64, p bravoPair) int {
	if p.noLoserV {
		return 1
	}
	s := p.pw / (p.pw + p.pl)
	zw := math.Log(2 * s)
	zl := math.Log(2 - 2*s)
	weighted := math.Log(1/alpha) - p.logT
	return max(0, ceilInt((weighted+zw/2)/(p.pw*zw+p.pl*zl)))
}

// BRAVOQuantileSize is the number of further ballots that completes a BRAVO
// audit of one pair in a single round with probability q, if the reported
// shares are right: Mark Lindeman's calculation as Arlo implements it
// (audit_math/bravo.py, bravo_sample_sizes).
//
// pw and pr are the winner's and runner-up's shares of ballots, sw and sr
// their votes sampled so far. Working in two-candidate draws with winner
// share p = pw/(pw+pr), it needs x winner votes out of n draws with
// x·ln 2p + (n−x)·ln(2−2p) ≥ ln(1/α) − (prior log-likelihood). It takes the
// normal approximation's n (rounded down), then increases n until the
// binomial (1−q)-quantile of winner votes meets the threshold, and returns
// ⌈n/(pw+pr)⌉. As in Arlo, the exact search is skipped once the size
// exceeds the ballot count (ballots), where only the fact that it does
// matters; ballots ≤ 0 means no such bound.
//
// A runner-up with no votes (which Arlo's formula cannot handle) needs
// ⌈ln(1/α)/ln 2⌉ winner votes, less those already sampled.
func BRAVOQuantileSize(alpha, pw, pr float64, sw, sr int, q float64, ballots int) int {
	pwr := pw + pr
	pw2 := pw / pwr
	pr2 := 1 - pw2
	plus := math.Log(pw2 / 0.5)
	if pr == 0 {
		need := math.Ceil(math.Log(1/alpha)/plus) - float64(sw)
		if sr > 0 || need <= 0 {
			if sr > 0 {
				// A loser vote when the loser has none reported: the
				// likelihood ratio is zero and no sample can recover.
				return math.MaxInt32
			}
			return 0
		}
		return int(math.Ceil(need / pwr))
	}
	minus := math.Log(pr2 / 0.5)
	threshold := math.Log(1/alpha) - (float64(sw)*plus + float64(sr)*minus)
	if threshold <= 0 {
		return 0
	}
	z := -normalQuantile(q)
	a := pw2*plus + pr2*minus
	b := z * math.Sqrt(pw2*pr2) * (plus - minus)
	root := (-b + math.Sqrt(b*b+4*a*threshold)) / (2 * a)
	n := math.Floor(root * root)
	const maxDraws = 1 << 52 // beyond exact integers in float64
	for n < maxDraws && (ballots <= 0 || n/pwr < float64(ballots)) {
		x := float64(binomialQuantile(1-q, int64(n), pw2))
		if x*plus+(n-x)*minus >= threshold {
			break
		}
		n++
	}
	size := math.Ceil(n / pwr)
	if size > math.MaxInt32 || math.IsNaN(size) {
		return math.MaxInt32
	}
	return int(size)
}
