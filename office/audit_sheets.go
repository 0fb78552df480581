package office

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/pullsheet"
	"golang.org/x/mod/sumdb/note"
)

// Retrieval lists, printable pull sheets and the observer excerpt
// (docs/audit.md, "Pull sheets and the observer excerpt"). None of them
// changes anything: they are views of a drawn round, so they are not
// logged.

// RetrievalBallot is one line of a jurisdiction's retrieval list.
type RetrievalBallot struct {
	Container string `json:"container"`
	Tabulator string `json:"tabulator"`
	Batch     string `json:"batch"`
	Position  int    `json:"ballot_position"`
	// Tickets are this round's tickets of the ballot; TimesSampled counts
	// its draws in every round so far (the sample's times_sampled of its
	// last ticket).
	Tickets      []string `json:"ticket_numbers"`
	TimesSampled int      `json:"times_sampled"`
	// AlreadyAudited marks a ballot drawn in an earlier round: its
	// reading is kept and it is not pulled again.
	AlreadyAudited bool `json:"already_audited"`
	// Board is the audit board the ballot is assigned to, once boards
	// exist.
	Board string `json:"audit_board"`
}

// RetrievalList is jurisdiction j's retrieval list of one round, in
// storage order (container, tabulator, batch, position).
type RetrievalList struct {
	Audit        string            `json:"audit"`
	AuditName    string            `json:"audit_name"`
	Round        int               `json:"round"`
	Jurisdiction string            `json:"jurisdiction"`
	Ballots      []RetrievalBallot `json:"ballots"`
	// Signers are the members of the jurisdiction's boards of the round.
	Signers []string `json:"signers"`
}

// retrievalAllowed checks that u may read jurisdiction j's retrieval
// lists of round n: audit-admins and observers covering the
// jurisdiction, and members of one of its audit boards of that round.
func (o *Office) retrievalAllowed(ctx context.Context, u *User, a *Audit, j string, n int) error {
	where := countyOf(a, j)
	if Allowed(u, ActReadRetrieval, where) {
		return nil
	}
	if Allowed(u, ActReadOwnRetrieval, where) {
		if b, err := o.boardOf(ctx, u, a.ID); err == nil && b.Jurisdiction == j && b.Round == n {
			return nil
		}
		return forbidden("you may read the retrieval list of your own board's jurisdiction and round only")
	}
	return forbidden("your roles or jurisdiction (%s) do not allow reading retrieval lists of %s", u.Jurisdiction, j)
}

// Retrieval returns jurisdiction j's retrieval list of round n of audit
// id: each distinct ballot the round drew there once, with its tickets,
// sorted as rla/draw.RetrievalLists sorts them.
func (o *Office) Retrieval(ctx context.Context, u *User, id string, n int, j string) (*RetrievalList, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := o.retrievalAllowed(ctx, u, a, j, n); err != nil {
		return nil, err
	}
	if !hasJurisdiction(def, j) {
		return nil, notFound("jurisdiction", "audit %s has no jurisdiction %q", id, j)
	}
	if def.Type == audit.BatchComparison {
		return nil, badRequest("round", "a batch-comparison round draws batches, not ballots: it has no ballot retrieval list")
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return nil, err
	}
	asg, err := o.assignStatic(ctx, a, n, rd)
	if err != nil {
		return nil, err
	}
	return o.retrievalList(ctx, a, def, rd, asg, j)
}

// retrievalList builds j's list from a loaded round and its assignment.
func (o *Office) retrievalList(ctx context.Context, a *Audit, def *audit.Definition, rd *audit.Round, asg *roundAssignment, j string) (*RetrievalList, error) {
	out := &RetrievalList{Audit: a.ID, AuditName: def.Name, Round: rd.Number, Jurisdiction: j, Ballots: []RetrievalBallot{}, Signers: []string{}}
	for _, b := range retrievalOf(rd)[j] {
		rb := b
		if r, ok := asg.byID[b.Tickets[0]]; ok {
			rb.Board = r.board
		} else {
			// assignments leaves out exactly the ballots of earlier rounds.
			rb.AlreadyAudited = true
		}
		out.Ballots = append(out.Ballots, rb)
	}
	var boards []AuditBoard
	if err := listJSON(ctx, o.st, kindAuditBoard, a.ID, &boards); err != nil {
		return nil, err
	}
	for _, b := range boards {
		if b.Jurisdiction == j && b.Round == rd.Number {
			out.Signers = append(out.Signers, b.Members...)
		}
	}
	return out, nil
}

// retrievals caches each parsed round's lists per jurisdiction, without
// boards: every county fetching its list would otherwise sort the whole
// round again.
var retrievals sync.Map // *audit.Round → map[string][]RetrievalBallot

// retrievalOf returns rd's ballots per jurisdiction in Round.Retrieval's
// order, with their times sampled. The result is shared: copy before
// changing.
func retrievalOf(rd *audit.Round) map[string][]RetrievalBallot {
	if v, ok := retrievals.Load(rd); ok {
		return v.(map[string][]RetrievalBallot)
	}
	times := map[audit.BallotKey]int{}
	for i := range rd.Ballots {
		k := rd.Ballots[i].Key()
		times[k] = max(times[k], rd.Ballots[i].TimesSampled)
	}
	out := map[string][]RetrievalBallot{}
	for _, l := range rd.Retrieval() {
		list := make([]RetrievalBallot, 0, len(l.Ballots))
		for _, b := range l.Ballots {
			list = append(list, RetrievalBallot{Container: b.Container, Tabulator: b.Tabulator, Batch: b.Batch, Position: b.Position, Tickets: b.Tickets,
				TimesSampled: times[audit.BallotKey{Jurisdiction: l.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Batch, Position: b.Position}]})
		}
		out[l.Jurisdiction] = list
	}
	v, _ := retrievals.LoadOrStore(rd, out)
	return v.(map[string][]RetrievalBallot)
}

// RetrievalColumns are the columns of a retrieval list CSV.
var RetrievalColumns = []string{"jurisdiction", "container", "tabulator", "batch", "ballot_position", "ticket_numbers", "times_sampled", "already_audited", "audit_board"}

// WriteCSV writes the list as CSV: RetrievalColumns, one row per ballot,
// ticket numbers separated by spaces.
func (l *RetrievalList) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(RetrievalColumns)
	for _, b := range l.Ballots {
		cw.Write([]string{l.Jurisdiction, b.Container, b.Tabulator, b.Batch, strconv.Itoa(b.Position), strings.Join(b.Tickets, " "),
			strconv.Itoa(b.TimesSampled), strconv.FormatBool(b.AlreadyAudited), b.Board})
	}
	cw.Flush()
	return cw.Error()
}

// WritePDF writes the list as a printable pull sheet (package pullsheet).
func (l *RetrievalList) WritePDF(w io.Writer) error {
	s := &pullsheet.Sheet{Audit: fmt.Sprintf("%s (%s)", l.AuditName, l.Audit), Jurisdiction: l.Jurisdiction, Round: l.Round, Signers: l.Signers}
	pull := 0
	for _, b := range l.Ballots {
		s.Ballots = append(s.Ballots, pullsheet.Ballot{Container: b.Container, Tabulator: b.Tabulator, Batch: b.Batch, Position: b.Position,
			Tickets: b.Tickets, Board: b.Board, AlreadyAudited: b.AlreadyAudited})
		if !b.AlreadyAudited {
			pull++
		}
	}
	s.Note = fmt.Sprintf("%d ballots to pull, sorted by container, tabulator, batch and position. Tick each box as the ballot is pulled.", pull)
	return pullsheet.Write(w, s)
}

// ExcerptColumns are the columns of the observer excerpt: the sample's
// columns (canvass rla sample's), then where the ballot is stored, its
// CVR and, per contest of its jurisdiction, what the CVR records.
var ExcerptColumns = []string{"ticket_number", "jurisdiction", "tabulator", "batch", "ballot_position", "times_sampled", "container", "cvr", "contest", "cvr_reading"}

// WriteObserverExcerpt writes round n's observer excerpt: the round's
// sample joined with the CVRs of the sampled ballots, one row per draw
// and contest, in ticket order. Observers and audit-admins only, never a
// member of an audit board (the boards read blind), and only once a
// published checkpoint covers both the CVR uploads and the round's draw.
func (o *Office) WriteObserverExcerpt(ctx context.Context, u *User, id string, n int, w io.Writer) error {
	a, def, err := o.auditFor(ctx, u, id, "", ActReadExcerpt)
	if err != nil {
		return err
	}
	// A board account has only its role, but a person given both roles,
	// or any member of this audit's boards, is refused all the same.
	if u.HasRole(RoleAuditBoard) {
		return forbidden("audit boards read blind: the excerpt shows CVRs and is never given to a board member")
	}
	if _, err := o.boardOf(ctx, u, id); err == nil {
		return forbidden("audit boards read blind: the excerpt shows CVRs and is never given to a board member")
	}
	if def.Type != audit.BallotComparison {
		return badRequest("round", "a %s audit has no CVRs to join with its sample", def.Type)
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return err
	}
	if err := o.roundCommitted(ctx, a, n); err != nil {
		return err
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(ExcerptColumns)
	for i := range rd.Ballots {
		b := &rd.Ballots[i]
		cs, err := prep.CVRReadings(b.Key())
		if err != nil {
			return auditError(err)
		}
		cvr := b.CVR
		if b.Phantom {
			cvr = "phantom"
		}
		for _, c := range cs {
			cw.Write([]string{b.Ticket, b.Jurisdiction, b.Tabulator, b.Batch, strconv.Itoa(b.Position), strconv.Itoa(b.TimesSampled),
				b.Container, cvr, c.Contest, c.Reading})
		}
	}
	cw.Flush()
	return cw.Error()
}

// committedRounds remembers rounds found under a published checkpoint:
// a checkpoint never shrinks, so the answer cannot change.
var committedRounds sync.Map // of committedKey

type committedKey struct {
	o  *Office
	id string
	n  int
}

// roundCommitted checks that the published checkpoint covers every
// upload of a (its CVRs) and the event that drew round n: only then is
// the join of the two public, since neither can change any more without
// every verifier noticing.
func (o *Office) roundCommitted(ctx context.Context, a *Audit, n int) error {
	k := committedKey{o, a.ID, n}
	if _, ok := committedRounds.Load(k); ok {
		return nil
	}
	msg, err := o.LogFetcher().Fetch(ctx, "checkpoint")
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(o.VKey())
	if err != nil {
		return err
	}
	cp, err := ledger.OpenCheckpoint(msg, v)
	if err != nil {
		return err
	}
	if int64(cp.Size) <= a.LastUpload {
		return conflict("round", "the published checkpoint (size %d) does not yet cover the last upload (log entry %d)", cp.Size, a.LastUpload)
	}
	errFound := errors.New("found")
	err = readEntries(ctx, o.LogDir(), o.origin, uint64(a.LastUpload)+1, cp.Size, func(e ledger.Event) error {
		if e.Type == "audit-round-drawn" && e.Payload["audit"] == a.ID && e.Payload["round"] == int64(n) {
			return errFound
		}
		return nil
	})
	if err == nil {
		return conflict("round", "the published checkpoint (size %d) does not yet cover the draw of round %d; wait for the witnesses to cosign it", cp.Size, n)
	}
	if !errors.Is(err, errFound) {
		return err
	}
	committedRounds.Store(k, true)
	return nil
}
