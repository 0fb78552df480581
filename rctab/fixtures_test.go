package rctab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
)

const fixtureRoot = "../testdata/rctab"

// negativeFixtures must fail, each with a particular kind of error.
var negativeFixtures = map[string]func(t *testing.T, err error){
	"invalid_params_test": func(t *testing.T, err error) {
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *ConfigError", err)
		}
		for _, want := range []string{"rules.tiebreakMode", "rules.overvoteRule", "rules.winnerElectionMode", "rules.decimalPlacesForVoteArithmetic", "rules.maxRankingsAllowed", "rules.maxSkippedRanksAllowed", "cvrFileSources", "candidates"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %s:\n%v", want, err)
			}
		}
	},
	"invalid_sources_test": func(t *testing.T, err error) {
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *ConfigError", err)
		}
		for _, want := range []string{"cvrFileSources[1].filePath", "cvrFileSources[2].filePath", "cvrFileSources[2].firstVoteColumnIndex", "cvrFileSources[3].filePath: missing", "cvrFileSources[4].firstVoteRowIndex", "rules.randomSeed", "rules.winnerElectionMode"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %s:\n%v", want, err)
			}
		}
	},
	"tabulate_by_precinct_without_precincts": func(t *testing.T, err error) {
		if !strings.Contains(err.Error(), "tabulateByPrecinct") || !strings.Contains(err.Error(), "precinct") {
			t.Errorf("error does not explain the missing precincts: %v", err)
		}
	},
	"max_ranking_enforcement": func(t *testing.T, err error) {
		var ce *cvr.Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *cvr.Error", err)
		}
		if !strings.HasSuffix(ce.Path, "max_ranking_enforcement_cvr.csv") || ce.Record != 1 || !strings.Contains(err.Error(), "maxRankingsAllowed is 3") {
			t.Errorf("error does not name the file, record 1 and the limit: %v", err)
		}
	},
}

// TestFixtures runs every RCTab fixture and compares the outputs with RCTab's
// expected files using RCTab's own comparison rules.
func TestFixtures(t *testing.T) {
	entries, err := os.ReadDir(fixtureRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == "_shared" || name == "unisyn_cvrs" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixtureRoot, name)
			opts := Options{Version: "test"}
			// Read through an fs.FS, as the office reads an upload: the
			// fixtures' "../_shared" paths stay inside it.
			out, err := Run(os.DirFS(fixtureRoot), name+"/"+name+"_config.json", opts)
			if strings.HasPrefix(name, "conversions_from_") && err == nil {
				// RCTab's conversion tests count and also convert the CVRs
				// to CDF, a separate run that only reads (source notes P9).
				opts.ConvertToCDF = true
				conv, err := Run(os.DirFS(fixtureRoot), name+"/"+name+"_config.json", opts)
				if err != nil {
					t.Fatalf("conversion: %v", err)
				}
				if len(conv.Files) != 1 || conv.Files[CDFJSON] == nil || conv.Result != nil {
					t.Fatalf("conversion wrote %s, want only %s and no count", strings.Join(keys(conv.Files), ", "), CDFJSON)
				}
				out.Files[CDFJSON] = conv.Files[CDFJSON]
			}
			if check, negative := negativeFixtures[name]; negative {
				if err == nil {
					t.Fatalf("expected an error, got %d output files", len(out.Files))
				}
				if out != nil {
					t.Errorf("an error run returned output")
				}
				check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			compared := compareFixture(t, dir, name, out)
			if compared == 0 {
				t.Fatal("no expected files to compare")
			}
		})
	}
}

// compareFixture compares every expected file of one fixture and returns how
// many it compared.
func compareFixture(t *testing.T, dir, name string, out *Output) int {
	n := 0
	get := func(key string) []byte {
		b, ok := out.Files[key]
		if !ok {
			t.Errorf("no output file %q (have %s)", key, strings.Join(keys(out.Files), ", "))
		}
		return b
	}
	pairs := map[string]string{} // expected file → output key
	add := func(expected, key string) {
		if _, err := os.Stat(filepath.Join(dir, expected)); err == nil {
			pairs[expected] = key
		}
	}
	add(name+"_expected_detailed_report.json", DetailedJSON)
	add(name+"_expected_detailed_report.csv", DetailedCSV)
	add(name+"_expected_cdf_cvr.json", CDFJSON)
	add(name+"_expected.csv", CVRExportCSV)
	for i := 1; i <= 20; i++ {
		add(fmt.Sprintf("%s_%d_expected_detailed_report.json", name, i), fmt.Sprintf("%d_%s", i, DetailedJSON))
		add(fmt.Sprintf("%s_%d_expected_detailed_report.csv", name, i), fmt.Sprintf("%d_%s", i, DetailedCSV))
	}
	for _, sub := range []struct{ dir, kind string }{{PrecinctDir, "precinct"}, {BatchDir, "batch"}} {
		files, _ := filepath.Glob(filepath.Join(dir, sub.dir, name+"_expected_*"))
		for _, f := range files {
			base := filepath.Base(f)
			key := sub.dir + "/" + strings.TrimPrefix(base, name+"_expected_")
			pairs[sub.dir+"/"+base] = key
		}
	}
	var names []string
	for k := range pairs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, expected := range names {
		key := pairs[expected]
		want, err := os.ReadFile(filepath.Join(dir, expected))
		if err != nil {
			t.Fatal(err)
		}
		got := get(key)
		if got == nil {
			continue
		}
		n++
		if strings.HasSuffix(expected, ".json") {
			compareJSON(t, expected, want, got)
		} else {
			compareCSV(t, expected, want, got)
			if strings.HasSuffix(key, DetailedCSV) && !strings.Contains(key, "/") {
				summaryKey := strings.TrimSuffix(key, DetailedCSV) + SummaryCSV
				compareCSV(t, expected+" (summary)", SummaryOf(want), get(summaryKey))
			}
		}
	}
	return n
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compareCSV and compareJSON report a difference found by RCTab's rules.
func compareCSV(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if d := CompareCSV(want, got); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func compareJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	d, err := CompareJSON(want, got)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if d != "" {
		t.Errorf("%s: %s", what, d)
	}
}
