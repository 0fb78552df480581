package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/canvass/canvass/rla/raire"
)

func init() {
	register(&command{
		name:    "rla raire",
		summary: "generate RAIRE assertions (NEB/NEN) for an IRV contest",
		run:     runRAIRE,
	})
}

const raireSynopsis = `[--in FILE] [--format json|text] [--solution] [--check ASSERTIONS.json] [--time-limit D]
       canvass rla raire --arlo [--in FILE.raire] [--audit TYPE] [--risk-limit A] [--gamma G] [--trim ALG]

Reads an IRV contest as raire-rs JSON on standard input (or --in) and
prints the assertions that confirm its winner, with their difficulty, in
raire-rs's output JSON ({"Ok": ...} or {"Err": ...}) or as a table.
With --arlo the input is a .raire text file (Arlo's RAIRE test format);
each contest is solved in turn. With --check, no search is done: the
assertions in ASSERTIONS.json (raire-rs output) are verified against the
votes instead. Each contest is given up after --time-limit (default 5m).
See docs/rla-raire.md.

Flags:`

func runRAIRE(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := rlaFlagSet("rla raire", raireSynopsis, stderr)
	in := fs.String("in", "", "read the problem from `FILE` instead of standard input")
	format := fs.String("format", "json", "output `format`: json (raire-rs) or text (a table)")
	solution := fs.Bool("solution", false, `wrap JSON output as raire-rs's RaireSolution: {"metadata": ..., "solution": ...}`)
	check := fs.String("check", "", "verify the assertions in `FILE` (raire-rs output) instead of generating them")
	arlo := fs.Bool("arlo", false, "the input is a .raire text file")
	auditType := fs.String("audit", "OneOnMargin", "with --arlo: difficulty `measure` (OneOnMargin, OneOnMarginSq, MACRO, BRAVO)")
	riskLimit := fs.Float64("risk-limit", 0.05, "with --arlo: risk limit α for MACRO and BRAVO")
	gamma := fs.Float64("gamma", raire.ColoradoGamma, "with --arlo: error inflation factor γ for MACRO")
	trim := fs.String("trim", "MinimizeTree", "with --arlo: trim `algorithm` (None, MinimizeTree, MinimizeAssertions)")
	asJSON := fs.Bool("json", false, "print raire-rs JSON: the same as --format json (the default)")
	timeLimit := fs.Duration("time-limit", raireDefaultTimeLimit, "give up each contest after this `duration` (e.g. 30s, 10m; 0 for no limit); overrides the input's time_limit_seconds")
	if err := rlaParseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *asJSON && isSet(fs, "format") && *format != "json" {
		fmt.Fprintf(stderr, "canvass rla raire: --json and --format %s disagree; give one of them\n", *format)
		return errUsage
	}
	if *timeLimit < 0 {
		fmt.Fprintf(stderr, "canvass rla raire: --time-limit %v: give a positive duration such as 30s or 10m, or 0 for no limit\n", *timeLimit)
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "canvass rla raire: unexpected argument %q; the input is read from standard input or --in\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if *format != "json" && *format != "text" {
		fmt.Fprintf(stderr, "canvass rla raire: --format %q: use json or text\n", *format)
		return errUsage
	}
	for _, name := range []string{"audit", "risk-limit", "gamma", "trim"} {
		if isSet(fs, name) && !*arlo {
			fmt.Fprintf(stderr, "canvass rla raire: --%s applies to --arlo input only; raire-rs JSON carries its own \"audit\" and \"trim_algorithm\"\n", name)
			return errUsage
		}
	}
	if *check != "" && *arlo {
		fmt.Fprintln(stderr, "canvass rla raire: --check takes raire-rs JSON input, not --arlo")
		return errUsage
	}
	src, name := stdin, "standard input"
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		src, name = f, *in
	}
	var problems []*raire.Problem
	var labels []string
	if *arlo {
		cs, err := raire.ReadArlo(src, name)
		if err != nil {
			return err
		}
		for _, c := range cs {
			p := c.Problem
			p.Audit.Type = raire.AuditType(*auditType)
			if p.Audit.Type == raire.MACRO || p.Audit.Type == raire.BRAVO {
				p.Audit.RiskLimit = *riskLimit
			}
			if p.Audit.Type == raire.MACRO {
				p.Audit.Gamma = *gamma
			}
			p.Trim = raire.TrimAlgorithm(*trim)
			problems = append(problems, p)
			labels = append(labels, c.ID)
		}
	} else {
		p, err := raire.DecodeProblem(src)
		if err != nil {
			var re *raire.Error
			if errors.As(err, &re) {
				// Errors raire-rs reports as a RaireError (an invalid
				// time limit) are printed in its shape too.
				if *format == "json" {
					writeRAIRE(stdout, p, nil, err, *solution)
				}
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		problems, labels = []*raire.Problem{p}, []string{""}
	}
	if *check != "" {
		return checkRAIRE(problems[0], *check, stdout)
	}
	var failed error
	for i, p := range problems {
		raireTimeLimit(p, *timeLimit, isSet(fs, "time-limit"))
		res, err := raire.Solve(context.Background(), p)
		if errors.Is(err, &raire.Error{Kind: raire.ErrTimeoutCheckingWinner}) || errors.Is(err, &raire.Error{Kind: raire.ErrTimeoutFindingAssertions}) {
			err = fmt.Errorf("%w (after %v; raise --time-limit, or give a difficulty_estimate)", err, p.TimeLimit)
		}
		if *format == "json" {
			if werr := writeRAIRE(stdout, p, res, err, *solution); werr != nil {
				return werr
			}
		} else {
			if labels[i] != "" {
				fmt.Fprintf(stdout, "Contest %s\n", labels[i])
			}
			if err == nil {
				writeRAIRETable(stdout, p, res)
			}
		}
		if err != nil && failed == nil {
			failed = err
			if labels[i] != "" {
				failed = fmt.Errorf("contest %s: %w", labels[i], err)
			}
		}
	}
	return failed
}

// raireDefaultTimeLimit bounds a contest whose input sets no time limit,
// so that a pathological contest cannot run unattended for hours. Real
// contests take well under a second (docs/rla-raire.md); ten nearly equal
// candidates over 100,000 ballots take about half a second.
const raireDefaultTimeLimit = 5 * time.Minute

// raireTimeLimit sets p's time limit: --time-limit when given (0 for
// none), else the input's time_limit_seconds, else the default.
func raireTimeLimit(p *raire.Problem, limit time.Duration, flagSet bool) {
	if flagSet || p.TimeLimit == 0 {
		p.TimeLimit = limit
	}
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func writeRAIRE(w io.Writer, p *raire.Problem, res *raire.Result, err error, solution bool) error {
	if solution {
		return raire.EncodeSolution(w, p, res, err)
	}
	return raire.EncodeResult(w, res, err)
}

func writeRAIRETable(w io.Writer, p *raire.Problem, res *raire.Result) {
	name := func(c int) string {
		if c < len(p.Candidates) && p.Candidates[c] != "" {
			return p.Candidates[c]
		}
		return fmt.Sprint(c)
	}
	var order []string
	for _, c := range res.EliminationOrder {
		order = append(order, name(c))
	}
	fmt.Fprintf(w, "Winner:            %s\n", name(res.Winner))
	fmt.Fprintf(w, "Elimination order: %s\n", strings.Join(order, ", "))
	fmt.Fprintf(w, "Difficulty:        %s (%s over %d ballots)\n", fmtDifficulty(res.Difficulty), p.Audit.Type, p.Audit.TotalAuditableBallots)
	fmt.Fprintf(w, "Smallest margin:   %d ballots\n", res.Margin)
	if res.TrimTimedOut {
		fmt.Fprintln(w, "Warning:           the time limit struck while trimming; the assertions are not trimmed")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tType\tWinner\tLoser\tContinuing\tMargin\tDifficulty")
	for i, a := range res.Assertions {
		cont := "-"
		if a.Assertion.Kind == raire.NEN {
			var cs []string
			for _, c := range a.Assertion.Continuing {
				cs = append(cs, name(c))
			}
			cont = "{" + strings.Join(cs, ",") + "}"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", i+1, a.Assertion.Kind, name(a.Assertion.Winner), name(a.Assertion.Loser), cont, a.Margin, fmtDifficulty(a.Difficulty))
	}
	tw.Flush()
}

func fmtDifficulty(d float64) string {
	if math.IsInf(d, 1) {
		return "infinite"
	}
	return fmt.Sprintf("%.6g", d)
}

func checkRAIRE(p *raire.Problem, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := raire.DecodeResult(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	as := make([]raire.Assertion, len(res.Assertions))
	for i, a := range res.Assertions {
		as[i] = a.Assertion
	}
	if err := raire.Check(p, res.Winner, as); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	got, err := p.Evaluate(as)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for i, g := range got {
		claimed := res.Assertions[i].Difficulty
		if math.Abs(g.Difficulty-claimed) > 1e-9*math.Abs(g.Difficulty) {
			return fmt.Errorf("%s: assertion %d (%v) claims difficulty %v, but the votes give %v", path, i, g.Assertion, claimed, g.Difficulty)
		}
	}
	winner := fmt.Sprint(res.Winner)
	if res.Winner >= 0 && res.Winner < len(p.Candidates) && p.Candidates[res.Winner] != "" {
		winner = p.Candidates[res.Winner]
	}
	fmt.Fprintf(stdout, "ok: %d assertions are true and rule out every winner but %s\n", len(as), winner)
	return nil
}
