package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/rctab"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const fixtures = "../../testdata/rctab"

// TestTabulateRCTabConfig runs a fixture configuration through the command
// and checks the directory it writes: RCTab's reports, equal to RCTab's by
// RCTab's rules, and a manifest whose hashes check out.
func TestTabulateRCTabConfig(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	cfg := filepath.Join(fixtures, "precinct_example", "precinct_example_config.json")
	code, stdout, stderr := runCLI(t, "tabulate", "--rctab-config", cfg, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Winner(s):") {
		t.Errorf("no winner in the summary:\n%s", stdout)
	}
	got, err := os.ReadFile(filepath.Join(out, "detailed_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(fixtures, "precinct_example", "precinct_example_expected_detailed_report.json"))
	if d, err := rctab.CompareJSON(want, got); err != nil || d != "" {
		t.Fatalf("detailed_report.json differs from RCTab's: %s %v", d, err)
	}
	for _, f := range []string{"detailed_report.csv", "summary_report.csv", "cdf_cvr.json", "Tabulate by Precinct"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "rctab_cvr.csv")); err == nil {
		t.Error("rctab_cvr.csv written without --rctab-cvr")
	}
	if err := evidence.Check(os.DirFS(out)); err != nil {
		t.Fatalf("manifest check: %v", err)
	}
	m, err := evidence.ReadManifest(os.DirFS(out))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range m.Inputs {
		names = append(names, in.Path)
	}
	if strings.Join(names, " ") != "precinct_example_config.json precinct_example_cvr.xlsx" {
		t.Errorf("manifest inputs %v", names)
	}
	if !bytes.Contains(m.Rules, []byte(`"winnerElectionMode"`)) {
		t.Errorf("manifest rules: %s", m.Rules)
	}

	// Results are never overwritten.
	code, _, stderr = runCLI(t, "tabulate", "--rctab-config", cfg, "--out", out)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second run into the same directory: exit %d, %s", code, stderr)
	}
}

// TestTabulateBadInputWritesNothing: an invalid configuration or CVR fails
// with the reason on stderr and creates no results directory.
func TestTabulateBadInputWritesNothing(t *testing.T) {
	for _, name := range []string{"invalid_params_test", "invalid_sources_test", "max_ranking_enforcement", "tabulate_by_precinct_without_precincts"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results")
			code, stdout, stderr := runCLI(t, "tabulate", "--rctab-config", filepath.Join(fixtures, name, name+"_config.json"), "--out", out)
			if code != 1 || stderr == "" || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("results directory created for a failed run")
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
				t.Fatalf("left files behind: %v", entries)
			}
		})
	}
}

func TestTabulateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"tabulate"},
		{"tabulate", "--rctab-config", "x.json"},
		{"tabulate", "--format", "dominion"},
		{"tabulate", "--format", "dominion", "--rctab-config", "x", "p"},
		{"tabulate", "--format", "dominion", "--output", "xml", "p"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// A bad flag value is a usage error, refused before reading (issue 11).
	if code, _, stderr := runCLI(t, "tabulate", "--format", "nosuch", "x"); code != 2 || !strings.Contains(stderr, "known:") {
		t.Errorf("unknown format: exit %d, %s", code, stderr)
	}
	// Help goes to stdout (issue 11; it was stderr).
	if code, stdout, _ := runCLI(t, "tabulate", "--help"); code != 0 || !strings.Contains(stdout, "--rctab-config") {
		t.Errorf("--help: exit %d, %s", code, stdout)
	}
}

const alaska = fixtures + "/_shared/dominion_alaska/alaska_input_data"

// TestTabulateDirectRanked counts a Dominion export with no configuration
// under the rules of the RCTab fixture for the same data, and gets RCTab's
// winner and final threshold.
func TestTabulateDirectRanked(t *testing.T) {
	code, stdout, stderr := runCLI(t, "tabulate", "--format", "dominion", "--write-in-label", "12",
		"--tiebreak", "useCandidateOrder", "--batch-elimination", alaska)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"PRESIDENT OF THE UNITED STATES", "1,000 ballots (55 with no rankings)", "elected Tom Steyer (400)", "Winner(s): Tom Steyer"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// RCTab's report for these ballots: threshold 397 in the final round.
	exp, _ := os.ReadFile(filepath.Join(fixtures, "dominion_alaska", "dominion_alaska_expected_detailed_report.csv"))
	if !strings.Contains(string(exp), "Final Threshold,397") || !strings.Contains(stdout, "793        397  elected Tom Steyer") {
		t.Errorf("final round does not match RCTab's threshold 397:\n%s", stdout)
	}
}

// TestTabulateDirectTieNeedsDecision: with the "ask" tie-break (the default
// for direct counts) a tie stops the count with the tied names, and the
// decision given on the command line resolves it.
func TestTabulateDirectTieNeedsDecision(t *testing.T) {
	code, _, stderr := runCLI(t, "tabulate", "--format", "dominion", alaska)
	if code != 1 || !strings.Contains(stderr, `"(undeclared)", "Tom Steyer"`) || !strings.Contains(stderr, "--tiebreak-choice") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "tabulate", "--format", "dominion", "--tiebreak-choice", "(undeclared)", alaska)
	if code != 0 || !strings.Contains(stdout, "Tie in round 6 to eliminate between ") || !strings.Contains(stdout, ": (undeclared) chosen") ||
		!strings.Contains(stdout, "eliminated (undeclared) (228) after a tie-break") {
		t.Fatalf("exit %d, %s\n%s", code, stderr, stdout)
	}
}

// A Dominion CSV export with a vote-for-1 and a vote-for-2 contest. Mayor:
// Ann 3, Bob 2 (ballot 4 overvotes). Council (vote for 2): Cy 3, Di 2, Ed 2
// (ballot 5 marks three: an overvote); ballot 6 leaves it blank.
const pluralityCSV = `"Test Election","5.10",,,,,,,,,,,,
,,,,,,,,"Mayor (Vote For=1)","Mayor (Vote For=1)","Council (Vote For=2)","Council (Vote For=2)","Council (Vote For=2)"
,,,,,,,,"Ann","Bob","Cy","Di","Ed"
"CvrNumber","TabulatorNum","BatchId","RecordId","ImprintedId","CountingGroup","PrecinctPortion","BallotType","DEM","REP","DEM","REP","IND"
1,1,1,1,1-1-1,Election Day,Ward 1,Ballot 1,1,0,1,1,0
2,1,1,2,1-1-2,Election Day,Ward 1,Ballot 1,1,0,1,0,1
3,1,1,3,1-1-3,Election Day,Ward 1,Ballot 1,0,1,1,0,0
4,1,1,4,1-1-4,Election Day,Ward 1,Ballot 1,1,1,0,1,1
5,1,2,1,1-2-1,Mail,Ward 2,Ballot 1,1,0,1,1,1
6,1,2,2,1-2-2,Mail,Ward 2,Ballot 1,0,1,0,0,0
`

func TestTabulateDirectPlurality(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cvr.csv")
	os.WriteFile(p, []byte(pluralityCSV), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "tabulate", "--format", "dominion-csv", "--output", "json", "--out", out, p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s struct {
		Contests []struct {
			Name, Method string
			Seats        int
			Ballots      int64
			Winners      []string
			Votes        []struct {
				Name  string
				Votes int64
			}
			Overvotes  int64
			Undervotes int64
		}
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("--output json is not JSON: %v\n%s", err, stdout)
	}
	if len(s.Contests) != 2 {
		t.Fatalf("contests: %+v", s.Contests)
	}
	mayor, council := s.Contests[0], s.Contests[1]
	if mayor.Method != "plurality" || mayor.Ballots != 6 || strings.Join(mayor.Winners, ",") != "Ann" ||
		mayor.Votes[0].Votes != 3 || mayor.Votes[1].Votes != 2 || mayor.Overvotes != 1 {
		t.Errorf("mayor: %+v", mayor)
	}
	if council.Method != "vote-for-n" || council.Seats != 2 || council.Ballots != 6 || council.Overvotes != 2 || council.Undervotes != 3 {
		t.Errorf("council: %+v", council)
	}
	// Cy (3) wins outright; Di and Ed tie at 2 for the second seat, which
	// the law, not the software, must break.
	if council.Votes[0].Name != "Cy" || council.Votes[0].Votes != 3 || len(council.Winners) != 1 || council.Winners[0] != "Cy" {
		t.Errorf("council winners: %+v", council)
	}
	if err := evidence.Check(os.DirFS(out)); err != nil {
		t.Fatal(err)
	}
	nist, err := os.ReadFile(filepath.Join(out, "nist_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile("../../testdata/nist/election_results_reporting.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(nist))
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("nist_results.json does not validate: %v", err)
	}
	text, _ := os.ReadFile(filepath.Join(out, "results.txt"))
	if !strings.Contains(string(text), "Tie for 1 seat(s) between Di, Ed") {
		t.Errorf("text summary does not report the council tie:\n%s", text)
	}
}

// TestTabulateRecordsInLog: with --log, the tabulation is appended to the
// election log with the hashes of every input and output, the log still
// verifies, and the recorded manifest hash is the one on disk.
func TestTabulateRecordsInLog(t *testing.T) {
	dir := t.TempDir()
	logDir, key := filepath.Join(dir, "log"), filepath.Join(dir, "log.key")
	code, stdout, stderr := runCLI(t, "log", "init", "--dir", logDir, "--origin", "example.gov/county/log", "--key-file", key)
	if code != 0 {
		t.Fatalf("log init: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	vkey := lines[len(lines)-1]
	out := filepath.Join(dir, "results")
	cfg := filepath.Join(fixtures, "test_set_1_exhaust_at_overvote", "test_set_1_exhaust_at_overvote_config.json")
	if code, _, stderr := runCLI(t, "tabulate", "--rctab-config", cfg, "--out", out, "--log", logDir, "--key-file", key, "--user", "clerk1"); code != 0 {
		t.Fatalf("tabulate --log: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "log", "verify", "--dir", logDir, "--vkey", vkey); code != 0 {
		t.Fatalf("log verify after tabulate: exit %d: %s", code, stderr)
	}
	code, export, stderr := runCLI(t, "log", "export", "--dir", logDir, "--format", "nist-eel")
	if code != 0 {
		t.Fatalf("log export: exit %d: %s", code, stderr)
	}
	manifest, err := evidence.CommitFile("manifest.json", filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tabulation-run", "clerk1", manifest.SHA256, "test_set_1_exhaust_at_overvote_cvr.json"} {
		if !strings.Contains(export, want) {
			t.Errorf("exported log lacks %q", want)
		}
	}
	// Without --out there is nothing to record.
	if code, _, _ := runCLI(t, "tabulate", "--rctab-config", cfg, "--log", logDir, "--key-file", key); code != 2 {
		t.Errorf("--log without --out: exit %d, want 2", code)
	}
}

// TestSampleRecordsInLog: with --log, the sample's exact printed bytes are
// committed to in a sample-drawn event with the seed.
func TestSampleRecordsInLog(t *testing.T) {
	dir := t.TempDir()
	logDir, key := filepath.Join(dir, "log"), filepath.Join(dir, "log.key")
	if code, _, stderr := runCLI(t, "log", "init", "--dir", logDir, "--origin", "example.gov/rla", "--key-file", key); code != 0 {
		t.Fatalf("log init: %s", stderr)
	}
	args := []string{"rla", "sample", "--sampler", "corla", "--seed", "3546311556112163624615351222", "--ballots", "876", "--count", "5"}
	code, plain, _ := runCLI(t, args...)
	if code != 0 {
		t.Fatal("sample without --log failed")
	}
	code, logged, stderr := runCLI(t, append(args, "--log", logDir, "--key-file", key)...)
	if code != 0 {
		t.Fatalf("sample --log: exit %d: %s", code, stderr)
	}
	if logged != plain {
		t.Fatalf("--log changed the sample:\n%s\nvs\n%s", logged, plain)
	}
	_, export, _ := runCLI(t, "log", "export", "--dir", logDir, "--format", "nist-eel")
	sum := evidence.Commit("sample.csv", []byte(logged))
	for _, want := range []string{"sample-drawn", "3546311556112163624615351222", sum.SHA256} {
		if !strings.Contains(export, want) {
			t.Errorf("exported log lacks %q", want)
		}
	}
}

// TestTabulateChecksBeforeCounting: an unusable --out directory and a
// --log with the wrong key are reported before the count (so the error is
// theirs, not the damaged CVR's that the count would meet), and nothing is
// written.
func TestTabulateChecksBeforeCounting(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("not,a\nvalid\"cvr"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "tabulate", "--format", "genericCsv", "--out", full, bad)
	if code == 0 || !strings.Contains(stderr, "choose a new --out directory") {
		t.Errorf("non-empty --out: exit %d, stderr %q; want the --out error before the count", code, stderr)
	}

	logDir, key, other := filepath.Join(dir, "log"), filepath.Join(dir, "log.key"), filepath.Join(dir, "other.key")
	if code, _, stderr := runCLI(t, "log", "init", "--dir", logDir, "--origin", "example.gov/a", "--key-file", key); code != 0 {
		t.Fatalf("log init: %s", stderr)
	}
	if code, _, stderr := runCLI(t, "log", "init", "--dir", filepath.Join(dir, "log2"), "--origin", "example.gov/a", "--key-file", other); code != 0 {
		t.Fatalf("log init: %s", stderr)
	}
	out := filepath.Join(dir, "results")
	cfg := filepath.Join(fixtures, "test_set_1_exhaust_at_overvote", "test_set_1_exhaust_at_overvote_config.json")
	code, _, stderr = runCLI(t, "tabulate", "--rctab-config", cfg, "--out", out, "--log", logDir, "--key-file", other)
	if code == 0 || !strings.Contains(stderr, "nothing was counted or written") {
		t.Errorf("wrong log key: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("results were written although the log could not record them")
	}
}

// TestTabulateWarnsOnUnknownKey: a configuration key RCTab ignores leaves
// the count unchanged but is named on stderr and in the results manifest.
func TestTabulateWarnsOnUnknownKey(t *testing.T) {
	src := filepath.Join(fixtures, "test_set_1_exhaust_at_overvote")
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(src, "test_set_1_exhaust_at_overvote_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`"tabulatorVersion" : "TEST",`), []byte(`"tabulatorVersion" : "TEST", "someFutureKey" : 1,`), 1)
	cvrData, err := os.ReadFile(filepath.Join(src, "test_set_1_exhaust_at_overvote_cvr.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test_set_1_exhaust_at_overvote_cvr.json"), cvrData, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	code, _, stderr := runCLI(t, "tabulate", "--rctab-config", cfg, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "someFutureKey") {
		t.Errorf("stderr lacks the warning: %q", stderr)
	}
	m, err := evidence.ReadManifest(os.DirFS(out))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "someFutureKey") {
		t.Errorf("manifest warnings %q lack someFutureKey", m.Warnings)
	}
}
