package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

func init() {
	register(&command{
		name:    "tabulate",
		summary: "tabulate contests from an RCTab configuration or directly from CVR files",
		run:     runTabulate,
	})
}

const tabulateSynopsis = `--rctab-config FILE --out DIR [flags]
       canvass tabulate --format FORMAT [flags] PATH...

The first form runs an RCTab contest configuration (CVR paths relative to the
file) and writes RCTab's reports into DIR with a manifest of input and output
hashes; nothing is written if the configuration or any CVR is invalid.

The second form reads CVR files of one format (` + "`canvass tabulate --help`" + ` lists
them) with no configuration and counts every contest in them (or --contest):
ranked contests by ranked-choice rules (flags below), others by plurality or
vote-for-N. It prints a readable summary; --output json or nist selects a
machine-readable form, and --out DIR also writes the reports with a manifest.

Flags:`

func runTabulate(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("tabulate", tabulateSynopsis, stderr)
	config := fs.String("rctab-config", "", "RCTab contest configuration `file`")
	out := fs.String("out", "", "write results into this new or empty `directory` (with manifest.json)")
	var decisions stringList
	fs.Var(&decisions, "tiebreak-choice", "for the \"ask\" tie-break modes: the `candidate` to choose at the next tie (repeat in order)")
	cvrExport := fs.Bool("rctab-cvr", false, "with --rctab-config: also write rctab_cvr.csv, RCTab's normalized CVR export (large)")
	asJSON := fs.Bool("json", false, "with --rctab-config: print a JSON summary instead of text")

	format := fs.String("format", "", "CVR `format` to read directly: "+strings.Join(cvr.Formats(), ", "))
	contest := fs.String("contest", "", "count only the contest with this `ID or name`")
	output := fs.String("output", "text", "what to print: text, json (canvass summary) or nist (NIST SP 1500-100)")
	d := directRules{}
	fs.StringVar(&d.overvote, "overvote-rule", "exhaustImmediately", "ranked contests: alwaysSkipToNextRank, exhaustImmediately or exhaustIfMultipleContinuing")
	fs.StringVar(&d.maxSkipped, "max-skipped-ranks", "1", "ranked contests: consecutive skipped ranks allowed, or \"unlimited\"")
	fs.StringVar(&d.tiebreak, "tiebreak", "stopCountingAndAsk", "ranked contests: tie-break mode (random, useCandidateOrder, stopCountingAndAsk, ...)")
	fs.Int64Var(&d.seed, "seed", 0, "ranked contests: random seed for the random tie-break modes")
	fs.BoolVar(&d.batch, "batch-elimination", false, "ranked contests: eliminate hopeless candidates together")
	fs.IntVar(&d.seats, "seats", 0, "seats to fill (default: the contest's vote-for, or 1)")
	fs.BoolVar(&d.approval, "approval", false, "count unranked contests by approval (any number of marks)")
	src := cvr.Source{}
	fs.IntVar(&src.FirstVoteColumn, "first-vote-column", 0, "ES&S/generic CSV: 1-based column of the first ranking (0: format default)")
	fs.IntVar(&src.FirstVoteRow, "first-vote-row", 0, "ES&S/generic CSV: 1-based row of the first ballot (0: format default)")
	fs.IntVar(&src.IDColumn, "id-column", 0, "ES&S/generic CSV: 1-based ballot ID column")
	fs.IntVar(&src.PrecinctColumn, "precinct-column", 0, "ES&S/generic CSV: 1-based precinct column")
	fs.IntVar(&src.BatchColumn, "batch-column", 0, "ES&S/generic CSV: 1-based batch column")
	fs.StringVar(&src.UndeclaredWriteInLabel, "write-in-label", "", "text or code that means an undeclared write-in")
	fs.StringVar(&src.OvervoteLabel, "overvote-label", "", "text that means an overvote")
	fs.StringVar(&src.UndervoteLabel, "undervote-label", "", "text that means no mark at a rank")
	fs.StringVar(&src.OvervoteDelimiter, "overvote-delimiter", "", "ES&S: separator of candidates in an overvoted cell")
	var lt logTarget
	lt.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := lt.check(); err != nil {
		fmt.Fprintln(stderr, "canvass tabulate:", err)
		return errUsage
	}
	if lt.dir != "" && *out == "" {
		fmt.Fprintln(stderr, "canvass tabulate: --log records the results written by --out; give --out DIR")
		return errUsage
	}
	d.decisions = decisions
	switch {
	case *config != "" && *format != "":
		fmt.Fprintln(stderr, "canvass tabulate: use either --rctab-config or --format, not both")
		return errUsage
	case *config != "":
		if *out == "" || fs.NArg() > 0 {
			fmt.Fprintln(stderr, "canvass tabulate: --rctab-config needs --out DIR and no other arguments")
			return errUsage
		}
		return tabulateConfig(*config, *out, decisions, *cvrExport, *asJSON, &lt, stdout, stderr)
	case *format != "":
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "canvass tabulate: --format needs at least one CVR file or folder")
			return errUsage
		}
		switch *output {
		case "text", "json", "nist":
		default:
			fmt.Fprintf(stderr, "canvass tabulate: --output %q: want text, json or nist\n", *output)
			return errUsage
		}
		src.ContestID = *contest
		return tabulateDirect(*format, fs.Args(), src, d, *output, *out, &lt, stdout, stderr)
	}
	fs.Usage()
	return errUsage
}

// tabulateConfig runs an RCTab configuration and writes its reports.
func tabulateConfig(config, outDir string, decisions []string, cvrExport, asJSON bool, lt *logTarget, stdout, stderr io.Writer) error {
	start := time.Now()
	res, err := rctab.Run(config, rctab.Options{Version: versionString(), TiebreakDecisions: decisions, NoCVRExport: !cvrExport})
	if err != nil {
		return explainTabulateError(err)
	}
	inputs, err := evidence.CommitInputs(filepath.Dir(config), res.Inputs)
	if err != nil {
		return fmt.Errorf("hashing inputs: %w", err)
	}
	m := evidence.Manifest{Software: buildinfo.Read(), Command: "tabulate --rctab-config", Rules: res.Config.RawRules, Inputs: inputs}
	if err := evidence.WriteDir(outDir, res.Files, m); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d files and %s to %s in %.2fs\n", len(res.Files), evidence.ManifestName, outDir, time.Since(start).Seconds())
	if err := recordTabulation(lt, outDir, "tabulate --rctab-config "+filepath.Base(config), []string{res.Config.Output.ContestName}, stderr); err != nil {
		return err
	}
	info := reportInfo(res.Config)
	if asJSON {
		s, err := results.SummarizeRanked(res.Config.Output.ContestName, res.Config.Output.ContestName, res.Result, info)
		if err != nil {
			return err
		}
		return writeJSON(stdout, results.Summary{Format: results.SummaryFormat, Software: buildinfo.Read(), Inputs: inputs, Contests: []results.ContestSummary{s}})
	}
	for i, t := range res.Result.Tabulations {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := tabulate.WriteText(stdout, t, info); err != nil {
			return err
		}
	}
	return nil
}

func reportInfo(c *rctab.Config) tabulate.ReportInfo {
	o := c.Output
	return tabulate.ReportInfo{Contest: o.ContestName, Date: o.ContestDate, Jurisdiction: o.ContestJurisdiction,
		Office: o.ContestOffice, GeneratedBy: "canvass " + versionString()}
}

// explainTabulateError adds what to do next to the errors a count can end
// with.
func explainTabulateError(err error) error {
	var tie *tabulate.TieDecisionError
	if errors.As(err, &tie) && tie.Given == "" {
		return fmt.Errorf("%w\nresolve the tie as the law provides, then run again with --tiebreak-choice NAME (one per tie, in order)", err)
	}
	return err
}

// directRules are the ranked-choice rules for CVRs counted without an RCTab
// configuration. The defaults (overvote exhausts, one skipped rank allowed,
// ties decided by a person) are those of Maine and Alaska law; every one can
// be changed by a flag.
type directRules struct {
	overvote, maxSkipped, tiebreak string
	seed                           int64
	batch, approval                bool
	seats                          int
	decisions                      []string
}

func (d directRules) ranked(seats int) (tabulate.Rules, error) {
	r := tabulate.Rules{NumberOfWinners: seats, RandomSeed: d.seed, TiebreakDecisions: d.decisions,
		BatchElimination: d.batch, DecimalPlaces: 4}
	r.Mode = tabulate.SingleWinnerMajority
	if seats > 1 {
		r.Mode = tabulate.MultiWinnerAllowMultipleWinnersPerRound
	}
	var err error
	if r.Overvote, err = tabulate.ParseOvervoteRule(d.overvote); err != nil {
		return r, err
	}
	if r.Tiebreak, err = tabulate.ParseTiebreakMode(d.tiebreak); err != nil {
		return r, err
	}
	if d.maxSkipped == "unlimited" {
		r.MaxSkippedRanks = tabulate.UnlimitedSkippedRanks
	} else if r.MaxSkippedRanks, err = strconv.Atoi(d.maxSkipped); err != nil || r.MaxSkippedRanks < 0 {
		return r, fmt.Errorf("--max-skipped-ranks %q: want a whole number or \"unlimited\"", d.maxSkipped)
	}
	return r, nil
}

// contestBallots accumulates one contest's ballots, grouped by their marks:
// a county's CVRs hold far fewer distinct markings than ballots.
type contestBallots struct {
	groups  map[string]int64
	order   []string // first-seen order, so counts are deterministic
	maxRank int32
}

func encodeMarks(buf []byte, ms []election.Mark) []byte {
	buf = buf[:0]
	for _, m := range ms {
		buf = append(buf, byte(m.Rank>>24), byte(m.Rank>>16), byte(m.Rank>>8), byte(m.Rank),
			byte(m.Choice>>24), byte(m.Choice>>16), byte(m.Choice>>8), byte(m.Choice))
	}
	return buf
}

func decodeMarks(s string) []election.Mark {
	ms := make([]election.Mark, len(s)/8)
	for i := range ms {
		b := s[i*8:]
		ms[i].Rank = int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
		ms[i].Choice = election.Choice(int32(uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])))
	}
	return ms
}

// tabulateDirect counts every contest in CVR files read with one format.
func tabulateDirect(format string, paths []string, src cvr.Source, d directRules, output, outDir string, lt *logTarget, stdout, stderr io.Writer) error {
	read, err := cvr.Lookup(format)
	if err != nil {
		return err
	}
	start := time.Now()
	e := &election.Election{}
	contests := map[int32]*contestBallots{}
	var key []byte
	var records int64
	lastReport := start
	for _, p := range paths {
		src.Path = p
		err := read(src, e, func(rec *election.CVR) error {
			records++
			if records%65536 == 0 && time.Since(lastReport) > 2*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(stderr, "read %d records (%s)\n", records, p)
			}
			for _, cm := range rec.Contests {
				cb := contests[cm.Contest]
				if cb == nil {
					cb = &contestBallots{groups: map[string]int64{}}
					contests[cm.Contest] = cb
				}
				key = encodeMarks(key, cm.Marks)
				if n, ok := cb.groups[string(key)]; ok {
					cb.groups[string(key)] = n + 1
				} else {
					k := string(key)
					cb.groups[k] = 1
					cb.order = append(cb.order, k)
				}
				for _, m := range cm.Marks {
					cb.maxRank = max(cb.maxRank, m.Rank)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(e.Contests) == 0 {
		return fmt.Errorf("no contests found in %s", strings.Join(paths, ", "))
	}
	inputs, err := evidence.CommitInputs("", paths)
	if err != nil {
		return fmt.Errorf("hashing inputs: %w", err)
	}
	summary := results.Summary{Format: results.SummaryFormat, Software: buildinfo.Read(), Inputs: inputs}
	report := &results.Report{Election: strings.Join(paths, ", "), Software: "canvass " + versionString(), Generated: time.Now()}
	var text bytes.Buffer
	files := map[string][]byte{}
	for i, c := range e.Contests {
		cb := contests[int32(i)]
		if cb == nil {
			cb = &contestBallots{groups: map[string]int64{}}
		}
		name := c.Name
		if name == "" {
			name = c.ID
		}
		seats := d.seats
		if seats == 0 {
			seats = max(c.VoteFor, 1)
		}
		if text.Len() > 0 {
			text.WriteString("\n")
		}
		if c.Ranks > 1 || cb.maxRank > 1 {
			res, err := countRanked(c, cb, d, seats)
			if err != nil {
				return fmt.Errorf("contest %q: %w", name, explainTabulateError(err))
			}
			info := tabulate.ReportInfo{Contest: name, GeneratedBy: "canvass " + versionString()}
			s, err := results.SummarizeRanked(c.ID, name, res, info)
			if err != nil {
				return err
			}
			summary.Contests = append(summary.Contests, s)
			for _, t := range res.Tabulations {
				tabulate.WriteText(&text, t, info)
				report.Contests = append(report.Contests, results.FromTabulation(c.ID, name, t))
				if outDir != "" {
					dir := rctab.SanitizeFileName(name)
					if t.Pass > 0 {
						dir += fmt.Sprintf("/%d", t.Pass)
					}
					var j, csv, sum bytes.Buffer
					tabulate.WriteDetailedJSON(&j, t, info)
					tabulate.WriteDetailedCSV(&csv, t, info)
					tabulate.WriteSummaryCSV(&sum, t, info)
					files[dir+"/"+rctab.DetailedJSON] = j.Bytes()
					files[dir+"/"+rctab.DetailedCSV] = csv.Bytes()
					files[dir+"/"+rctab.SummaryCSV] = sum.Bytes()
				}
			}
			continue
		}
		method := tabulate.Plurality
		if d.approval {
			method = tabulate.Approval
		}
		tally, err := tabulate.NewTally(c.Candidates, method, max(c.VoteFor, seats))
		if err != nil {
			return fmt.Errorf("contest %q: %w", name, err)
		}
		for _, k := range cb.order {
			if err := tally.AddCount(decodeMarks(k), cb.groups[k]); err != nil {
				return fmt.Errorf("contest %q: %w", name, err)
			}
		}
		r := tally.Result(seats)
		tabulate.WriteTallyText(&text, name, tally, r)
		summary.Contests = append(summary.Contests, results.SummarizeTally(c.ID, name, tally, r, seats))
		report.Contests = append(report.Contests, results.FromTally(c.ID, name, tally, r, seats))
	}
	var sumJSON, nist bytes.Buffer
	if err := writeJSON(&sumJSON, summary); err != nil {
		return err
	}
	if err := results.Write(&nist, report); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "counted %d records, %d contests in %.2fs\n", records, len(summary.Contests), time.Since(start).Seconds())
	if outDir != "" {
		files["results.json"] = sumJSON.Bytes()
		files["nist_results.json"] = nist.Bytes()
		files["results.txt"] = text.Bytes()
		rules, _ := json.Marshal(map[string]any{"overvoteRule": d.overvote, "maxSkippedRanksAllowed": d.maxSkipped,
			"tiebreakMode": d.tiebreak, "randomSeed": d.seed, "batchElimination": d.batch, "approval": d.approval, "seats": d.seats, "format": format})
		m := evidence.Manifest{Software: buildinfo.Read(), Command: "tabulate --format " + format, Rules: rules, Inputs: inputs}
		if err := evidence.WriteDir(outDir, files, m); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files and %s to %s\n", len(files), evidence.ManifestName, outDir)
		var names []string
		for _, c := range summary.Contests {
			names = append(names, c.Name)
		}
		if err := recordTabulation(lt, outDir, "tabulate --format "+format, names, stderr); err != nil {
			return err
		}
	}
	var err2 error
	switch output {
	case "json":
		_, err2 = stdout.Write(sumJSON.Bytes())
	case "nist":
		_, err2 = stdout.Write(nist.Bytes())
	default:
		_, err2 = stdout.Write(text.Bytes())
	}
	return err2
}

func countRanked(c *election.Contest, cb *contestBallots, d directRules, seats int) (*tabulate.Result, error) {
	rules, err := d.ranked(seats)
	if err != nil {
		return nil, err
	}
	b := tabulate.NewBallots(len(c.Candidates))
	for _, k := range cb.order {
		if _, err := b.AddCount(decodeMarks(k), "", "", cb.groups[k]); err != nil {
			return nil, err
		}
	}
	return tabulate.RankedChoice(tabulate.RankedInput{Candidates: c.Candidates, Ballots: b, Rules: rules})
}
