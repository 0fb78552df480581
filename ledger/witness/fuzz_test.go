package witness_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

func FuzzAddCheckpointBody(f *testing.F) {
	l := witnesstesting.NewLog(f, origin)
	f.Add([]byte(specRequest))
	f.Add(l.Request(0, 0))
	f.Add(l.Request(0, 5))
	f.Add(l.Request(5, 1000))
	f.Add([]byte("old 0\n\n"))
	f.Add([]byte("old 18446744073709551615\n\n"))
	f.Add(bytes.ReplaceAll(l.Request(3, 7), []byte("\n"), []byte("\r\n")))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := witness.ParseAddCheckpointRequest(body)
		if err != nil {
			var se *witness.SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Offset < 0 || se.Offset > len(body) {
				t.Fatalf("error %v is not a *SyntaxError within the body", err)
			}
			return
		}
		if len(r.Proof) > witness.MaxProofLines {
			t.Fatalf("%d proof lines accepted", len(r.Proof))
		}
		// The wire format is canonical: re-encoding gives the same bytes.
		if !bytes.Equal(r.Body(), body) {
			t.Fatalf("Body() = %q, want %q", r.Body(), body)
		}
		if !bytes.HasPrefix(r.SignedCheckpoint, r.Checkpoint.Text()) {
			t.Fatalf("parsed checkpoint %+v does not start the signed note", r.Checkpoint)
		}
	})
}

// FuzzServerAddCheckpoint feeds arbitrary bodies to the server core after a
// valid first checkpoint: nothing may panic, refusals must not change the
// state, and any success must store exactly the submitted checkpoint.
func FuzzServerAddCheckpoint(f *testing.F) {
	l := witnesstesting.NewLog(f, origin)
	f.Add(l.Request(4, 4))
	f.Add(l.Request(4, 9))
	f.Add(l.Request(0, 9))
	f.Add(l.Fork().Request(4, 9))
	f.Add([]byte(specRequest))
	f.Fuzz(func(t *testing.T, body []byte) {
		env := witnesstesting.NewEnv(t, nil, origin)
		ctx := context.Background()
		if _, err := env.Server.AddCheckpoint(ctx, env.Logs[origin].Request(0, 4)); err != nil {
			t.Fatal(err)
		}
		before, _, _ := env.Store.Latest(ctx, origin)
		_, err := env.Server.AddCheckpoint(ctx, body)
		after, _, _ := env.Store.Latest(ctx, origin)
		if err != nil {
			var ref *witness.Refusal
			if !errors.As(err, &ref) {
				t.Fatalf("non-refusal error %v", err)
			}
			if after.Version != before.Version {
				t.Fatal("refused request changed the state")
			}
			return
		}
		r, _ := witness.ParseAddCheckpointRequest(body)
		if r.Checkpoint.Origin == origin && (after.Size != r.Checkpoint.Size || after.Hash != r.Checkpoint.Hash) {
			t.Fatalf("accepted %+v but stored size %d", r.Checkpoint, after.Size)
		}
		if after.Hash != env.Logs[origin].Root(int64(after.Size)) {
			t.Fatalf("stored a root that is not the log's at size %d", after.Size)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	fx := newPolicyFixture(f, "X1", "X2", "X3", "Y1", "Y2", "Y3", "A", "B")
	f.Add([]byte(fx.expand(specPolicy)))
	f.Add([]byte(fx.expand("log {log} https://log.example/\nwitness A {A} https://a.example/\nwitness B {B}\ngroup g 2 A B\nquorum g\n")))
	f.Add([]byte("quorum none\n"))
	f.Add([]byte("# only a comment\n\t\n"))
	f.Add([]byte(fx.expand("witness A {A}\ngroup g any A\ngroup h all g A\nquorum h")))
	f.Add([]byte("group g 1 none\nquorum g\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := witness.ParsePolicy(data)
		if err != nil {
			var se *witness.SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("error %v is not a *SyntaxError within the input", err)
			}
			return
		}
		if p.Quorum != "none" {
			if !p.Defines(p.Quorum) {
				t.Fatalf("quorum %q undefined", p.Quorum)
			}
		}
		for _, g := range p.Groups {
			if g.Threshold < 1 || g.Threshold > len(g.Members) {
				t.Fatalf("group %+v has an invalid threshold", g)
			}
		}
		q, err := witness.ParsePolicy(p.Format())
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%s", err, p.Format())
		}
		if !reflect.DeepEqual(stripLines(p), stripLines(q)) {
			t.Fatalf("Format round trip changed the policy:\n%s", p.Format())
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte(specCheckpointText))
	f.Add([]byte("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n"))
	f.Add([]byte("o\n01\nAAAA\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := witness.ParseCheckpoint(text)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Text(), text) {
			t.Fatalf("Text() = %q, want %q", c.Text(), text)
		}
	})
}

func FuzzParseVerifierKey(f *testing.F) {
	f.Add("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
	f.Add(witnesstesting.NewCosigner(f, "witness.example/w1").VerifierKey())
	f.Add("a+00000000+BgA=")
	f.Fuzz(func(t *testing.T, vkey string) {
		k, err := witness.ParseVerifierKey(vkey)
		if err != nil {
			return
		}
		if !strings.EqualFold(k.String(), vkey) && k.String() != vkey {
			// Only the hex key ID may change (case); base64 must be canonical.
			t.Fatalf("String() = %q, want %q", k.String(), vkey)
		}
		if k.Type == witness.SigTypeCosignatureV1 {
			if _, err := witness.NewCosignatureVerifier(vkey); err != nil {
				t.Fatalf("parsed but no verifier: %v", err)
			}
		}
	})
}

func FuzzNewCosignerFromKey(f *testing.F) {
	skey, _, _ := witness.GenerateKey(bytes.NewReader(witnesstesting.Seed("fuzz")), "witness.example/fuzz")
	f.Add(skey)
	f.Add("PRIVATE+KEY+a+00000000+BAA=")
	f.Fuzz(func(t *testing.T, skey string) {
		c, err := witness.NewCosignerFromKey(skey)
		if err != nil {
			return
		}
		if _, err := witness.NewCosignatureVerifier(c.VerifierKey()); err != nil {
			t.Fatalf("cosigner's own vkey does not parse: %v", err)
		}
	})
}

func FuzzParseCosignatureResponse(f *testing.F) {
	w := witnesstesting.NewCosigner(f, "witness.example/w1")
	sig, _ := w.SignAt([]byte(specCheckpointText), 1679315147)
	f.Add(witness.SignatureLine(w.Name(), w.KeyHash(), sig))
	f.Add([]byte("— a AAAAAAA=\n— b AAAAAAA=\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sigs, err := witness.ParseCosignatureResponse(body)
		if err != nil {
			return
		}
		var b bytes.Buffer
		for _, s := range sigs {
			b.WriteString("— " + s.Name + " " + s.Base64 + "\n")
		}
		if !bytes.Equal(b.Bytes(), body) {
			t.Fatalf("re-encoded %q, want %q", b.Bytes(), body)
		}
	})
}

// FuzzParseSizeResponse: the 409 body a witness sends is exactly one
// decimal size and a newline.
func FuzzParseSizeResponse(f *testing.F) {
	for _, s := range []string{"0\n", "42\n", "18446744073709551615\n", "18446744073709551616\n", "007\n", "1", "\n", "-1\n", "1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := witness.ParseSizeResponse(body)
		if err != nil {
			return
		}
		if want := strconv.FormatUint(n, 10) + "\n"; string(body) != want {
			t.Fatalf("%q parsed as %d, which is written %q", body, n, want)
		}
	})
}

// FuzzParseLogList: a witness's list of logs parses into origins each
// with at least one verifier, and never panics.
func FuzzParseLogList(f *testing.F) {
	l := witnesstesting.NewLog(f, origin)
	f.Add([]byte("log " + l.VKey + "\n"))
	f.Add([]byte("log " + l.VKey + " https://log.example/\n# comment\nlog " + l.VKey + "\n"))
	f.Add([]byte("witness w " + l.VKey + "\n"))
	f.Add([]byte("log x+00000000+AQ==\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := witness.ParseLogList(data)
		if err != nil {
			return
		}
		for _, o := range list.Origins() {
			if len(list.Verifiers(o)) == 0 {
				t.Fatalf("origin %q has no verifier", o)
			}
		}
	})
}
