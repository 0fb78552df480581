package ledger

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// TestBatchingDoesNotChangeTheLog appends the same events with different
// batch sizes and across reopenings: every file must come out identical,
// because the tree depends only on the entries.
func TestBatchingDoesNotChangeTheLog(t *testing.T) {
	skey, _, err := note.GenerateKey(rand.Reader, "batch.example/log")
	if err != nil {
		t.Fatal(err)
	}
	const n = 700
	var dirs []string
	for _, batch := range []int{n, 7, 37, 256, 300} {
		dir := filepath.Join(t.TempDir(), "log")
		if _, err := CreateDir(dir, skey, nil); err != nil {
			t.Fatal(err)
		}
		// Reopen every 3 batches, as separate CLI runs would.
		for done := 0; done < n; {
			k := min(3*batch, n-done)
			appendN(t, dir, skey, Options{}, done, k, batch, "b")
			done += k
		}
		dirs = append(dirs, dir)
	}
	files := func(dir string) map[string]string {
		m := map[string]string{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() || strings.HasPrefix(rel, ".ledger") {
				return nil
			}
			b, _ := os.ReadFile(p)
			m[rel] = string(b)
			return nil
		})
		return m
	}
	want := files(dirs[0])
	// One batch of 700 writes: 2 full bundles and tiles, partial width 188.
	for _, p := range []string{"checkpoint", "tile/0/000", "tile/0/001", "tile/0/002.p/188", "tile/1/000.p/2", "tile/entries/000", "tile/entries/001", "tile/entries/002.p/188"} {
		if _, ok := want[p]; !ok {
			t.Errorf("missing %s; have %v", p, want)
		}
	}
	for _, dir := range dirs[1:] {
		got := files(dir)
		for p, data := range want {
			if got[p] != data {
				t.Errorf("%s: %s differs from the single-batch log", dir, p)
			}
		}
		for p := range got {
			if _, ok := want[p]; !ok && !strings.Contains(p, ".p/") {
				t.Errorf("%s: extra file %s", dir, p)
			}
		}
	}
}

func TestPartialTilesAreCollected(t *testing.T) {
	dir, skey, vkey := testLog(t, "gc.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 250, 250, "gc")
	appendN(t, dir, skey, Options{}, 250, 50, 1, "gc")
	for _, p := range []string{"tile/0/000.p", "tile/entries/000.p"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still exists after tile 0 became full: %v", p, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "tile/0/001.p"))
	if len(ents) != 44 {
		t.Errorf("tile/0/001.p has %d partial tiles, want 44 (widths 1–44 were published)", len(ents))
	}
	if _, err := os.Stat(filepath.Join(dir, "tile/0/000")); err != nil {
		t.Errorf("full tile: %v", err)
	}
	if _, err := Verify(context.Background(), DirFetcher(dir), VerifyOptions{VKey: vkey}); err != nil {
		t.Fatal(err)
	}
}

func TestAppendIsAllOrNothing(t *testing.T) {
	dir, skey, vkey := testLog(t, "atomic.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 10, 10, "a")
	before := snapshot(t, dir)
	l, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	evs := sampleEvents(t, 10, 5, "b")
	evs[3].Details = strings.Repeat("x", MaxEntrySize)
	_, err = l.Append(context.Background(), evs)
	if err == nil || !strings.Contains(err.Error(), "event 4 of the batch") || !strings.Contains(err.Error(), "nothing was appended") {
		t.Fatalf("Append: %v", err)
	}
	if l.Size() != 10 {
		t.Errorf("size %d after a refused batch", l.Size())
	}
	if after := snapshot(t, dir); !maps2equal(before, after) {
		t.Error("a refused batch changed the log directory")
	}
	// The log still works.
	if _, err := l.Append(context.Background(), evs[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res, err := Verify(context.Background(), DirFetcher(dir), VerifyOptions{VKey: vkey}); err != nil || res.Checkpoint.Size != 13 {
		t.Fatalf("verify: %v", err)
	}
}

// snapshot reads every file of a log directory except the lock.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == lockFileName {
			return err
		}
		b, _ := os.ReadFile(p)
		m[p] = string(b)
		return nil
	})
	return m
}

func maps2equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWrongKey(t *testing.T) {
	dir, _, _ := testLog(t, "county.example/log", nil)
	otherOrigin, _, _ := note.GenerateKey(rand.Reader, "other.example/log")
	sameOrigin, _, _ := note.GenerateKey(rand.Reader, "county.example/log")
	before := snapshot(t, dir)
	tests := []struct {
		name, key, msg string
	}{
		{"other origin", otherOrigin, `the key is for log "other.example/log" but`},
		{"same origin, other key", sameOrigin, "not the one this log was created with"},
		{"garbage", "PRIVATE+KEY+x+00000000+AAAA", "does not hold a note signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenDir(context.Background(), dir, tt.key, Options{})
			if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Open: %v, want ErrWrongKey saying %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), tt.key) {
				t.Error("the error reveals the signing key")
			}
		})
	}
	if !maps2equal(before, snapshot(t, dir)) {
		t.Error("a wrong key changed the log")
	}
}

func TestKeyFiles(t *testing.T) {
	tmp := t.TempDir()
	logDir := filepath.Join(tmp, "log")
	keyPath := filepath.Join(tmp, "key")
	vkey, err := CreateKeyFile(keyPath, "county.example/log", logDir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	skey, err := ReadKeyFile(keyPath, logDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := signerVKey(skey); err != nil || got != vkey {
		t.Fatalf("derived vkey %q %v, want %q", got, err, vkey)
	}
	if _, err := CreateKeyFile(keyPath, "county.example/log", logDir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrite: %v", err)
	}
	if _, err := CreateKeyFile(filepath.Join(tmp, "k2"), "bad origin", logDir); err == nil || !strings.Contains(err.Error(), "not a valid key name") {
		t.Errorf("origin with a space: %v", err)
	}
	os.MkdirAll(logDir, 0o755)
	if _, err := CreateKeyFile(filepath.Join(logDir, "tile", "key"), "o", logDir); err == nil || !strings.Contains(err.Error(), "inside the log directory") {
		t.Errorf("key inside the log: %v", err)
	}
	// A symbolic link must not smuggle the key into the log directory.
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(logDir, link); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateKeyFile(filepath.Join(link, "key"), "o", logDir); err == nil || !strings.Contains(err.Error(), "inside the log directory") {
		t.Errorf("key inside the log through a link: %v", err)
	}
	os.Rename(keyPath, filepath.Join(logDir, "key"))
	if _, err := ReadKeyFile(filepath.Join(logDir, "key"), logDir); err == nil || !strings.Contains(err.Error(), "inside the log directory") {
		t.Errorf("reading a key inside the log: %v", err)
	}
	os.Rename(filepath.Join(logDir, "key"), keyPath)
	os.Chmod(keyPath, 0o640)
	if _, err := ReadKeyFile(keyPath, logDir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group-readable key: %v", err)
	}
	os.Chmod(keyPath, 0o600)
	os.WriteFile(keyPath, []byte("not a key"), 0o600)
	if _, err := ReadKeyFile(keyPath, logDir); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Errorf("malformed key: %v", err)
	}
}

func TestSecondWriterWaits(t *testing.T) {
	dir, skey, _ := testLog(t, "lock.example/log", nil)
	l, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := OpenDir(ctx, dir, skey, Options{}); err == nil || !strings.Contains(err.Error(), "another process is appending") {
		t.Fatalf("second Open: %v", err)
	}
	l.Close()
	l2, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	l2.Close()
}

func TestOpenDetectsDamage(t *testing.T) {
	dir, skey, _ := testLog(t, "damage.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 20, 20, "d")
	p := filepath.Join(dir, "tile/0/000.p/20")
	b, _ := os.ReadFile(p)
	b[5] ^= 1
	os.WriteFile(p, b, 0o644)
	if _, err := OpenDir(context.Background(), dir, skey, Options{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open of a damaged log: %v", err)
	}
	if _, err := OpenDir(context.Background(), t.TempDir(), skey, Options{}); err == nil || !strings.Contains(err.Error(), "not a canvass log directory") {
		t.Fatalf("Open of an empty directory: %v", err)
	}
}

func TestCreateRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
	skey, _, _ := note.GenerateKey(rand.Reader, "o")
	if _, err := CreateDir(dir, skey, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Create: %v", err)
	}
}

func TestAppendEntriesChecksEveryEntry(t *testing.T) {
	dir, skey, _ := testLog(t, "entries.example/log", nil)
	l, err := OpenDir(context.Background(), dir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ev := sampleEvent(t, 0, "x")
	good, _ := ev.AppendEntry(nil, l.Origin(), 0, fixedNow())
	wrongIndex, _ := ev.AppendEntry(nil, l.Origin(), 5, fixedNow())
	tests := []struct {
		name    string
		entries [][]byte
		msg     string
	}{
		{"wrong index", [][]byte{wrongIndex}, "Sequence: is 5; the entry is at index 0"},
		{"not canonical", [][]byte{append([]byte(" "), good...)}, "not canonical"},
		{"second bad", [][]byte{good, []byte(`{}`)}, "entry 2 of the batch (index 1)"},
		{"too large", [][]byte{good, make([]byte, MaxEntrySize+1)}, "entry 2 of the batch is 65536 bytes; the limit is 65535"},
	}
	for _, tt := range tests {
		if _, err := l.AppendEntries(context.Background(), tt.entries); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.msg)
		}
		if l.Size() != 0 {
			t.Fatalf("%s: size %d", tt.name, l.Size())
		}
	}
	if first, err := l.AppendEntries(context.Background(), [][]byte{good}); err != nil || first != 0 || l.Size() != 1 {
		t.Fatalf("good entry: %d %v", first, err)
	}
}

// TestAppendAPIAppliesDefaultsAndValidates: events appended through the Go
// API get their type's default severity, and an event verify would reject
// is refused with nothing stored.
func TestAppendAPIAppliesDefaultsAndValidates(t *testing.T) {
	dir := t.TempDir()
	logDir, key := filepath.Join(dir, "log"), filepath.Join(dir, "key")
	vkey, err := CreateKeyFile(key, "example.gov/api", logDir)
	if err != nil {
		t.Fatal(err)
	}
	skey, err := ReadKeyFile(key, logDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateDir(logDir, skey, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := OpenDir(ctx, logDir, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ok := Event{Type: "logout", Disposition: "success", UserID: "clerk1", Payload: map[string]any{"reason": "user"}}
	if _, err := l.Append(ctx, []Event{ok}); err != nil {
		t.Fatal(err)
	}
	bad := Event{Type: "logout", Disposition: "success", Payload: map[string]any{"reason": "bored"}}
	if _, err := l.Append(ctx, []Event{ok, bad}); err == nil {
		t.Fatal("event with an invalid payload appended")
	}
	if l.Size() != 1 {
		t.Fatalf("size %d after a refused batch, want 1", l.Size())
	}
	if _, err := l.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, DirFetcher(logDir), VerifyOptions{VKey: vkey}); err != nil {
		t.Fatalf("log written through the API does not verify: %v", err)
	}
	bundle, err := os.ReadFile(filepath.Join(logDir, EntriesPath(0, 1)))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := splitBundle("bundle", bundle, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEntry(entries[0], "example.gov/api", 0)
	if err != nil {
		t.Fatalf("stored entry does not parse: %v", err)
	}
	if e.Severity != "info" {
		t.Fatalf("severity %q, want the logout type's default \"info\"", e.Severity)
	}
}
