package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// The log vectors in testdata/ledger: one directory per case, holding a
// log as published (log/), its verifier key (vkey), optionally a
// checkpoint verified earlier (previous), and the outcome a verifier must
// reach (expect.json). TestLogVectors runs them all; any verifier, in any
// language, can run the same directories. They are built deterministically
// by buildVectors, and TestLogVectors also checks that the files on disk
// are what it builds: run go test ./ledger -run TestLogVectors
// -update-vectors after changing the generator.

var updateVectors = flag.Bool("update-vectors", false, "rewrite the log vectors in ../testdata/ledger")

const vectorsDir = "../testdata/ledger"

// vectorExpect is expect.json.
type vectorExpect struct {
	// Description says what the case is.
	Description string `json:"description"`
	// OK is whether the log verifies.
	OK bool `json:"ok"`
	// Size is the verified tree size, when OK.
	Size uint64 `json:"size,omitempty"`
	// Kind classifies a failure: "tampered", "fork" or "rollback".
	Kind string `json:"kind,omitempty"`
	// ErrorContains is a substring of canvass's error message.
	ErrorContains string `json:"error_contains,omitempty"`
}

var verifyKinds = map[string]error{"tampered": ErrTampered, "fork": ErrFork, "rollback": ErrRollback, "quorum": ErrQuorum}

// seededReader yields an endless deterministic byte stream, for keys that
// are the same every time the vectors are built.
type seededReader struct {
	label string
	n     int
	buf   []byte
}

func (r *seededReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		h := sha256.Sum256([]byte(r.label + "/" + string(rune('a'+r.n))))
		r.n++
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// publicFiles returns the files of a log directory outside .ledger, by
// slash path relative to "log/".
func publicFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel == stateDirName {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		out["log/"+filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// buildVectors builds every case: name → file path → content.
func buildVectors(t *testing.T) map[string]map[string][]byte {
	ctx := context.Background()
	const origin = "vectors.example/log"
	skey, vkey, err := note.GenerateKey(&seededReader{label: "log"}, origin)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _, err := note.GenerateKey(&seededReader{label: "impostor"}, origin)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: fixedNow}
	// newLog creates a log and appends batches of sample events, each
	// batch published; marker per batch picks the events' Details.
	newLog := func(markers ...string) (string, [][]byte) {
		dir := filepath.Join(t.TempDir(), "log")
		if _, err := CreateDir(dir, skey, nil); err != nil {
			t.Fatal(err)
		}
		var cps [][]byte
		n := 0
		for _, m := range markers {
			appendN(t, dir, skey, opts, n, 3, 3, m)
			n += 3
			cp, err := os.ReadFile(filepath.Join(dir, CheckpointPath))
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, cp)
		}
		return dir, cps
	}
	good, cps := newLog("v", "v")
	base := publicFiles(t, good)
	cp3, cp6 := cps[0], cps[1]

	vectors := map[string]map[string][]byte{}
	add := func(name string, files map[string][]byte, previous []byte, exp vectorExpect) {
		v := maps.Clone(files)
		v["vkey"] = []byte(vkey + "\n")
		if previous != nil {
			v["previous"] = previous
		}
		e, err := json.MarshalIndent(exp, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		v["expect.json"] = append(e, '\n')
		vectors[name] = v
	}
	edit := func(path string, f func(b []byte) []byte) map[string][]byte {
		files := maps.Clone(base)
		if f == nil {
			delete(files, path)
		} else {
			files[path] = f(slices.Clone(files[path]))
		}
		return files
	}
	withCheckpoint := func(cp []byte) map[string][]byte {
		files := maps.Clone(base)
		files["log/"+CheckpointPath] = cp
		return files
	}
	bundle, leafTile := "log/tile/entries/000.p/6", "log/tile/0/000.p/6"

	add("good", base, nil, vectorExpect{Description: "a log of 6 entries, published in two checkpoints", OK: true, Size: 6})
	add("good-consistent", base, cp3, vectorExpect{Description: "the same log, consistent with its earlier checkpoint of size 3", OK: true, Size: 6})
	add("flipped-entry-byte", edit(bundle, func(b []byte) []byte { b[40] ^= 1; return b }), nil,
		vectorExpect{Description: "one bit of entry 0 flipped in its entry bundle", Kind: "tampered", ErrorContains: "entry 0: hash mismatch (entry bundle tile/entries/000.p/6 byte"})
	add("flipped-tile-byte", edit(leafTile, func(b []byte) []byte { b[100] ^= 0x80; return b }), nil,
		vectorExpect{Description: "one bit of a level-0 tile hash flipped", Kind: "tampered", ErrorContains: "entry 3: hash mismatch"})
	add("truncated-bundle", edit(bundle, func(b []byte) []byte { return b[:len(b)/2] }), nil,
		vectorExpect{Description: "the entry bundle cut in half", Kind: "tampered", ErrorContains: "tile/entries/000.p/6: entry"})
	add("deleted-bundle", edit(bundle, nil), nil,
		vectorExpect{Description: "the entry bundle deleted", Kind: "tampered", ErrorContains: "tile/entries/000.p/6 is missing"})
	add("extra-entry", edit(bundle, func(b []byte) []byte { return append(b, 0, 2, '{', '}') }), nil,
		vectorExpect{Description: "an entry appended to the bundle without a checkpoint covering it", Kind: "tampered", ErrorContains: "4 unexpected bytes after the last of 6 entries"})

	text := strings.SplitAfterN(string(cp6), "\n", 4)
	cp, err := ParseCheckpoint(strings.Join(text[:3], ""))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(key string, c Checkpoint) []byte {
		s, err := note.NewSigner(key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := note.Sign(&note.Note{Text: string(c.Text())}, s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	add("checkpoint-other-key", withCheckpoint(sign(otherKey, cp)), nil,
		vectorExpect{Description: "the checkpoint replaced by one signed with another key of the same name", Kind: "tampered", ErrorContains: "not signed by the log key"})
	edited := cp
	edited.Hash[0] ^= 1
	add("checkpoint-root-edited", withCheckpoint([]byte(string(edited.Text())+text[3])), nil,
		vectorExpect{Description: "the checkpoint's root hash edited, signature kept", Kind: "tampered", ErrorContains: "invalid signature"})
	add("checkpoint-forged-root", withCheckpoint(sign(skey, edited)), nil,
		vectorExpect{Description: "a checkpoint signed with the real key over a root the entries do not have (a stolen key)", Kind: "tampered", ErrorContains: "the entries hash to root"})
	add("checkpoint-garbage", withCheckpoint([]byte("hello\n")), nil,
		vectorExpect{Description: "the checkpoint is not a signed note", Kind: "tampered", ErrorContains: "not a valid signed note"})
	add("rollback-replayed-checkpoint", withCheckpoint(cp3), cp6,
		vectorExpect{Description: "the old checkpoint of size 3 served to a verifier that has seen size 6", Kind: "rollback", ErrorContains: "has size 3 but a checkpoint of size 6 was verified before"})

	forked, _ := newLog("v", "FORKED")
	add("fork-same-size", publicFiles(t, forked), cp6,
		vectorExpect{Description: "a second history of the same size, signed with the log's key, shown to a verifier that saw the first", Kind: "fork", ErrorContains: "two different checkpoints of size 6"})
	forkedLarger, _ := newLog("v", "FORKED", "FORKED")
	add("fork-larger", publicFiles(t, forkedLarger), cp6,
		vectorExpect{Description: "a larger tree that does not extend the checkpoint the verifier saw", Kind: "fork", ErrorContains: "does not extend the previously verified checkpoint of size 6"})

	// The key holder stores an entry that is not a catalogued event, with
	// every hash right: the entries themselves are checked too.
	invalid := filepath.Join(t.TempDir(), "log")
	if _, err := CreateDir(invalid, skey, nil); err != nil {
		t.Fatal(err)
	}
	l, err := OpenDir(ctx, invalid, skey, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, sampleEvents(t, 0, 3, "v")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.appendEntries(ctx, [][]byte{[]byte(`{"Type":"vote-flip"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	l.Close()
	add("invalid-event", publicFiles(t, invalid), nil,
		vectorExpect{Description: "a correctly hashed and signed entry that is not a catalogued event", Kind: "tampered", ErrorContains: "entry 3: invalid event in tile/entries/000.p/4 at byte"})
	return vectors
}

// readVectors reads testdata/ledger back into the shape buildVectors
// returns (README.md aside).
func readVectors(t *testing.T) map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	err := filepath.WalkDir(vectorsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(vectorsDir, p)
		name, file, ok := strings.Cut(filepath.ToSlash(rel), "/")
		if !ok {
			return nil
		}
		if out[name] == nil {
			out[name] = map[string][]byte{}
		}
		out[name][file], err = os.ReadFile(p)
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func writeVectors(t *testing.T, vectors map[string]map[string][]byte) {
	ents, _ := os.ReadDir(vectorsDir)
	for _, e := range ents {
		if e.IsDir() {
			os.RemoveAll(filepath.Join(vectorsDir, e.Name()))
		}
	}
	for name, files := range vectors {
		for file, data := range files {
			p := filepath.Join(vectorsDir, name, filepath.FromSlash(file))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestLogVectors verifies every case in testdata/ledger and checks that
// the directory holds exactly what buildVectors generates.
func TestLogVectors(t *testing.T) {
	built := buildVectors(t)
	if *updateVectors {
		writeVectors(t, built)
	}
	onDisk := readVectors(t)
	for _, name := range slices.Sorted(maps.Keys(built)) {
		files, ok := onDisk[name]
		if !ok {
			t.Errorf("%s is missing from %s; run go test ./ledger -run TestLogVectors -update-vectors", name, vectorsDir)
			continue
		}
		for _, f := range slices.Sorted(maps.Keys(built[name])) {
			if !bytes.Equal(files[f], built[name][f]) {
				t.Errorf("%s/%s differs from what the generator builds; run go test ./ledger -run TestLogVectors -update-vectors", name, f)
			}
		}
		for f := range files {
			if _, ok := built[name][f]; !ok {
				t.Errorf("%s/%s is not generated; run go test ./ledger -run TestLogVectors -update-vectors", name, f)
			}
		}
	}
	for name := range onDisk {
		if _, ok := built[name]; !ok {
			t.Errorf("%s/%s is not generated; run go test ./ledger -run TestLogVectors -update-vectors", vectorsDir, name)
		}
	}

	for _, name := range slices.Sorted(maps.Keys(onDisk)) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(vectorsDir, name)
			var exp vectorExpect
			dec := json.NewDecoder(bytes.NewReader(onDisk[name]["expect.json"]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&exp); err != nil {
				t.Fatalf("expect.json: %v", err)
			}
			res, err := Verify(context.Background(), DirFetcher(filepath.Join(dir, "log")), VerifyOptions{
				VKey: strings.TrimSpace(string(onDisk[name]["vkey"])), Previous: onDisk[name]["previous"]})
			if exp.OK {
				if err != nil || res.Checkpoint.Size != exp.Size {
					t.Fatalf("%s: want a log of size %d that verifies; got %v", exp.Description, exp.Size, err)
				}
				return
			}
			kind, ok := verifyKinds[exp.Kind]
			if !ok || exp.ErrorContains == "" {
				t.Fatalf("expect.json: a failing case needs a kind (%v) and error_contains", slices.Sorted(maps.Keys(verifyKinds)))
			}
			if !errors.Is(err, kind) || !strings.Contains(err.Error(), exp.ErrorContains) {
				t.Fatalf("%s: verify says %v; want %s saying %q", exp.Description, err, exp.Kind, exp.ErrorContains)
			}
		})
	}
}
