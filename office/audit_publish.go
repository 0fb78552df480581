package office

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/resultsite"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/store"
)

// The public audit page as static, versioned snapshots, like election
// results (publish.go, docs/public-results.md): when an audit's public
// facts change (the seed entered, a round drawn, a round closed) the
// office renders the page and report files once (resultsite.RenderAudit),
// stores them by SHA-256 and commits them in an audit-publication event,
// whose projection moves the audit's current version to them. Nothing
// public about an audit is rendered per request.

const (
	kindAuditPublication = "audit-publication"
	kindAuditCurrent     = "audit-current"
)

// AuditPublication is one published snapshot of an audit's public page.
type AuditPublication struct {
	Audit   string    `json:"audit"`
	Version int       `json:"version"`
	Trigger string    `json:"trigger"`
	Round   int       `json:"round"`
	Files   []FileRef `json:"files"`
	By      string    `json:"by"`
	At      string    `json:"at"`
}

// auditCurrent is the pointer to an audit's current public snapshot.
type auditCurrent struct {
	Audit   string `json:"audit"`
	Version int    `json:"version"`
}

func auditPublicationID(id string, version int) string {
	return fmt.Sprintf("%s/%08d", id, version)
}

// projectAuditPublication applies an audit-publication event: the
// snapshot's record and the moved pointer.
func projectAuditPublication(ctx context.Context, r reader, e ledger.Event, p *payloadReader, at string) ([]store.Record, error) {
	id, version := p.str("audit"), int(p.count("version"))
	pub := AuditPublication{Audit: id, Version: version, Trigger: p.str("trigger"), Round: int(p.count("round")),
		Files: p.files("files"), By: e.UserID, At: at}
	if p.err != nil {
		return nil, p.err
	}
	if _, err := r.Get(ctx, kindAudit, id); err != nil {
		return nil, fmt.Errorf("audit %s: %w", id, err)
	}
	prev, err := r.List(ctx, kindAuditPublication, id)
	if err != nil {
		return nil, err
	}
	if version != len(prev)+1 {
		return nil, fmt.Errorf("audit %s: publication version %d follows %d publications", id, version, len(prev))
	}
	return []store.Record{rec(kindAuditPublication, auditPublicationID(id, version), id, pub),
		rec(kindAuditCurrent, id, "", auditCurrent{Audit: id, Version: version})}, nil
}

// afterAuditSeed publishes audit snapshot after its executed seed request.
func (o *Office) afterAuditSeed(ctx context.Context, u *User, q *Request) error {
	var s seedAction
	if err := json.Unmarshal([]byte(q.Action), &s); err != nil {
		return err
	}
	return o.publishAudit(ctx, u, s.Audit, "seed", 0)
}

// publishAudit renders, stores and commits a new snapshot of audit id's
// public page; trigger and round say what changed. The caller holds the
// write lock and has just committed the change. An error leaves the
// change committed and the previous snapshot current; the next change
// publishes the whole state again.
func (o *Office) publishAudit(ctx context.Context, u *User, id, trigger string, round int) error {
	by := ""
	if u != nil {
		by = u.Name
	}
	files, err := o.renderAudit(ctx, id, trigger, round)
	if err != nil {
		return fmt.Errorf("the audit's public page was not published: %w", err)
	}
	prev, err := o.st.List(ctx, kindAuditPublication, id)
	if err != nil {
		return err
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "audit-publication", UserID: by, Payload: map[string]any{
		"audit": id, "version": int64(len(prev) + 1), "trigger": trigger, "round": int64(round), "files": filesVal(files)}}); err != nil {
		return fmt.Errorf("the audit's public page was not published: %w", err)
	}
	o.forgetAuditCurrent(id)
	return nil
}

// renderAudit renders the next snapshot of audit id and stores its files.
func (o *Office) renderAudit(ctx context.Context, id, trigger string, round int) ([]FileRef, error) {
	s, err := o.auditSnapshot(ctx, id, trigger, round)
	if err != nil {
		return nil, err
	}
	out, err := resultsite.RenderAudit(*s)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	files := make([]FileRef, 0, len(names))
	for _, n := range names {
		ref, err := o.blobs.PutBytes(out[n])
		if err != nil {
			return nil, err
		}
		files = append(files, FileRef{Name: n, SHA256: ref.SHA256, Size: ref.Size})
	}
	return files, nil
}

// auditSnapshot gathers what the public page of audit id shows now. Only
// closed rounds' readings enter it: the report holds the readings as of
// the last closed round, and Boards only readings of closed rounds.
func (o *Office) auditSnapshot(ctx context.Context, id, trigger string, round int) (*resultsite.AuditSnapshot, error) {
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	rep, err := o.AuditReport(ctx, id)
	if err != nil {
		return nil, err
	}
	prev, err := o.st.List(ctx, kindAuditPublication, id)
	if err != nil {
		return nil, err
	}
	s := &resultsite.AuditSnapshot{AuditID: id, Election: a.Election, Jurisdiction: a.Jurisdiction, Version: len(prev) + 1,
		PublishedAt: o.now().UTC(), Trigger: trigger, TriggerRound: round, Report: rep,
		Seed:            resultsite.AuditSeed{Seed: a.Seed, RolledBy: a.RolledBy, Witnesses: a.Witnesses, Request: a.SeedRequest},
		Boards:          map[audit.BallotKey]string{},
		SoftwareVersion: buildinfo.Read().String()}
	if a.SeedRequest != "" {
		var q Request
		if err := getJSON(ctx, o.st, kindRequest, a.SeedRequest, &q); err != nil {
			return nil, err
		}
		for _, sig := range q.Signatures {
			s.Seed.Signers = append(s.Seed.Signers, sig.Signer)
		}
	}
	var boards []AuditBoard
	if err := listJSON(ctx, o.st, kindAuditBoard, id, &boards); err != nil {
		return nil, err
	}
	for n := 1; n <= a.Rounds; n++ {
		rd, err := o.loadRound(ctx, a, n)
		if err != nil {
			return nil, err
		}
		ar := resultsite.AuditRound{Round: n}
		if def.Type != audit.BatchComparison {
			var b bytes.Buffer
			if err := draw.WriteCSV(&b, rd.Sample()); err != nil {
				return nil, err
			}
			ar.SampleCSV = b.Bytes()
			asg, err := o.assignments(ctx, a, n, rd)
			if err != nil {
				return nil, err
			}
			for _, refs := range asg.ballots {
				for _, r := range refs {
					ar.Ballots++
					if asg.read[r.key] {
						ar.Read++
					}
				}
			}
		}
		for _, b := range boards {
			if b.Round == n {
				ar.Boards++
				if b.SignedOff {
					ar.SignedOff++
				}
			}
		}
		s.Rounds = append(s.Rounds, ar)
	}
	var readings []AuditReading
	if err := listAllReadings(ctx, o.st, id, &readings); err != nil {
		return nil, err
	}
	if s.ReadingHistoryCSV, err = o.readingHistoryCSV(ctx, a, readings); err != nil {
		return nil, err
	}
	for _, r := range readings {
		if r.Round > a.Closed {
			continue // never a reading of an open round
		}
		var k audit.BallotKey
		if err := json.Unmarshal(r.Ballot, &k); err != nil {
			return nil, err
		}
		s.Boards[k] = r.Board
	}
	return s, nil
}

// dueAuditSnapshot is the snapshot audit a's public page should show
// last, given its latest publication (nil: none): ok is false when that
// one is it. Each snapshot renders the whole state, so publishing the due
// one repairs any number of missed ones.
func dueAuditSnapshot(a *Audit, last *AuditPublication) (trigger string, round int, ok bool) {
	switch {
	case a.Rounds > a.Closed:
		trigger, round = "round-drawn", a.Rounds
	case a.Rounds > 0:
		trigger, round = "round-closed", a.Closed
	case a.Seed != "":
		trigger = "seed"
	default:
		return "", 0, false
	}
	if last != nil && last.Trigger == trigger && last.Round == round {
		return "", 0, false
	}
	return trigger, round, true
}

// RepublishAudits publishes the due snapshot of every audit whose latest
// one is behind its state: the change and its snapshot are two log
// entries, so a crash between them (or a failed render) leaves the page
// one change behind until this runs, at every service start.
func (o *Office) RepublishAudits(ctx context.Context) error {
	ctx, unlock := o.lock(ctx)
	defer unlock()
	return o.republishAudits(ctx)
}

// republishAudits is RepublishAudits for a caller holding the write lock.
func (o *Office) republishAudits(ctx context.Context) error {
	var audits []Audit
	if err := listJSON(ctx, o.st, kindAudit, "", &audits); err != nil {
		return err
	}
	for i := range audits {
		var a Audit
		if err := getJSON(ctx, o.st, kindAudit, audits[i].ID, &a); err != nil {
			return err
		}
		pubs, err := o.AuditPublications(ctx, a.ID)
		if err != nil {
			return err
		}
		var last *AuditPublication
		if len(pubs) > 0 {
			last = &pubs[len(pubs)-1]
		}
		if trigger, round, ok := dueAuditSnapshot(&a, last); ok {
			if err := o.publishAudit(ctx, nil, a.ID, trigger, round); err != nil {
				return fmt.Errorf("audit %s: %w", a.ID, err)
			}
		}
	}
	return nil
}

// AuditPublicFile returns the file at path of version (0 = current) of
// audit id's public snapshots, from memory after the first request:
// snapshots never change, and the current version only when a
// publication is applied.
func (o *Office) AuditPublicFile(ctx context.Context, id string, version int, path string) (PublicFile, error) {
	c := o.public()
	key := "audit\x00" + id
	if version == 0 {
		c.mu.RLock()
		v, ok := c.current[key]
		c.mu.RUnlock()
		if !ok {
			var cur auditCurrent
			if err := getJSON(ctx, o.st, kindAuditCurrent, id, &cur); errors.Is(err, store.ErrNotFound) {
				return PublicFile{}, ErrNoPublication
			} else if err != nil {
				return PublicFile{}, err
			}
			v = cur.Version
			c.mu.Lock()
			c.current[key] = v
			c.mu.Unlock()
		}
		version = v
	}
	pid := "audit\x00" + auditPublicationID(id, version)
	c.mu.RLock()
	files, ok := c.pubs[pid]
	c.mu.RUnlock()
	if !ok {
		var p AuditPublication
		if err := getJSON(ctx, o.st, kindAuditPublication, auditPublicationID(id, version), &p); errors.Is(err, store.ErrNotFound) {
			return PublicFile{}, ErrNoPublication
		} else if err != nil {
			return PublicFile{}, err
		}
		files = map[string]PublicFile{}
		for _, f := range slices.Clone(p.Files) {
			files[f.Name] = PublicFile{FileRef: f, Version: p.Version}
		}
		c.mu.Lock()
		c.pubs[pid] = files
		c.mu.Unlock()
	}
	f, ok := files[path]
	if !ok {
		return PublicFile{}, fmt.Errorf("%w: %s", ErrNoPublication, path)
	}
	return f, nil
}

// AuditPublications lists audit id's public snapshots, oldest first.
func (o *Office) AuditPublications(ctx context.Context, id string) ([]AuditPublication, error) {
	var out []AuditPublication
	if err := listJSON(ctx, o.st, kindAuditPublication, id, &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func (o *Office) forgetAuditCurrent(id string) {
	c := o.public()
	c.mu.Lock()
	delete(c.current, "audit\x00"+id)
	c.mu.Unlock()
}
