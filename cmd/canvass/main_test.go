package main

import (
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
