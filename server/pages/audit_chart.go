package pages

import (
	"fmt"

	"github.com/canvass/canvass/office"
)

// The progress chart of an audit's round: one row per county, a bar as
// long as the ballots the round asks of it, the part with a reading in
// green and the rest in grey. Every number is also in the table beside
// it; the chart only makes the laggards easy to spot.

type progressBar struct {
	Y, TextY, W, DoneW  float64
	Label, Title, Count string
}

type progressChart struct {
	Width, Height float64
	Rows          []progressBar
}

const (
	progressLabel = 160.0
	progressRow   = 24.0
)

// newProgressChart lays out the chart of p's latest round; nil before a
// round asks anything of any county.
func newProgressChart(p *office.AuditProgress) *progressChart {
	most := 0
	for _, c := range p.Jurisdictions {
		most = max(most, c.Sampled)
	}
	if most == 0 {
		return nil
	}
	c := &progressChart{Width: chartWidth}
	scale := (chartWidth - progressLabel - 100) / float64(most)
	for i, j := range p.Jurisdictions {
		y := 4 + float64(i)*progressRow
		c.Rows = append(c.Rows, progressBar{Y: y, TextY: y + chartBar - 4, W: float64(j.Sampled) * scale, DoneW: float64(j.Entered) * scale,
			Label: j.Jurisdiction, Count: fmt.Sprintf("%d of %d", j.Entered, j.Sampled), Title: fmt.Sprintf("%s: %d of %d ballots entered, %d remaining", j.Jurisdiction, j.Entered, j.Sampled, j.Remaining)})
	}
	c.Height = 8 + float64(len(p.Jurisdictions))*progressRow
	return c
}

// TextX is where a row's count goes: after its bar.
func (b progressBar) TextX() float64 { return progressLabel + b.W + 6 }

// BarX is where bars start.
func (b progressBar) BarX() float64 { return progressLabel }
