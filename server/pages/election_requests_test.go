package pages_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
)

// TestElectionRequestPages: the election page offers an official the
// two-person requests to switch to official mode and to withdraw a file;
// each form creates exactly that request and leads to its page. An
// observer gets neither form, and a POST of either changes nothing.
func TestElectionRequestPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ada, bob := e.officeLogin(t, e.enrollDirect(t, "ada")), e.officeLogin(t, e.enrollDirect(t, "bob"))
	olga := e.newMember(t, ada, bob, "olga", office.RoleOfficial, "state")
	obs := e.newMember(t, ada, bob, "obs", office.RoleObserver, "state")
	co, cobs := client(), client()
	e.signIn(t, co, olga.person, "/elections")
	e.signIn(t, cobs, obs.person, "/elections")
	el, err := e.o.CreateElection(ctx, olga.u, "Test election", "2026-11-03", "")
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := e.postMultipart(t, co, "/elections/"+el.ID+"/files", nil, map[string][]byte{"notes.csv": []byte("a,b\n1,2\n")}); code != 200 {
		t.Fatalf("upload: %d\n%s", code, body)
	}
	_, body, _ := e.get(t, co, "/elections/"+el.ID)
	if !strings.Contains(body, `action="/elections/`+el.ID+`/mode"`) || !strings.Contains(body, `action="/elections/`+el.ID+`/withdrawals"`) {
		t.Fatal("the official's election page offers no mode or withdrawal request")
	}
	checkLabels(t, "/elections/{e}", body)
	_, body, _ = e.get(t, cobs, "/elections/"+el.ID)
	if strings.Contains(body, "/mode\"") || strings.Contains(body, "/withdrawals\"") {
		t.Fatal("the observer's election page offers requests")
	}
	before := e.o.LogSize()
	for _, path := range []string{"/mode", "/withdrawals"} {
		if code, _, _ := e.post(t, cobs, "/elections/"+el.ID+path, url.Values{"file": {"notes.csv"}}); code != 403 {
			t.Errorf("observer POST %s: %d, want 403", path, code)
		}
	}
	if e.o.LogSize() != before {
		t.Fatal("refused requests were logged as changes")
	}
	for _, c := range []struct {
		path string
		form url.Values
		kind string
	}{
		{"/mode", nil, office.KindElectionMode},
		{"/withdrawals", url.Values{"file": {"notes.csv"}}, office.KindFileWithdrawal},
	} {
		code, _, h := e.post(t, co, "/elections/"+el.ID+c.path, c.form)
		id, ok := strings.CutPrefix(h.Get("Location"), "/requests/")
		if code != 303 || !ok {
			t.Fatalf("POST %s: %d to %q", c.path, code, h.Get("Location"))
		}
		q, err := e.o.Request(ctx, olga.u, id)
		if err != nil || q.Kind != c.kind || q.Status != "pending" || q.RequestedBy != "olga" {
			t.Fatalf("request from POST %s: %+v %v", c.path, q, err)
		}
	}
	if code, _, _ := e.post(t, co, "/elections/"+el.ID+"/withdrawals", url.Values{"file": {"no such file"}}); code < 400 || code >= 500 {
		t.Fatalf("withdrawing a file that does not exist: %d, want 4xx", code)
	}
}
