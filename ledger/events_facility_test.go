package ledger

import (
	"encoding/json"
	"testing"
	"time"
)

// Sample payloads of the facility event types, for the catalogue-wide tests.
func init() {
	const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	for k, v := range map[string]string{
		"facility-site":   `{"file":{"name":"site.json","sha256":"` + sha + `","size":0},"rooms":3,"equipment_rooms":2,"doors":3,"cameras":3}`,
		"facility-import": `{"kind":"camera","file":{"name":"cameras.csv","sha256":"` + sha + `","size":0},"rows":2,"first":"2021-05-24T00:00:00Z","last":"2021-05-24T03:00:00Z"}`,
	} {
		samplePayloads[k] = v
	}
}

// TestFacilityPayloads checks the registered types take what
// facility.ImportPayload.Payload gives (an import without rows has no
// first and last) and refuse a kind outside the enum.
func TestFacilityPayloads(t *testing.T) {
	const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	file := map[string]any{"name": "badges.csv", "sha256": sha, "size": int64(0)}
	empty := FacilityImport{Kind: "badge", File: FileCommitment{Name: "badges.csv", SHA256: sha}}
	ev, err := NewEvent(empty)
	if err != nil {
		t.Fatalf("an import without rows: %v", err)
	}
	if _, ok := ev.Payload["first"]; ok {
		t.Errorf("payload %v has first", ev.Payload)
	}
	for _, bad := range []map[string]any{
		{"kind": "door", "file": file, "rows": int64(0)},
		{"kind": "badge", "rows": int64(0)},
		{"kind": "badge", "file": file, "rows": int64(-1)},
	} {
		e := Event{Type: "facility-import", Disposition: "success", Payload: bad}
		entry, err := e.AppendEntry(nil, "test.example/log", 0, time.Unix(1e9, 0))
		if err == nil {
			_, err = ParseEntry(entry, "test.example/log", 0)
		}
		if err == nil {
			b, _ := json.Marshal(bad)
			t.Errorf("payload %s accepted", b)
		}
	}
}
