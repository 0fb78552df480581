package ledger

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	mrand "math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func verifyDir(dir, vkey string, prev []byte) (*VerifyResult, error) {
	return Verify(context.Background(), DirFetcher(dir), VerifyOptions{VKey: vkey, Previous: prev})
}

func TestVerify(t *testing.T) {
	dir, skey, vkey := testLog(t, "verify.example/log", nil)
	res, err := verifyDir(dir, vkey, nil)
	if err != nil || res.Checkpoint.Size != 0 {
		t.Fatalf("empty log: %v", err)
	}
	state := res.Checkpoint.Note
	for _, n := range []int{1, 254, 1, 1, 300, 65536 - 557, 1} {
		appendN(t, dir, skey, Options{}, int(res.Checkpoint.Size), n, 5000, "v")
		res, err = verifyDir(dir, vkey, state)
		if err != nil {
			t.Fatalf("after appending %d: %v", n, err)
		}
		if res.Previous == nil || res.Previous.Size >= res.Checkpoint.Size {
			t.Fatalf("previous %+v", res.Previous)
		}
		state = res.Checkpoint.Note
	}
	if res.Checkpoint.Size != 65537 {
		t.Fatalf("size %d", res.Checkpoint.Size)
	}
	// The same checkpoint again is fine (nothing new).
	if _, err := verifyDir(dir, vkey, state); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyConsistencyAtEverySize checks consistency from many earlier
// sizes to many later ones, which exercises which leaf tiles the verifier
// keeps for the proof.
func TestVerifyConsistencyAtEverySize(t *testing.T) {
	dir, skey, vkey := testLog(t, "consistency.example/log", nil)
	r := mrand.New(mrand.NewPCG(3, 4))
	var states [][]byte
	size := 0
	for size < 2000 {
		k := 1 + r.IntN(180)
		if r.IntN(4) == 0 {
			k = 256 - size%256 // end exactly on a tile boundary
		}
		appendN(t, dir, skey, Options{}, size, k, k, "c")
		size += k
		raw, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
		states = append(states, raw)
	}
	last := states[len(states)-1]
	for i, st := range states {
		if _, err := verifyDir(dir, vkey, st); err != nil {
			t.Fatalf("from state %d: %v", i, err)
		}
		if i%5 == 0 {
			// An old checkpoint replayed to a verifier that has seen the
			// latest one is a rollback.
			old := filepath.Join(t.TempDir(), "old")
			copyDir(t, dir, old)
			os.WriteFile(filepath.Join(old, "checkpoint"), st, 0o644)
			_, err := verifyDir(old, vkey, last)
			if i < len(states)-1 && !errors.Is(err, ErrRollback) {
				t.Fatalf("replayed checkpoint %d: %v", i, err)
			}
			// Without state, the old checkpoint itself still verifies
			// (tiles fall back to full ones where partials were deleted).
			if _, err := verifyDir(old, vkey, nil); err != nil {
				t.Fatalf("old checkpoint %d on its own: %v", i, err)
			}
		}
	}
}

// TestVerifyDetectsEveryFlippedByte flips bytes in every entry bundle and
// tile: every byte of a small log, and a sample of a larger one.
func TestVerifyDetectsEveryFlippedByte(t *testing.T) {
	for _, tc := range []struct {
		n      int
		sample int // bytes flipped per file; 0 means all
	}{{3, 0}, {700, 40}} {
		dir, skey, vkey := testLog(t, "flip.example/log", nil)
		appendN(t, dir, skey, Options{}, 0, tc.n, 1000, "f")
		if _, err := verifyDir(dir, vkey, nil); err != nil {
			t.Fatal(err)
		}
		var files []string
		filepath.WalkDir(filepath.Join(dir, "tile"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		})
		sort.Strings(files)
		if len(files) < 2 {
			t.Fatalf("files %v", files)
		}
		r := mrand.New(mrand.NewPCG(5, 6))
		checked := 0
		for _, p := range files {
			orig, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			positions := make([]int, 0, len(orig))
			if tc.sample == 0 {
				for i := range orig {
					positions = append(positions, i)
				}
			} else {
				positions = append(positions, 0, 1, len(orig)-1)
				for len(positions) < tc.sample {
					positions = append(positions, r.IntN(len(orig)))
				}
			}
			for _, pos := range positions {
				b := append([]byte(nil), orig...)
				b[pos] ^= 1 << r.IntN(8)
				os.WriteFile(p, b, 0o644)
				_, err := verifyDir(dir, vkey, nil)
				var ve *VerifyError
				if !errors.As(err, &ve) || !errors.Is(err, ErrTampered) {
					t.Fatalf("%s byte %d flipped: verify says %v", rel, pos, err)
				}
				if !strings.Contains(err.Error(), rel) {
					t.Fatalf("%s byte %d flipped: error %q does not name the file", rel, pos, err)
				}
				checked++
			}
			os.WriteFile(p, orig, 0o644)
		}
		if _, err := verifyDir(dir, vkey, nil); err != nil {
			t.Fatalf("restored log: %v", err)
		}
		t.Logf("%d entries: %d flipped bytes in %d files all detected", tc.n, checked, len(files))
	}
}

func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	dir, skey, vkey := testLog(t, "first.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 600, 600, "x")
	// Corrupt entries 300 and 5 (in different bundles): entry 5 is named.
	for _, p := range []string{"tile/entries/001", "tile/entries/000"} {
		path := filepath.Join(dir, p)
		b, _ := os.ReadFile(path)
		i := strings.Index(string(b), `"Sequence":`)
		if p == "tile/entries/000" {
			i = strings.Index(string(b), `"first.example/log/5"`) + 5
		}
		b[i] ^= 0x20
		os.WriteFile(path, b, 0o644)
	}
	_, err := verifyDir(dir, vkey, nil)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Index != 5 || !strings.HasPrefix(err.Error(), "entry 5: hash mismatch (entry bundle tile/entries/000 byte ") ||
		!strings.Contains(err.Error(), "differs from tile/0/000 hash 5)") {
		t.Fatalf("verify: %v", err)
	}
}

func TestVerifyDetectsTruncation(t *testing.T) {
	dir, skey, vkey := testLog(t, "trunc.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 600, 600, "t")
	state, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	tests := []struct {
		name   string
		damage func(dir string)
		msg    string
	}{
		{"last bundle deleted", func(d string) { os.Remove(filepath.Join(d, "tile/entries/002.p/88")) },
			"entry 512: tile/entries/002.p/88 is missing"},
		{"bundle cut short", func(d string) {
			p := filepath.Join(d, "tile/entries/001")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "tile/entries/001: entry"},
		{"bundle emptied", func(d string) { os.WriteFile(filepath.Join(d, "tile/entries/000"), nil, 0o644) },
			"entry 0: tile/entries/000: entry 0 at byte 0: bundle ends after 0 entries; expected 256 (truncated)"},
		{"tile cut short", func(d string) {
			p := filepath.Join(d, "tile/0/001")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-32], 0o644)
		}, "entry 256: tile/0/001 is 8160 bytes; expected 8192"},
		{"level-1 tile deleted", func(d string) { os.Remove(filepath.Join(d, "tile/1/000.p/2")) },
			"tile/1/000.p/2 is missing"},
		{"checkpoint deleted", func(d string) { os.Remove(filepath.Join(d, "checkpoint")) }, "checkpoint is missing"},
		{"extra entry appended to a bundle", func(d string) {
			p := filepath.Join(d, "tile/entries/002.p/88")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, 0, 2, '{', '}'), 0o644)
		}, "4 unexpected bytes after the last of 88 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "copy")
			copyDir(t, dir, d)
			tt.damage(d)
			_, err := verifyDir(d, vkey, state)
			if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("verify: %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestVerifyDetectsReplacedCheckpoint(t *testing.T) {
	dir, skey, vkey := testLog(t, "replace.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 10, 10, "r")
	state, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	appendN(t, dir, skey, Options{}, 10, 10, 10, "r")
	good, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	impostor, _, _ := note.GenerateKey(rand.Reader, "replace.example/log")
	impostorSigner, _ := note.NewSigner(impostor)
	text := strings.SplitAfterN(string(good), "\n", 4)
	cp, _ := ParseCheckpoint(strings.Join(text[:3], ""))
	tests := []struct {
		name string
		cp   func() []byte
		msg  string
	}{
		{"signed by another key", func() []byte {
			b, _ := note.Sign(&note.Note{Text: string(cp.Text())}, impostorSigner)
			return b
		}, "not signed by the log key"},
		{"root edited", func() []byte {
			c := cp
			c.Hash[0] ^= 1
			return []byte(string(c.Text()) + strings.Join(text[3:], ""))
		}, "invalid signature"},
		{"size edited", func() []byte {
			return []byte(strings.Replace(string(good), "\n20\n", "\n19\n", 1))
		}, "invalid signature"},
		{"larger tree signed by another key", func() []byte {
			c := cp
			c.Size = 21
			b, _ := note.Sign(&note.Note{Text: string(c.Text())}, impostorSigner)
			return b
		}, "not signed by the log key"},
		{"garbage", func() []byte { return []byte("hello\n") }, "not a valid signed note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "copy")
			copyDir(t, dir, d)
			os.WriteFile(filepath.Join(d, "checkpoint"), tt.cp(), 0o644)
			_, err := verifyDir(d, vkey, state)
			if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("verify: %v, want %q", err, tt.msg)
			}
		})
	}
	// A checkpoint signed by the real key over a root the entries do not
	// have (the key was stolen, the tiles not rewritten).
	signer, _ := note.NewSigner(skey)
	c := cp
	c.Hash[3] ^= 1
	forged, _ := note.Sign(&note.Note{Text: string(c.Text())}, signer)
	d := filepath.Join(t.TempDir(), "copy")
	copyDir(t, dir, d)
	os.WriteFile(filepath.Join(d, "checkpoint"), forged, 0o644)
	if _, err := verifyDir(d, vkey, nil); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "the entries hash to root") {
		t.Fatalf("forged root: %v", err)
	}
	// The wrong verifier key.
	_, otherV, _ := note.GenerateKey(rand.Reader, "other.example/log")
	if _, err := verifyDir(dir, otherV, nil); err == nil || !strings.Contains(err.Error(), "not signed by the log key other.example/log") {
		t.Fatalf("other vkey: %v", err)
	}
}

// TestVerifyDetectsFork builds two logs with the same key (an insider with
// the key showing different histories to different people).
func TestVerifyDetectsFork(t *testing.T) {
	dir, skey, vkey := testLog(t, "fork.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 40, 40, "a")
	fork := filepath.Join(t.TempDir(), "fork")
	if _, err := CreateDir(fork, skey, nil); err != nil {
		t.Fatal(err)
	}
	appendN(t, fork, skey, Options{}, 0, 20, 20, "a")
	appendN(t, fork, skey, Options{}, 20, 20, 20, "FORKED")

	stateA, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if _, err := verifyDir(fork, vkey, nil); err != nil {
		t.Fatalf("the fork verifies on its own: %v", err)
	}
	_, err := verifyDir(fork, vkey, stateA)
	if !errors.Is(err, ErrFork) || !strings.Contains(err.Error(), "two different checkpoints of size 40") {
		t.Fatalf("same-size fork: %v", err)
	}
	// A larger forked tree that does not extend the verified one.
	appendN(t, fork, skey, Options{}, 40, 5, 5, "FORKED")
	_, err = verifyDir(fork, vkey, stateA)
	if !errors.Is(err, ErrFork) || !strings.Contains(err.Error(), "does not extend the previously verified checkpoint of size 40") {
		t.Fatalf("larger fork: %v", err)
	}
	// A verifier that saw only the common prefix accepts both: that is
	// what witnesses are for.
	prefix := filepath.Join(t.TempDir(), "prefix")
	if _, err := CreateDir(prefix, skey, nil); err != nil {
		t.Fatal(err)
	}
	appendN(t, prefix, skey, Options{}, 0, 20, 20, "a")
	statePrefix, _ := os.ReadFile(filepath.Join(prefix, "checkpoint"))
	if _, err := verifyDir(fork, vkey, statePrefix); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyDir(dir, vkey, statePrefix); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyOverHTTP(t *testing.T) {
	dir, skey, vkey := testLog(t, "http.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 300, 300, "h")
	srv := httptest.NewServer(Handler(DirFetcher(dir)))
	defer srv.Close()
	res, err := Verify(context.Background(), HTTPFetcher{Prefix: srv.URL + "/"}, VerifyOptions{VKey: vkey, Workers: 4})
	if err != nil || res.Checkpoint.Size != 300 {
		t.Fatalf("verify over HTTP: %v", err)
	}
	p := filepath.Join(dir, "tile/entries/001.p/44")
	b, _ := os.ReadFile(p)
	b[100] ^= 4
	os.WriteFile(p, b, 0o644)
	_, err = Verify(context.Background(), HTTPFetcher{Prefix: srv.URL}, VerifyOptions{VKey: vkey})
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "tile/entries/001.p/44") {
		t.Fatalf("tampered over HTTP: %v", err)
	}
	os.Remove(p)
	_, err = Verify(context.Background(), HTTPFetcher{Prefix: srv.URL}, VerifyOptions{VKey: vkey})
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("missing over HTTP: %v", err)
	}
}

func TestVerifyRejectsInvalidEvents(t *testing.T) {
	// A log whose key holder appended a non-canonical entry with the
	// right hashes everywhere: verify still refuses it.
	rebuilt, skey, vkey := testLog(t, "events.example/log", nil)
	bad := []byte(`{"Type":"vote-flip"}`)
	rl, err := OpenDir(context.Background(), rebuilt, skey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rl.Append(context.Background(), sampleEvents(t, 0, 3, "e")); err != nil {
		t.Fatal(err)
	}
	if _, err := rl.appendEntries(context.Background(), [][]byte{bad}); err != nil {
		t.Fatal(err)
	}
	if _, err := rl.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	rl.Close()
	_, err = verifyDir(rebuilt, vkey, nil)
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), `entry 3: invalid event in tile/entries/000.p/4 at byte`) || !strings.Contains(err.Error(), "vote-flip") {
		t.Fatalf("verify: %v", err)
	}
}
