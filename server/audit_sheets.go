package server

import (
	"bytes"
	"net/http"

	"github.com/canvass/canvass/office"
)

// The retrieval lists, pull sheets and observer excerpt of audit rounds
// (docs/audit.md, docs/api.yaml).

// mountAuditSheets adds their routes.
func (s *Server) mountAuditSheets() {
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /api/v1/audits/{a}/rounds/{r}/jurisdictions/{j}/retrieval.csv", s.authed(s.retrieval("csv"))},
		{"GET /api/v1/audits/{a}/rounds/{r}/jurisdictions/{j}/retrieval.pdf", s.authed(s.retrieval("pdf"))},
		{"GET /api/v1/audits/{a}/rounds/{r}/observer-excerpt.csv", s.authed(s.observerExcerpt)},
	} {
		s.mux.HandleFunc(r.pattern, r.h)
		s.patterns = append(s.patterns, r.pattern)
	}
}

// retrieval serves a jurisdiction's retrieval list as CSV or as a
// printable PDF pull sheet.
func (s *Server) retrieval(format string) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, u *office.User) {
		n, ok := roundOf(w, r)
		if !ok {
			return
		}
		l, err := s.o.Retrieval(r.Context(), u, r.PathValue("a"), n, r.PathValue("j"))
		if err != nil {
			writeError(w, err)
			return
		}
		var b bytes.Buffer
		if format == "pdf" {
			err = l.WritePDF(&b)
			w.Header().Set("Content-Type", "application/pdf")
		} else {
			err = l.WriteCSV(&b)
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		}
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Disposition", `inline; filename="retrieval.`+format+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b.Bytes())
	}
}

func (s *Server) observerExcerpt(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, ok := roundOf(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := s.o.WriteObserverExcerpt(r.Context(), u, r.PathValue("a"), n, &b); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}
