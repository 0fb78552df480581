package server

import (
	"net/http"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server/pages"
)

// mountRules adds GET /api/v1/elections/{e}/rules: the rules in force for
// each contest of an election (office/rules.go), by contest name, with the
// time they were set and the latest tabulation under them. Whoever may
// read the election's tabulations may read them.
func (s *Server) mountRules() {
	const pattern = "GET /api/v1/elections/{e}/rules"
	s.mux.HandleFunc(pattern, s.authed(s.rules))
	s.patterns = append(s.patterns, pattern)
}

func (s *Server) rules(w http.ResponseWriter, r *http.Request, u *office.User) {
	m, err := pages.ContestRules(r.Context(), s.o, u, r.PathValue("e"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, m)
}
