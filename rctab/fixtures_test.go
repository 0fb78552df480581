package rctab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
			// RCTab's conversion tests also export the CVRs as CDF.
			opts := Options{Version: "test", ConvertToCDF: strings.HasPrefix(name, "conversions_from_")}
			out, err := Run(filepath.Join(dir, name+"_config.json"), opts)
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
				compareCSV(t, expected+" (summary)", summaryOf(want), get(summaryKey))
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

// summaryOf is RCTab's rule for the summary CSV: the detailed CSV without
// its "Inactive Ballots by" lines.
func summaryOf(detailed []byte) []byte {
	var out []string
	for _, l := range strings.SplitAfter(string(detailed), "\n") {
		if !strings.HasPrefix(l, "Inactive Ballots by") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, ""))
}

// compareCSV compares line by line, skipping lines that mention "Generated
// By" (or GeneratedDate) in both files, as RCTab's harness does.
func compareCSV(t *testing.T, what string, want, got []byte) {
	t.Helper()
	wl := strings.Split(strings.ReplaceAll(string(want), "\r\n", "\n"), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w == g {
			continue
		}
		volatile := func(s string) bool {
			return strings.Contains(s, "Generated By") || strings.Contains(s, "GeneratedDate")
		}
		if volatile(w) && volatile(g) {
			continue
		}
		t.Errorf("%s: line %d differs\nwant: %s\ngot:  %s", what, i+1, clip(w), clip(g))
		return
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// compareJSON compares parsed documents: objects key by key, arrays in
// order, leaves as exact text; generatedBy and GeneratedDate are ignored.
func compareJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	parse := func(b []byte) (any, error) {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		err := d.Decode(&v)
		return v, err
	}
	w, err := parse(want)
	if err != nil {
		t.Fatalf("%s: expected file: %v", what, err)
	}
	g, err := parse(got)
	if err != nil {
		t.Fatalf("%s: output is not JSON: %v", what, err)
	}
	if diff := jsonDiff("", w, g); diff != "" {
		t.Errorf("%s: %s", what, diff)
	}
}

func jsonDiff(at string, w, g any) string {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %v", at, g)
		}
		for k := range wv {
			if k == "generatedBy" || k == "GeneratedDate" {
				continue
			}
			if _, ok := gv[k]; !ok {
				return fmt.Sprintf("%s: missing key %q", at, k)
			}
			if d := jsonDiff(at+"."+k, wv[k], gv[k]); d != "" {
				return d
			}
		}
		for k := range gv {
			if k == "generatedBy" || k == "GeneratedDate" {
				continue
			}
			if _, ok := wv[k]; !ok {
				return fmt.Sprintf("%s: unexpected key %q", at, k)
			}
		}
		return ""
	case []any:
		gv, ok := g.([]any)
		if !ok {
			return fmt.Sprintf("%s: want a list, got %v", at, g)
		}
		if len(wv) != len(gv) {
			return fmt.Sprintf("%s: want %d elements, got %d", at, len(wv), len(gv))
		}
		for i := range wv {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", at, i), wv[i], gv[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(w, g) {
		return fmt.Sprintf("%s: want %v, got %v", at, w, g)
	}
	return ""
}
