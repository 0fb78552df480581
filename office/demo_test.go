package office_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
)

// TestDemo builds the demo office and checks that its election is
// published, as test results, with every step in the log.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	info, err := office.Demo(ctx, dir, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.People) != 4 || info.Election == "" {
		t.Fatalf("demo info %+v", info)
	}
	o, err := office.Open(ctx, dir, st, office.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, p := range []string{"index.html", "results.json", "reports/detailed_report.json"} {
		f, err := o.PublicFile(ctx, info.Election, 0, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.Version != 1 || !f.Test || f.Size == 0 {
			t.Errorf("%s: %+v", p, f)
		}
	}
}
