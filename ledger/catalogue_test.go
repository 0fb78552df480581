package ledger

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated catalogue section of ../docs/events.md")

const (
	docsPath    = "../docs/events.md"
	beginMarker = "<!-- BEGIN GENERATED CATALOGUE (go test ./ledger -run TestEventsDoc -update-docs) -->\n"
	endMarker   = "<!-- END GENERATED CATALOGUE -->\n"
)

// catalogueMarkdown renders the Catalogue for docs/events.md.
func catalogueMarkdown() string {
	var b strings.Builder
	b.WriteString("| Type | Severity | What it records |\n|---|---|---|\n")
	for _, et := range Catalogue {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", et.ID, et.ID, et.Severity, et.Description)
	}
	for _, et := range Catalogue {
		fmt.Fprintf(&b, "\n### %s\n\n%s Default severity: %s.\n\n", et.ID, et.Description, et.Severity)
		b.WriteString("| Payload field | Type | Required | Meaning |\n|---|---|---|---|\n")
		for _, f := range et.Payload {
			kind := "`" + string(f.Kind) + "`"
			if f.Kind == KindEnum {
				kind = "one of `" + strings.Join(f.Enum, "`, `") + "`"
			}
			req := "no"
			if f.Required {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, kind, req, strings.ReplaceAll(f.Doc, "|", "\\|"))
		}
		fmt.Fprintf(&b, "\nExample input line:\n\n```json\n%s\n```\n", sampleLine(slices.IndexFunc(Catalogue, func(e EventType) bool { return e.ID == et.ID }), "…"))
	}
	return b.String()
}

// TestEventsDoc keeps docs/events.md in step with the Catalogue.
func TestEventsDoc(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-catalogue markers", docsPath)
	}
	want := catalogueMarkdown()
	if got := s[i+len(beginMarker) : j]; got != want {
		if *updateDocs {
			if err := os.WriteFile(docsPath, []byte(s[:i+len(beginMarker)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s is out of date with the Catalogue; run go test ./ledger -run TestEventsDoc -update-docs", docsPath)
	}
}

func TestCatalogueIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, et := range Catalogue {
		if seen[et.ID] || et.ID == "" || et.Description == "" || !slices.Contains(Severities, et.Severity) {
			t.Errorf("bad or duplicate type %+v", et)
		}
		seen[et.ID] = true
		fields := map[string]bool{}
		required := 0
		for _, f := range et.Payload {
			if fields[f.Name] || f.Doc == "" || (f.Kind == KindEnum) != (len(f.Enum) > 0) {
				t.Errorf("%s: bad field %+v", et.ID, f)
			}
			fields[f.Name] = true
			if f.Required {
				required++
			}
		}
		if required == 0 {
			t.Errorf("%s has no required payload field", et.ID)
		}
	}
	for _, want := range []string{"login", "logout", "login-failure", "user-change", "role-change", "cvr-upload", "software-install",
		"seed-roll", "manifest-upload", "sample-drawn", "audit-board-entry", "results-publication", "tabulation-run",
		"configuration-change", "log-witnessed", "checkpoint-published", "key-rotation"} {
		if !seen[want] {
			t.Errorf("catalogue lacks %s", want)
		}
	}
}
