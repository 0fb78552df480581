package resultsite

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

type contestPage struct {
	ID, Name   string
	Ranked     bool
	Seats      int
	Winners    []string
	Ballots    string // total ballots, formatted; "" when unknown
	Threshold  string // formatted
	Candidates int
	// FinalRound is the number of the round Final shows (ranked contests).
	FinalRound  int
	Final       []finalRow
	Chart       template.HTML
	Legend      []legendEntry
	Rounds      []int
	Table       []roundRow
	Inactive    []string // per round, formatted
	CSV         string
	GeneratedBy string
}

type finalRow struct {
	Name, Votes, Percent, Status string
	Elected                      bool
}

type roundRow struct {
	Name, Status string
	Elected, Out bool
	Cells        []string
}

// contestView checks one contest and returns its part of the page and its
// CSV download.
func contestView(c Contest) (*contestPage, []byte, error) {
	if !contestID.MatchString(c.ID) {
		return nil, nil, fmt.Errorf("ID %q: want lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", c.ID)
	}
	if c.Name == "" {
		return nil, nil, errors.New("the contest has no Name")
	}
	if c.SummaryJSON != nil {
		if c.Votes != nil || c.Winners != nil {
			return nil, nil, errors.New("both SummaryJSON (ranked) and Votes/Winners (unranked) are set")
		}
		s, err := ParseSummary(c.SummaryJSON)
		if err != nil {
			return nil, nil, fmt.Errorf("SummaryJSON: %w", err)
		}
		return rankedView(c, s)
	}
	return unrankedView(c)
}

func unrankedView(c Contest) (*contestPage, []byte, error) {
	if len(c.Votes) == 0 {
		return nil, nil, errors.New("neither SummaryJSON nor Votes is set")
	}
	seats := c.Seats
	if seats == 0 {
		seats = 1
	}
	if seats < 0 || len(c.Winners) > seats {
		return nil, nil, fmt.Errorf("%d winners for %d seats", len(c.Winners), c.Seats)
	}
	seen := map[string]bool{}
	var total int64
	for i, cv := range c.Votes {
		if cv.Name == "" || seen[cv.Name] {
			return nil, nil, fmt.Errorf("field Votes[%d]: candidate name %q is empty or repeated", i, cv.Name)
		}
		if cv.Votes < 0 {
			return nil, nil, fmt.Errorf("field Votes[%d] (%q): negative votes", i, cv.Name)
		}
		seen[cv.Name] = true
		total += cv.Votes
	}
	won := map[string]bool{}
	for i, w := range c.Winners {
		if !seen[w] || won[w] {
			return nil, nil, fmt.Errorf("field Winners[%d]: %q is not a candidate in Votes, or is repeated", i, w)
		}
		won[w] = true
	}
	p := &contestPage{ID: c.ID, Name: c.Name, Seats: seats, Winners: c.Winners, Candidates: len(c.Votes)}
	if c.Ballots > 0 {
		p.Ballots = strconv.FormatInt(c.Ballots, 10)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"Candidate", "Votes"})
	for _, cv := range c.Votes {
		row := finalRow{Name: cv.Name, Votes: strconv.FormatInt(cv.Votes, 10), Percent: percent(float64(cv.Votes), float64(total)), Elected: won[cv.Name]}
		if row.Elected {
			row.Status = "Elected"
		}
		p.Final = append(p.Final, row)
		_ = w.Write([]string{csvSafe(cv.Name), row.Votes})
	}
	w.Flush()
	return p, buf.Bytes(), w.Error()
}

func rankedView(c Contest, s *Summary) (*contestPage, []byte, error) {
	p := &contestPage{
		ID: c.ID, Name: c.Name, Ranked: true, Seats: s.Seats, Winners: s.Winners,
		Ballots: s.Ballots, Threshold: s.Threshold, Candidates: len(s.Candidates),
		FinalRound: len(s.Rounds), GeneratedBy: s.GeneratedBy,
	}
	last := s.Rounds[len(s.Rounds)-1]
	var lastTotal float64
	for _, v := range last.Votes {
		lastTotal += decimalFloat(v)
	}
	for _, cand := range s.Candidates {
		v, ok := last.Votes[cand.Name]
		if !ok {
			continue
		}
		p.Final = append(p.Final, finalRow{Name: cand.Name, Votes: v, Percent: percent(decimalFloat(v), lastTotal),
			Status: status(cand), Elected: cand.ElectedRound != 0})
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"Candidate"}
	for _, r := range s.Rounds {
		p.Rounds = append(p.Rounds, r.Number)
		p.Inactive = append(p.Inactive, r.Inactive)
		header = append(header, "Round "+strconv.Itoa(r.Number))
	}
	_ = w.Write(header)
	for _, cand := range s.Candidates {
		row := roundRow{Name: cand.Name, Status: status(cand), Elected: cand.ElectedRound != 0, Out: cand.EliminatedRound != 0}
		rec := []string{csvSafe(cand.Name)}
		for _, r := range s.Rounds {
			row.Cells = append(row.Cells, r.Votes[cand.Name])
			rec = append(rec, r.Votes[cand.Name])
		}
		p.Table = append(p.Table, row)
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, nil, err
	}
	p.Chart, p.Legend = chart(c.ID, c.Name, s)
	return p, buf.Bytes(), nil
}

func status(c RankedCandidate) string {
	switch {
	case c.ElectedRound != 0:
		return "Elected in round " + strconv.Itoa(c.ElectedRound)
	case c.EliminatedRound != 0:
		return "Eliminated in round " + strconv.Itoa(c.EliminatedRound)
	}
	return "Not elected"
}

// csvSafe keeps a spreadsheet from reading a candidate name as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func percent(v, total float64) string {
	if total <= 0 {
		return "–"
	}
	return strconv.FormatFloat(100*v/total, 'f', 1, 64) + "%"
}

// formatNumber groups the digits of a decimal as RCTab prints it by
// thousands and drops a fractional part that is all zeros:
// "14866.0000" → "14,866", "177.5192" → "177.5192".
func formatNumber(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	if strings.Trim(frac, "0") == "" {
		frac = ""
	}
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" {
		return s
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

func formatSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " kB"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
}
