package server

import (
	"net/http"

	"github.com/canvass/canvass/office"
)

// mountAuditProgress adds GET /api/v1/audits/{a}/progress: the per-county
// progress the round dashboards show (office.AuditProgress).
func (s *Server) mountAuditProgress() {
	const pattern = "GET /api/v1/audits/{a}/progress"
	s.mux.HandleFunc(pattern, s.authed(s.auditProgress))
	s.patterns = append(s.patterns, pattern)
}

func (s *Server) auditProgress(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := s.o.AuditProgress(r.Context(), u, r.PathValue("a"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}
