package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
	"github.com/canvass/canvass/tabulate"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "count a real election bundled with canvass (Minneapolis 2013 mayor) and check it against RCTab",
		run:     runDemo,
	})
}

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "[--out DIR]", stderr)
	out := fs.String("out", "", "also write the reports and their manifest into this new `directory`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	c := demo.Minneapolis2013
	tmp, err := os.MkdirTemp("", "canvass-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	config, err := c.Extract(tmp)
	if err != nil {
		return err
	}
	cvrData, err := os.ReadFile(filepath.Join(tmp, c.CVR))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "canvass %s: counting the City of Minneapolis 2013 mayoral election\n", versionString())
	fmt.Fprintf(stdout, "CVR file %s (ES&S, %d bytes), SHA-256 %x\n\n", c.CVR, len(cvrData), sha256.Sum256(cvrData))

	start := time.Now()
	res, err := rctab.Run(config, rctab.Options{Version: versionString(), NoCVRExport: true})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	for _, t := range res.Result.Tabulations {
		if err := tabulate.WriteText(stdout, t, reportInfo(res.Config)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nRead and counted, with %d precinct reports, in %.2fs.\n",
		len(res.Result.Tabulations[0].Precincts), elapsed.Seconds())

	// The count is only worth showing if it is RCTab's count: compare with
	// the reports RCTab produced from the same ballots, by RCTab's rules.
	wantJSON, wantCSV, err := c.Expected()
	if err != nil {
		return err
	}
	diff, err := rctab.CompareJSON(wantJSON, res.Files[rctab.DetailedJSON])
	if err != nil {
		return err
	}
	if diff == "" {
		diff = rctab.CompareCSV(wantCSV, res.Files[rctab.DetailedCSV])
	}
	if diff != "" {
		return fmt.Errorf("the count differs from RCTab's report for this election: %s", diff)
	}
	fmt.Fprintln(stdout, "Identical to RCTab's published report for this election: every round, tally, transfer and inactive-ballot count (JSON and CSV, compared by RCTab's own test rules).")

	if *out != "" {
		inputs, err := evidence.CommitInputs(tmp, res.Inputs)
		if err != nil {
			return err
		}
		m := evidence.Manifest{Software: buildinfo.Read(), Command: "demo", Inputs: inputs}
		if err := evidence.WriteDir(*out, res.Files, m); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d report files and %s to %s\n", len(res.Files), evidence.ManifestName, *out)
	}
	return nil
}
