package pages_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// postFile sends the county page's upload form.
func (e *auditEnv) postFile(t *testing.T, c *http.Client, path, kind, format, name string, data []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	mw.WriteField("format", format)
	w, _ := mw.CreateFormFile("file", name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	code, b, _ := do(t, c, req)
	return code, b
}

// TestAuditSetupPages sets an audit up through the pages: the setup form
// (a bad risk limit refused and kept), uploads with their validation (a
// manifest with a bad row refused with the row and changing nothing),
// and the seed ceremony: blocked while records are missing, a short seed
// refused, a good one turned into a two-person request.
func TestAuditSetupPages(t *testing.T) {
	e := newAuditEnv(t, false, false)
	admin := client()
	e.signIn(t, admin, e.aa1.person, "/audits")
	_, body, _ := e.get(t, admin, "/audits")
	checkLabels(t, "/audits", body)
	elID := regexpFind(t, body, `<option value="([^"]+)"`)
	form := url.Values{"name": {"Page RLA"}, "election": {elID}, "type": {"ballot-comparison"}, "math": {"supersimple"},
		"risk_limit": {"5%"}, "sampler": {"arlo"}, "statuses": {"blank", "overvote", "not-found"},
		"contest-0-name": {"Governor"}, "contest-0-kind": {"plurality"}, "contest-0-targeted": {"1"}, "contest-0-jurisdictions": {"county-a, county-b"},
		"contest-1-name": {""}, "contest-1-kind": {"plurality"}}
	e.unchangedLog(t, "a bad setup", func() {
		code, body, _ := e.post(t, admin, "/audits", form)
		if code != 400 || !strings.Contains(body, "(field: risk_limit)") || !strings.Contains(body, `value="Page RLA"`) {
			t.Errorf("risk limit 5%%: %d", code)
		}
	})
	form.Set("risk_limit", "0.1")
	code, _, h := e.post(t, admin, "/audits", form)
	id, ok := strings.CutPrefix(h.Get("Location"), "/audits/")
	if code != 303 || !ok {
		t.Fatalf("creating an audit: %d to %q", code, h.Get("Location"))
	}
	_, body, _ = e.get(t, admin, "/audits/"+id)
	if !strings.Contains(body, "Page RLA") || !strings.Contains(body, `id="county-county-b"`) || !strings.Contains(body, "not yet:") {
		t.Error("the new audit's dashboard")
	}

	// Uploads, on the county page.
	county := "/audits/" + id + "/jurisdictions/county-a"
	_, body, _ = e.get(t, admin, county)
	checkLabels(t, "county page", body)
	if f := postForms(body); len(f) != 2 {
		t.Errorf("county page forms before the seed: %v (manifest and CVRs)", f)
	}
	e.unchangedLog(t, "a bad manifest", func() {
		bad := []byte("Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,50\nBox 2,1,2,lots\n")
		code, body := e.postFile(t, admin, county+"/uploads", "manifest", "arlo", "manifest.csv", bad)
		if code != 422 || !strings.Contains(body, "row 3") || !strings.Contains(body, "lots") {
			t.Errorf("bad manifest: %d", code)
		}
	})
	seedPage := "/audits/" + id + "/seed"
	_, body, _ = e.get(t, admin, seedPage)
	if !strings.Contains(body, "missing county-a manifest") {
		t.Error("the seed page does not say what is missing")
	}
	for _, c := range auditCounties {
		code, body := e.postFile(t, admin, "/audits/"+id+"/jurisdictions/"+c+"/uploads", "manifest", "arlo", "manifest.csv", pageManifest())
		if code != 200 || !strings.Contains(body, `id="validation"`) || !strings.Contains(body, "<dd>100</dd>") {
			t.Fatalf("manifest %s: %d", c, code)
		}
		code, body = e.postFile(t, admin, "/audits/"+id+"/jurisdictions/"+c+"/uploads", "cvrs", "dominion-csv", "cvr.csv", pageDominionCSV(c))
		if code != 200 || !strings.Contains(body, `<dd id="complete">uploaded</dd>`) {
			t.Fatalf("CVRs %s: %d", c, code)
		}
	}

	// The seed ceremony.
	_, body, _ = e.get(t, admin, seedPage)
	if !strings.Contains(body, "the seed may be rolled now") {
		t.Fatal("the seed page does not say the seed may be rolled")
	}
	checkLabels(t, "seed page", body)
	obs := client()
	e.signIn(t, obs, e.obs.person, "/audits")
	if _, body, _ := e.get(t, obs, seedPage); len(postForms(body)) != 0 {
		t.Error("the observer gets the seed form")
	}
	e.unchangedLog(t, "a short seed", func() {
		code, body, _ := e.post(t, admin, seedPage, url.Values{"seed": {"12345"}, "rolled_by": {"Ann Roller"}})
		if code != 400 || !strings.Contains(body, "(field: seed)") {
			t.Errorf("short seed: %d", code)
		}
	})
	code, _, h = e.post(t, admin, seedPage, url.Values{"seed": {"1234 5678 9012 3456 7890 123"}, "rolled_by": {"Ann Roller\r\nRoy Roller"}, "witnesses": {"Wes Witness"}})
	q, ok := strings.CutPrefix(h.Get("Location"), "/requests/")
	if code != 303 || !ok {
		t.Fatalf("seed: %d to %q", code, h.Get("Location"))
	}
	_, body, _ = e.get(t, admin, "/requests/"+q)
	if !strings.Contains(body, `<dd id="kind">audit-seed</dd>`) || !strings.Contains(body, "12345678901234567890123") || !strings.Contains(body, "Roy Roller") {
		t.Error("the seed request page")
	}

	// Co-signed (as the requests page does), the seed opens the draw.
	rq, err := e.o.Request(context.Background(), e.aa1.u, q)
	if err != nil {
		t.Fatal(err)
	}
	if rq = e.cosign(t, rq, e.aa1, e.aa2); rq.Status != "done" {
		t.Fatalf("seed request %s", rq.Status)
	}
	dash := "/audits/" + id
	_, body, _ = e.get(t, admin, dash)
	if f := postForms(body); len(f) != 1 || f[0] != dash+"/rounds" || !strings.Contains(body, `<option value="size" selected>`) {
		t.Fatalf("the dashboard after the seed: forms %v", f)
	}
	if _, body, _ := e.get(t, obs, dash); len(postForms(body)) != 0 {
		t.Error("the observer gets the draw form")
	}
	e.unchangedLog(t, "a bad draw", func() {
		if code, body, _ := e.post(t, admin, dash+"/rounds", url.Values{"key": {"size"}, "draws": {"many"}}); code != 400 || !strings.Contains(body, "(field: draws)") {
			t.Errorf("draws=many: %d", code)
		}
		if code, _, _ := e.post(t, obs, dash+"/rounds", url.Values{"key": {"size"}}); code != 403 {
			t.Errorf("an observer drawing: %d", code)
		}
	})
	if code, _, h := e.post(t, admin, dash+"/rounds", url.Values{"key": {"size"}}); code != 303 || h.Get("Location") != dash+"?drawn=1" {
		t.Fatalf("drawing round 1: %d to %q", code, h.Get("Location"))
	}
	_, body, _ = e.get(t, admin, dash+"?drawn=1")
	if !strings.Contains(body, "round 1 open") || !strings.Contains(body, `id="notice"`) || !strings.Contains(body, "<svg") {
		t.Error("the dashboard after the draw")
	}
}

func regexpFind(t *testing.T, body, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s on the page", re)
	}
	return m[1]
}
