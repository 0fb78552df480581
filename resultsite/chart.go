package resultsite

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// chartTop is how many candidates the chart shows by name; the rest are
// grouped as "other candidates". Every winner is always shown.
const chartTop = 7

// palette is the Okabe–Ito colour-blind-safe palette, with the text colour
// readable on each.
var palette = []struct{ fill, text string }{
	{"#0072b2", "#fff"}, {"#e69f00", "#000"}, {"#009e73", "#fff"}, {"#cc79a7", "#000"},
	{"#56b4e9", "#000"}, {"#d55e00", "#fff"}, {"#7a5c99", "#fff"}, {"#b8a52f", "#000"},
}

const (
	othersFill   = "#b9b9b9"
	inactiveFill = "#e4e4e4"
)

type legendEntry struct {
	Name, Status, Fill string
	Elected, Out       bool
}

// Chart geometry, in SVG user units.
const (
	chartRight = 8
	chartTopPx = 26
	rowHeight  = 18
	barHeight  = 13
)

// layout is one size of the chart. The page carries a wide chart for
// tablets and desktops and a narrow one for phones, and its stylesheet
// shows one of them: an SVG scales as a whole, so one drawn 720 units wide
// would shrink its text to 4 pixels on a phone.
type layout struct {
	class      string
	width      int
	labelWidth int
	minLabel   float64 // narrowest segment that gets its number written in
}

var layouts = []layout{
	{class: "wide", width: 720, labelWidth: 44, minLabel: 52},
	{class: "narrow", width: 360, labelWidth: 26, minLabel: 40},
}

type series struct {
	name, fill, text string
	values           []float64 // per round; 0 when absent
	present          []bool
	eliminated       int // round, or 0
}

// chart draws one horizontal stacked bar per round: the shown candidates'
// votes (winners first), the other candidates' votes, then the inactive
// ballots, so every bar spans every ballot counted and transfers show as
// segments growing and shrinking from round to round. A dashed line marks
// the threshold.
func chart(id, name string, s *Summary) (template.HTML, []legendEntry) {
	ss, legend := chartSeries(s)
	var b strings.Builder
	for _, l := range layouts {
		drawChart(&b, l, id, name, s, ss)
	}
	return template.HTML(b.String()), legend
}

func chartSeries(s *Summary) ([]*series, []legendEntry) {
	n := len(s.Rounds)
	shown := chartTop
	if len(s.Winners) > shown {
		shown = len(s.Winners)
	}
	if shown > len(s.Candidates) {
		shown = len(s.Candidates)
	}
	var ss []*series
	var legend []legendEntry
	for i, c := range s.Candidates[:shown] {
		col := palette[i%len(palette)]
		se := &series{name: c.Name, fill: col.fill, text: col.text, values: make([]float64, n), present: make([]bool, n), eliminated: c.EliminatedRound}
		for r, round := range s.Rounds {
			if v, ok := round.Votes[c.Name]; ok {
				se.values[r], se.present[r] = decimalFloat(v), true
			}
		}
		ss = append(ss, se)
		legend = append(legend, legendEntry{Name: c.Name, Status: status(c), Fill: col.fill, Elected: c.ElectedRound != 0, Out: c.EliminatedRound != 0})
	}
	if rest := s.Candidates[shown:]; len(rest) > 0 {
		se := &series{name: fmt.Sprintf("%d other candidates", len(rest)), fill: othersFill, text: "#000", values: make([]float64, n), present: make([]bool, n)}
		for r, round := range s.Rounds {
			for _, c := range rest {
				if v, ok := round.Votes[c.Name]; ok {
					se.values[r] += decimalFloat(v)
					se.present[r] = true
				}
			}
		}
		ss = append(ss, se)
		out := true
		for _, c := range rest {
			out = out && c.EliminatedRound != 0
		}
		st := "all eliminated"
		if !out {
			st = "not elected"
		}
		legend = append(legend, legendEntry{Name: se.name, Status: st, Fill: othersFill, Out: out})
	}
	inactive := &series{name: "Inactive ballots", fill: inactiveFill, text: "#000", values: make([]float64, n), present: make([]bool, n)}
	for r, round := range s.Rounds {
		inactive.values[r], inactive.present[r] = decimalFloat(round.Inactive), true
	}
	ss = append(ss, inactive)
	legend = append(legend, legendEntry{Name: "Inactive ballots", Status: "exhausted, overvoted or skipped rankings", Fill: inactiveFill})
	return ss, legend
}

func drawChart(b *strings.Builder, l layout, id, name string, s *Summary, ss []*series) {
	n := len(s.Rounds)
	chartWidth, labelWidth := l.width, l.labelWidth
	inactive := ss[len(ss)-1]

	var max float64
	for r := range n {
		var t float64
		for _, se := range ss {
			t += se.values[r]
		}
		max = maxf(max, t)
		if s.Rounds[r].Threshold != "" {
			max = maxf(max, decimalFloat(s.Rounds[r].Threshold))
		}
	}
	if max == 0 {
		max = 1
	}
	span := float64(chartWidth - labelWidth - chartRight)
	x := func(v float64) float64 { return float64(labelWidth) + span*v/max }
	height := chartTopPx + n*rowHeight + 4

	e := template.HTMLEscapeString
	titleID, descID := "chart-"+id+"-"+l.class+"-title", "chart-"+id+"-"+l.class+"-desc"
	fmt.Fprintf(b, `<svg class="chart %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`, l.class, chartWidth, height, e(titleID), e(descID))
	fmt.Fprintf(b, `<title id="%s">%s: votes in each of %d rounds</title>`, e(titleID), e(name), n)
	var desc strings.Builder
	fmt.Fprintf(&desc, "One bar per round, from round 1 at the top to round %d at the bottom. Each bar shows every ballot counted in that round: ", n)
	for i, se := range ss {
		if i > 0 {
			desc.WriteString(", then ")
		}
		desc.WriteString(se.name)
	}
	desc.WriteString(". ")
	for _, w := range s.Winners {
		for _, c := range s.Candidates {
			if c.Name == w {
				fmt.Fprintf(&desc, "%s was elected in round %d with %s votes. ", w, c.ElectedRound, formatNumber(s.Rounds[c.ElectedRound-1].Votes[w]))
			}
		}
	}
	if s.Threshold != "" {
		fmt.Fprintf(&desc, "The dashed line is the threshold to win: %s votes in the final round. ", formatNumber(s.Threshold))
	}
	desc.WriteString("The table of all rounds below gives every number.")
	fmt.Fprintf(b, `<desc id="%s">%s</desc>`, e(descID), e(desc.String()))
	b.WriteString(`<text class="axis" x="2" y="16">Round</text>`)

	for r := range n {
		y := chartTopPx + r*rowHeight
		round := s.Rounds[r]
		var tip strings.Builder
		fmt.Fprintf(&tip, "Round %d:", round.Number)
		for _, se := range ss {
			if se.present[r] {
				fmt.Fprintf(&tip, " %s %s;", se.name, formatFloat(se.values[r]))
			}
		}
		for _, el := range round.Elected {
			fmt.Fprintf(&tip, " elected: %s;", el)
		}
		for _, el := range round.Eliminated {
			fmt.Fprintf(&tip, " eliminated: %s;", el)
		}
		fmt.Fprintf(b, `<g class="round"><title>%s</title>`, e(strings.TrimSuffix(tip.String(), ";")))
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%d" text-anchor="end">%d</text>`, labelWidth-8, y+barHeight-2, round.Number)
		at := 0.0
		for _, se := range ss {
			v := se.values[r]
			if !se.present[r] || v <= 0 {
				continue
			}
			x0, x1 := x(at), x(at+v)
			at += v
			op := ""
			if se.eliminated == round.Number {
				op = ` fill-opacity="0.45"`
			}
			fmt.Fprintf(b, `<rect x="%s" y="%d" width="%s" height="%d" fill="%s"%s/>`, fx(x0), y, fx(x1-x0), barHeight, se.fill, op)
			if x1-x0 >= l.minLabel && se != inactive {
				fmt.Fprintf(b, `<text class="v" x="%s" y="%d" fill="%s">%s</text>`, fx(x0+4), y+barHeight-3, se.text, e(formatFloat(v)))
			}
		}
		b.WriteString(`</g>`)
	}
	// Threshold: a step line, one vertical segment per round, so that a
	// threshold that changes from round to round (a majority of the
	// continuing votes, or a dynamic multi-seat quota) is drawn right.
	var pts []string
	var first, lastT string
	constant := true
	for r := range n {
		t := s.Rounds[r].Threshold
		if t == "" {
			continue
		}
		if first == "" {
			first = t
		} else if decimalFloat(t) != decimalFloat(lastT) {
			constant = false
		}
		lastT = t
		tx := fx(x(decimalFloat(t)))
		y := chartTopPx + r*rowHeight
		pts = append(pts, tx+","+fx(float64(y)-2.5), tx+","+fx(float64(y+rowHeight)-2.5))
	}
	if len(pts) > 0 {
		fmt.Fprintf(b, `<polyline class="threshold" points="%s" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="4 3"/>`, strings.Join(pts, " "))
		tx := x(decimalFloat(first))
		anchor := "middle"
		switch {
		case tx > float64(chartWidth-110):
			anchor = "end"
		case tx < float64(labelWidth+110):
			anchor = "start"
		}
		label := "threshold to win (changes from round to round)"
		if l.class == "narrow" {
			label = "threshold to win"
		}
		if constant {
			label = "threshold " + formatNumber(first)
		}
		fmt.Fprintf(b, `<text class="axis" x="%s" y="14" text-anchor="%s">%s</text>`, fx(tx), anchor, e(label))
	}
	b.WriteString(`</svg>`)
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// fx formats a coordinate with at most two decimals.
func fx(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func formatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	return formatNumber(s)
}
