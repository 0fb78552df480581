package pages

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/office"
)

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// formLimit bounds a form without files.
const formLimit = 64 << 10

func (p *Pages) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		return &office.Error{Status: http.StatusBadRequest, Msg: "the form could not be read: " + err.Error()}
	}
	return nil
}

type signinData struct {
	Next, Name string
	Enrolled   bool
	// SecurityKey offers signing in with a security key instead of a
	// TOTP code (static/webauthn.js), when the office has WebAuthn.
	SecurityKey bool
}

func (p *Pages) signinForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.render(w, http.StatusOK, "signin", &view{Title: "Sign in", Data: signinData{Next: localPath(q.Get("next")), Name: q.Get("user"), Enrolled: q.Has("enrolled"), SecurityKey: p.o.WebAuthnEnabled()}})
}

func (p *Pages) signin(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Sign in"}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "signin", v, err)
		return
	}
	d := signinData{Next: localPath(r.PostForm.Get("next")), Name: r.PostForm.Get("user"), SecurityKey: p.o.WebAuthnEnabled()}
	v.Data = d
	sess, err := p.o.Login(r.Context(), d.Name, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("totp")), clientAddr(r))
	if err != nil {
		p.fail(w, "signin", v, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: p.cookie, Value: sess.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (p *Pages) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(p.cookie); err == nil {
		p.o.Logout(r.Context(), c.Value) // an expired session is signed out already
	}
	http.SetCookie(w, &http.Cookie{Name: p.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

type enrollData struct {
	Name, Code, SigningKey, TOTPURI string
}

func (p *Pages) enrollForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "enroll", &view{Title: "Enroll", Data: enrollData{Name: r.URL.Query().Get("user")}})
}

func (p *Pages) enroll(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Enroll"}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "enroll", v, err)
		return
	}
	f := r.PostForm
	d := enrollData{Name: f.Get("user"), Code: strings.TrimSpace(f.Get("code")), SigningKey: strings.TrimSpace(f.Get("signing_key"))}
	v.Data = d
	uri, err := p.o.Enroll(r.Context(), d.Name, d.Code, f.Get("password"), d.SigningKey)
	if err != nil {
		p.fail(w, "enroll", v, err)
		return
	}
	d.TOTPURI = uri
	v.Data = d
	p.render(w, http.StatusOK, "enroll_totp", v)
}

func (p *Pages) confirm(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Enroll"}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "enroll", v, err)
		return
	}
	f := r.PostForm
	d := enrollData{Name: f.Get("user"), Code: f.Get("code"), TOTPURI: f.Get("totp_uri")}
	v.Data = d
	if err := p.o.ConfirmEnrollment(r.Context(), d.Name, d.Code, strings.TrimSpace(f.Get("totp"))); err != nil {
		p.fail(w, "enroll_totp", v, err)
		return
	}
	http.Redirect(w, r, "/signin?enrolled=1&user="+url.QueryEscape(d.Name), http.StatusSeeOther)
}

type electionsData struct {
	Elections         []office.Election
	Name, Date, Juris string
	CanCreate         bool
}

func (p *Pages) electionsView(r *http.Request, u *office.User) (*view, error) {
	es, err := p.o.Elections(r.Context(), u)
	v := &view{Title: "Elections", User: u, Data: electionsData{Elections: es, CanCreate: office.Allowed(u, office.ActCreateElection, u.Jurisdiction)}}
	return v, err
}

func (p *Pages) elections(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := p.electionsView(r, u)
	if err != nil {
		p.fail(w, "elections", v, err)
		return
	}
	p.render(w, http.StatusOK, "elections", v)
}

func (p *Pages) createElection(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := p.electionsView(r, u)
	if err == nil {
		err = p.parseForm(w, r)
	}
	if err != nil {
		p.fail(w, "elections", v, err)
		return
	}
	f := r.PostForm
	e, err := p.o.CreateElection(r.Context(), u, f.Get("name"), f.Get("date"), f.Get("jurisdiction"))
	if err != nil {
		d := v.Data.(electionsData)
		d.Name, d.Date, d.Juris = f.Get("name"), f.Get("date"), f.Get("jurisdiction")
		v.Data = d
		p.fail(w, "elections", v, err)
		return
	}
	http.Redirect(w, r, "/elections/"+e.ID, http.StatusSeeOther)
}

type electionData struct {
	Election    *office.Election
	Files       []office.File
	Tabulations []office.Tabulation
	Uploaded    []office.FileRef
	Formats     []string
	Format      string
	Selected    []string
	CanUpload   bool
	// CanRequestMode and CanWithdraw offer the two-person requests to
	// switch to official mode and to withdraw a file.
	CanRequestMode bool
	CanWithdraw    bool
	// Rules are the rules in force per contest; RulesChange the request a
	// count just became (rules.go).
	Rules       []RulesInForce
	RulesChange *rulesChange
}

// Selects reports whether file name was chosen for a direct count.
func (d *electionData) Selects(name string) bool { return slices.Contains(d.Selected, name) }

func (p *Pages) electionView(r *http.Request, u *office.User) (*view, error) {
	ctx, id := r.Context(), r.PathValue("e")
	v := &view{Title: "Election", User: u}
	e, err := p.o.Election(ctx, u, id)
	if err != nil {
		return v, err
	}
	d := &electionData{Election: e, Formats: cvr.Formats(), CanUpload: office.Allowed(u, office.ActUpload, e.Jurisdiction),
		CanRequestMode: e.Mode != "official" && office.Allowed(u, office.ActRequestMode, e.Jurisdiction),
		CanWithdraw:    office.Allowed(u, office.ActRequestWithdrawal, e.Jurisdiction)}
	v.Title, v.Data = e.Name, d
	if d.Files, err = p.o.Files(ctx, u, id); err != nil {
		return v, err
	}
	if d.Tabulations, err = p.o.Tabulations(ctx, u, id); err != nil {
		return v, err
	}
	d.Rules, err = p.rulesList(ctx, u, id)
	return v, err
}

func (p *Pages) election(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, err := p.electionView(r, u)
	if err != nil {
		p.fail(w, "election", v, err)
		return
	}
	v.Data.(*electionData).RulesChange = p.rulesChangeOf(r, u, r.PathValue("e"))
	p.render(w, http.StatusOK, "election", v)
}

// upload stores the files of the upload form: "expected_sha256" (optional,
// applies to the files after it) and "file" parts, as the API takes them.
// An empty file input (no file chosen) is refused with a clear message.
func (p *Pages) upload(w http.ResponseWriter, r *http.Request, u *office.User) {
	e := r.PathValue("e")
	if err := p.o.CheckUpload(r.Context(), u, e); err != nil {
		v, _ := p.electionView(r, u)
		p.fail(w, "election", v, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.o.Limits().Upload+1<<20)
	mr, err := r.MultipartReader()
	var files []office.FileRef
	if err != nil {
		err = &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "the upload form was not sent as multipart/form-data: " + err.Error()}
	} else {
		files, err = p.o.Upload(r.Context(), u, e, uploadParts(mr))
	}
	v, verr := p.electionView(r, u)
	if err == nil {
		err = verr
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "file", Msg: "the upload exceeds the size limit"}
		}
		p.fail(w, "election", v, err)
		return
	}
	v.Data.(*electionData).Uploaded = files
	v.Notice = "Upload stored and logged."
	p.render(w, http.StatusOK, "election", v)
}

func uploadParts(mr *multipart.Reader) func() (*office.UploadPart, error) {
	expected := ""
	var cur *multipart.Part
	n := 0
	return func() (*office.UploadPart, error) {
		for {
			if cur != nil {
				cur.Close()
			}
			part, err := mr.NextPart()
			if err == io.EOF && n == 0 {
				return nil, &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "choose at least one file to upload"}
			}
			if err != nil {
				return nil, err
			}
			cur = part
			switch part.FormName() {
			case "expected_sha256":
				b, _ := io.ReadAll(io.LimitReader(part, 129))
				expected = strings.ToLower(strings.TrimSpace(string(b)))
				if expected != "" && len(expected) != 64 {
					return nil, &office.Error{Status: http.StatusBadRequest, Field: "expected_sha256", Msg: "the expected SHA-256 must be 64 hex digits (or left empty)"}
				}
			case "file":
				if part.FileName() == "" {
					continue // an empty file input
				}
				n++
				// FileName drops any folder; the office checks the name.
				return &office.UploadPart{Name: part.FileName(), ExpectedSHA256: expected, Body: part}, nil
			default:
				return nil, &office.Error{Status: http.StatusBadRequest, Field: part.FormName(), Msg: "unknown form field"}
			}
		}
	}
}

// tabulate starts a count from the tabulation form: an RCTab contest
// configuration (a file, or JSON pasted in the text area) whose
// cvrFileSources[].filePath name uploaded files, or a format and a choice
// of uploaded files.
func (p *Pages) tabulate(w http.ResponseWriter, r *http.Request, u *office.User) {
	limit := p.o.Limits().JSONBody
	r.Body = http.MaxBytesReader(w, r.Body, 2*limit+formLimit)
	var req office.TabulationRequest
	err := r.ParseMultipartForm(2*limit + formLimit)
	if err != nil {
		err = &office.Error{Status: http.StatusBadRequest, Msg: "the tabulation form could not be read: " + err.Error()}
	} else {
		req.Format = r.PostForm.Get("format")
		req.Files = r.PostForm["files"]
		cfg := []byte(strings.TrimSpace(r.PostForm.Get("rctab_config_text")))
		if f, _, ferr := r.FormFile("rctab_config"); ferr == nil {
			cfg, err = io.ReadAll(io.LimitReader(f, limit+1))
			f.Close()
			cfg = bytes.TrimSpace(cfg)
		}
		switch {
		case err != nil:
		case int64(len(cfg)) > limit:
			err = &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "rctab_config", Msg: "the RCTab configuration exceeds the size limit"}
		case len(cfg) > 0 && !json.Valid(cfg):
			err = &office.Error{Status: http.StatusBadRequest, Field: "rctab_config", Msg: "the RCTab configuration is not valid JSON"}
		case len(cfg) > 0:
			req.RCTabConfig = cfg
			if len(req.Files) == 0 {
				req.Format = "" // the form's format menu always has a value
			}
		case len(req.Files) == 0:
			err = &office.Error{Status: http.StatusBadRequest, Field: "files", Msg: "choose an RCTab configuration, or a format and the files to count"}
		}
	}
	if err == nil {
		var t *office.TabulationView
		var q *office.RequestView
		t, q, err = p.o.TabulateOrRequest(r.Context(), u, r.PathValue("e"), &req)
		if err == nil && q != nil {
			// Other rules than those in force: not an error, a request.
			http.Redirect(w, r, "/elections/"+url.PathEscape(r.PathValue("e"))+"?rules_change="+url.QueryEscape(q.ID), http.StatusSeeOther)
			return
		}
		if err == nil {
			http.Redirect(w, r, "/elections/"+t.Election+"/tabulations/"+t.ID, http.StatusSeeOther)
			return
		}
	}
	v, _ := p.electionView(r, u)
	if d, ok := v.Data.(*electionData); ok {
		d.Format, d.Selected = req.Format, req.Files
	}
	p.fail(w, "election", v, err)
}

func (p *Pages) publish(w http.ResponseWriter, r *http.Request, u *office.User) {
	v := &view{Title: "Publish", User: u}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "error", v, err)
		return
	}
	q, err := p.o.RequestPublication(r.Context(), u, r.PathValue("e"), r.PostForm.Get("tabulation"))
	if err != nil {
		p.fail(w, "error", v, err)
		return
	}
	http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
}

// requestMode asks for the switch of an election to official mode: a
// two-person request, co-signed on its page.
func (p *Pages) requestMode(w http.ResponseWriter, r *http.Request, u *office.User) {
	v := &view{Title: "Official mode", User: u}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "error", v, err)
		return
	}
	q, err := p.o.RequestOfficialMode(r.Context(), u, r.PathValue("e"))
	if err != nil {
		p.fail(w, "error", v, err)
		return
	}
	http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
}

// requestWithdrawal asks for an uploaded file's withdrawal: a two-person
// request, co-signed on its page.
func (p *Pages) requestWithdrawal(w http.ResponseWriter, r *http.Request, u *office.User) {
	v := &view{Title: "Withdraw a file", User: u}
	if err := p.parseForm(w, r); err != nil {
		p.fail(w, "error", v, err)
		return
	}
	q, err := p.o.RequestWithdrawal(r.Context(), u, r.PathValue("e"), r.PostForm.Get("file"))
	if err != nil {
		p.fail(w, "error", v, err)
		return
	}
	http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
}
