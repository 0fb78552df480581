// Package pages is the staff web application of the election office:
// server-rendered pages (html/template, embedded) for sign-in and
// enrollment, elections, uploads, tabulations, requests awaiting a
// signature, users, the activity view, and the audits (audit*.go: setup,
// dashboards, seed ceremony, the audit boards' screens, reports).
//
// Handlers are thin, as the JSON API's are: decode the form, call one
// office method (which authorizes), render. The pages use the API's
// session cookie and sit behind the same cross-origin protection and
// security headers, so a form POST from another site is refused. The only
// JavaScript is static/webauthn.js, which registers and uses a security key
// (WebAuthn) as a signing key, and signs in with it instead of a TOTP code,
// through the JSON API.
package pages

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/canvass/canvass/office"
)

//go:embed tmpl/*.html
var tmplFS embed.FS

//go:embed static
var staticFS embed.FS

// Pages serves the staff pages of one office.
type Pages struct {
	o      *office.Office
	cookie string
	tmpl   map[string]*template.Template
}

// Routes are the patterns Mount registers, for documentation and tests.
var Routes = []string{
	"GET /{$}",
	"GET /static/{file...}",
	"GET /signin",
	"POST /signin",
	"POST /signout",
	"GET /enroll",
	"POST /enroll",
	"POST /enroll/confirm",
	"GET /elections",
	"POST /elections",
	"GET /elections/{e}",
	"POST /elections/{e}/files",
	"POST /elections/{e}/tabulations",
	"GET /elections/{e}/tabulations/{t}",
	"POST /elections/{e}/publications",
	"POST /elections/{e}/mode",
	"POST /elections/{e}/withdrawals",
	"GET /requests",
	"GET /requests/{id}",
	"POST /requests/{id}/signatures",
	"GET /activity",
}

// Mount registers the pages on mux. cookie is the name of the session
// cookie the API's sign-in sets; the pages set and read the same one.
func Mount(mux *http.ServeMux, o *office.Office, cookie string) *Pages {
	p := &Pages{o: o, cookie: cookie, tmpl: parseTemplates()}
	static, _ := fs.Sub(staticFS, "static")
	handlers := map[string]http.HandlerFunc{
		"GET /{$}":                           p.authed(p.home),
		"GET /static/{file...}":              http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP,
		"GET /signin":                        p.signinForm,
		"POST /signin":                       p.signin,
		"POST /signout":                      p.signout,
		"GET /enroll":                        p.enrollForm,
		"POST /enroll":                       p.enroll,
		"POST /enroll/confirm":               p.confirm,
		"GET /elections":                     p.authed(p.elections),
		"POST /elections":                    p.authed(p.createElection),
		"GET /elections/{e}":                 p.authed(p.election),
		"POST /elections/{e}/files":          p.authed(p.upload),
		"POST /elections/{e}/tabulations":    p.authed(p.tabulate),
		"GET /elections/{e}/tabulations/{t}": p.authed(p.tabulation),
		"POST /elections/{e}/publications":   p.authed(p.publish),
		"POST /elections/{e}/mode":           p.authed(p.requestMode),
		"POST /elections/{e}/withdrawals":    p.authed(p.requestWithdrawal),
		"GET /requests":                      p.authed(p.requests),
		"GET /requests/{id}":                 p.authed(p.request),
		"POST /requests/{id}/signatures":     p.authed(p.sign),
		"GET /activity":                      p.authed(p.activity),
	}
	for _, r := range Routes {
		mux.HandleFunc(r, handlers[r])
	}
	p.mountAudits(mux)
	p.mountAuditBatches(mux)
	p.mountUsers(mux)
	return p
}

var funcs = template.FuncMap{
	"join":  strings.Join,
	"query": url.QueryEscape,
}

func parseTemplates() map[string]*template.Template {
	names, err := fs.Glob(tmplFS, "tmpl/*.html")
	if err != nil {
		panic(err)
	}
	m := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "tmpl/"), ".html")
		// Files named _*.html are partials every page may use.
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		m[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(tmplFS, "tmpl/layout.html", "tmpl/_*.html", n))
	}
	return m
}

// view is what every page template receives.
type view struct {
	Title string
	User  *office.User
	// Error and Field describe a refusal: what was wrong and which form
	// field was at fault.
	Error, Field string
	// Notice is a confirmation of what just happened.
	Notice string
	Data   any
}

// IsAdmin reports whether the signed-in user administers accounts.
func (v *view) IsAdmin() bool { return v.User != nil && v.User.HasRole(office.RoleAdmin) }

func (p *Pages) render(w http.ResponseWriter, status int, name string, v *view) {
	t, ok := p.tmpl[name]
	if !ok {
		panic("pages: no template " + name)
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		slog.Error("rendering page", "page", name, "err", err)
		http.Error(w, "internal error; the operator's log has details", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// fail renders page name again with err explained: an *office.Error with
// its status, message and field; anything else as a 500 whose details go
// to the operator's log.
func (p *Pages) fail(w http.ResponseWriter, name string, v *view, err error) {
	var oe *office.Error
	if !errors.As(err, &oe) {
		slog.Error("internal error", "err", err)
		oe = &office.Error{Status: http.StatusInternalServerError, Msg: "internal error; the operator's log has details"}
	}
	if oe.Status == http.StatusUnauthorized {
		v.User = nil
	}
	v.Error, v.Field = oe.Msg, oe.Field
	p.render(w, oe.Status, name, v)
}

type authedHandler func(w http.ResponseWriter, r *http.Request, u *office.User)

// authed runs h for a signed-in user; anyone else is sent to the sign-in
// page, which brings them back afterwards.
func (p *Pages) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(p.cookie)
		var u *office.User
		if err == nil {
			u, err = p.o.Authenticate(r.Context(), c.Value)
		}
		if err != nil {
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/elections"
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		h(w, r, u)
	}
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request, u *office.User) {
	if u.HasRole(office.RoleAuditBoard) {
		http.Redirect(w, r, "/audits", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/elections", http.StatusSeeOther)
}

// localPath returns next if it is a path on this site, else "/elections",
// so that the sign-in page cannot be used to send people elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/elections"
	}
	return next
}
