package office

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/store"
)

//go:embed tmpl/results.html
var tmplFS embed.FS

var resultsPage = template.Must(template.ParseFS(tmplFS, "tmpl/results.html"))

// RequestPublication asks to publish a tabulation's results: a two-person
// request. When it executes, a new immutable snapshot version is written
// and becomes the election's current public results.
func (o *Office) RequestPublication(ctx context.Context, u *User, election, tabulation string) (*RequestView, error) {
	e, err := o.electionFor(ctx, u, election, ActRequestPublication)
	if err != nil {
		return nil, err
	}
	if tabulation == "" {
		return nil, badRequest("tabulation", "name the tabulation to publish")
	}
	if _, err := o.tabulation(ctx, election, tabulation); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.newRequest(ctx, u, KindPublication, e.Jurisdiction, publicationAction{Election: election, Tabulation: tabulation})
}

type pageData struct {
	Election Election
	Version  int
	At       string
	Test     bool
	Software string
	Contests []pageContest
	Reports  []pageLink
}

type pageContest struct {
	Name        string
	Winners     []string
	Ballots     int64
	Rounds      []int
	Rows        []pageRow
	Final       []pageBar
	ChartHeight int
}

type pageRow struct {
	Name  string
	Won   bool
	Votes []string
}

type pageBar struct {
	Name             string
	Votes            string
	Y, Width, LabelX int
}

type pageLink struct{ Name, URL string }

// rctabReport is the part of RCTab's detailed report the page shows.
type rctabReport struct {
	Results []struct {
		Round int               `json:"round"`
		Tally map[string]string `json:"tally"`
	} `json:"results"`
}

// buildSnapshot writes the files of the next publication of a.Election
// into the file store and returns them with their public paths: the page,
// the NIST results, the summary and every report. The caller holds o.mu.
func (o *Office) buildSnapshot(ctx context.Context, a publicationAction) (files []FileRef, index *FileRef, err error) {
	e, err := o.election(ctx, a.Election)
	if err != nil {
		return nil, nil, err
	}
	t, err := o.tabulation(ctx, a.Election, a.Tabulation)
	if err != nil {
		return nil, nil, err
	}
	prev, err := o.st.List(ctx, kindPublication, a.Election)
	if err != nil {
		return nil, nil, err
	}
	summaryJSON, err := o.blobs.ReadAll(t.Summary.SHA256)
	if err != nil {
		return nil, nil, err
	}
	var summary results.Summary
	if err := json.Unmarshal(summaryJSON, &summary); err != nil {
		return nil, nil, err
	}
	d := pageData{Election: *e, Version: len(prev) + 1, At: o.now().UTC().Format(time.RFC3339),
		Test: t.Mode != "official", Software: "canvass " + t.SoftwareVersion}
	for _, c := range summary.Contests {
		pc := pageContest{Name: c.Name, Winners: c.Winners, Ballots: c.Ballots}
		if len(c.RCTabReport) > 0 {
			var r rctabReport
			if err := json.Unmarshal(c.RCTabReport[len(c.RCTabReport)-1], &r); err == nil {
				fillRounds(&pc, &r)
			}
		}
		d.Contests = append(d.Contests, pc)
	}
	files = []FileRef{
		{Name: "results.json", SHA256: t.Results.SHA256, Size: t.Results.Size},
		{Name: "summary.json", SHA256: t.Summary.SHA256, Size: t.Summary.Size},
	}
	reports, err := o.allReports(t)
	if err != nil {
		return nil, nil, err
	}
	// Reports in subfolders (per precinct) are committed through an
	// index, as the tabulation's are, so the entry stays small.
	var sub []FileRef
	for _, r := range reports {
		f := FileRef{Name: "reports/" + r.Name, SHA256: r.SHA256, Size: r.Size}
		if strings.Contains(r.Name, "/") {
			sub = append(sub, f)
		} else {
			files = append(files, f)
		}
		d.Reports = append(d.Reports, pageLink{Name: r.Name, URL: "reports/" + escapePath(r.Name)})
	}
	if len(sub) > 0 {
		if index, err = o.putIndex("files.json", sub); err != nil {
			return nil, nil, err
		}
	}
	var page bytes.Buffer
	if err := resultsPage.Execute(&page, d); err != nil {
		return nil, nil, err
	}
	ref, err := o.blobs.PutBytes(page.Bytes())
	if err != nil {
		return nil, nil, err
	}
	files = append([]FileRef{{Name: "index.html", SHA256: ref.SHA256, Size: ref.Size}}, files...)
	return files, index, nil
}

func fillRounds(pc *pageContest, r *rctabReport) {
	if len(r.Results) == 0 {
		return
	}
	won := map[string]bool{}
	for _, w := range pc.Winners {
		won[w] = true
	}
	first := r.Results[0].Tally
	names := make([]string, 0, len(first))
	for n := range first {
		names = append(names, n)
	}
	last := r.Results[len(r.Results)-1].Tally
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	// Candidates in order of their last counted total, as results pages
	// usually list them.
	lastOf := func(n string) float64 {
		for i := len(r.Results) - 1; i >= 0; i-- {
			if v, ok := r.Results[i].Tally[n]; ok {
				return num(v) + float64(i)*1e12
			}
		}
		return 0
	}
	sort.SliceStable(names, func(i, j int) bool { return lastOf(names[i]) > lastOf(names[j]) })
	for _, res := range r.Results {
		pc.Rounds = append(pc.Rounds, res.Round)
	}
	for _, n := range names {
		row := pageRow{Name: n, Won: won[n]}
		for _, res := range r.Results {
			row.Votes = append(row.Votes, res.Tally[n])
		}
		pc.Rows = append(pc.Rows, row)
	}
	maxv := 0.0
	for _, v := range last {
		maxv = max(maxv, num(v))
	}
	y := 0
	for _, n := range names {
		v, ok := last[n]
		if !ok || maxv == 0 {
			continue
		}
		w := int(num(v) / maxv * 320)
		pc.Final = append(pc.Final, pageBar{Name: n, Votes: v, Y: y, Width: w, LabelX: 240 + w + 6})
		y += 18
	}
	pc.ChartHeight = y + 4
}

func escapePath(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// PublicFile is a file of a published snapshot.
type PublicFile struct {
	FileRef
	Version int
	// Test marks results published in test mode.
	Test bool
}

// ErrNoPublication is returned by PublicFile when nothing is published at
// that path.
var ErrNoPublication = errors.New("office: not published")

// publicCache keeps published snapshots, which never change once written,
// and the current version of each election, which changes only when a
// publication is applied. Serving them needs no database query.
type publicCache struct {
	mu      sync.RWMutex
	pubs    map[string]map[string]PublicFile // by publicationID, by path
	current map[string]int
}

// PublicFile returns the file at path of version (0 = current) of an
// election's published results.
func (o *Office) PublicFile(ctx context.Context, election string, version int, path string) (PublicFile, error) {
	c := o.public()
	if version == 0 {
		c.mu.RLock()
		v, ok := c.current[election]
		c.mu.RUnlock()
		if !ok {
			var cur current
			if err := getJSON(ctx, o.st, kindCurrent, election, &cur); errors.Is(err, store.ErrNotFound) {
				return PublicFile{}, ErrNoPublication
			} else if err != nil {
				return PublicFile{}, err
			}
			v = cur.Version
			c.mu.Lock()
			c.current[election] = v
			c.mu.Unlock()
		}
		version = v
	}
	id := publicationID(election, version)
	c.mu.RLock()
	files, ok := c.pubs[id]
	c.mu.RUnlock()
	if !ok {
		var p Publication
		if err := getJSON(ctx, o.st, kindPublication, id, &p); errors.Is(err, store.ErrNotFound) {
			return PublicFile{}, ErrNoPublication
		} else if err != nil {
			return PublicFile{}, err
		}
		files = map[string]PublicFile{}
		more, err := o.readIndex(p.FileIndex)
		if err != nil {
			return PublicFile{}, err
		}
		for _, f := range append(slices.Clone(p.Files), more...) {
			files[f.Name] = PublicFile{FileRef: f, Version: p.Version, Test: p.Test}
		}
		c.mu.Lock()
		c.pubs[id] = files
		c.mu.Unlock()
	}
	f, ok := files[path]
	if !ok {
		return PublicFile{}, fmt.Errorf("%w: %s", ErrNoPublication, path)
	}
	return f, nil
}

func (o *Office) public() *publicCache {
	o.pubOnce.Do(func() {
		o.pub = &publicCache{pubs: map[string]map[string]PublicFile{}, current: map[string]int{}}
	})
	return o.pub
}

// forgetCurrent drops the cached current version after a publication.
func (o *Office) forgetCurrent(election string) {
	c := o.public()
	c.mu.Lock()
	delete(c.current, election)
	c.mu.Unlock()
}

// PageCSP is the Content-Security-Policy of every response: nothing but
// this origin, no framing, and the results page's one inline style block
// allowed by its hash.
var PageCSP = func() string {
	b, _ := tmplFS.ReadFile("tmpl/results.html")
	s := string(b)
	i, j := strings.Index(s, "<style>"), strings.Index(s, "</style>")
	sum := sha256.Sum256([]byte(s[i+len("<style>") : j]))
	return "default-src 'self'; style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}()
