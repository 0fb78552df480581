package witness_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

func TestClientAgainstServer(t *testing.T) {
	env := witnesstesting.NewEnv(t, nil, origin)
	l := env.Logs[origin]
	// Serve under a submission prefix to check URL joining.
	mux := http.NewServeMux()
	mux.Handle("/w/", http.StripPrefix("/w", env.Server))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	ctx := context.Background()
	prefix := hs.URL + "/w/"

	// First contact: the log believes the witness is at 0.
	cp := l.Checkpoint(6)
	sigs, err := witness.AddCheckpoint(ctx, hs.Client(), prefix, 0, nil, cp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := witness.CheckCosignature(cp, sigs, env.Cosigner.Verifier()); err != nil {
		t.Fatal(err)
	}
	merged, err := witness.MergeCosignatures(cp, sigs...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := witness.ParsePolicy([]byte("log " + l.VKey + "\nwitness w1 " + env.Cosigner.VerifierKey() + " " + prefix + "\nquorum w1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(merged); err != nil {
		t.Fatalf("merged checkpoint fails the policy: %v", err)
	}

	// A stale view of the witness gives a typed conflict with its size.
	cp9 := l.Checkpoint(9)
	_, err = witness.AddCheckpoint(ctx, hs.Client(), prefix, 0, nil, cp9)
	var ce *witness.ConflictError
	if !errors.As(err, &ce) || ce.Size != 6 {
		t.Fatalf("stale old size: %v, want *ConflictError with size 6", err)
	}
	// Retrying from the reported size succeeds.
	if _, err := witness.AddCheckpoint(ctx, hs.Client(), prefix, ce.Size, l.Proof(int64(ce.Size), 9), cp9); err != nil {
		t.Fatalf("retry from the witness's size: %v", err)
	}

	// A fork is a StatusError with 422.
	_, err = witness.AddCheckpoint(ctx, hs.Client(), prefix, 9, nil, l.Fork().Checkpoint(9))
	var se *witness.StatusError
	if !errors.As(err, &se) || se.StatusCode != 422 {
		t.Fatalf("fork: %v, want a *StatusError 422", err)
	}
	// An unknown log is a 404.
	other := witnesstesting.NewLog(t, "other.example/log")
	if _, err = witness.AddCheckpoint(ctx, hs.Client(), prefix, 0, nil, other.Checkpoint(1)); !errors.As(err, &se) || se.StatusCode != 404 {
		t.Fatalf("unknown log: %v, want a *StatusError 404", err)
	}
}

func TestClientRejectsBadWitnessAnswers(t *testing.T) {
	l := witnesstesting.NewLog(t, origin)
	cp := l.Checkpoint(3)
	w := witnesstesting.NewCosigner(t, "witness.example/w1")
	good, _ := w.SignAt(l.Text(3), 1700000000)
	// A cosignature with a zero timestamp that still verifies.
	zeroSig := append(make([]byte, 8), ed25519.Sign(w.PrivateKey(), witness.CosignedMessage(0, l.Text(3)))...)
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		errHas      string
	}{
		{"empty 200", 200, "", "", "empty answer"},
		{"garbage 200", 200, "", "hello\n", "em dash"},
		{"no final newline", 200, "", string(witness.SignatureLine(w.Name(), w.KeyHash(), good))[:20], "newline"},
		{"oversized", 200, "", strings.Repeat("x", witness.MaxResponseBytes+10), "more than"},
		{"409 without the size content type", 409, "text/plain", "5\n", "409"},
		{"409 with a bad size", 409, "text/x.tlog.size", "five\n", "bad size"},
		{"409 with a leading zero", 409, "text/x.tlog.size", "05\n", "bad size"},
		{"500 with control characters", 500, "", "oops\x1b[31m", "oops?[31m"},
		{"cosignature by another key", 200, "", string(witness.SignatureLine("witness.example/w2", witnesstesting.NewCosigner(t, "witness.example/w2").KeyHash(), good)), "no signature from witness key"},
		{"cosignature over other text", 200, "", string(witness.SignatureLine(w.Name(), w.KeyHash(), mustSignAt(t, w, l.Text(4)))), "does not verify"},
		{"zero timestamp", 200, "", string(witness.SignatureLine(w.Name(), w.KeyHash(), zeroSig)), "zero timestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					rw.Header().Set("Content-Type", tc.contentType)
				}
				rw.WriteHeader(tc.status)
				rw.Write([]byte(tc.body))
			}))
			defer hs.Close()
			sigs, err := witness.AddCheckpoint(context.Background(), hs.Client(), hs.URL, 0, nil, cp)
			if err == nil {
				_, err = witness.CheckCosignature(cp, sigs, w.Verifier())
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
}

func mustSignAt(t *testing.T, c *witness.Cosigner, text []byte) []byte {
	t.Helper()
	sig, err := c.SignAt(text, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestMergeCosignatures(t *testing.T) {
	l := witnesstesting.NewLog(t, origin)
	w1, w2 := witnesstesting.NewCosigner(t, "witness.example/w1"), witnesstesting.NewCosigner(t, "witness.example/w2")
	text := l.Text(3)
	cp := l.Sign(text)
	sigOf := func(c *witness.Cosigner, ts uint64) note.Signature {
		sig, err := c.SignAt(text, ts)
		if err != nil {
			t.Fatal(err)
		}
		raw := append(binary.BigEndian.AppendUint32(nil, c.KeyHash()), sig...)
		return note.Signature{Name: c.Name(), Hash: c.KeyHash(), Base64: base64.StdEncoding.EncodeToString(raw)}
	}
	a1, a2, b := sigOf(w1, 100), sigOf(w1, 200), sigOf(w2, 100)
	merged, err := witness.MergeCosignatures(cp, a1, b)
	if err != nil {
		t.Fatal(err)
	}
	merged, err = witness.MergeCosignatures(merged, a2, b) // fresher w1, repeated w2
	if err != nil {
		t.Fatal(err)
	}
	logV, _ := note.NewVerifier(l.VKey)
	n, err := note.Open(merged, note.VerifierList(logV, w1.Verifier(), w2.Verifier()))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Sigs) != 3 || n.Sigs[1].Base64 != a2.Base64 || n.Sigs[2].Base64 != b.Base64 {
		t.Fatalf("merged note:\n%s", merged)
	}
	if _, err := witness.MergeCosignatures(text, a1); err == nil {
		t.Error("merged into an unsigned text")
	}
	if _, err := witness.MergeCosignatures(cp, note.Signature{Name: "bad name", Hash: 1, Base64: a1.Base64}); err == nil {
		t.Error("merged a signature with an invalid key name")
	}
	if _, err := witness.MergeCosignatures(cp, note.Signature{Name: a1.Name, Hash: a1.Hash + 1, Base64: a1.Base64}); err == nil {
		t.Error("merged a signature whose key ID disagrees with its data")
	}
}

func TestParseSizeResponse(t *testing.T) {
	tests := []struct {
		body string
		want uint64
		ok   bool
	}{
		{"0\n", 0, true},
		{"20852014\n", 20852014, true},
		{"20852014", 0, false},
		{"\n", 0, false},
		{"01\n", 0, false},
		{" 1\n", 0, false},
		{"18446744073709551616\n", 0, false},
	}
	for _, tc := range tests {
		got, err := witness.ParseSizeResponse([]byte(tc.body))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSizeResponse(%q) = %d, %v", tc.body, got, err)
		}
	}
}
