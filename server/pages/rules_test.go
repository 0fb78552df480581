package pages_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
)

// postMultipart sends a same-origin multipart form: fields, then files
// (form name "file" → file name → content).
func (e *env) postMultipart(t *testing.T, c *http.Client, path string, fields map[string]string, files map[string][]byte) (int, string, http.Header) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("file", name)
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return do(t, c, req)
}

// TestRulesPages: after a count, the election page lists each contest's
// rules in force (hash, since when, set by, latest tabulation) and the
// tabulation page says the count ran under them; a count under other
// rules sends the official back to the election page with a notice (not
// a refusal) linking to the rules-change request, which is pending. An
// observer sees the rules too; a stray ?rules_change= shows nothing.
func TestRulesPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ada, bob := e.officeLogin(t, e.enrollDirect(t, "ada")), e.officeLogin(t, e.enrollDirect(t, "bob"))
	olga := e.newMember(t, ada, bob, "olga", office.RoleOfficial, "state")
	obs := e.newMember(t, ada, bob, "obs", office.RoleObserver, "state")
	co, cobs := client(), client()
	e.signIn(t, co, olga.person, "/elections")
	e.signIn(t, cobs, obs.person, "/elections")
	el, err := e.o.CreateElection(ctx, olga.u, "2013 Minneapolis Mayor", "2013-11-05", "")
	if err != nil {
		t.Fatal(err)
	}
	xlsx, err := os.ReadFile(fixturePath("_cvr.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := e.postMultipart(t, co, "/elections/"+el.ID+"/files", nil, map[string][]byte{fixture + "_cvr.xlsx": xlsx}); code != 200 {
		t.Fatalf("upload: %d\n%s", code, body)
	}
	cfg, err := os.ReadFile(fixturePath("_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, body, _ := e.get(t, co, "/elections/"+el.ID); !strings.Contains(body, "no rules are in force") {
		t.Fatal("the election page before any count does not say no rules are in force")
	}
	code, _, h := e.postMultipart(t, co, "/elections/"+el.ID+"/tabulations", map[string]string{"rctab_config_text": string(cfg)}, nil)
	tab, ok := strings.CutPrefix(h.Get("Location"), "/elections/"+el.ID+"/tabulations/")
	if code != 303 || !ok {
		t.Fatalf("tabulate: %d to %q", code, h.Get("Location"))
	}
	rules, err := e.o.ContestRulesOf(ctx, olga.u, el.ID)
	if err != nil || len(rules) != 1 || rules[0].Tabulation != tab {
		t.Fatalf("rules in force %+v %v", rules, err)
	}
	hash := rules[0].RulesSHA256
	for who, c := range map[string]*http.Client{"official": co, "observer": cobs} {
		code, body, _ := e.get(t, c, "/elections/"+el.ID)
		if code != 200 || !strings.Contains(body, `<table id="rules"`) || !strings.Contains(body, hash) ||
			!strings.Contains(body, "the first tabulation") || !strings.Contains(body, `<a href="/elections/`+el.ID+`/tabulations/`+tab+`">`) {
			t.Errorf("%s's election page: %d\n%s", who, code, body)
		}
	}
	if _, body, _ := e.get(t, cobs, "/elections/"+el.ID+"/tabulations/"+tab); !strings.Contains(body, hash) || !strings.Contains(body, "This tabulation counted under them.") {
		t.Errorf("tabulation page:\n%s", body)
	}

	// Other rules: a request, shown as a notice.
	other := strings.Replace(string(cfg), `"excluded" : false`, `"excluded" : true`, 1)
	before := e.o.LogSize()
	code, _, h = e.postMultipart(t, co, "/elections/"+el.ID+"/tabulations", map[string]string{"rctab_config_text": other}, nil)
	loc := h.Get("Location")
	id, ok := strings.CutPrefix(loc, "/elections/"+el.ID+"?rules_change=")
	if code != 303 || !ok || e.o.LogSize() != before+1 {
		t.Fatalf("tabulating under other rules: %d to %q, log %d -> %d", code, loc, before, e.o.LogSize())
	}
	q, err := e.o.Request(ctx, olga.u, id)
	if err != nil || q.Kind != office.KindRulesChange || q.Status != "pending" {
		t.Fatalf("request %s: %+v %v", id, q, err)
	}
	code, body, _ := e.get(t, co, loc)
	if code != 200 || !strings.Contains(body, `id="rules-change"`) || !strings.Contains(body, `<a href="/requests/`+id+`">`) ||
		strings.Contains(body, `role="alert"`) || !strings.Contains(body, hash) {
		t.Fatalf("election page after a rules change request: %d\n%s", code, body)
	}
	// The rules in force are unchanged; a stray request id shows nothing.
	if rules, _ := e.o.ContestRulesOf(ctx, olga.u, el.ID); rules[0].RulesSHA256 != hash {
		t.Fatal("a pending request changed the rules in force")
	}
	qs, err := e.o.Requests(ctx, ada.u, false)
	i := slices.IndexFunc(qs, func(q office.RequestView) bool { return q.Kind == office.KindUsers })
	if err != nil || i < 0 {
		t.Fatalf("no user request among %d: %v", len(qs), err)
	}
	for _, path := range []string{"?rules_change=" + qs[i].ID, "?rules_change=r-none"} {
		if code, body, _ := e.get(t, co, "/elections/"+el.ID+path); code != 200 || strings.Contains(body, `id="rules-change"`) {
			t.Errorf("%s: %d, notice shown", path, code)
		}
	}
}
