package pages

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/canvass/canvass/office"
)

type requestsData struct {
	// Awaiting are the pending requests the user has not signed; Others
	// the rest of those the user may see, newest first.
	Awaiting, Others []office.RequestView
}

func signedBy(q *office.RequestView, name string) bool {
	return slices.ContainsFunc(q.Signatures, func(s office.Signature) bool { return s.Signer == name })
}

func (p *Pages) requests(w http.ResponseWriter, r *http.Request, u *office.User) {
	v := &view{Title: "Requests", User: u}
	qs, err := p.o.Requests(r.Context(), u, false)
	if err != nil {
		p.fail(w, "requests", v, err)
		return
	}
	var d requestsData
	for i := len(qs) - 1; i >= 0; i-- {
		if qs[i].Status == "pending" && !signedBy(&qs[i], u.Name) {
			d.Awaiting = append(d.Awaiting, qs[i])
		} else {
			d.Others = append(d.Others, qs[i])
		}
	}
	v.Data = d
	p.render(w, http.StatusOK, "requests", v)
}

type requestData struct {
	Q *office.RequestView
	// Action is the action JSON, indented for reading; the signature
	// covers its canonical form through ActionSHA256.
	Action     string
	SignedByMe bool
	Signature  string
}

func (p *Pages) requestView(r *http.Request, u *office.User) (*view, *requestData, error) {
	v := &view{Title: "Request", User: u}
	q, err := p.o.Request(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return v, nil, err
	}
	d := &requestData{Q: q, Action: string(q.Action), SignedByMe: signedBy(q, u.Name)}
	var b bytes.Buffer
	if json.Indent(&b, q.Action, "", "  ") == nil {
		d.Action = b.String()
	}
	v.Title, v.Data = "Request "+q.ID, d
	return v, d, nil
}

func (p *Pages) request(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.requestView(r, u)
	if err != nil {
		p.fail(w, "request", v, err)
		return
	}
	if r.URL.Query().Has("signed") && d.SignedByMe {
		// Back from an approval with a security key (static/webauthn.js).
		v.Notice = signedNotice(d.Q.Status)
	}
	p.render(w, http.StatusOK, "request", v)
}

// normalizeNote undoes what a browser does to text in a form field: line
// breaks sent as CRLF. A signed note ends with a newline; one lost in
// pasting is put back.
func normalizeNote(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

func (p *Pages) sign(w http.ResponseWriter, r *http.Request, u *office.User) {
	if err := p.parseForm(w, r); err != nil {
		v, _, _ := p.requestView(r, u)
		p.fail(w, "request", v, err)
		return
	}
	sig := normalizeNote(r.PostForm.Get("signature"))
	_, err := p.o.Sign(r.Context(), u, r.PathValue("id"), sig)
	v, d, verr := p.requestView(r, u)
	if err == nil {
		err = verr
	}
	if err != nil {
		if d != nil {
			d.Signature = sig
		}
		p.fail(w, "request", v, err)
		return
	}
	v.Notice = signedNotice(d.Q.Status)
	p.render(w, http.StatusOK, "request", v)
}

func signedNotice(status string) string {
	if status == "done" {
		return "Signed. With this second signature the request was executed."
	}
	return "Signed. The request now awaits a second person's signature."
}
