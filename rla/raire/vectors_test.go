package raire

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// publishedRAIRE is the "raire" section of testdata/rla/published.json.
type publishedRAIRE struct {
	Source     string   `json:"source"`
	Candidates []string `json:"candidates"`
	Votes      []struct {
		N     int64             `json:"n"`
		Prefs []json.RawMessage `json:"prefs"`
	} `json:"votes"`
	Total             int64    `json:"total_auditable_ballots"`
	Winner            string   `json:"winner"`
	EliminationOrder  []string `json:"elimination_order"`
	DifficultyMeasure string   `json:"difficulty_measure"`
	TrimAlgorithm     string   `json:"trim_algorithm"`
	Assertions        []struct {
		Type       string   `json:"type"`
		Winner     string   `json:"winner"`
		Loser      string   `json:"loser"`
		Continuing []string `json:"continuing"`
		Difficulty float64  `json:"difficulty"`
	} `json:"assertions"`
	OverallDifficulty *float64                      `json:"overall_difficulty"`
	NEB               map[string]map[string]float64 `json:"-"`
	Raw               map[string]json.RawMessage    `json:"-"`
}

func loadPublished(t *testing.T) []publishedRAIRE {
	t.Helper()
	b, err := os.ReadFile("../../testdata/rla/published.json")
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		RAIRE []json.RawMessage `json:"raire"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.RAIRE) == 0 {
		t.Fatal("published.json has no raire vectors")
	}
	var vs []publishedRAIRE
	for _, r := range all.RAIRE {
		var v publishedRAIRE
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(r, &v.Raw); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// candidateIndex maps a vector's candidate token (a name from candidates,
// or a number) to an index, assigning numbers in order of appearance.
type candidateIndex struct {
	names []string
	idx   map[string]int
}

func (ci *candidateIndex) of(t *testing.T, tok string) int {
	t.Helper()
	if i, ok := ci.idx[tok]; ok {
		return i
	}
	if ci.names != nil {
		t.Fatalf("unknown candidate %q", tok)
	}
	ci.idx[tok] = len(ci.idx)
	return ci.idx[tok]
}

func token(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// TestPublishedVectors runs every RAIRE vector of published.json: full
// assertion sets (with difficulties, the winner, the elimination order and
// the overall difficulty) and single NEB difficulties under BRAVO and MACRO.
func TestPublishedVectors(t *testing.T) {
	for _, v := range loadPublished(t) {
		t.Run(v.Source, func(t *testing.T) {
			ci := &candidateIndex{names: v.Candidates, idx: map[string]int{}}
			for i, c := range v.Candidates {
				ci.idx[c] = i
			}
			var votes []Vote
			var total int64
			for _, vt := range v.Votes {
				var prefs []int
				for _, p := range vt.Prefs {
					prefs = append(prefs, ci.of(t, token(p)))
				}
				votes = append(votes, Vote{N: vt.N, Prefs: prefs})
				total += vt.N
			}
			n := len(ci.idx)
			if v.Total == 0 {
				v.Total = total
			}
			checked := 0
			if v.Assertions != nil {
				checked++
				checkAssertionVector(t, v, ci, votes, n)
			}
			for key, raw := range v.Raw {
				var neb map[string]float64
				if len(key) < 4 || key[:4] != "NEB_" || json.Unmarshal(raw, &neb) != nil {
					continue
				}
				checked++
				var w, l string
				if _, err := fmtSscan(key[4:], &w, &l); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				a := Assertion{Kind: NEB, Winner: ci.of(t, w), Loser: ci.of(t, l)}
				ts := newTallies(newTrie(votes), n)
				tw, tl := a.tallies(ts)
				for measure, want := range neb {
					audit := auditFromKey(t, measure, v.Total)
					got := audit.Difficulty(tw, tl)
					// The vector is given to one decimal.
					if math.Abs(got-want) > 0.05 {
						t.Errorf("%s %s: difficulty %v, want %v (to 1 decimal)", key, measure, got, want)
					}
				}
			}
			if checked == 0 {
				t.Fatal("vector has nothing this test knows how to check")
			}
		})
	}
}

func checkAssertionVector(t *testing.T, v publishedRAIRE, ci *candidateIndex, votes []Vote, n int) {
	winner := ci.of(t, v.Winner)
	trims := []TrimAlgorithm{MinimizeAssertions}
	if v.TrimAlgorithm != "" {
		trims = []TrimAlgorithm{TrimAlgorithm(v.TrimAlgorithm)}
	}
	for _, trimAlg := range trims {
		p := &Problem{NumCandidates: n, Votes: votes, Winner: winner, Trim: trimAlg,
			Audit: Audit{Type: AuditType(v.DifficultyMeasure), TotalAuditableBallots: v.Total, RiskLimit: 0.05, Gamma: 1.1}}
		res, err := Solve(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Winner != winner {
			t.Errorf("winner %d, want %d", res.Winner, winner)
		}
		if v.EliminationOrder != nil {
			var want []int
			for _, c := range v.EliminationOrder {
				want = append(want, ci.of(t, c))
			}
			if !slices.Equal(res.EliminationOrder, want) {
				t.Errorf("elimination order %v, want %v", res.EliminationOrder, want)
			}
		}
		var want []Scored
		for _, a := range v.Assertions {
			s := Scored{Assertion: Assertion{Kind: Kind(a.Type), Winner: ci.of(t, a.Winner), Loser: ci.of(t, a.Loser)}, Difficulty: a.Difficulty}
			for _, c := range a.Continuing {
				s.Assertion.Continuing = append(s.Assertion.Continuing, ci.of(t, c))
			}
			slices.Sort(s.Assertion.Continuing)
			want = append(want, s)
		}
		if len(res.Assertions) != len(want) {
			t.Errorf("%s: %d assertions, want %d:\n got %v\nwant %v", trimAlg, len(res.Assertions), len(want), res.Assertions, want)
		}
		for _, w := range want {
			i := slices.IndexFunc(res.Assertions, func(g Scored) bool { return g.Assertion.Equal(w.Assertion) })
			if i < 0 {
				t.Errorf("%s: missing %v", trimAlg, w.Assertion.format(v.Candidates))
				continue
			}
			if g := res.Assertions[i].Difficulty; math.Abs(g-w.Difficulty) > 1e-9*w.Difficulty {
				t.Errorf("%s: %v difficulty %v, want %v", trimAlg, w.Assertion.format(v.Candidates), g, w.Difficulty)
			}
		}
		if v.OverallDifficulty != nil && math.Abs(res.Difficulty-*v.OverallDifficulty) > 1e-9**v.OverallDifficulty {
			t.Errorf("overall difficulty %v, want %v", res.Difficulty, *v.OverallDifficulty)
		}
		if err := Check(p, winner, assertionsOf(res.Assertions)); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
}

func fmtSscan(s string, w, l *string) (int, error) {
	for i := range len(s) {
		if s[i] == '_' {
			*w, *l = s[:i], s[i+1:]
			return 2, nil
		}
	}
	return 0, fmt.Errorf("want WINNER_LOSER, got %q", s)
}

// auditFromKey reads a measure key such as "BRAVO_alpha_0.05" or
// "MACRO_gamma_1.1". The paper's MACRO example uses α = 0.05.
func auditFromKey(t *testing.T, key string, total int64) Audit {
	t.Helper()
	parts := strings.Split(key, "_")
	if len(parts) != 3 {
		t.Fatalf("measure key %q: want TYPE_param_value", key)
	}
	x, err := strconv.ParseFloat(parts[2], 64)
	if err != nil {
		t.Fatalf("measure key %q: %v", key, err)
	}
	a := Audit{Type: AuditType(parts[0]), TotalAuditableBallots: total, RiskLimit: 0.05, Gamma: 1.1}
	switch parts[1] {
	case "alpha":
		a.RiskLimit = x
	case "gamma":
		a.Gamma = x
	default:
		t.Fatalf("measure key %q: unknown parameter %q", key, parts[1])
	}
	return a
}

// TestGuideTrimCounts checks raire-rs's published counts for the Guide
// example: MinimizeAssertions keeps 5 assertions, MinimizeTree 6 (the 5
// plus NEN A>D {A,D}, which prunes the tree one level earlier); untrimmed
// and trimmed sets all have difficulty 27.
func TestGuideTrimCounts(t *testing.T) {
	tests := []struct {
		trim TrimAlgorithm
		want int
	}{{MinimizeAssertions, 5}, {MinimizeTree, 6}, {"", 6}}
	for _, tc := range tests {
		p := guide()
		p.Trim = tc.trim
		res, err := Solve(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Assertions) != tc.want || res.Difficulty != 27 {
			t.Errorf("%q: %d assertions, difficulty %v; want %d, 27", tc.trim, len(res.Assertions), res.Difficulty, tc.want)
		}
		if tc.trim == MinimizeTree {
			extra := Assertion{Kind: NEN, Winner: 0, Loser: 3, Continuing: []int{0, 3}}
			if !slices.ContainsFunc(res.Assertions, func(s Scored) bool { return s.Assertion.Equal(extra) }) {
				t.Errorf("MinimizeTree lacks %v: %v", extra, res.Assertions)
			}
		}
	}
}
