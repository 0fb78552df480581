package tabulate

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// This file renders counts as plain text for a terminal: a summary a person
// can read at the counter, not a file for machines (the RCTab-compatible
// CSV and JSON reports carry every number).

// WriteText writes a readable summary of one count: a line per round (who
// was elected or eliminated, at what threshold), the candidates' first and
// final rounds, inactive ballots, broken ties, and the winners.
func WriteText(w io.Writer, t *Tabulation, info ReportInfo) error {
	ew := &errWriter{w: w}
	title := info.Contest
	if t.Pass > 0 {
		title += fmt.Sprintf(" — pass %d", t.Pass)
	}
	ew.printf("%s\n", title)
	if where := joinNonEmpty(", ", info.Jurisdiction, info.Office, info.Date); where != "" {
		ew.printf("%s\n", where)
	}
	candidates := 0
	for c, cand := range t.Candidates {
		if !t.Excluded[c] && !cand.WriteIn {
			candidates++
		}
	}
	ew.printf("%s; %d seat(s); %d candidates; %s ballots (%s with no rankings); %d rounds\n\n",
		modeText(t.Mode), t.NumberToElect, candidates, groupInt(t.TotalBallots), groupInt(t.Undervotes), len(t.Rounds))

	tw := newTable(ew, tabwriter.AlignRight)
	// The decision trails the last tab: tabwriter leaves such text
	// unaligned, so the numbers align right and the names read left.
	fmt.Fprintf(tw, "Round\tActive\tThreshold\t  Decision\n")
	for i := range t.Rounds {
		r := &t.Rounds[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t  %s\n", r.Number, groupDecimal(r.Active()), groupDecimal(r.Threshold), roundDecisions(t, r))
	}
	tw.Flush()
	ew.printf("\n")

	if len(t.Rounds) > 0 {
		first := &t.Rounds[0]
		ew.printf("Round 1\n")
		writeCandidateTable(ew, t, first, false)
		if len(t.Rounds) > 1 {
			last := &t.Rounds[len(t.Rounds)-1]
			ew.printf("\nFinal round (%d)\n", last.Number)
			writeCandidateTable(ew, t, last, true)
		}
		last := &t.Rounds[len(t.Rounds)-1]
		ew.printf("\nInactive ballots after round %d: %s (overvotes %s, skipped rankings %s, exhausted choices %s, repeated rankings %s)\n",
			last.Number, groupDecimal(last.InactiveTotal()),
			groupDecimal(last.Inactive[InactiveOvervote]), groupDecimal(last.Inactive[InactiveSkippedRankings]),
			groupDecimal(last.Inactive[InactiveExhaustedChoices]), groupDecimal(last.Inactive[InactiveRepeatedRankings]))
	}
	for _, tie := range t.Ties {
		var names []string
		for _, c := range tie.Tied {
			names = append(names, t.Candidates[c].Name)
		}
		what := "to eliminate"
		if tie.Winning {
			what = "to elect"
		}
		ew.printf("Tie in round %d %s between %s: %s chosen by %s\n", tie.Round, what, strings.Join(names, ", "), t.Candidates[tie.Chosen].Name, tie.How)
	}
	var winners []string
	for _, c := range t.Winners {
		winners = append(winners, t.Candidates[c].Name)
	}
	if len(winners) == 0 {
		ew.printf("No winner: counting stopped before a candidate was elected.\n")
	} else {
		ew.printf("Winner(s): %s\n", strings.Join(winners, "; "))
	}
	return ew.err
}

// writeCandidateTable lists the candidates in a round's tally, most votes
// first, with their share of the round's active ballots.
func writeCandidateTable(w io.Writer, t *Tabulation, r *Round, final bool) {
	var cs []int
	for c := range t.Candidates {
		if c < len(r.InTally) && r.InTally[c] {
			cs = append(cs, c)
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return r.Tally[cs[i]].Cmp(r.Tally[cs[j]]) > 0 })
	elected := map[int]bool{}
	for _, c := range t.Winners {
		elected[c] = true
	}
	active := r.Active()
	tw := newTable(w, 0)
	for _, c := range cs {
		note := ""
		if final && elected[c] {
			note = "elected"
		}
		// The share is RCTab's (truncated), so it matches the CSV report.
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Candidates[c].Name, groupDecimal(r.Tally[c]), percent(r.Tally[c], active), note)
	}
	tw.Flush()
}

// roundDecisions describes what happened at the end of a round.
func roundDecisions(t *Tabulation, r *Round) string {
	var parts []string
	add := func(verb string, ds []Decision) {
		if len(ds) == 0 {
			return
		}
		var names []string
		for _, d := range ds {
			n := fmt.Sprintf("%s (%s)", t.Candidates[d.Candidate].Name, groupDecimal(r.Tally[d.Candidate]))
			if d.Tie {
				n += " after a tie-break"
			}
			names = append(names, n)
		}
		parts = append(parts, verb+" "+strings.Join(names, ", "))
	}
	add("elected", r.Elected)
	add("eliminated", r.Eliminated)
	return strings.Join(parts, "; ")
}

func modeText(m WinnerElectionMode) string {
	switch m {
	case SingleWinnerMajority:
		return "single-winner ranked choice (IRV)"
	case MultiWinnerAllowOnlyOneWinnerPerRound:
		return "multi-winner ranked choice (STV, one winner per round)"
	case MultiWinnerAllowMultipleWinnersPerRound:
		return "multi-winner ranked choice (STV)"
	case BottomsUp:
		return "bottoms-up multi-winner ranked choice"
	case BottomsUpUsingPercentageThreshold:
		return "bottoms-up ranked choice with a percentage threshold"
	case MultiPassIRV:
		return "multi-pass IRV"
	}
	return m.String()
}

// WriteTallyText writes a readable summary of an unranked count.
func WriteTallyText(w io.Writer, name string, t *Tally, r TallyResult) error {
	ew := &errWriter{w: w}
	ew.printf("%s\n", name)
	method := "plurality"
	switch {
	case t.Method == Approval:
		method = "approval"
	case t.VoteFor > 1:
		method = fmt.Sprintf("vote for %d", t.VoteFor)
	}
	ew.printf("%s; %s ballots (%s blank, %s overvoted)\n\n", method, groupInt(t.Ballots), groupInt(t.BlankBallots), groupInt(t.OvervotedBallots))
	var total int64
	for _, v := range t.Votes {
		total += v
	}
	won := map[int]bool{}
	for _, c := range r.Winners {
		won[c] = true
	}
	tied := map[int]bool{}
	for _, c := range r.Tied {
		tied[c] = true
	}
	tw := newTable(ew, 0)
	for _, c := range r.Order {
		note := ""
		switch {
		case won[c]:
			note = "elected"
		case tied[c]:
			note = "tied"
		}
		share := "-"
		if total > 0 {
			share = fmt.Sprintf("%.2f%%", 100*float64(t.Votes[c])/float64(total))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Candidates[c].Name, groupInt(t.Votes[c]), share, note)
	}
	tw.Flush()
	ew.printf("\nOvervotes %s, undervotes %s\n", groupInt(t.Overvotes), groupInt(t.Undervotes))
	if len(r.Tied) > 0 {
		var names []string
		for _, c := range r.Tied {
			names = append(names, t.Candidates[c].Name)
		}
		ew.printf("Tie for %d seat(s) between %s: the tie must be resolved as the law provides.\n", r.TiedSeats, strings.Join(names, ", "))
	}
	var winners []string
	for _, c := range r.Winners {
		winners = append(winners, t.Candidates[c].Name)
	}
	if len(winners) > 0 {
		ew.printf("Winner(s): %s\n", strings.Join(winners, "; "))
	}
	return ew.err
}

// groupDecimal renders a decimal with thousands separators, keeping its
// scale ("28,951", "1,234.5000").
func groupDecimal(d Decimal) string {
	s := d.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	out := groupDigits(intPart)
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func groupInt(n int64) string {
	if n < 0 {
		return "-" + groupDigits(fmt.Sprint(-n))
	}
	return groupDigits(fmt.Sprint(n))
}

func groupDigits(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// table lays out tab-separated lines in aligned columns and writes them
// without the spaces tabwriter pads a line's last cell with.
type table struct {
	w   io.Writer
	buf strings.Builder
	tw  *tabwriter.Writer
}

func newTable(w io.Writer, flags uint) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', flags)
	return t
}

func (t *table) Write(p []byte) (int, error) { return t.tw.Write(p) }

func (t *table) Flush() {
	t.tw.Flush()
	for _, l := range strings.SplitAfter(t.buf.String(), "\n") {
		if l == "" {
			continue
		}
		io.WriteString(t.w, strings.TrimRight(l, " \n")+"\n")
	}
}

// errWriter remembers the first write error so rendering code can stay
// linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
