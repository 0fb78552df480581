package count

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/tabulate"
)

// Options are the rules and reading settings of CVRFiles. The zero value
// counts by the defaults of Maine and Alaska law for ranked contests
// (overvotes exhaust, one skipped rank allowed, ties decided by a person)
// and by plurality or vote-for-N otherwise.
type Options struct {
	// Source carries the reading settings (labels, column positions) and
	// ContestID, which restricts the count to one contest (ID or name).
	// Its FS, Path, Record and Candidates are set by CVRFiles.
	Source cvr.Source

	// Overvote, MaxSkippedRanks and Tiebreak are RCTab's names for the
	// ranked-choice rules: "exhaustImmediately", "1" (or "unlimited"),
	// "stopCountingAndAsk" when empty. The manifest records them as given.
	Overvote        string
	MaxSkippedRanks string
	Tiebreak        string
	// Seed seeds the random tie-break modes.
	Seed int64
	// BatchElimination eliminates hopeless candidates together.
	BatchElimination bool
	// Approval counts unranked contests by approval.
	Approval bool
	// Seats is the number of seats to fill; zero means each contest's
	// vote-for, or 1.
	Seats int
	// TiebreakDecisions answer, in order, the ties the "ask" modes meet.
	TiebreakDecisions []string

	// Version is canvass's version, written into reports.
	Version string
	// Election names the count in the NIST report; empty means the
	// input paths.
	Election string
	// Generated is the NIST report's time; zero means now.
	Generated time.Time
	// Progress, if set, is called every 65,536 records with the number
	// read so far and the file being read, for long counts.
	Progress func(records int64, file string)
}

// Names of the files CVRFiles writes besides the per-contest reports.
const (
	SummaryJSON = "results.json"
	NISTJSON    = "nist_results.json"
	SummaryText = "results.txt"
)

func (o *Options) defaults() {
	if o.Overvote == "" {
		o.Overvote = "exhaustImmediately"
	}
	if o.MaxSkippedRanks == "" {
		o.MaxSkippedRanks = "1"
	}
	if o.Tiebreak == "" {
		o.Tiebreak = "stopCountingAndAsk"
	}
}

// ranked returns the ranked-choice rules for a contest with seats seats.
func (o *Options) ranked(seats int) (tabulate.Rules, error) {
	r := tabulate.Rules{NumberOfWinners: seats, RandomSeed: o.Seed, TiebreakDecisions: o.TiebreakDecisions,
		BatchElimination: o.BatchElimination, DecimalPlaces: 4}
	r.Mode = tabulate.SingleWinnerMajority
	if seats > 1 {
		r.Mode = tabulate.MultiWinnerAllowMultipleWinnersPerRound
	}
	var err error
	if r.Overvote, err = tabulate.ParseOvervoteRule(o.Overvote); err != nil {
		return r, err
	}
	if r.Tiebreak, err = tabulate.ParseTiebreakMode(o.Tiebreak); err != nil {
		return r, err
	}
	if o.MaxSkippedRanks == "unlimited" {
		r.MaxSkippedRanks = tabulate.UnlimitedSkippedRanks
	} else if r.MaxSkippedRanks, err = strconv.Atoi(o.MaxSkippedRanks); err != nil || r.MaxSkippedRanks < 0 {
		return r, fmt.Errorf("--max-skipped-ranks %q: want a whole number or \"unlimited\"", o.MaxSkippedRanks)
	}
	return r, nil
}

// contestBallots are one contest's ballots, grouped as they are read.
type contestBallots struct {
	ballots *tabulate.Ballots
	maxRank int32
}

// CVRFiles counts every contest (or Options.Source.ContestID) in the CVR
// files of one format named by paths in fsys; a folder format (Dominion,
// Hart) takes folders. Ranked contests are counted by ranked-choice rules,
// the others by plurality, vote-for-N or approval. The results package
// holds results.json (the summary), nist_results.json (NIST SP 1500-100),
// results.txt, RCTab's reports for each ranked contest under its name, and
// the manifest, whose inputs are the files read, named as in fsys. A nil
// fsys means the operating system's files, paths ordinary paths, as the
// command line gives them.
func CVRFiles(fsys fs.FS, format string, paths []string, opts Options) (*Results, error) {
	read, err := cvr.Lookup(format)
	if err != nil {
		return nil, err
	}
	if err := distinctPaths(fsys, paths); err != nil {
		return nil, err
	}
	opts.defaults()
	rec := evidence.NewRecorder()
	src := opts.Source
	src.FS, src.Record, src.Candidates = fsys, rec, nil
	// Single-contest formats take a contest ID as the name of the one
	// contest they hold, so a --contest that matches nothing would rename
	// it: read without it and check the name afterwards (issue 11).
	wantContest := ""
	if singleContest[format] {
		wantContest, src.ContestID = src.ContestID, ""
	}
	e := &election.Election{}
	var contests []*contestBallots
	var records int64
	for _, p := range paths {
		src.Path = p
		inSource := 0
		err := read(src, e, func(r *election.CVR) error {
			records++
			inSource++
			if opts.Progress != nil && records%65536 == 0 {
				opts.Progress(records, p)
			}
			for _, cm := range r.Contests {
				for int(cm.Contest) >= len(contests) {
					contests = append(contests, &contestBallots{ballots: tabulate.NewBallots(0)})
				}
				cb := contests[cm.Contest]
				// Readers add candidates (write-ins) as they meet them.
				cb.ballots.Grow(len(e.Contests[cm.Contest].Candidates))
				for _, m := range cm.Marks {
					cb.maxRank = max(cb.maxRank, m.Rank)
				}
				if _, err := cb.ballots.Add(cm.Marks, "", ""); err != nil {
					file := p
					if r.Source != "" {
						file = r.Source // the file inside a folder source
					}
					return &cvr.Error{Path: file, Record: inSource, Field: "contest " + e.Contests[cm.Contest].ID, Err: err}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(e.Contests) == 0 {
		return nil, fmt.Errorf("no contests found in %s", strings.Join(paths, ", "))
	}
	if wantContest != "" {
		var have []string
		found := false
		for _, c := range e.Contests {
			found = found || c.ID == wantContest || c.Name == wantContest
			have = append(have, strconv.Quote(c.Name))
		}
		if !found {
			return nil, fmt.Errorf("--contest %q matches no contest in %s; it holds %s (a %s file holds one contest, named after the file or its header): give one of those, or leave --contest out", wantContest, strings.Join(paths, ", "), strings.Join(have, ", "), format)
		}
	}
	inputs, err := rec.Inputs()
	if err != nil {
		return nil, err
	}
	gen := "canvass"
	if opts.Version != "" {
		gen += " " + opts.Version
	}
	summary := results.Summary{Format: results.SummaryFormat, Software: buildinfo.Read(), Inputs: inputs}
	report := &results.Report{Election: opts.Election, Software: gen, Generated: opts.Generated}
	if report.Election == "" {
		report.Election = strings.Join(paths, ", ")
	}
	if report.Generated.IsZero() {
		report.Generated = time.Now()
	}
	var text bytes.Buffer
	files := map[string][]byte{}
	for i, c := range e.Contests {
		cb := &contestBallots{ballots: tabulate.NewBallots(0)}
		if i < len(contests) {
			cb = contests[i]
		}
		cb.ballots.Grow(len(c.Candidates))
		name := c.Name
		if name == "" {
			name = c.ID
		}
		seats := opts.Seats
		if seats == 0 {
			seats = max(c.VoteFor, 1)
		}
		if text.Len() > 0 {
			text.WriteString("\n")
		}
		if c.Ranks > 1 || cb.maxRank > 1 {
			rules, err := opts.ranked(seats)
			if err != nil {
				return nil, fmt.Errorf("contest %q: %w", name, err)
			}
			res, err := tabulate.RankedChoice(tabulate.RankedInput{Candidates: c.Candidates, Ballots: cb.ballots, Rules: rules})
			if err != nil {
				return nil, fmt.Errorf("contest %q: %w", name, err)
			}
			info := tabulate.ReportInfo{Contest: name, GeneratedBy: gen}
			s, err := results.SummarizeRanked(c.ID, name, res, info)
			if err != nil {
				return nil, err
			}
			summary.Contests = append(summary.Contests, s)
			for _, t := range res.Tabulations {
				if err := tabulate.WriteText(&text, t, info); err != nil {
					return nil, err
				}
				report.Contests = append(report.Contests, results.FromTabulation(c.ID, name, t))
				dir := rctab.SanitizeFileName(name)
				if t.Pass > 0 {
					dir += fmt.Sprintf("/%d", t.Pass)
				}
				var j, csv, sum bytes.Buffer
				if err := tabulate.WriteDetailedJSON(&j, t, info); err != nil {
					return nil, err
				}
				if err := tabulate.WriteDetailedCSV(&csv, t, info); err != nil {
					return nil, err
				}
				if err := tabulate.WriteSummaryCSV(&sum, t, info); err != nil {
					return nil, err
				}
				files[dir+"/"+rctab.DetailedJSON] = j.Bytes()
				files[dir+"/"+rctab.DetailedCSV] = csv.Bytes()
				files[dir+"/"+rctab.SummaryCSV] = sum.Bytes()
			}
			continue
		}
		method := tabulate.Plurality
		if opts.Approval {
			method = tabulate.Approval
		}
		tally, err := tabulate.NewTally(c.Candidates, method, max(c.VoteFor, seats))
		if err != nil {
			return nil, fmt.Errorf("contest %q: %w", name, err)
		}
		err = cb.ballots.Each(func(marks []election.Mark, _, _ string, n int64) error {
			return tally.AddCount(marks, n)
		})
		if err != nil {
			return nil, fmt.Errorf("contest %q: %w", name, err)
		}
		r := tally.Result(seats)
		tabulate.WriteTallyText(&text, name, tally, r)
		summary.Contests = append(summary.Contests, results.SummarizeTally(c.ID, name, tally, r, seats))
		report.Contests = append(report.Contests, results.FromTally(c.ID, name, tally, r, seats))
	}
	sumJSON, err := encodeJSON(summary)
	if err != nil {
		return nil, err
	}
	var nist bytes.Buffer
	if err := results.Write(&nist, report); err != nil {
		return nil, err
	}
	files[SummaryJSON] = sumJSON
	files[NISTJSON] = nist.Bytes()
	files[SummaryText] = text.Bytes()
	rules, _ := json.Marshal(map[string]any{"overvoteRule": opts.Overvote, "maxSkippedRanksAllowed": opts.MaxSkippedRanks,
		"tiebreakMode": opts.Tiebreak, "randomSeed": opts.Seed, "batchElimination": opts.BatchElimination, "approval": opts.Approval, "seats": opts.Seats, "format": format})
	m, err := evidence.Seal(files, evidence.Manifest{Software: buildinfo.Read(), Command: "tabulate --format " + format, Rules: rules, Inputs: inputs})
	if err != nil {
		return nil, err
	}
	return &Results{Files: files, Manifest: m, Summary: summary, Text: text.Bytes(), Records: records}, nil
}

// distinctPaths refuses an input named twice ("dir" and "dir/", "a.csv" and
// "./a.csv"), which would count every ballot in it twice (issue 11).
func distinctPaths(fsys fs.FS, paths []string) error {
	seen := map[string]int{}
	for i, p := range paths {
		key := filepath.Clean(p)
		if fsys != nil {
			key = path.Clean(p)
		} else if abs, err := filepath.Abs(key); err == nil {
			key = abs
		}
		if j, dup := seen[key]; dup {
			return fmt.Errorf("input %d (%s) is input %d (%s) again; each export must be given once, or its ballots would be counted twice", i+1, p, j+1, paths[j])
		}
		seen[key] = i
	}
	return nil
}

// singleContest lists the formats whose files hold one contest, which the
// reader names after the file (generic CSV) or its header (ES&S).
var singleContest = map[string]bool{"genericCsv": true, "ess": true}
