package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// The audit board's screens: its ballots one at a time, where to find
// each and never its CVR (office.BoardSheet holds none); a review of every
// entry; sign-off by each member in their own session. Entry is built for
// the keyboard: the first field has focus, Tab walks the fields in reading
// order, a status is chosen by typing its first letter, and Enter saves
// and opens the next ballot without a reading.

// statusLabels name the statuses so that each starts with its own letter.
var statusLabels = map[string]string{
	audit.StatusBlank:          "Blank: no mark in the contest",
	audit.StatusOvervote:       "Overvote",
	audit.StatusNotOnBallot:    "Contest not on this ballot",
	audit.StatusInvalidWriteIn: "Invalid write-in",
	audit.StatusNotFound:       "Not found: the ballot is missing",
	audit.StatusNoConsensus:    "Disagreement: no consensus (say why in the comment)",
}

type statusOption struct{ Value, Label string }

// candidateField is one candidate of a contest on the entry form.
type candidateField struct {
	Index   int
	Name    string
	Checked bool
	Rank    string
}

// contestField is one contest on the entry form, filled from the saved
// reading or the refused form.
type contestField struct {
	Index      int
	Name       string
	IRV        bool
	Allowed    int
	Candidates []candidateField
	Status     string
	Comment    string
}

type boardData struct {
	Audit     string
	Round     int
	S         *office.BoardSheet
	Members   []memberState
	Unread    int
	SignedOff bool
	// SignedByMe is set once the signed-in member has signed off.
	SignedByMe bool
	// The entry screen.
	Ballot   *office.BoardBallot
	Position int
	Contests []contestField
	Statuses []statusOption
	Reason   string
	Prev     string
	Next     string
	// The review screen.
	Entries []entryRow
}

type memberState struct {
	Name, Account string
	Signed, Me    bool
}

type entryRow struct {
	N        int
	B        office.BoardBallot
	Readings []string
}

// savedNotice confirms the save of ballot id by its number on the
// board's list (ticket numbers are long).
func (d *boardData) savedNotice(id string) string {
	for i, b := range d.S.Ballots {
		if b.Ballot == id {
			return fmt.Sprintf("Saved ballot %d (batch %s, position %d).", i+1, b.Batch, b.Position)
		}
	}
	return "Saved."
}

// Rows are the board's ballots, numbered from 1.
func (d *boardData) Rows() []entryRow {
	out := make([]entryRow, len(d.S.Ballots))
	for i, b := range d.S.Ballots {
		out[i] = entryRow{N: i + 1, B: b}
	}
	return out
}

// FirstUnread is the first ballot without a reading, or "".
func (d *boardData) FirstUnread() string {
	for _, b := range d.S.Ballots {
		if !b.Read {
			return b.Ballot
		}
	}
	return ""
}

// Editable reports whether entries may still change.
func (d *boardData) Editable() bool { return !d.SignedOff && !d.S.Closed }

// Base is the board's path.
func (d *boardData) Base() string {
	return fmt.Sprintf("/audits/%s/rounds/%d/boards/%s", d.Audit, d.Round, d.S.Board.ID)
}

func (p *Pages) boardView(r *http.Request, u *office.User) (*view, *boardData, error) {
	v := &view{Title: "Audit board", User: u}
	n, err := roundNumber(r)
	if err != nil {
		return v, nil, err
	}
	s, err := p.o.BoardSheet(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"))
	if err != nil {
		return v, nil, err
	}
	d := &boardData{Audit: r.PathValue("a"), Round: n, S: s, SignedOff: s.Board.SignedOff}
	for i, acct := range s.Board.Accounts {
		m := memberState{Account: acct, Signed: slices.Contains(s.Board.SignedBy, acct), Me: acct == u.Name}
		if i < len(s.Board.Members) {
			m.Name = s.Board.Members[i]
		}
		d.SignedByMe = d.SignedByMe || (m.Me && m.Signed)
		d.Members = append(d.Members, m)
	}
	for _, b := range s.Ballots {
		if !b.Read {
			d.Unread++
		}
	}
	for _, st := range s.Statuses {
		d.Statuses = append(d.Statuses, statusOption{st, statusLabels[st]})
	}
	v.Title, v.Data = fmt.Sprintf("%s — board %s, round %d", s.AuditName, s.Board.ID, n), d
	return v, d, nil
}

func (p *Pages) boardHome(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, _, err := p.boardView(r, u)
	if err != nil {
		p.fail(w, "audit_board", v, err)
		return
	}
	p.render(w, http.StatusOK, "audit_board", v)
}

// fillBallot sets the entry screen of ballot id, its fields from the
// saved reading.
func (d *boardData) fillBallot(id string) error {
	i := slices.IndexFunc(d.S.Ballots, func(b office.BoardBallot) bool { return b.Ballot == id || slices.Contains(b.Tickets, id) })
	if i < 0 {
		return &office.Error{Status: http.StatusForbidden, Field: "ballot", Msg: fmt.Sprintf("ballot %q is not assigned to your board", id)}
	}
	d.Ballot, d.Position = &d.S.Ballots[i], i+1
	if i > 0 {
		d.Prev = d.S.Ballots[i-1].Ballot
	}
	if i+1 < len(d.S.Ballots) {
		d.Next = d.S.Ballots[i+1].Ballot
	}
	saved := map[string]audit.Reading{}
	if len(d.Ballot.Readings) > 0 {
		if err := json.Unmarshal(d.Ballot.Readings, &saved); err != nil {
			return err
		}
	}
	for ci, c := range d.S.Contests {
		rd := saved[c.Name]
		cf := contestField{Index: ci, Name: c.Name, IRV: c.Kind == audit.IRV, Allowed: c.VotesAllowed, Status: rd.Status, Comment: rd.Comment}
		for k, name := range c.Candidates {
			cand := candidateField{Index: k, Name: name}
			if at := slices.Index(rd.Choices, name); at >= 0 {
				cand.Checked, cand.Rank = true, strconv.Itoa(at+1)
			}
			cf.Candidates = append(cf.Candidates, cand)
		}
		d.Contests = append(d.Contests, cf)
	}
	return nil
}

func (p *Pages) ballotForm(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.boardView(r, u)
	if err == nil {
		err = d.fillBallot(r.PathValue("ballot"))
	}
	if err != nil {
		p.fail(w, "audit_ballot", v, err)
		return
	}
	if r.URL.Query().Has("saved") {
		v.Notice = d.savedNotice(r.URL.Query().Get("saved"))
	}
	p.render(w, http.StatusOK, "audit_ballot", v)
}

// readingsOf reads the entry form: per contest the ticked candidates
// (the ranks typed, for IRV) or a status, and a comment. A contest with
// neither is refused rather than taken as blank: a board that skipped a
// contest must not record a blank it never saw.
func readingsOf(f url.Values, d *boardData) (map[string]audit.Reading, error) {
	out := map[string]audit.Reading{}
	var firstErr error
	bad := func(field, format string, args ...any) {
		if firstErr == nil {
			firstErr = &office.Error{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf(format, args...)}
		}
	}
	for ci := range d.Contests {
		c := &d.Contests[ci]
		pre := fmt.Sprintf("c%d", ci)
		c.Status, c.Comment = f.Get(pre+"-status"), strings.TrimSpace(f.Get(pre+"-comment"))
		rd := audit.Reading{Status: c.Status, Comment: c.Comment}
		type ranked struct {
			rank int
			name string
		}
		var rs []ranked
		for k := range c.Candidates {
			cand := &c.Candidates[k]
			if c.IRV {
				cand.Rank = strings.TrimSpace(f.Get(fmt.Sprintf("%s-rank-%d", pre, k)))
				if cand.Rank == "" {
					continue
				}
				n, err := strconv.Atoi(cand.Rank)
				if err != nil || n < 1 || n > len(c.Candidates) {
					bad(fmt.Sprintf("%s-rank-%d", pre, k), "%s: the rank of %s is a number from 1 to %d, or empty if not ranked", c.Name, cand.Name, len(c.Candidates))
					continue
				}
				rs = append(rs, ranked{n, cand.Name})
			} else {
				cand.Checked = slices.Contains(f[pre], cand.Name)
				if cand.Checked {
					rd.Choices = append(rd.Choices, cand.Name)
				}
			}
		}
		for _, x := range f[pre] {
			if !slices.ContainsFunc(c.Candidates, func(cand candidateField) bool { return cand.Name == x }) {
				bad(pre, "%s: %q is not a candidate of the contest", c.Name, x)
			}
		}
		if c.IRV {
			sort.Slice(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
			for i, x := range rs {
				if i > 0 && rs[i-1].rank == x.rank {
					bad(pre+"-rank-0", "%s: %s and %s both have rank %d; the reading records one candidate per rank — if the paper really ranks two candidates equally, choose “Disagreement” or describe it in the comment", c.Name, rs[i-1].name, x.name, x.rank)
				}
				rd.Choices = append(rd.Choices, x.name)
			}
		}
		switch {
		case rd.Status != "" && len(rd.Choices) > 0:
			bad(pre+"-status", "%s: the marks are entered and %q is chosen; clear one of them", c.Name, statusLabels[rd.Status])
		case rd.Status == "" && len(rd.Choices) == 0:
			bad(pre+"-status", "%s: enter the marked choices, or choose what the paper shows (Blank if the contest has no mark)", c.Name)
		}
		out[c.Name] = rd
	}
	return out, firstErr
}

func (p *Pages) saveBallot(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.boardView(r, u)
	if err == nil {
		err = d.fillBallot(r.PathValue("ballot"))
	}
	if err != nil {
		p.fail(w, "audit_ballot", v, err)
		return
	}
	if err = p.parseForm(w, r); err == nil {
		var rd map[string]audit.Reading
		rd, err = readingsOf(r.PostForm, d)
		d.Reason = r.PostForm.Get("reason")
		if err == nil {
			err = p.o.PutReading(r.Context(), u, d.Audit, d.Round, d.Ballot.Ballot, rd, strings.TrimSpace(d.Reason))
		}
	}
	if err != nil {
		p.fail(w, "audit_ballot", v, err)
		return
	}
	// Next: the first ballot after this one without a reading, else the
	// first before it, else the review.
	next := ""
	for k := 1; k < len(d.S.Ballots); k++ {
		b := d.S.Ballots[(d.Position-1+k)%len(d.S.Ballots)]
		if !b.Read {
			next = b.Ballot
			break
		}
	}
	if next == "" || r.PostForm.Get("then") == "review" {
		http.Redirect(w, r, d.Base()+"/review?saved="+url.QueryEscape(d.Ballot.Ballot), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, d.Base()+"/ballots/"+url.PathEscape(next)+"?saved="+url.QueryEscape(d.Ballot.Ballot), http.StatusSeeOther)
}

// describe renders a saved reading for the review.
func describe(c office.BoardContest, rd audit.Reading) string {
	var s string
	switch {
	case rd.Status != "":
		s = statusLabels[rd.Status]
		if s == "" {
			s = rd.Status
		}
	case c.Kind == audit.IRV:
		parts := make([]string, len(rd.Choices))
		for i, ch := range rd.Choices {
			parts[i] = fmt.Sprintf("%d. %s", i+1, ch)
		}
		s = strings.Join(parts, ", ")
	default:
		s = strings.Join(rd.Choices, ", ")
	}
	if rd.Comment != "" {
		s += " — “" + rd.Comment + "”"
	}
	return c.Name + ": " + s
}

func (p *Pages) reviewView(r *http.Request, u *office.User) (*view, *boardData, error) {
	v, d, err := p.boardView(r, u)
	if err != nil {
		return v, d, err
	}
	for i, b := range d.S.Ballots {
		e := entryRow{N: i + 1, B: b}
		if b.Read {
			var saved map[string]audit.Reading
			if err := json.Unmarshal(b.Readings, &saved); err != nil {
				return v, d, err
			}
			for _, c := range d.S.Contests {
				e.Readings = append(e.Readings, describe(c, saved[c.Name]))
			}
		}
		d.Entries = append(d.Entries, e)
	}
	v.Title = "Review — " + v.Title
	return v, d, nil
}

func (p *Pages) review(w http.ResponseWriter, r *http.Request, u *office.User) {
	v, d, err := p.reviewView(r, u)
	if err != nil {
		p.fail(w, "audit_review", v, err)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Has("saved"):
		v.Notice = d.savedNotice(q.Get("saved")) + " Check every entry below, then sign off."
	case q.Has("signed"):
		v.Notice = "You have signed off."
	}
	p.render(w, http.StatusOK, "audit_review", v)
}

func (p *Pages) signOff(w http.ResponseWriter, r *http.Request, u *office.User) {
	n, err := roundNumber(r)
	if err == nil {
		_, err = p.o.SignOff(r.Context(), u, r.PathValue("a"), n, r.PathValue("b"))
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/audits/%s/rounds/%d/boards/%s/review?signed=1", r.PathValue("a"), n, r.PathValue("b")), http.StatusSeeOther)
		return
	}
	v, _, verr := p.reviewView(r, u)
	if verr != nil {
		err = verr
	}
	p.fail(w, "audit_review", v, err)
}
