// Package results publishes election results in the NIST SP 1500-100
// Election Results Reporting common data format (version 2, JSON), the format
// election-night reporting systems and news organisations ingest.
//
// The input types are deliberately plain (names and counts), so any
// tabulation, plurality or ranked-choice, can be published: a ranked-choice
// contest carries one count per round in VoteCounts.Round, as the v2 schema
// provides for.
package results

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Report is one results report for one election.
type Report struct {
	// Issuer is the office publishing the results; IssuerAbbreviation a
	// short code for it (e.g. a state or county FIPS code).
	Issuer             string
	IssuerAbbreviation string
	// Election is the election's name; Date its election day
	// (YYYY-MM-DD). Jurisdiction names the area it covers.
	Election     string
	Date         string
	Jurisdiction string
	// Status is an ElectionResults.ResultsStatus: "unofficial-partial",
	// "unofficial-complete", "certified", ... Empty means
	// "unofficial-complete".
	Status string
	// IsTest marks a report made from test or synthetic data.
	IsTest bool
	// Software identifies the program and version that made the report
	// (VendorApplicationId).
	Software string
	// Generated is the report's timestamp. It is an input, not the clock,
	// so that the same inputs give byte-identical reports.
	Generated time.Time
	Contests  []Contest
}

// Contest is the outcome of one candidate contest.
type Contest struct {
	// ID is a stable identifier (vendor contest id or name); Name the
	// title on the ballot.
	ID   string
	Name string
	// Variation is an ElectionResults.VoteVariation: "plurality",
	// "n-of-m", "approval", "rcv", ...
	Variation     string
	VotesAllowed  int
	NumberElected int
	// Rounds is how many rounds of counting there were; 1 for
	// single-round methods.
	Rounds     int
	Candidates []Candidate
	// BallotsCast counts ballots on which the contest appeared.
	BallotsCast int64
	// Overvotes, Undervotes and WriteIns are contest-level counts in the
	// first round, as 1500-100 OtherCounts defines them.
	Overvotes, Undervotes, WriteIns float64
}

// Candidate is one choice and its counts.
type Candidate struct {
	Name    string
	WriteIn bool
	// Votes holds one count per round (len = Contest.Rounds). A candidate
	// no longer counted in a round has no entry for it: use NaN-free
	// truncation, i.e. Votes shorter than Rounds.
	Votes []float64
	// Elected marks a winner; Defeated a candidate eliminated or losing.
	Elected  bool
	Defeated bool
}

// Validate checks what the schema cannot: every contest has candidates,
// rounds are consistent, identifiers are present.
func (r *Report) Validate() error {
	if r.Election == "" {
		return fmt.Errorf("results report: election name is required")
	}
	for i, c := range r.Contests {
		if c.Name == "" {
			return fmt.Errorf("contest %d: name is required", i+1)
		}
		if c.Rounds < 1 {
			return fmt.Errorf("contest %q: rounds must be at least 1", c.Name)
		}
		for _, cand := range c.Candidates {
			if len(cand.Votes) == 0 || len(cand.Votes) > c.Rounds {
				return fmt.Errorf("contest %q: candidate %q has %d round counts, want 1..%d", c.Name, cand.Name, len(cand.Votes), c.Rounds)
			}
		}
	}
	return nil
}

// object keeps JSON keys in the order the NIST schema documents them, which
// makes reports easy to read and diff; encoding/json would sort a map.
type object []field

type field struct {
	k string
	v any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// number renders counts without a needless fraction ("12", "12.5").
type number float64

func (n number) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(n), 'f', -1, 64)), nil
}

// Write renders r as an indented ElectionResults.ElectionReport JSON
// document.
func Write(w io.Writer, r *Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	status := r.Status
	if status == "" {
		status = "unofficial-complete"
	}
	date := r.Date
	if date == "" {
		date = r.Generated.Format("2006-01-02")
	}
	const scope = "gpu-jurisdiction"
	var candidates []any
	var contests []any
	for ci, c := range r.Contests {
		cid := fmt.Sprintf("contest-%d", ci+1)
		var sels []any
		for k, cand := range c.Candidates {
			candID := fmt.Sprintf("%s-candidate-%d", cid, k+1)
			candObj := object{{"@id", candID}, {"@type", "ElectionResults.Candidate"},
				{"BallotName", object{{"@type", "ElectionResults.InternationalizedText"},
					{"Text", []any{object{{"@type", "ElectionResults.LanguageString"}, {"Content", cand.Name}, {"Language", "en"}}}}}}}
			switch {
			case cand.Elected:
				candObj = append(candObj, field{"PostElectionStatus", "winner"})
			case cand.Defeated:
				candObj = append(candObj, field{"PostElectionStatus", "defeated"})
			}
			candidates = append(candidates, candObj)
			var counts []any
			for round, v := range cand.Votes {
				vc := object{{"@type", "ElectionResults.VoteCounts"}, {"Count", number(v)}, {"GpUnitId", scope}}
				if c.Rounds > 1 {
					vc = append(vc, field{"Round", round + 1})
				}
				vc = append(vc, field{"Type", "total"})
				counts = append(counts, vc)
			}
			sel := object{{"@id", fmt.Sprintf("%s-selection-%d", cid, k+1)}, {"@type", "ElectionResults.CandidateSelection"},
				{"CandidateIds", []string{candID}}}
			if cand.WriteIn {
				sel = append(sel, field{"IsWriteIn", true})
			}
			sel = append(sel, field{"SequenceOrder", k + 1}, field{"VoteCounts", counts})
			sels = append(sels, sel)
		}
		variation := c.Variation
		if variation == "" {
			variation = "plurality"
		}
		votesAllowed := c.VotesAllowed
		if votesAllowed < 1 {
			votesAllowed = 1
		}
		contest := object{{"@id", cid}, {"@type", "ElectionResults.CandidateContest"},
			{"ContestSelection", sels}, {"ElectionDistrictId", scope}}
		if c.ID != "" {
			contest = append(contest, field{"ExternalIdentifier", []any{object{{"@type", "ElectionResults.ExternalIdentifier"}, {"Type", "local-level"}, {"Value", c.ID}}}})
		}
		contest = append(contest, field{"Name", c.Name})
		if c.NumberElected > 0 {
			contest = append(contest, field{"NumberElected", c.NumberElected})
		}
		contest = append(contest,
			field{"OtherCounts", []any{object{{"@type", "ElectionResults.OtherCounts"}, {"GpUnitId", scope},
				{"Overvotes", number(c.Overvotes)}, {"Undervotes", number(c.Undervotes)}, {"WriteIns", number(c.WriteIns)}}}},
			field{"SequenceOrder", ci + 1},
			field{"VoteVariation", variation},
			field{"VotesAllowed", votesAllowed})
		contests = append(contests, contest)
	}
	var ballotCounts []any
	var cast int64
	for _, c := range r.Contests {
		if c.BallotsCast > cast {
			cast = c.BallotsCast
		}
	}
	if cast > 0 {
		ballotCounts = append(ballotCounts, object{{"@type", "ElectionResults.BallotCounts"}, {"BallotsCast", cast}, {"GpUnitId", scope}, {"Type", "total"}})
	}
	election := object{{"@type", "ElectionResults.Election"}}
	if ballotCounts != nil {
		election = append(election, field{"BallotCounts", ballotCounts})
	}
	election = append(election,
		field{"Candidate", candidates},
		field{"Contest", contests},
		field{"ElectionScopeId", scope},
		field{"EndDate", date},
		field{"Name", object{{"@type", "ElectionResults.InternationalizedText"},
			{"Text", []any{object{{"@type", "ElectionResults.LanguageString"}, {"Content", r.Election}, {"Language", "en"}}}}}},
		field{"StartDate", date},
		field{"Type", "general"})
	jurisdiction := r.Jurisdiction
	if jurisdiction == "" {
		jurisdiction = r.Issuer
	}
	unit := object{{"@id", scope}, {"@type", "ElectionResults.ReportingUnit"}}
	if jurisdiction != "" {
		unit = append(unit, field{"Name", object{{"@type", "ElectionResults.InternationalizedText"},
			{"Text", []any{object{{"@type", "ElectionResults.LanguageString"}, {"Content", jurisdiction}, {"Language", "en"}}}}}})
	}
	unit = append(unit, field{"OtherType", "jurisdiction"}, field{"Type", "other"})
	issuer, abbr := r.Issuer, r.IssuerAbbreviation
	if issuer == "" {
		issuer = jurisdiction
	}
	if abbr == "" {
		abbr = abbreviate(issuer)
	}
	software := r.Software
	if software == "" {
		software = "canvass"
	}
	report := object{{"@type", "ElectionResults.ElectionReport"},
		{"Election", []any{election}},
		{"Format", "summary-contest"},
		{"GeneratedDate", r.Generated.UTC().Format(time.RFC3339)},
		{"GpUnit", []any{unit}},
		{"IsTest", r.IsTest},
		{"Issuer", issuer},
		{"IssuerAbbreviation", abbr},
		{"SequenceEnd", 1},
		{"SequenceStart", 1},
		{"Status", status},
		{"VendorApplicationId", software}}
	out, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

// abbreviate makes an issuer abbreviation from initials, which the schema
// requires when the caller has none.
func abbreviate(s string) string {
	var b strings.Builder
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		if len(r) > 0 && (r[0] >= 'A' && r[0] <= 'Z' || r[0] >= 'a' && r[0] <= 'z') {
			b.WriteString(strings.ToUpper(string(r[0])))
		}
	}
	if b.Len() == 0 {
		return "NA"
	}
	return b.String()
}
