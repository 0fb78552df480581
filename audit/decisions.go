package audit

import "strings"

// Decision is a decision the office took outside the math, by a
// two-person request, and that the report must show: a round undone
// (its draw and readings set aside; the log keeps them) or contests sent
// to a full hand count by the office's declaration.
type Decision struct {
	// Kind is "undo-round" or "full-hand-count".
	Kind string `json:"kind"`
	// Round is the round undone, or for a hand count the rounds drawn
	// when it was declared.
	Round int `json:"round"`
	// Closed marks an undone round that had been closed.
	Closed      bool     `json:"closed,omitempty"`
	Contests    []string `json:"contests,omitempty"`
	Reason      string   `json:"reason"`
	Request     string   `json:"request"`
	RequestedBy string   `json:"requested_by"`
	// ApprovedBy is the first signer other than the requester; Signers
	// are both signers in the order they signed.
	ApprovedBy string   `json:"approved_by"`
	Signers    []string `json:"signers"`
}

// Decision kinds.
const (
	DecisionUndoRound     = "undo-round"
	DecisionFullHandCount = "full-hand-count"
)

func decisionRows(ds []Decision) [][]string {
	rows := [][]string{{"kind", "round", "closed", "contests", "reason", "request", "requested_by", "approved_by", "signers"}}
	for _, d := range ds {
		rows = append(rows, []string{d.Kind, itoa(d.Round), btoa(d.Closed), strings.Join(d.Contests, "; "), d.Reason, d.Request, d.RequestedBy, d.ApprovedBy, strings.Join(d.Signers, "; ")})
	}
	return rows
}
