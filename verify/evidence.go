package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/results"
)

// Format is the version of evidence.json this package writes. v2 adds
// the audit record and the facility record (docs/evidence.md).
const Format = "canvass-evidence/v2"

// FormatV1 is the earlier format, which this package still reads: a v1
// package has no audit and no facility record, and verifies as before.
const FormatV1 = "canvass-evidence/v1"

// Evidence is evidence.json: what an evidence package claims, each claim
// naming the log entry it comes from. It is derived from the log (and the
// summaries the log commits to) by Derive, so a verifier recomputes it
// and compares; docs/evidence.md specifies every field.
type Evidence struct {
	Format       string        `json:"format"`
	Origin       string        `json:"origin"`
	LogSize      uint64        `json:"log_size"`
	Election     Election      `json:"election"`
	Files        []File        `json:"files"`
	Tabulations  []Tabulation  `json:"tabulations"`
	Publications []Publication `json:"publications"`
	People       []Person      `json:"people"`
	Requests     []Request     `json:"requests"`
	Software     []Process     `json:"software"`
	Audits       []Audit       `json:"audits"`
	// Facility is the physical-security record (badge, camera and seal
	// imports), absent when the log has none.
	Facility *Facility `json:"facility,omitempty"`
}

// Election is the election the package is about.
type Election struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Date         string `json:"date"`
	Jurisdiction string `json:"jurisdiction"`
	Entry        uint64 `json:"entry"`
}

// FileRef is a commitment to a file by name, size and SHA-256.
type FileRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// File is one committed public file: stored at files/sha256/<sha256>,
// known by every name the log gives it.
type File struct {
	SHA256 string   `json:"sha256"`
	Size   int64    `json:"size"`
	Names  []string `json:"names"`
	// Entries are the log entries that commit to it.
	Entries []uint64 `json:"entries"`
}

// Tabulation is a count logged by an election-tabulation event.
type Tabulation struct {
	ID              string    `json:"id"`
	Entry           uint64    `json:"entry"`
	By              string    `json:"by"`
	Mode            string    `json:"mode"`
	SoftwareVersion string    `json:"software_version"`
	Inputs          []FileRef `json:"inputs"`
	// Reports lists every report: those the entry lists and those listed
	// by its report index (reports in subfolders), in that order.
	Reports []FileRef `json:"reports"`
	// ReportIndex is the committed JSON array of the subfolder reports.
	ReportIndex *FileRef  `json:"report_index,omitempty"`
	Summary     FileRef   `json:"summary"`
	Results     FileRef   `json:"results"`
	Contests    []Contest `json:"contests"`
}

// Contest is a published outcome, as the tabulation's summary states it.
type Contest struct {
	Name    string        `json:"name"`
	Ballots int64         `json:"ballots"`
	Winners []string      `json:"winners"`
	Votes   []ContestVote `json:"votes,omitempty"`
}

// ContestVote is a candidate's count (the last round's for ranked
// contests; values as decimal strings, exactly as reported).
type ContestVote struct {
	Name  string `json:"name"`
	Votes string `json:"votes"`
}

// Publication is a published results snapshot: an executed publication
// request and the files it wrote.
type Publication struct {
	Version    int      `json:"version"`
	Request    string   `json:"request"`
	Entry      uint64   `json:"entry"`
	Tabulation string   `json:"tabulation"`
	Signers    []string `json:"signers"`
	// Files lists the snapshot: the files the entry lists, then those its
	// file index lists.
	Files     []FileRef `json:"files"`
	FileIndex *FileRef  `json:"file_index,omitempty"`
}

// Person is an enrolled person and their public signing key.
type Person struct {
	Name       string `json:"name"`
	SigningKey string `json:"signing_key"`
	Entry      uint64 `json:"entry"`
	// Admitted says how the account came to exist: "initial-admin"
	// (office-created) or "request:<id>" (an executed users request).
	Admitted string `json:"admitted"`
}

// Request is a two-person request with every signature logged for it.
type Request struct {
	ID           string      `json:"id"`
	Kind         string      `json:"kind"`
	Entry        uint64      `json:"entry"`
	RequestedBy  string      `json:"requested_by"`
	Jurisdiction string      `json:"jurisdiction"`
	Action       string      `json:"action"`
	ActionSHA256 string      `json:"action_sha256"`
	SignText     string      `json:"sign_text"`
	Signatures   []Signature `json:"signatures"`
	// Executed is the entry of request-executed, if it executed.
	Executed *uint64 `json:"executed,omitempty"`
	// Signers and ExecSignatures are those request-executed records.
	Signers        []string `json:"signers,omitempty"`
	ExecSignatures []string `json:"exec_signatures,omitempty"`
}

// Signature is one request-signed event.
type Signature struct {
	Signer    string `json:"signer"`
	Signature string `json:"signature"`
	Entry     uint64 `json:"entry"`
}

// Process is a service-start event: a process that wrote to the log.
type Process struct {
	Entry        uint64 `json:"entry"`
	Version      string `json:"version"`
	BinarySHA256 string `json:"binary_sha256"`
	// Approved names the executed software-install request whose
	// new_sha256 is this binary's, or is empty.
	Approved string `json:"approved,omitempty"`
}

// ReadFile returns a committed file's bytes by SHA-256.
type ReadFile func(sha256 string) ([]byte, error)

// Derive builds the claims of a package about election from the log's
// entries. read returns committed files (it is called for tabulation
// summaries only). The same function writes evidence.json at export and
// recomputes it at verification.
func Derive(origin string, entries [][]byte, election string, read ReadFile) (*Evidence, []ledger.Event, error) {
	ev := &Evidence{Format: Format, Origin: origin, LogSize: uint64(len(entries)),
		Files: []File{}, Tabulations: []Tabulation{}, Publications: []Publication{}, People: []Person{},
		Requests: []Request{}, Software: []Process{}, Audits: []Audit{}}
	events := make([]ledger.Event, len(entries))
	for i, e := range entries {
		x, err := ledger.ParseEntry(e, origin, uint64(i))
		if err != nil {
			return nil, nil, fmt.Errorf("log entry %d: %v", i, err)
		}
		events[i] = x
	}
	files := map[string]*File{}
	commit := func(idx uint64, refs ...FileRef) {
		for _, r := range refs {
			f := files[r.SHA256]
			if f == nil {
				f = &File{SHA256: r.SHA256, Size: r.Size}
				files[r.SHA256] = f
			}
			if len(f.Entries) == 0 || f.Entries[len(f.Entries)-1] != idx {
				f.Entries = append(f.Entries, idx)
			}
			if !contains(f.Names, r.Name) {
				f.Names = append(f.Names, r.Name)
			}
		}
	}
	found := false
	requests := map[string]*Request{}
	var order []string
	admitted := map[string]string{}
	for i := range events {
		e := &events[i]
		idx := uint64(i)
		p := e.Payload
		switch e.Type {
		case "office-created":
			for _, a := range strs(p["admins"]) {
				admitted[a] = "initial-admin"
			}
		case "election-created":
			if str(p["election"]) == election {
				found = true
				ev.Election = Election{ID: election, Name: str(p["name"]), Date: str(p["date"]), Jurisdiction: str(p["jurisdiction"]), Entry: idx}
			}
		case "file-upload":
			if str(p["election"]) == election {
				commit(idx, refs(p["files"])...)
			}
		case "election-tabulation":
			if str(p["election"]) != election {
				continue
			}
			t := Tabulation{ID: str(p["tabulation"]), Entry: idx, By: e.UserID, Mode: str(p["mode"]),
				SoftwareVersion: str(p["software_version"]), Inputs: refs(p["inputs"]), Reports: refs(p["reports"]),
				Summary: ref(p["summary"]), Results: ref(p["results"]), Contests: []Contest{}}
			if x, ok := p["report_index"]; ok {
				r := ref(x)
				t.ReportIndex = &r
				commit(idx, r)
				more, err := readIndex(read, r)
				if err != nil {
					return nil, nil, fmt.Errorf("tabulation %s (entry %d): report index: %v", t.ID, idx, err)
				}
				t.Reports = append(t.Reports, more...)
			}
			commit(idx, t.Inputs...)
			commit(idx, t.Reports...)
			commit(idx, t.Summary, t.Results)
			if read != nil {
				b, err := read(t.Summary.SHA256)
				if err != nil {
					return nil, nil, fmt.Errorf("tabulation %s (entry %d): summary: %v", t.ID, idx, err)
				}
				cs, err := contestsOf(b)
				if err != nil {
					return nil, nil, fmt.Errorf("tabulation %s (entry %d): summary %s: %v", t.ID, idx, t.Summary.SHA256, err)
				}
				t.Contests = cs
			}
			ev.Tabulations = append(ev.Tabulations, t)
		case "user-enrolled":
			name := str(p["subject"])
			ev.People = append(ev.People, Person{Name: name, SigningKey: str(p["signing_key"]), Entry: idx, Admitted: admitted[name]})
		case "request-created":
			q := &Request{ID: str(p["request"]), Kind: str(p["kind"]), Entry: idx, RequestedBy: e.UserID,
				Jurisdiction: str(p["jurisdiction"]), Action: str(p["action"]), ActionSHA256: str(p["action_sha256"]),
				SignText: str(p["sign_text"]), Signatures: []Signature{}}
			if _, dup := requests[q.ID]; !dup {
				order = append(order, q.ID)
			}
			requests[q.ID] = q
		case "request-signed":
			if q := requests[str(p["request"])]; q != nil {
				q.Signatures = append(q.Signatures, Signature{Signer: str(p["signer"]), Signature: str(p["signature"]), Entry: idx})
			}
		case "request-executed":
			id := str(p["request"])
			q := requests[id]
			if q == nil {
				// Executed without a logged request: keep it, so that
				// two-person control reports it.
				q = &Request{ID: id, Kind: str(p["kind"]), Entry: idx, ActionSHA256: str(p["action_sha256"]), Signatures: []Signature{}}
				requests[id] = q
				order = append(order, id)
			}
			x := idx
			q.Executed = &x
			q.Signers = strs(p["signers"])
			q.ExecSignatures = strs(p["signatures"])
			var act struct {
				Election, Tabulation, Name string
			}
			json.Unmarshal([]byte(q.Action), &act)
			switch q.Kind {
			case "users":
				if act.Name != "" {
					admitted[act.Name] = "request:" + id
				}
			case "publication":
				if act.Election == election {
					pub := Publication{Version: len(ev.Publications) + 1, Request: id, Entry: idx, Tabulation: act.Tabulation,
						Signers: q.Signers, Files: refs(p["files"])}
					if x, ok := p["file_index"]; ok {
						r := ref(x)
						pub.FileIndex = &r
						commit(idx, r)
						more, err := readIndex(read, r)
						if err != nil {
							return nil, nil, fmt.Errorf("publication of request %s (entry %d): file index: %v", id, idx, err)
						}
						pub.Files = append(pub.Files, more...)
					}
					commit(idx, pub.Files...)
					ev.Publications = append(ev.Publications, pub)
				}
			}
		case "service-start":
			ev.Software = append(ev.Software, Process{Entry: idx, Version: str(p["version"]), BinarySHA256: str(p["binary_sha256"])})
		}
	}
	if !found {
		return nil, nil, fmt.Errorf("the log has no election %q (no election-created event)", election)
	}
	audits, err := deriveAudits(events, election, read, commit)
	if err != nil {
		return nil, nil, err
	}
	ev.Audits = audits
	ev.Facility = deriveFacility(events, commit)
	// Requests about another election are not part of this package.
	for _, id := range order {
		q := requests[id]
		var act struct{ Election string }
		if json.Unmarshal([]byte(q.Action), &act) == nil && act.Election != "" && act.Election != election {
			continue
		}
		ev.Requests = append(ev.Requests, *q)
	}
	installs := map[string]string{}
	for _, q := range ev.Requests {
		if q.Kind == "software-install" && q.Executed != nil {
			var a struct {
				NewSHA256 string `json:"new_sha256"`
			}
			if json.Unmarshal([]byte(q.Action), &a) == nil && a.NewSHA256 != "" {
				installs[a.NewSHA256] = q.ID
			}
		}
	}
	for i := range ev.Software {
		ev.Software[i].Approved = installs[ev.Software[i].BinarySHA256]
	}
	for _, f := range files {
		sort.Strings(f.Names)
		slices.Sort(f.Entries)
		f.Entries = slices.Compact(f.Entries)
		ev.Files = append(ev.Files, *f)
	}
	sort.Slice(ev.Files, func(i, j int) bool { return ev.Files[i].SHA256 < ev.Files[j].SHA256 })
	return ev, events, nil
}

// readIndex reads a committed index file (a JSON array of file
// commitments), checking that its bytes are the committed ones. With no
// reader (a package whose files cannot be read) the index adds nothing.
func readIndex(read ReadFile, r FileRef) ([]FileRef, error) {
	if read == nil {
		return nil, nil
	}
	b, err := read(r.SHA256)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(b)) != r.Size {
		return nil, fmt.Errorf("%s is not the committed file (altered)", FilePath(r.SHA256))
	}
	var out []FileRef
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", FilePath(r.SHA256), err)
	}
	for _, f := range out {
		if f.Name == "" || len(f.SHA256) != 64 || f.Size < 0 {
			return nil, fmt.Errorf("%s lists an invalid file %+v", FilePath(r.SHA256), f)
		}
	}
	return out, nil
}

// contestsOf reads the published outcome of each contest from a
// tabulation's summary.
func contestsOf(summary []byte) ([]Contest, error) {
	var s results.Summary
	if err := json.Unmarshal(summary, &s); err != nil {
		return nil, err
	}
	out := []Contest{}
	for _, c := range s.Contests {
		x := Contest{Name: c.Name, Ballots: c.Ballots, Winners: c.Winners}
		if x.Winners == nil {
			x.Winners = []string{}
		}
		for _, v := range c.Votes {
			x.Votes = append(x.Votes, ContestVote{Name: v.Name, Votes: fmt.Sprint(v.Votes)})
		}
		if len(c.RCTabReport) > 0 {
			var r struct {
				Results []struct {
					Tally map[string]string `json:"tally"`
				} `json:"results"`
			}
			if err := json.Unmarshal(c.RCTabReport[len(c.RCTabReport)-1], &r); err != nil {
				return nil, fmt.Errorf("contest %q: RCTab report: %v", c.Name, err)
			}
			if n := len(r.Results); n > 0 {
				names := make([]string, 0, len(r.Results[n-1].Tally))
				for k := range r.Results[n-1].Tally {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					x.Votes = append(x.Votes, ContestVote{Name: k, Votes: r.Results[n-1].Tally[k]})
				}
			}
		}
		out = append(out, x)
	}
	return out, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, str(x))
	}
	return out
}

func ref(v any) FileRef {
	m, _ := v.(map[string]any)
	var size int64
	switch n := m["size"].(type) {
	case int64:
		size = n
	case float64:
		size = int64(n)
	case json.Number:
		size, _ = n.Int64()
	}
	return FileRef{Name: str(m["name"]), SHA256: str(m["sha256"]), Size: size}
}

func refs(v any) []FileRef {
	a, _ := v.([]any)
	out := make([]FileRef, 0, len(a))
	for _, x := range a {
		out = append(out, ref(x))
	}
	return out
}
