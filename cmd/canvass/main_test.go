package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryCommandHasHelp: each command and command group answers --help
// with usage and exit status 0, as the CLI conventions promise.
func TestEveryCommandHasHelp(t *testing.T) {
	groups := map[string]bool{}
	for name := range commands {
		if g, _, ok := strings.Cut(name, " "); ok {
			groups[g] = true
		}
		args := append(strings.Fields(name), "--help")
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || stdout+stderr == "" {
			t.Errorf("canvass %s --help: exit %d, no usage", name, code)
		}
	}
	for g := range groups {
		code, stdout, _ := runCLI(t, g, "--help")
		if code != 0 || !strings.Contains(stdout, "canvass "+g+" ") {
			t.Errorf("canvass %s --help: exit %d:\n%s", g, code, stdout)
		}
		if code, _, _ := runCLI(t, g, "nosuch"); code != 2 {
			t.Errorf("canvass %s nosuch: exit %d, want 2", g, code)
		}
	}
	if code, stdout, _ := runCLI(t, "help"); code != 0 || !strings.Contains(stdout, "tabulate") {
		t.Errorf("canvass help: exit %d", code)
	}
	if code, _, _ := runCLI(t, "nosuch"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, stdout, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(stdout, "canvass ") {
		t.Errorf("canvass version: exit %d, %q", code, stdout)
	}
}

// TestCLIConsistency walks every registered command (issue 11): --help
// prints the usage on stdout, nothing on stderr, exit 0; an unknown flag
// prints why on stderr, nothing on stdout, exit 2.
func TestCLIConsistency(t *testing.T) {
	for name := range commands {
		args := append(strings.Fields(name), "--help")
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage: canvass "+name) || stderr != "" {
			t.Errorf("canvass %s --help: exit %d, stdout %q, stderr %q; want 0, the usage on stdout, empty stderr", name, code, stdout, stderr)
		}
		args = append(strings.Fields(name), "--no-such-flag-xyz")
		code, stdout, stderr = runCLI(t, args...)
		if code != 2 || !strings.Contains(stderr, "no-such-flag-xyz") || stdout != "" {
			t.Errorf("canvass %s --no-such-flag-xyz: exit %d, stdout %q, stderr %q; want 2 and the error on stderr only", name, code, stdout, stderr)
		}
	}
}

// TestFlagsAfterArguments: flags may follow positional arguments; "--" ends
// the flags (issue 11). --json is --output json.
func TestFlagsAfterArguments(t *testing.T) {
	const cvrFile = "../../count/testdata/mayor.csv"
	code, stdout, stderr := runCLI(t, "tabulate", "--format", "genericCsv", cvrFile, "--tiebreak", "useCandidateOrder", "--json")
	if code != 0 || !strings.HasPrefix(stdout, "{") {
		t.Fatalf("flags after the file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "tabulate", "--format", "genericCsv", "--tiebreak", "useCandidateOrder", "--", cvrFile, "--json")
	if code != 1 || !strings.Contains(stderr, "--json") {
		t.Errorf("after --: exit %d, stderr %q; want --json read as a file name", code, stderr)
	}
	code, _, stderr = runCLI(t, "tabulate", "--format", "genericCsv", cvrFile, "--json", "--output", "nist")
	if code != 2 || !strings.Contains(stderr, "disagree") {
		t.Errorf("--json with --output nist: exit %d, stderr %q; want 2", code, stderr)
	}
	code, _, stderr = runCLI(t, "tabulate", "--format", "genericCsv", cvrFile, "--first-vote-column", "9")
	if code != 1 || !strings.Contains(stderr, "--first-vote-column is 9") || strings.Contains(stderr, "firstVoteColumnIndex") {
		t.Errorf("direct-mode error: exit %d, stderr %q; want it to name the flag, not the RCTab key", code, stderr)
	}
}

// TestUsageErrorsExit2 runs every command with a usage error of its own
// (a missing required flag, a bad flag value, a wrong number of arguments,
// conflicting flags) and checks the CLI convention (issue 11): exit status
// 2, the reason on stderr, nothing on stdout, and nothing done (every case
// is refused before any file is opened). Every registered command must have
// a case here.
func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	cases := []struct {
		args []string
		want string // text stderr must contain ("" for demo: its usage)
	}{
		{[]string{"demo", "extra"}, "Usage: canvass demo"},
		{[]string{"evidence", "export", "--election", "e", "--out", out}, "missing required flag --data"},
		{[]string{"facility", "import", "--data", dir, "--kind", "nosuch", "f.json"}, `--kind "nosuch"`},
		{[]string{"facility", "import", "--data", dir, "--kind", "site", "a.json", "b.json"}, `unexpected argument "b.json"`},
		{[]string{"log", "init", "--dir", out, "--origin", "o", "--key-file", "k", "extra"}, `unexpected argument "extra"`},
		{[]string{"log", "append", "--dir", dir, "--key-file", "k", "--batch", "-1"}, "--batch must be at least 1"},
		{[]string{"log", "verify", "--dir", dir, "--url", "http://127.0.0.1:1", "--vkey", "v"}, "not both"},
		{[]string{"log", "prove", "--dir", dir, "--index", "abc"}, `--index "abc"`},
		{[]string{"log", "check-proof"}, "--vkey"},
		{[]string{"log", "serve", "--dir", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"log", "export", "--dir", dir, "--format", "nosuch"}, `--format "nosuch"`},
		{[]string{"init", "--data", out, "--origin", "o", "--admin", "a", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--addr", "127.0.0.1:1"}, "missing required flag --data"},
		{[]string{"rebuild", "--data", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"rla", "size", "extra"}, `unexpected argument "extra"`},
		{[]string{"rla", "risk", "extra"}, `unexpected argument "extra"`},
		{[]string{"rla", "raire", "--format", "nosuch"}, `--format "nosuch"`},
		{[]string{"rla", "sample", "--sampler", "nosuch", "--seed", "1", "--count", "1"}, `unknown sampler "nosuch"`},
		{[]string{"rla", "sample", "--sampler", "corla", "--seed", "1"}, "--count is required"},
		{[]string{"rla", "manifest", "--format", "nosuch", "m.csv"}, `--format must be arlo or colorado`},
		{[]string{"rla", "manifest", "--format", "arlo"}, "expected one manifest"},
		{[]string{"synth"}, "--out DIR is required"},
		{[]string{"synth", "--out", out, "--ballots", "0"}, "ballots"},
		{[]string{"tabulate"}, "give --rctab-config FILE --out DIR, or --format FORMAT"},
		{[]string{"tabulate", "--rctab-config", "c.json", "--format", "genericCsv", "x.csv"}, "not both"},
		{[]string{"tabulate", "--rctab-config", "c.json"}, "needs --out DIR"},
		{[]string{"tabulate", "--format", "genericCsv"}, "at least one CVR file"},
		{[]string{"tabulate", "--format", "nosuch", "x.csv"}, `unknown CVR format "nosuch"`},
		{[]string{"tabulate", "--format", "genericCsv", "x.csv", "--seats", "-1"}, "--seats -1"},
		{[]string{"tabulate", "--format", "genericCsv", "x.csv", "--overvote-rule", "nosuch"}, "--overvote-rule"},
		{[]string{"tabulate", "--format", "genericCsv", "x.csv", "--max-skipped-ranks", "-2"}, "--max-skipped-ranks"},
		{[]string{"tabulate", "--format", "genericCsv", "x.csv", "--first-vote-column", "-1"}, "--first-vote-column -1"},
		{[]string{"verify", "a", "b"}, "give one package"},
		{[]string{"witness", "init", "--key-file", filepath.Join(dir, "k")}, "--name are required"},
		{[]string{"witness", "serve", "--db", filepath.Join(dir, "w.db")}, "are required"},
		{[]string{"witness", "evidence", "--db", filepath.Join(dir, "w.db"), "extra"}, "no other arguments"},
		{[]string{"witness", "vkey", "--key-file", filepath.Join(dir, "k"), "extra"}, "no other arguments"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		name := c.args[0]
		if _, ok := commands[name]; !ok {
			name += " " + c.args[1]
		}
		covered[name] = true
		code, stdout, stderr := runCLI(t, c.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("canvass %s: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, stderr containing %q",
				strings.Join(c.args, " "), code, stdout, stderr, c.want)
		}
	}
	for name := range commands {
		if !covered[name] {
			t.Errorf("no usage-error case for canvass %s", name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused command wrote %d entries into %s", len(entries), dir)
	}
}
