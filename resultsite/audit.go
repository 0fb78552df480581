package resultsite

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/rla"
)

// AuditSnapshot is one publication of a risk-limiting audit's public facts:
// its settings and contests, the seed ceremony, each round's sample and
// progress and, once a round is closed, every board reading of it with the
// discrepancies, risks and decisions. Like Snapshot it is rendered once, by
// RenderAudit, and served as static files.
type AuditSnapshot struct {
	AuditID      string
	Election     string
	Jurisdiction string
	// Version numbers the audit's snapshots: 1, 2, ...
	Version     int
	PublishedAt time.Time
	// Trigger is the change the snapshot shows ("seed", "round-drawn",
	// "round-closed", "round-undone", "full-hand-count") and TriggerRound
	// its round (0 for the seed and a full hand count).
	Trigger      string
	TriggerRound int
	// Report is the audit report as audit.Audit.Report assembles it: the
	// readings in it are those of closed rounds only, which is what makes
	// the page safe to publish while a round is open.
	Report *audit.Report
	Seed   AuditSeed
	// Rounds are the drawn rounds in order, one per Report.Rounds entry.
	Rounds []AuditRound
	// Boards names the board whose reading of a ballot of a closed round
	// the page shows, by ballot; a ballot missing here shows no board.
	Boards          map[audit.BallotKey]string
	SoftwareVersion string
	// ReadingHistoryCSV, when set, is every revision of each corrected
	// reading of a closed round (office: who, when, why), published as
	// "reading-history.csv".
	ReadingHistoryCSV []byte
}

// AuditSeed is the public seed ceremony: the dice roll, who rolled and
// who watched, and the two-person request that entered it with the
// people who signed it.
type AuditSeed struct {
	Seed      string
	RolledBy  []string
	Witnesses []string
	Request   string
	Signers   []string
}

// AuditRound is one drawn round's progress as the office knows it when
// the snapshot is made.
type AuditRound struct {
	Round int
	// Ballots counts the distinct ballots (batches) the round asks the
	// boards to read, Read those with a reading.
	Ballots, Read int
	// Boards counts the round's audit boards, SignedOff those signed off.
	Boards, SignedOff int
	// SampleCSV is the round's sample as canvass rla sample writes it,
	// published as "round-N-sample.csv"; nil when the audit type has no
	// ballot sample (batch comparison).
	SampleCSV []byte
}

// Files of every audit snapshot besides IndexFile and StyleFile.
const (
	AuditReportJSON = "report.json"
	// AuditReportCSV is the rounds table (audit.Report.WriteCSV("rounds")),
	// the public contract of issue 9.
	AuditReportCSV = "report.csv"
	// AuditReadingHistory lists the revisions of corrected readings.
	AuditReadingHistory = "reading-history.csv"
)

// AuditJurisdictionPrefix starts the names of the i-th jurisdiction's
// own report files in a snapshot ("jurisdiction-1-county-a-report.json"):
// the index keeps names unique, the name (letters, digits, '.', '-' and
// '_' kept, anything else '_') keeps them readable.
func AuditJurisdictionPrefix(i int, name string) string {
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, name)
	return "jurisdiction-" + strconv.Itoa(i+1) + "-" + safe + "-"
}

// AuditSampleFile is the name of round n's sample CSV in a snapshot.
func AuditSampleFile(n int) string { return "round-" + strconv.Itoa(n) + "-sample.csv" }

// RenderAudit returns the static files of one audit snapshot:
// "index.html", "style.css", "report.json", "report.csv", "<table>.csv"
// for every table of audit.CSVTables, each jurisdiction's own report
// (AuditJurisdictionPrefix: report.json, and its sampled-ballots and
// discrepancies or its sampled-batches table) and "round-N-sample.csv"
// for every round with a sample. It is pure: the same AuditSnapshot always gives
// the same bytes.
func RenderAudit(s AuditSnapshot) (map[string][]byte, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSnapshot, fmt.Sprintf(format, args...))
	}
	if s.AuditID == "" {
		return nil, bad("AuditID is empty")
	}
	if s.Version < 1 {
		return nil, bad("Version is %d, want 1 or more", s.Version)
	}
	if s.Report == nil {
		return nil, bad("Report is nil")
	}
	if len(s.Rounds) != len(s.Report.Rounds) {
		return nil, bad("Rounds has %d rounds, Report.Rounds %d", len(s.Rounds), len(s.Report.Rounds))
	}
	for i, r := range s.Rounds {
		if r.Round != i+1 || s.Report.Rounds[i].Round != i+1 {
			return nil, bad("Rounds[%d] is round %d (report: %d), want %d", i, r.Round, s.Report.Rounds[i].Round, i+1)
		}
		if r.Read > r.Ballots || r.SignedOff > r.Boards || r.Read < 0 || r.SignedOff < 0 {
			return nil, bad("Rounds[%d]: %d of %d read, %d of %d boards signed off", i, r.Read, r.Ballots, r.SignedOff, r.Boards)
		}
	}
	out := map[string][]byte{}
	var downloads []Download
	add := func(name, desc string, data []byte) {
		out[name] = data
		downloads = append(downloads, download(name, desc, data))
	}
	css, err := siteFS.ReadFile("site/style.css")
	if err != nil {
		return nil, err
	}
	out[StyleFile] = append(css, auditCSS...)

	var b bytes.Buffer
	if err := s.Report.WriteJSON(&b); err != nil {
		return nil, err
	}
	add(AuditReportJSON, "The whole audit report (JSON)", bytes.Clone(b.Bytes()))
	for _, t := range audit.CSVTables {
		b.Reset()
		if err := s.Report.WriteCSV(t, &b); err != nil {
			return nil, err
		}
		data := bytes.Clone(b.Bytes())
		if t == "rounds" {
			add(AuditReportCSV, "Rounds: risk, discrepancies and decision per contest and round (CSV)", data)
		}
		add(t+".csv", "Report table: "+t+" (CSV)", data)
	}
	// Each jurisdiction's own report: its ballots (or batches) and
	// discrepancies, and the audit's risks for its contests.
	for i, js := range s.Report.Settings.Jurisdictions {
		jr := s.Report.ForJurisdiction(js.Name)
		prefix := AuditJurisdictionPrefix(i, js.Name)
		b.Reset()
		if err := jr.WriteJSON(&b); err != nil {
			return nil, err
		}
		add(prefix+"report.json", js.Name+": the jurisdiction's report (JSON)", bytes.Clone(b.Bytes()))
		tables := []string{"sampled-ballots", "discrepancies"}
		if len(jr.Batches) > 0 {
			tables = []string{"sampled-batches"}
		}
		for _, t := range tables {
			b.Reset()
			if err := jr.WriteCSV(t, &b); err != nil {
				return nil, err
			}
			add(prefix+t+".csv", js.Name+": "+t+" (CSV)", bytes.Clone(b.Bytes()))
		}
	}
	if s.ReadingHistoryCSV != nil {
		add(AuditReadingHistory, "Every revision of each corrected reading: board, who entered it, when and why (CSV)", s.ReadingHistoryCSV)
	}
	for _, r := range s.Rounds {
		if r.SampleCSV != nil {
			add(AuditSampleFile(r.Round), fmt.Sprintf("Round %d sample, as canvass rla sample writes it (CSV)", r.Round), r.SampleCSV)
		}
	}
	for name := range out {
		if !fs.ValidPath(name) || strings.Contains(name, "/") {
			return nil, bad("file name %q is not a plain file name", name)
		}
	}

	v := auditView(s)
	v.Downloads = downloads
	var page bytes.Buffer
	if err := auditPage.Execute(&page, v); err != nil {
		return nil, err
	}
	out[IndexFile] = page.Bytes()
	return out, nil
}

type auditPageView struct {
	AuditSnapshot
	Published  time.Time
	Title      string
	Done       bool
	Contests   []audit.ContestReport
	Rounds     []auditRoundView
	Downloads  []Download
	RiskLimit  string
	Discrepant int
}

type auditRoundView struct {
	AuditRound
	Draws, Skip int
	Sample      string
	Closed      bool
	Result      *audit.RoundResult
	Contests    []auditContestRow
	Readings    int
	// ReadingRows is the readings table's body, built by readingRows:
	// a closed round of 5,000 ballots has 15,000 rows or so, which
	// html/template's per-value escaping makes several times slower.
	ReadingRows template.HTML
	Batches     []auditBatchRow
}

type auditContestRow struct {
	audit.ContestRound
	Risk string
}

type auditReadingRow struct {
	Tickets, Jurisdiction, Location, Board, Container string
	Phantom                                           bool
	Contests                                          []audit.AuditedContest
}

type auditBatchRow struct {
	Tickets, Jurisdiction, Batch, Comment string
	Ballots                               int
	NotFound                              bool
	Contests                              []auditBatchContest
}

type auditBatchContest struct {
	Contest, Reported, Audited string
}

func auditView(s AuditSnapshot) *auditPageView {
	rep := s.Report
	v := &auditPageView{AuditSnapshot: s, Published: s.PublishedAt.UTC(), Contests: rep.Contests,
		RiskLimit: strconv.FormatFloat(rep.Settings.RiskLimit*100, 'g', -1, 64) + "%"}
	v.Title = rep.Settings.Name
	if v.Title == "" {
		v.Title = s.AuditID
	}
	for i, rr := range rep.Rounds {
		rv := auditRoundView{AuditRound: s.Rounds[i], Draws: rr.Count, Skip: rr.Skip, Result: rr.Result, Closed: rr.Result != nil}
		if s.Rounds[i].SampleCSV != nil {
			rv.Sample = AuditSampleFile(rr.Round)
		}
		if rr.Result != nil {
			v.Done = rr.Result.Done
			for _, c := range rr.Result.Contests {
				rv.Contests = append(rv.Contests, auditContestRow{ContestRound: c, Risk: formatRisk(c.Risk)})
			}
			var rows []auditReadingRow
			// The report carries the readings as of the last closed
			// round; each is shown under the round that first drew it.
			for _, ab := range rep.Ballots {
				if ab.Round != rr.Round {
					continue
				}
				loc := "batch " + ab.Batch + ", position " + strconv.Itoa(ab.Position)
				if ab.Tabulator != "" {
					loc = "tabulator " + ab.Tabulator + ", " + loc
				}
				rows = append(rows, auditReadingRow{Tickets: strings.Join(ab.Tickets, ", "), Jurisdiction: ab.Jurisdiction,
					Location: loc, Board: s.Boards[ab.BallotKey], Container: ab.Container, Phantom: ab.Phantom, Contests: ab.Contests})
				for _, c := range ab.Contests {
					if c.Kind != "" {
						v.Discrepant++
					}
				}
			}
			rv.Readings, rv.ReadingRows = len(rows), readingRows(rows)
			for _, bt := range rep.Batches {
				if bt.Round != rr.Round {
					continue
				}
				row := auditBatchRow{Tickets: strings.Join(bt.Tickets, ", "), Jurisdiction: bt.Jurisdiction, Batch: bt.Batch,
					Comment: bt.Comment, Ballots: bt.Ballots, NotFound: bt.NotFound}
				for _, c := range bt.Contests {
					row.Contests = append(row.Contests, auditBatchContest{Contest: c.Contest, Reported: formatCounts(c.Reported), Audited: formatCounts(c.Audited)})
				}
				rv.Batches = append(rv.Batches, row)
			}
		}
		v.Rounds = append(v.Rounds, rv)
	}
	return v
}

// readingRows writes the rows of the board readings table, every value
// escaped by html.EscapeString (text and double-quoted attribute safe).
func readingRows(rows []auditReadingRow) template.HTML {
	var b strings.Builder
	esc := html.EscapeString
	for _, r := range rows {
		for _, c := range r.Contests {
			b.WriteString("\n<tr><td>" + esc(r.Tickets) + "</td><td>" + esc(r.Jurisdiction) + ", " + esc(r.Location))
			if r.Container != "" {
				b.WriteString(`<span class="what">container ` + esc(r.Container) + "</span>")
			}
			if r.Phantom {
				b.WriteString(`<span class="what">phantom (no CVR)</span>`)
			}
			b.WriteString("</td><td>" + esc(r.Board) + "</td><td>" + esc(c.Contest) + "</td><td>" + esc(c.CVRReading) + "</td><td>" + esc(c.BoardReading))
			if c.Comment != "" {
				b.WriteString(`<span class="what">` + esc(c.Comment) + "</span>")
			}
			if c.Kind != "" {
				b.WriteString(`</td><td class="disc">` + esc(c.Kind) + "</td></tr>")
			} else {
				b.WriteString("</td><td>none</td></tr>")
			}
		}
	}
	return template.HTML(b.String())
}

func formatRisk(r float64) string {
	return strconv.FormatFloat(r, 'g', 6, 64)
}

func formatCounts(c rla.Counts) string {
	parts := make([]string, len(c))
	for i, x := range c {
		parts[i] = x.Name + ": " + strconv.Itoa(x.Votes)
	}
	return strings.Join(parts, "; ")
}

var auditPage = template.Must(template.New("audit.html").Funcs(template.FuncMap{
	"num":  formatNumber,
	"size": formatSize,
	"join": func(s []string) string { return strings.Join(s, ", ") },
	"pct":  func(x float64) string { return strconv.FormatFloat(x*100, 'f', 2, 64) + "%" },
}).Parse(auditHTML))

// auditCSS is appended to the results stylesheet for the audit page.
const auditCSS = `
/* audit page */
.badge.progress { background: #e8f0fb; color: #0b3d75; border: 1px solid #0b5cad; }
.badge.done { background: #e3f3e8; color: #0f5a2a; border: 1px solid #2e8b57; }
code.seed { font-size: 1.1rem; letter-spacing: 0.05em; word-break: break-all; }
table.wide { width: 100%; }
td.disc { font-weight: 700; }
.decision-confirmed { color: #0f5a2a; font-weight: 700; }
.decision-full-hand-count { color: #8f001a; font-weight: 700; }
`
