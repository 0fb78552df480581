package office

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzCheckParty: an accepted party name is short printable UTF-8 without
// outer spaces, and sameParty is symmetric and reflexive on it.
func FuzzCheckParty(f *testing.F) {
	for _, s := range []string{"", "Democratic", "Green Party", " x", "x\n", "\u200b", "Unabhängig", strings.Repeat("p", 65)} {
		f.Add(s, "democratic")
	}
	f.Fuzz(func(t *testing.T, p, q string) {
		if checkParty(p) != nil || p == "" {
			return
		}
		if len(p) > 64 || strings.TrimSpace(p) != p {
			t.Fatalf("accepted %q", p)
		}
		for _, r := range p {
			if !unicode.IsPrint(r) {
				t.Fatalf("accepted %q with %U", p, r)
			}
		}
		if !sameParty(p, p) || sameParty(p, q) != sameParty(q, p) {
			t.Fatalf("sameParty(%q, %q) is not reflexive and symmetric", p, q)
		}
	})
}

// FuzzCheckExpiry: an accepted expiry is exactly one of the two forms and
// within the documented bounds.
func FuzzCheckExpiry(f *testing.F) {
	for _, s := range [][2]string{{"4h", ""}, {"", "2026-11-03T12:00:00Z"}, {"24h1s", ""}, {"-1h", ""}, {"1e9h", ""}, {"", "2026-11-03T12:00:00+23:59"}, {"4h", "2026-11-03T12:00:00Z"}} {
		f.Add(s[0], s[1])
	}
	now := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	o := &Office{now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, in, at string) {
		dur, abs, err := o.checkExpiry(in, at)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if dur != "" && abs != "" {
			t.Fatalf("both %q and %q", dur, abs)
		}
		if dur != "" {
			d, err := time.ParseDuration(dur)
			if err != nil || d < minEmergencyAccess || d > MaxEmergencyAccess {
				t.Fatalf("accepted duration %q from %q", dur, in)
			}
		}
		if abs != "" {
			e, err := time.Parse(time.RFC3339, abs)
			if err != nil || e.Sub(now) > MaxEmergencyAccess || e.Sub(now) < minEmergencyAccess-time.Second {
				t.Fatalf("accepted end %q from %q", abs, at)
			}
		}
	})
}

// FuzzRulesSHA256: the rules hash never fails on a configuration object
// and ignores exactly the file paths, output settings and tabulator
// version.
func FuzzRulesSHA256(f *testing.F) {
	f.Add(`{"tabulatorVersion":"TEST","outputSettings":{"contestName":"M"},"cvrFileSources":[{"filePath":"a.xlsx","provider":"ess"}],"rules":{"tiebreakMode":"random"}}`, "b.xlsx")
	f.Add(`{"cvrFileSources":[1,{"filePath":2}],"candidates":[]}`, "x")
	f.Add(`{}`, "")
	f.Fuzz(func(t *testing.T, cfgText, path string) {
		var cfg map[string]any
		if json.Unmarshal([]byte(cfgText), &cfg) != nil || cfg == nil {
			return
		}
		h1, err := rulesSHA256(cfg)
		if err != nil {
			return
		}
		if len(h1) != 64 {
			t.Fatalf("hash %q", h1)
		}
		cfg["tabulatorVersion"] = "other"
		cfg["outputSettings"] = map[string]any{"outputDirectory": path}
		if srcs, ok := cfg["cvrFileSources"].([]any); ok {
			for _, s := range srcs {
				if m, ok := s.(map[string]any); ok {
					m["filePath"] = path
				}
			}
		}
		h2, err := rulesSHA256(cfg)
		if err != nil || h2 != h1 {
			t.Fatalf("paths and output changed the rules hash: %s %s %v", h1, h2, err)
		}
		cfg["rules"] = map[string]any{"changed": path + "!"}
		if h3, err := rulesSHA256(cfg); err == nil && h3 == h1 {
			t.Fatal("a rules change kept the hash")
		}
	})
}
