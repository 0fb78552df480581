package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/internal/browsertest"
	"github.com/canvass/canvass/resultsite"
	"github.com/canvass/canvass/rla"
)

// TestPublicAuditPage loads a public audit snapshot (one round closed,
// one open) in Chromium under Content-Security-Policy default-src 'self':
// no violation, the stylesheet applies, and on a phone nothing but the
// tables' own boxes scrolls sideways.
func TestPublicAuditPage(t *testing.T) {
	k := audit.BallotKey{Jurisdiction: "county-a", Tabulator: "TABULATOR-0001", Batch: "BATCH-0042", Position: 117}
	res := &audit.RoundResult{Round: 1, Draws: 1, NextSize: 9, Contests: []audit.ContestRound{{Contest: "Governor", Targeted: true, Math: "supersimple",
		Ballots: 600, SampleSize: 1, BallotsAudited: 1, Discrepancies: audit.Discrepancies{O2: 1}, Risk: 1, Decision: audit.AnotherRound, NextSize: 9}}}
	rep := &audit.Report{
		Settings: audit.Settings{Name: "State General RLA", Type: "ballot-comparison", Math: "supersimple", RiskLimit: 0.05, Sampler: "arlo", Ballots: 600,
			Jurisdictions: []audit.JurisdictionSummary{{Name: "county-a", Batches: 3, Ballots: 600, CVRs: 600}}},
		Contests: []audit.ContestReport{{Name: "Governor", Kind: "plurality", Targeted: true, Jurisdictions: []string{"county-a"}, Ballots: 600,
			Tally: rla.Counts{{Name: "Alice", Votes: 350}, {Name: "Bob", Votes: 250}}, Winners: []string{"Alice"}, MinMargin: 100, DilutedMargin: 1.0 / 6}},
		Rounds: []audit.RoundReport{{Round: 1, Count: 1, Result: res}, {Round: 2, Skip: 1, Count: 9}},
		Ballots: []audit.AuditedBallot{{BallotKey: k, Tickets: []string{"0.123456789012345678"}, Round: 1,
			Contests: []audit.AuditedContest{{Contest: "Governor", CVRReading: "Alice", BoardReading: "Bob", Discrepancy: 2, Kind: "o2"}}}},
	}
	files, err := resultsite.RenderAudit(resultsite.AuditSnapshot{AuditID: "a-1", Election: "e-1", Jurisdiction: "State", Version: 3,
		PublishedAt: time.Date(2026, 11, 10, 17, 4, 0, 0, time.UTC), Trigger: "round-drawn", TriggerRound: 2, Report: rep,
		Seed:   resultsite.AuditSeed{Seed: "01234567890123456789", RolledBy: []string{"Ann Roller"}, Witnesses: []string{"Wes Watcher"}, Request: "rq-1", Signers: []string{"aa1", "aa2"}},
		Rounds: []resultsite.AuditRound{{Round: 1, Ballots: 1, Read: 1, Boards: 1, SignedOff: 1, SampleCSV: []byte("x\n")}, {Round: 2, Ballots: 9, Boards: 1, SampleCSV: []byte("y\n")}},
		Boards: map[audit.BallotKey]string{k: "bd-0001"}})
	if err != nil {
		t.Fatal(err)
	}
	mfs := fstest.MapFS{}
	for name, data := range files {
		mfs[name] = &fstest.MapFile{Data: data}
	}
	mfs["violation.html"] = &fstest.MapFile{Data: []byte(`<!DOCTYPE html><html><head><title>v</title></head><body><p style="color: red">inline style</p></body></html>`)}
	reports := new(cspReports)
	fileServer := http.FileServerFS(mfs)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/csp-report" {
			reports.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; report-uri /csp-report")
		fileServer.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	url := localhost(srv.URL)
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768), chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Risk-limiting audit: State General RLA" {
		t.Errorf("title %q (%v)", title, err)
	}
	bg, err := browsertest.Eval[string](ctx, `getComputedStyle(document.querySelector(".badge.progress")).backgroundColor`)
	if err != nil || bg != "rgb(232, 240, 251)" {
		t.Errorf("progress badge background %q (%v): style.css not applied", bg, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/violation.html")); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if got := reports.list(); len(got) > 0 {
			for _, p := range got {
				if !strings.Contains(p, "/violation.html") {
					t.Errorf("CSP violation: %s", p)
				}
			}
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the browser sent no CSP report for a page that violates the policy: the CSP check cannot work")
		}
	}
	// Phone, with the readings unfolded.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile), chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	w, err := browsertest.Eval[[2]float64](ctx, `document.querySelectorAll("details").forEach(d => d.open = true), [document.documentElement.scrollWidth, innerWidth]`)
	if err != nil {
		t.Fatal(err)
	}
	if w[0] > w[1] {
		t.Errorf("the audit page is %v CSS pixels wide on a %v-pixel phone screen: it scrolls sideways", w[0], w[1])
	}
}
