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
