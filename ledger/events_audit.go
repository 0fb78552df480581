package ledger

// The event types of audits run in the election office (package office,
// "canvass serve"): setup, uploads, rounds, audit boards, readings and the
// close of each round. The seed and the reopening of a signed-off board are
// two-person requests and use the office's request events. init registers
// each type with its payload struct (registerType).

func init() {
	zeros := []Payload{AuditCreated{}, AuditUpload{}, AuditRoundDrawn{}, AuditBoardCreated{}, AuditReading{}, AuditBoardSigned{}, AuditRoundClosed{}}
	for i, et := range auditEvents {
		registerType(et, zeros[i])
	}
}

// AuditCreated is the payload of "audit-created" events.
type AuditCreated struct {
	Audit        string `json:"audit"`
	Election     string `json:"election"`
	Jurisdiction string `json:"jurisdiction"`
	Definition   string `json:"definition"`
}

// EventType implements Payload.
func (AuditCreated) EventType() string { return "audit-created" }

// AuditUpload is the payload of "audit-upload" events.
type AuditUpload struct {
	Audit        string         `json:"audit"`
	Jurisdiction string         `json:"jurisdiction"`
	Kind         string         `json:"kind"`
	Format       string         `json:"format"`
	File         FileCommitment `json:"file"`
}

// EventType implements Payload.
func (AuditUpload) EventType() string { return "audit-upload" }

// AuditRoundDrawn is the payload of "audit-round-drawn" events.
type AuditRoundDrawn struct {
	Audit  string         `json:"audit"`
	Round  int64          `json:"round"`
	Skip   int64          `json:"skip"`
	Count  int64          `json:"count"`
	Sample FileCommitment `json:"sample"`
}

// EventType implements Payload.
func (AuditRoundDrawn) EventType() string { return "audit-round-drawn" }

// AuditBoardCreated is the payload of "audit-board-created" events.
type AuditBoardCreated struct {
	Audit               string   `json:"audit"`
	Board               string   `json:"board"`
	Jurisdiction        string   `json:"jurisdiction"`
	Round               int64    `json:"round"`
	Members             []string `json:"members"`
	Accounts            []string `json:"accounts"`
	AccountJurisdiction string   `json:"account_jurisdiction"`
}

// EventType implements Payload.
func (AuditBoardCreated) EventType() string { return "audit-board-created" }

// AuditReading is the payload of "audit-reading" events.
type AuditReading struct {
	Audit    string `json:"audit"`
	Round    int64  `json:"round"`
	Board    string `json:"board"`
	Ballot   string `json:"ballot"`
	Readings string `json:"readings"`
	Reason   string `json:"reason,omitempty"`
}

// EventType implements Payload.
func (AuditReading) EventType() string { return "audit-reading" }

// AuditBoardSigned is the payload of "audit-board-signed" events.
type AuditBoardSigned struct {
	Audit string `json:"audit"`
	Round int64  `json:"round"`
	Board string `json:"board"`
}

// EventType implements Payload.
func (AuditBoardSigned) EventType() string { return "audit-board-signed" }

// AuditRoundClosed is the payload of "audit-round-closed" events.
type AuditRoundClosed struct {
	Audit   string         `json:"audit"`
	Round   int64          `json:"round"`
	Result  FileCommitment `json:"result"`
	Outcome string         `json:"outcome"`
}

// EventType implements Payload.
func (AuditRoundClosed) EventType() string { return "audit-round-closed" }

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
			{Name: "kind", Kind: KindEnum, Required: true, Enum: []string{"manifest", "cvrs", "batch-tallies"}, Doc: "what was uploaded (batch-tallies: the reported votes per batch of a batch-comparison audit)"},
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
