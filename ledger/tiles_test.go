package ledger

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestTilePaths(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{TilePath(0, 0, 256), "tile/0/000"},
		{TilePath(0, 0, 5), "tile/0/000.p/5"},
		{TilePath(1, 999, 255), "tile/1/999.p/255"},
		{TilePath(2, 1000, 256), "tile/2/x001/000"},
		{TilePath(0, 1234067, 256), "tile/0/x001/x234/067"},
		{TilePath(63, 1234067, 1), "tile/63/x001/x234/067.p/1"},
		{EntriesPath(1234067, 256), "tile/entries/x001/x234/067"},
		{EntriesPath(4, 210), "tile/entries/004.p/210"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	// The same layout as x/mod/sumdb/tlog's tile paths, minus its height
	// element and with "entries" for its "data".
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		tl := tlog.Tile{H: 8, L: r.IntN(5) - 1, N: r.Int64N(1 << uint(r.IntN(40)+1)), W: r.IntN(256) + 1}
		want := strings.Replace(strings.Replace(tl.Path(), "tile/8/", "tile/", 1), "tile/data/", "tile/entries/", 1)
		var got string
		if tl.L < 0 {
			got = EntriesPath(uint64(tl.N), tl.W)
		} else {
			got = TilePath(tl.L, uint64(tl.N), tl.W)
		}
		if got != want {
			t.Fatalf("%+v: got %s, want %s", tl, got, want)
		}
	}
}

func TestParseResourcePath(t *testing.T) {
	good := []struct {
		path string
		want Resource
	}{
		{"checkpoint", Resource{Checkpoint: true}},
		{"tile/0/000", Resource{Level: 0, Index: 0, Width: 256}},
		{"tile/5/x001/x234/067.p/17", Resource{Level: 5, Index: 1234067, Width: 17}},
		{"tile/entries/004.p/210", Resource{Entries: true, Index: 4, Width: 210}},
		{"tile/63/999", Resource{Level: 63, Index: 999, Width: 256}},
	}
	for _, tt := range good {
		r, err := ParseResourcePath(tt.path)
		if err != nil || r != tt.want {
			t.Errorf("ParseResourcePath(%q) = %+v, %v; want %+v", tt.path, r, err, tt.want)
		}
	}
	bad := []string{
		"", "/checkpoint", "checkpoint/", "tile", "tile/", "tile/0", "tile/0/", "tile/0/0", "tile/0/0000",
		"tile/00/000", "tile/64/000", "tile/-1/000", "tile/data/000", "tile/0/000.p/0", "tile/0/000.p/256",
		"tile/0/000.p/01", "tile/0/000.p/", "tile/0/x000/001", "tile/0/001/002", "tile/0/x01/002",
		"tile/0/../checkpoint", "tile/0/000/../001", "tile/entries/000.p/5/x", "tile/0/x1a3/000", "tile/0/+12",
		"tile/0/000.p/5.p/6", ".ledger/vkey", "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
	}
	for _, p := range bad {
		if r, err := ParseResourcePath(p); err == nil {
			t.Errorf("ParseResourcePath(%q) = %+v, want error", p, r)
		}
	}
}

func TestRequiredSize(t *testing.T) {
	tests := []struct {
		path string
		want uint64
	}{
		{"tile/0/000.p/5", 5},
		{"tile/entries/000", 256},
		{"tile/0/001.p/3", 259},
		{"tile/1/000.p/1", 256},
		{"tile/1/000", 65536},
		{"tile/2/000.p/1", 65536},
	}
	for _, tt := range tests {
		r, _ := ParseResourcePath(tt.path)
		if got, ok := r.RequiredSize(); !ok || got != tt.want {
			t.Errorf("%s: RequiredSize %d %v, want %d", tt.path, got, ok, tt.want)
		}
	}
	r, _ := ParseResourcePath("tile/63/999")
	if _, ok := r.RequiredSize(); ok {
		t.Error("tile/63/999 should overflow")
	}
}

func FuzzParseResourcePath(f *testing.F) {
	for _, s := range []string{"checkpoint", "tile/0/000", "tile/entries/x001/x234/067.p/255", "tile/1/999.p/1", "tile/0/x000/001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := ParseResourcePath(p)
		if err != nil {
			return
		}
		// Every resource has exactly one spelling.
		if r.Path() != p {
			t.Fatalf("%q parses to %+v whose path is %q", p, r, r.Path())
		}
		if strings.Contains(p, "..") || strings.HasPrefix(p, "/") {
			t.Fatalf("accepted hostile path %q", p)
		}
	})
}

// TestEdgeRoot checks the writer's root computation against tlog.TreeHash
// for every size up to a few tiles and some larger ones.
func TestEdgeRoot(t *testing.T) {
	var hashes []tlog.Hash // all stored hashes, for tlog
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	var edge [][]tlog.Hash
	check := func(n int64) {
		want, err := tlog.TreeHash(n, hr)
		if err != nil {
			t.Fatal(err)
		}
		if got := edgeRoot(edge); got != want {
			t.Fatalf("size %d: edgeRoot %x, tlog %x", n, got, want)
		}
	}
	check(0)
	for n := int64(0); n < 70000; n++ {
		data := []byte(fmt.Sprint(n))
		hs, err := tlog.StoredHashes(n, data, hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
		h := tlog.RecordHash(data)
		for lv := 0; ; lv++ {
			if lv == len(edge) {
				edge = append(edge, nil)
			}
			edge[lv] = append(edge[lv], h)
			if len(edge[lv]) < TileWidth {
				break
			}
			h = perfectRoot(edge[lv])
			edge[lv] = nil
		}
		if n < 1100 || n%997 == 0 || n == 65535 || n == 65536 {
			check(n + 1)
		}
	}
}

func TestSplitBundle(t *testing.T) {
	var b []byte
	for _, e := range []string{"a", "", "hello"} {
		b = appendBundleEntry(b, []byte(e))
	}
	entries, offsets, err := splitBundle("x", b, 3, true)
	if err != nil || len(entries) != 3 || string(entries[2]) != "hello" || offsets[2] != 5 {
		t.Fatalf("split: %q %v %v", entries, offsets, err)
	}
	if _, _, err := splitBundle("x", b, 2, false); err != nil {
		t.Errorf("prefix of a full bundle: %v", err)
	}
	tests := []struct {
		data  []byte
		n     int
		exact bool
		msg   string
	}{
		{b, 4, true, "entry 3 at byte 12: bundle ends after 3 entries; expected 4"},
		{b, 2, true, "unexpected bytes after the last of 2 entries"},
		{b[:len(b)-1], 3, true, "entry 2 at byte 5: length prefix says 5 bytes but only 4 remain"},
		{b[:6], 3, true, "entry 2 at byte 5: truncated length prefix"},
		{binary.BigEndian.AppendUint16(nil, 9), 1, true, "length prefix says 9 bytes but only 0 remain"},
	}
	for _, tt := range tests {
		_, _, err := splitBundle("tile/entries/000.p/3", tt.data, tt.n, tt.exact)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "tile/entries/000.p/3: ") {
			t.Errorf("splitBundle(%d): %v, want %q", tt.n, err, tt.msg)
		}
	}
}

func TestParseCheckpoint(t *testing.T) {
	good := "example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	c, err := ParseCheckpoint(good)
	if err != nil || c.Origin != "example.com/log" || c.Size != 20852163 || string(c.Text()) != good {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := ParseCheckpoint(good + "ext\n"); err != nil || len(c.Extensions) != 1 || string(c.Text()) != good+"ext\n" {
		t.Errorf("extension line: %+v %v", c, err)
	}
	bad := map[string]string{
		"no newline":     strings.TrimSuffix(good, "\n"),
		"two lines":      "o\n1\n",
		"empty origin":   "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"leading zero":   "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"sign":           "o\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"too big":        "o\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"short hash":     "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n",
		"empty ext":      good + "\n",
		"zero not empty": "o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	}
	for name, text := range bad {
		if _, err := ParseCheckpoint(text); err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
	f.Add("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		if string(c.Text()) != text {
			t.Fatalf("%q re-encodes as %q", text, c.Text())
		}
	})
}

func FuzzSplitBundle(f *testing.F) {
	var b []byte
	for _, e := range []string{"{}", "", `{"a":1}`} {
		b = appendBundleEntry(b, []byte(e))
	}
	f.Add(b, 3)
	f.Add([]byte{0, 5, 'a'}, 1)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 || n > TileWidth {
			return
		}
		entries, offsets, err := splitBundle("p", data, n, true)
		if err != nil {
			return
		}
		// An accepted bundle is exactly its entries, re-encoded.
		var again []byte
		for i, e := range entries {
			if offsets[i] != len(again) {
				t.Fatalf("offset %d is %d, want %d", i, offsets[i], len(again))
			}
			again = appendBundleEntry(again, e)
		}
		if string(again) != string(data) {
			t.Fatal("bundle does not re-encode to itself")
		}
	})
}
