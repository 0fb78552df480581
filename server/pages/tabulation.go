package pages

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/resultsite"
)

type report struct{ Name, URL string }

type tabulationData struct {
	Election   *office.Election
	T          *office.TabulationView
	Summary    *resultsite.Summary
	Chart      *chart
	RawSummary string
	Reports    []report
	CanPublish bool
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
	if s, err := resultsite.ParseSummary(t.Summary); err == nil {
		d.Summary, d.Chart = s, newChart(s)
	} else {
		// Not a ranked contest's round-by-round report: show it as is.
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
	slices.SortFunc(d.Reports, func(a, b report) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	v.Title, v.Data = "Tabulation "+t.ID+" — "+e.Name, d
	p.render(w, http.StatusOK, "tabulation", v)
}
