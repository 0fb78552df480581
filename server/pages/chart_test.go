package pages

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/resultsite"
)

// TestChartMinneapolis lays out the chart of RCTab's expected report for
// the 2013 Minneapolis mayoral race: one row per round, the winner first
// in the legend, bar lengths proportional to votes on one scale, and the
// table's numbers exactly RCTab's.
func TestChartMinneapolis(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rctab", "2013_minneapolis_mayor", "2013_minneapolis_mayor_expected_detailed_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := resultsite.ParseSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	c := newChart(s)
	if len(c.Rows) != len(s.Rounds) || len(c.Table) != len(s.Rounds) || len(s.Rounds) != 33 {
		t.Fatalf("%d rows, %d table rows for %d rounds", len(c.Rows), len(c.Table), len(s.Rounds))
	}
	if len(c.Names) != chartTop || c.Names[0] != "BETSY HODGES" || c.Legend[0].Name != "BETSY HODGES" {
		t.Fatalf("leading candidates %v", c.Names)
	}
	last := s.Rounds[len(s.Rounds)-1]
	row := c.Rows[len(c.Rows)-1]
	// Hodges's bar over her final-round votes is the scale of every bar.
	scale := row.Segments[0].W / votes(last.Votes["BETSY HODGES"])
	for i, r := range c.Rows {
		total := 0.0
		for _, seg := range r.Segments {
			if seg.W < 0 || seg.X < chartLabel {
				t.Fatalf("round %d: segment %+v", i+1, seg)
			}
			total += seg.W
		}
		want := 0.0
		for _, v := range s.Rounds[i].Votes {
			want += votes(v)
		}
		if math.Abs(total-want*scale) > 1e-6 {
			t.Fatalf("round %d: bar %.3f long, want %.3f", i+1, total, want*scale)
		}
		if end := r.Segments[len(r.Segments)-1]; end.X+end.W > chartWidth {
			t.Fatalf("round %d: the bar leaves the chart (%.1f)", i+1, end.X+end.W)
		}
	}
	for j, name := range c.Names {
		if got, want := c.Table[0].Votes[j], s.Rounds[0].Votes[name]; got != want {
			t.Errorf("round 1, %s: table shows %s, RCTab %s", name, got, want)
		}
	}
	if !strings.Contains(row.Segments[0].Title, "BETSY HODGES") {
		t.Fatalf("segment title %q", row.Segments[0].Title)
	}
}
