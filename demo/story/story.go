// Package story runs canvass's whole story on the bundled election, in one
// call: a new office (embedded SQLite) whose log two in-process witnesses
// cosign ingests the City of Minneapolis's 2013 ES&S export, counts it
// (checked against RCTab's own report), publishes it with two signatures,
// audits it by ballot comparison with a simulated audit board, exports
// the public evidence package and verifies it as anyone would with
// canvass verify. canvass demo prints its report.
package story

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rctab"
	"github.com/canvass/canvass/store/sqlite"
	"github.com/canvass/canvass/verify"
)

// Layout of the story's directory.
const (
	// DataDir holds the office: database, log, keys, file store.
	DataDir = "data"
	// EvidenceDir holds the exported evidence package.
	EvidenceDir = "evidence"
)

// Options configure Run.
type Options struct {
	// Dir is where the office and the package go (Dir/data,
	// Dir/evidence). It must not exist or be empty.
	Dir string
	// Version and BinarySHA256 describe the running binary, whose start
	// the office records and two administrators approve.
	Version, BinarySHA256 string
}

// Report is what the story did and found.
type Report struct {
	Dir, Data, Evidence string
	// CVRFile, CVRSize and CVRSHA256 describe the ES&S export.
	CVRFile   string
	CVRSize   int
	CVRSHA256 string
	Office    *office.DemoInfo
	// Rounds is the number of rounds of the count.
	Rounds int
	// Witnesses are the witnesses' names and Cosignatures how many
	// checkpoints they cosigned.
	Witnesses    []string
	Cosignatures int64
	// EvidenceFiles and EvidenceBytes size the package.
	EvidenceFiles int
	EvidenceBytes int64
	Verify        *verify.Report
	// Steps are every step with its wall time; Total the whole run's.
	Steps []office.DemoStep
	Total time.Duration
	// Problems are the checks that failed: the count differs from RCTab's,
	// the audit did not confirm the published winner, or a claim failed.
	Problems []string
}

// ErrNotEmpty is returned when Options.Dir already holds something.
var ErrNotEmpty = errors.New("not empty")

// Run runs the story. The report is returned with the first error that
// stopped it (nil if none) and lists the checks that failed in Problems.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	if err := newDir(opts.Dir); err != nil {
		return nil, err
	}
	r := &Report{Dir: opts.Dir, Data: filepath.Join(opts.Dir, DataDir), Evidence: filepath.Join(opts.Dir, EvidenceDir)}
	defer func() { r.Total = time.Since(start) }()
	c := demo.Minneapolis2013
	fsys, err := c.FS()
	if err != nil {
		return nil, err
	}
	cvrData, err := fs.ReadFile(fsys, c.CVR)
	if err != nil {
		return nil, err
	}
	r.CVRFile, r.CVRSize, r.CVRSHA256 = c.CVR, len(cvrData), fmt.Sprintf("%x", sha256.Sum256(cvrData))

	if err := os.MkdirAll(r.Data, 0o700); err != nil {
		return nil, err
	}
	w, err := office.StartDemoWitnesses(r.Data)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	r.Witnesses = w.Names
	st, err := sqlite.Open(ctx, filepath.Join(r.Data, office.DefaultDBName))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	info, err := office.NewDemo(ctx, r.Data, st, office.DemoOptions{Version: opts.Version, BinarySHA256: opts.BinarySHA256, Policy: w.Policy, Audit: true})
	if err != nil {
		return nil, err
	}
	r.Office, r.Steps = info, info.Steps
	r.Cosignatures = w.Cosignatures()

	// The count is only worth showing if it is RCTab's count: compare
	// the office's reports with the ones RCTab produced from the same
	// ballots, by RCTab's rules.
	wantJSON, wantCSV, err := c.Expected()
	if err != nil {
		return nil, err
	}
	diff, err := rctab.CompareJSON(wantJSON, info.Reports[rctab.DetailedJSON])
	if err != nil {
		return nil, err
	}
	if diff == "" {
		diff = rctab.CompareCSV(wantCSV, info.Reports[rctab.DetailedCSV])
	}
	var detailed struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(info.Reports[rctab.DetailedJSON], &detailed); err != nil {
		return nil, fmt.Errorf("the office's %s: %w", rctab.DetailedJSON, err)
	}
	r.Rounds = len(detailed.Results)
	if diff != "" {
		r.Problems = append(r.Problems, "the count differs from RCTab's report for this election: "+diff)
	}
	if a := info.Audit; a == nil || !a.Done || a.Decision != "confirmed" {
		r.Problems = append(r.Problems, "the audit did not confirm the outcome")
	} else if len(info.Contest.Winners) != 1 || a.Winner != info.Contest.Winners[0] {
		r.Problems = append(r.Problems, fmt.Sprintf("the audit's winner %q is not the published winner %v", a.Winner, info.Contest.Winners))
	}

	last := time.Now()
	step := func(name string) {
		now := time.Now()
		r.Steps = append(r.Steps, office.DemoStep{Name: name, Took: now.Sub(last)})
		last = now
	}
	if err := office.ExportEvidence(ctx, r.Data, info.Election, r.Evidence); err != nil {
		return r, fmt.Errorf("exporting the evidence package: %w", err)
	}
	if err := filepath.WalkDir(r.Evidence, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		r.EvidenceFiles++
		r.EvidenceBytes += fi.Size()
		return nil
	}); err != nil {
		return r, err
	}
	step(fmt.Sprintf("evidence package exported (%d files, %.1f MB)", r.EvidenceFiles, float64(r.EvidenceBytes)/1e6))

	// Verified as anyone would: from the package's files alone, with the
	// log's key obtained out of band (here, from the office's creation).
	vr, err := verify.Package(ctx, os.DirFS(r.Evidence), verify.Options{VKey: info.VKey})
	if err != nil {
		return r, fmt.Errorf("verifying the evidence package: %w", err)
	}
	r.Verify = vr
	if vr.OK() {
		step("evidence package verified (canvass verify): every claim checked holds")
	} else {
		step("evidence package verified (canvass verify): a claim FAILED")
		r.Problems = append(r.Problems, "canvass verify reports a FAIL claim")
	}
	return r, nil
}

// newDir checks that dir does not exist or is an empty directory.
func newDir(dir string) error {
	if dir == "" {
		return errors.New("no directory given")
	}
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w; give a new or empty directory", dir, err)
	case len(ents) > 0:
		names := make([]string, 0, 3)
		for i, e := range ents {
			if i == 3 {
				names = append(names, "...")
				break
			}
			names = append(names, e.Name())
		}
		return fmt.Errorf("%s is %w (it holds %s); give a new or empty directory, the demo never writes over files", dir, ErrNotEmpty, strings.Join(names, ", "))
	}
	return nil
}

// WriteText prints the report: the steps with their times, the count, the
// audit, the log, and canvass verify's claim lines.
func (r *Report) WriteText(w io.Writer) {
	for _, s := range r.Steps {
		fmt.Fprintf(w, "  %6.2fs  %s\n", s.Took.Seconds(), s.Name)
	}
	fmt.Fprintf(w, "  %6.2fs  in all\n\n", r.Total.Seconds())
	info := r.Office
	if info == nil {
		return
	}
	c := info.Contest
	fmt.Fprintf(w, "Count:  Winner(s): %s; %s ballots, %s, %d rounds.\n", strings.Join(c.Winners, ", "), thousands(c.Ballots), c.Method, r.Rounds)
	if !r.has("the count differs") {
		fmt.Fprintln(w, "        Identical to RCTab's published report for this election: every round, tally, transfer and inactive-ballot count (JSON and CSV, compared by RCTab's own test rules).")
	}
	if a := info.Audit; a != nil {
		fmt.Fprintf(w, "Audit:  ballot comparison of %s (IRV: %d RAIRE assertions, smallest diluted margin %.1f%%), risk limit %g%%,\n",
			a.Contest, a.Assertions, 100*a.MinDilutedMargin, 100*a.RiskLimit)
		fmt.Fprintf(w, "        over a manifest of %s ballots in %d precinct batches; seed %s (request %s, two signatures).\n", thousands(a.Ballots), a.Batches, a.Seed, a.SeedRequest)
		d := a.Discrepancies
		fmt.Fprintf(w, "        Round 1: %d draws, %d ballots read blind by one board of two; discrepancies o1 %d, o2 %d, u1 %d, u2 %d, not found %d.\n",
			a.Draws, a.Read, d.O1, d.O2, d.U1, d.U2, d.NotFound)
		fmt.Fprintf(w, "        Risk %.4f (limit %g): %s; the audited winner is %s.\n", a.Risk, a.RiskLimit, a.Decision, a.Winner)
	}
	fmt.Fprintf(w, "Log:    every checkpoint cosigned by both witnesses (%s) before it was published: %d cosignatures.\n",
		strings.Join(r.Witnesses, ", "), r.Cosignatures)
	if info.Install != "" {
		fmt.Fprintf(w, "        The running binary is recorded at start and approved by software-install request %s.\n", info.Install)
	}
	if r.Verify != nil {
		fmt.Fprintf(w, "\ncanvass verify %s --vkey '%s':\n", r.Evidence, info.VKey)
		r.Verify.WriteText(w)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\nPROBLEM: %s\n", p)
	}
}

func (r *Report) has(prefix string) bool {
	for _, p := range r.Problems {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
