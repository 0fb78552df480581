package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/internal/browsertest"
	"github.com/chromedp/chromedp"
)

// keys types s as key events and waits for the page it leads to, if any.
func (b *browser) keys(s string, navigates bool) {
	b.t.Helper()
	if navigates {
		if _, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(s)); err != nil {
			b.t.Fatal(err)
		}
		return
	}
	b.run(chromedp.KeyEvent(s))
}

// waitFocus waits until sel is the page's active element (autofocus
// applies once the page has settled). It polls document.activeElement
// rather than waiting for :focus, which a headless tab that never had an
// input event does not match.
func (b *browser) waitFocus(sel string) {
	b.t.Helper()
	js := fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if get(b, chromedp.Evaluate[bool](js)) {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname + "\n" + document.body.innerText`))
			b.t.Fatalf("%s never got the focus\n%.1500s", sel, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signInKeys signs p in by keyboard alone: the user name field has the
// focus when the page opens, Tab moves on, Enter submits.
func (b *browser) signInKeys(p *person) {
	b.t.Helper()
	b.open("/signin")
	b.waitFocus("#user")
	b.e.clock.Advance(30 * time.Second)
	b.keys(p.name+"\t"+p.pw+"\t"+auth.TOTPCode(p.seed, b.e.clock.Now())+"\r", true)
	b.noError("keyboard sign-in " + p.name)
	if who := b.text(".who"); !strings.HasPrefix(who, p.name+" ") {
		b.t.Fatalf("signed in by keyboard as %q, want %s", who, p.name)
	}
}

// TestBrowserAuditBoard drives the audit board's screens in Chromium by
// keyboard alone: a member signs in by keyboard, enters every ballot of
// the board — ticks and ranks typed, a status chosen by its first letter,
// Enter to save and open the next — reviews the entries and signs off;
// the second member signs off in her own session, after which the entry
// screens are read-only. The readings reach the office exactly as typed;
// the entry form is the same for every ballot, whatever its CVR says, and
// no page mentions a CVR; the screens fit a portrait tablet.
func TestBrowserAuditBoard(t *testing.T) {
	start := time.Now()
	e := newAuditEnv(t, true, true)
	boardID, members := e.newBoard(t, "county-b", "Gia Green", "Con Constitution")
	ctx := browsertest.New(t)
	b := &browser{t: t, ctx: ctx, e: e.env}
	base := fmt.Sprintf("/audits/%s/rounds/1/boards/%s", e.audit, boardID)
	sheet, err := e.o.BoardSheet(context.Background(), members[0].u, e.audit, 1, boardID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet.Ballots) < 2 {
		t.Fatalf("the board has %d ballots; the test wants at least 2", len(sheet.Ballots))
	}
	cvrs := pageCVRs("county-b")

	b.signInKeys(members[0].person)
	b.open(base)
	if s := b.text("#board-status"); !strings.Contains(s, "Not finished") {
		t.Fatalf("board status before any entry: %q", s)
	}
	// want is what the board enters: the CVR, except that on the second
	// ballot the members disagree about Governor.
	want := map[string]map[string]audit.Reading{}
	var form string
	for i, bb := range sheet.Ballots {
		path := b.path()
		if !strings.HasSuffix(path, "/ballots/"+bb.Ballot) {
			if i == 0 {
				b.open(base + "/ballots/" + bb.Ballot)
			} else {
				t.Fatalf("after saving ballot %d the browser is at %s, want ballot %s", i, path, bb.Ballot)
			}
		}
		b.waitFocus("#c0-0")
		if where := b.text("#where-position"); where != fmt.Sprint(bb.Position) {
			t.Fatalf("ballot %s: the page says position %q, want %d", bb.Ballot, where, bb.Position)
		}
		// Blind: the same form for every ballot, nothing about a CVR.
		f := get(b, chromedp.Evaluate[string](`(() => { const f = document.getElementById("entry").cloneNode(true); f.removeAttribute("action"); return f.outerHTML })()`))
		if i == 0 {
			form = f
		} else if f != form {
			t.Errorf("ballot %s: the entry form differs from the first ballot's", bb.Ballot)
		}
		if body := b.text("main"); strings.Contains(strings.ToLower(body), "cvr") {
			t.Errorf("ballot %s: the page mentions a CVR: %.300q", bb.Ballot, body)
		}
		cvr := cvrs[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
		want[bb.Ballot] = map[string]audit.Reading{}
		var keys strings.Builder
		for ci := range sheet.Contests {
			names := get(b, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll("#contest-%d [data-candidate]")).map(e => e.dataset.candidate)`, ci)))
			name := get(b, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById("contest-%d").dataset.contest`, ci)))
			marks := cvr[name]
			irv := get(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector("#contest-%d [data-candidate]").tagName == "INPUT" && document.querySelector("#contest-%d [data-candidate]").type == "text"`, ci, ci)))
			rd := audit.Reading{Choices: slices.Clone(marks)}
			status, comment := "", ""
			switch {
			case i == 1 && name == "Governor":
				status, comment = "d", "faint mark"
				rd = audit.Reading{Status: audit.StatusNoConsensus, Comment: comment}
			case len(marks) == 0:
				status = "b"
				rd = audit.Reading{Status: audit.StatusBlank}
			}
			for _, n := range names {
				if status == "" {
					if r := slices.Index(marks, n); r >= 0 {
						if irv {
							keys.WriteString(fmt.Sprint(r + 1))
						} else {
							keys.WriteString(" ")
						}
					}
				}
				keys.WriteString("\t")
			}
			keys.WriteString(status + "\t" + comment)
			if ci < len(sheet.Contests)-1 {
				keys.WriteString("\t")
			}
			want[bb.Ballot][name] = rd
		}
		b.keys(keys.String(), false)
		b.keys("\r", true)
		b.noError("entering ballot " + bb.Ballot)
		if i == 0 {
			shot(b, "audit-entry")
			b.tabletFits("the next entry screen")
		}
	}

	// The review lists every entry; sign-off by keyboard.
	if p := b.path(); p != base+"/review" {
		t.Fatalf("after the last ballot the browser is at %s, want the review", p)
	}
	if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("ul.readings").length`)); n != len(sheet.Ballots) {
		t.Fatalf("the review lists %d entries of %d", n, len(sheet.Ballots))
	}
	if r := b.text("#entry-2"); !strings.Contains(r, "faint mark") {
		t.Errorf("the review of ballot 2: %q", r)
	}
	shot(b, "audit-review")
	b.tabletFits("the review")
	b.waitFocus("#confirm")
	b.keys(" \t", false)
	b.keys("\r", true)
	b.noError("first sign-off")
	if w := b.text("#signoff-waiting"); !strings.Contains(w, "Con Constitution") {
		t.Fatalf("after the first sign-off: %q", w)
	}
	b.signOut()

	b.signInKeys(members[1].person)
	b.open(base + "/review")
	b.waitFocus("#confirm")
	b.keys(" \t", false)
	b.keys("\r", true)
	b.noError("second sign-off")
	if s := b.text("#board-status"); !strings.Contains(s, "Signed off") {
		t.Fatalf("board status after both sign-offs: %q", s)
	}
	b.open(base + "/ballots/" + sheet.Ballots[0].Ballot)
	if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("#entry, input:not([type=hidden]):not(#reason), select").length`)); n != 0 {
		t.Errorf("the entry screen has %d fields after sign-off", n)
	}

	// The office has exactly what was typed, and the board is signed off.
	after, err := e.o.BoardSheet(context.Background(), members[0].u, e.audit, 1, boardID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Board.SignedOff || len(after.Board.SignedBy) != 2 {
		t.Fatalf("board after sign-off: %+v", after.Board)
	}
	for _, bb := range after.Ballots {
		var got map[string]audit.Reading
		if err := json.Unmarshal(bb.Readings, &got); err != nil || !bb.Read {
			t.Fatalf("ballot %s: read %v, %v", bb.Ballot, bb.Read, err)
		}
		w, _ := json.Marshal(want[bb.Ballot])
		g, _ := json.Marshal(got)
		if string(w) != string(g) {
			t.Errorf("ballot %s: the office has %s, the board typed %s", bb.Ballot, g, w)
		}
	}
	// The state dashboard counts the county's ballots and fits a tablet.
	b.signOut()
	b.signInKeys(e.aa1.person)
	b.open("/audits/" + e.audit)
	shot(b, "audit-dashboard")
	if got := b.text("#county-county-b .entered"); got != fmt.Sprint(len(sheet.Ballots)) {
		t.Errorf("the dashboard counts %s ballots entered in county-b, want %d", got, len(sheet.Ballots))
	}
	if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart rect").length`)); n != 2*len(auditCounties) {
		t.Errorf("the progress chart has %d bars, want 2 per county", n)
	}
	b.tabletFits("the audit dashboard")
	b.open("/audits/" + e.audit + "/jurisdictions/county-b")
	shot(b, "audit-county")
	b.tabletFits("the county page")
	t.Logf("%d ballots entered by keyboard; browser test took %v", len(sheet.Ballots), time.Since(start))
}

// shot saves a screenshot of the page to $CANVASS_SCREENSHOTS/name.png
// when that is set, for looking at the pages.
func shot(b *browser, name string) {
	if dir := os.Getenv("CANVASS_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(b.ctx, filepath.Join(dir, name+".png")); err != nil {
			b.t.Log(err)
		}
	}
}
