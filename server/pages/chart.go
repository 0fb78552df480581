package pages

import (
	"fmt"
	"strconv"

	"github.com/canvass/canvass/resultsite"
)

// The round-by-round chart of a ranked contest: one row per round, a bar
// per row split into the leading candidates' votes (coloured, in finishing
// order) and everyone else's (grey), so that transfers between rounds show
// as growing segments. Every number is also in the table beside it.

// chartTop is how many candidates get their own colour.
const chartTop = 6

var palette = [chartTop]string{"#1b5e9e", "#b5441b", "#2e7d32", "#6a3d9a", "#8c6d00", "#00796b"}

const (
	chartWidth  = 720.0
	chartLabel  = 80.0
	rowHeight   = 22.0
	chartBar    = 16.0
	chartLegend = 24.0
)

type chartSegment struct {
	X, Y, W     float64
	Fill, Title string
}

type chartRow struct {
	Y, TextY float64
	Label    string
	Segments []chartSegment
}

type legendEntry struct {
	X, Y float64
	Fill string
	Name string
}

type chart struct {
	Width, Height float64
	Title         string
	Rows          []chartRow
	Legend        []legendEntry
	// Table: the leading candidates' votes by round, for reading.
	Names  []string
	Table  []tableRow
	Winner []string
}

type tableRow struct {
	Round      int
	Votes      []string
	Elected    []string
	Eliminated []string
}

func votes(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0
	}
	return f
}

// newChart lays out the chart of summary s.
func newChart(s *resultsite.Summary) *chart {
	top := s.Candidates
	if len(top) > chartTop {
		top = top[:chartTop]
	}
	c := &chart{Width: chartWidth, Title: s.Contest, Winner: s.Winners}
	for _, cand := range top {
		c.Names = append(c.Names, cand.Name)
	}
	// Scale: the largest round total.
	most := 0.0
	for _, r := range s.Rounds {
		t := 0.0
		for _, v := range r.Votes {
			t += votes(v)
		}
		most = max(most, t)
	}
	if most == 0 {
		most = 1
	}
	scale := (chartWidth - chartLabel - 8) / most
	for i, r := range s.Rounds {
		y := chartLegend + float64(i)*rowHeight
		row := chartRow{Y: y, TextY: y + chartBar - 4, Label: fmt.Sprintf("Round %d", r.Number)}
		x := chartLabel
		rest := 0.0
		for _, v := range r.Votes {
			rest += votes(v)
		}
		tr := tableRow{Round: r.Number, Elected: r.Elected, Eliminated: r.Eliminated}
		for j, name := range c.Names {
			v, ok := r.Votes[name]
			if !ok {
				tr.Votes = append(tr.Votes, "—")
				continue
			}
			tr.Votes = append(tr.Votes, v)
			f := votes(v)
			rest -= f
			row.Segments = append(row.Segments, chartSegment{X: x, Y: y, W: f * scale, Fill: palette[j], Title: fmt.Sprintf("%s: %s votes in round %d", name, v, r.Number)})
			x += f * scale
		}
		if rest > 0 {
			row.Segments = append(row.Segments, chartSegment{X: x, Y: y, W: rest * scale, Fill: "#9e9e9e", Title: fmt.Sprintf("all other candidates: %s votes in round %d", strconv.FormatFloat(rest, 'f', -1, 64), r.Number)})
		}
		c.Rows = append(c.Rows, row)
		c.Table = append(c.Table, tr)
	}
	x := chartLabel
	for j, n := range c.Names {
		c.Legend = append(c.Legend, legendEntry{X: x, Y: 4, Fill: palette[j], Name: n})
		x += 108
	}
	c.Height = chartLegend + float64(len(s.Rounds))*rowHeight + 4
	return c
}
