package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/canvass/canvass/internal/durable"
	"github.com/canvass/canvass/synthetic"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "generate a synthetic ranked-choice election (generic CSV, CDF JSON, RCTab configs)",
		run:     runSynth,
	})
}

func runSynth(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("synth", "--out DIR [flags]", stderr)
	out := fs.String("out", "", "directory to write the files into (created if missing)")
	s := synthetic.Default
	fs.IntVar(&s.Ballots, "ballots", s.Ballots, "number of ballots")
	fs.IntVar(&s.Candidates, "candidates", s.Candidates, "number of candidates")
	fs.IntVar(&s.MaxRanks, "ranks", s.MaxRanks, "rankings per ballot")
	fs.IntVar(&s.Precincts, "precincts", s.Precincts, "number of precincts")
	fs.IntVar(&s.BatchSize, "batch-size", s.BatchSize, "ballots per batch")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "generator seed (same seed, same files)")
	noCDF := fs.Bool("no-cdf", false, "skip the CDF JSON file (it is about 28 times larger than the CSV)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "canvass synth: --out DIR is required, and no other arguments")
		fs.Usage()
		return errUsage
	}
	if err := s.Validate(); err != nil {
		// Every setting comes from a flag: a usage error.
		fmt.Fprintf(stderr, "canvass synth: %v\n", err)
		return errUsage
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	const contest = "Synthetic Mayor"
	write := func(name string, fill func(io.Writer) error) error {
		start := time.Now()
		p := filepath.Join(*out, name)
		// A crash mid-write leaves no truncated file that a later
		// benchmark would count as input.
		if err := durable.Replace(p, 0o644, fill); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s in %.1fs\n", p, time.Since(start).Seconds())
		fmt.Fprintln(stdout, p)
		return nil
	}
	files := []struct {
		name     string
		provider string
		cvr      string
	}{{"synthetic_csv_config.json", "genericCsv", "synthetic_cvr.csv"}}
	if err := write("synthetic_cvr.csv", func(w io.Writer) error { return synthetic.WriteGenericCSV(w, s) }); err != nil {
		return err
	}
	if !*noCDF {
		files = append(files, struct{ name, provider, cvr string }{"synthetic_cdf_config.json", "cdf", "synthetic_cdf.json"})
		if err := write("synthetic_cdf.json", func(w io.Writer) error { return synthetic.WriteCDFJSON(w, s, contest) }); err != nil {
			return err
		}
	}
	for _, f := range files {
		cfg, err := synthetic.RCTabConfig(s, contest, f.cvr, f.provider)
		if err != nil {
			return err
		}
		if err := write(f.name, func(w io.Writer) error { _, err := w.Write(append(cfg, '\n')); return err }); err != nil {
			return err
		}
	}
	return nil
}
