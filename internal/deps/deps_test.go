package deps

import (
	"go/build"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/canvass/canvass"

// pure lists the packages that must do no I/O. A package not listed here
// may import anything; adding one here is a promise that it and everything
// of canvass's it imports stay pure.
var pure = []string{
	"election",
	"tabulate",
	"rla",
	"rla/sampler",
	"rla/raire",
	"rla/manifest",
	"resultsite",
	"facility",
	"audit",
	"rla/draw",
	"internal/flatfs",
	"pullsheet",
}

// forbidden are standard-library packages that reach outside the process.
// fmt, encoding/json and friends import os for their own reasons and are
// allowed: what matters is that a pure package never names these itself.
var forbidden = map[string]bool{
	"os":           true,
	"os/exec":      true,
	"os/signal":    true,
	"net":          true,
	"net/http":     true,
	"database/sql": true,
	"syscall":      true,
	"io/ioutil":    true,
	"log":          true,
	"log/slog":     true,
	"time/tzdata":  true,
	"unsafe":       true,
	"plugin":       true,
}

// imports returns the non-test imports of the module package at rel, as
// built for ctx (so files excluded by build tags do not count).
func imports(t *testing.T, ctx build.Context, root, rel string) []string {
	t.Helper()
	p, err := ctx.ImportDir(filepath.Join(root, rel), 0)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return p.Imports
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// violations walks the module packages reachable from each pure package
// and reports every forbidden import with the chain that leads to it.
func violations(t *testing.T, ctx build.Context, root string, pure []string, forbidden map[string]bool) []string {
	var out []string
	for _, start := range pure {
		seen := map[string]bool{}
		var walk func(rel string, chain []string)
		walk = func(rel string, chain []string) {
			if seen[rel] {
				return
			}
			seen[rel] = true
			chain = append(chain, rel)
			for _, imp := range imports(t, ctx, root, rel) {
				switch {
				case forbidden[imp]:
					out = append(out, strings.Join(chain, " -> ")+" imports "+imp)
				case strings.HasPrefix(imp, module+"/"):
					walk(strings.TrimPrefix(imp, module+"/"), chain)
				}
			}
		}
		walk(start, nil)
	}
	sort.Strings(out)
	return out
}

// TestPureCores is the rule: no pure package, nor any canvass package it
// imports, imports a forbidden package, for the machine's own platform and
// for js/wasm.
func TestPureCores(t *testing.T) {
	root := moduleRoot(t)
	for _, target := range []struct{ goos, goarch string }{{build.Default.GOOS, build.Default.GOARCH}, {"js", "wasm"}} {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = target.goos, target.goarch
		for _, v := range violations(t, ctx, root, pure, forbidden) {
			t.Errorf("%s/%s: %s", target.goos, target.goarch, v)
		}
	}
}

// TestRuleCatchesOS shows the rule has teeth: a package in testdata that
// imports os, declared pure, is reported; declared impure, it is not.
func TestRuleCatchesOS(t *testing.T) {
	root := moduleRoot(t)
	rel := "internal/deps/testdata/impure"
	got := violations(t, build.Default, root, []string{rel}, forbidden)
	if len(got) != 1 || !strings.HasSuffix(got[0], "imports os") {
		t.Fatalf("violations = %q, want one ending in \"imports os\"", got)
	}
	if got := violations(t, build.Default, root, []string{"internal/deps/testdata/clean"}, forbidden); len(got) != 0 {
		t.Fatalf("a clean package is reported: %q", got)
	}
}
