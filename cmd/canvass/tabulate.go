package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/evidence"
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
	asJSON := fs.Bool("json", false, "print the JSON summary instead of text (the same as --output json)")

	format := fs.String("format", "", "CVR `format` to read directly: "+strings.Join(cvr.Formats(), ", "))
	contest := fs.String("contest", "", "count only the contest with this `ID or name`")
	output := fs.String("output", "text", "what to print: text, json (canvass summary) or nist (NIST SP 1500-100)")
	d := count.Options{}
	fs.StringVar(&d.Overvote, "overvote-rule", "exhaustImmediately", "ranked contests: alwaysSkipToNextRank, exhaustImmediately or exhaustIfMultipleContinuing")
	fs.StringVar(&d.MaxSkippedRanks, "max-skipped-ranks", "1", "ranked contests: consecutive skipped ranks allowed, or \"unlimited\"")
	fs.StringVar(&d.Tiebreak, "tiebreak", "stopCountingAndAsk", "ranked contests: tie-break mode (random, useCandidateOrder, stopCountingAndAsk, ...)")
	fs.Int64Var(&d.Seed, "seed", 0, "ranked contests: random seed for the random tie-break modes")
	fs.BoolVar(&d.BatchElimination, "batch-elimination", false, "ranked contests: eliminate hopeless candidates together")
	fs.IntVar(&d.Seats, "seats", 0, "seats to fill (default: the contest's vote-for, or 1)")
	fs.BoolVar(&d.Approval, "approval", false, "count unranked contests by approval (any number of marks)")
	src := &d.Source
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
	d.TiebreakDecisions = decisions
	// --json means the same in every command: print JSON. --output json
	// is its older spelling.
	switch {
	case *asJSON && isSet(fs, "output") && *output != "json":
		fmt.Fprintf(stderr, "canvass tabulate: --json and --output %s disagree; give one\n", *output)
		return errUsage
	case *asJSON:
		*output = "json"
	}
	switch *output {
	case "text", "json", "nist":
	default:
		fmt.Fprintf(stderr, "canvass tabulate: --output %q: want text, json or nist\n", *output)
		return errUsage
	}
	switch {
	case *config != "" && *format != "":
		fmt.Fprintln(stderr, "canvass tabulate: use either --rctab-config or --format, not both")
		return errUsage
	case *config != "":
		if *out == "" || fs.NArg() > 0 {
			fmt.Fprintln(stderr, "canvass tabulate: --rctab-config needs --out DIR and no other arguments")
			return errUsage
		}
		if *output == "nist" {
			fmt.Fprintln(stderr, "canvass tabulate: --output nist works with --format; an RCTab configuration writes RCTab's reports")
			return errUsage
		}
		return tabulateConfig(*config, *out, decisions, *cvrExport, *output == "json", &lt, stdout, stderr)
	case *format != "":
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "canvass tabulate: --format needs at least one CVR file or folder")
			return errUsage
		}
		// Flag values are checked before any file is read: a wrong one
		// is a usage error, not a failed count.
		if err := checkDirectFlags(*format, &d); err != nil {
			fmt.Fprintln(stderr, "canvass tabulate:", err)
			return errUsage
		}
		src.ContestID = *contest
		return tabulateDirect(*format, fs.Args(), d, *output, *out, &lt, stdout, stderr)
	}
	fmt.Fprintln(stderr, "canvass tabulate: give --rctab-config FILE --out DIR, or --format FORMAT and CVR files")
	fs.Usage()
	return errUsage
}

// checkDirectFlags checks the flags of a direct count (--format) that can be
// checked without reading a file.
func checkDirectFlags(format string, d *count.Options) error {
	if _, err := cvr.Lookup(format); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if _, err := tabulate.ParseOvervoteRule(d.Overvote); err != nil {
		return fmt.Errorf("--overvote-rule: %w", err)
	}
	if _, err := tabulate.ParseTiebreakMode(d.Tiebreak); err != nil {
		return fmt.Errorf("--tiebreak: %w", err)
	}
	if m := d.MaxSkippedRanks; m != "unlimited" {
		if n, err := strconv.Atoi(m); err != nil || n < 0 {
			return fmt.Errorf("--max-skipped-ranks %q: want a whole number or \"unlimited\"", m)
		}
	}
	if d.Seats < 0 {
		return fmt.Errorf("--seats %d: want 1 or more (0: the contest's vote-for)", d.Seats)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"--first-vote-column", d.Source.FirstVoteColumn}, {"--first-vote-row", d.Source.FirstVoteRow}, {"--id-column", d.Source.IDColumn}, {"--precinct-column", d.Source.PrecinctColumn}, {"--batch-column", d.Source.BatchColumn}} {
		if f.v < 0 {
			return fmt.Errorf("%s %d: want a 1-based position (0: none or the format's default)", f.name, f.v)
		}
	}
	return nil
}

// tabulateConfig runs an RCTab configuration and writes its reports.
func tabulateConfig(config, outDir string, decisions []string, cvrExport, asJSON bool, lt *logTarget, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := evidence.CheckOutDir(outDir); err != nil {
		return err
	}
	if err := lt.ready(); err != nil {
		return err
	}
	res, err := count.RCTabConfig(nil, config, count.RCTabOptions{Version: versionString(), TiebreakDecisions: decisions, CVRExport: cvrExport})
	if err != nil {
		return explainTabulateError(err)
	}
	for _, w := range res.Manifest.Warnings {
		fmt.Fprintf(stderr, "canvass tabulate: warning: %s\n", w)
	}
	if err := evidence.WriteFiles(outDir, res.Files); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d files and %s to %s in %.2fs\n", len(res.Files)-1, evidence.ManifestName, outDir, time.Since(start).Seconds())
	if err := recordTabulation(lt, outDir, "tabulate --rctab-config "+filepath.Base(config), contestNames(res), stderr); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, res.Summary)
	}
	_, err = stdout.Write(res.Text)
	return err
}

func contestNames(res *count.Results) []string {
	var names []string
	for _, c := range res.Summary.Contests {
		names = append(names, c.Name)
	}
	return names
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

// tabulateDirect counts every contest in CVR files read with one format.
func tabulateDirect(format string, paths []string, opts count.Options, output, outDir string, lt *logTarget, stdout, stderr io.Writer) error {
	if _, err := cvr.Lookup(format); err != nil {
		return err
	}
	if outDir != "" {
		if err := evidence.CheckOutDir(outDir); err != nil {
			return err
		}
	}
	if err := lt.ready(); err != nil {
		return err
	}
	start := time.Now()
	lastReport := start
	opts.Version = versionString()
	opts.Progress = func(records int64, file string) {
		if time.Since(lastReport) > 2*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(stderr, "read %d records (%s)\n", records, file)
		}
	}
	res, err := count.CVRFiles(nil, format, paths, opts)
	if err != nil {
		return directFlagNames(explainTabulateError(err))
	}
	fmt.Fprintf(stderr, "counted %d records, %d contests in %.2fs\n", res.Records, len(res.Summary.Contests), time.Since(start).Seconds())
	if outDir != "" {
		if err := evidence.WriteFiles(outDir, res.Files); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files and %s to %s\n", len(res.Files)-1, evidence.ManifestName, outDir)
		if err := recordTabulation(lt, outDir, "tabulate --format "+format, contestNames(res), stderr); err != nil {
			return err
		}
	}
	name := count.SummaryText
	switch output {
	case "json":
		name = count.SummaryJSON
	case "nist":
		name = count.NISTJSON
	}
	_, err = stdout.Write(res.Files[name])
	return err
}

// rctabKeyFlags maps the RCTab configuration keys that reader errors name to
// the tabulate flags that set them without a configuration.
var rctabKeyFlags = strings.NewReplacer(
	"firstVoteColumnIndex", "--first-vote-column",
	"firstVoteRowIndex", "--first-vote-row",
	"idColumnIndex", "--id-column",
	"precinctColumnIndex", "--precinct-column",
	"batchColumnIndex", "--batch-column",
	"undeclaredWriteInLabel", "--write-in-label",
	"overvoteLabel", "--overvote-label",
	"overvoteDelimiter", "--overvote-delimiter",
	"skippedRankLabel", "--undervote-label",
	"contestId", "--contest",
	"set filePath", "give the file or folder on the command line",
	"check filePath", "check the file or folder given on the command line",
	"the configuration's candidates", "the contest's candidates",
	"check the configuration", "check the flags",
)

// directFlagNames rewrites an error of a count without a configuration so
// that it names the flags to change, not RCTab configuration keys (issue
// 11).
func directFlagNames(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if fixed := rctabKeyFlags.Replace(msg); fixed != msg {
		return errors.New(fixed)
	}
	return err
}
