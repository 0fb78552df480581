package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
)

const mesaDir = "../../facility/testdata/mesa"

// facilityEvents opens the office in dir and returns its log's events.
func facilityEvents(t *testing.T, dir string) []ledger.Event {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err := office.Open(ctx, dir, st, office.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var evs []ledger.Event
	if err := o.Events(ctx, func(e ledger.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestFacilityImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "office")
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--origin", "clerk.example/office", "--admin", "ada", "--admin", "bob"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	files := []struct{ kind, name string }{{"site", "site.json"}, {"badge", "badges.csv"}, {"camera", "cameras.csv"}, {"seal", "seals.csv"}}
	for i, f := range files {
		code, out, errOut := runCLI(t, "facility", "import", "--data", dir, "--kind", f.kind, "--user", "Pat Lindqvist", filepath.Join(mesaDir, f.name))
		if code != 0 {
			t.Fatalf("import %s: %d %s", f.name, code, errOut)
		}
		if want := fmt.Sprintf("log index %d\n", i+1); !strings.HasSuffix(out, want) {
			t.Errorf("import %s printed %q, want it to end in %q", f.name, out, want)
		}
	}
	evs := facilityEvents(t, dir)
	if len(evs) != 1+len(files) {
		t.Fatalf("%d events in the log, want %d", len(evs), 1+len(files))
	}
	for i, f := range files {
		e := evs[i+1]
		data, err := os.ReadFile(filepath.Join(mesaDir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		wantType := "facility-import"
		if f.kind == "site" {
			wantType = "facility-site"
		} else if e.Payload["kind"] != f.kind {
			t.Errorf("%s: kind %v", f.name, e.Payload["kind"])
		}
		file, _ := e.Payload["file"].(map[string]any)
		if e.Type != wantType || e.UserID != "Pat Lindqvist" || e.Details != office.FacilityOperatorAction ||
			file["name"] != f.name || file["sha256"] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: event %s by %q (%q), file %v", f.name, e.Type, e.UserID, e.Details, file)
		}
	}

	// A bad export: refused with file, row and column; nothing logged.
	bad := filepath.Join(t.TempDir(), "cams.csv")
	os.WriteFile(bad, []byte("time,camera,status\n2021-05-23T18:00:00-06:00,CAM-SRV-1,off\n2021-05-23 19:00,CAM-SRV-1,on\n"), 0o644)
	code, _, errOut := runCLI(t, "facility", "import", "--data", dir, "--kind", "camera", "--user", "pat", bad)
	if code != 1 || !strings.Contains(errOut, `cams.csv: row 3, column "time"`) {
		t.Errorf("bad export: exit %d, %s", code, errOut)
	}
	if n := len(facilityEvents(t, dir)); n != 1+len(files) {
		t.Errorf("after a refused import the log has %d events, want %d", n, 1+len(files))
	}

	// Usage errors.
	for _, args := range [][]string{
		{"--kind", "camera", filepath.Join(mesaDir, "cameras.csv")},
		{"--data", dir, filepath.Join(mesaDir, "cameras.csv")},
		{"--data", dir, "--kind", "camera"},
		{"--data", dir, "--kind", "camera", "a.csv", "b.csv"},
	} {
		if code, _, _ := runCLI(t, append([]string{"facility", "import"}, args...)...); code != 2 {
			t.Errorf("facility import %v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCLI(t, "facility", "import", "--data", dir, "--kind", "door", "--user", "pat", filepath.Join(mesaDir, "cameras.csv")); code != 2 || !strings.Contains(errOut, "site, badge, camera or seal") {
		t.Errorf("--kind door: exit %d, %s", code, errOut)
	}

	// The default user is the OS user.
	if op := defaultOperator(); op != "" {
		if code, _, errOut := runCLI(t, "facility", "import", "--data", dir, "--kind", "site", filepath.Join(mesaDir, "site.json")); code != 0 {
			t.Fatalf("import without --user: %d %s", code, errOut)
		}
		evs := facilityEvents(t, dir)
		if last := evs[len(evs)-1]; last.UserID != op {
			t.Errorf("without --user the event's user is %q, want %q", last.UserID, op)
		}
	}
}

// TestFacilityImportWhileServing: while another process (canvass serve)
// holds the log, the import fails saying so and logs nothing.
func TestFacilityImportWhileServing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "office")
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--origin", "clerk.example/office", "--admin", "ada", "--admin", "bob"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err := office.Open(ctx, dir, st, office.Options{}) // as serve does
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	old := facilityLockWait
	facilityLockWait = 100 * time.Millisecond
	defer func() { facilityLockWait = old }()
	code, _, errOut := runCLI(t, "facility", "import", "--data", dir, "--kind", "camera", "--user", "pat", filepath.Join(mesaDir, "cameras.csv"))
	if code != 1 || !strings.Contains(errOut, "locked by another process") || !strings.Contains(errOut, "canvass serve") {
		t.Errorf("import while the log is held: exit %d, %s", code, errOut)
	}
	if o.LogSize() != 1 {
		t.Errorf("log size %d, want 1", o.LogSize())
	}
}
