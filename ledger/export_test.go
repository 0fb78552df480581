package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/mod/sumdb/tlog"
)

func nistSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../testdata/nist/election_event_logging.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("election_event_logging.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("election_event_logging.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNISTSchemaIsEnforced makes sure the schema check used below can
// fail: it rejects an extra Event field and a bad date-time.
func TestNISTSchemaIsEnforced(t *testing.T) {
	schema := nistSchema(t)
	for _, bad := range []string{
		`{"@type":"EventLogging.ElectionEventLog","GeneratedTime":"2026-11-04T01:02:03Z","Device":[{"@type":"EventLogging.Device","Id":"d","Event":[{"@type":"EventLogging.Event","Id":"1","Sequence":"0","TimeStamp":"2026-11-04T01:02:03Z","Type":"login","Disposition":"success","Payload":{}}]}]}`,
		`{"@type":"EventLogging.ElectionEventLog","GeneratedTime":"yesterday"}`,
		`{"@type":"EventLogging.ElectionEventLog","GeneratedTime":"2026-11-04T01:02:03Z","Device":[{"@type":"EventLogging.Device","Id":"d","Event":[{"@type":"EventLogging.Event","Id":"1","Sequence":0,"TimeStamp":"2026-11-04T01:02:03Z","Type":"login","Disposition":"success"}]}]}`,
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}

func TestExportNIST(t *testing.T) {
	schema := nistSchema(t)
	dir, skey, vkey := testLog(t, "export.example/log", nil)
	ctx := context.Background()
	// The empty log exports and validates too.
	for _, n := range []int{0, 2 * len(Catalogue), 300} {
		if n > 0 {
			l, err := OpenDir(ctx, dir, skey, Options{})
			if err != nil {
				t.Fatal(err)
			}
			size := int(l.Size())
			evs := sampleEvents(t, size, n-size, "export <&> \u2028")
			evs[0].Disposition, evs[0].OtherDisposition = "other", "partially"
			if _, err := l.Append(ctx, evs); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			l.Close()
		}
		var buf bytes.Buffer
		gen := time.Date(2026, 11, 4, 1, 2, 3, 0, time.UTC)
		err := ExportNIST(ctx, DirFetcher(dir), &buf, ExportOptions{VKey: vkey, ElectionID: "2026-general", GeneratedTime: gen, SoftwareVersion: "canvass test"})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, buf.Bytes())
		}
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("%d entries: export does not validate against the NIST schema: %v", n, err)
		}
		var eel struct {
			Type          string `json:"@type"`
			GeneratedTime string
			ElectionID    string `json:"ElectionId"`
			Device        []struct {
				ID    string `json:"Id"`
				Event []struct {
					Sequence, Type, Disposition, Details, Hash, TimeStamp, Severity string
					ID2                                                             string `json:"Id"`
				}
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &eel); err != nil {
			t.Fatal(err)
		}
		if eel.GeneratedTime != "2026-11-04T01:02:03Z" || eel.ElectionID != "2026-general" || len(eel.Device) != 1 || eel.Device[0].ID != "export.example/log" {
			t.Fatalf("header %+v", eel)
		}
		evs := eel.Device[0].Event
		if len(evs) != n {
			t.Fatalf("%d events exported, want %d", len(evs), n)
		}
		for i, e := range evs {
			if e.Sequence != strconv.Itoa(i) || e.ID2 != EventID("export.example/log", uint64(i)) {
				t.Fatalf("event %d: Sequence %q Id %q", i, e.Sequence, e.ID2)
			}
			// Details is the exact entry: it parses, and Hash is its leaf hash.
			ev, err := ParseEntry([]byte(e.Details), "export.example/log", uint64(i))
			if err != nil {
				t.Fatalf("event %d: Details is not the entry: %v", i, err)
			}
			h := tlog.RecordHash([]byte(e.Details))
			if e.Hash != hex.EncodeToString(h[:]) || ev.Type != e.Type || ev.Disposition != e.Disposition {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
	}
}

func TestExportRefusesDamagedLog(t *testing.T) {
	dir, skey, _ := testLog(t, "export-bad.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 20, 20, "x")
	p := filepath.Join(dir, "tile/entries/000.p/20")
	b, _ := os.ReadFile(p)
	b[50] ^= 1
	os.WriteFile(p, b, 0o644)
	out := filepath.Join(t.TempDir(), "eel.json")
	err := ExportNISTFile(context.Background(), DirFetcher(dir), out, ExportOptions{})
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("export of a damaged log: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed export left %s", out)
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 0 {
		t.Fatalf("a failed export left %v", ents)
	}
}
