package ledger

// The event types of batch-comparison audits in the office: the hand
// tally of each sampled batch, entered as one or more tally sheets, and
// its finalization. Unfinalizing a batch, undoing a round and declaring a
// full hand count are two-person requests and use the office's request
// events. init registers each type with its payload struct.

func init() {
	zeros := []Payload{AuditBatchSheet{}, AuditBatchFinalized{}}
	for i, et := range auditBatchEvents {
		registerType(et, zeros[i])
	}
}

// AuditBatchSheet is the payload of "audit-batch-sheet" events.
type AuditBatchSheet struct {
	Audit        string `json:"audit"`
	Round        int64  `json:"round"`
	Jurisdiction string `json:"jurisdiction"`
	Batch        string `json:"batch"`
	Sheet        string `json:"sheet"`
	Contests     string `json:"contests"`
	Reason       string `json:"reason,omitempty"`
}

// EventType implements Payload.
func (AuditBatchSheet) EventType() string { return "audit-batch-sheet" }

// AuditBatchFinalized is the payload of "audit-batch-finalized" events.
type AuditBatchFinalized struct {
	Audit        string `json:"audit"`
	Round        int64  `json:"round"`
	Jurisdiction string `json:"jurisdiction"`
	Batch        string `json:"batch"`
	Sheets       int64  `json:"sheets"`
	Tallies      string `json:"tallies"`
	Status       string `json:"status,omitempty"`
	Comment      string `json:"comment,omitempty"`
}

// EventType implements Payload.
func (AuditBatchFinalized) EventType() string { return "audit-batch-finalized" }

var auditBatchEvents = []EventType{
	{
		ID: "audit-batch-sheet", Severity: "info",
		Description: "A tally sheet of a sampled batch's hand count (batch-comparison audit) was entered or changed: its votes per contest and choice. A new revision of a sheet replaces the earlier one, which stays in the log. UserId is who entered it (its \"last edited by\").",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round that first drew the batch"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the audit jurisdiction's name"},
			{Name: "batch", Kind: KindString, Required: true, Doc: "the batch's name in the jurisdiction's manifest"},
			{Name: "sheet", Kind: KindString, Required: true, Doc: "the tally sheet's name, unique within the batch"},
			{Name: "contests", Kind: KindString, Required: true, Doc: "contest name to choice name to votes, canonical JSON"},
			{Name: "reason", Kind: KindString, Doc: "why the sheet changed after the batch was unfinalized"},
		},
	},
	{
		ID: "audit-batch-finalized", Severity: "notice",
		Description: "A sampled batch's hand tally was finalized: the sum of its tally sheets is the batch's reading for closing the round, and the sheets can no longer change (unfinalizing is a two-person request). UserId is the audit-admin.",
		Payload: []Field{
			{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
			{Name: "round", Kind: KindCount, Required: true, Doc: "the round that first drew the batch"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the audit jurisdiction's name"},
			{Name: "batch", Kind: KindString, Required: true, Doc: "the batch's name in the jurisdiction's manifest"},
			{Name: "sheets", Kind: KindCount, Required: true, Doc: "how many tally sheets were summed"},
			{Name: "tallies", Kind: KindString, Required: true, Doc: "the finalized hand tally: contest name to choice name to votes (the sum of the sheets), canonical JSON; {} for a batch not found"},
			{Name: "status", Kind: KindEnum, Enum: []string{"not-found"}, Doc: "the batch could not be found: counted the worst way (MACRO risk 1 while it stays lost)"},
			{Name: "comment", Kind: KindString, Doc: "what the jurisdiction says about a batch not found"},
		},
	},
}
