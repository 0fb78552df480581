package office

import (
	"encoding/json"
	"fmt"
)

// The records of audits in the projection (see audit.go). Like every
// record, each is the JSON of its struct.

const (
	kindAudit        = "audit"
	kindAuditUpload  = "audit-upload"
	kindAuditRound   = "audit-round"
	kindAuditBoard   = "audit-board"
	kindAuditMember  = "audit-member"
	kindAuditReading = "audit-reading"
)

// Two-person request kinds of audits.
const (
	KindAuditSeed   = "audit-seed"
	KindAuditReopen = "audit-board-reopen"
)

// Audit is an audit run in the office.
type Audit struct {
	ID           string `json:"id"`
	Election     string `json:"election"`
	Jurisdiction string `json:"jurisdiction"`
	// Definition is the audit.Definition, canonical JSON.
	Definition string `json:"definition"`
	CreatedBy  string `json:"created_by"`
	CreatedAt  string `json:"created_at"`
	// Seed is set by the executed seed request.
	Seed        string   `json:"seed,omitempty"`
	SeedRequest string   `json:"seed_request,omitempty"`
	RolledBy    []string `json:"rolled_by,omitempty"`
	Witnesses   []string `json:"witnesses,omitempty"`
	// LastUpload is the log index of the latest upload event.
	LastUpload int64 `json:"last_upload"`
	// Rounds counts the rounds drawn, Closed those closed.
	Rounds int  `json:"rounds"`
	Closed int  `json:"closed"`
	Done   bool `json:"done,omitempty"`
}

// AuditUpload is a jurisdiction's current manifest or CVR file.
type AuditUpload struct {
	Audit        string  `json:"audit"`
	Jurisdiction string  `json:"jurisdiction"`
	Kind         string  `json:"kind"`
	Format       string  `json:"format"`
	File         FileRef `json:"file"`
	UploadedBy   string  `json:"uploaded_by"`
	Index        int64   `json:"index"`
}

// AuditRound is one drawn round.
type AuditRound struct {
	Audit  string   `json:"audit"`
	Round  int      `json:"round"`
	Skip   int      `json:"skip"`
	Count  int      `json:"count"`
	Sample FileRef  `json:"sample"`
	Result *FileRef `json:"result,omitempty"`
	Done   bool     `json:"done,omitempty"`
}

// AuditBoard is one audit board of a jurisdiction's round.
type AuditBoard struct {
	ID           string   `json:"id"`
	Audit        string   `json:"audit"`
	Jurisdiction string   `json:"jurisdiction"`
	Round        int      `json:"round"`
	Members      []string `json:"members"`
	Accounts     []string `json:"accounts"`
	// Seq orders the boards of a jurisdiction (the creating log index).
	Seq      int64    `json:"seq"`
	SignedBy []string `json:"signed_by"`
	// SignedOff is set once every member has signed; Reopened counts
	// executed reopening requests.
	SignedOff bool `json:"signed_off"`
	Reopened  int  `json:"reopened,omitempty"`
}

// auditMember ties an account to its board.
type auditMember struct {
	Account string `json:"account"`
	Board   string `json:"board"`
	Audit   string `json:"audit"`
}

// AuditReading is the latest revision of one ballot's reading.
type AuditReading struct {
	Audit    string          `json:"audit"`
	Round    int             `json:"round"`
	Board    string          `json:"board"`
	Ballot   json.RawMessage `json:"ballot"`
	Readings json.RawMessage `json:"readings"`
	By       string          `json:"by"`
	At       string          `json:"at"`
	Revision int             `json:"revision"`
	Reason   string          `json:"reason,omitempty"`
}

func roundID(a string, r int) string { return fmt.Sprintf("%s/%04d", a, r) }

// seedAction and reopenAction are the actions of the audit requests.
type seedAction struct {
	Audit     string   `json:"audit"`
	Seed      string   `json:"seed"`
	RolledBy  []string `json:"rolled_by"`
	Witnesses []string `json:"witnesses"`
}

type reopenAction struct {
	Audit  string `json:"audit"`
	Round  int    `json:"round"`
	Board  string `json:"board"`
	Reason string `json:"reason"`
}
