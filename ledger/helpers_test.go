package ledger

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

const testSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// samplePayloads has one valid payload per catalogue type.
var samplePayloads = map[string]string{
	"login":                `{"method":"password+totp","address":"10.0.0.5"}`,
	"logout":               `{"reason":"user"}`,
	"login-failure":        `{"username":"clerk2","reason":"bad-credentials"}`,
	"user-change":          `{"subject":"judge7","action":"create","approved_by":"director"}`,
	"role-change":          `{"subject":"judge7","role":"audit-board","action":"grant"}`,
	"cvr-upload":           `{"file":{"name":"cvr.zip","sha256":"` + testSHA + `","size":1048576},"format":"dominion-json","records":12000}`,
	"software-install":     `{"component":"canvass","version":"v1.2.0","new_sha256":"` + testSHA + `","old_sha256":"` + strings.Repeat("0", 64) + `","old_version":"v1.1.0"}`,
	"seed-roll":            `{"seed":"12345678901234567890","rolled_by":["Ana","Bo"],"witnesses":["League of Women Voters"]}`,
	"manifest-upload":      `{"file":{"name":"manifest.csv","sha256":"` + testSHA + `","size":20000},"batches":120,"ballots":30000}`,
	"sample-drawn":         `{"seed":"12345678901234567890","algorithm":"consistent-sampler-sha256","round":1,"sample_size":42,"sample":{"name":"sample.csv","sha256":"` + testSHA + `","size":900}}`,
	"audit-board-entry":    `{"ballot_id":"B12-0042","contest":"Mayor","interpretation":"Alice","board":"Board 1","members":["D. Dem","R. Rep"]}`,
	"results-publication":  `{"files":[{"name":"results.json","sha256":"` + testSHA + `","size":5000}],"status":"unofficial"}`,
	"tabulation-run":       `{"inputs":[{"name":"cvr.zip","sha256":"` + testSHA + `","size":1}],"outputs":[{"name":"summary.json","sha256":"` + testSHA + `","size":2}],"software_version":"canvass v1.2.0"}`,
	"configuration-change": `{"setting":"rla.risk_limit","new_value":"0.05","old_value":"0.10"}`,
	"checkpoint-published": `{"origin":"other.example/log","size":12,"root":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`,
	"log-witnessed":        `{"origin":"other.example/log","witness":"w.example/1","size":12,"root":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","timestamp":1700000000}`,
	"key-rotation":         `{"key_use":"log","new_vkey":"a.example/b+0123abcd+AQIDBA=="}`,
}

// sampleLine returns the i-th test event as a client would send it,
// cycling through the catalogue; marker makes it unique.
func sampleLine(i int, marker string) string {
	et := Catalogue[i%len(Catalogue)]
	disposition := "success"
	if et.ID == "login-failure" {
		disposition = "failure"
	}
	return fmt.Sprintf(`{"Type":%q,"Disposition":%q,"UserId":"clerk1","Details":%q,"TimeStamp":"2026-11-03T20:%02d:%02dZ","Payload":%s}`,
		et.ID, disposition, marker, (i/60)%60, i%60, samplePayloads[et.ID])
}

func sampleEvent(t testing.TB, i int, marker string) Event {
	t.Helper()
	ev, err := ParseInput([]byte(sampleLine(i, marker)))
	if err != nil {
		t.Fatalf("sample %d: %v", i, err)
	}
	return ev
}

func sampleEvents(t testing.TB, from, n int, marker string) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = sampleEvent(t, from+i, fmt.Sprintf("%s-%d", marker, from+i))
	}
	return evs
}

// testLog creates a log in a temporary directory and returns its
// directory, signing key and verifier key.
func testLog(t testing.TB, origin string, policy []byte) (dir, skey, vkey string) {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "log")
	vkey, err = CreateDir(dir, skey, policy)
	if err != nil {
		t.Fatal(err)
	}
	return dir, skey, vkey
}

// appendN appends n sample events in batches of batch, publishing after
// each batch.
func appendN(t testing.TB, dir, skey string, opts Options, from, n, batch int, marker string) {
	t.Helper()
	ctx := context.Background()
	l, err := OpenDir(ctx, dir, skey, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		if _, err := l.Append(ctx, sampleEvents(t, from+done, k, marker)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Publish(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// copyDir copies a log directory (for tampering with a copy).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fixedNow() time.Time { return time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC) }
