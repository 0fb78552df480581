package pages_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
)

// The batch-comparison audit of these tests: county-a and county-b, 20
// batches of 50 ballots each, every batch reporting Council Cho 37, Diaz
// 11 (contest totals 1480 and 440). The hand counts the tests enter never
// sum to those numbers, so a reported figure on a page would be caught.

func batchPageManifest() []byte {
	var b strings.Builder
	b.WriteString("Container,Batch Name,Number of Ballots\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "Box %d,B%02d,50\n", (i-1)/5+1, i)
	}
	return []byte(b.String())
}

func batchPageTallies() []byte {
	var b strings.Builder
	b.WriteString("Batch Name,Cho,Diaz\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "B%02d,37,11\n", i)
	}
	return []byte(b.String())
}

// reportedRE matches the reported figures as a page could show them.
var reportedRE = regexp.MustCompile(`\b(1480|440|740|220)\b|>\s*(37|11)\s*<|Cho:? 37\b|Diaz:? 11\b`)

// newBatchAuditEnv sets up the people of the audit pages' tests and a
// batch-comparison audit drawn to round 1; e.audit is the batch audit.
func newBatchAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	ctx := context.Background()
	e := newAuditEnv(t, false, false)
	els, err := e.o.Elections(ctx, e.aa1.u)
	if err != nil || len(els) == 0 {
		t.Fatalf("elections: %v", err)
	}
	a, err := e.o.CreateAudit(ctx, e.aa1.u, &office.AuditSetup{Name: "County batch RLA", Election: els[0].ID, Type: "batch-comparison",
		Math: "macro", RiskLimit: 0.1, Sampler: "arlo", Contests: []office.AuditContest{
			{Name: "Council", Targeted: true, Jurisdictions: auditCounties, Reported: rla.Counts{{Name: "Cho", Votes: 1480}, {Name: "Diaz", Votes: 440}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.audit = a.ID
	for _, c := range auditCounties {
		if _, err := e.o.UploadAuditFile(ctx, e.aa1.u, a.ID, c, "manifest", "arlo", "manifest.csv", bytes.NewReader(batchPageManifest())); err != nil {
			t.Fatal(err)
		}
		if _, err := e.o.UploadAuditFile(ctx, e.aa1.u, a.ID, c, "batch-tallies", "arlo", "tallies.csv", bytes.NewReader(batchPageTallies())); err != nil {
			t.Fatal(err)
		}
	}
	q, err := e.o.RequestSeed(ctx, e.aa1.u, a.ID, "12345678901234567890123", []string{"Ann Roller"}, []string{"Wes Witness"})
	if err != nil {
		t.Fatal(err)
	}
	if q = e.cosign(t, q, e.aa1, e.aa2); q.Status != "done" {
		t.Fatalf("seed request %s", q.Status)
	}
	if _, err := e.o.DrawRound(ctx, e.aa1.u, a.ID, office.SampleSize{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// sheetForm is the sheet form of one Council sheet.
func sheetForm(name string, cho, diaz int) url.Values {
	return url.Values{"sheet": {name}, "c0-0": {fmt.Sprint(cho)}, "c0-1": {fmt.Sprint(diaz)}}
}

// TestAuditBatchPages enters tally sheets through the pages: an
// audit-admin and a board member of the county, the office holding
// exactly what was posted; an observer reading without forms and refused;
// a board of another county refused; finalizing after a confirmation of
// the sums, then read-only; a not-found finalizing needing a comment; an
// unfinalizing request; and no reported figure on any page.
func TestAuditBatchPages(t *testing.T) {
	e := newBatchAuditEnv(t)
	ctx := context.Background()
	a := "/audits/" + e.audit
	list, err := e.o.RoundBatches(ctx, e.aa1.u, e.audit, 1)
	if err != nil {
		t.Fatal(err)
	}
	var mineA []office.BatchView
	for _, v := range list {
		if v.Jurisdiction == "county-a" {
			mineA = append(mineA, v)
		}
	}
	if len(mineA) < 2 {
		t.Fatalf("round 1 drew %d county-a batches; the test needs 2", len(mineA))
	}
	_, msA := e.newBoard(t, "county-a", "Dee Democrat", "Rex Republican")
	_, msB := e.newBoard(t, "county-b", "Gia Green", "Con Constitution")
	var pages []string // every page body, checked for reported figures
	get := func(c *http.Client, path string, want int) string {
		t.Helper()
		code, body, _ := e.get(t, c, path)
		if code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
		pages = append(pages, body)
		return body
	}

	admin, board, obs, other := client(), client(), client(), client()
	e.signIn(t, admin, e.aa1.person, "/audits")
	e.signIn(t, board, msA[0].person, "/audits")
	e.signIn(t, obs, e.obs.person, "/audits")
	e.signIn(t, other, msB[0].person, "/audits")

	// The county page links to the list; the list shows the county's
	// batches with their ticket numbers.
	listPath := a + "/rounds/1/jurisdictions/county-a/batches"
	if body := get(admin, a+"/jurisdictions/county-a", 200); !strings.Contains(body, `href="`+listPath+`"`) {
		t.Error("the county page does not link to its batches")
	}
	body := get(admin, listPath, 200)
	for _, v := range mineA {
		if !strings.Contains(body, v.Name) || !strings.Contains(body, strings.Join(v.Tickets, ", ")) {
			t.Errorf("the list lacks batch %s or its tickets %v", v.Name, v.Tickets)
		}
	}
	for _, v := range list {
		if v.Jurisdiction == "county-b" && strings.Contains(body, v.Tickets[0]) {
			t.Errorf("county-a's list shows county-b's ticket %s", v.Tickets[0])
		}
	}

	// Entry by the audit-admin and a board member of the county.
	b1 := mineA[0]
	bpath := a + "/rounds/1/batches/" + url.PathEscape(b1.Batch)
	body = get(admin, bpath, 200)
	checkLabels(t, bpath, body)
	if !strings.Contains(body, `name="c0-0"`) || !regexp.MustCompile(`id="c0-0"[^>]*autofocus`).MatchString(body) || !slices.Contains(postForms(body), bpath+"/sheets") {
		t.Fatalf("the batch page lacks the sheet form or its autofocus: forms %v", postForms(body))
	}
	if strings.Contains(body, `id="reason"`) {
		t.Error("a reason field on a batch never unfinalized")
	}
	e.unchangedLog(t, "bad sheet forms", func() {
		for _, bad := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"sheet": {"Sheet 1"}, "c0-0": {"20"}}, "c0-1"},
			{url.Values{"sheet": {"Sheet 1"}, "c0-0": {"20"}, "c0-1": {"-3"}}, "c0-1"},
			{url.Values{"sheet": {"Sheet 1"}, "c0-0": {"twenty"}, "c0-1": {"3"}}, "c0-0"},
			{url.Values{"sheet": {" "}, "c0-0": {"20"}, "c0-1": {"3"}}, "sheet"},
		} {
			code, body, _ := e.post(t, admin, bpath+"/sheets", bad.form)
			if code != 400 || !strings.Contains(body, "(field: "+bad.field+")") {
				t.Errorf("sheet form %v: %d, want 400 naming %s", bad.form, code, bad.field)
			}
			if v := bad.form.Get("c0-0"); !strings.Contains(body, `value="`+v+`"`) {
				t.Errorf("the refused form lost %q", v)
			}
		}
	})
	if code, _, h := e.post(t, admin, bpath+"/sheets", sheetForm("Sheet 1", 20, 5)); code != 303 || !strings.HasPrefix(h.Get("Location"), bpath+"?saved=") {
		t.Fatalf("admin's sheet: %d to %q", code, h.Get("Location"))
	}
	if code, _, _ := e.post(t, board, bpath+"/sheets", sheetForm("Sheet 2", 12, 3)); code != 303 {
		t.Fatalf("board member's sheet: %d", code)
	}
	// A correction: the same name makes a new revision.
	if code, _, _ := e.post(t, board, bpath+"/sheets", sheetForm("Sheet 2", 12, 4)); code != 303 {
		t.Fatalf("board member's correction: %d", code)
	}
	check := func(want map[string][3]any) office.BatchView {
		t.Helper()
		vs, err := e.o.RoundBatches(ctx, e.aa1.u, e.audit, 1)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(vs, func(v office.BatchView) bool { return v.Batch == b1.Batch })
		got := vs[i]
		if len(got.Sheets) != len(want) {
			t.Fatalf("sheets %+v, want %v", got.Sheets, want)
		}
		for _, s := range got.Sheets {
			w := want[s.Name]
			counts := w[0].(office.ChoiceCounts)
			if !maps.Equal(s.Contests["Council"], counts) || len(s.Contests) != 1 || s.LastEditedBy != w[1] || s.Revision != w[2] {
				t.Errorf("sheet %s: %v by %s rev %d, want %v", s.Name, s.Contests, s.LastEditedBy, s.Revision, w)
			}
		}
		return got
	}
	check(map[string][3]any{"Sheet 1": {office.ChoiceCounts{"Cho": 20, "Diaz": 5}, e.aa1.name, 1}, "Sheet 2": {office.ChoiceCounts{"Cho": 12, "Diaz": 4}, msA[0].name, 2}})
	body = get(board, a+"/rounds/1/jurisdictions/county-a/batches", 200)
	if !strings.Contains(body, "Sheet 2 — last edited by "+msA[0].name+", revision 2") || !strings.Contains(body, "open") {
		t.Error("the list lacks the sheets' editor and revision")
	}
	// Editing a sheet fills the form with its counts.
	body = get(board, bpath+"?sheet=Sheet+2", 200)
	if !strings.Contains(body, `value="Sheet 2"`) || !regexp.MustCompile(`id="c0-1"[^>]*value="4"|value="4"[^>]*id="c0-1"|name="c0-1" value="4"`).MatchString(body) {
		t.Error("editing Sheet 2 does not fill its counts")
	}
	// The board member may not finalize: no form, and refused.
	if body := get(board, bpath+"/finalize", 200); slices.Contains(postForms(body), bpath+"/finalize") {
		t.Error("a board member is offered finalizing")
	}
	e.unchangedLog(t, "a board member finalizing", func() {
		if code, _, _ := e.post(t, board, bpath+"/finalize", url.Values{"confirm": {"1"}}); code != 403 {
			t.Errorf("board member finalizing: %d, want 403", code)
		}
	})

	// The observer reads without forms and is refused.
	for _, path := range []string{listPath, bpath, bpath + "/finalize"} {
		if body := get(obs, path, 200); len(postForms(body)) != 0 {
			t.Errorf("observer's %s has forms %v", path, postForms(body))
		}
	}
	// A board of another county: refused.
	get(other, listPath, 403)
	get(other, bpath, 403)
	e.unchangedLog(t, "refused POSTs", func() {
		for who, c := range map[string]*http.Client{"observer": obs, "county-b board": other} {
			if code, _, _ := e.post(t, c, bpath+"/sheets", sheetForm("Sheet 3", 1, 1)); code != 403 {
				t.Errorf("%s's sheet: %d, want 403", who, code)
			}
			if code, _, _ := e.post(t, c, bpath+"/finalize", url.Values{"confirm": {"1"}}); code != 403 {
				t.Errorf("%s finalizing: %d, want 403", who, code)
			}
		}
	})

	// Finalizing: the confirmation lists the sums.
	body = get(admin, bpath+"/finalize", 200)
	if !regexp.MustCompile(`Cho</td><td class="num">32<`).MatchString(body) || !regexp.MustCompile(`Diaz</td><td class="num">9<`).MatchString(body) {
		t.Error("the confirmation lacks the sums Cho 32, Diaz 9")
	}
	e.unchangedLog(t, "finalizing unconfirmed", func() {
		if code, _, _ := e.post(t, admin, bpath+"/finalize", nil); code != 400 {
			t.Errorf("unconfirmed finalizing: %d, want 400", code)
		}
	})
	if code, _, h := e.post(t, admin, bpath+"/finalize", url.Values{"confirm": {"1"}}); code != 303 || h.Get("Location") != bpath+"?finalized=1" {
		t.Fatalf("finalizing: %d to %q", code, h.Get("Location"))
	}
	got := check(map[string][3]any{"Sheet 1": {office.ChoiceCounts{"Cho": 20, "Diaz": 5}, e.aa1.name, 1}, "Sheet 2": {office.ChoiceCounts{"Cho": 12, "Diaz": 4}, msA[0].name, 2}})
	if !got.Finalized || !maps.Equal(got.Tallies["Council"], office.ChoiceCounts{"Cho": 32, "Diaz": 9}) {
		t.Errorf("finalized batch %+v", got)
	}
	// Read-only once finalized.
	for _, c := range []*http.Client{admin, board} {
		body := get(c, bpath, 200)
		if slices.Contains(postForms(body), bpath+"/sheets") || !strings.Contains(body, "finalized by "+e.aa1.name) {
			t.Errorf("the finalized batch offers entry: %v", postForms(body))
		}
	}
	e.unchangedLog(t, "a sheet of a finalized batch", func() {
		for _, c := range []*http.Client{admin, board} {
			if code, _, _ := e.post(t, c, bpath+"/sheets", sheetForm("Sheet 1", 1, 1)); code != 409 {
				t.Errorf("sheet of a finalized batch: %d, want 409", code)
			}
		}
		if code, _, _ := e.post(t, admin, bpath+"/finalize", url.Values{"confirm": {"1"}}); code != 409 {
			t.Errorf("finalizing twice: %d, want 409", code)
		}
	})
	// Unfinalizing is a two-person request.
	body = get(admin, bpath, 200)
	if !slices.Contains(postForms(body), bpath+"/unfinalize") {
		t.Error("no unfinalize form for the audit-admin")
	}
	code, _, h := e.post(t, admin, bpath+"/unfinalize", url.Values{"reason": {"Sheet 2 was misread"}})
	if loc := h.Get("Location"); code != 303 || !strings.HasPrefix(loc, "/requests/") {
		t.Fatalf("unfinalize request: %d to %q", code, loc)
	} else {
		q, err := e.o.Request(ctx, e.aa1.u, strings.TrimPrefix(loc, "/requests/"))
		if err != nil || q.Kind != office.KindAuditUnfinalize || q.Status != "pending" {
			t.Errorf("unfinalize request %+v: %v", q, err)
		}
		e.cosign(t, q, e.aa1, e.aa2)
	}
	body = get(board, bpath, 200)
	if !slices.Contains(postForms(body), bpath+"/sheets") || !strings.Contains(body, `id="reason"`) {
		t.Error("the unfinalized batch offers no entry with a reason")
	}
	e.unchangedLog(t, "a change without a reason", func() {
		if code, _, _ := e.post(t, board, bpath+"/sheets", sheetForm("Sheet 2", 12, 3)); code != 400 {
			t.Errorf("changing a sheet of an unfinalized batch without a reason: %d, want 400", code)
		}
	})
	f := sheetForm("Sheet 2", 12, 3)
	f.Set("reason", "recounted")
	if code, _, _ := e.post(t, board, bpath+"/sheets", f); code != 303 {
		t.Errorf("a change with a reason: %d", code)
	}

	// Not found: a comment is required.
	b2 := mineA[1]
	npath := a + "/rounds/1/batches/" + url.PathEscape(b2.Batch)
	e.unchangedLog(t, "not found without a comment", func() {
		if code, _, _ := e.post(t, admin, npath+"/finalize", url.Values{"not_found": {"1"}, "comment": {"  "}}); code != 400 {
			t.Errorf("not found without a comment: %d, want 400", code)
		}
	})
	if code, _, _ := e.post(t, admin, npath+"/finalize", url.Values{"not_found": {"1"}, "comment": {"searched boxes 1 to 4"}}); code != 303 {
		t.Errorf("not found: %d", code)
	}
	if body := get(obs, npath, 200); !strings.Contains(body, "as not found: “searched boxes 1 to 4”") {
		t.Error("the not-found batch's page lacks its comment")
	}

	// Blind: no reported figure on any page.
	for i, body := range pages {
		if m := reportedRE.FindString(body); m != "" {
			t.Errorf("page %d shows a reported figure %q", i, m)
		}
	}
}
