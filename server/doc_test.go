package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/canvass/canvass/server"
)

// TestAPIDocumented checks that docs/api.yaml documents every route the
// server registers, with its method.
func TestAPIDocumented(t *testing.T) {
	e := newEnv(t)
	doc, err := os.ReadFile("../docs/api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	for _, p := range server.New(e.o).Patterns() {
		method, path, _ := strings.Cut(p, " ")
		path = strings.ReplaceAll(path, "...}", "}")
		i := strings.Index(s, "\n  "+path+":\n")
		if i < 0 {
			t.Errorf("docs/api.yaml has no path %s", path)
			continue
		}
		rest := s[i+1:]
		if j := strings.Index(rest[1:], "\n  /"); j >= 0 {
			rest = rest[:j+1]
		}
		if !strings.Contains(rest, "\n    "+strings.ToLower(method)+":") {
			t.Errorf("docs/api.yaml documents no %s for %s", method, path)
		}
	}
}
