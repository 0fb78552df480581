package office

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
	"github.com/canvass/canvass/store"
	"golang.org/x/mod/sumdb/note"
)

// Audits in the office: the workflow around package audit. Every step is
// validated against the store, logged, then applied by projectAudit; the
// large documents (a round's draw, a round's result) are stored in the
// file store and the log commits to them. The seed and the reopening of a
// signed-off board are two-person requests. docs/audits-in-the-office.md
// describes the workflow.

// AuditContest is one contest of an audit as the API takes it.
type AuditContest struct {
	Name          string   `json:"name"`
	Targeted      bool     `json:"targeted"`
	Jurisdictions []string `json:"jurisdictions"`
	// Kind defaults to plurality.
	Kind         string     `json:"kind,omitempty"`
	Winners      int        `json:"winners,omitempty"`
	VotesAllowed int        `json:"votes_allowed,omitempty"`
	Reported     rla.Counts `json:"reported,omitempty"`
}

// AuditSetup is the body of POST /api/v1/audits.
type AuditSetup struct {
	Name      string         `json:"name"`
	Election  string         `json:"election"`
	Type      string         `json:"type"`
	Math      string         `json:"math"`
	RiskLimit float64        `json:"risk_limit"`
	Sampler   string         `json:"sampler"`
	Contests  []AuditContest `json:"contests"`
	// Jurisdictions, optional, give the jurisdictions' order and
	// ColoradoRLA county ids; by default every contest's jurisdictions in
	// order of first mention.
	Jurisdictions      []audit.JurisdictionConfig `json:"jurisdictions,omitempty"`
	Statuses           []string                   `json:"statuses,omitempty"`
	WithoutReplacement bool                       `json:"without_replacement,omitempty"`
}

// Definition turns the setup into an audit definition and validates it.
func (s *AuditSetup) Definition() (*audit.Definition, error) {
	d := &audit.Definition{Name: s.Name, Type: s.Type, Math: s.Math, RiskLimit: s.RiskLimit, Sampler: s.Sampler,
		WithoutReplacement: s.WithoutReplacement, Statuses: s.Statuses, Jurisdictions: s.Jurisdictions}
	seen := map[string]bool{}
	for _, c := range s.Contests {
		kind := c.Kind
		if kind == "" {
			kind = audit.Plurality
		}
		d.Contests = append(d.Contests, audit.ContestDefinition{Name: c.Name, Targeted: c.Targeted, Jurisdictions: c.Jurisdictions,
			Kind: kind, Winners: c.Winners, VotesAllowed: c.VotesAllowed, Reported: c.Reported})
		if len(s.Jurisdictions) == 0 {
			for _, j := range c.Jurisdictions {
				if !seen[j] {
					seen[j] = true
					d.Jurisdictions = append(d.Jurisdictions, audit.JurisdictionConfig{Name: j})
				}
			}
		}
	}
	for i, j := range d.Jurisdictions {
		if j.Name == "" || len(j.Name) > 64 || strings.ContainsAny(j.Name, "/\\") || !utf8.ValidString(j.Name) {
			return nil, &audit.FieldError{Field: fmt.Sprintf("jurisdictions[%d]", i), Msg: "a jurisdiction name is 1 to 64 bytes without '/' or '\\'"}
		}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return audit.DecodeDefinition(raw)
}

// AuditView is an audit as the API shows it.
type AuditView struct {
	Audit
	Uploads []AuditUpload `json:"uploads"`
	Boards  []AuditBoard  `json:"boards"`
	// Progress per jurisdiction of the current round.
	Progress []JurisdictionProgress `json:"progress,omitempty"`
	// Decisions are the two-person decisions taken (audit_undo.go).
	Decisions []audit.Decision `json:"decisions,omitempty"`
}

// JurisdictionProgress is a jurisdiction's state in the current round.
type JurisdictionProgress struct {
	Jurisdiction string `json:"jurisdiction"`
	Ballots      int    `json:"ballots"`
	Read         int    `json:"read"`
	Boards       int    `json:"boards"`
	SignedOff    int    `json:"signed_off"`
}

func auditError(err error) error {
	var fe *audit.FieldError
	if errors.As(err, &fe) {
		return badRequest(fe.Field, "%s", fe.Msg)
	}
	var ie audit.InputErrors
	if errors.As(err, &ie) {
		return errf(http.StatusUnprocessableEntity, "file", "%v", err)
	}
	if errors.Is(err, audit.ErrInvalid) || errors.Is(err, audit.ErrSeed) || errors.Is(err, audit.ErrTie) {
		return errf(http.StatusUnprocessableEntity, "", "%v", err)
	}
	return err
}

// CreateAudit sets up an audit of election s.Election.
func (o *Office) CreateAudit(ctx context.Context, u *User, s *AuditSetup) (*AuditView, error) {
	if !Allowed(u, ActCreateAudit, u.Jurisdiction) {
		return nil, forbidden("your roles do not allow creating audits")
	}
	el, err := o.electionFor(ctx, u, s.Election, ActCreateAudit)
	if err != nil {
		return nil, err
	}
	def, err := s.Definition()
	if err != nil {
		return nil, auditError(err)
	}
	// The definition holds a fraction (the risk limit), which canonical
	// JSON refuses; encoding/json's encoding of the struct is fixed.
	canon, err := json.Marshal(def)
	if err != nil {
		return nil, err
	}
	id := newID("a-")
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-created", UserID: u.Name, Payload: map[string]any{
		"audit": id, "election": el.ID, "jurisdiction": el.Jurisdiction, "definition": string(canon)}}); err != nil {
		return nil, err
	}
	return o.auditView(ctx, id)
}

func (o *Office) audit(ctx context.Context, id string) (*Audit, *audit.Definition, error) {
	var a Audit
	if err := getJSON(ctx, o.st, kindAudit, id, &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, notFound("audit", "no audit %q", id)
		}
		return nil, nil, err
	}
	var def audit.Definition
	if err := json.Unmarshal([]byte(a.Definition), &def); err != nil {
		return nil, nil, err
	}
	return &a, &def, nil
}

// auditFor loads audit id and checks that u may do act on it (in the
// audit's jurisdiction, or in audit jurisdiction j's county when j is set).
func (o *Office) auditFor(ctx context.Context, u *User, id, j string, act Action) (*Audit, *audit.Definition, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	where := a.Jurisdiction
	if j != "" {
		where = countyOf(a, j)
	}
	if !Allowed(u, act, where) {
		return nil, nil, forbidden("your roles or jurisdiction (%s) do not allow %s on audit %s", u.Jurisdiction, act, id)
	}
	return a, def, nil
}

// countyOf is the office jurisdiction of audit jurisdiction j: the
// audit's jurisdiction's child named j when that is a valid
// jurisdiction, else the audit's.
func countyOf(a *Audit, j string) string {
	if c := a.Jurisdiction + "/" + j; validJurisdiction(c) {
		return c
	}
	return a.Jurisdiction
}

func hasJurisdiction(def *audit.Definition, j string) bool {
	return slices.ContainsFunc(def.Jurisdictions, func(c audit.JurisdictionConfig) bool { return c.Name == j })
}

// AuditStatus returns an audit with its uploads, boards and the current
// round's progress.
func (o *Office) AuditStatus(ctx context.Context, u *User, id string) (*AuditView, error) {
	if _, _, err := o.auditFor(ctx, u, id, "", ActReadAudits); err != nil {
		return nil, err
	}
	return o.auditView(ctx, id)
}

func (o *Office) auditView(ctx context.Context, id string) (*AuditView, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &AuditView{Audit: *a, Uploads: []AuditUpload{}, Boards: []AuditBoard{}}
	if err := listJSON(ctx, o.st, kindAuditUpload, id, &v.Uploads); err != nil {
		return nil, err
	}
	if err := listJSON(ctx, o.st, kindAuditBoard, id, &v.Boards); err != nil {
		return nil, err
	}
	if err := o.viewDecisions(ctx, v, def); err != nil {
		return nil, err
	}
	if a.Rounds > 0 && def.Type != audit.BatchComparison {
		rd, err := o.loadRound(ctx, a, a.Rounds)
		if err != nil {
			return nil, err
		}
		asg, err := o.assignments(ctx, a, a.Rounds, rd)
		if err != nil {
			return nil, err
		}
		for _, j := range def.Jurisdictions {
			p := JurisdictionProgress{Jurisdiction: j.Name}
			for _, b := range asg.ballots[j.Name] {
				p.Ballots++
				if asg.read[b.key] {
					p.Read++
				}
			}
			for _, b := range v.Boards {
				if b.Jurisdiction == j.Name && b.Round == a.Rounds {
					p.Boards++
					if b.SignedOff {
						p.SignedOff++
					}
				}
			}
			v.Progress = append(v.Progress, p)
		}
	}
	return v, nil
}

func listJSON[T any](ctx context.Context, r reader, kind, parent string, out *[]T) error {
	recs, err := r.List(ctx, kind, parent)
	if err != nil {
		return err
	}
	for _, rc := range recs {
		var v T
		if err := json.Unmarshal(rc.Data, &v); err != nil {
			return err
		}
		*out = append(*out, v)
	}
	return nil
}

// UploadValidation is what an audit upload's validation found.
type UploadValidation struct {
	Jurisdiction string  `json:"jurisdiction"`
	Kind         string  `json:"kind"`
	Format       string  `json:"format"`
	File         FileRef `json:"file"`
	// Summary counts the jurisdiction's batches, ballots, CVRs and
	// phantoms (manifest ballots without a CVR) with what it has uploaded
	// so far.
	Summary audit.JurisdictionSummary `json:"summary"`
	// Complete is set when the jurisdiction has uploaded everything the
	// audit type needs.
	Complete bool `json:"complete"`
}

// UploadAuditFile stores a jurisdiction's manifest (kind "manifest",
// format arlo or colorado) or CVR export (kind "cvrs", a canvass tabulate
// format) and logs it, after validating it alone and against the
// jurisdiction's other upload. A file with errors is refused with every
// error (422) and changes nothing.
func (o *Office) UploadAuditFile(ctx context.Context, u *User, id, j, kind, format, name string, body io.Reader) (*UploadValidation, error) {
	a, def, err := o.auditFor(ctx, u, id, j, ActAuditUpload)
	if err != nil {
		return nil, err
	}
	if !hasJurisdiction(def, j) {
		return nil, notFound("jurisdiction", "audit %s has no jurisdiction %q", id, j)
	}
	switch kind {
	case "manifest":
		want := "arlo"
		if def.Sampler == audit.SamplerCorla {
			want = "colorado"
		}
		if format != want {
			return nil, badRequest("format", "this audit's sampler (%s) reads manifests in format %q", def.Sampler, want)
		}
	case "batch-tallies":
		if err := batchTalliesKind(def, format); err != nil {
			return nil, err
		}
	case "cvrs":
		if def.Type != audit.BallotComparison {
			return nil, badRequest("kind", "a %s audit takes no CVRs", def.Type)
		}
		if _, err := cvr.Lookup(format); err != nil {
			return nil, badRequest("format", "unknown CVR format %q; formats are %s", format, strings.Join(cvr.Formats(), ", "))
		}
	default:
		return nil, notFound("kind", "upload a manifest, cvrs or batch-tallies")
	}
	if !validFileName(name) || strings.Contains(name, "/") {
		name = kind + ".csv"
	}
	if a.Seed != "" {
		return nil, conflict("file", "the seed of audit %s is entered; its records can no longer change", id)
	}
	ref, err := o.blobs.Put(body, o.limits.Upload)
	if err != nil {
		return nil, errf(http.StatusRequestEntityTooLarge, "file", "reading the upload: %v", err)
	}
	f := FileRef{Name: name, SHA256: ref.SHA256, Size: ref.Size}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if a, _, err = o.audit(ctx, id); err != nil {
		return nil, err
	} else if a.Seed != "" {
		return nil, conflict("file", "the seed of audit %s is entered; its records can no longer change", id)
	}
	uploads, err := o.auditUploads(ctx, id)
	if err != nil {
		return nil, err
	}
	uploads[j+"/"+kind] = AuditUpload{Audit: id, Jurisdiction: j, Kind: kind, Format: format, File: f}
	// Validate the jurisdiction alone: its contests, only it.
	sub := *def
	sub.Jurisdictions = nil
	for _, c := range def.Jurisdictions {
		if c.Name == j {
			sub.Jurisdictions = append(sub.Jurisdictions, c)
		}
	}
	sub.Contests = nil
	for _, c := range def.Contests {
		if slices.Contains(c.Jurisdictions, j) {
			c.Jurisdictions = []string{j}
			if def.Type != audit.BatchComparison {
				c.Reported = nil
			}
			sub.Contests = append(sub.Contests, c)
		}
	}
	in, complete, err := o.auditInputs(&sub, uploads)
	if err != nil {
		return nil, err
	}
	if m := in.Jurisdictions[0].Colorado; m != nil {
		// Without CVRs yet the county is not prepared below; a manifest
		// of another county's rows is still refused now, not at the draw.
		if errs := audit.CheckColorado(sub.Jurisdictions[0], m); len(errs) > 0 {
			return nil, auditError(errs)
		}
	}
	v := &UploadValidation{Jurisdiction: j, Kind: kind, Format: format, File: f, Complete: complete}
	if m := in.Jurisdictions[0].Manifest; m != nil {
		v.Summary.Batches, v.Summary.Ballots = len(m.Batches), m.Ballots()
	} else if m := in.Jurisdictions[0].Colorado; m != nil {
		v.Summary.Batches, v.Summary.Ballots = len(m.Batches), m.Ballots()
		v.Summary.CountyID = sub.Jurisdictions[0].CountyID
	}
	if complete && def.Type == audit.BallotComparison {
		prep, err := audit.Prepare(&sub, in)
		if err != nil {
			return nil, auditError(err)
		}
		if rep, err := prep.Report(nil, nil); err == nil && len(rep.Settings.Jurisdictions) == 1 {
			v.Summary = rep.Settings.Jurisdictions[0]
		}
	} else if complete && def.Type == audit.BatchComparison {
		if err := checkBatchUpload(&sub, in); err != nil {
			return nil, err
		}
	} else if kind == "cvrs" {
		v.Summary.CVRs = len(in.Jurisdictions[0].CVRs)
	}
	v.Summary.Name = j
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-upload", UserID: u.Name, Payload: map[string]any{
		"audit": id, "jurisdiction": j, "kind": kind, "format": format, "file": fileVal(f)}}); err != nil {
		return nil, err
	}
	return v, nil
}

func (o *Office) auditUploads(ctx context.Context, id string) (map[string]AuditUpload, error) {
	var list []AuditUpload
	if err := listJSON(ctx, o.st, kindAuditUpload, id, &list); err != nil {
		return nil, err
	}
	m := map[string]AuditUpload{}
	for _, u := range list {
		m[u.Jurisdiction+"/"+u.Kind] = u
	}
	return m, nil
}

// auditInputs reads the uploads of def's jurisdictions. complete reports
// whether every jurisdiction has what def's type needs; a file that does
// not parse is a 422 naming it.
func (o *Office) auditInputs(def *audit.Definition, uploads map[string]AuditUpload) (in *audit.Inputs, complete bool, err error) {
	in = &audit.Inputs{}
	complete = true
	if def.Type == audit.BallotComparison {
		in.Election = &election.Election{}
	}
	for _, jc := range def.Jurisdictions {
		ji := audit.JurisdictionInput{Name: jc.Name}
		m, ok := uploads[jc.Name+"/manifest"]
		if !ok {
			complete = false
		} else {
			data, err := o.blobs.ReadAll(m.File.SHA256)
			if err != nil {
				return nil, false, err
			}
			path := jc.Name + "/" + m.File.Name
			if m.Format == "colorado" {
				ji.Colorado, err = manifest.ReadColorado(path, bytes.NewReader(data))
			} else {
				ji.Manifest, err = manifest.ReadArlo(path, bytes.NewReader(data))
			}
			if err != nil {
				return nil, false, &Error{Status: http.StatusUnprocessableEntity, Field: "file", Msg: err.Error()}
			}
		}
		if def.Type == audit.BallotComparison {
			c, ok := uploads[jc.Name+"/cvrs"]
			if !ok {
				complete = false
			} else {
				read, err := cvr.Lookup(c.Format)
				if err != nil {
					return nil, false, err
				}
				src := cvr.Source{FS: newUploadFS(o.blobs, []FileRef{c.File}, nil), Path: c.File.Name}
				err = read(src, in.Election, func(r *election.CVR) error {
					ji.CVRs = append(ji.CVRs, cloneCVR(r))
					return nil
				})
				if err != nil {
					return nil, false, &Error{Status: http.StatusUnprocessableEntity, Field: "file", Msg: jc.Name + ": " + err.Error()}
				}
			}
		}
		if def.Type == audit.BatchComparison {
			ok, err := o.readTallies(def, &ji, uploads)
			if err != nil {
				return nil, false, err
			}
			complete = complete && ok
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	return in, complete, nil
}

func cloneCVR(r *election.CVR) election.CVR {
	c := *r
	c.Contests = make([]election.ContestMarks, len(r.Contests))
	for i, m := range r.Contests {
		c.Contests[i] = election.ContestMarks{Contest: m.Contest, Marks: slices.Clone(m.Marks)}
	}
	return c
}

// prepared caches prepared audits by office, audit and last upload: the
// inputs cannot change without a new upload event.
var prepared sync.Map

type preparedKey struct {
	o    *Office
	id   string
	last int64
}

// prepare loads and prepares an audit's inputs; every jurisdiction must
// have uploaded what the type needs.
func (o *Office) prepare(ctx context.Context, a *Audit, def *audit.Definition) (*audit.Audit, error) {
	k := preparedKey{o, a.ID, a.LastUpload}
	if v, ok := prepared.Load(k); ok {
		return v.(*audit.Audit), nil
	}
	uploads, err := o.auditUploads(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	in, complete, err := o.auditInputs(def, uploads)
	if err != nil {
		return nil, err
	}
	if !complete {
		var missing []string
		for _, j := range def.Jurisdictions {
			if _, ok := uploads[j.Name+"/manifest"]; !ok {
				missing = append(missing, j.Name+" manifest")
			}
			if _, ok := uploads[j.Name+"/cvrs"]; !ok && def.Type == audit.BallotComparison {
				missing = append(missing, j.Name+" CVRs")
			}
			if _, ok := uploads[j.Name+"/batch-tallies"]; !ok && def.Type == audit.BatchComparison {
				missing = append(missing, j.Name+" batch tallies")
			}
		}
		return nil, conflict("uploads", "not every record of the audit is uploaded and committed: missing %s", strings.Join(missing, ", "))
	}
	prep, err := audit.Prepare(def, in)
	if err != nil {
		return nil, auditError(err)
	}
	prepared.Store(k, prep)
	return prep, nil
}

// committed checks that the published checkpoint covers every upload of
// a: the log then proves the records were fixed before the seed. The log
// publishes a checkpoint only once its witness policy's quorum has
// cosigned it (package ledger), so with a policy this is the quorum.
func (o *Office) committed(ctx context.Context, a *Audit) error {
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
		return conflict("seed", "the published checkpoint (size %d) does not yet cover the last upload (log entry %d); wait for the witnesses to cosign it", cp.Size, a.LastUpload)
	}
	return nil
}

// RequestSeed asks for the public seed: a two-person request, refused
// before every manifest and CVR upload is committed and published.
func (o *Office) RequestSeed(ctx context.Context, u *User, id, seed string, rolledBy, witnesses []string) (*RequestView, error) {
	a, def, err := o.auditFor(ctx, u, id, "", ActRequestSeed)
	if err != nil {
		return nil, err
	}
	if len(seed) < 20 || len(seed) > 100 || strings.Trim(seed, "0123456789") != "" {
		return nil, badRequest("seed", "the seed is the dice roll: 20 to 100 decimal digits")
	}
	if err := validNames("rolled_by", rolledBy, 1); err != nil {
		return nil, err
	}
	if err := validNames("witnesses", witnesses, 0); err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if err := o.seedAllowed(ctx, a, def); err != nil {
		var oe *Error
		if !errors.As(err, &oe) || oe.Field != "seed" || a.Seed != "" {
			return nil, err
		}
		// The checkpoint lags the last upload: the witnesses were
		// unreachable when it was logged, and nothing has been committed
		// since. Publish again (the lock is released meanwhile), then
		// check everything again.
		perr := o.republish(ctx)
		if a, def, err = o.audit(ctx, id); err != nil {
			return nil, err
		}
		if err := o.seedAllowed(ctx, a, def); err != nil {
			if perr != nil && errors.As(err, &oe) && oe.Field == "seed" && a.Seed == "" {
				return nil, conflict("seed", "%s: %v", oe.Msg, perr)
			}
			return nil, err
		}
	}
	return o.newRequest(ctx, u, KindAuditSeed, a.Jurisdiction, seedAction{Audit: id, Seed: seed,
		RolledBy: slices.Clone(rolledBy), Witnesses: append([]string{}, witnesses...)})
}

func (o *Office) seedAllowed(ctx context.Context, a *Audit, def *audit.Definition) error {
	if a.Seed != "" {
		return conflict("seed", "audit %s already has its seed (request %s); a second seed is refused", a.ID, a.SeedRequest)
	}
	if _, err := o.prepare(ctx, a, def); err != nil {
		return err
	}
	return o.committed(ctx, a)
}

func validNames(field string, names []string, min int) error {
	if len(names) < min || len(names) > 50 {
		return badRequest(field, "give %d to 50 names", min)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" || len(n) > 200 || !utf8.ValidString(n) {
			return badRequest(field, "each name is 1 to 200 bytes of UTF-8")
		}
	}
	return nil
}

// checkAuditRequest re-checks an audit request when its second signature
// arrives: the state may have changed since it was made.
func (o *Office) checkAuditRequest(ctx context.Context, q *Request) error {
	switch q.Kind {
	case KindAuditSeed:
		var s seedAction
		if err := json.Unmarshal([]byte(q.Action), &s); err != nil {
			return err
		}
		a, def, err := o.audit(ctx, s.Audit)
		if err != nil {
			return err
		}
		if err := o.seedAllowed(ctx, a, def); err != nil {
			return err
		}
		// The seed was public from the moment it was requested: a record
		// uploaded since could have been tailored to it.
		uploads, err := o.auditUploads(ctx, s.Audit)
		if err != nil {
			return err
		}
		for _, up := range uploads {
			if up.Index > q.Sequence {
				return conflict("seed", "%s's %s of audit %s was uploaded after this seed was requested, when the seed was already public; roll the dice again and request the new seed", up.Jurisdiction, up.Kind, s.Audit)
			}
		}
		return nil
	case KindAuditReopen:
		var x reopenAction
		if err := json.Unmarshal([]byte(q.Action), &x); err != nil {
			return err
		}
		a, _, err := o.audit(ctx, x.Audit)
		if err != nil {
			return err
		}
		if a.Closed >= x.Round {
			return conflict("round", "round %d is closed", x.Round)
		}
	case KindAuditUnfinalize, KindAuditUndoRound, KindAuditFullHandCount:
		return o.checkAuditDecisionRequest(ctx, q)
	}
	return nil
}

// SampleSize chooses a round's size: Draws, or Key, one of the first
// round's options (asn, 0.7, 0.8, 0.9, size) or "next" (the size the last
// close asked for, the default after round 1).
type SampleSize struct {
	Draws int    `json:"draws,omitempty"`
	Key   string `json:"key,omitempty"`
}

// RoundView answers a draw.
type RoundView struct {
	Round int `json:"round"`
	Skip  int `json:"skip"`
	Count int `json:"count"`
}

const maxDraws = 1_000_000

// DrawRound draws the next round from the seed.
func (o *Office) DrawRound(ctx context.Context, u *User, id string, size SampleSize) (*RoundView, error) {
	a, def, err := o.auditFor(ctx, u, id, "", ActDrawRound)
	if err != nil {
		return nil, err
	}
	if size.Draws < 0 || size.Draws > maxDraws {
		return nil, badRequest("sample_size.draws", "draws is 1 to %d", maxDraws)
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if a.Seed == "" {
		return nil, conflict("seed", "enter the seed first (a two-person request)")
	}
	if a.Done {
		return nil, conflict("round", "every targeted contest is decided; the audit is done")
	}
	if err := o.handCountEnds(ctx, a, def); err != nil {
		return nil, err
	}
	if a.Rounds > a.Closed {
		return nil, conflict("round", "round %d is still open; close it first", a.Rounds)
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return nil, err
	}
	n := size.Draws
	if n == 0 {
		key := size.Key
		if key == "" {
			key = "next"
			if a.Rounds == 0 {
				key = "size"
				if def.Math == "bravo" {
					key = "0.9"
				}
			}
		}
		if key == "next" {
			if a.Rounds == 0 {
				return nil, badRequest("sample_size.key", "round 1 has no \"next\" size; choose one of the first round's options")
			}
			res, err := o.loadResult(ctx, a, a.Rounds)
			if err != nil {
				return nil, err
			}
			n = res.NextSize
		} else {
			opts, err := prep.FirstRoundSizes()
			if err != nil {
				return nil, auditError(err)
			}
			for _, op := range opts {
				if op.Key == key {
					n = op.Draws
				}
			}
			if n == 0 {
				return nil, badRequest("sample_size.key", "no size option %q", key)
			}
		}
	}
	if n <= 0 || n > maxDraws {
		return nil, conflict("sample_size", "a round of %d draws cannot be drawn; give draws", n)
	}
	prior, err := o.loadRounds(ctx, a, a.Rounds)
	if err != nil {
		return nil, err
	}
	rd, err := prep.Draw(a.Seed, prior, n)
	if err != nil {
		return nil, auditError(err)
	}
	raw, err := json.Marshal(rd)
	if err != nil {
		return nil, err
	}
	ref, err := o.blobs.PutBytes(raw)
	if err != nil {
		return nil, err
	}
	f := FileRef{Name: fmt.Sprintf("round-%d.json", rd.Number), SHA256: ref.SHA256, Size: ref.Size}
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-round-drawn", UserID: u.Name, Payload: map[string]any{
		"audit": id, "round": int64(rd.Number), "skip": int64(rd.Skip), "count": int64(rd.Count), "sample": fileVal(f)}}); err != nil {
		return nil, err
	}
	if err := o.publishAudit(ctx, u, id, "round-drawn", rd.Number); err != nil {
		return nil, err
	}
	return &RoundView{Round: rd.Number, Skip: rd.Skip, Count: rd.Count}, nil
}

func (o *Office) loadRound(ctx context.Context, a *Audit, n int) (*audit.Round, error) {
	var rd AuditRound
	if err := getJSON(ctx, o.st, kindAuditRound, roundID(a.ID, n), &rd); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("round", "audit %s has no round %d", a.ID, n)
		}
		return nil, err
	}
	if v, ok := roundCache.Load(rd.Sample.SHA256); ok {
		return v.(*audit.Round), nil
	}
	data, err := o.blobs.ReadAll(rd.Sample.SHA256)
	if err != nil {
		return nil, err
	}
	var r audit.Round
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	v, _ := roundCache.LoadOrStore(rd.Sample.SHA256, &r)
	return v.(*audit.Round), nil
}

func (o *Office) loadRounds(ctx context.Context, a *Audit, n int) ([]*audit.Round, error) {
	var out []*audit.Round
	for i := 1; i <= n; i++ {
		r, err := o.loadRound(ctx, a, i)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (o *Office) loadResult(ctx context.Context, a *Audit, n int) (*audit.RoundResult, error) {
	var rd AuditRound
	if err := getJSON(ctx, o.st, kindAuditRound, roundID(a.ID, n), &rd); err != nil {
		return nil, err
	}
	if rd.Result == nil {
		return nil, conflict("round", "round %d is not closed", n)
	}
	data, err := o.blobs.ReadAll(rd.Result.SHA256)
	if err != nil {
		return nil, err
	}
	var res audit.RoundResult
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// WriteSample writes round n's sample as canvass rla sample prints it.
func (o *Office) WriteSample(ctx context.Context, u *User, id string, n int, w io.Writer) error {
	a, def, err := o.auditFor(ctx, u, id, "", ActReadAudits)
	if err != nil {
		return err
	}
	if def.Type == audit.BatchComparison {
		return badRequest("round", "a batch-comparison round has no ballot sample")
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return err
	}
	return draw.WriteCSV(w, rd.Sample())
}

// ballotRef is one distinct ballot a round asks a board to read.
type ballotRef struct {
	key     string // canonical JSON of the audit.BallotKey
	bk      audit.BallotKey
	sb      audit.SampledBallot
	tickets []string
	board   string
}

// roundAssignment is a round's ballots per jurisdiction with their boards.
type roundAssignment struct {
	ballots map[string][]*ballotRef
	byID    map[string]*ballotRef // by every ticket number
	read    map[string]bool       // by key: a reading exists (any round)
}

func ballotKeyJSON(k audit.BallotKey) string {
	raw, _ := json.Marshal(k)
	canon, _ := ledger.Canonicalize(raw)
	return string(canon)
}

// assignments computes round n's ballots to read: the distinct ballots it
// drew that no earlier round drew, per jurisdiction in retrieval order
// (container, tabulator, batch, position), each batch given to the
// jurisdiction's boards of the round in turn, in order of creation. It is
// a function of the log: boards cannot be added once a reading exists.
func (o *Office) assignments(ctx context.Context, a *Audit, n int, rd *audit.Round) (*roundAssignment, error) {
	st, err := o.assignStatic(ctx, a, n, rd)
	if err != nil {
		return nil, err
	}
	asg := &roundAssignment{ballots: st.ballots, byID: st.byID, read: map[string]bool{}}
	var readings []AuditReading
	if err := listAllReadings(ctx, o.st, a.ID, &readings); err != nil {
		return nil, err
	}
	for _, r := range readings {
		asg.read[string(r.Ballot)] = true
	}
	return asg, nil
}

// computeAssignments is assignments without the read set (assignStatic
// caches it).
func (o *Office) computeAssignments(ctx context.Context, a *Audit, n int, rd *audit.Round) (*roundAssignment, error) {
	earlier := map[string]bool{}
	if n > 1 {
		prior, err := o.loadRounds(ctx, a, n-1)
		if err != nil {
			return nil, err
		}
		for _, p := range prior {
			for _, k := range roundKeys(p) {
				earlier[k] = true
			}
		}
	}
	asg := &roundAssignment{ballots: map[string][]*ballotRef{}, byID: map[string]*ballotRef{}}
	seen := map[string]*ballotRef{}
	keys := roundKeys(rd)
	for i, b := range rd.Ballots {
		k := keys[i]
		if earlier[k] {
			continue
		}
		if r, ok := seen[k]; ok {
			r.tickets = append(r.tickets, b.Ticket)
			asg.byID[b.Ticket] = r
			continue
		}
		r := &ballotRef{key: k, bk: b.Key(), sb: b, tickets: []string{b.Ticket}}
		seen[k] = r
		asg.byID[b.Ticket] = r
		asg.ballots[b.Jurisdiction] = append(asg.ballots[b.Jurisdiction], r)
	}
	var boards []AuditBoard
	if err := listJSON(ctx, o.st, kindAuditBoard, a.ID, &boards); err != nil {
		return nil, err
	}
	sort.Slice(boards, func(i, j int) bool { return boards[i].Seq < boards[j].Seq })
	for j, list := range asg.ballots {
		sort.SliceStable(list, func(x, y int) bool {
			p, q := list[x].sb, list[y].sb
			if p.Container != q.Container {
				return p.Container < q.Container
			}
			if p.Tabulator != q.Tabulator {
				return p.Tabulator < q.Tabulator
			}
			if p.Batch != q.Batch {
				return p.Batch < q.Batch
			}
			return p.Position < q.Position
		})
		var ids []string
		for _, b := range boards {
			if b.Jurisdiction == j && b.Round == n {
				ids = append(ids, b.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		batch, bi := "", -1
		for _, r := range list {
			if id := r.sb.Container + "\x00" + r.sb.Tabulator + "\x00" + r.sb.Batch; id != batch {
				batch, bi = id, bi+1
			}
			r.board = ids[bi%len(ids)]
		}
	}
	return asg, nil
}

// listAllReadings lists the readings of every round of audit id.
func listAllReadings(ctx context.Context, st store.Store, id string, out *[]AuditReading) error {
	var a Audit
	if err := getJSON(ctx, st, kindAudit, id, &a); err != nil {
		return err
	}
	for n := 1; n <= a.Rounds; n++ {
		if err := listJSON(ctx, st, kindAuditReading, roundID(id, n), out); err != nil {
			return err
		}
	}
	return nil
}

// BoardMember is a new board member's account.
type BoardMember struct {
	Name           string `json:"name"`
	User           string `json:"user"`
	EnrollmentCode string `json:"enrollment_code"`
}

// BoardView answers the creation of a board.
type BoardView struct {
	Board        string        `json:"board"`
	Jurisdiction string        `json:"jurisdiction"`
	Round        int           `json:"round"`
	Members      []BoardMember `json:"members"`
}

// CreateBoard forms an audit board of two or more members for
// jurisdiction j's current round. Each member gets an account with role
// audit-board and a one-time enrollment code (their sign-in code), shown
// only in this answer.
func (o *Office) CreateBoard(ctx context.Context, u *User, id, j string, members []string) (*BoardView, error) {
	a, def, err := o.auditFor(ctx, u, id, j, ActCreateBoard)
	if err != nil {
		return nil, err
	}
	if !hasJurisdiction(def, j) {
		return nil, notFound("jurisdiction", "audit %s has no jurisdiction %q", id, j)
	}
	if len(members) < 2 || len(members) > 10 {
		return nil, badRequest("members", "a board has 2 to 10 members")
	}
	if err := validNames("members", members, 2); err != nil {
		return nil, err
	}
	for i, m := range members {
		if slices.Contains(members[:i], m) {
			return nil, badRequest("members", "%q is listed twice; each member is a different person", m)
		}
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if err := o.checkBoardParties(ctx, members); err != nil {
		return nil, err
	}
	if a.Rounds == 0 || a.Closed == a.Rounds {
		return nil, conflict("round", "no open round: draw a round first")
	}
	rd, err := o.loadRound(ctx, a, a.Rounds)
	if err != nil {
		return nil, err
	}
	asg, err := o.assignments(ctx, a, a.Rounds, rd)
	if err != nil {
		return nil, err
	}
	for _, b := range asg.ballots[j] {
		if asg.read[b.key] {
			return nil, conflict("members", "%s has readings in round %d already; boards cannot be added now", j, a.Rounds)
		}
	}
	board := newID("bd-")
	out := &BoardView{Board: board, Jurisdiction: j, Round: a.Rounds}
	var accounts []string
	for i, m := range members {
		acct := fmt.Sprintf("%s-%d", board, i+1)
		code, hash, err := auth.NewEnrollmentCode()
		if err != nil {
			return nil, err
		}
		// The code's hash is stored before the event, as for any account.
		if err := o.putSecret(ctx, acct, &secret{CodeHash: hex.EncodeToString(hash[:])}); err != nil {
			return nil, err
		}
		accounts = append(accounts, acct)
		out.Members = append(out.Members, BoardMember{Name: m, User: acct, EnrollmentCode: code})
	}
	defer o.forgetAssignments(id)
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-board-created", UserID: u.Name, Payload: map[string]any{
		"audit": id, "board": board, "jurisdiction": j, "round": int64(a.Rounds), "members": strsVal(members),
		"accounts": strsVal(accounts), "account_jurisdiction": countyOf(a, j)}}); err != nil {
		return nil, err
	}
	return out, nil
}

// boardOf returns the board u belongs to, if u is a member of one of
// audit id's boards.
func (o *Office) boardOf(ctx context.Context, u *User, id string) (*AuditBoard, error) {
	var m auditMember
	if err := getJSON(ctx, o.st, kindAuditMember, u.Name, &m); err != nil || m.Audit != id {
		return nil, forbidden("you are not a member of an audit board of audit %s", id)
	}
	var b AuditBoard
	if err := getJSON(ctx, o.st, kindAuditBoard, m.Board, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// BoardBallot is a ballot as its board sees it: where to find it and the
// contests to read, never the CVR.
type BoardBallot struct {
	Ballot    string   `json:"ballot"`
	Tickets   []string `json:"ticket_numbers"`
	Container string   `json:"container,omitempty"`
	Tabulator string   `json:"tabulator,omitempty"`
	Batch     string   `json:"batch"`
	Position  int      `json:"ballot_position"`
	Contests  []string `json:"contests"`
	Read      bool     `json:"read"`
	// Readings are the board's own entries, for review before sign-off.
	Readings json.RawMessage `json:"readings,omitempty"`
}

// BoardBallots lists board b's ballots of round n, for one of its
// members.
func (o *Office) BoardBallots(ctx context.Context, u *User, id string, n int, boardID string) ([]BoardBallot, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := o.memberBoard(ctx, u, a, n, boardID)
	if err != nil {
		return nil, err
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return nil, err
	}
	asg, err := o.assignments(ctx, a, n, rd)
	if err != nil {
		return nil, err
	}
	out := []BoardBallot{}
	for _, r := range asg.ballots[b.Jurisdiction] {
		if r.board != b.ID {
			continue
		}
		bb := BoardBallot{Ballot: r.tickets[0], Tickets: r.tickets, Container: r.sb.Container, Tabulator: r.sb.Tabulator,
			Batch: r.sb.Batch, Position: r.sb.Position, Contests: contestsOf(def, b.Jurisdiction), Read: asg.read[r.key]}
		if bb.Read {
			var x AuditReading
			if err := getJSON(ctx, o.st, kindAuditReading, id+"/"+r.key, &x); err == nil {
				bb.Readings = x.Readings
			}
		}
		out = append(out, bb)
	}
	return out, nil
}

// memberBoard checks that u is an active member of board boardID of
// round n of audit a.
func (o *Office) memberBoard(ctx context.Context, u *User, a *Audit, n int, boardID string) (*AuditBoard, error) {
	b, err := o.boardOf(ctx, u, a.ID)
	if err != nil {
		return nil, err
	}
	if !Allowed(u, ActEnterReadings, countyOf(a, b.Jurisdiction)) {
		return nil, forbidden("your roles do not allow entering readings")
	}
	if b.ID != boardID || b.Round != n {
		return nil, forbidden("you are a member of board %s of round %d, not board %s of round %d", b.ID, b.Round, boardID, n)
	}
	return b, nil
}

func contestsOf(def *audit.Definition, j string) []string {
	var out []string
	for _, c := range def.Contests {
		if slices.Contains(c.Jurisdictions, j) {
			out = append(out, c.Name)
		}
	}
	return out
}

// PutReading records what u's board read on ballot (any ticket number of
// it) of round n. Allowed only for a ballot assigned to u's board, before
// the board is signed off.
func (o *Office) PutReading(ctx context.Context, u *User, id string, n int, ballot string, readings map[string]audit.Reading, reason string) error {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return err
	}
	b, err := o.boardOf(ctx, u, id)
	if err != nil {
		return err
	}
	if !Allowed(u, ActEnterReadings, countyOf(a, b.Jurisdiction)) {
		return forbidden("your roles do not allow entering readings")
	}
	if b.Round != n {
		return forbidden("your board audits round %d, not round %d", b.Round, n)
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return err
	}
	if err := validReadings(def, prep, b.Jurisdiction, readings); err != nil {
		return err
	}
	if len(reason) > 1000 {
		return badRequest("reason", "at most 1000 bytes")
	}
	raw, _ := json.Marshal(readings)
	canon, err := ledger.Canonicalize(raw)
	if err != nil {
		return err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if err := getJSON(ctx, o.st, kindAuditBoard, b.ID, b); err != nil {
		return err
	}
	if a.Closed >= n {
		return conflict("round", "round %d is closed", n)
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return err
	}
	asg, err := o.assignStatic(ctx, a, n, rd)
	if err != nil {
		return err
	}
	r, ok := asg.byID[ballot]
	if !ok {
		return notFound("ballot", "round %d has no ballot with ticket number %q; use a ticket number from your board's list", n, ballot)
	}
	if r.board != b.ID {
		return forbidden("ballot %q is not assigned to your board", ballot)
	}
	if b.SignedOff {
		return conflict("ballot", "board %s has signed off; a change needs the board reopened by a two-person request", b.ID)
	}
	if b.Reopened > 0 && reason == "" {
		if read, err := o.hasReading(ctx, id, r.key); err != nil {
			return err
		} else if read {
			return badRequest("reason", "the board was reopened: say why this entry changes (a new revision; the old one stays in the log)")
		}
	}
	p := map[string]any{"audit": id, "round": int64(n), "board": b.ID, "ballot": r.key, "readings": string(canon)}
	if reason != "" {
		p["reason"] = reason
	}
	_, err = o.commit(ctx, ledger.Event{Type: "audit-reading", UserID: u.Name, Payload: p})
	return err
}

// validReadings checks readings as audit.Close will, so that a board
// cannot sign off entries that would stop the round from closing.
func validReadings(def *audit.Definition, prep *audit.Audit, j string, readings map[string]audit.Reading) error {
	want := contestsOf(def, j)
	candidates := map[string][]string{}
	for _, c := range prep.Contests() {
		for _, v := range c.Tally {
			candidates[c.Name] = append(candidates[c.Name], v.Name)
		}
	}
	kinds := map[string]string{}
	for _, c := range def.Contests {
		kinds[c.Name] = c.Kind
	}
	statuses := def.Statuses
	if len(statuses) == 0 {
		statuses = audit.AllStatuses
	}
	for c, r := range readings {
		if !slices.Contains(want, c) {
			return badRequest("readings", "contest %q is not on %s's ballots; read %s", c, j, strings.Join(want, ", "))
		}
		if len(r.Comment) > 1000 || !utf8.ValidString(r.Comment) {
			return badRequest("readings", "%s: a comment is at most 1000 bytes of UTF-8", c)
		}
		switch {
		case r.Status != "" && len(r.Choices) > 0:
			return badRequest("readings", "%s: give choices or a status, not both", c)
		case r.Status != "":
			if !slices.Contains(statuses, r.Status) {
				return badRequest("readings", "%s: status %q is not one of %s", c, r.Status, strings.Join(statuses, ", "))
			}
		case len(r.Choices) == 0:
			return badRequest("readings", "%s: give the marked choices or a status", c)
		case len(r.Choices) > 100:
			return badRequest("readings", "%s: at most 100 choices", c)
		}
		if r.Status == audit.StatusNoConsensus && strings.TrimSpace(r.Comment) == "" {
			return badRequest("readings."+c+".comment", "%s: %q needs a comment saying what the board disagreed on", c, r.Status)
		}
		for i, ch := range r.Choices {
			if ch == "" || len(ch) > 200 || !utf8.ValidString(ch) {
				return badRequest("readings", "%s: a choice is 1 to 200 bytes of UTF-8", c)
			}
			field := fmt.Sprintf("readings.%s.choices[%d]", c, i)
			if !slices.Contains(candidates[c], ch) {
				return badRequest(field, "%s: %q is not a candidate; the candidates are %s", c, ch, strings.Join(candidates[c], ", "))
			}
			if kinds[c] != audit.IRV && slices.Index(r.Choices, ch) != i {
				return badRequest(field, "%s: %q is given twice", c, ch)
			}
		}
	}
	for _, c := range want {
		if _, ok := readings[c]; !ok {
			return badRequest("readings", "give a reading for contest %q", c)
		}
	}
	return nil
}

// SignOff signs board boardID's readings of round n off as member u.
// Every assigned ballot must be read; the board is signed off when every
// member has signed.
func (o *Office) SignOff(ctx context.Context, u *User, id string, n int, boardID string) (*AuditBoard, error) {
	a, _, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := o.memberBoard(ctx, u, a, n, boardID)
	if err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if err := getJSON(ctx, o.st, kindAuditBoard, b.ID, b); err != nil {
		return nil, err
	}
	if slices.Contains(b.SignedBy, u.Name) {
		return nil, conflict("board", "you have already signed board %s off", b.ID)
	}
	rd, err := o.loadRound(ctx, a, n)
	if err != nil {
		return nil, err
	}
	asg, err := o.assignStatic(ctx, a, n, rd)
	if err != nil {
		return nil, err
	}
	left := 0
	for _, r := range asg.ballots[b.Jurisdiction] {
		if r.board != b.ID {
			continue
		}
		if read, err := o.hasReading(ctx, id, r.key); err != nil {
			return nil, err
		} else if !read {
			left++
		}
	}
	if left > 0 {
		return nil, conflict("board", "%d of the board's ballots have no reading yet; read every ballot before signing off", left)
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-board-signed", UserID: u.Name, Payload: map[string]any{
		"audit": id, "round": int64(n), "board": b.ID}}); err != nil {
		return nil, err
	}
	if err := getJSON(ctx, o.st, kindAuditBoard, b.ID, b); err != nil {
		return nil, err
	}
	return b, nil
}

// RequestReopen asks to reopen a signed-off board: a two-person request.
func (o *Office) RequestReopen(ctx context.Context, u *User, id string, n int, boardID, reason string) (*RequestView, error) {
	a, _, err := o.auditFor(ctx, u, id, "", ActRequestReopen)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" || len(reason) > 1000 {
		return nil, badRequest("reason", "say why the board is reopened (1 to 1000 bytes)")
	}
	var b AuditBoard
	if err := getJSON(ctx, o.st, kindAuditBoard, boardID, &b); err != nil || b.Audit != id || b.Round != n {
		return nil, notFound("board", "round %d of audit %s has no board %q", n, id, boardID)
	}
	if !b.SignedOff {
		return nil, conflict("board", "board %s is not signed off", boardID)
	}
	if a.Closed >= n {
		return nil, conflict("round", "round %d is closed", n)
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	return o.newRequest(ctx, u, KindAuditReopen, a.Jurisdiction, reopenAction{Audit: id, Round: n, Board: boardID, Reason: reason})
}

// ContestClose is one contest's state when a round closes, as the API
// answers it.
type ContestClose struct {
	Risk          float64             `json:"risk"`
	Confirmed     bool                `json:"confirmed"`
	Decision      string              `json:"decision"`
	Discrepancies audit.Discrepancies `json:"discrepancies"`
	NextSize      int                 `json:"next_size"`
}

// CloseView answers the close of a round.
type CloseView struct {
	Round    int                     `json:"round"`
	Done     bool                    `json:"done"`
	NextSize int                     `json:"next_size"`
	Contests map[string]ContestClose `json:"contests"`
}

// CloseRound closes round n from the boards' readings: every ballot read
// and every board signed off.
func (o *Office) CloseRound(ctx context.Context, u *User, id string, n int) (*CloseView, error) {
	a, def, err := o.auditFor(ctx, u, id, "", ActCloseRound)
	if err != nil {
		return nil, err
	}
	if def.Type == audit.BatchComparison {
		return o.closeBatchRound(ctx, u, id, n)
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if n != a.Rounds || a.Closed >= n {
		return nil, conflict("round", "round %d is not the open round", n)
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return nil, err
	}
	rounds, err := o.loadRounds(ctx, a, n)
	if err != nil {
		return nil, err
	}
	asg, err := o.assignments(ctx, a, n, rounds[n-1])
	if err != nil {
		return nil, err
	}
	var boards []AuditBoard
	if err := listJSON(ctx, o.st, kindAuditBoard, id, &boards); err != nil {
		return nil, err
	}
	signed := map[string]bool{}
	for _, b := range boards {
		signed[b.ID] = b.SignedOff
	}
	for _, j := range def.Jurisdictions {
		for _, r := range asg.ballots[j.Name] {
			switch {
			case r.board == "":
				return nil, conflict("round", "%s has ballots but no audit board", j.Name)
			case !asg.read[r.key]:
				return nil, conflict("round", "ballot %s of %s has no reading yet", r.tickets[0], j.Name)
			case !signed[r.board]:
				return nil, conflict("round", "board %s of %s has not signed off", r.board, j.Name)
			}
		}
	}
	var all []AuditReading
	if err := listAllReadings(ctx, o.st, id, &all); err != nil {
		return nil, err
	}
	readings := &audit.Readings{}
	for _, r := range all {
		var br audit.BallotReading
		if err := json.Unmarshal(r.Ballot, &br.BallotKey); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r.Readings, &br.Contests); err != nil {
			return nil, err
		}
		readings.Ballots = append(readings.Ballots, br)
	}
	res, err := prep.Close(rounds, readings)
	if err != nil {
		return nil, auditError(err)
	}
	if err := o.commitClose(ctx, u, a, def, n, res); err != nil {
		return nil, err
	}
	if err := o.publishAudit(ctx, u, id, "round-closed", n); err != nil {
		return nil, err
	}
	return closeView(res), nil
}

func closeView(res *audit.RoundResult) *CloseView {
	v := &CloseView{Round: res.Round, Done: res.Done, NextSize: res.NextSize, Contests: map[string]ContestClose{}}
	for _, c := range res.Contests {
		v.Contests[c.Contest] = ContestClose{Risk: c.Risk, Confirmed: c.Decision == audit.Confirmed, Decision: c.Decision,
			Discrepancies: c.Discrepancies, NextSize: c.NextSize}
	}
	return v
}

// AuditReport assembles audit id's public report: settings, contests,
// every round drawn and the results of the closed ones (board readings
// appear only once their round is closed).
func (o *Office) AuditReport(ctx context.Context, id string) (*audit.Report, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return nil, err
	}
	var rounds []*audit.Round
	var results []*audit.RoundResult
	if a.Seed != "" {
		if rounds, err = o.loadRounds(ctx, a, a.Rounds); err != nil {
			return nil, err
		}
		for i := 1; i <= a.Closed; i++ {
			res, err := o.loadResult(ctx, a, i)
			if err != nil {
				return nil, err
			}
			results = append(results, res)
		}
	}
	rep, err := prep.Report(rounds, results)
	if err != nil {
		return nil, auditError(err)
	}
	rep.Settings.Seed = a.Seed
	d, err := o.auditDecisions(ctx, id)
	if err != nil {
		return nil, err
	}
	rep.Decisions = d.Decisions
	return rep, nil
}
