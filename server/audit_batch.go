package server

import (
	"net/http"

	"github.com/canvass/canvass/office"
)

// The routes of batch-comparison audits (batch tallies, tally sheets,
// finalizing) and of the audit decisions taken by two-person requests
// (unfinalizing a batch, undoing a round, declaring a full hand count).
// docs/audits-in-the-office.md, docs/api.yaml.

type sheetRequest struct {
	Contests map[string]office.ChoiceCounts `json:"contests"`
	// Reason explains a change after the batch was unfinalized.
	Reason string `json:"reason,omitempty"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type finalizeRequest struct {
	// NotFound finalizes a batch that could not be found; Comment says
	// what was done to find it.
	NotFound bool   `json:"not_found,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type handCountRequest struct {
	Contests []string `json:"contests"`
	Reason   string   `json:"reason"`
}

func (s *Server) mountAuditBatches() {
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/batch-tallies", s.authed(s.auditUpload("batch-tallies"))},
		{"GET /api/v1/audits/{a}/rounds/{r}/batches", s.authed(s.roundBatches)},
		{"PUT /api/v1/audits/{a}/rounds/{r}/batches/{batch}/sheets/{sheet}", s.authed(s.putSheet)},
		{"POST /api/v1/audits/{a}/rounds/{r}/batches/{batch}/finalize", s.authed(s.finalizeBatch)},
		{"POST /api/v1/audits/{a}/rounds/{r}/batches/{batch}/unfinalize", s.authed(s.unfinalizeBatch)},
		{"POST /api/v1/audits/{a}/rounds/{r}/undo", s.authed(s.undoRound)},
		{"POST /api/v1/audits/{a}/full-hand-count", s.authed(s.fullHandCount)},
	} {
		s.mux.HandleFunc(r.pattern, r.h)
		s.patterns = append(s.patterns, r.pattern)
	}
}

func (s *Server) roundBatches(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	v, err := s.o.RoundBatches(r.Context(), u, r.PathValue("a"), n)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) putSheet(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var q sheetRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.PutSheet(r.Context(), u, r.PathValue("a"), n, r.PathValue("batch"), r.PathValue("sheet"), q.Contests, q.Reason)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) finalizeBatch(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	// The body is optional: none finalizes a counted batch.
	var q finalizeRequest
	if r.ContentLength != 0 && !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.FinalizeBatch(r.Context(), u, r.PathValue("a"), n, r.PathValue("batch"), q.NotFound, q.Comment)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) unfinalizeBatch(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var q reasonRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestUnfinalize(r.Context(), u, r.PathValue("a"), n, r.PathValue("batch"), q.Reason)
	answerRequest(w, v, err)
}

func (s *Server) undoRound(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var q reasonRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestUndoRound(r.Context(), u, r.PathValue("a"), n, q.Reason)
	answerRequest(w, v, err)
}

func (s *Server) fullHandCount(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q handCountRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestFullHandCount(r.Context(), u, r.PathValue("a"), q.Contests, q.Reason)
	answerRequest(w, v, err)
}
