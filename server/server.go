// Package server is the HTTP face of the election office: the JSON API
// (/api/v1/...), the published results snapshots (/public/...) and the
// election log (/log/...). Handlers are thin: decode, authenticate, call
// one office method, encode. Authorization is decided in package office.
package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server/pages"
)

// CookieName is the session cookie.
const CookieName = "canvass_session"

// Server serves an office.
type Server struct {
	o        *office.Office
	mux      *http.ServeMux
	h        http.Handler
	patterns []string
	// cache holds small stored files by SHA-256; their content never
	// changes, so entries never go stale.
	cache sync.Map
}

// Patterns returns the route patterns of the API and public paths (the
// log's /log/ aside), for documentation checks.
func (s *Server) Patterns() []string { return s.patterns }

// New returns the HTTP handler of office o.
func New(o *office.Office) *Server {
	s := &Server{o: o, mux: http.NewServeMux()}
	m := s.mux
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST /api/v1/enroll", s.enroll},
		{"POST /api/v1/enroll/confirm", s.confirm},
		{"POST /api/v1/enroll/webauthn/begin", s.enrollWebAuthnBegin},
		{"POST /api/v1/enroll/webauthn/finish", s.enrollWebAuthnFinish},
		{"POST /api/v1/login", s.login},
		{"POST /api/v1/login/webauthn/begin", s.loginWebAuthnBegin},
		{"POST /api/v1/login/webauthn/finish", s.loginWebAuthnFinish},
		{"POST /api/v1/logout", s.logout},
		{"GET /api/v1/me", s.authed(s.me)},
		{"GET /api/v1/users", s.authed(s.users)},
		{"POST /api/v1/users", s.authed(s.createUser)},
		{"PATCH /api/v1/users/{name}", s.authed(s.changeUser)},
		{"POST /api/v1/users/{name}/reset", s.authed(s.resetUser)},
		{"GET /api/v1/requests", s.authed(s.requests)},
		{"GET /api/v1/requests/{id}", s.authed(s.request)},
		{"POST /api/v1/requests/{id}/signatures", s.authed(s.sign)},
		{"POST /api/v1/requests/{id}/webauthn/begin", s.authed(s.approveWebAuthnBegin)},
		{"POST /api/v1/requests/{id}/webauthn/finish", s.authed(s.approveWebAuthnFinish)},
		{"GET /api/v1/elections", s.authed(s.elections)},
		{"POST /api/v1/elections", s.authed(s.createElection)},
		{"GET /api/v1/elections/{e}", s.authed(s.election)},
		{"POST /api/v1/elections/{e}/mode", s.authed(s.mode)},
		{"GET /api/v1/elections/{e}/files", s.authed(s.files)},
		{"POST /api/v1/elections/{e}/files", s.authed(s.upload)},
		{"DELETE /api/v1/elections/{e}/files/{name...}", s.authed(s.withdraw)},
		{"POST /api/v1/elections/{e}/tabulations", s.authed(s.tabulate)},
		{"GET /api/v1/elections/{e}/tabulations/{t}", s.authed(s.tabulation)},
		{"GET /api/v1/elections/{e}/tabulations/{t}/reports/{name...}", s.authed(s.report)},
		{"POST /api/v1/elections/{e}/publications", s.authed(s.publish)},
		{"POST /api/v1/software-installs", s.authed(s.install)},
		{"GET /public/elections/{e}/{path...}", s.public},
		{"GET /public/elections/{e}/evidence/{path...}", s.evidence},
		{"GET /public/elections/{e}/evidence.tar.gz", s.evidence},
	} {
		m.HandleFunc(r.pattern, r.h)
		s.patterns = append(s.patterns, r.pattern)
	}
	s.mountAudits()
	s.mountAuditProgress()
	s.mountAuditBatches()
	s.mountAuditSheets()
	s.mountRules()
	pages.Mount(m, o, CookieName)
	m.Handle("GET /log/", http.StripPrefix("/log", ledger.Handler(o.LogFetcher())))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &office.Error{Status: http.StatusNotFound, Msg: "no such API endpoint or method; see docs/api.yaml"})
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &office.Error{Status: http.StatusForbidden, Field: "Origin", Msg: "cross-origin request refused: state-changing requests must come from this site"})
	}))
	s.h = securityHeaders(cop.Handler(m))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", office.PageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeError answers err: an *office.Error as itself, anything else as a
// 500 whose details go to the operator's log, not the client.
func writeError(w http.ResponseWriter, err error) {
	var oe *office.Error
	if !errors.As(err, &oe) {
		slog.Error("internal error", "err", err)
		oe = &office.Error{Status: http.StatusInternalServerError, Msg: "internal error; the operator's log has details"}
	}
	writeJSON(w, oe.Status, map[string]string{"error": oe.Msg, "field": oe.Field})
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	limit := s.o.Limits().JSONBody
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := decodeJSON(r.Body, r.Header.Get("Content-Type"), limit, v); err != nil {
		writeError(w, err)
		return false
	}
	return true
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type authedHandler func(w http.ResponseWriter, r *http.Request, u *office.User)

func (s *Server) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		if err != nil {
			writeError(w, &office.Error{Status: http.StatusUnauthorized, Msg: "not signed in; POST /api/v1/login first"})
			return
		}
		u, err := s.o.Authenticate(r.Context(), c.Value)
		if err != nil {
			writeError(w, err)
			return
		}
		h(w, r, u)
	}
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var q enrollRequest
	if !s.decode(w, r, &q) {
		return
	}
	uri, err := s.o.Enroll(r.Context(), q.User, q.Code, q.Password, q.SigningKey)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"totp_uri": uri})
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	var q confirmRequest
	if !s.decode(w, r, &q) {
		return
	}
	if err := s.o.ConfirmEnrollment(r.Context(), q.User, q.Code, q.TOTP); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var q loginRequest
	if !s.decode(w, r, &q) {
		return
	}
	sess, err := s.o.Login(r.Context(), q.User, q.Password, q.TOTP, clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, map[string]any{"user": sess.User.Name, "roles": sess.User.Roles, "jurisdiction": sess.User.Jurisdiction})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		writeError(w, &office.Error{Status: http.StatusUnauthorized, Msg: "not signed in"})
		return
	}
	if err := s.o.Logout(r.Context(), c.Value); err != nil {
		writeError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, u *office.User) {
	writeJSON(w, http.StatusOK, u)
}

func answerRequest(w http.ResponseWriter, v *office.RequestView, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, v)
}

func (s *Server) requests(w http.ResponseWriter, r *http.Request, u *office.User) {
	vs, err := s.o.Requests(r.Context(), u, r.URL.Query().Get("status") == "pending")
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, vs)
}

func (s *Server) request(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := s.o.Request(r.Context(), u, r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q signatureRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.Sign(r.Context(), u, r.PathValue("id"), q.Signature)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) elections(w http.ResponseWriter, r *http.Request, u *office.User) {
	es, err := s.o.Elections(r.Context(), u)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, es)
}

func (s *Server) createElection(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q electionRequest
	if !s.decode(w, r, &q) {
		return
	}
	e, err := s.o.CreateElection(r.Context(), u, q.Name, q.Date, q.Jurisdiction)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) election(w http.ResponseWriter, r *http.Request, u *office.User) {
	e, err := s.o.Election(r.Context(), u, r.PathValue("e"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) mode(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q modeRequest
	if !s.decode(w, r, &q) {
		return
	}
	if q.Mode != "official" {
		writeError(w, &office.Error{Status: http.StatusBadRequest, Field: "mode", Msg: "the only switch is to \"official\"; an official election never returns to test mode"})
		return
	}
	v, err := s.o.RequestOfficialMode(r.Context(), u, r.PathValue("e"))
	answerRequest(w, v, err)
}

func (s *Server) files(w http.ResponseWriter, r *http.Request, u *office.User) {
	fs, err := s.o.Files(r.Context(), u, r.PathValue("e"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, fs)
}

// upload streams multipart parts into the office: "file" parts, each
// optionally preceded by an "expected_sha256" field that applies to it.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, u *office.User) {
	e := r.PathValue("e")
	// Authorize before reading a byte of the body.
	if err := s.o.CheckUpload(r.Context(), u, e); err != nil {
		writeError(w, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.o.Limits().Upload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "send multipart/form-data with one or more \"file\" parts: " + err.Error()})
		return
	}
	next := uploadParts(mr)
	files, err := s.o.Upload(r.Context(), u, e, next)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "file", Msg: "the upload exceeds the size limit"}
		}
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": files})
}

// uploadParts returns an iterator over the "file" parts of an upload, each
// with the "expected_sha256" field sent just before it, if any. It refuses
// unknown fields, file parts without a name and malformed headers.
func uploadParts(mr *multipart.Reader) func() (*office.UploadPart, error) {
	expected := ""
	var cur *multipart.Part
	return func() (*office.UploadPart, error) {
		for {
			if cur != nil {
				cur.Close()
			}
			p, err := mr.NextPart()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "file", Msg: "the upload exceeds the size limit"}
				}
				return nil, err
			}
			cur = p
			_, params, perr := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			if perr != nil {
				return nil, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "malformed Content-Disposition: " + perr.Error()}
			}
			switch params["name"] {
			case "expected_sha256":
				b := make([]byte, 129)
				n, _ := readFull(p, b)
				if n > 128 {
					return nil, &office.Error{Status: http.StatusBadRequest, Field: "expected_sha256", Msg: "too long"}
				}
				expected = strings.ToLower(strings.TrimSpace(string(b[:n])))
				if len(expected) != 64 {
					return nil, &office.Error{Status: http.StatusBadRequest, Field: "expected_sha256", Msg: "must be 64 hex digits"}
				}
			case "file":
				name, ok := params["filename"]
				if !ok {
					return nil, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "a file part needs a filename"}
				}
				part := &office.UploadPart{Name: name, ExpectedSHA256: expected, Body: p}
				expected = ""
				return part, nil
			default:
				return nil, &office.Error{Status: http.StatusBadRequest, Field: params["name"], Msg: "unknown form field; send \"file\" parts and optional \"expected_sha256\" fields"}
			}
		}
	}
}

func readFull(p *multipart.Part, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := p.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := s.o.RequestWithdrawal(r.Context(), u, r.PathValue("e"), r.PathValue("name"))
	answerRequest(w, v, err)
}

func (s *Server) tabulate(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q office.TabulationRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, req, err := s.o.TabulateOrRequest(r.Context(), u, r.PathValue("e"), &q)
	if err != nil {
		writeError(w, err)
		return
	}
	if req != nil {
		// The rules differ from those in force: a rules-change request.
		answerRequest(w, req, nil)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) tabulation(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := s.o.TabulationOf(r.Context(), u, r.PathValue("e"), r.PathValue("t"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) report(w http.ResponseWriter, r *http.Request, u *office.User) {
	ref, err := s.o.Report(r.Context(), u, r.PathValue("e"), r.PathValue("t"), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.serveBlob(w, r, ref, "private, max-age=3600, immutable")
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q publicationRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestPublication(r.Context(), u, r.PathValue("e"), q.Tabulation)
	answerRequest(w, v, err)
}

func (s *Server) install(w http.ResponseWriter, r *http.Request, u *office.User) {
	var q installRequest
	if !s.decode(w, r, &q) {
		return
	}
	v, err := s.o.RequestInstall(r.Context(), u, q.Component, q.Version, q.NewSHA256, q.OldSHA256)
	answerRequest(w, v, err)
}

// evidence serves the election's evidence package (docs/evidence.md) as
// static files, or as one .tar.gz.
func (s *Server) evidence(w http.ResponseWriter, r *http.Request) {
	fsys, err := s.o.Evidence(r.Context(), r.PathValue("e"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if !strings.Contains(r.URL.Path, "/evidence/") {
		w.Header().Set("Content-Type", "application/gzip")
		office.WriteEvidenceTarGz(w, fsys)
		return
	}
	http.ServeFileFS(w, r, fsys, r.PathValue("path"))
}

// public serves published snapshots: /public/elections/{e}/<path> is the
// current version, /public/elections/{e}/v/{n}/<path> version n forever.
func (s *Server) public(w http.ResponseWriter, r *http.Request) {
	e, p := r.PathValue("e"), r.PathValue("path")
	version := 0
	cache := "public, max-age=5"
	if rest, ok := strings.CutPrefix(p, "v/"); ok {
		n, after, _ := strings.Cut(rest, "/")
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || strconv.Itoa(v) != n {
			http.NotFound(w, r)
			return
		}
		version, p = v, after
		cache = "public, max-age=31536000, immutable"
	}
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	f, err := s.o.PublicFile(r.Context(), e, version, p)
	if errors.Is(err, office.ErrNoPublication) {
		http.NotFound(w, r)
		return
	} else if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("X-Canvass-Version", strconv.Itoa(f.Version))
	if f.Test {
		w.Header().Set("X-Canvass-Test-Results", "true")
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	s.serveBlob(w, r, f.FileRef, cache)
}

// maxCached is the largest file kept in memory for serving: published
// pages and results are small and immutable (content-addressed), so an
// election-night refresh storm is served from memory.
const maxCached = 1 << 20

// cached is a small stored file held in memory, with its gzip encoding.
type cached struct {
	raw, gz []byte
}

// serveBlob serves stored content with its SHA-256 as a strong ETag
// (suffixed "-gzip" for the compressed representation).
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, ref office.FileRef, cacheControl string) {
	ct := mime.TypeByExtension(path.Ext(ref.Name))
	switch path.Ext(ref.Name) {
	case ".json":
		ct = "application/json"
	case ".csv":
		ct = "text/csv; charset=utf-8"
	case ".html":
		ct = "text/html; charset=utf-8"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	etag := `"` + ref.SHA256 + `"`
	var content io.ReadSeeker
	if c := s.cachedBlob(ref); c != nil {
		content = bytes.NewReader(c.raw)
		if c.gz != nil && acceptsGzip(r) {
			content = bytes.NewReader(c.gz)
			h.Set("Content-Encoding", "gzip")
			etag = `"` + ref.SHA256 + `-gzip"`
		}
	} else {
		file, err := s.o.Blobs().Open(ref.SHA256)
		if err != nil {
			writeError(w, err)
			return
		}
		defer file.Close()
		content = file
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", timeZero, content)
}

// cachedBlob returns a small file from memory, loading it on first use,
// or nil for a large one.
func (s *Server) cachedBlob(ref office.FileRef) *cached {
	if c, ok := s.cache.Load(ref.SHA256); ok {
		return c.(*cached)
	}
	if ref.Size > maxCached {
		return nil
	}
	b, err := s.o.Blobs().ReadAll(ref.SHA256)
	if err != nil || int64(len(b)) != ref.Size {
		return nil
	}
	c := &cached{raw: b}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	if z.Len() < len(b) {
		c.gz = z.Bytes()
	}
	s.cache.Store(ref.SHA256, c)
	return c
}

// acceptsGzip reports whether the client takes gzip (q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") || strings.Contains(params, "q=0.")
		}
	}
	return false
}

// timeZero leaves Last-Modified out: the ETag is the validator.
var timeZero time.Time
