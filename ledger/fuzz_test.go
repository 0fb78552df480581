package ledger

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// Fuzz targets for the decoders not covered next to their tests: signed
// checkpoints, whole logs as a verifier reads them, inclusion proofs
// checked against a key, and typed payloads. Seeds come from the log
// vectors in testdata/ledger.

// mapFetcher serves resources from memory.
type mapFetcher map[string][]byte

func (m mapFetcher) Fetch(_ context.Context, p string) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return b, nil
}

// goodVector loads testdata/ledger/good: its resources and verifier key.
func goodVector(f *testing.F) (mapFetcher, string) {
	dir := filepath.Join(vectorsDir, "good")
	files := mapFetcher{}
	root := filepath.Join(dir, "log")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	vkey, err := os.ReadFile(filepath.Join(dir, "vkey"))
	if err != nil {
		f.Fatal(err)
	}
	return files, strings.TrimSpace(string(vkey))
}

func vectorFile(f *testing.F, name, file string) []byte {
	b, err := os.ReadFile(filepath.Join(vectorsDir, name, filepath.FromSlash(file)))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzVerify mutates the checkpoint, the last entry bundle and the
// previously verified checkpoint of a good log. Nothing may panic, and a
// log of the original size that verifies must have the original bundle:
// the signature pins the root, and the root pins every byte.
func FuzzVerify(f *testing.F) {
	good, vkey := goodVector(f)
	const bundle = "tile/entries/000.p/6"
	f.Add(good[CheckpointPath], good[bundle], []byte(nil))
	f.Add(good[CheckpointPath], good[bundle], vectorFile(f, "good-consistent", "previous"))
	for _, v := range []string{"checkpoint-other-key", "checkpoint-root-edited", "checkpoint-forged-root", "rollback-replayed-checkpoint"} {
		f.Add(vectorFile(f, v, "log/checkpoint"), good[bundle], []byte(nil))
	}
	f.Add(good[CheckpointPath], vectorFile(f, "flipped-entry-byte", "log/"+bundle), []byte(nil))
	f.Add(good[CheckpointPath], vectorFile(f, "extra-entry", "log/"+bundle), good[CheckpointPath])
	f.Fuzz(func(t *testing.T, checkpoint, bundleData, previous []byte) {
		files := mapFetcher{}
		for k, v := range good {
			files[k] = v
		}
		files[CheckpointPath], files[bundle] = checkpoint, bundleData
		if len(previous) == 0 {
			previous = nil
		}
		res, err := Verify(context.Background(), files, VerifyOptions{VKey: vkey, Previous: previous, Workers: 1})
		if err != nil {
			return
		}
		if res.Checkpoint.Size == 6 && !bytes.Equal(bundleData, good[bundle]) {
			t.Fatalf("a log of size 6 with bundle %q verified", bundleData)
		}
	})
}

// FuzzOpenCheckpoint: a checkpoint that opens re-encodes to the text it
// was signed over.
func FuzzOpenCheckpoint(f *testing.F) {
	good, vkey := goodVector(f)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good[CheckpointPath])
	f.Add(vectorFile(f, "checkpoint-root-edited", "log/checkpoint"))
	f.Add(vectorFile(f, "checkpoint-garbage", "log/checkpoint"))
	f.Add([]byte("vectors.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— vectors.example/log AAAA\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		sc, err := OpenCheckpoint(msg, v)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(msg, sc.Text()) {
			t.Fatalf("opened checkpoint %+v is not the signed text of %q", sc.Checkpoint, msg)
		}
	})
}

// FuzzVerifyProof: arbitrary proofs checked against the vectors' key never
// panic, and one that verifies proves an entry of a checkpoint the key
// signed.
func FuzzVerifyProof(f *testing.F) {
	good, vkey := goodVector(f)
	p, err := Prove(context.Background(), good, 2)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.Marshal(), []byte(nil))
	f.Add(p.Marshal(), p.Extra)
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\n"), []byte("{}"))
	f.Fuzz(func(t *testing.T, proof, entry []byte) {
		p, err := ParseProof(proof)
		if err != nil {
			return
		}
		if len(entry) == 0 {
			entry = nil
		}
		sc, err := VerifyProof(p, entry, vkey, nil)
		if err != nil {
			return
		}
		if sc.Origin != "vectors.example/log" || p.Index >= sc.Size {
			t.Fatalf("proof of entry %d accepted for checkpoint %+v", p.Index, sc.Checkpoint)
		}
	})
}

// FuzzPayloadRoundTrip: any payload the log accepts for a type decodes into
// the type's struct, and NewEvent turns that back into the same payload.
func FuzzPayloadRoundTrip(f *testing.F) {
	for i, et := range Catalogue {
		f.Add(uint8(i), samplePayloads[et.ID])
	}
	f.Add(uint8(5), `{"file":{"name":"a","sha256":"`+testSHA+`","size":0},"format":"x","records":0}`)
	f.Fuzz(func(t *testing.T, typ uint8, payload string) {
		et := Catalogue[int(typ)%len(Catalogue)]
		ev, err := ParseInput([]byte(`{"Type":"` + et.ID + `","Disposition":"success","Payload":` + payload + `}`))
		if err != nil {
			return
		}
		p, err := ev.DecodePayload()
		if err != nil {
			t.Fatalf("accepted %s payload %s does not decode: %v", et.ID, payload, err)
		}
		back, err := NewEvent(p)
		if err != nil {
			t.Fatalf("NewEvent(%+v) from accepted payload %s: %v", p, payload, err)
		}
		if got, want := appendCanonical(nil, back.Payload), appendCanonical(nil, ev.Payload); !bytes.Equal(got, want) {
			t.Fatalf("%s payload round trip:\n got %s\nwant %s", et.ID, got, want)
		}
	})
}
