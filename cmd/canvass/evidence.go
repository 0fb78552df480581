package main

import (
	"context"
	"fmt"
	"io"

	"github.com/canvass/canvass/office"
)

func init() {
	register(&command{name: "evidence export", summary: "write an election's public evidence package (docs/evidence.md)", run: runEvidenceExport})
}

func runEvidenceExport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("evidence export", "--data DIR --election E --out DIR2", stderr)
	data := fs.String("data", "", "the office's data directory (as given to canvass init and serve)")
	election := fs.String("election", "", "the election's id")
	out := fs.String("out", "", "directory to create for the package (must not exist or be empty)")
	if err := parseRequired(fs, args, stderr, "data", "election", "out"); err != nil {
		return err
	}
	if err := office.ExportEvidence(context.Background(), *data, *election, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the evidence package of election %s to %s; check it with: canvass verify %s --vkey VKEY\n", *election, *out, *out)
	return nil
}
