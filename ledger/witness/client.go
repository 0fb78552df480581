package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxResponseBytes bounds what the client reads from a witness.
const maxResponseBytes = 64 << 10

// ConflictError is a witness's 409 Conflict answer: its latest cosigned
// checkpoint for the log has size Size, not the old size the client sent.
// The caller should retry with Size as the old size and a consistency
// proof from Size, or investigate if Size is larger than its own tree.
type ConflictError struct {
	URL  string // the add-checkpoint endpoint
	Size uint64 // size of the witness's latest cosigned checkpoint
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("witness %s last cosigned size %d; resubmit with old size %d and a proof from it", e.URL, e.Size, e.Size)
}

// StatusError is any other refusal or failure reported by a witness.
type StatusError struct {
	URL        string // the add-checkpoint endpoint
	StatusCode int    // the HTTP status
	Message    string // the witness's explanation, sanitised and truncated
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("witness %s answered %d %s: %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// AddCheckpoint submits signedCheckpoint to the witness whose submission
// prefix is witnessURL (the request goes to witnessURL + "/add-checkpoint"),
// with a consistency proof from oldSize. It returns the signature lines of
// the witness's 200 response; verify them with [CheckCosignature] or by
// merging them into the checkpoint with [MergeCosignatures] and verifying
// the result. A 409 answer is a *ConflictError carrying the witness's size;
// other refusals are *StatusError values. A nil client means one with a
// 30-second timeout.
func AddCheckpoint(ctx context.Context, client *http.Client, witnessURL string, oldSize uint64, proof []tlog.Hash, signedCheckpoint []byte) ([]note.Signature, error) {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if len(proof) > MaxProofLines {
		return nil, fmt.Errorf("consistency proof has %d hashes; the protocol allows at most %d", len(proof), MaxProofLines)
	}
	endpoint, err := url.JoinPath(witnessURL, "add-checkpoint")
	if err != nil {
		return nil, fmt.Errorf("witness URL %q: %w", witnessURL, err)
	}
	body := (&AddCheckpointRequest{OldSize: oldSize, Proof: proof, SignedCheckpoint: signedCheckpoint}).Body()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("witness URL %q: %w", witnessURL, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("submitting checkpoint to witness: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading answer from witness %s: %w", endpoint, err)
	}
	if len(rb) > maxResponseBytes {
		return nil, fmt.Errorf("witness %s sent more than %d bytes", endpoint, maxResponseBytes)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		sigs, err := ParseCosignatureResponse(rb)
		if err != nil {
			return nil, fmt.Errorf("witness %s: %w", endpoint, err)
		}
		return sigs, nil
	case http.StatusConflict:
		if resp.Header.Get("Content-Type") == "text/x.tlog.size" {
			size, err := ParseSizeResponse(rb)
			if err != nil {
				return nil, fmt.Errorf("witness %s answered 409 with a bad size: %w", endpoint, err)
			}
			return nil, &ConflictError{URL: endpoint, Size: size}
		}
	}
	return nil, &StatusError{URL: endpoint, StatusCode: resp.StatusCode, Message: sanitize(rb)}
}

// ParseCosignatureResponse parses the body of a 200 add-checkpoint answer:
// one or more note signature lines, each "— <name> <base64>" ending in a
// newline.
func ParseCosignatureResponse(body []byte) ([]note.Signature, error) {
	if len(body) == 0 {
		return nil, errors.New("empty answer; want one or more signature lines")
	}
	if body[len(body)-1] != '\n' {
		return nil, errors.New("answer does not end with a newline")
	}
	if err := checkNoteBytes(body, 1, 0); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	var sigs []note.Signature
	for i, l := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		if len(sigs) == maxSignatures {
			return nil, fmt.Errorf("answer has more than %d signature lines", maxSignatures)
		}
		s, err := parseSigLine(l)
		if err != nil {
			return nil, fmt.Errorf("answer line %d: %w", i+1, err)
		}
		sigs = append(sigs, note.Signature{Name: s.name, Hash: s.id, Base64: l[len("— ")+len(s.name)+1:]})
	}
	return sigs, nil
}

// ParseSizeResponse parses a text/x.tlog.size body: a decimal tree size
// followed by a newline.
func ParseSizeResponse(body []byte) (uint64, error) {
	s, ok := bytes.CutSuffix(body, []byte("\n"))
	if !ok {
		return 0, fmt.Errorf("size %q does not end with a newline", sanitize(body))
	}
	n, err := parseDecimal(string(s))
	if err != nil {
		return 0, fmt.Errorf("size %q: %v", sanitize(s), err)
	}
	return n, nil
}

// CheckCosignature finds the signature by witness among sigs and verifies
// it over the text of signedCheckpoint. For cosignature/v1 keys it also
// requires a non-zero timestamp, as tlog-witness demands of witnesses.
func CheckCosignature(signedCheckpoint []byte, sigs []note.Signature, witness note.Verifier) (note.Signature, error) {
	text, _, err := splitNote(signedCheckpoint, 1, 0)
	if err != nil {
		return note.Signature{}, fmt.Errorf("malformed signed checkpoint: %w", err)
	}
	for _, s := range sigs {
		if s.Name != witness.Name() || s.Hash != witness.KeyHash() {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(raw) < 5 || binary.BigEndian.Uint32(raw) != s.Hash {
			return note.Signature{}, fmt.Errorf("cosignature from %s is malformed", s.Name)
		}
		if !witness.Verify(text, raw[4:]) {
			return note.Signature{}, fmt.Errorf("cosignature from %s (key ID %08x) does not verify over the checkpoint", s.Name, s.Hash)
		}
		if _, ok := witness.(*CosignatureVerifier); ok && binary.BigEndian.Uint64(raw[4:]) == 0 {
			return note.Signature{}, fmt.Errorf("cosignature from %s has a zero timestamp, which witnesses must not send", s.Name)
		}
		return s, nil
	}
	return note.Signature{}, fmt.Errorf("no signature from witness key %s (key ID %08x) in the answer", witness.Name(), witness.KeyHash())
}

// MergeCosignatures returns signedCheckpoint with sigs added to its
// signature block. A new signature replaces an existing one with the same
// key name and key ID (a fresher cosignature from the same witness);
// identical lines are not repeated. Nothing is verified.
func MergeCosignatures(signedCheckpoint []byte, sigs ...note.Signature) ([]byte, error) {
	text, existing, err := splitNote(signedCheckpoint, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("malformed signed checkpoint: %w", err)
	}
	lines := make([]string, 0, len(existing)+len(sigs))
	index := map[nameHash]int{}
	for _, s := range existing {
		index[nameHash{s.name, s.id}] = len(lines)
		lines = append(lines, s.text)
	}
	for _, s := range sigs {
		l := "— " + s.Name + " " + s.Base64
		parsed, err := parseSigLine(l)
		if err != nil {
			return nil, err
		}
		if parsed.id != s.Hash {
			return nil, fmt.Errorf("signature from %s: key ID %08x does not match the base64 data (%08x)", s.Name, s.Hash, parsed.id)
		}
		k := nameHash{s.Name, s.Hash}
		if i, ok := index[k]; ok {
			lines[i] = l
			continue
		}
		if len(lines) == maxSignatures {
			return nil, fmt.Errorf("merged note would have more than %d signatures", maxSignatures)
		}
		index[k] = len(lines)
		lines = append(lines, l)
	}
	var b bytes.Buffer
	b.Write(text)
	b.WriteByte('\n')
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// sanitize makes a witness's answer safe to show in an error: printable
// ASCII only, at most 200 bytes.
func sanitize(b []byte) string {
	const max = 200
	var s strings.Builder
	for _, c := range bytes.TrimSpace(b) {
		if s.Len() >= max {
			s.WriteString("...")
			break
		}
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		s.WriteByte(c)
	}
	return s.String()
}
