package ledger

// The event types of audits run in the election office (package office,
// "canvass serve"): setup, uploads, rounds, audit boards, readings and the
// close of each round. The seed and the reopening of a signed-off board are
// two-person requests and use the office's request events. init appends
// these types to Catalogue and re-indexes it, as events_office.go does.

func init() {
	Catalogue = append(Catalogue, auditEvents...)
	catalogueIndex = make(map[string]*EventType, len(Catalogue))
	for i := range Catalogue {
		catalogueIndex[Catalogue[i].ID] = &Catalogue[i]
	}
}

var auditEvents = []EventType{
	{
		ID: "audit-created", Severity: "notice",
		Description: "A risk-limiting audit was set up in the office. UserId is the audit-admin.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "election", Kind: KindString, Required: true, Doc: "the office election audited"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the office jurisdiction that runs the audit (the election's)"},
			{Name: "definition", Kind: KindString, Required: true, Doc: "the audit definition (package audit) as encoding/json writes audit.Definition"},
		},
	},
	{
		ID: "audit-upload", Severity: "info",
		Description: "A jurisdiction's ballot manifest or CVR export was uploaded to an audit and validated; a later upload of the same kind replaces it until the seed is entered. UserId is the uploader.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the audit jurisdiction's name"},
			{Name: "kind", Kind: KindEnum, Required: true, Enum: []string{"manifest", "cvrs"}, Doc: "what was uploaded"},
			{Name: "format", Kind: KindString, Required: true, Doc: "the file format: arlo or colorado for manifests, a canvass tabulate format for CVRs"},
			{Name: "file", Kind: KindFile, Required: true, Doc: "the file, stored by SHA-256"},
		},
	},
	{
		ID: "audit-round-drawn", Severity: "notice",
		Description: "An audit round's sample was drawn from the seed (package audit, as canvass rla sample draws it). UserId is the audit-admin.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round number, from 1"},
			{Name: "skip", Kind: KindCount, Required: true, Doc: "draws of the earlier rounds"},
			{Name: "count", Kind: KindCount, Required: true, Doc: "this round's draws"},
			{Name: "sample", Kind: KindFile, Required: true, Doc: "the round (audit.Round as JSON): every draw with its ticket number"},
		},
	},
	{
		ID: "audit-board-created", Severity: "notice",
		Description: "An audit board of two or more members was formed for a jurisdiction's round; each member gets an account (role audit-board) pending enrollment. UserId is the audit-admin.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "board", Kind: KindString, Required: true, Doc: "the board's id"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the audit jurisdiction's name"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round the board audits"},
			{Name: "members", Kind: KindStrings, Required: true, Doc: "the members' names"},
			{Name: "accounts", Kind: KindStrings, Required: true, Doc: "their accounts, in the same order"},
			{Name: "account_jurisdiction", Kind: KindString, Required: true, Doc: "the office jurisdiction of the accounts"},
		},
	},
	{
		ID: "audit-reading", Severity: "info",
		Description: "An audit board recorded what one paper ballot shows, contest by contest (a new revision replaces the earlier one, which stays in the log). UserId is the board member.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round"},
			{Name: "board", Kind: KindString, Required: true, Doc: "the board's id"},
			{Name: "ballot", Kind: KindString, Required: true, Doc: "the ballot (audit.BallotKey), canonical JSON"},
			{Name: "readings", Kind: KindString, Required: true, Doc: "contest name to audit.Reading, canonical JSON"},
			{Name: "reason", Kind: KindString, Doc: "why an entry was changed after a reopening"},
		},
	},
	{
		ID: "audit-board-signed", Severity: "notice",
		Description: "A board member signed off the board's readings of a round; the board is signed off when every member has. UserId is the member.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round"},
			{Name: "board", Kind: KindString, Required: true, Doc: "the board's id"},
		},
	},
	{
		ID: "audit-round-closed", Severity: "critical",
		Description: "An audit round was closed from the boards' readings: discrepancies, risk and decision per contest (audit.Close, the numbers canvass rla risk gives). UserId is the audit-admin.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round closed"},
			{Name: "result", Kind: KindFile, Required: true, Doc: "the round result (audit.RoundResult as JSON)"},
			{Name: "outcome", Kind: KindEnum, Required: true, Enum: []string{"done", "another-round"}, Doc: "whether every targeted contest is decided"},
		},
	},
}
