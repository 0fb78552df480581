package browsertest_test

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canvass/canvass/internal/browsertest"
	"github.com/canvass/canvass/resultsite"
)

var update = flag.Bool("update", false, "rewrite docs/img/public-results.png")

const screenshotPath = "../../docs/img/public-results.png"

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cspReports collects the Content-Security-Policy violation reports the
// browser posts, by the page they were about.
type cspReports struct {
	mu    sync.Mutex
	pages []string
}

func (c *cspReports) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rep struct {
		Report struct {
			DocumentURI string `json:"document-uri"`
			Violated    string `json:"violated-directive"`
		} `json:"csp-report"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	json.Unmarshal(body, &rep)
	c.mu.Lock()
	c.pages = append(c.pages, rep.Report.DocumentURI+" ("+rep.Report.Violated+")")
	c.mu.Unlock()
}

func (c *cspReports) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.pages...)
}

// serveSnapshot renders the Minneapolis 2013 results and serves them as a
// static site with a strict Content-Security-Policy, as a CDN would. The
// browser reports violations to /csp-report; /violation.html is a page that
// violates the policy, to show that reports arrive.
func serveSnapshot(t *testing.T) (string, *cspReports) {
	t.Helper()
	files, err := resultsite.Render(resultsite.Snapshot{
		Origin:       "results.minneapolismn.example/2013-general",
		ElectionID:   "2013-11-05-minneapolis",
		ElectionName: "Municipal General Election",
		Jurisdiction: "City of Minneapolis",
		Date:         "2013-11-05",
		Version:      2,
		PublishedAt:  time.Date(2013, 11, 6, 4, 12, 0, 0, time.UTC),
		Contests: []resultsite.Contest{
			{ID: "mayor", Name: "Mayor", SummaryJSON: read(t, "../../testdata/rctab/2013_minneapolis_mayor/2013_minneapolis_mayor_expected_detailed_report.json")},
			{ID: "park-board", Name: "Park and Recreation Commissioner at Large", SummaryJSON: read(t, "../../testdata/rctab/2013_minneapolis_park/2013_minneapolis_park_expected_detailed_report.json")},
		},
		Checkpoint:      "results.minneapolismn.example/2013-general\n412\nq2RSM3y1VZ0mCsg3ZfR+Nh1XQ4iJx8o8n0b3QkOfH5c=\n\n— results.minneapolismn.example/2013-general Az3grkrh0WAtd4xWDP8GjiDWhSc/lVsNmGeqQZzjzw7XBnQf1kX3f4bq2+4K9sJc2pHnW6uE0S8sT4F8qz2XvXfJ0QM=\n",
		LogIndex:        411,
		LogURL:          "https://results.minneapolismn.example/log/",
		LogVKey:         "results.minneapolismn.example/2013-general+1f2e3d4c+AQz1lGZ0c8dp8QYgk3j3ZP0uM6rB0tPp3Ae4wR2y8uVx",
		ResultsJSON:     []byte(`{"@type":"ElectionReport"}` + "\n"),
		SoftwareVersion: "v0.9.0",
	})
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
	return localhost(srv.URL), reports
}

// localhost replaces 127.0.0.1 with localhost: WebAuthn needs a domain as
// its relying party id, and localhost counts as a secure origin.
func localhost(url string) string {
	return strings.Replace(url, "127.0.0.1", "localhost", 1)
}

func TestPublicResultsPage(t *testing.T) {
	url, reports := serveSnapshot(t)
	ctx := browsertest.New(t)

	// Tablet.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768), chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if want := "Municipal General Election: unofficial results"; title != want {
		t.Errorf("title %q, want %q", title, want)
	}
	// Both charts are laid out with a real size.
	sizes, err := browsertest.Eval[[][2]float64](ctx, `[...document.querySelectorAll("svg.chart.wide")].map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })`)
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 2 {
		t.Fatalf("%d charts rendered, want 2", len(sizes))
	}
	for i, sz := range sizes {
		if sz[0] < 600 || sz[1] < 100 {
			t.Errorf("chart %d is %vx%v CSS pixels at tablet width", i, sz[0], sz[1])
		}
	}
	// The mayor's chart draws a bar segment for the winner in round 33,
	// inside the chart's box.
	rounds, err := browsertest.Eval[int](ctx, `document.querySelector("svg.chart.wide").querySelectorAll("g.round").length`)
	if err != nil || rounds != 33 {
		t.Errorf("mayor chart: %d rounds drawn (%v), want 33", rounds, err)
	}
	// The stylesheet loaded under CSP default-src 'self'.
	bg, err := browsertest.Eval[string](ctx, `getComputedStyle(document.querySelector(".badge.unofficial")).backgroundColor`)
	if err != nil || bg != "rgb(255, 243, 205)" {
		t.Errorf("unofficial badge background %q (%v): style.css not applied", bg, err)
	}
	if *update {
		// 1024×1366 is a large tablet held upright: tall enough for the
		// header, the winner and the chart.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 1366)); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.ViewportScreenshot(ctx, screenshotPath); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Screenshot(ctx, os.TempDir()+"/public-results-full.png"); err != nil {
			t.Fatal(err)
		}
	}

	// No CSP violation: load a page that violates the policy, wait for its
	// report, and check that it is the only page reported.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/violation.html")); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		got := reports.list()
		if len(got) > 0 {
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

	// Phone: nothing wider than the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile), chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	w, err := browsertest.Eval[[4]float64](ctx, `[document.documentElement.scrollWidth, innerWidth, document.querySelector("svg.chart.narrow").getBoundingClientRect().width, document.querySelector("svg.chart.wide").getBoundingClientRect().width]`)
	if err != nil {
		t.Fatal(err)
	}
	if w[1] != 375 {
		t.Errorf("phone viewport is %v CSS pixels wide, want 375", w[1])
	}
	if w[0] > w[1] {
		t.Errorf("page is %v CSS pixels wide on a %v-pixel phone screen: it scrolls sideways", w[0], w[1])
	}
	if w[2] < 300 || w[2] > w[1] {
		t.Errorf("the phone chart is %v CSS pixels wide on a %v-pixel phone screen", w[2], w[1])
	}
	if w[3] != 0 {
		t.Errorf("the wide chart shows on a phone (%v CSS pixels wide)", w[3])
	}
	if *update {
		if err := browsertest.Screenshot(ctx, os.TempDir()+"/public-results-phone.png"); err != nil {
			t.Fatal(err)
		}
	}
}

const registerPage = `<!DOCTYPE html>
<html><head><title>register</title></head><body>
<script>
async function register() {
  const cred = await navigator.credentials.create({publicKey: {
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    rp: {name: "canvass test", id: location.hostname},
    user: {id: new TextEncoder().encode("alice"), name: "alice", displayName: "Alice"},
    pubKeyCredParams: [{type: "public-key", alg: -7}, {type: "public-key", alg: -8}],
    authenticatorSelection: {userVerification: "required", residentKey: "required"},
  }});
  const flags = new Uint8Array(cred.response.getAuthenticatorData())[32];
  return {id: cred.id, type: cred.type, uv: (flags & 4) != 0};
}
</script>
</body></html>`

func TestVirtualAuthenticator(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(registerPage))
	}))
	defer srv.Close()
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(localhost(srv.URL))); err != nil {
		t.Fatal(err)
	}
	id, err := browsertest.VirtualAuthenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		ID, Type string
		UV       bool
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[result]("register()", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("navigator.credentials.create: %v", err)
	}
	if got.Type != "public-key" || got.ID == "" || !got.UV {
		t.Errorf("credential %+v, want a user-verified public-key credential", got)
	}
	creds, err := browsertest.Credentials(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
		t.Fatalf("authenticator holds %d credentials (%+v), want one resident credential for localhost", len(creds), creds)
	}
}

func TestFindHonoursEnv(t *testing.T) {
	t.Setenv("CANVASS_CHROMIUM", "/nonexistent/chromium")
	if _, err := browsertest.Find(); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Find with a missing CANVASS_CHROMIUM: %v", err)
	}
}
