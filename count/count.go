// Package count turns CVR files into a results package: the report files,
// a readable and a JSON summary, and the manifest that commits to every
// input (hashed as it was read) and every output. It is what the command
// line's tabulate and the office's count both call, so that a count gives
// the same files whichever way it was started.
//
// Two entry points cover the two ways to describe a count: RCTabConfig
// runs an RCTab contest configuration, CVRFiles counts every contest in
// CVR files of one format with rules given as Options. Both read through an
// fs.FS (an upload folder, os.DirFS, or a zip through archive/zip) and
// return nothing on error; errors about the input name the file, the row
// or record, and the field (*cvr.Error, *rctab.ConfigError).
package count

import (
	"bytes"
	"encoding/json"
	"io/fs"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/tabulate"
)

// Results is a finished count.
type Results struct {
	// Files is the results package, keyed by slash-separated path:
	// exactly what `canvass tabulate --out DIR` writes, including
	// evidence.ManifestName. Store it with evidence.WriteFiles.
	Files map[string][]byte
	// Manifest is the manifest in Files, decoded.
	Manifest *evidence.Manifest
	// Summary is canvass's JSON summary of each contest's outcome.
	Summary results.Summary
	// Text is the readable summary `canvass tabulate` prints.
	Text []byte
	// Records is the number of CVRs read (by CVRFiles).
	Records int64
}

// RCTabOptions adjust RCTabConfig.
type RCTabOptions struct {
	// Version is canvass's version, written into reports.
	Version string
	// TiebreakDecisions answer, in order, the ties the "ask" tie-break
	// modes meet.
	TiebreakDecisions []string
	// CVRExport adds rctab_cvr.csv, RCTab's normalized CVR export (large).
	CVRExport bool
}

// RCTabConfig runs the RCTab configuration config, a path in fsys whose
// cvrFileSources name files relative to it in fsys (no path may leave
// fsys: "../x" at the top of fsys is an invalid configuration). It returns
// RCTab's reports with their manifest, whose inputs are the configuration
// and the CVR files read, named relative to the configuration. A nil fsys
// means the operating system's files, config and the paths in it ordinary
// paths, as the command line gives them.
func RCTabConfig(fsys fs.FS, config string, opts RCTabOptions) (*Results, error) {
	res, err := rctab.Run(fsys, config, rctab.Options{Version: opts.Version, TiebreakDecisions: opts.TiebreakDecisions, NoCVRExport: !opts.CVRExport})
	if err != nil {
		return nil, err
	}
	info := ReportInfo(res.Config, opts.Version)
	out := &Results{Files: res.Files}
	m, err := evidence.Seal(out.Files, evidence.Manifest{Software: buildinfo.Read(), Command: "tabulate --rctab-config", Rules: res.Config.RawRules, Inputs: res.Inputs})
	if err != nil {
		return nil, err
	}
	out.Manifest = m
	name := res.Config.Output.ContestName
	s, err := results.SummarizeRanked(name, name, res.Result, info)
	if err != nil {
		return nil, err
	}
	out.Summary = results.Summary{Format: results.SummaryFormat, Software: buildinfo.Read(), Inputs: res.Inputs, Contests: []results.ContestSummary{s}}
	var text bytes.Buffer
	for i, t := range res.Result.Tabulations {
		if i > 0 {
			text.WriteString("\n")
		}
		if err := tabulate.WriteText(&text, t, info); err != nil {
			return nil, err
		}
	}
	out.Text = text.Bytes()
	return out, nil
}

// ReportInfo is the heading of an RCTab configuration's reports.
func ReportInfo(c *rctab.Config, version string) tabulate.ReportInfo {
	o := c.Output
	gen := "canvass"
	if version != "" {
		gen += " " + version
	}
	return tabulate.ReportInfo{Contest: o.ContestName, Date: o.ContestDate, Jurisdiction: o.ContestJurisdiction,
		Office: o.ContestOffice, GeneratedBy: gen}
}

// encodeJSON renders v as the command line prints JSON: indented, HTML
// characters as they are.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
