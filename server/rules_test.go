package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger"
)

// rulesEntry is one contest of GET /api/v1/elections/{e}/rules.
type rulesEntry struct {
	RulesSHA256 string `json:"rules_sha256"`
	SetAt       string `json:"set_at"`
	Tabulation  string `json:"tabulation"`
	Request     string `json:"request"`
}

// TestRulesAPI checks GET /api/v1/elections/{e}/rules against the log:
// nothing before a count; the first count's rules hash, log time and
// tabulation; a later count under the same rules moves the tabulation,
// not the time; an executed rules change puts its rules, request and
// count in force. An observer reads it; another county's official gets
// 403; an unknown election 404.
func TestRulesAPI(t *testing.T) {
	w := newWorld(t)
	e := w.env
	const fixture = "2013_minneapolis_mayor"
	const contest = "2013 Minneapolis Mayor" // the configuration's contestName
	rulesPath := "/api/v1/elections/" + w.election + "/rules"
	get := func() map[string]rulesEntry {
		t.Helper()
		var m map[string]rulesEntry
		e.must(w.otto.client, 200, "GET", rulesPath, nil, &m)
		return m
	}
	if m := get(); len(m) != 0 {
		t.Fatalf("rules before any count: %v", m)
	}
	if c := e.upload(w.olga.client, w.election, map[string][]byte{"mpls_cvr.xlsx": readFixture(t, fixture+"_cvr.xlsx")}, nil, nil); c != 200 {
		t.Fatalf("upload: %d", c)
	}
	config := func(exclude bool) map[string]any {
		var cfg map[string]any
		if err := json.Unmarshal(readFixture(t, fixture+"_config.json"), &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["cvrFileSources"].([]any)[0].(map[string]any)["filePath"] = "mpls_cvr.xlsx"
		if exclude {
			cfg["candidates"].([]any)[0].(map[string]any)["excluded"] = true
		}
		return map[string]any{"rctab_config": cfg}
	}
	// The log's tabulation events: id -> (rules hash, log time).
	logged := func() map[string][2]string {
		out := map[string][2]string{}
		e.o.Events(context.Background(), func(ev ledger.Event) error {
			if ev.Type == "election-tabulation" {
				out[ev.Payload["tabulation"].(string)] = [2]string{ev.Payload["rules_sha256"].(string), ev.TimeStamp.UTC().Format(time.RFC3339Nano)}
			}
			return nil
		})
		return out
	}
	path := "/api/v1/elections/" + w.election + "/tabulations"
	var first, second struct{ ID string }
	e.must(w.olga.client, 201, "POST", path, config(false), &first)
	m := get()
	want := logged()[first.ID]
	if got := m[contest]; len(m) != 1 || got.RulesSHA256 != want[0] || got.SetAt != want[1] || got.Tabulation != first.ID || got.Request != "" {
		t.Fatalf("after the first count: %+v, log %v", m, want)
	}
	e.must(w.olga.client, 201, "POST", path, config(false), &second)
	if got := get()[contest]; got.Tabulation != second.ID || got.SetAt != want[1] || got.RulesSHA256 != want[0] {
		t.Fatalf("after a second count under the same rules: %+v", got)
	}
	var q requestView
	e.must(w.olga.client, 202, "POST", path, config(true), &q)
	if got := get()[contest]; got.Tabulation != second.ID || got.RulesSHA256 != want[0] {
		t.Fatalf("a pending rules change changed the rules in force: %+v", got)
	}
	e.cosign(w.olga, w.pat, q)
	e.must(w.olga.client, 200, "GET", "/api/v1/requests/"+q.ID, nil, &q)
	tid := q.Result["tabulation"]
	now := logged()[tid]
	if got := get()[contest]; got.RulesSHA256 != now[0] || got.RulesSHA256 == want[0] || got.SetAt != now[1] || got.Tabulation != tid || got.Request != q.ID {
		t.Fatalf("after the rules change: %+v, log %v", got, now)
	}
	e.must(w.carl.client, 403, "GET", rulesPath, nil, nil)
	e.must(w.olga.client, 404, "GET", "/api/v1/elections/e-none/rules", nil, nil)
}
