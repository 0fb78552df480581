package server_test

import (
	"slices"
	"testing"

	"github.com/canvass/canvass/office"
)

// batchAccessRoutes are the batch and decision routes of the audit API
// with the action each needs; TestAuditAccessMatrix counts them as
// walked, and TestAuditBatchAccessMatrix walks them.
var batchAccessRoutes = []struct {
	pattern, method, suffix string
	action                  office.Action
	body                    any
}{
	{"GET /api/v1/audits/{a}/rounds/{r}/batches", "GET", "/rounds/1/batches", office.ActReadAudits, nil},
	{"PUT /api/v1/audits/{a}/rounds/{r}/batches/{batch}/sheets/{sheet}", "PUT", "/rounds/1/batches/1/sheets/S", office.ActEnterBatchTallies, map[string]any{"contests": map[string]any{}}},
	{"POST /api/v1/audits/{a}/rounds/{r}/batches/{batch}/finalize", "POST", "/rounds/1/batches/1/finalize", office.ActEnterBatchTallies, nil},
	{"POST /api/v1/audits/{a}/rounds/{r}/batches/{batch}/unfinalize", "POST", "/rounds/1/batches/1/unfinalize", office.ActRequestUnfinalize, map[string]string{"reason": "r"}},
	{"POST /api/v1/audits/{a}/rounds/{r}/undo", "POST", "/rounds/1/undo", office.ActRequestUndoRound, map[string]string{"reason": "r"}},
	{"POST /api/v1/audits/{a}/full-hand-count", "POST", "/full-hand-count", office.ActRequestFullHandCount, map[string]any{"contests": []string{"Council"}, "reason": "r"}},
	{"POST /api/v1/audits/{a}/jurisdictions/{j}/batch-tallies", "", "", office.ActAuditUpload, nil},
}

func isBatchAccessRoute(pattern string) bool {
	return slices.ContainsFunc(batchAccessRoutes, func(r struct {
		pattern, method, suffix string
		action                  office.Action
		body                    any
	}) bool {
		return r.pattern == pattern
	})
}

// TestAuditBatchAccessMatrix walks the batch routes as every role, on a
// batch audit of its own jurisdiction and of another, against
// office.Permissions. Tally entry (and finalizing, which also needs
// audits.batches.finalize) needs, for an audit-board account, membership
// of a board of the batch's county and round, which no role alone gives:
// a bare audit-board account is refused.
func TestAuditBatchAccessMatrix(t *testing.T) {
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
	audits := map[string]string{}
	for j, ps := range map[string][2]*person{own: {people["official"], people["audit-admin"]}, other: {rOfficial, rAudit}} {
		var el office.Election
		e.must(ps[0].client, 201, "POST", "/api/v1/elections", map[string]string{"name": "E " + j, "date": "2026-11-03"}, &el)
		var a struct{ ID string }
		e.must(ps[1].client, 201, "POST", "/api/v1/audits", batchSetup(el.ID), &a)
		audits[j] = a.ID
	}
	perms := office.Permissions()
	for _, r := range batchAccessRoutes {
		for _, role := range office.Roles {
			for _, j := range []string{own, other} {
				allowed := slices.Contains(perms[r.action], role) && j == own && role != office.RoleAuditBoard
				if r.pattern == "POST /api/v1/audits/{a}/rounds/{r}/batches/{batch}/finalize" {
					allowed = allowed && slices.Contains(perms[office.ActFinalizeBatch], role)
				}
				var got int
				if r.method == "" {
					got = e.auditUpload(people[role].client, audits[j], "county-a", "batch-tallies", "arlo", "t.csv", batchTallies("county-a"), nil)
				} else {
					got = e.do(people[role].client, r.method, "/api/v1/audits/"+audits[j]+r.suffix, r.body, nil)
				}
				if got == 401 || (allowed && got == 403) || (!allowed && got != 403) {
					t.Errorf("%s as %s on %s: status %d, want %s", r.pattern, role, j, got, map[bool]string{true: "allowed", false: "403"}[allowed])
				}
			}
		}
	}
}
