package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/count"
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
	flags := newFlagSet("demo", "[--out DIR] | --serve [--addr HOST:PORT]", stderr)
	out := flags.String("out", "", "also write the reports and their manifest into this new `directory`")
	serve := flags.Bool("serve", false, "start an office in a temporary directory with the election loaded and published, and serve it")
	addr := flags.String("addr", "127.0.0.1:8080", "with --serve, the address to listen on")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return errUsage
	}
	if *serve {
		return serveDemo(*addr, stdout)
	}
	c := demo.Minneapolis2013
	// The election is counted straight from the files embedded in the
	// binary, as the office counts an upload: through an fs.FS.
	fsys, err := c.FS()
	if err != nil {
		return err
	}
	cvrData, err := fs.ReadFile(fsys, c.CVR)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "canvass %s: counting the City of Minneapolis 2013 mayoral election\n", versionString())
	fmt.Fprintf(stdout, "CVR file %s (ES&S, %d bytes), SHA-256 %x\n\n", c.CVR, len(cvrData), sha256.Sum256(cvrData))

	start := time.Now()
	res, err := rctab.Run(fsys, c.Config, rctab.Options{Version: versionString(), NoCVRExport: true})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	for _, t := range res.Result.Tabulations {
		if err := tabulate.WriteText(stdout, t, count.ReportInfo(res.Config, versionString())); err != nil {
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
		m := evidence.Manifest{Software: buildinfo.Read(), Command: "demo", Inputs: res.Inputs}
		if err := evidence.WriteDir(*out, res.Files, m); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d report files and %s to %s\n", len(res.Files), evidence.ManifestName, *out)
	}
	return nil
}
