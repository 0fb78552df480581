package office

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// reader is the part of a store project reads: the state before the event.
type reader interface {
	Get(ctx context.Context, kind, id string) (store.Record, error)
	List(ctx context.Context, kind, parent string) ([]store.Record, error)
}

// project returns the records an event changes, given the state before it.
// It is the only code that turns log entries into database state, used
// both live (right after the append) and by catch-up and rebuild, so a
// rebuilt database equals the live one. It is deterministic: it reads
// only r and e, never the clock, the file store or randomness.
func project(ctx context.Context, r reader, e ledger.Event) ([]store.Record, error) {
	p := payload(e.Payload)
	at := e.TimeStamp.UTC().Format(time.RFC3339Nano)
	switch e.Type {
	case "office-created":
		recs := []store.Record{rec(kindOffice, "office", "", officeInfo{Origin: p.str("origin")})}
		for _, name := range p.strs("admins") {
			recs = append(recs, rec(kindUser, name, "", User{Name: name, Roles: []string{RoleAdmin},
				Jurisdiction: p.str("jurisdiction"), Status: "pending"}))
		}
		return recs, p.err
	case "user-enrolled":
		var u User
		if err := getJSON(ctx, r, kindUser, p.str("subject"), &u); err != nil {
			return nil, err
		}
		u.Status = "active"
		if _, ok := p.m["webauthn_credential_id"]; ok {
			u.WebAuthn = &WebAuthnKey{CredentialID: p.b64("webauthn_credential_id"),
				PublicKeyCOSE: p.b64("webauthn_public_key"), RPID: p.str("webauthn_rp_id")}
		} else {
			u.SigningKey = p.str("signing_key")
		}
		return []store.Record{rec(kindUser, u.Name, "", u)}, p.err
	case "election-created":
		el := Election{ID: p.str("election"), Name: p.str("name"), Date: p.str("date"),
			Jurisdiction: p.str("jurisdiction"), Mode: "test", CreatedBy: e.UserID}
		return []store.Record{rec(kindElection, el.ID, "", el)}, p.err
	case "file-upload":
		el := p.str("election")
		var recs []store.Record
		for _, f := range p.files("files") {
			recs = append(recs, rec(kindFile, el+"/"+f.Name, el, File{Election: el, Name: f.Name,
				SHA256: f.SHA256, Size: f.Size, UploadedBy: e.UserID}))
		}
		return recs, p.err
	case "election-tabulation":
		t := Tabulation{ID: p.str("tabulation"), Election: p.str("election"), Mode: p.str("mode"),
			Inputs: p.files("inputs"), Reports: p.files("reports"), Summary: p.file("summary"),
			Results: p.file("results"), SoftwareVersion: p.str("software_version"),
			Contests: p.optStrs("contests"), CreatedBy: e.UserID, CreatedAt: at, ReportIndex: p.optFile("report_index"),
			RulesSHA256: p.optStr("rules_sha256"), Request: p.optStr("request")}
		if p.err != nil {
			return nil, p.err
		}
		rules, err := projectTabulationRules(ctx, r, &t)
		if err != nil {
			return nil, err
		}
		return append([]store.Record{rec(kindTabulation, t.ID, t.Election, t)}, rules...), nil
	case "request-created":
		q := Request{ID: p.str("request"), Kind: p.str("kind"), RequestedBy: e.UserID,
			Jurisdiction: p.str("jurisdiction"), Action: p.str("action"), ActionSHA256: p.str("action_sha256"),
			SignText: p.str("sign_text"), Status: "pending", Signatures: []Signature{}, CreatedAt: at,
			Sequence: int64(e.Sequence)}
		return []store.Record{rec(kindRequest, q.ID, q.Jurisdiction, q)}, p.err
	case "request-signed":
		var q Request
		if err := getJSON(ctx, r, kindRequest, p.str("request"), &q); err != nil {
			return nil, err
		}
		q.Signatures = append(q.Signatures, Signature{Signer: p.str("signer"), Signature: p.str("signature")})
		return []store.Record{rec(kindRequest, q.ID, q.Jurisdiction, q)}, p.err
	case "request-executed":
		return projectExecuted(ctx, r, e, p, at)
	case "audit-publication":
		return projectAuditPublication(ctx, r, e, p, at)
	case "request-refused":
		if p.str("reason") != "cannot-execute" {
			return nil, p.err // a refused signature changes nothing
		}
		var q Request
		if err := getJSON(ctx, r, kindRequest, p.str("request"), &q); err != nil {
			return nil, err
		}
		q.Status = "refused"
		return []store.Record{rec(kindRequest, q.ID, q.Jurisdiction, q)}, p.err
	case "login", "logout", "login-failure", "service-start", "facility-site", "facility-import":
		// Logged for the record; they change no projected state.
		return nil, nil
	}
	if isAuditEvent(e.Type) {
		return projectAudit(ctx, r, e, p, at)
	}
	return nil, fmt.Errorf("the office does not apply events of type %q", e.Type)
}

// projectExecuted applies an executed two-person request: the request is
// done with the logged signatures, and its action takes effect.
func projectExecuted(ctx context.Context, r reader, e ledger.Event, p *payloadReader, at string) ([]store.Record, error) {
	var q Request
	if err := getJSON(ctx, r, kindRequest, p.str("request"), &q); err != nil {
		return nil, err
	}
	signers, sigs := p.strs("signers"), p.strs("signatures")
	if p.err != nil {
		return nil, p.err
	}
	if len(signers) != len(sigs) {
		return nil, errors.New("signers and signatures differ in length")
	}
	q.Status = "done"
	q.Signatures = q.Signatures[:0]
	for i := range signers {
		q.Signatures = append(q.Signatures, Signature{Signer: signers[i], Signature: sigs[i]})
	}
	recs := []store.Record{rec(kindRequest, q.ID, q.Jurisdiction, q)}
	switch q.Kind {
	case KindUsers:
		var a userAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		u := User{Name: a.Name, Roles: a.Roles, Jurisdiction: a.Jurisdiction, Status: "pending", Request: q.ID, Party: a.Party}
		if a.Expires != "" {
			u.Expires = a.Expires
		} else if a.ExpiresIn != "" {
			// Counted from the execution, so approving late does not
			// shorten the emergency window nor lengthen it.
			d, err := time.ParseDuration(a.ExpiresIn)
			if err != nil {
				return nil, fmt.Errorf("request %s: expires_in: %w", q.ID, err)
			}
			u.Expires = e.TimeStamp.UTC().Add(d).Truncate(time.Second).Format(time.RFC3339)
		}
		recs = append(recs, rec(kindUser, a.Name, "", u))
	case KindPublication:
		var a publicationAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		var t Tabulation
		if err := getJSON(ctx, r, kindTabulation, a.Tabulation, &t); err != nil {
			return nil, err
		}
		prev, err := r.List(ctx, kindPublication, a.Election)
		if err != nil {
			return nil, err
		}
		pub := Publication{Election: a.Election, Version: len(prev) + 1, Tabulation: a.Tabulation,
			Test: t.Mode != "official", Files: p.optFiles("files"), FileIndex: p.optFile("file_index"), Request: q.ID, At: at}
		recs = append(recs, rec(kindPublication, publicationID(a.Election, pub.Version), a.Election, pub),
			rec(kindCurrent, a.Election, "", current{Election: a.Election, Version: pub.Version}))
	case KindElectionMode:
		var a modeAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		var el Election
		if err := getJSON(ctx, r, kindElection, a.Election, &el); err != nil {
			return nil, err
		}
		el.Mode = a.Mode
		recs = append(recs, rec(kindElection, el.ID, "", el))
	case KindFileWithdrawal:
		var a withdrawalAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		var f File
		if err := getJSON(ctx, r, kindFile, a.Election+"/"+a.File, &f); err != nil {
			return nil, err
		}
		f.Withdrawn = true
		recs = append(recs, rec(kindFile, a.Election+"/"+a.File, a.Election, f))
	case KindUserChange, KindUserReset:
		more, err := projectUserRequest(ctx, r, &q)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	case KindRulesChange:
		more, err := projectRulesChange(&q)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	case KindSoftware:
		var a installAction
		if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
			return nil, err
		}
		recs = append(recs, rec(kindInstall, q.ID, "", Install{Request: q.ID, Component: a.Component,
			Version: a.Version, NewSHA256: a.NewSHA256, OldSHA256: a.OldSHA256, At: at}))
	default:
		more, err := projectAuditRequest(ctx, r, &q)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	return recs, p.err
}

func publicationID(election string, version int) string {
	return fmt.Sprintf("%s/%08d", election, version)
}

func rec(kind, id, parent string, v any) store.Record {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the record types always marshal
	}
	return store.Record{Kind: kind, ID: id, Parent: parent, Data: b}
}

// payloadReader reads typed fields of a validated payload, remembering the
// first missing or mistyped one.
type payloadReader struct {
	m   map[string]any
	err error
}

func payload(m map[string]any) *payloadReader { return &payloadReader{m: m} }

func (p *payloadReader) fail(k string) {
	if p.err == nil {
		p.err = fmt.Errorf("payload field %s is missing or mistyped", k)
	}
}

func (p *payloadReader) str(k string) string {
	s, ok := p.m[k].(string)
	if !ok {
		p.fail(k)
	}
	return s
}

// b64 reads a standard-base64 string field as bytes.
func (p *payloadReader) b64(k string) []byte {
	b, err := base64.StdEncoding.DecodeString(p.str(k))
	if err != nil || len(b) == 0 {
		p.fail(k)
	}
	return b
}

func (p *payloadReader) strs(k string) []string {
	a, ok := p.m[k].([]any)
	if !ok {
		p.fail(k)
		return nil
	}
	out := make([]string, 0, len(a))
	for _, v := range a {
		s, ok := v.(string)
		if !ok {
			p.fail(k)
		}
		out = append(out, s)
	}
	return out
}

func (p *payloadReader) optStrs(k string) []string {
	if _, ok := p.m[k]; !ok {
		return nil
	}
	return p.strs(k)
}

func fileOf(v any) (FileRef, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return FileRef{}, false
	}
	name, ok1 := m["name"].(string)
	sha, ok2 := m["sha256"].(string)
	size, ok3 := m["size"].(int64)
	return FileRef{Name: name, SHA256: sha, Size: size}, ok1 && ok2 && ok3
}

func (p *payloadReader) file(k string) FileRef {
	f, ok := fileOf(p.m[k])
	if !ok {
		p.fail(k)
	}
	return f
}

func (p *payloadReader) optFile(k string) *FileRef {
	if _, ok := p.m[k]; !ok {
		return nil
	}
	f := p.file(k)
	return &f
}

func (p *payloadReader) files(k string) []FileRef {
	a, ok := p.m[k].([]any)
	if !ok {
		p.fail(k)
		return nil
	}
	out := make([]FileRef, 0, len(a))
	for _, v := range a {
		f, ok := fileOf(v)
		if !ok {
			p.fail(k)
		}
		out = append(out, f)
	}
	return out
}

func (p *payloadReader) optFiles(k string) []FileRef {
	if _, ok := p.m[k]; !ok {
		return nil
	}
	return p.files(k)
}

// Payload builders, the inverse of the readers: the ledger's payload
// values are strings, int64 counts, []any and map[string]any.

func fileVal(f FileRef) map[string]any {
	return map[string]any{"name": f.Name, "sha256": f.SHA256, "size": f.Size}
}

func filesVal(fs []FileRef) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = fileVal(f)
	}
	return out
}

func strsVal(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
