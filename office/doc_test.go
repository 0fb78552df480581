package office

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated permission matrix in ../docs/office.md")

const (
	matrixBegin = "<!-- BEGIN PERMISSION MATRIX (go test ./office -run TestPermissionDoc -update-docs) -->\n"
	matrixEnd   = "<!-- END PERMISSION MATRIX -->\n"
)

// TestPermissionDoc keeps the matrix in docs/office.md equal to the one
// the office enforces.
func TestPermissionDoc(t *testing.T) {
	const path = "../docs/office.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, matrixBegin), strings.Index(s, matrixEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the permission matrix markers", path)
	}
	want := PermissionTable()
	if got := s[i+len(matrixBegin) : j]; got != want {
		if *updateDocs {
			if err := os.WriteFile(path, []byte(s[:i+len(matrixBegin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's permission matrix is out of date; run go test ./office -run TestPermissionDoc -update-docs", path)
	}
}
