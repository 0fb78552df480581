package tabulate

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/election"
)

// These tests pin the RCTab behaviours described in the source notes
// (../shared/reference/rctab/source-notes.md), one per rule, each named
// after the note's item. Every expected round was worked out by hand from
// the rule, as the comment on each case shows.

const uwiName = election.UndeclaredWriteInName

func TestRCTabCountingRules(t *testing.T) {
	tests := []struct {
		name    string
		cands   []election.Candidate
		rules   func(*Rules)
		keep    bool // Ballots.KeepRepeatedMarks
		tokens  bool // Ballots.KeepTokens
		ballots []string
		want    string
	}{{
		// F: A reaches the threshold (6 of 10) in round 1, but the
		// write-ins hold a vote, so nobody is elected; the write-ins go
		// (their ballot exhausts) and A is elected in round 2 (6 ≥ 5).
		name:    "F no winner while undeclared write-ins hold votes",
		cands:   candidates("A", "B", uwiName),
		ballots: []string{"6:A", "3:B", "1:" + uwiName},
		want: "R1 A=6 B=3 Undeclared Write-ins=1 | ov=0 sk=0 ex=0 rep=0 -Undeclared Write-ins\n" +
			"R2 A=6 B=3 | ov=0 sk=0 ex=1 rep=0 +A\n",
	}, {
		// T1: seed 2 shuffles the declared names [A B C] to C, A, B (the
		// note's example); the write-in is not in the list. Round 1 drops
		// the write-in (0 votes, alone at the bottom); the B-C tie of round
		// 2 eliminates the one latest in the permutation, B; B's ballots
		// go to C, who wins 4 to 3.
		name:    "T1 generatePermutation list leaves out the write-in",
		cands:   candidates("A", "B", "C", uwiName),
		rules:   func(r *Rules) { r.Tiebreak = TiebreakGeneratePermutation; r.RandomSeed = 2 },
		ballots: []string{"3:A", "2:B>C", "2:C"},
		want: "R1 A=3 B=2 C=2 Undeclared Write-ins=0 | ov=0 sk=0 ex=0 rep=0 -Undeclared Write-ins\n" +
			"R2 A=3 B=2 C=2 | ov=0 sk=0 ex=0 rep=0 -B*\n" +
			"R3 A=3 C=4 | ov=0 sk=0 ex=0 rep=0 +C\n",
	}, {
		// T2: D and the write-in tie at 0; candidate order never picks the
		// write-in, so D goes, then the write-in alone, then C (whose
		// ballot moves to A, who wins 4 of 6).
		name:    "T2 useCandidateOrder never picks the write-in",
		cands:   candidates("A", "B", "C", "D", uwiName),
		ballots: []string{"3:A", "2:B", "1:C>A"},
		want: "R1 A=3 B=2 C=1 D=0 Undeclared Write-ins=0 | ov=0 sk=0 ex=0 rep=0 -D*\n" +
			"R2 A=3 B=2 C=1 Undeclared Write-ins=0 | ov=0 sk=0 ex=0 rep=0 -Undeclared Write-ins\n" +
			"R3 A=3 B=2 C=1 | ov=0 sk=0 ex=0 rep=0 -C\n" +
			"R4 A=4 B=2 | ov=0 sk=0 ex=0 rep=0 +A\n",
	}, {
		// T3: Alice and Bob tie in round 1, which has no earlier round;
		// the draw is from the sorted list [Alice Bob]: seed 1's first
		// nextDouble() is 0.7308..., × 2 → index 1, Bob (the note's
		// example). Alice goes next; Carol and Dave tie 3-3 in round 3 and
		// round 2 (Carol 3, Dave 2) decides for Carol.
		name:    "T3 previousRoundCountsThenRandom tie in round 1 draws from sorted names",
		cands:   candidates("Alice", "Bob", "Carol", "Dave"),
		rules:   func(r *Rules) { r.Tiebreak = TiebreakPreviousRoundCountsThenRandom; r.RandomSeed = 1 },
		ballots: []string{"2:Carol", "2:Dave", "1:Alice>Dave", "1:Bob>Carol"},
		want: "R1 Alice=1 Bob=1 Carol=2 Dave=2 | ov=0 sk=0 ex=0 rep=0 -Bob*\n" +
			"R2 Alice=1 Carol=3 Dave=2 | ov=0 sk=0 ex=0 rep=0 -Alice\n" +
			"R3 Carol=3 Dave=3 | ov=0 sk=0 ex=0 rep=0 +Carol*\n",
	}, {
		// T8: p = 50%, 20 active: threshold 10.00. A and B have exactly
		// 10, not more, so nobody is elected; the tie eliminates B (last in
		// candidate order). Round 2: 10 active, threshold 5.00, A elected.
		name:  "T8 percentage mode elects only candidates strictly above the threshold",
		cands: candidates("A", "B"),
		rules: func(r *Rules) {
			r.Mode, r.NumberOfWinners, r.PercentageThreshold = BottomsUpUsingPercentageThreshold, 0, MustParseDecimal("50")
		},
		ballots: []string{"10:A", "10:B"},
		want: "R1 A=10 B=10 | ov=0 sk=0 ex=0 rep=0 -B*\n" +
			"R2 A=10 | ov=0 sk=0 ex=10 rep=0 +A\n",
	}, {
		// T9: p = 20%, 10 active: threshold 2.00; cutoff removes C and D
		// (1 each) together. Round 2: 8 active, threshold 1.60, both left
		// are elected.
		name:  "T9 cutoffElimination removes every candidate below the threshold",
		cands: candidates("A", "B", "C", "D"),
		rules: func(r *Rules) {
			r.Mode, r.NumberOfWinners, r.PercentageThreshold = BottomsUpUsingPercentageThreshold, 0, MustParseDecimal("20")
			r.CutoffElimination = true
		},
		ballots: []string{"5:A", "3:B", "1:C", "1:D"},
		want: "R1 A=5 B=3 C=1 D=1 | ov=0 sk=0 ex=0 rep=0 -C -D\n" +
			"R2 A=5 B=3 | ov=0 sk=0 ex=2 rep=0 +A +B\n",
	}, {
		// T14: at rank 1 the overvote B=C is passed over, but its tokens
		// are remembered first, so C at rank 2 is a repeat: the ballot is
		// inactive by repeated rankings from round 1. B and C tie at 2, C
		// goes (candidate order); round 2: 5 active, threshold 3, A wins.
		name:    "T14 duplicate check runs before the overvote decision",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank; r.ExhaustOnDuplicateCandidate = true },
		ballots: []string{"3:A", "2:B", "2:C", "1:B=C>C"},
		want: "R1 A=3 B=2 C=2 | ov=0 sk=0 ex=0 rep=1 -C*\n" +
			"R2 A=3 B=2 | ov=0 sk=0 ex=2 rep=1 +A\n",
	}, {
		// T14: the explicit-overvote token is remembered like any other,
		// so a second explicit overvote is a repeat; B never gets the
		// ballot. 5 active, threshold 3, A wins in round 1.
		name:    "T14 second explicit overvote is a repeat",
		cands:   candidates("A", "B"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank; r.ExhaustOnDuplicateCandidate = true },
		ballots: []string{"3:A", "2:B", "1:!>!>B"},
		want:    "R1 A=3 B=2 | ov=0 sk=0 ex=0 rep=1 +A\n",
	}, {
		// T16: C marked twice at rank 1 is an overvote, which
		// alwaysSkipToNextRank passes over to B: B has 4 of 7, threshold
		// 4, elected.
		name:    "T16 the same candidate twice at one rank is an overvote",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank },
		keep:    true,
		ballots: []string{"3:A", "3:B", "1:C=C>B"},
		want:    "R1 A=3 B=4 C=0 | ov=0 sk=0 ex=0 rep=0 +B\n",
	}, {
		// T16, outside RCTab mode: canvass's default counts the repeated
		// mark once, so the ballot is C's.
		name:    "T16 canvass default counts a repeated mark once",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank },
		ballots: []string{"3:A", "3:B", "1:C=C>B"},
		want: "R1 A=3 B=3 C=1 | ov=0 sk=0 ex=0 rep=0 -C\n" +
			"R2 A=3 B=4 | ov=0 sk=0 ex=0 rep=0 +B\n",
	}, {
		// T16 with T14: the repeat at one rank makes the ballot inactive
		// by repeated rankings.
		name:    "T16 repeated mark at one rank with exhaustOnDuplicateCandidate",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Overvote = AlwaysSkipToNextRank; r.ExhaustOnDuplicateCandidate = true },
		keep:    true,
		ballots: []string{"3:A", "2:B", "1:C=C>B"},
		want:    "R1 A=3 B=2 C=0 | ov=0 sk=0 ex=0 rep=1 +A\n",
	}, {
		// T14 with tokens: C at rank 1, then C by its alias (token 2) at
		// rank 2: different tokens, not a repeat. 10 ballots, threshold
		// 6. Round 1 A=4 B=4 C=2: C goes; the ballot passes over the
		// alias (its candidate C is out) to B, as does C>B: B=6, elected.
		name:    "T14 a name and an alias of one candidate are not a repeat",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.ExhaustOnDuplicateCandidate = true },
		keep:    true,
		tokens:  true,
		ballots: []string{"4:A", "4:B", "1:C>C~2>B", "1:C>B"},
		want: "R1 A=4 B=4 C=2 | ov=0 sk=0 ex=0 rep=0 -C\n" +
			"R2 A=4 B=6 | ov=0 sk=0 ex=0 rep=0 +B\n",
	}, {
		// T14 control: the same token twice is a repeat: the first
		// ballot is inactive by repeated rankings in round 2, B has 5 of
		// 9 active, threshold 5, elected.
		name:    "T14 the same token twice is a repeat",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.ExhaustOnDuplicateCandidate = true },
		keep:    true,
		tokens:  true,
		ballots: []string{"4:A", "4:B", "1:C~2>C~2>B", "1:C>B"},
		want: "R1 A=4 B=4 C=2 | ov=0 sk=0 ex=0 rep=0 -C\n" +
			"R2 A=4 B=5 | ov=0 sk=0 ex=0 rep=1 +B\n",
	}, {
		// T15: 12 ballots, threshold 7. Round 1 A=2 B=1 C=4 D=5: B goes
		// (its ballot exhausts). Round 2: A goes; its ballots reach rank
		// 2 = {B by alias, C}. The alias counts as continuing although B
		// is out, so two continuing: overvote, both exhaust. Round 3: 9
		// active, threshold 5, D elected with 5.
		name:    "T15 exhaustIfMultipleContinuing counts an alias as continuing",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.Overvote = ExhaustIfMultipleContinuing },
		keep:    true,
		tokens:  true,
		ballots: []string{"5:D", "4:C", "1:B", "2:A>B~2=C"},
		want: "R1 A=2 B=1 C=4 D=5 | ov=0 sk=0 ex=0 rep=0 -B\n" +
			"R2 A=2 C=4 D=5 | ov=0 sk=0 ex=1 rep=0 -A\n" +
			"R3 C=4 D=5 | ov=2 sk=0 ex=1 rep=0 +D\n",
	}, {
		// T15 control: B by name is tested by candidate: B is out, only C
		// continues, so the ballots go to C: C=6 of 11, threshold 6.
		name:    "T15 a name of an eliminated candidate is not continuing",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.Overvote = ExhaustIfMultipleContinuing },
		keep:    true,
		tokens:  true,
		ballots: []string{"5:D", "4:C", "1:B", "2:A>B=C"},
		want: "R1 A=2 B=1 C=4 D=5 | ov=0 sk=0 ex=0 rep=0 -B\n" +
			"R2 A=2 C=4 D=5 | ov=0 sk=0 ex=1 rep=0 -A\n" +
			"R3 C=6 D=5 | ov=0 sk=0 ex=1 rep=0 +C\n",
	}, {
		// T15 outside RCTab mode (no KeepTokens): the alias is the
		// candidate, as in the control case.
		name:    "T15 tokens are ignored without KeepTokens",
		cands:   candidates("A", "B", "C", "D"),
		rules:   func(r *Rules) { r.Overvote = ExhaustIfMultipleContinuing },
		keep:    true,
		ballots: []string{"5:D", "4:C", "1:B", "2:A>B~2=C"},
		want: "R1 A=2 B=1 C=4 D=5 | ov=0 sk=0 ex=0 rep=0 -B\n" +
			"R2 A=2 C=4 D=5 | ov=0 sk=0 ex=1 rep=0 -A\n" +
			"R3 C=6 D=5 | ov=0 sk=0 ex=1 rep=0 +C\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := irv()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			b := NewBallots(len(tt.cands))
			if tt.keep {
				b.KeepRepeatedMarks()
			}
			if tt.tokens {
				b.KeepTokens()
			}
			res, err := RankedChoice(RankedInput{Candidates: tt.cands, Ballots: parseInto(t, b, tt.cands, tt.ballots...), Rules: rules})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(res.Tabulations[0]); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestRCTabCountFailures checks the counts RCTab refuses or fails.
func TestRCTabCountFailures(t *testing.T) {
	tests := []struct {
		name     string
		cands    []election.Candidate
		rules    func(*Rules)
		ballots  []string
		precinct bool
		want     string
	}{{
		// T9: p = 50%, 10 active, threshold 5.00: all three are below it,
		// cutoff removes everyone and RCTab's next round has nobody.
		name:  "T9 cutoffElimination removing everyone fails",
		cands: candidates("A", "B", "C"),
		rules: func(r *Rules) {
			r.Mode, r.NumberOfWinners, r.PercentageThreshold = BottomsUpUsingPercentageThreshold, 0, MustParseDecimal("50")
			r.CutoffElimination = true
		},
		ballots: []string{"4:A", "3:B", "3:C"},
		want:    "cutoffElimination eliminates every continuing candidate",
	}, {
		// T10: in single-winner mode the cutoff is the majority, 6 of 10;
		// nobody has it, so everyone is cut.
		name:    "T10 cutoffElimination in single-winner mode",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.CutoffElimination = true },
		ballots: []string{"5:A", "3:B", "2:C"},
		want:    "cutoffElimination eliminates every continuing candidate",
	}, {
		// T19: three passes but two candidates: pass 3 has nobody.
		name:    "T19 multi-pass IRV with more seats than candidates",
		cands:   candidates("A", "B"),
		rules:   func(r *Rules) { r.Mode, r.NumberOfWinners = MultiPassIRV, 3 },
		ballots: []string{"3:A", "2:B"},
		want:    "pass 3 of 3 has no candidate left",
	}, {
		// T19: stopped after round 1 (threshold 3 of 5, nobody has it):
		// pass 1 has no winner.
		name:    "T19 multi-pass IRV pass without a winner",
		cands:   candidates("A", "B", "C"),
		rules:   func(r *Rules) { r.Mode, r.NumberOfWinners, r.StopAfterRound = MultiPassIRV, 2, 1 },
		ballots: []string{"2:A", "2:B", "1:C"},
		want:    "pass 1 ended after round 1 without electing",
	}, {
		// T20: A and B fill two of three seats; the excluded C counts among
		// the declared candidates (3 ≠ 2 winners), so RCTab goes on to an
		// empty round and fails.
		name:    "T20 more seats than candidates with an excluded candidate",
		cands:   candidates("A", "B", "C(x)"),
		rules:   func(r *Rules) { r.Mode, r.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 3 },
		ballots: []string{"3:A", "2:B"},
		want:    "1 of 3 seats are unfilled",
	}, {
		// S2: the ballot with no precinct transfers when C is eliminated.
		name:     "S2 ballot without a precinct transfers while slicing",
		cands:    candidates("A", "B", "C"),
		ballots:  []string{"p1@3:A", "p1@2:B", "1:C>B"},
		precinct: true,
		want:     "a ballot with no precinct or batch",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := irv()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			_, err := RankedChoice(RankedInput{Candidates: tt.cands, Ballots: parseBallots(t, tt.cands, tt.ballots...), Rules: rules, ByPrecinct: tt.precinct})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestRCTabZeroBallots: a contest with no ballots is an error (issue 11),
// as RCTab refuses a run with no cast vote records (source notes R26).
func TestRCTabZeroBallots(t *testing.T) {
	cands := candidates("A", "B")
	_, err := RankedChoice(RankedInput{Candidates: cands, Ballots: NewBallots(2), Rules: irv()})
	if !errors.Is(err, ErrNoBallots) {
		t.Fatalf("error %v, want ErrNoBallots", err)
	}
}

// TestRCTabS2SliceWithoutMovesCounts: ballots with no precinct that never
// move do not make RCTab fail (source notes S2).
func TestRCTabS2SliceWithoutMovesCounts(t *testing.T) {
	cands := candidates("A", "B")
	_, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "p1@3:A", "p1@1:B", "1:A"), Rules: irv(), ByPrecinct: true})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRCTabT7PercentageScale: the factor keeps the configured text's scale
// plus two: 26 active × 0.10 = 2.60; 26 × 0.2550 = 6.6300. Everyone has
// more, so all are elected in round 1.
func TestRCTabT7PercentageScale(t *testing.T) {
	cands := candidates("A", "B", "C")
	for pct, want := range map[string]string{"10": "2.60", "25.50": "6.6300", "100": "26.00"} {
		rules := irv()
		rules.Mode, rules.NumberOfWinners, rules.PercentageThreshold = BottomsUpUsingPercentageThreshold, 0, MustParseDecimal(pct)
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "10:A", "9:B", "7:C"), Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Tabulations[0].Rounds[0].Threshold.String(); got != want {
			t.Errorf("threshold at %s%% is %s, want %s", pct, got, want)
		}
	}
}

// TestRCTabT11BatchBacksOff: the note's example, A 30, B 5, C 3, D 2. The
// largest batch {D, C, B} (10 < 30) would leave only A, so the batch before
// it, {D}, is used; one candidate is no batch, and the usual single
// elimination follows. A batch leaving two candidates stands.
func TestRCTabT11BatchBacksOff(t *testing.T) {
	c := &counter{}
	tally := func(v ...int64) *Round {
		r := &Round{}
		for _, x := range v {
			r.Tally = append(r.Tally, DecimalFromInt(x))
		}
		return r
	}
	if got := c.batch(tally(30, 5, 3, 2), []int{0, 1, 2, 3}); len(got) != 1 || got[0] != 3 {
		t.Errorf("batch %v, want [3] (D only)", got)
	}
	if got := c.batch(tally(30, 20, 5, 3, 2), []int{0, 1, 2, 3, 4}); len(got) != 3 {
		t.Errorf("batch %v, want E, D and C", got)
	}
}

// TestRCTabT18WriteInElected: three seats, two declared candidates and the
// write-in (0 votes): everyone in the tally is elected, the write-in too.
func TestRCTabT18WriteInElected(t *testing.T) {
	cands := candidates("A", "B", uwiName)
	rules := irv()
	rules.Mode, rules.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 3
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "3:A", "2:B"), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res.Tabulations[0]); !strings.HasPrefix(got, "R1 A=3 B=2 Undeclared Write-ins=0 | ov=0 sk=0 ex=0 rep=0 +A +B +Undeclared Write-ins\n") {
		t.Errorf("got\n%s", got)
	}
}

// TestRCTabT20StopsWithoutExclusions: with no excluded candidate, winners =
// declared candidates (2) and seats (3) > candidates (2): RCTab stops.
func TestRCTabT20StopsWithoutExclusions(t *testing.T) {
	cands := candidates("A", "B")
	rules := irv()
	rules.Mode, rules.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 3
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "3:A", "2:B"), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res.Tabulations[0]); got != "R1 A=3 B=2 | ov=0 sk=0 ex=0 rep=0 +A +B\n" {
		t.Errorf("got\n%s", got)
	}
}

// TestRCTabV7SingleWinnerMajorityWithSeats: counted exactly like
// multiWinnerAllowMultipleWinnersPerRound; the report says Single-Winner.
func TestRCTabV7SingleWinnerMajorityWithSeats(t *testing.T) {
	cands := candidates("A", "B", "C")
	ballots := []string{"5:A>B", "3:B", "2:C"}
	run := func(m WinnerElectionMode) *Tabulation {
		rules := irv()
		rules.Mode, rules.NumberOfWinners = m, 2
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		return res.Tabulations[0]
	}
	single, stv := run(SingleWinnerMajority), run(MultiWinnerAllowMultipleWinnersPerRound)
	if a, b := summary(single), summary(stv); a != b {
		t.Errorf("singleWinnerMajority with 2 seats:\n%s\nSTV:\n%s", a, b)
	}
	var out bytes.Buffer
	if err := WriteDetailedCSV(&out, single, ReportInfo{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Type of Election,Single-Winner\n") || !strings.Contains(out.String(), "Final Round Surplus") {
		t.Errorf("report:\n%s", out.String())
	}
}

// TestRCTabP1PercentArithmetic: the quotient is rounded half-even to 7
// significant digits before truncation to two decimals of a percent.
// 1601/2001 = 0.80009995... → 0.8001000 → 80.01% (exact truncation would
// give 80.0%); 400/2001 = 0.19990004... → 0.1999000 → 19.99%; 2/3 →
// 0.6666667 → 66.66%; 99999995/100000000 rounds to 1.000000 → 100.0%.
func TestRCTabP1PercentArithmetic(t *testing.T) {
	for _, tt := range []struct{ part, whole, want string }{
		{"1601", "2001", "80.01%"},
		{"400", "2001", "19.99%"},
		{"2", "3", "66.66%"},
		{"99999995", "100000000", "100.0%"},
		{"1601.0000", "2001", "80.01%"},
		{"160100000000000000000", "200100000000000000000", "80.01%"},
		{"5", "12", "41.66%"},
	} {
		if got := percent(MustParseDecimal(tt.part), MustParseDecimal(tt.whole)); got != tt.want {
			t.Errorf("%s/%s = %s, want %s", tt.part, tt.whole, got, tt.want)
		}
	}
}

func csvReport(t *testing.T, tab *Tabulation) string {
	t.Helper()
	var out bytes.Buffer
	if err := WriteDetailedCSV(&out, tab, ReportInfo{}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestRCTabDPercentDivisor: single-winner IRV with a first-round threshold
// divides by round 1's active ballots. Round 1: A 4, B 3, C 3 (C eliminated
// by candidate order); round 2: A 4, B 5, 1 exhausted. B's round-2 share is
// 5/10 = 50.0% with the first-round threshold, 5/9 = 55.55% without.
func TestRCTabDPercentDivisor(t *testing.T) {
	cands := candidates("A", "B", "C")
	for first, want := range map[bool]string{true: "B,3,30.0%,2,5,50.0%,0\n", false: "B,3,30.0%,2,5,55.55%,0\n"} {
		rules := irv()
		rules.FirstRoundDeterminesThreshold = first
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "4:A", "3:B", "2:C>B", "1:C"), Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		if got := csvReport(t, res.Tabulations[0]); !strings.Contains(got, want) {
			t.Errorf("first-round threshold %v: report lacks %q:\n%s", first, want, got)
		}
	}
}

// TestRCTabEResidualSurplusRow: two seats, 12 ballots, Droop threshold 5.
// A's 8 votes carry a surplus of 3/8 = 0.375, exact at 4 decimals: 8 ×
// 0.375 = 3 moves to B, A keeps 5 and no residual surplus is left, so the
// row is not written. With 7 votes (11 ballots, threshold 4) the fraction
// 3/7 = 0.4285 truncates: 7 × 0.4285 = 2.9995 moves, A keeps 4.0005, and
// the residual 0.0005 makes the row appear.
func TestRCTabEResidualSurplusRow(t *testing.T) {
	cands := candidates("A", "B", "C")
	count := func(ballots ...string) string {
		rules := irv()
		rules.Mode, rules.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 2
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, ballots...), Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		return csvReport(t, res.Tabulations[0])
	}
	if got := count("8:A>B", "2:B", "2:C"); strings.Contains(got, "Residual surplus") {
		t.Errorf("exact transfers wrote a residual surplus row:\n%s", got)
	}
	if got := count("7:A>B", "2:B", "2:C"); !strings.Contains(got, "Residual surplus") {
		t.Errorf("truncated transfers wrote no residual surplus row:\n%s", got)
	}
}

// TestRCTabP2FinalRoundSurplusCells: a surplus count cut short by
// stopTabulationEarlyAfterRound moves nothing to final-round surplus, so
// the cell is blank (canvass printed 0); a slice none of whose ballots
// belonged to the last winners is blank too, while the contest's last
// round shows the total.
func TestRCTabP2FinalRoundSurplusCells(t *testing.T) {
	cands := candidates("A", "B", "C")
	rules := irv()
	rules.Mode, rules.NumberOfWinners, rules.StopAfterRound = MultiWinnerAllowMultipleWinnersPerRound, 2, 1
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "7:A>B", "2:B", "2:C"), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if got := csvReport(t, res.Tabulations[0]); !strings.Contains(got, "Final Round Surplus,,,\n") {
		t.Errorf("stopped count:\n%s", got)
	}
	// Seats 2: A (p1) elected in round 1, B in round 2 with A's surplus;
	// the last round moves B's surplus to final-round surplus. p2's only
	// ballot is C's and never moves.
	rules.StopAfterRound = 0
	res, err = RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "p1@7:A>B", "p1@2:B", "p2@1:C"), Rules: rules, ByPrecinct: true})
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tabulations[0]
	var p2 *Slice
	for i := range tab.Precincts {
		if tab.Precincts[i].Name == "p2" {
			p2 = &tab.Precincts[i]
		}
	}
	var out bytes.Buffer
	if err := WriteSliceCSV(&out, tab, p2, ByPrecinct, ReportInfo{}); err != nil {
		t.Fatal(err)
	}
	n := len(tab.Rounds)
	blank := "Final Round Surplus" + strings.Repeat(",,,", n) + "\n"
	if !strings.Contains(out.String(), blank) {
		t.Errorf("p2 report lacks %q:\n%s", blank, out.String())
	}
	if got := csvReport(t, tab); strings.Contains(got, blank) {
		t.Errorf("the contest's final-round surplus is blank:\n%s", got)
	}
}

// TestRCTabHFootnoteOrder: a slice report of a contest with a tie puts the
// slice footnote first, then the tie footnote.
func TestRCTabHFootnoteOrder(t *testing.T) {
	cands := candidates("A", "B", "C")
	res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: parseBallots(t, cands, "p1@3:A", "p1@2:B", "p1@2:C>A"), Rules: irv(), ByPrecinct: true})
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tabulations[0]
	var out bytes.Buffer
	if err := WriteSliceCSV(&out, tab, &tab.Precincts[0], ByPrecinct, ReportInfo{}); err != nil {
		t.Fatal(err)
	}
	want := "\n†Elect/Eliminate decisions are from the full contest. All other results on this report are at the precinct level.\n" +
		"\n*Tie resolved in accordance with election law\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("slice report does not end with %q:\n%s", want, out.String())
	}
}

// TestKeepTokensGrouping checks that with KeepTokens ballots differing only
// in a mark's token are kept apart, identical ones share a group, and Each
// gives the tokens back; without it tokens play no part.
func TestKeepTokensGrouping(t *testing.T) {
	alias := []election.Mark{{Rank: 1, Choice: 1, Token: 2}, {Rank: 2, Choice: 0}}
	name := []election.Mark{{Rank: 1, Choice: 1}, {Rank: 2, Choice: 0}}
	for _, keep := range []bool{false, true} {
		b := NewBallots(2)
		if keep {
			b.KeepTokens()
		}
		ga, _ := b.Add(alias, "", "")
		gn, _ := b.Add(name, "", "")
		ga2, _ := b.Add(slices.Clone(alias), "", "")
		if ga != ga2 {
			t.Errorf("keep=%v: identical ballots in groups %d and %d", keep, ga, ga2)
		}
		if (ga != gn) != keep {
			t.Errorf("keep=%v: alias group %d, name group %d", keep, ga, gn)
		}
		var got [][]election.Mark
		b.Each(func(m []election.Mark, _, _ string, _ int64) error {
			got = append(got, slices.Clone(m))
			return nil
		})
		want := [][]election.Mark{alias, name}
		if !keep {
			want = [][]election.Mark{name}
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("keep=%v: Each gave %v, want %v", keep, got, want)
		}
	}
}

// TestP7TiedRowsFollowTheSetOfAllCandidates checks source notes P7. Q and A
// (Java hashes 81 and 65) share bucket 1 of a 16-slot HashMap but not of a
// 32-slot one. With 13 candidates (one excluded) the set of all candidates
// has grown to 32 slots and iterates A (bucket 1) before Q (bucket 17); the
// 12-candidate tally map is filled in that order, so in bucket 1 A comes
// before Q although the configuration lists Q first. Q and A tie at 1 vote,
// so the rows show that order: B (5), then A, then Q. With one candidate
// fewer (no excluded one), both tables have 16 slots and configuration
// order decides: Q before A.
func TestP7TiedRowsFollowTheSetOfAllCandidates(t *testing.T) {
	names := []string{"Q", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"}
	for _, tc := range []struct {
		excluded bool
		first    string
	}{{true, "A"}, {false, "Q"}} {
		cands := candidates(names...)
		if tc.excluded {
			cands = append(cands, election.Candidate{Name: "Z", Excluded: true})
		}
		b := parseInto(t, NewBallots(len(cands)), cands, "5:B", "1:Q", "1:A")
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: b, Rules: irv()})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteDetailedCSV(&buf, res.Tabulations[0], ReportInfo{Contest: "P7"}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		a, q := strings.Index(out, "\nA,1,"), strings.Index(out, "\nQ,1,")
		if a < 0 || q < 0 {
			t.Fatalf("rows missing:\n%s", out)
		}
		if got := map[bool]string{true: "A", false: "Q"}[a < q]; got != tc.first {
			t.Errorf("excluded=%v: %s's row comes first, want %s:\n%s", tc.excluded, got, tc.first, out)
		}
	}
}
