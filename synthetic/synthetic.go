// Package synthetic generates large, realistic ranked-choice elections for
// benchmarks and load tests: the same ballots as a generic CSV file and as a
// NIST SP 1500-103 CDF JSON report, plus RCTab configurations to tabulate
// them.
//
// Generation is deterministic: the same Spec always yields byte-identical
// files, so benchmark inputs can be rebuilt anywhere instead of committed.
// The voter model is simple but exercises every path a tabulator must get
// right: blank ballots (undervotes), short and full rankings, skipped ranks,
// overvotes, and (in CDF, which can express it) duplicate rankings.
package synthetic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// Spec describes a synthetic contest.
type Spec struct {
	Ballots    int    // number of ballots
	Candidates int    // number of declared candidates (at most 26*26)
	MaxRanks   int    // rankings a voter may give
	Precincts  int    // ballots are spread over this many precincts
	BatchSize  int    // ballots per scanner batch
	Seed       uint64 // all randomness derives from it
}

// Default is the benchmark contest: 1,000,000 ballots, 13
// candidates, up to 5 rankings.
var Default = Spec{Ballots: 1_000_000, Candidates: 13, MaxRanks: 5, Precincts: 120, BatchSize: 250, Seed: 2026}

// Rates of voter behaviour, per ballot. They are in the range seen in
// published US RCV cast vote records (e.g. Minneapolis 2013, San Francisco).
const (
	blankRate     = 0.015 // no rankings at all
	skipRate      = 0.02  // one rank left empty before later ranks
	overvoteRate  = 0.006 // two candidates at one rank
	duplicateRate = 0.005 // a candidate ranked twice (CDF only)
)

// Validate reports whether s can be generated.
func (s Spec) Validate() error {
	switch {
	case s.Ballots < 1:
		return fmt.Errorf("ballots must be at least 1")
	case s.Candidates < 2 || s.Candidates > 26*26:
		return fmt.Errorf("candidates must be between 2 and %d", 26*26)
	case s.MaxRanks < 1 || s.MaxRanks > s.Candidates+1:
		return fmt.Errorf("max ranks must be between 1 and candidates+1")
	case s.Precincts < 1:
		return fmt.Errorf("precincts must be at least 1")
	case s.BatchSize < 1:
		return fmt.Errorf("batch size must be at least 1")
	}
	return nil
}

// CandidateNames returns the declared candidates' names, in ballot order.
func (s Spec) CandidateNames() []string {
	names := make([]string, s.Candidates)
	for i := range names {
		names[i] = "Candidate " + label(i)
	}
	return names
}

// label gives "A".."Z", then "AA".. for larger fields.
func label(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

// slot is one rank on a ballot: no candidate (a skipped rank), one, or
// several (an overvote).
type slot struct {
	n     int
	cands [2]int
}

// ballot is one generated ballot; slots[r] is rank r+1.
type ballot struct {
	precinct, batch int
	slots           []slot
	duplicate       int // candidate ranked again after the last slot, or -1
}

// generator yields the ballots of a Spec in order.
type generator struct {
	s       Spec
	rng     *rand.Rand
	weights []float64 // popularity of each candidate
	b       ballot
	n       int
	scratch []int
}

func newGenerator(s Spec) *generator {
	g := &generator{s: s, rng: rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15))}
	// Popularity falls off like a Zipf law with jitter, so the count has a
	// few front-runners, a middle and a long tail, as real fields do.
	g.weights = make([]float64, s.Candidates)
	for i := range g.weights {
		g.weights[i] = (0.8 + 0.4*g.rng.Float64()) / math.Pow(float64(i+1), 0.9)
	}
	g.scratch = make([]int, 0, s.Candidates)
	return g
}

// next generates the next ballot into g.b; it returns false after the last.
func (g *generator) next() bool {
	if g.n >= g.s.Ballots {
		return false
	}
	r := g.rng
	b := &g.b
	b.batch = g.n / g.s.BatchSize
	b.precinct = b.batch % g.s.Precincts
	b.slots = b.slots[:0]
	b.duplicate = -1
	g.n++
	if r.Float64() < blankRate {
		return true
	}
	// How many candidates this voter ranks: many bullet-vote, many fill
	// every rank.
	k := 1 + r.IntN(g.s.MaxRanks)
	if r.Float64() < 0.35 {
		k = g.s.MaxRanks
	}
	chosen := g.pick(k)
	for _, c := range chosen {
		b.slots = append(b.slots, slot{n: 1, cands: [2]int{c, 0}})
	}
	if len(b.slots) < g.s.MaxRanks && r.Float64() < skipRate {
		at := r.IntN(len(b.slots))
		b.slots = append(b.slots, slot{})
		copy(b.slots[at+1:], b.slots[at:])
		b.slots[at] = slot{}
	}
	if r.Float64() < overvoteRate {
		at := r.IntN(len(b.slots))
		if b.slots[at].n == 1 {
			other := r.IntN(g.s.Candidates)
			// The other candidate must not be ranked elsewhere, so that the
			// generic CSV (one rank per candidate) holds the same ballot.
			if !contains(chosen, other) {
				b.slots[at].n = 2
				b.slots[at].cands[1] = other
			}
		}
	}
	if len(b.slots) < g.s.MaxRanks && r.Float64() < duplicateRate {
		b.duplicate = chosen[0]
	}
	return true
}

// pick draws k distinct candidates, each in turn with probability
// proportional to its popularity among those not yet chosen.
func (g *generator) pick(k int) []int {
	if k > g.s.Candidates {
		k = g.s.Candidates
	}
	out := g.scratch[:0]
	var total float64
	for _, w := range g.weights {
		total += w
	}
	left := total
	for len(out) < k {
		x := g.rng.Float64() * left
		c := 0
		for ; c < len(g.weights); c++ {
			if contains(out, c) {
				continue
			}
			x -= g.weights[c]
			if x < 0 {
				break
			}
		}
		if c == len(g.weights) { // rounding at the end of the range
			for c = len(g.weights) - 1; contains(out, c); c-- {
			}
		}
		out = append(out, c)
		left -= g.weights[c]
	}
	g.scratch = out
	return out
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func precinctName(i int) string { return fmt.Sprintf("P%03d", i+1) }
func batchName(i int) string    { return fmt.Sprintf("B%05d", i+1) }

// WriteGenericCSV writes the contest as a generic CSV file: a header
// "BallotID,Precinct,Batch,<candidate names>" and one row per ballot whose
// candidate cells hold the rank the voter gave (empty when unranked). Two
// candidates with the same rank are an overvote at that rank.
func WriteGenericCSV(w io.Writer, s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("BallotID,Precinct,Batch")
	for _, n := range s.CandidateNames() {
		bw.WriteByte(',')
		bw.WriteString(n)
	}
	bw.WriteString("\r\n")
	g := newGenerator(s)
	rank := make([]int, s.Candidates)
	var line []byte
	for g.next() {
		for i := range rank {
			rank[i] = 0
		}
		for r, sl := range g.b.slots {
			for _, c := range sl.cands[:sl.n] {
				if rank[c] == 0 {
					rank[c] = r + 1
				}
			}
		}
		line = line[:0]
		line = append(line, 'V')
		line = strconv.AppendInt(line, int64(g.n), 10)
		line = append(line, ',')
		line = append(line, precinctName(g.b.precinct)...)
		line = append(line, ',')
		line = append(line, batchName(g.b.batch)...)
		for _, rk := range rank {
			line = append(line, ',')
			if rk > 0 {
				line = strconv.AppendInt(line, int64(rk), 10)
			}
		}
		line = append(line, '\r', '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteCDFJSON writes the contest as a NIST SP 1500-103 CastVoteRecordReport
// in JSON, one CVR per ballot, in the shape RCTab reads and writes. Each
// CVR's BallotPrePrintedId matches the generic CSV's BallotID.
func WriteCDFJSON(w io.Writer, s Spec, contestName string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	names := s.CandidateNames()
	type candidate struct {
		ID   string `json:"@id"`
		Type string `json:"@type"`
		Name string `json:"Name"`
	}
	type selection struct {
		ID           string   `json:"@id"`
		Type         string   `json:"@type"`
		CandidateIDs []string `json:"CandidateIds"`
	}
	type contest struct {
		ID         string      `json:"@id"`
		Type       string      `json:"@type"`
		Name       string      `json:"Name"`
		Selections []selection `json:"ContestSelection"`
	}
	type election struct {
		ID              string      `json:"@id"`
		Type            string      `json:"@type"`
		Candidates      []candidate `json:"Candidate"`
		Contests        []contest   `json:"Contest"`
		ElectionScopeID string      `json:"ElectionScopeId"`
	}
	el := election{ID: "election-001", Type: "CVR.Election", ElectionScopeID: "gpu-election"}
	ct := contest{ID: "contest-001", Type: "CVR.CandidateContest", Name: contestName}
	for i, n := range names {
		id := "candidate-" + strconv.Itoa(i+1)
		el.Candidates = append(el.Candidates, candidate{ID: id, Type: "CVR.Candidate", Name: n})
		ct.Selections = append(ct.Selections, selection{ID: "cs-" + strconv.Itoa(i+1), Type: "CVR.CandidateSelection", CandidateIDs: []string{id}})
	}
	el.Contests = []contest{ct}
	head, err := json.Marshal(el)
	if err != nil {
		return err
	}
	bw.WriteString(`{"@type":"CVR.CastVoteRecordReport","Election":[`)
	bw.Write(head)
	bw.WriteString(`],"GeneratedDate":"2026-11-03T20:00:00-06:00","GpUnit":[{"@id":"gpu-election","@type":"CVR.GpUnit","Name":"Synthetic County","OtherType":"county","Type":"other"}],`)
	bw.WriteString(`"ReportGeneratingDeviceIds":["rd-001"],"ReportingDevice":[{"@id":"rd-001","@type":"CVR.ReportingDevice","Application":"canvass synthetic","Manufacturer":"canvass"}],"Version":"1.0.0","CVR":[`)
	g := newGenerator(s)
	var line []byte
	sel := func(line []byte, cand, rank int) []byte {
		line = append(line, `{"@type":"CVR.CVRContestSelection","ContestSelectionId":"cs-`...)
		line = strconv.AppendInt(line, int64(cand+1), 10)
		line = append(line, `","SelectionPosition":[{"@type":"CVR.SelectionPosition","HasIndication":"yes","IsAllocable":"unknown","NumberVotes":1,"Rank":`...)
		line = strconv.AppendInt(line, int64(rank), 10)
		return append(line, `}]}`...)
	}
	for g.next() {
		line = line[:0]
		if g.n > 1 {
			line = append(line, ",\n"...)
		}
		id := "V" + strconv.Itoa(g.n)
		line = append(line, `{"@type":"CVR.CVR","BallotPrePrintedId":"`...)
		line = append(line, id...)
		line = append(line, `","BatchId":"`...)
		line = append(line, batchName(g.b.batch)...)
		line = append(line, `","BallotStyleUnitId":"`...)
		line = append(line, precinctName(g.b.precinct)...)
		line = append(line, `","CVRSnapshot":[{"@id":"ballot-`...)
		line = append(line, id...)
		line = append(line, `","@type":"CVR.CVRSnapshot","CVRContest":[{"@type":"CVR.CVRContest","CVRContestSelection":[`...)
		first := true
		for r, sl := range g.b.slots {
			for _, c := range sl.cands[:sl.n] {
				if !first {
					line = append(line, ',')
				}
				first = false
				line = sel(line, c, r+1)
			}
		}
		if g.b.duplicate >= 0 {
			if !first {
				line = append(line, ',')
			}
			line = sel(line, g.b.duplicate, len(g.b.slots)+1)
		}
		line = append(line, `],"ContestId":"contest-001"}],"Type":"original"}],"CurrentSnapshotId":"ballot-`...)
		line = append(line, id...)
		line = append(line, `","ElectionId":"election-001"}`...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// RCTabConfig returns an RCTab contest configuration that tabulates the
// contest from cvrPath (relative to the configuration file) in the given
// provider format ("genericCsv" or "cdf") under single-winner IRV rules.
func RCTabConfig(s Spec, contestName, cvrPath, provider string) ([]byte, error) {
	src := map[string]any{"filePath": cvrPath, "provider": provider}
	switch provider {
	case "genericCsv":
		src["contestId"] = ""
		src["firstVoteColumnIndex"] = "4"
		src["firstVoteRowIndex"] = "2"
		src["idColumnIndex"] = "1"
		src["precinctColumnIndex"] = "2"
		src["batchColumnIndex"] = "3"
	case "cdf":
		src["contestId"] = contestName
	default:
		return nil, fmt.Errorf("provider %q: want genericCsv or cdf", provider)
	}
	var cands []map[string]any
	for _, n := range s.CandidateNames() {
		cands = append(cands, map[string]any{"name": n, "excluded": false})
	}
	cfg := map[string]any{
		"tabulatorVersion": "TEST", // RCTab runs only its own version or TEST (source notes V1)
		"outputSettings": map[string]any{
			"contestName": contestName, "contestDate": "2026-11-03",
			"contestJurisdiction": "Synthetic County", "contestOffice": "Mayor",
			"tabulateByPrecinct": false, "tabulateByBatch": false, "generateCdfJson": false,
		},
		"cvrFileSources": []any{src},
		"candidates":     cands,
		"rules": map[string]any{
			"tiebreakMode": "random", "randomSeed": "2026",
			"overvoteRule": "exhaustImmediately", "winnerElectionMode": "singleWinnerMajority",
			"numberOfWinners": "1", "decimalPlacesForVoteArithmetic": "4",
			"maxSkippedRanksAllowed": "1", "maxRankingsAllowed": strconv.Itoa(s.MaxRanks),
			"batchElimination": false, "exhaustOnDuplicateCandidate": false,
		},
	}
	return json.MarshalIndent(cfg, "", "  ")
}
