package server

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// The audit routes (docs/audits-in-the-office.md, docs/api.yaml).

type seedRequest struct {
	Seed      string   `json:"seed"`
	RolledBy  []string `json:"rolled_by"`
	Witnesses []string `json:"witnesses"`
}

type roundRequest struct {
	SampleSize office.SampleSize `json:"sample_size"`
}

type boardRequest struct {
	Members []string `json:"members"`
}

type readingRequest struct {
	Readings map[string]audit.Reading `json:"readings"`
	// Reason explains a change after the board was reopened.
	Reason string `json:"reason,omitempty"`
}

type reopenRequest struct {
	Reason string `json:"reason"`
}

// mountAudits adds the audit routes.
func (s *Server) mountAudits() {
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST /api/v1/audits", s.authed(s.createAudit)},
		{"GET /api/v1/audits/{a}", s.authed(s.auditStatus)},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/manifest", s.authed(s.auditUpload("manifest"))},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/cvrs", s.authed(s.auditUpload("cvrs"))},
		{"POST /api/v1/audits/{a}/seed", s.authed(s.auditSeed)},
		{"POST /api/v1/audits/{a}/rounds", s.authed(s.auditRound)},
		{"GET /api/v1/audits/{a}/rounds/{r}/sample", s.authed(s.auditSample)},
		{"POST /api/v1/audits/{a}/jurisdictions/{j}/boards", s.authed(s.auditBoard)},
		{"GET /api/v1/audits/{a}/rounds/{r}/boards/{b}/ballots", s.authed(s.boardBallots)},
		{"PUT /api/v1/audits/{a}/rounds/{r}/ballots/{ballot}", s.authed(s.putReading)},
		{"POST /api/v1/audits/{a}/rounds/{r}/boards/{b}/sign-off", s.authed(s.signOff)},
		{"POST /api/v1/audits/{a}/rounds/{r}/boards/{b}/reopen", s.authed(s.reopen)},
		{"POST /api/v1/audits/{a}/rounds/{r}/close", s.authed(s.closeRound)},
		{"GET /public/audits/{a}/{path...}", s.publicAuditSnapshot},
	} {
		s.mux.HandleFunc(r.pattern, r.h)
		s.patterns = append(s.patterns, r.pattern)
	}
}

func roundOf(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("r"))
	if err != nil || n < 1 || n > 1_000_000 {
		writeError(w, &office.Error{Status: http.StatusNotFound, Field: "round", Msg: "rounds are numbered from 1"})
		return 0, false
	}
	return n, true
}

func (s *Server) createAudit(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q office.AuditSetup
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.CreateAudit(r.Context(), u, &q)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": v.ID, "audit": v})
}

func (s *Server) auditStatus(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := s.o.AuditStatus(r.Context(), u, r.PathValue("a"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// auditUpload takes multipart/form-data with a "format" field and one
// "file" part.
func (s *Server) auditUpload(kind string) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, u *office.User) {
		limit := s.o.Limits().Upload
		r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "file", Msg: "the upload exceeds the size limit"})
				return
			}
			writeError(w, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "send multipart/form-data with a \"format\" field and a \"file\" part: " + err.Error()})
			return
		}
		defer r.MultipartForm.RemoveAll()
		fhs := r.MultipartForm.File["file"]
		if len(fhs) != 1 {
			writeError(w, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "send exactly one \"file\" part"})
			return
		}
		formats := r.MultipartForm.Value["format"]
		if len(formats) != 1 {
			writeError(w, &office.Error{Status: http.StatusBadRequest, Field: "format", Msg: "send exactly one \"format\" field"})
			return
		}
		f, err := fhs[0].Open()
		if err != nil {
			writeError(w, err)
			return
		}
		defer f.Close()
		v, err := s.o.UploadAuditFile(r.Context(), u, r.PathValue("a"), r.PathValue("j"), kind, formats[0], fhs[0].Filename, f)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) auditSeed(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q seedRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestSeed(r.Context(), u, r.PathValue("a"), q.Seed, q.RolledBy, q.Witnesses)
	answerRequest(w, v, err)
}

func (s *Server) auditRound(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q roundRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.DrawRound(r.Context(), u, r.PathValue("a"), q.SampleSize)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) auditSample(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := s.o.WriteSample(r.Context(), u, r.PathValue("a"), n, &b); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

func (s *Server) auditBoard(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q boardRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.CreateBoard(r.Context(), u, r.PathValue("a"), r.PathValue("j"), q.Members)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) boardBallots(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	v, err := s.o.BoardBallots(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) putReading(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var q readingRequest
	if !s.decode(w, r, &q) {
		return
	}
	if err := s.o.PutReading(r.Context(), u, r.PathValue("a"), n, r.PathValue("ballot"), q.Readings, q.Reason); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) signOff(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	v, err := s.o.SignOff(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) reopen(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var q reopenRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestReopen(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"), q.Reason)
	answerRequest(w, v, err)
}

func (s *Server) closeRound(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	v, err := s.o.CloseRound(r.Context(), u, r.PathValue("a"), n)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
