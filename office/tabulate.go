package office

// Every call into tabulation is in this file, so that the office can move
// to rctab's fs.FS reader and the library form of the direct count in one
// place.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/rctab"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/tabulate"
)

// TabulationRequest is the body of POST /api/v1/elections/{e}/tabulations:
// either an RCTab contest configuration whose cvrFileSources[].filePath
// name uploaded files, or a direct count of files in a format.
type TabulationRequest struct {
	RCTabConfig json.RawMessage `json:"rctab_config,omitempty"`
	Format      string          `json:"format,omitempty"`
	Files       []string        `json:"files,omitempty"`
}

// TabulationView is a tabulation as the API shows it.
type TabulationView struct {
	ID       string            `json:"id"`
	Election string            `json:"election"`
	Mode     string            `json:"mode"`
	Summary  json.RawMessage   `json:"summary"`
	Reports  map[string]string `json:"reports"`
}

// rctabConfigName is the name under which the configuration is committed.
const rctabConfigName = "rctab_config.json"

// Tabulate counts an election's contest from uploaded files and logs the
// inputs and every report. A count with an RCTab configuration whose rules
// differ from the rules in force for its contest is not run: it becomes a
// rules-change request (rules.go), reported here as an *Error with status
// 202 naming the request; TabulateOrRequest returns the request itself.
func (o *Office) Tabulate(ctx context.Context, u *User, id string, req *TabulationRequest) (*TabulationView, error) {
	t, q, err := o.TabulateOrRequest(ctx, u, id, req)
	if err != nil {
		return nil, err
	}
	if q != nil {
		return nil, errf(http.StatusAccepted, "rctab_config", "the contest's rules differ from the rules it was tabulated with; rules-change request %s needs two officials' signatures, and the count runs when it executes", q.ID)
	}
	return t, nil
}

// TabulateOrRequest is Tabulate returning the rules-change request it
// made instead of counting, if any.
func (o *Office) TabulateOrRequest(ctx context.Context, u *User, id string, req *TabulationRequest) (*TabulationView, *RequestView, error) {
	e, err := o.electionFor(ctx, u, id, ActTabulate)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(req.RCTabConfig) > 0 && (req.Format != "" || len(req.Files) > 0):
		return nil, nil, badRequest("rctab_config", "give either rctab_config or format and files, not both")
	case len(req.RCTabConfig) > 0:
		return o.tabulateRCTab(ctx, u, e, req.RCTabConfig)
	case req.Format != "" || len(req.Files) > 0:
		t, err := o.tabulateDirect(ctx, u, e, req.Format, req.Files)
		return t, nil, err
	}
	return nil, nil, badRequest("rctab_config", "give rctab_config, or format and files")
}

// rctabCount is a count with an RCTab configuration, run but not yet
// recorded.
type rctabCount struct {
	inputs  []FileRef // the configuration, then the CVR files
	res     *count.Results
	version string
	rules   string // rulesSHA256 of the configuration
}

// countRCTab validates an RCTab configuration, resolves the uploaded files
// it names and counts. It changes nothing but the file store.
func (o *Office) countRCTab(ctx context.Context, e *Election, raw json.RawMessage) (*rctabCount, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil || cfg == nil {
		return nil, badRequest("rctab_config", "must be a JSON object (an RCTab contest configuration)")
	}
	sources, ok := cfg["cvrFileSources"].([]any)
	if !ok || len(sources) == 0 {
		return nil, badRequest("rctab_config.cvrFileSources", "must be a non-empty array of CVR sources")
	}
	// Collect the uploaded files each source names: the file itself, or
	// every file under a folder (a Dominion export unpacked from a zip).
	var inputs []FileRef
	seen := map[string]bool{}
	for i, s := range sources {
		field := fmt.Sprintf("rctab_config.cvrFileSources[%d].filePath", i)
		m, ok := s.(map[string]any)
		if !ok {
			return nil, badRequest(fmt.Sprintf("rctab_config.cvrFileSources[%d]", i), "must be an object")
		}
		p, ok := m["filePath"].(string)
		if !ok || !validFileName(p) {
			return nil, badRequest(field, "must name an uploaded file or folder of this election (a relative name)")
		}
		files, err := o.filesNamed(ctx, e.ID, p)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, badRequest(field, "%q is not an uploaded file or folder of election %s; upload it first", p, e.ID)
		}
		for _, f := range files {
			if !seen[f.Name] {
				seen[f.Name] = true
				inputs = append(inputs, f)
			}
		}
	}
	rules, err := rulesSHA256(cfg)
	if err != nil {
		return nil, err
	}

	version := buildinfo.Read().String()
	fsys := newUploadFS(o.blobs, inputs, map[string][]byte{rctabConfigName: raw})
	res, err := count.RCTabConfig(fsys, rctabConfigName, count.RCTabOptions{Version: version})
	if err != nil {
		return nil, tabulationError(err)
	}
	cfgRef, err := o.blobs.PutBytes(raw)
	if err != nil {
		return nil, err
	}
	committed := append([]FileRef{{Name: rctabConfigName, SHA256: cfgRef.SHA256, Size: cfgRef.Size}}, inputs...)
	return &rctabCount{inputs: committed, res: res, version: version, rules: rules}, nil
}

func (o *Office) tabulateRCTab(ctx context.Context, u *User, e *Election, raw json.RawMessage) (*TabulationView, *RequestView, error) {
	c, err := o.countRCTab(ctx, e, raw)
	if err != nil {
		return nil, nil, err
	}
	p, tid, err := o.prepareTabulation(e, c.inputs, c.res, c.version)
	if err != nil {
		return nil, nil, err
	}
	p["rules_sha256"] = c.rules
	ctx, unlock := o.lock(ctx)
	defer unlock()
	// Checked under the lock: the rules in force are those every earlier
	// accepted change leaves.
	if q, err := o.checkRules(ctx, u, e, c); q != nil || err != nil {
		return nil, q, err
	}
	t, err := o.commitTabulation(ctx, u, e, p, tid)
	return t, nil, err
}

// tabulateDirect counts every contest in uploaded CVR files of one format,
// as "canvass tabulate --format" does.
func (o *Office) tabulateDirect(ctx context.Context, u *User, e *Election, format string, names []string) (*TabulationView, error) {
	if format == "" {
		return nil, badRequest("format", "name the CVR format of the files (as canvass tabulate --format takes it)")
	}
	if len(names) == 0 {
		return nil, badRequest("files", "list the uploaded files or folders to count")
	}
	var inputs []FileRef
	seen := map[string]bool{}
	for i, p := range names {
		field := fmt.Sprintf("files[%d]", i)
		if !validFileName(p) {
			return nil, badRequest(field, "must name an uploaded file or folder of this election")
		}
		files, err := o.filesNamed(ctx, e.ID, p)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, badRequest(field, "%q is not an uploaded file or folder of election %s; upload it first", p, e.ID)
		}
		for _, f := range files {
			if !seen[f.Name] {
				seen[f.Name] = true
				inputs = append(inputs, f)
			}
		}
	}
	version := buildinfo.Read().String()
	res, err := count.CVRFiles(newUploadFS(o.blobs, inputs, nil), format, names,
		count.Options{Version: version, Election: e.Name, Generated: o.now().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, tabulationError(err)
	}
	p, tid, err := o.prepareTabulation(e, inputs, res, version)
	if err != nil {
		return nil, err
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	return o.commitTabulation(ctx, u, e, p, tid)
}

// prepareTabulation stores a count's files and returns the payload of its
// election-tabulation event and the tabulation's id.
func (o *Office) prepareTabulation(e *Election, inputs []FileRef, res *count.Results, version string) (map[string]any, string, error) {
	all, err := o.putFiles(res.Files)
	if err != nil {
		return nil, "", err
	}
	// Reports at the top are listed in the entry; those in subfolders (one
	// or two per precinct) through an index file, so that the entry stays
	// under the log's size limit for any number of precincts.
	var reports, sub []FileRef
	for _, r := range all {
		if strings.Contains(r.Name, "/") {
			sub = append(sub, r)
		} else {
			reports = append(reports, r)
		}
	}
	if len(reports) == 0 {
		reports, sub = all, nil
	}
	var index *FileRef
	if len(sub) > 0 {
		if index, err = o.putIndex("reports.json", sub); err != nil {
			return nil, "", err
		}
	}
	summary, err := json.Marshal(res.Summary)
	if err != nil {
		return nil, "", err
	}
	summaryRef, err := o.blobs.PutBytes(summary)
	if err != nil {
		return nil, "", err
	}
	nist, err := nistReport(e, res.Summary, o.origin, "canvass "+version, o.now().UTC().Truncate(time.Second))
	if err != nil {
		return nil, "", err
	}
	nistRef, err := o.blobs.PutBytes(nist)
	if err != nil {
		return nil, "", err
	}
	var contests []string
	for _, c := range res.Summary.Contests {
		contests = append(contests, c.Name)
	}
	mode := "test"
	if e.Mode == "official" {
		mode = "official"
	}
	tid := newID("t-")
	p := map[string]any{
		"election": e.ID, "tabulation": tid, "mode": mode, "inputs": filesVal(inputs), "reports": filesVal(reports),
		"summary":          fileVal(FileRef{Name: "summary.json", SHA256: summaryRef.SHA256, Size: summaryRef.Size}),
		"results":          fileVal(FileRef{Name: "results.json", SHA256: nistRef.SHA256, Size: nistRef.Size}),
		"software_version": version,
	}
	if len(contests) > 0 {
		p["contests"] = strsVal(contests)
	}
	if index != nil {
		p["report_index"] = fileVal(*index)
	}
	return p, tid, nil
}

// commitTabulation logs a prepared tabulation. The caller holds the lock.
func (o *Office) commitTabulation(ctx context.Context, u *User, e *Election, p map[string]any, tid string) (*TabulationView, error) {
	if _, err := o.commit(ctx, ledger.Event{Type: "election-tabulation", UserID: u.Name, Payload: p}); err != nil {
		return nil, err
	}
	return o.tabulationView(ctx, e.ID, tid)
}

// nistReport renders a count's summary as a NIST SP 1500-100 results
// report, marked as test results while the election is in test mode.
func nistReport(e *Election, s results.Summary, issuer, software string, generated time.Time) ([]byte, error) {
	r := &results.Report{Issuer: issuer, Election: e.Name, Date: e.Date, Jurisdiction: e.Jurisdiction,
		IsTest: e.Mode != "official", Software: software, Generated: generated}
	if err := results.AddContests(r, s); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := results.Write(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// tabulationError turns a counting error into a 400 naming the file, row
// and field.
func tabulationError(err error) error {
	msg := err.Error()
	var ce *rctab.ConfigError
	var cerr *cvr.Error
	var tie *tabulate.TieDecisionError
	switch {
	case errors.As(err, &cerr):
		return badRequest("file", "%s", msg)
	case errors.As(err, &ce):
		return badRequest("rctab_config", "%s", msg)
	case errors.As(err, &tie):
		return badRequest("rctab_config", "%s (the office does not take tie decisions yet)", msg)
	}
	return badRequest("rctab_config", "%s", msg)
}

// filesNamed returns the election's (not withdrawn) file named p, or every
// file under folder p.
func (o *Office) filesNamed(ctx context.Context, election, p string) ([]FileRef, error) {
	f, err := o.file(ctx, election, p)
	if err == nil {
		if f.Withdrawn {
			return nil, nil
		}
		return []FileRef{{Name: f.Name, SHA256: f.SHA256, Size: f.Size}}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	recs, err := o.st.List(ctx, kindFile, election)
	if err != nil {
		return nil, err
	}
	var out []FileRef
	for _, r := range recs {
		var x File
		if err := json.Unmarshal(r.Data, &x); err != nil {
			return nil, err
		}
		if !x.Withdrawn && strings.HasPrefix(x.Name, strings.TrimSuffix(p, "/")+"/") {
			out = append(out, FileRef{Name: x.Name, SHA256: x.SHA256, Size: x.Size})
		}
	}
	return out, nil
}

// putFiles stores named contents and returns their references sorted by
// name.
func (o *Office) putFiles(files map[string][]byte) ([]FileRef, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]FileRef, 0, len(names))
	for _, n := range names {
		ref, err := o.blobs.PutBytes(files[n])
		if err != nil {
			return nil, err
		}
		out = append(out, FileRef{Name: n, SHA256: ref.SHA256, Size: ref.Size})
	}
	return out, nil
}

func (o *Office) tabulation(ctx context.Context, election, id string) (*Tabulation, error) {
	var t Tabulation
	if err := getJSON(ctx, o.st, kindTabulation, id, &t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("tabulation", "no tabulation %q", id)
		}
		return nil, err
	}
	if t.Election != election {
		return nil, notFound("tabulation", "election %s has no tabulation %q", election, id)
	}
	return &t, nil
}

func (o *Office) tabulationView(ctx context.Context, election, id string) (*TabulationView, error) {
	t, err := o.tabulation(ctx, election, id)
	if err != nil {
		return nil, err
	}
	summary, err := o.blobs.ReadAll(t.Summary.SHA256)
	if err != nil {
		return nil, err
	}
	v := &TabulationView{ID: t.ID, Election: t.Election, Mode: t.Mode, Summary: summary, Reports: map[string]string{}}
	reports, err := o.allReports(t)
	if err != nil {
		return nil, err
	}
	for _, r := range reports {
		v.Reports[r.Name] = ReportURL(election, id, r.Name)
	}
	return v, nil
}

// ReportURL is the API path of a tabulation's report.
func ReportURL(election, tabulation, name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/api/v1/elections/" + url.PathEscape(election) + "/tabulations/" + url.PathEscape(tabulation) + "/reports/" + strings.Join(segs, "/")
}

// TabulationOf returns a tabulation u may read.
func (o *Office) TabulationOf(ctx context.Context, u *User, election, id string) (*TabulationView, error) {
	if _, err := o.electionFor(ctx, u, election, ActReadTabulations); err != nil {
		return nil, err
	}
	return o.tabulationView(ctx, election, id)
}

// Report returns the stored report name of a tabulation u may read.
func (o *Office) Report(ctx context.Context, u *User, election, id, name string) (FileRef, error) {
	if _, err := o.electionFor(ctx, u, election, ActReadTabulations); err != nil {
		return FileRef{}, err
	}
	t, err := o.tabulation(ctx, election, id)
	if err != nil {
		return FileRef{}, err
	}
	reports, err := o.allReports(t)
	if err != nil {
		return FileRef{}, err
	}
	for _, r := range reports {
		if r.Name == name {
			return r, nil
		}
	}
	return FileRef{}, notFound("report", "tabulation %s has no report %q", id, name)
}

// putIndex stores a JSON array of file references, the index through which
// an event commits to more files than its entry could list.
func (o *Office) putIndex(name string, files []FileRef) (*FileRef, error) {
	b, err := json.Marshal(files)
	if err != nil {
		return nil, err
	}
	ref, err := o.blobs.PutBytes(b)
	if err != nil {
		return nil, err
	}
	return &FileRef{Name: name, SHA256: ref.SHA256, Size: ref.Size}, nil
}

// readIndex reads an index stored by putIndex.
func (o *Office) readIndex(ref *FileRef) ([]FileRef, error) {
	if ref == nil {
		return nil, nil
	}
	b, err := o.blobs.ReadAll(ref.SHA256)
	if err != nil {
		return nil, err
	}
	var files []FileRef
	if err := json.Unmarshal(b, &files); err != nil {
		return nil, fmt.Errorf("index %s: %w", ref.SHA256, err)
	}
	return files, nil
}

// allReports returns every report of a tabulation: those its entry lists
// and those of its index.
func (o *Office) allReports(t *Tabulation) ([]FileRef, error) {
	sub, err := o.readIndex(t.ReportIndex)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(t.Reports), sub...), nil
}
