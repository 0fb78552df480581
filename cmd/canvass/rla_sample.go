package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

func init() {
	register(&command{
		name:    "rla sample",
		summary: "draw an audit sample from the public seed (Colorado, Arlo, or batches by error bound)",
		run:     runRLASample,
	})
	register(&command{
		name:    "rla manifest",
		summary: "check a ballot manifest, and its batch counts against CVRs",
		run:     runRLAManifest,
	})
}

const rlaSampleSynopsis = `--sampler corla|arlo|pps|arlo-ppeb --seed SEED --count K [flags]

Draws a risk-limiting-audit sample that anyone can reproduce from the seed.

  corla      Colorado (Rivest 2011): draw i is 1 + SHA-256(SEED "," i) mod N.
             Needs --ballots N, or --manifest FILE.csv (Colorado format:
             CountyID,ScannerID,BatchID,NumBallots[,StorageLocation]; repeat
             for each county) to number ballots across counties as
             ColoradoRLA does. Prints one ballot number per line in draw order,
             or with --manifest the CSV header
             draw,ballot_number,county_id,scanner_id,batch_id,ballot_position,storage_location
  arlo       Arlo (Rivest's consistent sampler, 18-digit tickets). Needs
             --manifest JURISDICTION=FILE.csv per jurisdiction (Arlo format:
             [Container,][Tabulator,]Batch Name,Number of Ballots[,CVR]).
             Prints CSV in ticket order with the header
             ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled
  pps        Batches with probability proportional to a weight (the MACRO
             error bound), hash-based (see docs/rla-sampling.md), with
             replacement. Needs --weights JURISDICTION=FILE.csv
             ([Tabulator,]Batch Name,Weight). Prints CSV in draw order:
             draw,ticket_number,jurisdiction,tabulator,batch,times_sampled
  arlo-ppeb  Arlo's own MACRO batch draw (numpy PCG64), to check an Arlo
             sample. Needs --weights JURISDICTION=FILE.csv (Batch Name,Weight)
             in Arlo's jurisdiction order. Prints CSV in draw order:
             ticket_number,jurisdiction,batch,times_sampled

CSV fields holding a comma, quote or line break are quoted ("" for a quote);
lines end in \n. Errors go to stderr with a non-zero exit status.

Rows are printed as they are drawn. Where draws must be held or replayed
(arlo; corla --without-replacement; the --skip of pps) skip + count is at
most 1,000,000, and without replacement at most the ballots; arlo-ppeb
needs fewer draws than batches. See docs/rla-sampling.md, "Limits".

Flags:`

// rlaSampleFlags holds rla sample's flags, which recordSample logs.
type rlaSampleFlags struct {
	sampler            string
	seed               string
	count, skip        int
	ballots            int64
	withoutReplacement bool
	manifests, weights stringList
	json               bool
	round              int
	log                logTarget
}

func runRLASample(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := rlaFlagSet("rla sample", rlaSampleSynopsis, stderr)
	var f rlaSampleFlags
	fs.StringVar(&f.sampler, "sampler", "", "sampler: corla, arlo, pps or arlo-ppeb (required)")
	fs.StringVar(&f.seed, "seed", "", "the public random seed, used exactly as written: \"0\" and \"00\" differ (required)")
	fs.IntVar(&f.count, "count", -1, "number of draws to print (required)")
	fs.IntVar(&f.skip, "skip", 0, "draws already taken in earlier rounds; prints draws skip+1 .. skip+count")
	fs.Int64Var(&f.ballots, "ballots", 0, "corla: number of ballots N; draws are in 1..N (taken from --manifest when omitted)")
	fs.BoolVar(&f.withoutReplacement, "without-replacement", false, "corla, arlo: never draw a ballot twice (corla still uses up the counter of a repeat)")
	fs.Var(&f.manifests, "manifest", "corla: Colorado manifest FILE.csv; arlo: JURISDICTION=FILE.csv (repeat per county or jurisdiction)")
	fs.Var(&f.weights, "weights", "pps, arlo-ppeb: JURISDICTION=FILE.csv of batch weights (repeat per jurisdiction)")
	fs.BoolVar(&f.json, "json", false, "print a JSON array of draws instead of CSV (tabulator null when absent)")
	fs.IntVar(&f.round, "round", 1, "with --log: the audit round this sample is for")
	f.log.flags(fs)
	if err := rlaParseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := f.log.check(); err != nil {
		fmt.Fprintln(stderr, "canvass rla sample:", err)
		return errUsage
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "canvass rla sample: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q; every input is given by a flag", fs.Arg(0))
	case f.sampler == "":
		return bad("--sampler is required: corla, arlo, pps or arlo-ppeb")
	case f.seed == "":
		return bad("--seed is required: the public random seed")
	case f.count < 0:
		return bad("--count is required and must be 0 or more")
	case f.skip < 0:
		return bad("--skip must be 0 or more")
	}
	// With --log the sample is held until its commitment is recorded, so
	// that what is printed is exactly what the log commits to; it is
	// therefore bounded. Otherwise rows stream to stdout as they are drawn.
	var held bytes.Buffer
	w := stdout
	if f.log.dir != "" {
		if f.count > draw.MaxDraws {
			return bad("--count %d with --log: the sample is held in memory until the log records it, so at most %d rows; draw it in rounds with --skip", f.count, draw.MaxDraws)
		}
		w = &held
	}
	req := draw.Request{Seed: f.seed, Skip: f.skip, Count: f.count, WithoutReplacement: f.withoutReplacement}
	var err error
	switch f.sampler {
	case "corla":
		if len(f.weights) > 0 {
			return bad("--weights is for the pps and arlo-ppeb samplers")
		}
		if f.ballots <= 0 && len(f.manifests) == 0 {
			return bad("the corla sampler needs --ballots N (N ≥ 1) or --manifest FILE.csv")
		}
		err = rlaSampleCorla(f, req, w, stderr)
	case "arlo":
		if len(f.manifests) == 0 {
			return bad("the arlo sampler needs --manifest JURISDICTION=FILE.csv for each jurisdiction")
		}
		if f.ballots != 0 || len(f.weights) > 0 {
			return bad("--ballots and --weights are not used by the arlo sampler; the manifests give the ballots")
		}
		err = rlaSampleArlo(f, req, w)
	case "pps", "arlo-ppeb":
		if len(f.weights) == 0 {
			return bad("the %s sampler needs --weights JURISDICTION=FILE.csv for each jurisdiction", f.sampler)
		}
		if f.ballots != 0 || len(f.manifests) > 0 || f.withoutReplacement {
			return bad("the %s sampler draws batches with replacement from --weights; --ballots, --manifest and --without-replacement do not apply", f.sampler)
		}
		if f.sampler == "pps" {
			err = rlaSamplePPS(f, req, w)
		} else {
			err = rlaSampleArloPPEB(f, req, w)
		}
	default:
		return bad("unknown sampler %q; use corla, arlo, pps or arlo-ppeb", f.sampler)
	}
	if re := (*draw.RangeError)(nil); errors.As(err, &re) {
		// The library names the request's fields; here they are flags.
		return fmt.Errorf("--%w", err)
	}
	if err != nil || f.log.dir == "" {
		return err
	}
	if err := recordSample(f, held.Bytes(), stderr); err != nil {
		return err
	}
	_, err = stdout.Write(held.Bytes())
	return err
}

// recordSample logs a sample-drawn event committing to the sample's exact
// bytes and, when there is one manifest, to the manifest sampled from.
func recordSample(f rlaSampleFlags, sample []byte, stderr io.Writer) error {
	name := "sample.csv"
	if f.json {
		name = "sample.json"
	}
	sum := evidence.Commit(name, sample)
	algorithm := map[string]string{"corla": "rivest-sampler", "arlo": "consistent-sampler-sha256",
		"pps": "canvass-pps-sha256", "arlo-ppeb": "arlo-ppeb-pcg64"}[f.sampler]
	payload := ledger.SampleDrawn{
		Seed: f.seed, Algorithm: algorithm, Round: int64(f.round), SampleSize: int64(f.count),
		Sample: ledger.FileCommitment{Name: sum.Path, SHA256: sum.SHA256, Size: sum.Size},
	}
	inputs := append(append([]string{}, f.manifests...), f.weights...)
	if len(inputs) == 1 {
		path := inputs[0]
		if _, p, ok := strings.Cut(path, "="); ok {
			path = p
		}
		m, err := evidence.CommitFile(path, path)
		if err != nil {
			return err
		}
		payload.ManifestSHA256 = m.SHA256
	}
	ev, err := ledger.NewEvent(payload)
	if err != nil {
		return err
	}
	ev.Description = fmt.Sprintf("rla sample --sampler %s --count %d --skip %d", f.sampler, f.count, f.skip)
	idx, err := f.log.record(ev)
	if err != nil {
		return fmt.Errorf("the sample was not recorded in the log, so it is not printed: %w", err)
	}
	fmt.Fprintf(stderr, "recorded the sample (sha256 %s) as entry %d of the log in %s\n", sum.SHA256, idx, f.log.dir)
	return nil
}

// rlaSampleCorla draws with Colorado's sampler, over --ballots or over the
// Colorado manifests.
func rlaSampleCorla(f rlaSampleFlags, req draw.Request, w io.Writer, stderr io.Writer) error {
	if !draw.ColoradoAcceptsSeed(f.seed) {
		fmt.Fprintln(stderr, "canvass rla sample: warning: ColoradoRLA accepts only seeds of at least 20 digits; it could not reproduce this draw")
	}
	if len(f.manifests) == 0 {
		s, err := draw.Corla(req, f.ballots)
		if err != nil {
			return err
		}
		return rlaWriteSample(w, s, f.json)
	}
	var ms []*manifest.Colorado
	for _, path := range f.manifests {
		if strings.Contains(path, "=") && !rlaFileExists(path) {
			return fmt.Errorf("--manifest %s: the corla sampler takes Colorado manifest files, not JURISDICTION=FILE", path)
		}
		m, err := rlaReadFile(path, manifest.ReadColorado)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	state, err := manifest.NewStatewide(ms...)
	if err != nil {
		return err
	}
	if f.ballots != 0 && f.ballots != state.Ballots() {
		return fmt.Errorf("--ballots %d disagrees with the manifests' %d ballots; omit --ballots or fix the manifests", f.ballots, state.Ballots())
	}
	s, err := draw.CorlaManifest(req, state)
	if err != nil {
		return err
	}
	return rlaWriteSample(w, s, f.json)
}

func rlaSampleArlo(f rlaSampleFlags, req draw.Request, w io.Writer) error {
	var js []draw.Jurisdiction
	err := rlaForEachJurisdiction(f.manifests, "--manifest", func(jurisdiction, path string) error {
		m, err := rlaReadFile(path, manifest.ReadArlo)
		if err != nil {
			return err
		}
		js = append(js, draw.Jurisdiction{Name: jurisdiction, Manifest: m})
		return nil
	})
	if err != nil {
		return err
	}
	s, err := draw.Arlo(req, js)
	if err != nil {
		return err
	}
	return rlaWriteSample(w, s, f.json)
}

// rlaReadWeights reads the --weights files.
func rlaReadWeights(values []string) ([]draw.Weights, error) {
	var ws []draw.Weights
	err := rlaForEachJurisdiction(values, "--weights", func(jurisdiction, path string) error {
		x, err := rlaReadFile(path, manifest.ReadWeights)
		if err != nil {
			return err
		}
		ws = append(ws, draw.Weights{Jurisdiction: jurisdiction, Path: path, Weights: x})
		return nil
	})
	return ws, err
}

func rlaSamplePPS(f rlaSampleFlags, req draw.Request, w io.Writer) error {
	ws, err := rlaReadWeights(f.weights)
	if err != nil {
		return err
	}
	s, err := draw.PPS(req, ws)
	if err != nil {
		return err
	}
	return rlaWriteSample(w, s, f.json)
}

func rlaSampleArloPPEB(f rlaSampleFlags, req draw.Request, w io.Writer) error {
	ws, err := rlaReadWeights(f.weights)
	if err != nil {
		return err
	}
	s, err := draw.ArloPPEB(req, ws)
	if err != nil {
		return err
	}
	return rlaWriteSample(w, s, f.json)
}

// rlaWriteSample prints a sample as CSV, or as JSON for --json.
func rlaWriteSample[R draw.Row](w io.Writer, s draw.Sample[R], asJSON bool) error {
	if asJSON {
		return draw.WriteJSON(w, s)
	}
	return draw.WriteCSV(w, s)
}

// rlaFlagSet is newFlagSet for the rla commands, whose --help goes to
// stdout (it is the output asked for) while usage after an error goes to
// stderr with the error; parse it with rlaParseFlags.
func rlaFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("canvass "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: canvass %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// rlaParseFlags parses args: --help prints the usage on stdout and
// returns flag.ErrHelp (exit 0); a bad flag prints the error and the usage
// on stderr and returns errUsage (exit 2).
func rlaParseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := parseInterleaved(fs, args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		stderr := fs.Output()
		fs.SetOutput(stdout)
		usage()
		fs.SetOutput(stderr)
		return err
	case err != nil:
		usage()
		return errUsage
	}
	return nil
}

// rlaForEachJurisdiction splits JURISDICTION=FILE values at the first "="
// and calls f for each, refusing a jurisdiction named twice.
func rlaForEachJurisdiction(values []string, flagName string, f func(jurisdiction, path string) error) error {
	seen := make(map[string]bool)
	for _, v := range values {
		j, path, ok := strings.Cut(v, "=")
		if !ok || j == "" || path == "" {
			return fmt.Errorf("%s %q: expected JURISDICTION=FILE.csv, e.g. %s \"Adams County=adams.csv\"", flagName, v, flagName)
		}
		if seen[j] {
			return fmt.Errorf("%s: jurisdiction %q is given twice; give each jurisdiction's batches in one file", flagName, j)
		}
		seen[j] = true
		if err := f(j, path); err != nil {
			return err
		}
	}
	return nil
}

// rlaReadFile opens path and parses it with read.
func rlaReadFile[T any](path string, read func(string, io.Reader) (T, error)) (T, error) {
	file, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer file.Close()
	return read(path, file)
}

func rlaFileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

const rlaManifestSynopsis = `--format arlo|colorado [--cvrs FORMAT=PATH ...] [--county ID] [--json] FILE.csv

Reads a ballot manifest and reports its batches and ballots; a bad file gets
an error naming the row and column. With --cvrs it also counts the CVRs in
each (tabulator, batch) and compares every batch with the manifest, listing
each batch that differs; the command then fails if any batch differs.
Manifests without a Tabulator column are matched on batch names alone.

Flags:`

func runRLAManifest(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := rlaFlagSet("rla manifest", rlaManifestSynopsis, stderr)
	format := fs.String("format", "", "manifest format: arlo (Container,Tabulator,Batch Name,Number of Ballots,CVR) or colorado (CountyID,ScannerID,BatchID,NumBallots,StorageLocation) (required)")
	var sources stringList
	fs.Var(&sources, "cvrs", "CVR export to count, as FORMAT=PATH with FORMAT one of the CVR readers built in (repeat for several exports)")
	county := fs.Int64("county", -1, "colorado: the county whose CVRs --cvrs gives (default: the manifest's only county)")
	asJSON := fs.Bool("json", false, "print the summary and check as JSON")
	if err := rlaParseFlags(fs, args, stdout); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "canvass rla manifest: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	if fs.NArg() != 1 {
		return bad("expected one manifest FILE.csv, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	var (
		counts  []manifest.BatchCount
		batches int
		ballots int64
	)
	switch *format {
	case "arlo":
		m, err := rlaReadFile(path, manifest.ReadArlo)
		if err != nil {
			return err
		}
		counts, batches, ballots = m.Counts(), len(m.Batches), m.Ballots()
	case "colorado":
		m, err := rlaReadFile(path, manifest.ReadColorado)
		if err != nil {
			return err
		}
		batches, ballots = len(m.Batches), m.Ballots()
		if len(sources) > 0 {
			c := *county
			if c < 0 {
				ids := map[int64]bool{}
				for _, b := range m.Batches {
					ids[b.CountyID] = true
					c = b.CountyID
				}
				if len(ids) > 1 {
					return bad("%s lists %d counties; say which one the CVRs are from with --county", path, len(ids))
				}
			}
			counts = m.Counts(c)
		}
	default:
		return bad("--format must be arlo or colorado, got %q", *format)
	}
	type summary struct {
		Path    string               `json:"path"`
		Batches int                  `json:"batches"`
		Ballots int64                `json:"ballots"`
		Check   *manifest.CountCheck `json:"cvr_check,omitempty"`
	}
	s := summary{Path: path, Batches: batches, Ballots: ballots}
	if len(sources) > 0 {
		got, err := rlaCountCVRs(sources)
		if err != nil {
			return err
		}
		check := manifest.CheckCounts(counts, got)
		s.Check = &check
	}
	if *asJSON {
		if err := writeJSON(stdout, s); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%s: %d batches, %d ballots\n", path, batches, ballots)
		if s.Check != nil {
			fmt.Fprint(stdout, s.Check.Report())
		}
	}
	if s.Check != nil && !s.Check.OK() {
		return fmt.Errorf("%s and the CVRs disagree on %d batch(es); correct the manifest or the CVR export before sampling", path, len(s.Check.Mismatches))
	}
	return nil
}

// rlaCountCVRs counts the records of each (tabulator, batch) in the sources.
func rlaCountCVRs(sources []string) (map[manifest.BatchKey]int64, error) {
	counts := make(map[manifest.BatchKey]int64)
	for _, src := range sources {
		format, path, ok := strings.Cut(src, "=")
		if !ok || format == "" || path == "" {
			return nil, fmt.Errorf("--cvrs %q: expected FORMAT=PATH (formats: %s)", src, strings.Join(cvr.Formats(), ", "))
		}
		read, err := cvr.Lookup(format)
		if err != nil {
			return nil, fmt.Errorf("--cvrs %q: %v", src, err)
		}
		var e election.Election
		err = read(cvr.Source{Path: path}, &e, func(rec *election.CVR) error {
			counts[manifest.BatchKey{Tabulator: rec.Tabulator, Batch: rec.Batch}]++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return counts, nil
}
