package pages

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/office"
)

// The audit pages (docs/pages.md, "Audits"): the list and setup, the
// state and county dashboards with uploads and boards, the seed ceremony,
// the reports. The audit board's screens are in audit_board.go. Like every
// page they call one office method, which authorizes; forms appear only
// where office.Allowed says the action would be allowed.

// AuditRoutes are the patterns of the audit pages, registered by Mount.
var AuditRoutes = []string{
	"GET /audits",
	"POST /audits",
	"GET /audits/{a}",
	"GET /audits/{a}/jurisdictions/{j}",
	"POST /audits/{a}/jurisdictions/{j}/uploads",
	"POST /audits/{a}/jurisdictions/{j}/boards",
	"GET /audits/{a}/seed",
	"POST /audits/{a}/seed",
	"POST /audits/{a}/rounds",
	"POST /audits/{a}/rounds/{r}/close",
	"POST /audits/{a}/rounds/{r}/boards/{b}/reopen",
	"GET /audits/{a}/rounds/{r}/boards/{b}",
	"GET /audits/{a}/rounds/{r}/boards/{b}/ballots/{ballot}",
	"POST /audits/{a}/rounds/{r}/boards/{b}/ballots/{ballot}",
	"GET /audits/{a}/rounds/{r}/boards/{b}/review",
	"POST /audits/{a}/rounds/{r}/boards/{b}/sign-off",
	"GET /audits/{a}/reports",
}

func (p *Pages) mountAudits(mux *http.ServeMux) {
	h := map[string]http.HandlerFunc{
		"GET /audits":                                             p.authed(p.audits),
		"POST /audits":                                            p.authed(p.createAudit),
		"GET /audits/{a}":                                         p.authed(p.auditDashboard),
		"GET /audits/{a}/jurisdictions/{j}":                       p.authed(p.county),
		"POST /audits/{a}/jurisdictions/{j}/uploads":              p.authed(p.auditUpload),
		"POST /audits/{a}/jurisdictions/{j}/boards":               p.authed(p.createBoard),
		"GET /audits/{a}/seed":                                    p.authed(p.seedForm),
		"POST /audits/{a}/seed":                                   p.authed(p.seed),
		"POST /audits/{a}/rounds":                                 p.authed(p.drawRound),
		"POST /audits/{a}/rounds/{r}/close":                       p.authed(p.closeRound),
		"POST /audits/{a}/rounds/{r}/boards/{b}/reopen":           p.authed(p.reopen),
		"GET /audits/{a}/rounds/{r}/boards/{b}":                   p.authed(p.boardHome),
		"GET /audits/{a}/rounds/{r}/boards/{b}/ballots/{ballot}":  p.authed(p.ballotForm),
		"POST /audits/{a}/rounds/{r}/boards/{b}/ballots/{ballot}": p.authed(p.saveBallot),
		"GET /audits/{a}/rounds/{r}/boards/{b}/review":            p.authed(p.review),
		"POST /audits/{a}/rounds/{r}/boards/{b}/sign-off":         p.authed(p.signOff),
		"GET /audits/{a}/reports":                                 p.authed(p.auditReports),
	}
	for _, r := range AuditRoutes {
		mux.HandleFunc(r, h[r])
	}
}

// contestRows is how many contest rows the setup form shows by default;
// ?rows= asks for more.
const contestRows = 4

// contestForm is one contest row of the setup form.
type contestForm struct {
	Index                               int
	Name, Kind, Jurisdictions, Reported string
	Winners, VotesAllowed               string
	Targeted                            bool
}

type auditsData struct {
	Audits    []office.AuditSummary
	Elections []office.Election
	CanCreate bool
	// Board is the signed-in board member's board.
	Board     *office.AuditBoard
	BoardName string
	// The setup form's values.
	Name, Election, Type, Math, Sampler, RiskLimit string
	WithoutReplacement                             bool
	Statuses                                       []string
	Chosen                                         []string
	Contests                                       []contestForm
	Kinds, Types, Maths, Samplers                  []string
	MoreRows                                       int
}

// Chose reports whether status s is ticked.
func (d *auditsData) Chose(s string) bool { return slices.Contains(d.Chosen, s) }

func (p *Pages) auditsView(r *http.Request, u *office.User) (*view, *auditsData, error) {
	ctx := r.Context()
	d := &auditsData{CanCreate: office.Allowed(u, office.ActCreateAudit, u.Jurisdiction), RiskLimit: "0.05",
		Statuses: audit.AllStatuses, Chosen: audit.AllStatuses, Kinds: []string{audit.Plurality, audit.VoteForN, audit.Approval, audit.IRV},
		Types:    []string{audit.BallotComparison, audit.BallotPolling, audit.BatchComparison},
		Maths:    []string{"supersimple", "corla", "alpha-comparison", "bravo", "alpha", "macro"},
		Samplers: []string{audit.SamplerArlo, audit.SamplerCorla}}
	v := &view{Title: "Audits", User: u, Data: d}
	rows := contestRows
	if n, err := strconv.Atoi(r.URL.Query().Get("rows")); err == nil && n > rows && n <= 40 {
		rows = n
	}
	for i := range rows {
		d.Contests = append(d.Contests, contestForm{Index: i, Kind: audit.Plurality})
	}
	d.MoreRows = min(rows+4, 40)
	b, name, err := p.o.MyBoard(ctx, u)
	if err != nil {
		return v, d, err
	}
	d.Board, d.BoardName = b, name
	if d.Audits, err = p.o.Audits(ctx, u); err != nil {
		return v, d, err
	}
	if d.CanCreate {
		d.Elections, err = p.o.Elections(ctx, u)
	}
	return v, d, err
}

func (p *Pages) audits(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.auditsView(r, u)
	if err != nil {
		p.fail(w, "audits", v, err)
		return
	}
	p.render(w, http.StatusOK, "audits", v)
}

// parseCounts reads a reported tally typed as "name: votes" lines.
func parseCounts(field, s string) (json.RawMessage, error) {
	obj := map[string]int{}
	var names []string
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k := strings.LastIndex(line, ":")
		n, err := strconv.Atoi(strings.TrimSpace(line[k+1:]))
		if k <= 0 || err != nil || n < 0 {
			return nil, &office.Error{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf("line %d (%q): write each candidate as \"name: votes\", votes a whole number", i+1, line)}
		}
		name := strings.TrimSpace(line[:k])
		if _, dup := obj[name]; dup {
			return nil, &office.Error{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf("line %d: %q is listed twice", i+1, name)}
		}
		obj[name] = n
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, nil
	}
	// Keep the typed order: the tally's order is the candidates' order.
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		fmt.Fprintf(&b, "%s:%d", k, obj[n])
	}
	b.WriteByte('}')
	return json.RawMessage(b.String()), nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// setupOf reads the setup form into d (to show it again) and the API's
// setup.
func setupOf(f url.Values, d *auditsData) (*office.AuditSetup, error) {
	d.Name, d.Election, d.Type, d.Math, d.Sampler, d.RiskLimit = f.Get("name"), f.Get("election"), f.Get("type"), f.Get("math"), f.Get("sampler"), f.Get("risk_limit")
	d.WithoutReplacement = f.Get("without_replacement") != ""
	d.Chosen = f["statuses"]
	s := &office.AuditSetup{Name: d.Name, Election: d.Election, Type: d.Type, Math: d.Math, Sampler: d.Sampler,
		WithoutReplacement: d.WithoutReplacement, Statuses: d.Chosen}
	rl, err := strconv.ParseFloat(strings.TrimSpace(d.RiskLimit), 64)
	if err != nil {
		return nil, &office.Error{Status: http.StatusBadRequest, Field: "risk_limit", Msg: "the risk limit is a fraction, e.g. 0.05 for 5%"}
	}
	s.RiskLimit = rl
	d.Contests = nil
	var firstErr error
	for i := 0; i < 40; i++ {
		pre := fmt.Sprintf("contest-%d-", i)
		if _, ok := f[pre+"name"]; !ok {
			break
		}
		c := contestForm{Index: i, Name: strings.TrimSpace(f.Get(pre + "name")), Kind: f.Get(pre + "kind"), Jurisdictions: f.Get(pre + "jurisdictions"),
			Reported: f.Get(pre + "reported"), Winners: f.Get(pre + "winners"), VotesAllowed: f.Get(pre + "votes_allowed"), Targeted: f.Get(pre+"targeted") != ""}
		d.Contests = append(d.Contests, c)
		if c.Name == "" {
			continue
		}
		ac := office.AuditContest{Name: c.Name, Kind: c.Kind, Targeted: c.Targeted, Jurisdictions: splitList(c.Jurisdictions)}
		for _, x := range []struct {
			field, v string
			dst      *int
		}{{pre + "winners", c.Winners, &ac.Winners}, {pre + "votes_allowed", c.VotesAllowed, &ac.VotesAllowed}} {
			if strings.TrimSpace(x.v) == "" {
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(x.v))
			if (err != nil || n < 1) && firstErr == nil {
				firstErr = &office.Error{Status: http.StatusBadRequest, Field: x.field, Msg: "a whole number of at least 1, or empty"}
			}
			*x.dst = n
		}
		if raw, err := parseCounts(pre+"reported", c.Reported); err != nil {
			if firstErr == nil {
				firstErr = err
			}
		} else if raw != nil {
			if err := json.Unmarshal(raw, &ac.Reported); err != nil && firstErr == nil {
				firstErr = &office.Error{Status: http.StatusBadRequest, Field: pre + "reported", Msg: err.Error()}
			}
		}
		s.Contests = append(s.Contests, ac)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if len(s.Contests) == 0 {
		return nil, &office.Error{Status: http.StatusBadRequest, Field: "contest-0-name", Msg: "name at least one contest"}
	}
	return s, nil
}

func (p *Pages) createAudit(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.auditsView(r, u)
	if err == nil {
		err = p.parseForm(w, r)
	}
	if err == nil {
		var s *office.AuditSetup
		if s, err = setupOf(r.PostForm, d); err == nil {
			var a *office.AuditView
			if a, err = p.o.CreateAudit(r.Context(), u, s); err == nil {
				http.Redirect(w, r, "/audits/"+a.ID, http.StatusSeeOther)
				return
			}
		}
	}
	p.fail(w, "audits", v, err)
}

// dashboardData is the state view of an audit, and the county view when
// County is set.
type dashboardData struct {
	P      *office.AuditProgress
	County *office.CountyProgress
	Chart  *progressChart
	// What the user may do.
	CanSeed, CanDraw, CanClose, CanReopen, CanUpload, CanBoard bool
	Formats                                                    []string
	ManifestFormat                                             string
	// Results of an action on the county page.
	Validation *office.UploadValidation
	NewBoard   *office.BoardView
	UploadKind string
}

// EstimateBases are the distinct bases of the counties' estimates.
func (d *dashboardData) EstimateBases() []string {
	var out []string
	for _, c := range d.P.Jurisdictions {
		if !slices.Contains(out, c.EstimateBasis) {
			out = append(out, c.EstimateBasis)
		}
	}
	return out
}

// SignedNames names the members of b who have signed off.
func (d *dashboardData) SignedNames(b office.AuditBoard) string {
	var out []string
	for i, acct := range b.Accounts {
		if slices.Contains(b.SignedBy, acct) && i < len(b.Members) {
			out = append(out, b.Members[i])
		}
	}
	if len(out) == 0 {
		return "nobody yet"
	}
	return strings.Join(out, ", ")
}

// NextNumber is the number of the round a draw would make.
func (d *dashboardData) NextNumber() int { return d.P.Round + 1 }

func (p *Pages) progressView(r *http.Request, u *office.User) (*view, *dashboardData, error) {
	v := &view{Title: "Audit", User: u}
	pr, err := p.o.AuditProgress(r.Context(), u, r.PathValue("a"))
	if err != nil {
		return v, nil, err
	}
	d := &dashboardData{P: pr, Chart: newProgressChart(pr),
		CanSeed:  office.Allowed(u, office.ActRequestSeed, pr.Jurisdiction),
		CanDraw:  office.Allowed(u, office.ActDrawRound, pr.Jurisdiction),
		CanClose: office.Allowed(u, office.ActCloseRound, pr.Jurisdiction), CanReopen: office.Allowed(u, office.ActRequestReopen, pr.Jurisdiction)}
	v.Title, v.Data = pr.Name, d
	return v, d, nil
}

func (p *Pages) auditDashboard(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.progressView(r, u)
	if err != nil {
		p.fail(w, "audit", v, err)
		return
	}
	switch {
	case r.URL.Query().Has("drawn"):
		v.Notice = "Round drawn and logged. Each county's boards can now be formed on its county page."
	case r.URL.Query().Has("closed"):
		v.Notice = "Round closed and logged. The contests' risks and decisions are below."
	}
	p.render(w, http.StatusOK, "audit", v)
}

// countyView is the dashboard narrowed to county j.
func (p *Pages) countyView(r *http.Request, u *office.User) (*view, *dashboardData, error) {
	v, d, err := p.progressView(r, u)
	if err != nil {
		return v, d, err
	}
	j := r.PathValue("j")
	for i := range d.P.Jurisdictions {
		if d.P.Jurisdictions[i].Jurisdiction == j {
			d.County = &d.P.Jurisdictions[i]
		}
	}
	if d.County == nil {
		return v, nil, &office.Error{Status: http.StatusNotFound, Field: "jurisdiction", Msg: fmt.Sprintf("audit %s has no jurisdiction %q you may see", d.P.Audit, j)}
	}
	oj := d.County.OfficeJurisdiction
	d.CanUpload = office.Allowed(u, office.ActAuditUpload, oj) && !d.P.SeedEntered
	d.CanBoard = office.Allowed(u, office.ActCreateBoard, oj) && d.P.RoundOpen && d.County.Entered == 0
	d.Formats = cvr.Formats()
	d.ManifestFormat = "arlo"
	if d.P.Sampler == audit.SamplerCorla {
		d.ManifestFormat = "colorado"
	}
	v.Title = d.P.Name + " — " + j
	return v, d, nil
}

func (p *Pages) county(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.countyView(r, u)
	if err != nil {
		p.fail(w, "audit_county", v, err)
		return
	}
	p.render(w, http.StatusOK, "audit_county", v)
}

// auditUpload takes the county page's upload form: "kind" (manifest or
// cvrs), "format" and one "file".
func (p *Pages) auditUpload(w http.ResponseWriter, r *http.Request, u *office.User) {
	r.Body = http.MaxBytesReader(w, r.Body, p.o.Limits().Upload+1<<20)
	var res *office.UploadValidation
	kind := ""
	err := r.ParseMultipartForm(32 << 20)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &office.Error{Status: http.StatusRequestEntityTooLarge, Field: "file", Msg: "the upload exceeds the size limit"}
		} else {
			err = &office.Error{Status: http.StatusBadRequest, Field: "file", Msg: "the upload form was not sent as multipart/form-data: " + err.Error()}
		}
	} else {
		defer r.MultipartForm.RemoveAll()
		kind = r.PostForm.Get("kind")
		f, fh, ferr := r.FormFile("file")
		if ferr != nil {
			err = &office.Error{Status: http.StatusBadRequest, Field: kind + "_file", Msg: "choose the file to upload"}
		} else {
			res, err = p.o.UploadAuditFile(r.Context(), u, r.PathValue("a"), r.PathValue("j"), kind, r.PostForm.Get("format"), fh.Filename, f)
			f.Close()
		}
	}
	v, d, verr := p.countyView(r, u)
	if verr != nil {
		p.fail(w, "audit_county", v, verr)
		return
	}
	d.UploadKind = kind
	if err != nil {
		p.fail(w, "audit_county", v, err)
		return
	}
	d.Validation = res
	v.Notice = "Upload validated, stored and logged."
	p.render(w, http.StatusOK, "audit_county", v)
}

func (p *Pages) createBoard(w http.ResponseWriter, r *http.Request, u *office.User) {
	var b *office.BoardView
	err := p.parseForm(w, r)
	if err == nil {
		var names []string
		for _, n := range strings.Split(r.PostForm.Get("members"), "\n") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		b, err = p.o.CreateBoard(r.Context(), u, r.PathValue("a"), r.PathValue("j"), names)
	}
	v, d, verr := p.countyView(r, u)
	if verr != nil {
		p.fail(w, "audit_county", v, verr)
		return
	}
	if err != nil {
		p.fail(w, "audit_county", v, err)
		return
	}
	d.NewBoard = b
	v.Notice = "Board formed and logged. Give each member their own sign-in code; it is shown only now."
	p.render(w, http.StatusOK, "audit_county", v)
}

type seedData struct {
	*dashboardData
	Seed, RolledBy, Witnesses string
}

func (p *Pages) seedView(r *http.Request, u *office.User) (*view, *seedData, error) {
	v, d, err := p.progressView(r, u)
	sd := &seedData{dashboardData: d}
	if d != nil {
		v.Title, v.Data = "Seed ceremony — "+d.P.Name, sd
	}
	return v, sd, err
}

func (p *Pages) seedForm(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.seedView(r, u)
	if err != nil {
		p.fail(w, "audit_seed", v, err)
		return
	}
	p.render(w, http.StatusOK, "audit_seed", v)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *Pages) seed(w http.ResponseWriter, r *http.Request, u *office.User) {
	err := p.parseForm(w, r)
	f := r.PostForm
	if err == nil {
		var q *office.RequestView
		seed := strings.Join(strings.Fields(f.Get("seed")), "")
		q, err = p.o.RequestSeed(r.Context(), u, r.PathValue("a"), seed, lines(f.Get("rolled_by")), lines(f.Get("witnesses")))
		if err == nil {
			http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
			return
		}
	}
	v, sd, verr := p.seedView(r, u)
	if verr != nil {
		p.fail(w, "audit_seed", v, verr)
		return
	}
	sd.Seed, sd.RolledBy, sd.Witnesses = f.Get("seed"), f.Get("rolled_by"), f.Get("witnesses")
	p.fail(w, "audit_seed", v, err)
}

func (p *Pages) drawRound(w http.ResponseWriter, r *http.Request, u *office.User) {
	err := p.parseForm(w, r)
	if err == nil {
		var size office.SampleSize
		if n := strings.TrimSpace(r.PostForm.Get("draws")); n != "" {
			size.Draws, err = strconv.Atoi(n)
			if err != nil || size.Draws < 1 {
				err = &office.Error{Status: http.StatusBadRequest, Field: "draws", Msg: "the number of draws is a whole number of at least 1, or empty to use the chosen size"}
			}
		} else {
			size.Key = r.PostForm.Get("key")
		}
		if err == nil {
			if _, err = p.o.DrawRound(r.Context(), u, r.PathValue("a"), size); err == nil {
				http.Redirect(w, r, "/audits/"+r.PathValue("a")+"?drawn=1", http.StatusSeeOther)
				return
			}
		}
	}
	p.dashboardFail(w, r, u, err)
}

func (p *Pages) dashboardFail(w http.ResponseWriter, r *http.Request, u *office.User, err error) {
	v, _, verr := p.progressView(r, u)
	if verr != nil {
		err = verr
	}
	p.fail(w, "audit", v, err)
}

func roundNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("r"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, &office.Error{Status: http.StatusNotFound, Field: "round", Msg: "rounds are numbered from 1"}
	}
	return n, nil
}

func (p *Pages) closeRound(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, err := roundNumber(r)
	if err == nil {
		if _, err = p.o.CloseRound(r.Context(), u, r.PathValue("a"), n); err == nil {
			http.Redirect(w, r, "/audits/"+r.PathValue("a")+"?closed=1", http.StatusSeeOther)
			return
		}
	}
	p.dashboardFail(w, r, u, err)
}

func (p *Pages) reopen(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, err := roundNumber(r)
	if err == nil {
		err = p.parseForm(w, r)
	}
	if err == nil {
		var q *office.RequestView
		if q, err = p.o.RequestReopen(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"), r.PostForm.Get("reason")); err == nil {
			http.Redirect(w, r, "/requests/"+q.ID, http.StatusSeeOther)
			return
		}
	}
	p.dashboardFail(w, r, u, err)
}

type reportsData struct {
	P      *office.AuditProgress
	Tables []string
	Rounds []int
}

func (p *Pages) auditReports(w http.ResponseWriter, r *http.Request, u *office.User) {
	v := &view{Title: "Audit reports", User: u}
	pr, err := p.o.AuditProgress(r.Context(), u, r.PathValue("a"))
	if err != nil {
		p.fail(w, "audit_reports", v, err)
		return
	}
	d := &reportsData{P: pr, Tables: audit.CSVTables}
	for i := 1; i <= pr.Round; i++ {
		d.Rounds = append(d.Rounds, i)
	}
	v.Title, v.Data = "Reports — "+pr.Name, d
	p.render(w, http.StatusOK, "audit_reports", v)
}
