// Package resultsite renders a public results snapshot: the static files
// (page, stylesheet, CSV downloads, NIST results JSON) of one publication
// of an election's results.
//
// Snapshots are immutable and numbered; any static server or CDN can serve
// them, so an election-night refresh storm never reaches the office's
// database. Render is pure: it returns bytes and never touches the disk or
// the network, and the same Snapshot always renders to the same bytes.
package resultsite

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"strings"
	"time"
)

// Snapshot is one publication of an election's results.
type Snapshot struct {
	// Origin is the election log's origin line (C2SP signed note).
	Origin       string
	ElectionID   string
	ElectionName string
	Jurisdiction string
	// Date is the election day, YYYY-MM-DD.
	Date string
	// Version numbers the election's snapshots: 1, 2, ...
	Version int
	// Official is false for unofficial (election-night) results.
	Official bool
	// TestMode marks logic-and-accuracy test results; the page says
	// "TEST RESULTS — NOT REAL" on every screen.
	TestMode    bool
	PublishedAt time.Time
	Contests    []Contest
	// Checkpoint is the election log's signed checkpoint text that
	// includes the publication's entry.
	Checkpoint string
	// LogIndex is the log entry that commits this publication.
	LogIndex uint64
	// LogURL is where the log is served in tlog-tiles layout and LogVKey
	// its verifier key; both appear in the verification commands.
	LogURL, LogVKey string
	// ResultsJSON, when set, is the NIST SP 1500-100 results file; it is
	// written as "results.json" and listed among the downloads.
	ResultsJSON []byte
	// Files are further downloads (RCTab reports, ...), listed with their
	// SHA-256 and size.
	Files           []File
	SoftwareVersion string
}

// Contest is one contest's results. A ranked contest carries RCTab's
// round-by-round JSON report in SummaryJSON; an unranked one its Votes and
// Winners.
type Contest struct {
	// ID names the contest's files ("mayor" → "mayor.csv"): lower-case
	// letters, digits, '-', '_' and '.', starting with a letter or digit.
	ID   string
	Name string
	// SummaryJSON is RCTab's detailed_report.json (older RCTab:
	// summary.json) for a ranked-choice contest.
	SummaryJSON []byte
	// Seats, Votes and Winners describe a plurality (vote-for-N, approval)
	// contest, in the order to show; Winners are decided by the tabulation
	// (and, for ties, the law), not here.
	Seats   int
	Votes   []CandidateVotes
	Winners []string
	// Ballots, when positive, is the number of ballots cast in an unranked
	// contest.
	Ballots int64
}

// CandidateVotes is one candidate's votes in an unranked contest.
type CandidateVotes struct {
	Name  string
	Votes int64
}

// File is a download listed on the page. Name is its path relative to the
// snapshot (e.g. "reports/detailed_report.json"). When Data is set Render
// includes the file in its output, checking SHA256 and Size against it (or
// filling them in when empty); otherwise the caller serves the file and
// SHA256 and Size are required.
type File struct {
	Name   string
	SHA256 string
	Size   int64
	Data   []byte
}

// Names of the files every snapshot has.
const (
	IndexFile   = "index.html"
	StyleFile   = "style.css"
	ResultsFile = "results.json"
)

// ErrInvalidSnapshot is wrapped by Render's errors about its input.
var ErrInvalidSnapshot = errors.New("invalid results snapshot")

var (
	//go:embed site
	siteFS embed.FS
	page   = template.Must(template.New("index.html").Funcs(template.FuncMap{
		"num":   formatNumber,
		"size":  formatSize,
		"add":   func(a, b int) int { return a + b },
		"lower": strings.ToLower,
	}).ParseFS(siteFS, "site/index.html"))
	contestID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Render returns the static files of one results snapshot: "index.html",
// "style.css", "results.json" (Snapshot.ResultsJSON, passed through), one
// round-by-round CSV per contest ("<id>.csv") and the Files that carry
// their Data. Names are slash-separated paths relative to the snapshot's
// directory.
func Render(s Snapshot) (map[string][]byte, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSnapshot, fmt.Sprintf(format, args...))
	}
	if s.ElectionName == "" {
		return nil, bad("ElectionName is empty")
	}
	if s.Version < 1 {
		return nil, bad("Version is %d, want 1 or more", s.Version)
	}
	if s.Date != "" {
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			return nil, bad("Date %q is not YYYY-MM-DD", s.Date)
		}
	}
	if s.Official && s.TestMode {
		return nil, bad("test-mode results cannot be official")
	}
	if len(s.Contests) == 0 {
		return nil, bad("no contests")
	}
	out := map[string][]byte{}
	add := func(name string, data []byte) error {
		if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, `\:`) {
			return bad("file name %q is not a clean relative path", name)
		}
		if _, dup := out[name]; dup {
			return bad("two files are named %q", name)
		}
		for other := range out {
			if strings.HasPrefix(other, name+"/") || strings.HasPrefix(name, other+"/") {
				return bad("file names %q and %q conflict", name, other)
			}
		}
		out[name] = data
		return nil
	}
	css, err := siteFS.ReadFile("site/style.css")
	if err != nil {
		return nil, err
	}
	out[IndexFile] = nil
	if err := add(StyleFile, css); err != nil {
		return nil, err
	}

	v := view{Snapshot: s, Published: s.PublishedAt.UTC()}
	if s.Date != "" {
		d, _ := time.Parse(time.DateOnly, s.Date)
		v.DateLong = d.Format("January 2, 2006")
	}
	for i, c := range s.Contests {
		cv, csvData, err := contestView(c)
		if err != nil {
			return nil, fmt.Errorf("%w: Contests[%d] (%q): %w", ErrInvalidSnapshot, i, c.ID, err)
		}
		name := c.ID + ".csv"
		if err := add(name, csvData); err != nil {
			return nil, err
		}
		cv.CSV = name
		v.Contests = append(v.Contests, cv)
		v.Downloads = append(v.Downloads, download(name, "Round-by-round votes, "+cv.Name+" (CSV)", csvData))
	}
	if s.ResultsJSON != nil {
		if err := add(ResultsFile, s.ResultsJSON); err != nil {
			return nil, err
		}
		v.Downloads = append(v.Downloads, download(ResultsFile, "Results in NIST SP 1500-100 format (JSON)", s.ResultsJSON))
	}
	for i, f := range s.Files {
		if f.Data != nil {
			d := download(f.Name, "", f.Data)
			if f.SHA256 != "" && f.SHA256 != d.SHA256 {
				return nil, bad("Files[%d] (%q): SHA256 %s does not match its data (%s)", i, f.Name, f.SHA256, d.SHA256)
			}
			if f.Size != 0 && f.Size != d.Size {
				return nil, bad("Files[%d] (%q): Size %d does not match its data (%d bytes)", i, f.Name, f.Size, d.Size)
			}
			if err := add(f.Name, f.Data); err != nil {
				return nil, err
			}
			v.Downloads = append(v.Downloads, d)
			continue
		}
		if !fs.ValidPath(f.Name) || f.Name == "." {
			return nil, bad("Files[%d]: name %q is not a clean relative path", i, f.Name)
		}
		if !hexSHA256.MatchString(f.SHA256) {
			return nil, bad("Files[%d] (%q): SHA256 %q is not 64 lower-case hex digits", i, f.Name, f.SHA256)
		}
		if f.Size < 0 {
			return nil, bad("Files[%d] (%q): negative Size", i, f.Name)
		}
		v.Downloads = append(v.Downloads, Download{Name: f.Name, SHA256: f.SHA256, Size: f.Size})
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return nil, err
	}
	out[IndexFile] = buf.Bytes()
	return out, nil
}

// Download is one row of the page's downloads table.
type Download struct {
	Name, Description, SHA256 string
	Size                      int64
}

func download(name, desc string, data []byte) Download {
	h := sha256.Sum256(data)
	return Download{Name: name, Description: desc, SHA256: hex.EncodeToString(h[:]), Size: int64(len(data))}
}

type view struct {
	Snapshot
	Published time.Time
	DateLong  string
	Contests  []*contestPage
	Downloads []Download
}
