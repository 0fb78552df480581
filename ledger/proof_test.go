package ledger

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProve(t *testing.T) {
	dir, skey, vkey := testLog(t, "prove.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 600, 600, "p")
	ctx := context.Background()
	cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	for _, idx := range []uint64{0, 1, 255, 256, 511, 512, 599} {
		p, err := Prove(ctx, DirFetcher(dir), idx)
		if err != nil {
			t.Fatalf("Prove(%d): %v", idx, err)
		}
		text := p.Marshal()
		if !bytes.HasPrefix(text, []byte("c2sp.org/tlog-proof@v1\nextra ")) || !bytes.HasSuffix(text, cp) ||
			!bytes.Contains(text, []byte("\nindex "+itoa(idx)+"\n")) || !bytes.Contains(text, []byte("=\n\n"+string(cp[:20]))) {
			t.Fatalf("proof text:\n%s", text)
		}
		parsed, err := ParseProof(text)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(parsed.Marshal(), text) {
			t.Fatal("proof does not round-trip")
		}
		sc, err := VerifyProof(parsed, nil, vkey, nil)
		if err != nil || sc.Size != 600 {
			t.Fatalf("VerifyProof(%d): %v", idx, err)
		}
		if !bytes.Contains(parsed.Extra, []byte(`"Sequence":`+itoa(idx)+`,`)) {
			t.Fatalf("extra data is not entry %d: %s", idx, parsed.Extra)
		}
		// Another entry, a changed proof hash or another index fail.
		other, _ := Prove(ctx, DirFetcher(dir), (idx+1)%600)
		if _, err := VerifyProof(parsed, other.Extra, vkey, nil); !errors.Is(err, ErrTampered) {
			t.Errorf("proof %d accepted entry %d: %v", idx, (idx+1)%600, err)
		}
		bad := *parsed
		bad.Hashes = append(bad.Hashes[:0:0], parsed.Hashes...)
		bad.Hashes[len(bad.Hashes)-1][0] ^= 1
		if _, err := VerifyProof(&bad, nil, vkey, nil); !errors.Is(err, ErrTampered) {
			t.Errorf("altered proof %d accepted: %v", idx, err)
		}
		bad = *parsed
		bad.Index = (idx + 2) % 600
		if _, err := VerifyProof(&bad, nil, vkey, nil); !errors.Is(err, ErrTampered) {
			t.Errorf("proof %d accepted for index %d: %v", idx, bad.Index, err)
		}
	}
	if _, err := Prove(ctx, DirFetcher(dir), 600); err == nil || !strings.Contains(err.Error(), "index 600 is beyond the published checkpoint (size 600, indices 0 to 599)") {
		t.Errorf("Prove(600): %v", err)
	}
}

func itoa(n uint64) string { return string(appendCanonical(nil, n)) }

func TestParseProofRejects(t *testing.T) {
	for _, bad := range []string{
		"", "c2sp.org/tlog-proof@v2\nindex 1\n\nx", "c2sp.org/tlog-proof@v1\nindex 01\n\n",
		"c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\n", "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n",
		"c2sp.org/tlog-proof@v1\nindex 1", "c2sp.org/tlog-proof@v1\nindex -1\n\n",
	} {
		if _, err := ParseProof([]byte(bad)); err == nil {
			t.Errorf("ParseProof(%q) accepted", bad)
		}
	}
}

func FuzzParseProof(f *testing.F) {
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra YWJj\nindex 73894\ngSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\nexample.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n— example.com/fancylog hI2DJw=\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseProof(in)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Marshal(), in) {
			t.Fatalf("%q re-encodes as %q", in, p.Marshal())
		}
	})
}

func TestProveUsesOnlyVerifiedTiles(t *testing.T) {
	dir, skey, _ := testLog(t, "prove-bad.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 300, 300, "p")
	p := filepath.Join(dir, "tile/0/000")
	b, _ := os.ReadFile(p)
	b[40] ^= 1
	os.WriteFile(p, b, 0o644)
	if _, err := Prove(context.Background(), DirFetcher(dir), 3); err == nil {
		t.Fatal("Prove used a damaged tile")
	}
}
