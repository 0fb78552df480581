package pages

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/resultsite"
)

type report struct{ Name, URL string }

// contestView is one contest of a tabulation's summary, with the
// round-by-round chart of each RCTab report (one per pass) of a ranked
// contest.
type contestView struct {
	results.ContestSummary
	Charts []*chart
}

type tabulationData struct {
	Election *office.Election
	T        *office.TabulationView
	Contests []contestView
	// RawSummary is the summary as sent, when it is not a canvass summary.
	RawSummary string
	Reports    []report
	CanPublish bool
	// Rules are the rules in force by contest, TRules this tabulation's
	// (rules.go); "" for a direct count.
	Rules  map[string]*RulesInForce
	TRules string
}

func (p *Pages) tabulation(w http.ResponseWriter, r *http.Request, u *office.User) {
	ctx := r.Context()
	v := &view{Title: "Tabulation", User: u}
	e, err := p.o.Election(ctx, u, r.PathValue("e"))
	if err != nil {
		p.fail(w, "tabulation", v, err)
		return
	}
	t, err := p.o.TabulationOf(ctx, u, e.ID, r.PathValue("t"))
	if err != nil {
		p.fail(w, "tabulation", v, err)
		return
	}
	d := &tabulationData{Election: e, T: t, CanPublish: office.Allowed(u, office.ActRequestPublication, e.Jurisdiction)}
	var sum results.Summary
	if json.Unmarshal(t.Summary, &sum) == nil && sum.Format == results.SummaryFormat {
		for _, c := range sum.Contests {
			cv := contestView{ContestSummary: c}
			for _, rep := range c.RCTabReport {
				if s, err := resultsite.ParseSummary(rep); err == nil {
					cv.Charts = append(cv.Charts, newChart(s))
				}
			}
			d.Contests = append(d.Contests, cv)
		}
	} else {
		var b bytes.Buffer
		if json.Indent(&b, t.Summary, "", "  ") == nil {
			d.RawSummary = b.String()
		} else {
			d.RawSummary = string(t.Summary)
		}
	}
	for name, url := range t.Reports {
		d.Reports = append(d.Reports, report{name, url})
	}
	slices.SortFunc(d.Reports, func(a, b report) int { return strings.Compare(a.Name, b.Name) })
	if err := p.tabulationRules(ctx, u, e.ID, t.ID, d); err != nil {
		p.fail(w, "tabulation", v, err)
		return
	}
	v.Title, v.Data = "Tabulation "+t.ID+" — "+e.Name, d
	p.render(w, http.StatusOK, "tabulation", v)
}
