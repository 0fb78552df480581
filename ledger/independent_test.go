package ledger_test

// This file uses package ledger only through its exported API to build a
// log, and verifies the result with nothing but golang.org/x/mod/sumdb/tlog
// and note, reading the files on disk: proof that any C2SP tlog-tiles
// client can check a canvass log.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// buildLog creates a log of n events through the public API.
func buildLog(t *testing.T, n int) (dir, vkey string) {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, "independent.example/log")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "log")
	if vkey, err = ledger.CreateDir(dir, skey, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := ledger.OpenDir(ctx, dir, skey, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for done := 0; done < n; {
		var evs []ledger.Event
		for ; done < n && len(evs) < 4000; done++ {
			ev, err := ledger.ParseInput([]byte(fmt.Sprintf(`{"Type":"audit-board-entry","Disposition":"success","Payload":{"ballot_id":"B-%d","contest":"Mayor","interpretation":"Alice","board":"Board 1","members":["A","B"]}}`, done)))
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}
		if _, err := l.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Publish(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return dir, vkey
}

// TestIndependentVerification verifies a log written by package ledger
// with nothing but golang.org/x/mod/sumdb/tlog and note, reading the C2SP
// tlog-tiles files on disk: the checkpoint's signature; every entry's
// inclusion, by recomputing the tree from all entries with tlog and
// comparing its root with the checkpoint's; every tile on disk against the
// tile tlog computes; and tlog inclusion proofs built from the tiles alone
// (tlog.TileHashReader checks each tile against the root) for every entry of
// the small logs and a sample of the large one.
func TestIndependentVerification(t *testing.T) {
	for _, n := range []int{1, 255, 256, 257, 600, 66000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			if n > 1000 && testing.Short() {
				t.Skip("large log in -short mode")
			}
			dir, vkey := buildLog(t, n)
			verifyIndependently(t, dir, vkey, n)
		})
	}
}

func verifyIndependently(t *testing.T, dir, vkey string, n int) {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint signature: %v", err)
	}
	lines := strings.Split(msg.Text, "\n")
	if len(lines) != 4 || lines[0] != v.Name() || lines[3] != "" {
		t.Fatalf("checkpoint text %q", msg.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size != int64(n) {
		t.Fatalf("checkpoint size %q, want %d", lines[1], n)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != 32 {
		t.Fatalf("root %q", lines[2])
	}
	tree := tlog.Tree{N: size, Hash: tlog.Hash(rootBytes)}
	// C2SP paths are tlog's with the height element removed and "data"
	// spelled "entries".
	c2sp := func(tl tlog.Tile) string {
		p := strings.Replace(tl.Path(), "tile/8/", "tile/", 1)
		return filepath.Join(dir, strings.Replace(p, "tile/data/", "tile/entries/", 1))
	}
	hr := tlog.TileHashReader(tree, diskTiles{c2sp, map[string][]byte{}})

	// Recompute the whole tree from the entries with tlog alone.
	var stored []tlog.Hash
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	var bundle []byte
	for i := int64(0); i < size; i++ {
		if i%256 == 0 {
			if len(bundle) != 0 {
				t.Fatalf("%d bytes left after bundle %d's entries", len(bundle), i/256-1)
			}
			w := min(256, size-i)
			bundle, err = os.ReadFile(c2sp(tlog.Tile{H: 8, L: -1, N: i / 256, W: int(w)}))
			if err != nil {
				t.Fatal(err)
			}
		}
		l := binary.BigEndian.Uint16(bundle)
		entry := bundle[2 : 2+l]
		bundle = bundle[2+l:]
		hs, err := tlog.StoredHashes(i, entry, mem)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
		if !bytes.Contains(entry, []byte(fmt.Sprintf(`"Sequence":%d,`, i))) {
			t.Fatalf("entry %d: %s", i, entry)
		}
		// An inclusion proof from the tiles on disk, for every entry of
		// small logs and a sample of large ones (each proof re-hashes
		// its tiles up to the root, which costs milliseconds).
		if size <= 1000 || i%61 == 0 || i >= size-300 {
			proof, err := tlog.ProveRecord(size, i, hr)
			if err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
			if err := tlog.CheckRecord(proof, size, tree.Hash, i, tlog.RecordHash(entry)); err != nil {
				t.Fatalf("entry %d: inclusion: %v", i, err)
			}
		}
	}
	if len(bundle) != 0 {
		t.Fatalf("%d bytes left after the last bundle's entries", len(bundle))
	}
	// Every entry is included: the tree recomputed from all of them has
	// the checkpoint's root.
	if root, err := tlog.TreeHash(size, mem); err != nil || root != tree.Hash {
		t.Fatalf("entries hash to %x (%v), checkpoint says %x", root, err, tree.Hash)
	}
	// Every tile on disk is what tlog computes for this tree.
	for _, tl := range tlog.NewTiles(8, 0, size) {
		want, err := tlog.ReadTileData(tl, mem)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(c2sp(tl))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s differs from tlog's tile (%v)", c2sp(tl), err)
		}
	}
}

type diskTiles struct {
	path  func(tlog.Tile) string
	cache map[string][]byte
}

func (d diskTiles) Height() int { return 8 }
func (d diskTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := d.path(t)
		b, ok := d.cache[p]
		if !ok {
			var err error
			if b, err = os.ReadFile(p); err != nil {
				return nil, err
			}
			d.cache[p] = b
		}
		out[i] = b
	}
	return out, nil
}
func (d diskTiles) SaveTiles([]tlog.Tile, [][]byte) {}
