package generic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// This file holds the test helpers that turn an RCTab fixture into what
// the reader needs (a cvr.Source) and what it can be checked against (the
// ballot totals and round-1 tallies of RCTab's expected report).

const fixtures = "../../testdata/rctab"

// fixtureConfig is the part of an RCTab configuration a reader test needs.
type fixtureConfig struct {
	Sources    []cvr.Source
	Providers  []string
	Candidates []election.Candidate
	Rules      map[string]any
}

// loadConfig reads fixture name's configuration. RCTab writes numbers
// either as JSON numbers or as strings, and "" for absent.
func loadConfig(t testing.TB, name string) fixtureConfig {
	t.Helper()
	path := filepath.Join(fixtures, name, name+"_config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		CvrFileSources []map[string]any `json:"cvrFileSources"`
		Candidates     []struct {
			Name     string   `json:"name"`
			Aliases  []string `json:"aliases"`
			Excluded bool     `json:"excluded"`
		} `json:"candidates"`
		Rules map[string]any `json:"rules"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var fc fixtureConfig
	fc.Rules = raw.Rules
	for _, c := range raw.Candidates {
		fc.Candidates = append(fc.Candidates, election.Candidate{Name: c.Name, Aliases: c.Aliases, Excluded: c.Excluded})
	}
	for _, m := range raw.CvrFileSources {
		str := func(k string) string {
			switch v := m[k].(type) {
			case string:
				return v
			case float64:
				return strconv.Itoa(int(v))
			case bool:
				return strconv.FormatBool(v)
			}
			return ""
		}
		num := func(k string) int {
			s := str(k)
			if s == "" {
				return 0
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: %s = %q", path, k, s)
			}
			return n
		}
		src := cvr.Source{
			ContestID:                     str("contestId"),
			OvervoteLabel:                 str("overvoteLabel"),
			UndervoteLabel:                str("skippedRankLabel"),
			UndeclaredWriteInLabel:        str("undeclaredWriteInLabel"),
			OvervoteDelimiter:             str("overvoteDelimiter"),
			TreatBlankAsUndeclaredWriteIn: str("treatBlankAsUndeclaredWriteIn") == "true",
			FirstVoteColumn:               num("firstVoteColumnIndex"),
			FirstVoteRow:                  num("firstVoteRowIndex"),
			IDColumn:                      num("idColumnIndex"),
			PrecinctColumn:                num("precinctColumnIndex"),
			BatchColumn:                   num("batchColumnIndex"),
			Candidates:                    fc.Candidates,
		}
		if p := str("filePath"); p != "" {
			src.Path = filepath.Join(fixtures, name, p)
		}
		fc.Sources = append(fc.Sources, src)
		fc.Providers = append(fc.Providers, str("provider"))
	}
	return fc
}

// report holds the figures of an RCTab expected detailed report that
// depend only on the CVRs.
type report struct {
	Ballots    int
	Undervotes int
	Round1     map[string]string // candidate -> round-1 votes
}

func loadReport(t testing.TB, path string) report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := report{Round1: map[string]string{}}
	sc := bufio.NewScanner(f)
	inRounds := false
	for sc.Scan() {
		fields := splitCSVLine(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch {
		case fields[0] == "Total Number of Ballots":
			r.Ballots, _ = strconv.Atoi(fields[1])
		case fields[0] == "Number of Undervotes (No Rankings)":
			r.Undervotes, _ = strconv.Atoi(fields[1])
		case fields[0] == "Rounds":
			inRounds = true
		case fields[0] == "Active Ballots":
			inRounds = false
		case inRounds && fields[0] != "Eliminated" && fields[0] != "Elected":
			r.Round1[fields[0]] = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// splitCSVLine splits one line of an RCTab report, which quotes fields
// containing commas.
func splitCSVLine(s string) []string {
	var out []string
	var b strings.Builder
	q := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && q && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			q = !q
		case c == ',' && !q:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// ballot is a CVR copied out of the reader's reused record.
type ballot struct {
	election.CVR
	marks []election.Mark
}

// readAll reads src with r and copies every record.
func readAll(t testing.TB, r cvr.Reader, src cvr.Source) (*election.Election, []ballot, error) {
	t.Helper()
	e := &election.Election{}
	var out []ballot
	err := r(src, e, func(rec *election.CVR) error {
		b := ballot{CVR: *rec}
		b.Contests = nil
		if len(rec.Contests) != 1 {
			return fmt.Errorf("record %s has %d contests, want 1", rec.ID, len(rec.Contests))
		}
		b.marks = append([]election.Mark(nil), rec.Contests[0].Marks...)
		out = append(out, b)
		return nil
	})
	return e, out, err
}

// round1 computes RCTab's round-1 tally from marks: each ballot counts for
// the candidate at its first ranking, skipping at most maxSkipped
// consecutive empty ranks; an overvoted rank (several candidates or an
// overvote marker) exhausts the ballot or, under alwaysSkipToNextRank, is
// passed over. Every candidate but the excluded ones continues in round 1;
// a rank naming only excluded candidates is passed over. It is a deliberately small
// independent model used only to cross-check the readers.
func round1(c *election.Contest, ballots []ballot, maxSkipped int, skipOvervotes bool) map[string]int {
	tally := map[string]int{}
	for _, b := range ballots {
		byRank := map[int32][]election.Choice{}
		maxRank := int32(0)
		for _, m := range b.marks {
			byRank[m.Rank] = append(byRank[m.Rank], m.Choice)
			maxRank = max(maxRank, m.Rank)
		}
		skipped := 0
		for r := int32(1); r <= maxRank; r++ {
			var cs []election.Choice
			excluded := false
			for _, ch := range byRank[r] {
				if ch >= 0 && c.Candidates[ch].Excluded {
					excluded = true
					continue
				}
				cs = append(cs, ch)
			}
			if len(cs) == 0 && excluded {
				continue // ranked, but nobody continuing: not a skipped rank
			}
			if len(cs) == 0 {
				skipped++
				if skipped > maxSkipped {
					break
				}
				continue
			}
			skipped = 0
			distinct := map[election.Choice]bool{}
			for _, ch := range cs {
				distinct[ch] = true
			}
			if len(distinct) > 1 || distinct[election.Overvote] {
				if skipOvervotes {
					continue
				}
				break
			}
			tally[c.Candidates[cs[0]].Name]++
			break
		}
	}
	return tally
}

// checkAgainstReport compares what a reader produced for fixture name with
// RCTab's expected report: ballot and undervote totals, and the round-1
// tally of every candidate.
func checkAgainstReport(t *testing.T, name string, fc fixtureConfig, e *election.Election, ballots []ballot) {
	t.Helper()
	checkReportFile(t, filepath.Join(fixtures, name, name+"_expected_detailed_report.csv"), fc, e, ballots)
}

// checkReportFile is checkAgainstReport for the report at path.
func checkReportFile(t *testing.T, path string, fc fixtureConfig, e *election.Election, ballots []ballot) {
	t.Helper()
	name := filepath.Base(path)
	rep := loadReport(t, path)
	if len(ballots) != rep.Ballots {
		t.Errorf("%s: read %d ballots, RCTab reports %d", name, len(ballots), rep.Ballots)
	}
	under := 0
	for _, b := range ballots {
		if len(b.marks) == 0 {
			under++
		}
	}
	if under != rep.Undervotes {
		t.Errorf("%s: %d ballots without marks, RCTab reports %d undervotes", name, under, rep.Undervotes)
	}
	maxSkipped := 1 << 30
	if v, ok := fc.Rules["maxSkippedRanksAllowed"]; ok && fmt.Sprint(v) != "unlimited" {
		maxSkipped, _ = strconv.Atoi(fmt.Sprint(v))
	}
	skipOver := fmt.Sprint(fc.Rules["overvoteRule"]) == "alwaysSkipToNextRank"
	got := round1(e.Contests[0], ballots, maxSkipped, skipOver)
	for cand, want := range rep.Round1 {
		if cand == election.UndeclaredWriteInName && got[cand] == 0 && (want == "0" || strings.HasPrefix(want, "0.")) {
			continue
		}
		if g := strconv.Itoa(got[cand]); g != want && g+".0000" != want && !strings.HasPrefix(want, g+".") {
			t.Errorf("%s: round 1 %s: %s from the reader, RCTab reports %s", name, cand, g, want)
		}
	}
	for cand, n := range got {
		if _, ok := rep.Round1[cand]; !ok && n > 0 {
			t.Errorf("%s: round 1 gives %d votes to %q, which RCTab's report does not list", name, n, cand)
		}
	}
}
