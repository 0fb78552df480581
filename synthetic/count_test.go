package synthetic_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/synthetic"
)

// TestConfigsTabulate: the configurations synthetic writes are ones the
// RCTab path accepts and counts, for both providers. (A configuration that
// RCTab would refuse — an old tabulatorVersion, say — broke the benchmarks
// and the README's tour without any unit test noticing.)
func TestConfigsTabulate(t *testing.T) {
	s := synthetic.Spec{Ballots: 2000, Candidates: 6, MaxRanks: 4, Precincts: 3, BatchSize: 100, Seed: 11}
	for _, p := range []struct{ provider, file string }{{"genericCsv", "cvr.csv"}, {"cdf", "cvr.json"}} {
		dir := t.TempDir()
		var data bytes.Buffer
		var err error
		if p.provider == "cdf" {
			err = synthetic.WriteCDFJSON(&data, s, "Synthetic Mayor")
		} else {
			err = synthetic.WriteGenericCSV(&data, s)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.file), data.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := synthetic.RCTabConfig(s, "Synthetic Mayor", p.file, p.provider)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := count.RCTabConfig(os.DirFS(dir), "config.json", count.RCTabOptions{Version: "test"})
		if err != nil {
			t.Fatalf("%s: %v", p.provider, err)
		}
		if len(res.Summary.Contests) != 1 || len(res.Summary.Contests[0].Winners) != 1 {
			t.Fatalf("%s: summary %+v, want one contest with one winner", p.provider, res.Summary.Contests)
		}
		if len(res.Manifest.Warnings) != 0 {
			t.Errorf("%s: warnings %q", p.provider, res.Manifest.Warnings)
		}
	}
}
