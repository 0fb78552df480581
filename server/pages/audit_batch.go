package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/office"
)

// The hand-tally pages of batch-comparison audits (docs/pages.md): a
// county's sampled batches in the open round, and a batch's page with its
// tally sheets, the sheet entry form, finalizing (after a confirmation
// listing the sums) and the request to unfinalize. The reported tallies
// are never shown: office.BatchView holds none, only choice names. Entry
// is built for the keyboard: the first field has focus, Tab walks the
// counts in the sheet's order and Enter saves.

// AuditBatchRoutes are the patterns of the hand-tally pages, registered
// by Mount.
var AuditBatchRoutes = []string{
	"GET /audits/{a}/rounds/{r}/jurisdictions/{j}/batches",
	"GET /audits/{a}/rounds/{r}/batches/{batch}",
	"POST /audits/{a}/rounds/{r}/batches/{batch}/sheets",
	"GET /audits/{a}/rounds/{r}/batches/{batch}/finalize",
	"POST /audits/{a}/rounds/{r}/batches/{batch}/finalize",
	"POST /audits/{a}/rounds/{r}/batches/{batch}/unfinalize",
}

func (p *Pages) mountAuditBatches(mux *http.ServeMux) {
	h := map[string]http.HandlerFunc{
		"GET /audits/{a}/rounds/{r}/jurisdictions/{j}/batches":   p.authed(p.countyBatches),
		"GET /audits/{a}/rounds/{r}/batches/{batch}":             p.authed(p.batchPage),
		"POST /audits/{a}/rounds/{r}/batches/{batch}/sheets":     p.authed(p.saveSheet),
		"GET /audits/{a}/rounds/{r}/batches/{batch}/finalize":    p.authed(p.finalizeConfirm),
		"POST /audits/{a}/rounds/{r}/batches/{batch}/finalize":   p.authed(p.finalize),
		"POST /audits/{a}/rounds/{r}/batches/{batch}/unfinalize": p.authed(p.unfinalize),
	}
	for _, r := range AuditBatchRoutes {
		mux.HandleFunc(r, h[r])
	}
}

// choiceField is one count of the sheet form.
type choiceField struct {
	Name, Value string
}

// sheetContest is one contest of the sheet form, its choices in the
// definition's order.
type sheetContest struct {
	Index   int
	Name    string
	Choices []choiceField
}

// totalRow is one contest's summed counts on the confirmation.
type totalRow struct {
	Contest string
	Counts  []choiceField
}

type batchData struct {
	Audit, Jurisdiction string
	Round               int
	// RoundOpen is false once the round is closed (or, for a board
	// member, their board's round is not this one).
	RoundOpen bool
	Batches   []office.BatchView
	B         *office.BatchView
	// What the user may do.
	CanEnter, CanFinalize, CanUnfinalize bool
	// The sheet form.
	Sheet    string
	Contests []sheetContest
	Reason   string
	// The finalize confirmation and the not-found form.
	Totals  []totalRow
	Comment string
}

// Base is the round's path.
func (d *batchData) Base() string { return fmt.Sprintf("/audits/%s/rounds/%d", d.Audit, d.Round) }

// Editable reports whether the batch's sheets may be entered.
func (d *batchData) Editable() bool { return d.CanEnter && d.RoundOpen && d.B != nil && !d.B.Finalized }

// NeedReason reports whether a changed sheet needs a reason.
func (d *batchData) NeedReason() bool { return d.B != nil && d.B.Unfinalized > 0 }

// batchAccess loads what the user may see of round r's batches and of county
// j ("" for the batch pages, decided by the batch): a board member only
// their board's county and round; others through the dashboard's view of
// the county, which knows its office jurisdiction.
func (p *Pages) batchAccess(r *http.Request, u *office.User, j string) (*view, *batchData, error) {
	ctx := r.Context()
	v := &view{Title: "Batches", User: u}
	n, err := roundNumber(r)
	if err != nil {
		return v, nil, err
	}
	d := &batchData{Audit: r.PathValue("a"), Round: n, Jurisdiction: j}
	v.Data = d
	list, err := p.o.RoundBatches(ctx, u, d.Audit, n)
	if err != nil {
		return v, nil, err
	}
	b, _, err := p.o.MyBoard(ctx, u)
	if err != nil {
		return v, nil, err
	}
	oj := ""
	if b != nil && b.Audit == d.Audit {
		if j != "" && (b.Jurisdiction != j || b.Round != n) {
			return v, nil, &office.Error{Status: http.StatusForbidden, Field: "jurisdiction", Msg: fmt.Sprintf("your board counts %s in round %d, not %s in round %d", b.Jurisdiction, b.Round, j, n)}
		}
		if b.Round != n {
			list = nil
		}
		s, err := p.o.BoardSheet(ctx, u, d.Audit, b.Round, b.ID)
		if err != nil {
			return v, nil, err
		}
		d.RoundOpen = b.Round == n && !s.Closed
		d.CanEnter = office.Allowed(u, office.ActEnterBatchTallies, u.Jurisdiction)
	} else {
		pr, err := p.o.AuditProgress(ctx, u, d.Audit)
		if err != nil {
			return v, nil, err
		}
		d.RoundOpen = n == pr.Round && pr.RoundOpen
		for _, c := range pr.Jurisdictions {
			if c.Jurisdiction == j {
				oj = c.OfficeJurisdiction
			}
		}
		if j != "" && oj == "" {
			return v, nil, &office.Error{Status: http.StatusNotFound, Field: "jurisdiction", Msg: fmt.Sprintf("audit %s has no jurisdiction %q you may see", d.Audit, j)}
		}
		setPerms := func(oj string) {
			d.CanEnter = office.Allowed(u, office.ActEnterBatchTallies, oj)
			d.CanFinalize = office.Allowed(u, office.ActFinalizeBatch, oj)
			d.CanUnfinalize = office.Allowed(u, office.ActRequestUnfinalize, oj)
		}
		if j != "" {
			setPerms(oj)
		} else if t := r.PathValue("batch"); t != "" {
			for _, bv := range list {
				if slices.Contains(bv.Tickets, t) {
					for _, c := range pr.Jurisdictions {
						if c.Jurisdiction == bv.Jurisdiction {
							setPerms(c.OfficeJurisdiction)
						}
					}
				}
			}
		}
	}
	if j != "" {
		for _, bv := range list {
			if bv.Jurisdiction == j {
				d.Batches = append(d.Batches, bv)
			}
		}
		v.Title = fmt.Sprintf("Batches of %s — round %d", j, n)
		return v, d, nil
	}
	t := r.PathValue("batch")
	for i := range list {
		if slices.Contains(list[i].Tickets, t) {
			d.B = &list[i]
		}
	}
	if d.B == nil {
		if b != nil && b.Audit == d.Audit {
			return v, nil, &office.Error{Status: http.StatusForbidden, Field: "batch", Msg: fmt.Sprintf("round %d drew no batch %q of your board's county", n, t)}
		}
		return v, nil, &office.Error{Status: http.StatusNotFound, Field: "batch", Msg: fmt.Sprintf("round %d of audit %s drew no new batch with ticket number %q you may see", n, d.Audit, t)}
	}
	d.Jurisdiction = d.B.Jurisdiction
	d.fillSheet(r.URL.Query().Get("sheet"))
	v.Title = fmt.Sprintf("Batch %s of %s — round %d", d.B.Name, d.B.Jurisdiction, n)
	return v, d, nil
}

// fillSheet sets the sheet form: sheet name's saved counts, or empty
// fields for a new sheet.
func (d *batchData) fillSheet(name string) {
	var saved map[string]office.ChoiceCounts
	for _, s := range d.B.Sheets {
		if s.Name == name {
			d.Sheet, saved = name, s.Contests
		}
	}
	if d.Sheet == "" {
		d.Sheet = fmt.Sprintf("Sheet %d", len(d.B.Sheets)+1)
	}
	d.Contests = nil
	for ci, c := range d.B.Contests {
		sc := sheetContest{Index: ci, Name: c}
		for _, ch := range d.B.Choices[c] {
			f := choiceField{Name: ch}
			if saved != nil {
				f.Value = strconv.Itoa(saved[c][ch])
			}
			sc.Choices = append(sc.Choices, f)
		}
		d.Contests = append(d.Contests, sc)
	}
}

// sumTotals sums the sheets of the batch, in the form's order.
func (d *batchData) sumTotals() {
	d.Totals = nil
	for _, c := range d.B.Contests {
		row := totalRow{Contest: c}
		for _, ch := range d.B.Choices[c] {
			n := 0
			for _, s := range d.B.Sheets {
				n += s.Contests[c][ch]
			}
			row.Counts = append(row.Counts, choiceField{Name: ch, Value: strconv.Itoa(n)})
		}
		d.Totals = append(d.Totals, row)
	}
}

func (p *Pages) countyBatches(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.batchAccess(r, u, r.PathValue("j"))
	if err != nil {
		p.fail(w, "audit_batches", v, err)
		return
	}
	p.render(w, http.StatusOK, "audit_batches", v)
}

func (p *Pages) batchPage(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.batchAccess(r, u, "")
	if err != nil {
		p.fail(w, "audit_batch", v, err)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Has("saved"):
		v.Notice = fmt.Sprintf("Saved tally sheet %q and logged it.", q.Get("saved"))
	case q.Has("finalized"):
		v.Notice = "Batch finalized and logged."
	}
	p.render(w, http.StatusOK, "audit_batch", v)
}

// maxChoiceCount is the largest count a sheet field takes, as the office
// accepts.
const maxChoiceCount = 1_000_000_000

// sheetOf reads the sheet form: "sheet" (the name), "c{i}-{k}" the count
// of choice k of contest i (whole numbers, none missing: a skipped field
// is refused rather than taken as 0), and "reason". It keeps what was
// typed in d to show the form again.
func sheetOf(f url.Values, d *batchData) (string, map[string]office.ChoiceCounts, string, error) {
	d.Sheet, d.Reason = strings.TrimSpace(f.Get("sheet")), strings.TrimSpace(f.Get("reason"))
	out := map[string]office.ChoiceCounts{}
	var firstErr error
	bad := func(field, format string, args ...any) {
		if firstErr == nil {
			firstErr = &office.Error{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf(format, args...)}
		}
	}
	if d.Sheet == "" {
		bad("sheet", "name the tally sheet (as written on the paper, e.g. Sheet 1)")
	}
	for ci := range d.Contests {
		c := &d.Contests[ci]
		counts := office.ChoiceCounts{}
		for k := range c.Choices {
			ch := &c.Choices[k]
			field := fmt.Sprintf("c%d-%d", ci, k)
			ch.Value = strings.TrimSpace(f.Get(field))
			n, err := strconv.Atoi(ch.Value)
			switch {
			case ch.Value == "":
				bad(field, "%s, %s: type the count (0 if the sheet shows none)", c.Name, ch.Name)
			case err != nil || n < 0 || n > maxChoiceCount:
				bad(field, "%s, %s: %q is not a count of votes (a whole number from 0 to %d)", c.Name, ch.Name, ch.Value, maxChoiceCount)
			default:
				counts[ch.Name] = n
			}
		}
		out[c.Name] = counts
	}
	return d.Sheet, out, d.Reason, firstErr
}

func (p *Pages) saveSheet(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.batchAccess(r, u, "")
	if err != nil {
		p.fail(w, "audit_batch", v, err)
		return
	}
	if err = p.parseForm(w, r); err == nil {
		var name, reason string
		var counts map[string]office.ChoiceCounts
		name, counts, reason, err = sheetOf(r.PostForm, d)
		if err == nil {
			_, err = p.o.PutSheet(r.Context(), u, d.Audit, d.Round, d.B.Batch, name, counts, reason)
		}
		if err == nil {
			http.Redirect(w, r, d.Base()+"/batches/"+url.PathEscape(d.B.Batch)+"?saved="+url.QueryEscape(name), http.StatusSeeOther)
			return
		}
	}
	p.fail(w, "audit_batch", v, err)
}

// finalizeConfirm shows the sums the finalizing would record; the POST
// does it.
func (p *Pages) finalizeConfirm(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.batchAccess(r, u, "")
	if err != nil {
		p.fail(w, "audit_finalize", v, err)
		return
	}
	d.sumTotals()
	v.Title = "Finalize — " + v.Title
	p.render(w, http.StatusOK, "audit_finalize", v)
}

// finalize takes the confirmation ("confirm") or the not-found form
// ("not_found" with a required "comment").
func (p *Pages) finalize(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.batchAccess(r, u, "")
	if err != nil {
		p.fail(w, "audit_batch", v, err)
		return
	}
	page := "audit_batch"
	if err = p.parseForm(w, r); err == nil {
		notFound := r.PostForm.Get("not_found") != ""
		d.Comment = strings.TrimSpace(r.PostForm.Get("comment"))
		switch {
		case notFound && d.Comment == "":
			err = &office.Error{Status: http.StatusBadRequest, Field: "comment", Msg: "say what was done to find the batch"}
		case !notFound && r.PostForm.Get("confirm") == "":
			page = "audit_finalize"
			d.sumTotals()
			err = &office.Error{Status: http.StatusBadRequest, Field: "confirm", Msg: "confirm the sums to finalize the batch"}
		default:
			comment := d.Comment
			if !notFound {
				comment = ""
			}
			_, err = p.o.FinalizeBatch(r.Context(), u, d.Audit, d.Round, d.B.Batch, notFound, comment)
		}
		if err == nil {
			http.Redirect(w, r, d.Base()+"/batches/"+url.PathEscape(d.B.Batch)+"?finalized=1", http.StatusSeeOther)
			return
		}
	}
	p.fail(w, page, v, err)
}

func (p *Pages) unfinalize(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.batchAccess(r, u, "")
	if err != nil {
		p.fail(w, "audit_batch", v, err)
		return
	}
	if err = p.parseForm(w, r); err == nil {
		var q *office.RequestView
		if q, err = p.o.RequestUnfinalize(r.Context(), u, d.Audit, d.Round, d.B.Batch, r.PostForm.Get("reason")); err == nil {
			http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
			return
		}
	}
	p.fail(w, "audit_batch", v, err)
}
