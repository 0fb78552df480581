package verify

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/evidence"
)

// Results verifies one results directory written by "canvass tabulate
// --out" by its manifest.json: every output is the one listed, and a new
// count from the inputs the manifest names (read through inputs; nil means
// the operating system's files, by the paths as recorded) reads the same
// inputs and writes the same outputs, byte for byte (the manifest and
// summary apart from the build that ran).
func Results(dir fs.FS, inputs fs.FS) []Claim {
	var out []Claim
	add := func(n int, name, status, format string, args ...any) {
		out = append(out, Claim{N: n, Name: name, Status: status, Detail: fmt.Sprintf(format, args...)})
	}
	m, err := evidence.ReadManifest(dir)
	if err != nil {
		add(1, "manifest", Fail, "%v", err)
		return out
	}
	if err := evidence.Check(dir); err != nil {
		add(1, "outputs", Fail, "%v", err)
	} else {
		add(1, "outputs", OK, "%d outputs match the SHA-256 and size the manifest lists", len(m.Outputs))
	}
	res, err := recount(dir, inputs, m)
	if err != nil {
		add(2, "tabulation", Fail, "re-tabulating (%s): %v", m.Command, err)
		return out
	}
	var problems []string
	for _, in := range res.Manifest.Inputs {
		found := false
		for _, w := range m.Inputs {
			if w.Path == in.Path {
				found = true
				if w.SHA256 != in.SHA256 || w.Size != in.Size {
					problems = append(problems, fmt.Sprintf("input %s now has SHA-256 %s (%d bytes); the manifest says %s (%d bytes)", in.Path, in.SHA256, in.Size, w.SHA256, w.Size))
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("re-tabulation read %s, which the manifest does not list", in.Path))
		}
	}
	for _, o := range m.Outputs {
		want, err := fs.ReadFile(dir, o.Path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", o.Path, err))
			continue
		}
		got, ok := res.Files[o.Path]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not written by the re-tabulation", o.Path))
			continue
		}
		if o.Path == count.SummaryJSON {
			if err := sameIgnoringSoftware(want, got); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", o.Path, err))
			}
			continue
		}
		if err := sameReport(o.Path, want, got); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		add(2, "tabulation", Fail, "%s", summarize(problems))
		return out
	}
	add(2, "tabulation", OK, "re-tabulated from %d inputs: all %d outputs identical", len(m.Inputs), len(m.Outputs))
	return out
}

func recount(dir, inputs fs.FS, m *evidence.Manifest) (*count.Results, error) {
	version := m.Software.Version
	if m.Software.Revision != "" {
		version = m.Software.String()
	}
	switch {
	case m.Command == "tabulate --rctab-config":
		// The configuration is the input that is an RCTab configuration.
		for _, in := range m.Inputs {
			if !strings.HasSuffix(in.Path, ".json") {
				continue
			}
			b, err := readInput(inputs, in.Path)
			if err != nil {
				return nil, err
			}
			var probe map[string]json.RawMessage
			if json.Unmarshal(b, &probe) == nil && probe["cvrFileSources"] != nil {
				return count.RCTabConfig(inputs, in.Path, count.RCTabOptions{Version: versionOf(dir, version)})
			}
		}
		return nil, fmt.Errorf("no input is an RCTab configuration")
	case strings.HasPrefix(m.Command, "tabulate --format "):
		var rules struct {
			Overvote         string `json:"overvoteRule"`
			MaxSkipped       string `json:"maxSkippedRanksAllowed"`
			Tiebreak         string `json:"tiebreakMode"`
			Seed             int64  `json:"randomSeed"`
			BatchElimination bool   `json:"batchElimination"`
			Approval         bool   `json:"approval"`
			Seats            int    `json:"seats"`
			Format           string `json:"format"`
		}
		if err := json.Unmarshal(m.Rules, &rules); err != nil {
			return nil, fmt.Errorf("manifest rules: %v", err)
		}
		var nist struct {
			GeneratedDate string
			Election      []struct {
				Name struct {
					Text []struct{ Content string }
				}
			}
		}
		if b, err := fs.ReadFile(dir, count.NISTJSON); err == nil {
			json.Unmarshal(b, &nist)
		}
		gen, _ := time.Parse(time.RFC3339, nist.GeneratedDate)
		var name string
		if len(nist.Election) > 0 && len(nist.Election[0].Name.Text) > 0 {
			name = nist.Election[0].Name.Text[0].Content
		}
		var paths []string
		for _, in := range m.Inputs {
			paths = append(paths, in.Path)
		}
		return count.CVRFiles(inputs, rules.Format, paths, count.Options{Overvote: rules.Overvote, MaxSkippedRanks: rules.MaxSkipped,
			Tiebreak: rules.Tiebreak, Seed: rules.Seed, BatchElimination: rules.BatchElimination, Approval: rules.Approval,
			Seats: rules.Seats, Version: versionOf(dir, version), Election: name, Generated: gen})
	}
	return nil, fmt.Errorf("cannot re-run command %q", m.Command)
}

// versionOf is the version string the reports were generated with, read
// from the summary's "generatedBy" when an RCTab report records it.
func versionOf(dir fs.FS, fallback string) string {
	var s struct {
		Config struct {
			GeneratedBy string `json:"generatedBy"`
		} `json:"config"`
	}
	if b, err := fs.ReadFile(dir, "detailed_report.json"); err == nil && json.Unmarshal(b, &s) == nil {
		if v, ok := strings.CutPrefix(s.Config.GeneratedBy, "canvass "); ok {
			return v
		}
	}
	return fallback
}

func readInput(inputs fs.FS, p string) ([]byte, error) {
	if inputs == nil {
		return readOSFile(p)
	}
	return fs.ReadFile(inputs, p)
}
