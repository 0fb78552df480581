package tabulate

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/java"
)

// ballotSpec describes ballots compactly: "3:A>B=C>_>D" is three ballots
// ranking A first, B and C both second (an overvote), nothing third and D
// fourth; "!" at a rank is an overvote mark with unknown candidates.
func parseBallots(t testing.TB, cands []election.Candidate, specs ...string) *Ballots {
	t.Helper()
	return parseInto(t, NewBallots(len(cands)), cands, specs...)
}

// parseInto adds the ballots of specs to b.
func parseInto(t testing.TB, b *Ballots, cands []election.Candidate, specs ...string) *Ballots {
	t.Helper()
	index := map[string]int{}
	for i, c := range cands {
		index[c.Name] = i
	}
	for _, spec := range specs {
		count := int64(1)
		precinct := ""
		if p, rest, ok := strings.Cut(spec, "@"); ok {
			precinct, spec = p, rest
		}
		if n, rest, ok := strings.Cut(spec, ":"); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("bad count in %q", spec)
			}
			count, spec = v, rest
		}
		var marks []election.Mark
		if spec != "" {
			for r, rank := range strings.Split(spec, ">") {
				for _, name := range strings.Split(rank, "=") {
					switch name {
					case "_":
					case "!":
						marks = append(marks, election.Mark{Rank: int32(r + 1), Choice: election.Overvote})
					default:
						// "B~2": candidate B named by its identifier 2
						// (election.Mark.Token), an alias.
						name, tok, _ := strings.Cut(name, "~")
						c, ok := index[name]
						if !ok {
							t.Fatalf("unknown candidate %q in %q", name, spec)
						}
						m := election.Mark{Rank: int32(r + 1), Choice: election.Choice(c)}
						if tok != "" {
							k, err := strconv.Atoi(tok)
							if err != nil {
								t.Fatalf("bad token in %q", spec)
							}
							m.Token = int32(k)
						}
						marks = append(marks, m)
					}
				}
			}
		}
		if _, err := b.AddCount(marks, precinct, "", count); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func candidates(names ...string) []election.Candidate {
	var out []election.Candidate
	for _, n := range names {
		c := election.Candidate{Name: n}
		if n == election.UndeclaredWriteInName {
			c.WriteIn = true
		}
		if strings.HasSuffix(n, "(x)") {
			c.Excluded = true
		}
		out = append(out, c)
	}
	return out
}

func irv() Rules {
	return Rules{Mode: SingleWinnerMajority, NumberOfWinners: 1, Tiebreak: TiebreakUseCandidateOrder,
		Overvote: ExhaustImmediately, MaxSkippedRanks: UnlimitedSkippedRanks, DecimalPlaces: 4}
}

// summary renders a count compactly: each round's tallies (in candidate
// order), inactive counts and decisions.
func summary(t *Tabulation) string {
	var b strings.Builder
	for _, r := range t.Rounds {
		fmt.Fprintf(&b, "R%d", r.Number)
		for c, in := range r.InTally {
			if in {
				fmt.Fprintf(&b, " %s=%s", t.Candidates[c].Name, r.Tally[c])
			}
		}
		fmt.Fprintf(&b, " | ov=%s sk=%s ex=%s rep=%s", r.Inactive[InactiveOvervote], r.Inactive[InactiveSkippedRankings],
			r.Inactive[InactiveExhaustedChoices], r.Inactive[InactiveRepeatedRankings])
		for _, d := range r.Elected {
			fmt.Fprintf(&b, " +%s", t.Candidates[d.Candidate].Name)
			if d.Tie {
				b.WriteString("*")
			}
		}
		for _, d := range r.Eliminated {
			fmt.Fprintf(&b, " -%s", t.Candidates[d.Candidate].Name)
			if d.Tie {
				b.WriteString("*")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestRankedChoiceRules(t *testing.T) {
	tests := []struct {
		name    string
		cands   []election.Candidate
		rules   func(*Rules)
		ballots []string
		want    string
	}{{
		name:    "majority in round one",
		cands:   candidates("A", "B", "C"),
		ballots: []string{"3:A>B", "1:B", "1:C>B"},
		want:    "R1 A=3 B=1 C=1 | ov=0 sk=0 ex=0 rep=0 +A\n",
	}, {
		name:    "elimination transfers and exhausts",
		cands:   candidates("A", "B", "C"),
		ballots: []string{"4:A", "3:B>A", "2:C>B", "1:C"},
		want: "R1 A=4 B=3 C=3 | ov=0 sk=0 ex=0 rep=0 -C*\n" +
			"R2 A=4 B=5 | ov=0 sk=0 ex=1 rep=0 +B\n",
	}, {
		name:    "exhaust immediately at an overvote",
		cands:   candidates("A", "B", "C"),
		ballots: []string{"4:A", "3:B", "1:C>A=B", "1:C>!"},
		want: "R1 A=4 B=3 C=2 | ov=0 sk=0 ex=0 rep=0 -C\n" +
			"R2 A=4 B=3 | ov=2 sk=0 ex=0 rep=0 +A\n",
	}, {
		name:    "always skip an overvote",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank },
		ballots: []string{"3:A", "2:B>C", "2:A=B>C", "1:C>A=B>B"},
		want: "R1 A=3 B=2 C=3 | ov=0 sk=0 ex=0 rep=0 -B\n" +
			"R2 A=3 C=5 | ov=0 sk=0 ex=0 rep=0 +C\n",
	}, {
		name:    "exhaust if multiple continuing",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.Overvote = ExhaustIfMultipleContinuing },
		ballots: []string{"4:A", "3:B", "2:C", "1:D>C=D>B", "1:D>A=B"},
		// D>C=D>B: with D out only C is continuing at rank 2, so it counts
		// for C; once C is out too, rank 2 has no continuing candidate and
		// is skipped, so it goes to B. D>A=B has two continuing: overvote.
		want: "R1 A=4 B=3 C=2 D=2 | ov=0 sk=0 ex=0 rep=0 -D*\n" +
			"R2 A=4 B=3 C=3 | ov=1 sk=0 ex=0 rep=0 -C*\n" +
			"R3 A=4 B=4 | ov=1 sk=0 ex=2 rep=0 +A*\n",
	}, {
		name:    "skipped ranks",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.MaxSkippedRanks = 1 },
		ballots: []string{"4:A", "3:B", "1:_>_>A", "1:_>B", "2:C>_>B", "1:C>_>_>B"},
		want: "R1 A=4 B=4 C=3 | ov=0 sk=1 ex=0 rep=0 -C\n" +
			"R2 A=4 B=6 | ov=0 sk=2 ex=0 rep=0 +B\n",
	}, {
		name:    "zero skipped ranks allowed",
		cands:   candidates("A", "B"),
		rules:   func(r *Rules) { r.MaxSkippedRanks = 0 },
		ballots: []string{"2:A", "1:_>B", "1:B"},
		want:    "R1 A=2 B=1 | ov=0 sk=1 ex=0 rep=0 +A\n",
	}, {
		name:    "duplicates skipped or exhausting",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.ExhaustOnDuplicateCandidate = true },
		ballots: []string{"4:A", "3:B", "2:C>C>B", "1:C>A"},
		want: "R1 A=4 B=3 C=3 | ov=0 sk=0 ex=0 rep=0 -C*\n" +
			"R2 A=5 B=3 | ov=0 sk=0 ex=0 rep=2 +A\n",
	}, {
		name:    "duplicates passed over when not exhausting",
		cands:   candidates("A", "B", "C"),
		ballots: []string{"4:A", "3:B", "2:C>C>B", "1:C>A"},
		want: "R1 A=4 B=3 C=3 | ov=0 sk=0 ex=0 rep=0 -C*\n" +
			"R2 A=5 B=5 | ov=0 sk=0 ex=0 rep=0 +A*\n",
	}, {
		name:    "batch elimination",
		cands:   candidates("A", "B", "C", "D", "E"),
		rules:   func(r *Rules) { r.BatchElimination = true },
		ballots: []string{"10:A", "8:B", "3:C>B", "2:D>B", "1:E>C"},
		want: "R1 A=10 B=8 C=3 D=2 E=1 | ov=0 sk=0 ex=0 rep=0 -C -D -E\n" +
			"R2 A=10 B=13 | ov=0 sk=0 ex=1 rep=0 +B\n",
	}, {
		name:    "undeclared write-ins go first and cannot win",
		cands:   candidates("A", "B", election.UndeclaredWriteInName),
		ballots: []string{"2:A", "1:B", "5:" + election.UndeclaredWriteInName},
		want: "R1 A=2 B=1 Undeclared Write-ins=5 | ov=0 sk=0 ex=0 rep=0 -Undeclared Write-ins\n" +
			"R2 A=2 B=1 | ov=0 sk=0 ex=5 rep=0 +A\n",
	}, {
		name:    "excluded candidates never count",
		cands:   candidates("A", "B", "C(x)"),
		ballots: []string{"2:A", "2:C(x)>B", "1:C(x)"},
		want:    "R1 A=2 B=2 | ov=0 sk=0 ex=1 rep=0 +A*\n",
	}, {
		name:    "continue until two remain",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.ContinueUntilTwoCandidatesRemain = true },
		ballots: []string{"6:A", "2:B", "1:C>B", "1:D"},
		want: "R1 A=6 B=2 C=1 D=1 | ov=0 sk=0 ex=0 rep=0 +A\n" +
			"R2 A=6 B=2 C=1 D=1 | ov=0 sk=0 ex=0 rep=0 -D*\n" +
			"R3 A=6 B=2 C=1 | ov=0 sk=0 ex=1 rep=0 -C\n" +
			"R4 A=6 B=3 | ov=0 sk=0 ex=1 rep=0\n",
	}, {
		name:    "stop early",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.StopAfterRound = 1 },
		ballots: []string{"3:A", "2:B", "1:C>B"},
		want:    "R1 A=3 B=2 C=1 | ov=0 sk=0 ex=0 rep=0 -C\n",
	}, {
		name:    "first round fixes the threshold; the last two decide",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.FirstRoundDeterminesThreshold = true },
		ballots: []string{"4:A", "3:B", "3:C"},
		want: "R1 A=4 B=3 C=3 | ov=0 sk=0 ex=0 rep=0 -C*\n" +
			"R2 A=4 B=3 | ov=0 sk=0 ex=3 rep=0 +A\n",
	}, {
		name:    "bottoms-up to N winners",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.Mode = BottomsUp; r.NumberOfWinners = 2 },
		ballots: []string{"5:A", "4:B", "3:C>B", "1:D>C"},
		want: "R1 A=5 B=4 C=3 D=1 | ov=0 sk=0 ex=0 rep=0 -D\n" +
			"R2 A=5 B=4 C=4 | ov=0 sk=0 ex=0 rep=0 -C*\n" +
			"R3 A=5 B=7 | ov=0 sk=0 ex=1 rep=0 +A +B\n",
	}, {
		name:  "bottoms-up percentage with cutoff",
		cands: candidates("A", "B", "C", "D"),
		rules: func(r *Rules) {
			r.Mode = BottomsUpUsingPercentageThreshold
			r.NumberOfWinners = 0
			r.PercentageThreshold = DecimalFromInt(25)
			r.CutoffElimination = true
		},
		ballots: []string{"5:A", "4:B", "2:C>B", "1:D>A"},
		want: "R1 A=5 B=4 C=2 D=1 | ov=0 sk=0 ex=0 rep=0 -C -D\n" +
			"R2 A=6 B=6 | ov=0 sk=0 ex=0 rep=0 +A +B\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := irv()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			res, err := RankedChoice(RankedInput{Candidates: tt.cands, Ballots: parseBallots(t, tt.cands, tt.ballots...), Rules: rules})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(res.Tabulations[0]); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestSurplusArithmetic checks an STV count against figures worked out by
// hand: Droop threshold floor(10/3)+1 = 4; A's surplus 2 of 6 gives the
// fraction 0.3333 (truncated), so each of A's ballots carries 0.3333 on
// (4 × 0.3333 = 1.3332 to B, 2 × 0.3333 = 0.6666 exhausted) and A keeps
// 0.6667 × 6 = 4.0002, of which 0.0002 is residual surplus. B is then
// eliminated (2.3332 < 4) and its ballots exhaust, as A no longer takes
// votes: 0.6666 + 1 + 1.3332 = 2.9998. C, the last candidate standing,
// fills the second seat with 3 votes, and in the final round keeps all of
// them at the surplus fraction's scale: 3 × (1 - 0.0000) = 3.0000.
func TestSurplusArithmetic(t *testing.T) {
	cands := candidates("A", "B", "C")
	rules := Rules{Mode: MultiWinnerAllowMultipleWinnersPerRound, NumberOfWinners: 2, Tiebreak: TiebreakUseCandidateOrder,
		Overvote: AlwaysSkipToNextRank, MaxSkippedRanks: UnlimitedSkippedRanks, DecimalPlaces: 4}
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "4:A>B", "2:A", "3:C", "1:B"), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tabulations[0]
	want := "R1 A=6 B=1 C=3 | ov=0 sk=0 ex=0 rep=0 +A\n" +
		"R2 A=4 B=2.3332 C=3 | ov=0 sk=0 ex=0.6666 rep=0 -B\n" +
		"R3 A=4 C=3 | ov=0 sk=0 ex=2.9998 rep=0 +C\n" +
		"R4 A=4 C=3.0000 | ov=0 sk=0 ex=2.9998 rep=0\n"
	if got := summary(tab); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	r2 := tab.Rounds[1]
	if got := r2.ResidualSurplus.String(); got != "0.0002" {
		t.Errorf("residual surplus after round 1 = %s, want 0.0002", got)
	}
	if got := tab.Rounds[0].Transfers[0][1].String(); got != "1.3332" {
		t.Errorf("A's transfer to B = %s, want 1.3332", got)
	}
	if got := tab.Rounds[0].Transfers[0][ToExhausted].String(); got != "0.6666" {
		t.Errorf("A's transfer to exhausted = %s, want 0.6666", got)
	}
	if got := tab.Rounds[0].Transfers[0][ToResidualSurplus].String(); got != "0.0002" {
		t.Errorf("A's residual surplus = %s, want 0.0002", got)
	}
	if got := tab.Rounds[0].Threshold.String(); got != "4" {
		t.Errorf("threshold %s, want 4", got)
	}
}

func TestThresholdFormulas(t *testing.T) {
	cands := candidates("A", "B", "C", "D")
	ballots := []string{"10:A", "9:B", "7:C", "3:D"} // 29 votes
	tests := []struct {
		name  string
		rules func(*Rules)
		want  string
	}{
		{"droop", func(r *Rules) {}, "8"}, // floor(29/4)+1
		{"hagenbach-bischoff", func(r *Rules) { r.NonIntegerWinningThreshold = true }, "7.2501"}, // 7.25 + 0.0001
		{"hare", func(r *Rules) { r.HareQuota = true }, "10"},                                    // ceil(29/3)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := Rules{Mode: MultiWinnerAllowMultipleWinnersPerRound, NumberOfWinners: 3, Tiebreak: TiebreakUseCandidateOrder,
				Overvote: AlwaysSkipToNextRank, MaxSkippedRanks: UnlimitedSkippedRanks, DecimalPlaces: 4}
			tt.rules(&rules)
			res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Tabulations[0].Rounds[0].Threshold.String(); got != tt.want {
				t.Errorf("threshold %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTiebreakModes(t *testing.T) {
	cands := candidates("Carol", "Alice", "Bob", "Dan")
	// Round 1: Alice, Bob and Carol tie for last behind Dan; in earlier
	// rounds nothing separates them.
	ballots := []string{"5:Dan", "2:Carol", "2:Alice", "2:Bob"}
	tests := []struct {
		mode      TiebreakMode
		seed      int64
		decisions []string
		loser     string
	}{
		{TiebreakUseCandidateOrder, 0, nil, "Dan"},
		// Random: sorted [Alice, Bob, Carol]; Random(0).nextDouble() =
		// 0.7309..., × 3 = 2.19 → Carol.
		{TiebreakRandom, 0, nil, "Carol"},
		// Random(1): 0.7308... → Carol as well; Random(12345): 0.3618 → Bob.
		{TiebreakRandom, 12345, nil, "Bob"},
		{TiebreakStopCountingAndAsk, 0, []string{"Alice"}, "Alice"},
		{TiebreakPreviousRoundCountsThenAsk, 0, []string{"Bob"}, "Bob"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.mode, tt.seed), func(t *testing.T) {
			rules := irv()
			rules.Tiebreak = tt.mode
			rules.RandomSeed = tt.seed
			rules.TiebreakDecisions = tt.decisions
			res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
			if err != nil {
				t.Fatal(err)
			}
			tab := res.Tabulations[0]
			got := tab.Candidates[tab.Rounds[0].Eliminated[0].Candidate].Name
			want := tt.loser
			if tt.mode == TiebreakUseCandidateOrder {
				want = "Bob" // the last-listed of the tied
			}
			if got != want {
				t.Errorf("eliminated %s, want %s", got, want)
			}
			if !tab.Rounds[0].Eliminated[0].Tie {
				t.Error("decision not marked as a tie")
			}
		})
	}
}

func TestGeneratePermutation(t *testing.T) {
	cands := candidates("Carol", "Alice", "Bob", "Dan")
	// The permutation is the sorted names [Alice Bob Carol Dan] shuffled
	// by Random(seed); the tied loser is the one latest in it.
	for seed := int64(0); seed < 20; seed++ {
		names := []string{"Alice", "Bob", "Carol", "Dan"}
		java.Shuffle(names, java.NewRandom(seed))
		pos := map[string]int{}
		for i, n := range names {
			pos[n] = i
		}
		want := "Alice"
		for _, n := range []string{"Bob", "Carol"} {
			if pos[n] > pos[want] {
				want = n
			}
		}
		rules := irv()
		rules.Tiebreak = TiebreakGeneratePermutation
		rules.RandomSeed = seed
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "5:Dan", "2:Carol", "2:Alice", "2:Bob"), Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		tab := res.Tabulations[0]
		if got := tab.Candidates[tab.Rounds[0].Eliminated[0].Candidate].Name; got != want {
			t.Errorf("seed %d: eliminated %s, want %s (permutation %v)", seed, got, want, names)
		}
	}
}

func TestAskErrors(t *testing.T) {
	cands := candidates("A", "B", "C")
	ballots := []string{"3:C", "2:A", "2:B"}
	rules := irv()
	rules.Tiebreak = TiebreakStopCountingAndAsk
	_, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
	var te *TieDecisionError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a TieDecisionError", err)
	}
	if !strings.Contains(err.Error(), `"A", "B"`) || !strings.Contains(err.Error(), "round 1") || te.Winning {
		t.Errorf("error does not name the tie: %v", err)
	}
	rules.TiebreakDecisions = []string{"C"}
	_, err = RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
	if !errors.As(err, &te) || te.Given != "C" {
		t.Errorf("a decision outside the tie: got %v", err)
	}
	rules.TiebreakDecisions = []string{"A", "B"}
	_, err = RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
	if err == nil || !strings.Contains(err.Error(), "unused") {
		t.Errorf("an unused decision: got %v", err)
	}
}

func TestMultiPass(t *testing.T) {
	cands := candidates("A", "B", "C", "D")
	rules := irv()
	rules.Mode = MultiPassIRV
	rules.NumberOfWinners = 2
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "6:A>B", "4:B>C", "3:C>B", "2:D>C"), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tabulations) != 2 {
		t.Fatalf("%d passes, want 2", len(res.Tabulations))
	}
	want := []string{
		"R1 A=6 B=4 C=3 D=2 | ov=0 sk=0 ex=0 rep=0 -D\n" +
			"R2 A=6 B=4 C=5 | ov=0 sk=0 ex=0 rep=0 -B\n" +
			"R3 A=6 C=9 | ov=0 sk=0 ex=0 rep=0 +C\n",
		// C is excluded: C>B ballots count for B, D>C ballots exhaust.
		"R1 A=6 B=7 D=2 | ov=0 sk=0 ex=0 rep=0 -D\n" +
			"R2 A=6 B=7 | ov=0 sk=0 ex=2 rep=0 +B\n",
	}
	for i, tab := range res.Tabulations {
		if got := summary(tab); got != want[i] {
			t.Errorf("pass %d:\n%s\nwant\n%s", i+1, got, want[i])
		}
	}
	if len(res.Winners) != 2 || res.Winners[0] != 2 || res.Winners[1] != 1 {
		t.Errorf("winners %v, want [C B]", res.Winners)
	}
}

// TestGroupingIsExact tabulates random contests twice: with identical
// ballots grouped, and with every ballot in a group of its own (each ballot
// gets its own precinct). Per-ballot truncation of surplus transfers makes
// this a real test: if grouping were inexact, STV counts would differ. The
// reports must be identical; and the precinct slices must add up to the
// whole contest.
func TestGroupingIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 150; iter++ {
		nc := 3 + rng.IntN(6)
		var names []string
		for i := 0; i < nc; i++ {
			names = append(names, string(rune('A'+i)))
		}
		if rng.IntN(3) == 0 {
			names = append(names, election.UndeclaredWriteInName)
		}
		cands := candidates(names...)
		rules := randomRules(rng, len(cands))
		var specs []string
		n := 20 + rng.IntN(200)
		for i := 0; i < n; i++ {
			specs = append(specs, randomBallot(rng, names))
		}
		grouped := parseBallots(t, cands, specs...)
		var single []string
		for i, s := range specs {
			single = append(single, fmt.Sprintf("p%d@%s", i, s))
		}
		apart := parseBallots(t, cands, single...)
		if apart.Groups() != n {
			t.Fatalf("%d groups for %d ballots in their own precincts", apart.Groups(), n)
		}
		r1, err1 := RankedChoice(RankedInput{Candidates: cands, Ballots: grouped, Rules: rules})
		r2, err2 := RankedChoice(RankedInput{Candidates: cands, Ballots: apart, Rules: rules, ByPrecinct: true})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("iteration %d: errors differ: %v / %v", iter, err1, err2)
		}
		if err1 != nil {
			continue
		}
		for p := range r1.Tabulations {
			a, b := render(t, r1.Tabulations[p]), render(t, r2.Tabulations[p])
			if a != b {
				t.Fatalf("iteration %d (%s): grouped and ungrouped reports differ:\n%s\n---\n%s", iter, rules.Mode, a, b)
			}
			checkSlicesAddUp(t, r2.Tabulations[p])
		}
	}
}

func render(t *testing.T, tab *Tabulation) string {
	var b bytes.Buffer
	info := ReportInfo{Contest: "x", GeneratedBy: "test"}
	if err := WriteDetailedJSON(&b, tab, info); err != nil {
		t.Fatal(err)
	}
	if err := WriteDetailedCSV(&b, tab, info); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func checkSlicesAddUp(t *testing.T, tab *Tabulation) {
	t.Helper()
	for i, r := range tab.Rounds {
		for c, in := range r.InTally {
			if !in {
				continue
			}
			var sum Decimal
			for _, s := range tab.Precincts {
				sum = sum.Add(s.Rounds[i].Tally[c])
			}
			capped := r.ResidualSurplus.Sign() > 0 && r.Tally[c].Equal(r.Threshold)
			if !capped && sum.Cmp(r.Tally[c]) != 0 {
				t.Fatalf("round %d candidate %d: precincts add up to %s, contest %s", i+1, c, sum, r.Tally[c])
			}
		}
		for k := range r.Inactive {
			var sum Decimal
			for _, s := range tab.Precincts {
				sum = sum.Add(s.Rounds[i].Inactive[k])
			}
			if sum.Cmp(r.Inactive[k]) != 0 {
				t.Fatalf("round %d inactive %d: precincts add up to %s, contest %s", i+1, k, sum, r.Inactive[k])
			}
		}
	}
}

func randomRules(rng *rand.Rand, nc int) Rules {
	r := Rules{
		Tiebreak:        []TiebreakMode{TiebreakRandom, TiebreakUseCandidateOrder, TiebreakPreviousRoundCountsThenRandom, TiebreakGeneratePermutation}[rng.IntN(4)],
		RandomSeed:      rng.Int64N(1 << 40),
		Overvote:        OvervoteRule(rng.IntN(3)),
		MaxSkippedRanks: rng.IntN(3) - 1,
		DecimalPlaces:   1 + rng.IntN(6),
	}
	r.ExhaustOnDuplicateCandidate = rng.IntN(2) == 0
	switch rng.IntN(6) {
	case 0:
		r.Mode, r.NumberOfWinners = SingleWinnerMajority, 1
		r.BatchElimination = rng.IntN(2) == 0
		r.ContinueUntilTwoCandidatesRemain = rng.IntN(2) == 0
		r.FirstRoundDeterminesThreshold = rng.IntN(3) == 0
	case 1:
		r.Mode, r.NumberOfWinners = MultiWinnerAllowOnlyOneWinnerPerRound, 2+rng.IntN(2)
		r.NonIntegerWinningThreshold = rng.IntN(2) == 0
	case 2:
		r.Mode, r.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 2+rng.IntN(3)
		r.HareQuota = rng.IntN(3) == 0
	case 3:
		r.Mode, r.NumberOfWinners = BottomsUp, 2+rng.IntN(2)
	case 4:
		r.Mode = BottomsUpUsingPercentageThreshold
		r.PercentageThreshold = DecimalFromInt(int64(10 + rng.IntN(30)))
		r.CutoffElimination = rng.IntN(2) == 0
	case 5:
		r.Mode, r.NumberOfWinners = MultiPassIRV, 2
		r.BatchElimination = rng.IntN(2) == 0
	}
	return r
}

func randomBallot(rng *rand.Rand, names []string) string {
	ranks := rng.IntN(len(names) + 2)
	var parts []string
	for r := 0; r < ranks; r++ {
		switch x := rng.IntN(20); {
		case x == 0:
			parts = append(parts, "_")
		case x == 1:
			parts = append(parts, names[rng.IntN(len(names))]+"="+names[rng.IntN(len(names))])
		case x == 2:
			parts = append(parts, "!")
		default:
			parts = append(parts, names[rng.IntN(len(names))])
		}
	}
	// Bias toward a few popular first choices so counts take several rounds.
	if len(parts) > 0 && rng.IntN(2) == 0 {
		parts[0] = names[rng.IntN(min(3, len(names)))]
	}
	return strings.Join(parts, ">")
}

func TestAllocations(t *testing.T) {
	cands := candidates("A", "B", "C")
	b := NewBallots(len(cands))
	add := func(marks ...election.Mark) int {
		g, err := b.Add(marks, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	m := func(rank int32, c election.Choice) election.Mark { return election.Mark{Rank: rank, Choice: c} }
	var ab int
	for i := 0; i < 4; i++ {
		ab = add(m(1, 0), m(2, 1))
	}
	add(m(1, 0))
	add(m(1, 0))
	for i := 0; i < 3; i++ {
		add(m(1, 2))
	}
	add(m(1, 1))
	rules := Rules{Mode: MultiWinnerAllowMultipleWinnersPerRound, NumberOfWinners: 2, Tiebreak: TiebreakUseCandidateOrder,
		Overvote: AlwaysSkipToNextRank, MaxSkippedRanks: UnlimitedSkippedRanks, DecimalPlaces: 4}
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: b, Rules: rules, TrackAllocations: true})
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tabulations[0]
	show := func(as []Allocation) string {
		var parts []string
		for _, a := range as {
			parts = append(parts, cands[a.Candidate].Name+"="+a.Value.String())
		}
		return strings.Join(parts, " ")
	}
	// The A>B ballots: all for A; then A keeps 0.6667 and B gets 0.3333;
	// B is eliminated and the 0.3333 exhausts; A's share stays.
	want := []string{"A=1", "A=0.6667 B=0.3333", "A=0.6667", "A=0.6667"}
	for r := 1; r <= len(tab.Rounds); r++ {
		if got := show(tab.Allocations(ab, r)); got != want[r-1] {
			t.Errorf("round %d: %q, want %q", r, got, want[r-1])
		}
	}
}
