package ledger

// The audit's public snapshots (office/audit_publish.go,
// docs/public-results.md): each time an audit's public facts change (the
// seed, a round drawn, a round closed) the office renders the public
// audit page and its downloads once, stores them by SHA-256 and commits
// them in this event; the audit's current public version moves to it.

func init() {
	registerType(auditPublicationEvent, AuditPublication{})
}

// AuditPublication is the payload of "audit-publication" events: one
// immutable snapshot of an audit's public page and report files.
type AuditPublication struct {
	Audit string `json:"audit"`
	// Version numbers the audit's snapshots: 1, 2, ...
	Version int64 `json:"version"`
	// Trigger is the change the snapshot shows.
	Trigger string `json:"trigger"`
	// Round is the round drawn or closed (0 for the seed).
	Round int64 `json:"round"`
	// Files are the snapshot's files, by their path in the snapshot.
	Files []FileCommitment `json:"files"`
}

// EventType implements Payload.
func (AuditPublication) EventType() string { return "audit-publication" }

var auditPublicationEvent = EventType{
	ID: "audit-publication", Severity: "notice",
	Description: "A new snapshot of an audit's public page and report files was published (after the seed, a round drawn or a round closed); it becomes the audit's current public version, and every earlier one stays served under its version path. UserId is who made the change.",
	Payload: []Field{
		{Name: "audit", Kind: KindString, Required: true, Doc: "the audit's id"},
		{Name: "version", Kind: KindCount, Required: true, Doc: "the snapshot's number, from 1, one more than the audit's previous snapshot"},
		{Name: "trigger", Kind: KindEnum, Required: true, Enum: []string{"seed", "round-drawn", "round-closed", "round-undone", "full-hand-count"}, Doc: "the change the snapshot shows"},
		{Name: "round", Kind: KindCount, Required: true, Doc: "the round drawn or closed; 0 for the seed"},
		{Name: "files", Kind: KindFiles, Required: true, Doc: "the snapshot's files (index.html, style.css, report.json, report.csv, each report table's CSV, each round's sample CSV), by their path in the snapshot"},
	},
}
