package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
)

// TestAuditAccessMatrix extends TestAccessMatrix to the audit routes: every
// role, on an audit of its own jurisdiction and of another, against
// office.Permissions. Entering readings and signing off also need
// membership of the board, which no role alone gives.
func TestAuditAccessMatrix(t *testing.T) {
	e := newEnv(t)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob := e.enroll("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob)
	const own, other = "state/hennepin", "state/ramsey"
	people := map[string]*person{}
	for _, role := range office.Roles {
		people[role] = e.newUser(ada, bob, "h-"+role, []string{role}, own)
	}
	rOfficial := e.newUser(ada, bob, "r-official", []string{"official"}, other)
	rAudit := e.newUser(ada, bob, "r-audit", []string{"audit-admin"}, other)

	elections, audits := map[string]string{}, map[string]string{}
	for j, ps := range map[string][2]*person{own: {people["official"], people["audit-admin"]}, other: {rOfficial, rAudit}} {
		var el office.Election
		e.must(ps[0].client, 201, "POST", "/api/v1/elections", map[string]string{"name": "E " + j, "date": "2026-11-03"}, &el)
		elections[j] = el.ID
		setup := map[string]any{"election": el.ID}
		for k, v := range auditSetup {
			setup[k] = v
		}
		var a struct{ ID string }
		e.must(ps[1].client, 201, "POST", "/api/v1/audits", setup, &a)
		audits[j] = a.ID
	}
	seed := map[string]any{"seed": testSeed, "rolled_by": []string{"A"}}
	type route struct {
		pattern string
		action  office.Action // "" for board membership
		call    func(p *person, j string) int
	}
	call := func(method, suffix string, body any) func(p *person, j string) int {
		return func(p *person, j string) int {
			return e.do(p.client, method, "/api/v1/audits/"+audits[j]+suffix, body, nil)
		}
	}
	routes := []route{
		{"POST /api/v1/audits", office.ActCreateAudit, func(p *person, j string) int {
			setup := map[string]any{"election": elections[j]}
			for k, v := range auditSetup {
				setup[k] = v
			}
			return e.do(p.client, "POST", "/api/v1/audits", setup, nil)
		}},
		{"GET /api/v1/audits/{a}", office.ActReadAudits, call("GET", "", nil)},
		{"GET /api/v1/audits/{a}/progress", office.ActReadAudits, call("GET", "/progress", nil)},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/manifest", office.ActAuditUpload, func(p *person, j string) int {
			return e.auditUpload(p.client, audits[j], "county-a", "manifest", "arlo", "m.csv", countyManifest(""), nil)
		}},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/cvrs", office.ActAuditUpload, func(p *person, j string) int {
			return e.auditUpload(p.client, audits[j], "county-a", "cvrs", "dominion-csv", "c.csv", countyDominionCSV("county-a"), nil)
		}},
		{"POST /api/v1/audits/{a}/seed", office.ActRequestSeed, call("POST", "/seed", seed)},
		{"POST /api/v1/audits/{a}/rounds", office.ActDrawRound, call("POST", "/rounds", map[string]any{"sample_size": map[string]any{}})},
		{"GET /api/v1/audits/{a}/rounds/{r}/sample", office.ActReadAudits, call("GET", "/rounds/1/sample", nil)},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/boards", office.ActCreateBoard, call("POST", "/jurisdictions/county-a/boards", map[string]any{"members": []string{"A", "B"}})},
		{"POST /api/v1/audits/{a}/rounds/{r}/close", office.ActCloseRound, call("POST", "/rounds/1/close", nil)},
		{"POST /api/v1/audits/{a}/rounds/{r}/boards/{b}/reopen", office.ActRequestReopen, call("POST", "/rounds/1/boards/bd-x/reopen", map[string]string{"reason": "r"})},
		{"GET /api/v1/audits/{a}/rounds/{r}/boards/{b}/ballots", "", call("GET", "/rounds/1/boards/bd-x/ballots", nil)},
		{"PUT /api/v1/audits/{a}/rounds/{r}/ballots/{ballot}", "", call("PUT", "/rounds/1/ballots/1", map[string]any{"readings": map[string]any{}})},
		{"POST /api/v1/audits/{a}/rounds/{r}/boards/{b}/sign-off", "", call("POST", "/rounds/1/boards/bd-x/sign-off", nil)},
		{"GET /api/v1/audits/{a}/rounds/{r}/jurisdictions/{j}/retrieval.csv", office.ActReadRetrieval, call("GET", "/rounds/1/jurisdictions/county-a/retrieval.csv", nil)},
		{"GET /api/v1/audits/{a}/rounds/{r}/jurisdictions/{j}/retrieval.pdf", office.ActReadRetrieval, call("GET", "/rounds/1/jurisdictions/county-a/retrieval.pdf", nil)},
		{"GET /api/v1/audits/{a}/rounds/{r}/observer-excerpt.csv", office.ActReadExcerpt, call("GET", "/rounds/1/observer-excerpt.csv", nil)},
	}
	perms := office.Permissions()
	for _, r := range routes {
		for _, role := range office.Roles {
			for _, j := range []string{own, other} {
				allowed := r.action != "" && slices.Contains(perms[r.action], role) && j == own
				got := r.call(people[role], j)
				if got == 401 || (allowed && got == 403) || (!allowed && got != 403) {
					t.Errorf("%s as %s on %s: status %d, want %s", r.pattern, role, j, got, map[bool]string{true: "allowed", false: "403"}[allowed])
				}
			}
		}
	}
	// Every audit route is walked above.
	s := 0
	for _, p := range server.New(e.o).Patterns() {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/audits") {
			s++
			if !slices.ContainsFunc(routes, func(r route) bool { return r.pattern == p }) && !isBatchAccessRoute(p) {
				t.Errorf("route %s is not in the audit access matrix", p)
			}
		}
	}
	if s != len(routes)+len(batchAccessRoutes) {
		t.Errorf("%d audit routes, %d walked", s, len(routes))
	}
}
