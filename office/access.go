package office

import (
	"slices"
	"strings"
)

// Action is something a signed-in user may be allowed to do. Every
// authorization decision in the office is a lookup of (role, action) in
// permissions plus the jurisdiction rule in Covers, made by Allowed and
// nowhere else. docs/office.md prints the same table.
type Action string

// Actions.
const (
	ActReadUsers          Action = "users.read"
	ActRequestUser        Action = "users.request"
	ActApproveUser        Action = "users.approve"
	ActChangeUser         Action = "users.change.request"
	ActApproveUserChange  Action = "users.change.approve"
	ActReadElections      Action = "elections.read"
	ActCreateElection     Action = "elections.create"
	ActRequestMode        Action = "elections.mode.request"
	ActApproveMode        Action = "elections.mode.approve"
	ActReadFiles          Action = "files.read"
	ActUpload             Action = "files.upload"
	ActRequestWithdrawal  Action = "files.withdraw.request"
	ActApproveWithdrawal  Action = "files.withdraw.approve"
	ActReadTabulations    Action = "tabulations.read"
	ActTabulate           Action = "tabulations.run"
	ActApproveRules       Action = "tabulations.rules.approve"
	ActRequestPublication Action = "publications.request"
	ActApprovePublication Action = "publications.approve"
	ActReadRequests       Action = "requests.read"
	ActRequestInstall     Action = "software.request"
	ActApproveInstall     Action = "software.approve"
	ActReadAudits         Action = "audits.read"
	ActCreateAudit        Action = "audits.create"
	ActAuditUpload        Action = "audits.upload"
	ActRequestSeed        Action = "audits.seed.request"
	ActApproveSeed        Action = "audits.seed.approve"
	ActDrawRound          Action = "audits.rounds.draw"
	ActCreateBoard        Action = "audits.boards.create"
	ActEnterReadings      Action = "audits.readings.enter"
	ActCloseRound         Action = "audits.rounds.close"
	ActRequestReopen      Action = "audits.boards.reopen.request"
	ActApproveReopen      Action = "audits.boards.reopen.approve"
	ActReadRetrieval      Action = "audits.retrieval.read"
	ActReadOwnRetrieval   Action = "audits.retrieval.read-own"
	ActReadExcerpt        Action = "audits.excerpt.read"
)

// permissions is the permission matrix: for each action, the roles that
// may do it (within their jurisdiction).
var permissions = map[Action][]string{
	ActReadUsers:          {RoleAdmin, RoleObserver},
	ActRequestUser:        {RoleAdmin},
	ActApproveUser:        {RoleAdmin},
	ActChangeUser:         {RoleAdmin},
	ActApproveUserChange:  {RoleAdmin},
	ActReadElections:      {RoleAdmin, RoleOfficial, RoleObserver, RoleAuditAdmin, RoleAuditBoard},
	ActCreateElection:     {RoleOfficial},
	ActRequestMode:        {RoleOfficial},
	ActApproveMode:        {RoleOfficial},
	ActReadFiles:          {RoleOfficial, RoleObserver, RoleAuditAdmin},
	ActUpload:             {RoleOfficial},
	ActRequestWithdrawal:  {RoleOfficial},
	ActApproveWithdrawal:  {RoleOfficial},
	ActReadTabulations:    {RoleAdmin, RoleOfficial, RoleObserver, RoleAuditAdmin},
	ActTabulate:           {RoleOfficial},
	ActApproveRules:       {RoleOfficial},
	ActRequestPublication: {RoleOfficial},
	ActApprovePublication: {RoleOfficial},
	ActReadRequests:       {RoleAdmin, RoleOfficial, RoleObserver, RoleAuditAdmin},
	ActRequestInstall:     {RoleAdmin},
	ActApproveInstall:     {RoleAdmin},
	ActReadAudits:         {RoleAdmin, RoleOfficial, RoleObserver, RoleAuditAdmin},
	ActCreateAudit:        {RoleAuditAdmin},
	ActAuditUpload:        {RoleOfficial, RoleAuditAdmin},
	ActRequestSeed:        {RoleAuditAdmin},
	ActApproveSeed:        {RoleOfficial, RoleAuditAdmin},
	ActDrawRound:          {RoleAuditAdmin},
	ActCreateBoard:        {RoleAuditAdmin},
	ActEnterReadings:      {RoleAuditBoard},
	ActCloseRound:         {RoleAuditAdmin},
	ActRequestReopen:      {RoleAuditAdmin},
	ActApproveReopen:      {RoleOfficial, RoleAuditAdmin},
	// Retrieval lists and pull sheets (audit_sheets.go): read-own also
	// needs membership of a board of that jurisdiction and round.
	ActReadRetrieval:    {RoleObserver, RoleAuditAdmin},
	ActReadOwnRetrieval: {RoleAuditBoard},
	// The observer excerpt shows CVRs: never to audit boards.
	ActReadExcerpt: {RoleObserver, RoleAuditAdmin},
}

// Permissions returns the roles allowed each action, for documentation and
// the route-walking test.
func Permissions() map[Action][]string {
	m := make(map[Action][]string, len(permissions))
	for a, r := range permissions {
		m[a] = slices.Clone(r)
	}
	return m
}

// Covers reports whether a user of jurisdiction user may act on something
// of jurisdiction obj: the same jurisdiction, or one below it ("state"
// covers "state/county-a"). Jurisdictions are "/"-separated paths.
func Covers(user, obj string) bool {
	return user == obj || strings.HasPrefix(obj, user+"/")
}

// Allowed reports whether u may do a on something in jurisdiction. It is
// the office's one authorization decision.
func Allowed(u *User, a Action, jurisdiction string) bool {
	if u == nil || u.Status != "active" || u.Disabled || !Covers(u.Jurisdiction, jurisdiction) {
		return false
	}
	for _, r := range permissions[a] {
		if u.HasRole(r) {
			return true
		}
	}
	return false
}

// requestKinds maps each two-person request kind to the action a person
// needs to approve it.
var requestKinds = map[string]Action{
	KindUsers:          ActApproveUser,
	KindPublication:    ActApprovePublication,
	KindElectionMode:   ActApproveMode,
	KindFileWithdrawal: ActApproveWithdrawal,
	KindSoftware:       ActApproveInstall,
	KindUserChange:     ActApproveUserChange,
	KindUserReset:      ActApproveUserChange,
	KindRulesChange:    ActApproveRules,
	KindAuditSeed:      ActApproveSeed,
	KindAuditReopen:    ActApproveReopen,
}

// Request kinds.
const (
	KindUsers          = "users"
	KindPublication    = "publication"
	KindElectionMode   = "election-mode"
	KindFileWithdrawal = "file-withdrawal"
	KindSoftware       = "software-install"
)

// validJurisdiction accepts "state" and "state/<county>" paths of
// lower-case letters, digits and dashes.
func validJurisdiction(j string) bool {
	parts := strings.Split(j, "/")
	if parts[0] != StateJurisdiction || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if !validSlug(p) {
			return false
		}
	}
	return true
}

func validSlug(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// PermissionTable renders the permission matrix as a Markdown table, for
// docs/office.md (kept in step by a test).
func PermissionTable() string {
	var actions []Action
	for a := range permissions {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	var b strings.Builder
	b.WriteString("| Action |")
	for _, r := range Roles {
		b.WriteString(" " + r + " |")
	}
	b.WriteString("\n|---|")
	for range Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, a := range actions {
		b.WriteString("| `" + string(a) + "` |")
		for _, r := range Roles {
			if slices.Contains(permissions[a], r) {
				b.WriteString(" yes |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
