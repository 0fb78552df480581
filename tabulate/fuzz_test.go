package tabulate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/canvass/canvass/election"
)

// FuzzParseDecimal checks that any text either fails to parse or yields a
// Decimal whose Java-style rendering parses back to the same value and
// scale (for plain renderings) and compares consistently.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "14866.0000", "0.0937", ".5", "5.", "-0.00000012", "123456789012345678901234567890.5", "", "-", "1e5", "1.2.3", "+7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		out := d.String()
		if !strings.Contains(out, "E") {
			back, err := ParseDecimal(out)
			if err != nil {
				t.Fatalf("%q -> %q does not parse: %v", s, out, err)
			}
			if !back.Equal(d) {
				t.Fatalf("%q -> %q -> %q", s, out, back)
			}
		}
		if d.Cmp(d.Add(DecimalFromInt(1))) >= 0 || d.Sub(d).Sign() != 0 {
			t.Fatalf("arithmetic on %q is inconsistent", s)
		}
	})
}

// FuzzRankedChoice counts fuzz-chosen ballots under fuzz-chosen rules and
// checks what must always hold: no panic, every ballot accounted for in
// every round (for counts without fractional surplus), and no more winners
// than seats.
func FuzzRankedChoice(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 1, 2, 0, 2, 1, 1, 0, 3, 2, 1})
	f.Add([]byte{1, 5, 0, 2, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 9, 9, 9})
	f.Add([]byte{4, 4, 2, 1, 2, 3, 0, 0, 1, 1, 2, 2, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 || len(data) > 4096 {
			return
		}
		nc := 2 + int(data[1]%7)
		var names []string
		for i := 0; i < nc; i++ {
			names = append(names, string(rune('A'+i)))
		}
		cands := candidates(names...)
		rules := Rules{
			Tiebreak:                    TiebreakMode(data[2] % 6),
			RandomSeed:                  int64(data[3]),
			Overvote:                    OvervoteRule(data[2] / 6 % 3),
			MaxSkippedRanks:             int(data[3]%4) - 1,
			DecimalPlaces:               1 + int(data[3]%5),
			ExhaustOnDuplicateCandidate: data[3]&16 != 0,
			BatchElimination:            data[3]&32 != 0,
		}
		if rules.Tiebreak == TiebreakStopCountingAndAsk || rules.Tiebreak == TiebreakPreviousRoundCountsThenAsk {
			rules.Tiebreak = TiebreakUseCandidateOrder
		}
		switch data[0] % 6 {
		case 0:
			rules.Mode, rules.NumberOfWinners = SingleWinnerMajority, 1
			rules.ContinueUntilTwoCandidatesRemain = data[3]&64 != 0
		case 1:
			rules.Mode, rules.NumberOfWinners = MultiWinnerAllowOnlyOneWinnerPerRound, 2
			rules.BatchElimination = false
		case 2:
			rules.Mode, rules.NumberOfWinners = MultiWinnerAllowMultipleWinnersPerRound, 2+int(data[0]/6%3)
			rules.BatchElimination = false
		case 3:
			rules.Mode, rules.NumberOfWinners = BottomsUp, 2
			rules.BatchElimination = false
		case 4:
			rules.Mode = BottomsUpUsingPercentageThreshold
			rules.PercentageThreshold = DecimalFromInt(int64(1 + data[0]%100))
			rules.CutoffElimination = data[3]&64 != 0
			rules.BatchElimination = false
		case 5:
			rules.Mode, rules.NumberOfWinners = MultiPassIRV, 2
		}
		b := NewBallots(nc)
		// Each ballot: a length byte, then that many (rank step, choice)
		// bytes; choice 255 is an unnamed overvote.
		rest := data[4:]
		for len(rest) > 0 {
			n := int(rest[0] % 6)
			rest = rest[1:]
			var marks []election.Mark
			rank := int32(0)
			for i := 0; i < n && len(rest) >= 1; i++ {
				x := rest[0]
				rest = rest[1:]
				rank += int32(x>>6) + 1
				if i > 0 && x&32 != 0 {
					rank-- // same rank as the previous mark: an overvote
				}
				c := election.Choice(int(x&31) % nc)
				if x&31 == 31 {
					c = election.Overvote
				}
				marks = append(marks, election.Mark{Rank: rank, Choice: c})
			}
			if _, err := b.Add(marks, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		res, err := RankedChoice(RankedInput{Candidates: cands, Ballots: b, Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		for _, tab := range res.Tabulations {
			if tab.NumberToElect > 0 && len(tab.Winners) > tab.NumberToElect {
				t.Fatalf("%d winners for %d seats", len(tab.Winners), tab.NumberToElect)
			}
			if rules.Mode.surplus() {
				continue
			}
			for _, r := range tab.Rounds {
				sum := r.Active().Add(r.InactiveTotal()).Add(DecimalFromInt(tab.Undervotes))
				if sum.Cmp(DecimalFromInt(tab.TotalBallots)) != 0 {
					t.Fatalf("round %d accounts for %s of %d ballots", r.Number, sum, tab.TotalBallots)
				}
			}
			var buf bytes.Buffer
			if err := WriteDetailedCSV(&buf, tab, ReportInfo{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
