package sampler

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The doctest values quoted in the reference notes (algorithms.md §1).
func TestAlgorithmsDoctests(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"first_fraction", FirstFraction("AB-130", "01382438112797316654"),
			"0.26299714122838008416507544297546663599715395525154425586041245287750224561854"},
		{"next_fraction", NextFraction("0.25471"),
			"0.642853261655004694691182528114375607701032283189922170593838029306715548381901"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	h := sha256.Sum256([]byte("12345678901234567890,1"))
	if x := hex.EncodeToString(h[:]); !strings.HasPrefix(x, "4da594a8") || !strings.HasSuffix(x, "1fd1") {
		t.Errorf(`SHA256("12345678901234567890,1") = %s, want 4da594a8…1fd1`, x)
	}
}

// arloSnapshotSeed is the seed of Arlo's sampler snapshot test.
const arloSnapshotSeed = "12345678901234567890abcdefghijklmnopqrstuvwxyz😊"

// snapshotIDs are the ballots of Arlo's snapshot test: batches "pct 1" to
// "pct 4" of 25 ballots each, ids (batch, position).
func snapshotIDs() []string {
	var ids []string
	for b := 1; b <= 4; b++ {
		for p := 1; p <= 25; p++ {
			ids = append(ids, fmt.Sprintf("(%s, %d)", PyRepr(fmt.Sprintf("pct %d", b)), p))
		}
	}
	return ids
}

// TestArloSnapshot checks the values quoted from Arlo's snapshot test of
// 20 draws with replacement, and that a second round skipping 10 draws
// returns draws 11..20.
func TestArloSnapshot(t *testing.T) {
	if d := SeedDigest(arloSnapshotSeed); !strings.HasPrefix(d, "76457232") || !strings.HasSuffix(d, "c387") {
		t.Fatalf("seed digest %s, want 76457232…c387", d)
	}
	ts, err := Sample(snapshotIDs(), arloSnapshotSeed, Options{WithReplacement: true, Take: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 20 {
		t.Fatalf("got %d draws, want 20", len(ts))
	}
	want := map[int]Ticket{
		0:  {"0.000617786129909912", "('pct 2', 3)", 1},
		1:  {"0.002991631653037245", "('pct 3', 24)", 1},
		2:  {"0.012057030610635061", "('pct 1', 25)", 1},
		3:  {"0.017930028930651931", "('pct 4', 19)", 1},
		4:  {"0.025599454926985137", "('pct 3', 15)", 1},
		19: {"0.138772253094235762", "('pct 4', 20)", 1},
	}
	for i, w := range want {
		if ts[i] != w {
			t.Errorf("draw %d = %+v, want %+v", i+1, ts[i], w)
		}
	}
	gen2 := Ticket{"0.096136506157297637", "('pct 1', 20)", 2}
	found := false
	for _, tk := range ts {
		found = found || tk == gen2
	}
	if !found {
		t.Errorf("no draw %+v among %+v", gen2, ts)
	}
	round2, err := Sample(snapshotIDs(), arloSnapshotSeed, Options{WithReplacement: true, Drop: 10, Take: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(round2, ts[10:]) {
		t.Errorf("round 2\n got %+v\nwant %+v", round2, ts[10:])
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		x      string
		digits int
		want   string
	}{
		{"0.12345", 3, "0.123"},
		{"0.99912345", 3, "0.999123"},
		{"0.000123", 3, "0.000"},
		{"0.12", 5, "0.12"},
		{"0.999", 2, "0.999"},
	}
	for _, tt := range tests {
		if got := Trim(tt.x, tt.digits); got != tt.want {
			t.Errorf("Trim(%q, %d) = %q, want %q", tt.x, tt.digits, got, tt.want)
		}
	}
}

func TestNextFractionIncreases(t *testing.T) {
	for _, x := range []string{"0.1", "0.9", "0.99999", "0.9999999999999999999", "0.000617786129909912", Uniform("x")} {
		y := NextFraction(x)
		if y <= x+"0" {
			t.Errorf("NextFraction(%s) = %s, not greater", x, y)
		}
		if p := nines(x + "0"); y[:p] != (x + "0")[:p] {
			t.Errorf("NextFraction(%s) = %s lost the leading 9s", x, y)
		}
	}
}

func TestSampleErrors(t *testing.T) {
	if _, err := Sample([]string{"a", "a"}, "1", Options{Take: 1}); err == nil {
		t.Error("duplicate ids accepted")
	}
	if _, err := Sample([]string{"a"}, "1", Options{Take: -1}); err == nil {
		t.Error("negative take accepted")
	}
	ts, err := Sample([]string{"a", "b"}, "1", Options{Take: 5})
	if err != nil || len(ts) != 2 {
		t.Errorf("without replacement from 2 items: %v, %v; want the 2 items", ts, err)
	}
}

// TestKeys checks that the integer keys are the leading digits of the
// ticket strings, which is what lets ArloSample skip building them.
func TestKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hashes := [][32]byte{{}, {31: 1}}
	var ff [32]byte
	for i := range ff {
		ff[i] = 0xff
	}
	hashes = append(hashes, ff)
	for range 2000 {
		var h [32]byte
		for k := 0; k < 32; k += 8 {
			binary.BigEndian.PutUint64(h[k:], r.Uint64())
		}
		// Small values have short decimal forms and leading zeros.
		if r.IntN(4) == 0 {
			for k := 0; k < 24; k++ {
				h[k] = 0
			}
		}
		hashes = append(hashes, h)
	}
	for _, h := range hashes {
		u := uniformOf(&h)
		k19, _ := strconv.ParseUint(u[2:21], 10, 64)
		k4, _ := strconv.ParseUint(u[2:6], 10, 64)
		if got := key19(&h); got != k19 {
			t.Fatalf("key19(%x) = %d, want %d (%s)", h, got, k19, u)
		}
		if got := key4(&h); got != k4 {
			t.Fatalf("key4(%x) = %d, want %d (%s)", h, got, k4, u)
		}
	}
}

// TestKeyTies checks the order of two ballots whose 19-digit keys are
// equal: then the full ticket strings decide, and then the ids.
func TestKeyTies(t *testing.T) {
	a := &arloRun{batches: []Batch{{Jurisdiction: "J", Name: "A", Ballots: 2}, {Jurisdiction: "J", Tabulator: "T", Name: "A", Ballots: 1}}}
	// Two hashes differing only in high-order digits: 10^19 apart.
	var h1, h2 [32]byte
	h1[31] = 7
	binary.BigEndian.PutUint64(h2[24:], 7+pow19)
	x := keyed{key: key19(&h1), hash: h1, batch: 0, pos: 2}
	y := keyed{key: key19(&h2), hash: h2, batch: 0, pos: 1}
	if x.key != y.key {
		t.Fatal("test hashes should share a key")
	}
	if want := uniformOf(&h1) < uniformOf(&h2); a.less(&x, &y) != want || a.less(&y, &x) == want {
		t.Errorf("tie on key not broken by ticket strings")
	}
	z := keyed{key: x.key, hash: h1, batch: 0, pos: 1}
	if !a.less(&z, &x) || a.less(&x, &z) {
		t.Errorf("equal tickets not ordered by position")
	}
	w := keyed{key: x.key, hash: h1, batch: 1, pos: 1}
	if !a.less(&x, &w) {
		t.Errorf("equal tickets: None tabulator should sort before a named one")
	}
}

// TestArloSampleMatchesSample compares the fast ballot sampler with the
// plain consistent sampler over the rendered ids, on random manifests with
// awkward names, with and without replacement, across rounds and with the
// work split between goroutines.
func TestArloSampleMatchesSample(t *testing.T) {
	saved := minPerWorker
	minPerWorker = 7
	defer func() { minPerWorker = saved }()
	names := []string{"Batch 1", "J'ville", `Say "hi"`, `both ' and "`, `back\slash`, "tab\there", "é☃", "\x00\x7f", "\u00a0nbsp", "\U0001F600", "line\nbreak", ""}
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 40 {
		var bs []Batch
		seen := map[[3]string]bool{}
		for range 1 + r.IntN(6) {
			b := Batch{
				Jurisdiction: names[r.IntN(len(names)-1)],
				Tabulator:    names[r.IntN(len(names))],
				Name:         names[r.IntN(len(names)-1)],
				Ballots:      r.IntN(40),
			}
			k := [3]string{b.Jurisdiction, b.Tabulator, b.Name}
			if seen[k] {
				continue
			}
			seen[k] = true
			bs = append(bs, b)
		}
		var ids []string
		for _, b := range bs {
			for p := 1; p <= b.Ballots; p++ {
				ids = append(ids, ArloID(b.Jurisdiction, b.Tabulator, b.Name, p))
			}
		}
		opt := Options{WithReplacement: r.IntN(2) == 0, Drop: r.IntN(10), Take: r.IntN(30), Workers: 1 + r.IntN(4)}
		seed := fmt.Sprint(r.Uint64())
		want, err := Sample(ids, seed, opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ArloSample(seed, bs, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("iteration %d: %d draws, want %d", iter, len(got), len(want))
		}
		for k := range got {
			w := want[k]
			g := got[k]
			gid := ArloID(bs[g.Batch].Jurisdiction, bs[g.Batch].Tabulator, bs[g.Batch].Name, g.Position)
			if g.Ticket != w.Number || gid != w.ID || g.TimesSampled != w.Generation {
				t.Fatalf("iteration %d draw %d: got %s %s %d, want %s %s %d", iter, k+1, g.Ticket, gid, g.TimesSampled, w.Number, w.ID, w.Generation)
			}
		}
	}
}

func TestArloSampleErrors(t *testing.T) {
	tests := []struct {
		name    string
		batches []Batch
		opt     Options
	}{
		{"duplicate", []Batch{{Jurisdiction: "J", Name: "B", Ballots: 1}, {Jurisdiction: "J", Name: "B", Ballots: 2}}, Options{Take: 1}},
		{"negative ballots", []Batch{{Jurisdiction: "J", Name: "B", Ballots: -1}}, Options{Take: 1}},
		{"negative drop", []Batch{{Jurisdiction: "J", Name: "B", Ballots: 1}}, Options{Drop: -1, Take: 1}},
		{"overflow", []Batch{{Jurisdiction: "J", Name: "B", Ballots: 1}}, Options{Drop: math.MaxInt, Take: 1}},
	}
	for _, tt := range tests {
		if _, err := ArloSample("1", tt.batches, tt.opt); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	ds, err := ArloSample("1", nil, Options{Take: 3})
	if err != nil || len(ds) != 0 {
		t.Errorf("empty manifest: %v %v", ds, err)
	}
}
