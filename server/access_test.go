package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"

	"github.com/canvass/canvass/office"
)

// TestAccessMatrix walks every authenticated route as every role, on
// something of the user's own jurisdiction and of another one, and checks
// each answer against the permission matrix office.Permissions (printed in
// docs/office.md): allowed means anything but 403, refused means 403.
func TestAccessMatrix(t *testing.T) {
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
	rAdmin := e.newUser(ada, bob, "r-admin", []string{"admin"}, other)

	// Objects of each jurisdiction.
	elections := map[string]string{}
	for j, p := range map[string]*person{own: people["official"], other: rOfficial} {
		var el office.Election
		e.must(p.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "E " + j, "date": "2026-11-03"}, &el)
		elections[j] = el.ID
	}
	userRequests := map[string]requestView{}
	for j, p := range map[string]*person{own: people["admin"], other: rAdmin} {
		var q requestView
		e.must(p.client, 202, "POST", "/api/v1/users", map[string]any{"name": "new-" + p.name, "roles": []string{"observer"}}, &q)
		userRequests[j] = q
	}

	// A user-change request in each jurisdiction, for the signatures.
	changeRequests := map[string]requestView{}
	for j, pair := range map[string][2]string{own: {"admin", "h-observer"}, other: {"r-admin", "r-official"}} {
		p := people[pair[0]]
		if pair[0] == "r-admin" {
			p = rAdmin
		}
		var q requestView
		e.must(p.client, 202, "PATCH", "/api/v1/users/"+pair[1], map[string]any{"party": "Signed " + j}, &q)
		changeRequests[j] = q
	}
	targets := map[string]string{own: "h-observer", other: "r-official"}

	type route struct {
		method, pattern string
		action          office.Action
		// call makes the request as p on something of jurisdiction j.
		call func(p *person, j string) int
	}
	jsonCall := func(method string, path func(j string) string, body func(p *person, j string) any) func(p *person, j string) int {
		return func(p *person, j string) int {
			var b any
			if body != nil {
				b = body(p, j)
			}
			return e.do(p.client, method, path(j), b, nil)
		}
	}
	el := func(suffix string) func(j string) string {
		return func(j string) string { return "/api/v1/elections/" + elections[j] + suffix }
	}
	routes := []route{
		{"POST", "/api/v1/users", office.ActRequestUser, jsonCall("POST", func(string) string { return "/api/v1/users" },
			func(p *person, j string) any {
				return map[string]any{"name": "x-" + p.name, "roles": []string{"observer"}, "jurisdiction": j}
			})},
		{"GET", "/api/v1/requests/{id}", office.ActReadRequests, jsonCall("GET", func(j string) string { return "/api/v1/requests/" + userRequests[j].ID }, nil)},
		{"POST", "/api/v1/requests/{id}/signatures", office.ActApproveUser, jsonCall("POST", func(j string) string { return "/api/v1/requests/" + userRequests[j].ID + "/signatures" },
			func(p *person, j string) any {
				return map[string]string{"signature": p.sign(t, userRequests[j].SignText)}
			})},
		{"PATCH", "/api/v1/users/{name}", office.ActChangeUser, jsonCall("PATCH", func(j string) string { return "/api/v1/users/" + targets[j] },
			func(p *person, j string) any { return map[string]any{"party": "P " + p.name} })},
		{"POST", "/api/v1/users/{name}/reset", office.ActChangeUser, jsonCall("POST", func(j string) string { return "/api/v1/users/" + targets[j] + "/reset" }, nil)},
		{"POST", "/api/v1/requests/{id}/signatures (user-change)", office.ActApproveUserChange, jsonCall("POST", func(j string) string { return "/api/v1/requests/" + changeRequests[j].ID + "/signatures" },
			func(p *person, j string) any {
				return map[string]string{"signature": p.sign(t, changeRequests[j].SignText)}
			})},
		{"POST", "/api/v1/elections", office.ActCreateElection, jsonCall("POST", func(string) string { return "/api/v1/elections" },
			func(p *person, j string) any {
				return map[string]string{"name": "x", "date": "2026-11-03", "jurisdiction": j}
			})},
		{"GET", "/api/v1/elections/{e}", office.ActReadElections, jsonCall("GET", el(""), nil)},
		{"POST", "/api/v1/elections/{e}/mode", office.ActRequestMode, jsonCall("POST", el("/mode"), func(*person, string) any { return map[string]string{"mode": "official"} })},
		{"GET", "/api/v1/elections/{e}/files", office.ActReadFiles, jsonCall("GET", el("/files"), nil)},
		{"POST", "/api/v1/elections/{e}/files", office.ActUpload, func(p *person, j string) int {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.Close()
			req, _ := http.NewRequest("POST", e.srv.URL+el("/files")(j), &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := p.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}},
		{"DELETE", "/api/v1/elections/{e}/files/{name...}", office.ActRequestWithdrawal, jsonCall("DELETE", el("/files/none.csv"), nil)},
		{"POST", "/api/v1/elections/{e}/tabulations", office.ActTabulate, jsonCall("POST", el("/tabulations"), func(*person, string) any { return map[string]any{} })},
		{"GET", "/api/v1/elections/{e}/tabulations/{t}", office.ActReadTabulations, jsonCall("GET", el("/tabulations/t-none"), nil)},
		{"GET", "/api/v1/elections/{e}/tabulations/{t}/reports/{name...}", office.ActReadTabulations, jsonCall("GET", el("/tabulations/t-none/reports/a.json"), nil)},
		{"GET", "/api/v1/elections/{e}/rules", office.ActReadTabulations, jsonCall("GET", el("/rules"), nil)},
		{"POST", "/api/v1/elections/{e}/publications", office.ActRequestPublication, jsonCall("POST", el("/publications"), func(*person, string) any { return map[string]string{"tabulation": "t-none"} })},
		{"POST", "/api/v1/software-installs", office.ActRequestInstall, func(p *person, j string) int {
			// Installs are office-wide: the state's; no county user may.
			return e.do(p.client, "POST", "/api/v1/software-installs", map[string]string{"component": "canvass", "version": "v1", "new_sha256": "x"}, nil)
		}},
	}
	perms := office.Permissions()
	for _, r := range routes {
		for _, role := range office.Roles {
			for _, j := range []string{own, other} {
				allowed := slices.Contains(perms[r.action], role) && j == own
				if r.action == office.ActRequestInstall {
					allowed = false // county users, state-wide action
				}
				got := r.call(people[role], j)
				if got == 401 || (allowed && got == 403) || (!allowed && got != 403) {
					t.Errorf("%s %s as %s on %s: status %d, want %s", r.method, r.pattern, role, j, got, map[bool]string{true: "allowed", false: "403"}[allowed])
				}
			}
		}
	}

	// Lists are filtered rather than refused.
	for _, role := range office.Roles {
		users := e.userList(people[role])
		if want := slices.Contains(perms[office.ActReadUsers], role); want != (users["h-official"].Name != "") {
			t.Errorf("%s: own jurisdiction's user listed = %v, want %v", role, !want, want)
		}
		for _, x := range users {
			if x.Jurisdiction != own {
				t.Errorf("%s lists user %s of %s", role, x.Name, x.Jurisdiction)
			}
		}
	}
	for _, role := range office.Roles {
		var list []office.Election
		e.must(people[role].client, 200, "GET", "/api/v1/elections", nil, &list)
		for _, x := range list {
			if x.Jurisdiction != own {
				t.Errorf("%s lists election %s of %s", role, x.ID, x.Jurisdiction)
			}
		}
		if want := slices.Contains(perms[office.ActReadElections], role); want != slices.ContainsFunc(list, func(x office.Election) bool { return x.ID == elections[own] }) {
			t.Errorf("%s: own election listed = %v, want %v", role, !want, want)
		}
	}
}
