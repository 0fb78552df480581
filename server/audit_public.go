package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/canvass/canvass/office"
)

// publicAuditSnapshot serves an audit's published snapshots as the
// elections' are served (Server.public): /public/audits/{a}/<file> is the
// current version, short-cached, and /public/audits/{a}/v/{n}/<file>
// version n, immutable. The files are static (office/audit_publish.go):
// nothing is read from the audit's records per request. An audit without
// a snapshot yet (before the seed) answers 404.
func (s *Server) publicAuditSnapshot(w http.ResponseWriter, r *http.Request) {
	a, p := r.PathValue("a"), r.PathValue("path")
	version := 0
	cache := "public, max-age=5"
	if rest, ok := strings.CutPrefix(p, "v/"); ok {
		n, after, _ := strings.Cut(rest, "/")
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || strconv.Itoa(v) != n {
			writeError(w, &office.Error{Status: http.StatusNotFound, Field: "version", Msg: "versions are numbered from 1: /public/audits/{a}/v/{n}/"})
			return
		}
		version, p = v, after
		cache = "public, max-age=31536000, immutable"
	}
	if p == "" {
		p = "index.html"
	}
	f, err := s.o.AuditPublicFile(r.Context(), a, version, p)
	if errors.Is(err, office.ErrNoPublication) {
		writeError(w, &office.Error{Status: http.StatusNotFound,
			Msg: "nothing is published at this path: an audit's public page appears once its seed is entered; its files are index.html, report.json, report.csv, <table>.csv and round-N-sample.csv"})
		return
	} else if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("X-Canvass-Version", strconv.Itoa(f.Version))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	s.serveBlob(w, r, f.FileRef, cache)
}
