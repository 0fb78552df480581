// Package demo bundles a real public election so that canvass can show what
// it does on a fresh machine, with nothing to download or configure: the
// City of Minneapolis's 2013 mayoral election (80,101 ballots, ranked
// choice), its RCTab contest configuration, and the reports RCTab itself
// produced from the same ballots, against which canvass's count is checked.
package demo

import (
	"embed"
	"io/fs"
)

//go:embed minneapolis2013
var files embed.FS

// Contest names the bundled election's files.
type Contest struct {
	// Dir is the folder inside the embedded file system.
	Dir string
	// Config is the RCTab configuration's file name; CVR the ballots'.
	Config, CVR string
	// ExpectedJSON and ExpectedCSV are RCTab's detailed reports.
	ExpectedJSON, ExpectedCSV string
}

// Minneapolis2013 is the 2013 Minneapolis mayoral election.
var Minneapolis2013 = Contest{
	Dir:          "minneapolis2013",
	Config:       "2013_minneapolis_mayor_config.json",
	CVR:          "2013_minneapolis_mayor_cvr.xlsx",
	ExpectedJSON: "2013_minneapolis_mayor_expected_detailed_report.json",
	ExpectedCSV:  "2013_minneapolis_mayor_expected_detailed_report.csv",
}

// FS returns the contest's files (its configuration names its CVR file
// relative to itself), read from the binary without extracting them.
func (c Contest) FS() (fs.FS, error) { return fs.Sub(files, c.Dir) }

// Expected returns RCTab's detailed JSON and CSV reports for the contest.
func (c Contest) Expected() (jsonReport, csvReport []byte, err error) {
	if jsonReport, err = files.ReadFile(c.Dir + "/" + c.ExpectedJSON); err != nil {
		return nil, nil, err
	}
	csvReport, err = files.ReadFile(c.Dir + "/" + c.ExpectedCSV)
	return jsonReport, csvReport, err
}
