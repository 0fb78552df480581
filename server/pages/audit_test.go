package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

var (
	postFormRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	entryRE    = regexp.MustCompile(`(?s)<form method="post" action="[^"]+" id="entry"(.*?)</form>`)
)

// postForms lists the actions of the page's POST forms, sign-out aside.
func postForms(body string) []string {
	var out []string
	for _, m := range postFormRE.FindAllStringSubmatch(body, -1) {
		if m[1] != "/signout" {
			out = append(out, m[1])
		}
	}
	return out
}

// unchangedLog fails unless f leaves the log as it was.
func (e *auditEnv) unchangedLog(t *testing.T, what string, f func()) {
	t.Helper()
	before := e.o.LogSize()
	f()
	if e.o.LogSize() != before {
		t.Errorf("%s changed the log (%d → %d entries)", what, before, e.o.LogSize())
	}
}

// TestAuditPagesAccess checks the audit pages over HTTP: who sees which
// dashboard and which forms, a county user narrowed to their county,
// a board kept to its own ballots, the entry screen blind (the same form
// for every unread ballot, whatever its CVR says), refused entries that
// change nothing, and sign-off by every member in their own session
// after which the entries are read-only.
func TestAuditPagesAccess(t *testing.T) {
	e := newAuditEnv(t, true, true)
	ctx := context.Background()
	a := "/audits/" + e.audit
	bA1, mA1 := e.newBoard(t, "county-a", "Dee Democrat", "Rex Republican")
	bA2, mA2 := e.newBoard(t, "county-a", "Ida Independent", "Lib Libertarian")
	bB, mB := e.newBoard(t, "county-b", "Gia Green", "Con Constitution")

	// The observer: dashboards, no forms, and a POST refused.
	obs := client()
	e.signIn(t, obs, e.obs.person, "/audits")
	code, body, _ := e.get(t, obs, "/audits")
	if code != 200 || !strings.Contains(body, `href="`+a+`"`) || len(postForms(body)) != 0 {
		t.Fatalf("observer's /audits: %d, forms %v", code, postForms(body))
	}
	for _, path := range []string{a, a + "/jurisdictions/county-a", a + "/seed", a + "/reports"} {
		code, body, _ := e.get(t, obs, path)
		if code != 200 || len(postForms(body)) != 0 {
			t.Errorf("observer's %s: %d, forms %v", path, code, postForms(body))
		}
	}
	if _, body, _ := e.get(t, obs, a); !strings.Contains(body, `id="county-county-a"`) || !strings.Contains(body, `id="county-county-b"`) || !strings.Contains(body, "<svg") {
		t.Error("the observer's dashboard lacks a county or the chart")
	}
	e.unchangedLog(t, "an observer's POSTs", func() {
		if code, _, _ := e.post(t, obs, a+"/rounds/1/close", nil); code != 403 {
			t.Errorf("observer closing the round: %d", code)
		}
		if code, _, _ := e.post(t, obs, a+"/jurisdictions/county-a/boards", url.Values{"members": {"X\nY"}}); code != 403 {
			t.Errorf("observer forming a board: %d", code)
		}
	})

	// The audit-admin: the close form, the board form, labelled fields.
	admin := client()
	e.signIn(t, admin, e.aa1.person, "/audits")
	_, body, _ = e.get(t, admin, a)
	if f := postForms(body); len(f) != 1 || f[0] != a+"/rounds/1/close" {
		t.Errorf("audit-admin's dashboard forms %v", f)
	}
	_, body, _ = e.get(t, admin, a+"/jurisdictions/county-a")
	if f := postForms(body); len(f) != 1 || f[0] != a+"/jurisdictions/county-a/boards" {
		t.Errorf("audit-admin's county page forms %v (uploads close with the seed)", f)
	}
	checkLabels(t, "county page", body)
	_, body, _ = e.get(t, admin, "/audits")
	checkLabels(t, "/audits", body)

	// A county official sees their county only.
	county := client()
	e.signIn(t, county, e.countyOff.person, "/audits")
	code, body, _ = e.get(t, county, a)
	if code != 200 || !strings.Contains(body, `id="county-county-b"`) || strings.Contains(body, `id="county-county-a"`) {
		t.Errorf("county-b official's dashboard: %d", code)
	}
	if code, _, _ := e.get(t, county, a+"/jurisdictions/county-a"); code != 404 {
		t.Errorf("county-b official opening county-a: %d, want 404", code)
	}

	// Boards: each sees its own ballots and nothing of another board's.
	sheet := func(m *member, b string) *office.BoardSheet {
		s, err := e.o.BoardSheet(ctx, m.u, e.audit, 1, b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sA1, sA2, sB := sheet(mA1[0], bA1), sheet(mA2[0], bA2), sheet(mB[0], bB)
	if len(sA1.Ballots) == 0 || len(sA2.Ballots) == 0 || len(sB.Ballots) < 2 {
		t.Fatalf("boards' ballots: %d, %d, %d", len(sA1.Ballots), len(sA2.Ballots), len(sB.Ballots))
	}
	a1 := client()
	e.signIn(t, a1, mA1[0].person, "/audits")
	if code, _, h := e.get(t, a1, "/"); code != 303 || h.Get("Location") != "/audits" {
		t.Errorf("a board member's home: %d to %q", code, h.Get("Location"))
	} else if _, body, _ := e.get(t, a1, "/audits"); !strings.Contains(body, `id="board-link"`) {
		t.Error("a board member's /audits has no link to the board")
	}
	boardA2 := fmt.Sprintf("%s/rounds/1/boards/%s", a, bA2)
	boardA1 := fmt.Sprintf("%s/rounds/1/boards/%s", a, bA1)
	e.unchangedLog(t, "a board at another board's ballots", func() {
		for _, path := range []string{boardA2, boardA2 + "/review", boardA2 + "/ballots/" + sA2.Ballots[0].Ballot, boardA1 + "/ballots/" + sA2.Ballots[0].Ballot} {
			if code, _, _ := e.get(t, a1, path); code != 403 {
				t.Errorf("board A1 GET %s: %d, want 403", path, code)
			}
		}
		form := url.Values{"c0": {"Alice"}}
		for _, path := range []string{boardA2 + "/ballots/" + sA2.Ballots[0].Ballot, boardA1 + "/ballots/" + sA2.Ballots[0].Ballot} {
			if code, _, _ := e.post(t, a1, path, form); code != 403 {
				t.Errorf("board A1 POST %s: %d, want 403", path, code)
			}
		}
		if code, _, _ := e.post(t, a1, boardA2+"/sign-off", nil); code != 403 {
			t.Errorf("board A1 signing off A2: %d", code)
		}
		if code, _, _ := e.get(t, a1, a); code != 403 {
			t.Errorf("a board member opening the dashboard: %d, want 403", code)
		}
	})

	// Blind: the entry form is the same for every unread ballot of county
	// b (whose CVRs differ), and shows nothing of the CVR.
	b := client()
	e.signIn(t, b, mB[0].person, "/audits")
	boardB := fmt.Sprintf("%s/rounds/1/boards/%s", a, bB)
	var first string
	cvrs := pageCVRs("county-b")
	differ := false
	for i, bb := range sB.Ballots {
		code, body, _ := e.get(t, b, boardB+"/ballots/"+bb.Ballot)
		m := entryRE.FindStringSubmatch(body)
		if code != 200 || m == nil {
			t.Fatalf("entry page of %s: %d", bb.Ballot, code)
		}
		if i == 0 {
			first = m[1]
			checkLabels(t, "entry page", body)
		} else if m[1] != first {
			t.Errorf("the entry form of ballot %s differs from the first one's", bb.Ballot)
		}
		v := cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
		differ = differ || fmt.Sprint(v) != fmt.Sprint(cvrs[fmt.Sprintf("%s/%s/%d", sB.Ballots[0].Tabulator, sB.Ballots[0].Batch, sB.Ballots[0].Position)])
		if strings.Contains(strings.ToLower(body), "cvr") {
			t.Errorf("the entry page of %s mentions a CVR", bb.Ballot)
		}
	}
	if !differ {
		t.Log("every ballot of the board has the same CVR; the blindness check compared like with like")
	}

	// Refused entries change nothing.
	bb0 := sB.Ballots[0]
	path0 := boardB + "/ballots/" + bb0.Ballot
	e.unchangedLog(t, "refused entries", func() {
		for _, form := range []url.Values{
			{"c0": {"Alice"}}, // Mayor has neither ranks nor a status
			{"c0": {"Alice"}, "c0-status": {"blank"}, "c1-status": {"blank"}}, // marks and a status
			{"c0-status": {"blank"}, "c1-rank-0": {"1"}, "c1-rank-1": {"1"}},  // two first choices
			{"c0-status": {"blank"}, "c1-rank-0": {"9"}},                      // a rank out of range
			{"c0": {"Nobody"}, "c1-status": {"blank"}},                        // not a candidate
		} {
			code, body, _ := e.post(t, b, path0, form)
			if code != 400 || !strings.Contains(body, `role="alert"`) {
				t.Errorf("entry %v: %d, want 400 with the reason", form, code)
			}
		}
		if code, body, _ := e.post(t, b, boardB+"/sign-off", nil); code != 409 || !strings.Contains(body, "no reading yet") {
			t.Errorf("sign-off with unread ballots: %d", code)
		}
	})

	// Entries: saved, and the next unread ballot opens.
	enter := func(c *http.Client, base string, bb office.BoardBallot, cvrs map[string]pageBallot, contests []office.BoardContest) {
		t.Helper()
		v := cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
		form := url.Values{}
		for ci, bc := range contests {
			pre := fmt.Sprintf("c%d", ci)
			switch {
			case len(v[bc.Name]) == 0:
				form.Set(pre+"-status", "blank")
			case bc.Kind == audit.IRV:
				for r, name := range v[bc.Name] {
					for k, cand := range bc.Candidates {
						if cand == name {
							form.Set(fmt.Sprintf("%s-rank-%d", pre, k), fmt.Sprint(r+1))
						}
					}
				}
			default:
				form[pre] = v[bc.Name]
			}
		}
		code, _, h := e.post(t, c, base+"/ballots/"+bb.Ballot, form)
		if code != 303 || !strings.Contains(h.Get("Location"), "saved=") {
			t.Fatalf("entering %s: %d to %q", bb.Ballot, code, h.Get("Location"))
		}
	}
	for i, bb := range sB.Ballots {
		enter(b, boardB, bb, cvrs, sB.Contests)
		if i == 0 {
			s := sheet(mB[0], bB)
			var got map[string]audit.Reading
			json.Unmarshal(s.Ballots[0].Readings, &got)
			want := cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
			if fmt.Sprint(got["Mayor"].Choices) != fmt.Sprint(want["Mayor"]) {
				t.Errorf("Mayor reading %v, CVR %v", got["Mayor"], want["Mayor"])
			}
		}
	}
	// Sign-off: the first member, then the second in their own session.
	_, body, _ = e.get(t, b, boardB+"/review")
	if strings.Count(body, `<ul class="readings">`) != len(sB.Ballots) || !strings.Contains(body, `id="signoff"`) {
		t.Fatalf("review: %d entries listed of %d, sign-off form %v", strings.Count(body, `<ul class="readings">`), len(sB.Ballots), strings.Contains(body, `id="signoff"`))
	}
	checkLabels(t, "review", body)
	if code, _, h := e.post(t, b, boardB+"/sign-off", url.Values{"confirm": {"1"}}); code != 303 || !strings.Contains(h.Get("Location"), "signed=1") {
		t.Fatalf("first sign-off: %d", code)
	}
	_, body, _ = e.get(t, b, boardB+"/review")
	if !strings.Contains(body, `id="signoff-waiting"`) || !strings.Contains(body, "Con Constitution") {
		t.Error("after one member's sign-off the review does not say whom it waits for")
	}
	if _, body, _ = e.get(t, b, path0); !strings.Contains(body, `id="entry"`) {
		t.Error("entries became read-only before every member signed off")
	}
	b2 := client()
	e.signIn(t, b2, mB[1].person, "/audits")
	if code, _, _ := e.post(t, b2, boardB+"/sign-off", url.Values{"confirm": {"1"}}); code != 303 {
		t.Fatalf("second sign-off: %d", code)
	}
	_, body, _ = e.get(t, b2, path0)
	if strings.Contains(body, `id="entry"`) || !strings.Contains(body, `id="readonly"`) {
		t.Error("the entry page still has a form after sign-off")
	}
	e.unchangedLog(t, "a change after sign-off", func() {
		if code, _, _ := e.post(t, b2, path0, url.Values{"c0-status": {"blank"}, "c1-status": {"blank"}}); code != 409 {
			t.Errorf("a change after sign-off: %d, want 409", code)
		}
	})

	// The dashboard counts county-b done.
	_, body, _ = e.get(t, obs, a+"/jurisdictions/county-b")
	want := fmt.Sprintf("%d / %d / 0", len(sB.Ballots), len(sB.Ballots))
	if !strings.Contains(body, `<dd id="county-counts">`+want+`</dd>`) {
		t.Errorf("county-b's counts after its board finished: want %s", want)
	}

	if _, body, _ := e.get(t, admin, a+"/jurisdictions/county-b"); strings.Count(body, "<td>Gia Green, Con Constitution</td>") != 2 { // members, and signed off by
		t.Error("the county page does not name the members who signed off")
	}

	// County a's boards finish through the office; the round closes from
	// the dashboard, which then shows the decision.
	cvrA := pageCVRs("county-a")
	for _, x := range []struct {
		s  *office.BoardSheet
		ms []*member
	}{{sA1, mA1}, {sA2, mA2}} {
		for _, bb := range x.s.Ballots {
			v := cvrA[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
			rd := map[string]audit.Reading{"Governor": {Choices: v["Governor"]}}
			if len(v["Governor"]) == 0 {
				rd["Governor"] = audit.Reading{Status: audit.StatusBlank}
			}
			if err := e.o.PutReading(ctx, x.ms[0].u, e.audit, 1, bb.Ballot, rd, ""); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range x.ms {
			if _, err := e.o.SignOff(ctx, m.u, e.audit, 1, x.s.Board.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if code, _, _ := e.post(t, obs, a+"/rounds/1/close", nil); code != 403 {
		t.Errorf("observer closing: %d", code)
	}
	if code, _, h := e.post(t, admin, a+"/rounds/1/close", nil); code != 303 || h.Get("Location") != a+"?closed=1" {
		t.Fatalf("closing round 1: %d to %q", code, h.Get("Location"))
	}
	_, body, _ = e.get(t, obs, a)
	if !strings.Contains(body, `<td class="decision">confirmed</td>`) || !strings.Contains(body, "the audit is done") || !strings.Contains(body, "0/0/0/0/") {
		t.Error("the dashboard after the close lacks the decision or the counties' discrepancies")
	}
}
