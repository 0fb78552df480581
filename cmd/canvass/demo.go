package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/demo/story"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "run the whole story on a real election bundled with canvass (Minneapolis 2013 mayor): count, publish, audit, export and verify the evidence",
		run:     runDemo,
	})
}

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	flags := newFlagSet("demo", "[--keep DIR] [--out DIR] | --serve [--addr HOST:PORT]", stderr)
	keep := flags.String("keep", "", "leave the office's data directory in `DIR`/data and the evidence package in DIR/evidence (DIR must be new or empty)")
	out := flags.String("out", "", "also write the reports and their manifest into this new `directory`")
	serve := flags.Bool("serve", false, "start an office in a temporary directory with the election loaded, published and audited, and serve it")
	addr := flags.String("addr", "127.0.0.1:8080", "with --serve, the address to listen on")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "canvass demo: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return errUsage
	}
	if *serve {
		if *keep != "" || *out != "" {
			fmt.Fprintln(stderr, "canvass demo: --serve takes only --addr, not --keep or --out")
			flags.Usage()
			return errUsage
		}
		return serveDemo(*addr, stdout)
	}
	sum, err := executableSHA256()
	if err != nil {
		return fmt.Errorf("hashing the running binary: %w", err)
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "canvass-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	cpu0 := processCPU()
	rep, err := story.Run(context.Background(), story.Options{Dir: dir, Version: versionString(), BinarySHA256: sum})
	if errors.Is(err, story.ErrNotEmpty) {
		return fmt.Errorf("--keep %v", err)
	}
	if rep == nil {
		return err
	}
	fmt.Fprintf(stdout, "canvass %s: the City of Minneapolis 2013 mayoral election, start to finish, in a new office (embedded SQLite) in %s\n", versionString(), dir)
	fmt.Fprintf(stdout, "CVR file %s (ES&S, %d bytes), SHA-256 %s\n\n", rep.CVRFile, rep.CVRSize, rep.CVRSHA256)
	rep.WriteText(stdout)
	if cpu := processCPU() - cpu0; cpu > 0 {
		fmt.Fprintf(stdout, "\n%.2fs wall, %.2fs CPU (user+system, all cores).\n", rep.Total.Seconds(), cpu.Seconds())
	}
	if err != nil {
		return err
	}
	if *keep != "" {
		fmt.Fprintf(stdout, "\nKept: the office's data directory in %s, the evidence package in %s.\n", rep.Data, rep.Evidence)
		fmt.Fprintf(stdout, "Check the package again, or a copy you changed: canvass verify %s\n", rep.Evidence)
		fmt.Fprintln(stdout, "(The log's witnesses ran inside this demo and are gone: canvass serve on the kept data cannot have new checkpoints cosigned.)")
	}
	if *out != "" {
		if err := writeDemoReports(*out, stderr); err != nil {
			return err
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d checks failed: see PROBLEM above", len(rep.Problems))
	}
	return nil
}

// writeDemoReports writes RCTab's report files for the bundled election,
// counted straight from the files embedded in the binary, with their
// results manifest (canvass verify --results checks it).
func writeDemoReports(out string, stderr io.Writer) error {
	c := demo.Minneapolis2013
	fsys, err := c.FS()
	if err != nil {
		return err
	}
	res, err := rctab.Run(fsys, c.Config, rctab.Options{Version: versionString(), NoCVRExport: true})
	if err != nil {
		return err
	}
	m := evidence.Manifest{Software: buildinfo.Read(), Command: "demo", Inputs: res.Inputs}
	if err := evidence.WriteDir(out, res.Files, m); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d report files and %s to %s\n", len(res.Files), evidence.ManifestName, out)
	return nil
}
