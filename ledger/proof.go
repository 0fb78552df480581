package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// proofHeader is the first line of a C2SP tlog-proof.
const proofHeader = "c2sp.org/tlog-proof@v1"

// Proof is a C2SP tlog-proof: an entry's index, its Merkle inclusion proof
// and the checkpoint (with any cosignatures) it is proven against.
// canvass puts the entry itself in Extra, so that the proof is
// self-contained; verifiers hash it rather than trust it.
type Proof struct {
	Extra      []byte
	Index      uint64
	Hashes     tlog.RecordProof
	Checkpoint []byte
}

// Marshal encodes p in the tlog-proof text format.
func (p *Proof) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(proofHeader + "\n")
	if p.Extra != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	b.WriteString("index " + strconv.FormatUint(p.Index, 10) + "\n")
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof decodes tlog-proof text.
func ParseProof(b []byte) (*Proof, error) {
	text := string(b)
	line := 0
	next := func() (string, error) {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return "", fmt.Errorf("tlog-proof line %d: missing newline", line+1)
		}
		s := text[:i]
		text = text[i+1:]
		line++
		return s, nil
	}
	s, err := next()
	if err != nil {
		return nil, err
	}
	if s != proofHeader {
		return nil, fmt.Errorf("tlog-proof line 1: expected %q", proofHeader)
	}
	p := &Proof{}
	if s, err = next(); err != nil {
		return nil, err
	}
	if rest, ok := strings.CutPrefix(s, "extra "); ok {
		if p.Extra, err = base64.StdEncoding.Strict().DecodeString(rest); err != nil {
			return nil, fmt.Errorf("tlog-proof line %d: extra data is not base64", line)
		}
		if s, err = next(); err != nil {
			return nil, err
		}
	}
	rest, ok := strings.CutPrefix(s, "index ")
	if !ok || !isDecimal(rest) {
		return nil, fmt.Errorf("tlog-proof line %d: expected \"index <decimal>\"", line)
	}
	if p.Index, err = strconv.ParseUint(rest, 10, 63); err != nil {
		return nil, fmt.Errorf("tlog-proof line %d: index out of range", line)
	}
	for {
		if s, err = next(); err != nil {
			return nil, err
		}
		if s == "" {
			break
		}
		h, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(h) != tlog.HashSize {
			return nil, fmt.Errorf("tlog-proof line %d: expected a base64 SHA-256 hash", line)
		}
		if len(p.Hashes) == 63 {
			return nil, fmt.Errorf("tlog-proof line %d: more than 63 proof hashes", line)
		}
		p.Hashes = append(p.Hashes, tlog.Hash(h))
	}
	p.Checkpoint = []byte(text)
	return p, nil
}

// Prove builds the tlog-proof of entry index against the log's current
// checkpoint, reading tiles through f. Every tile used is checked against
// the checkpoint's root (tlog.TileHashReader), and the entry is included as
// the proof's extra data.
func Prove(ctx context.Context, f Fetcher, index uint64) (*Proof, error) {
	raw, err := f.Fetch(ctx, CheckpointPath)
	if err != nil {
		return nil, err
	}
	cp, err := unverifiedCheckpoint(raw)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("index %d is beyond the published checkpoint (size %d, indices 0 to %d)", index, cp.Size, int64(cp.Size)-1)
	}
	hr := tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: cp.Hash}, &tileReader{ctx: ctx, f: f})
	rp, err := tlog.ProveRecord(int64(cp.Size), int64(index), hr)
	if err != nil {
		return nil, fmt.Errorf("building inclusion proof for entry %d: %v", index, err)
	}
	entry, err := readEntry(ctx, f, cp.Size, index)
	if err != nil {
		return nil, err
	}
	// The entry must be the one the proof is for: its hash, not the
	// tile's, has to lead to the root.
	if err := tlog.CheckRecord(rp, int64(cp.Size), cp.Hash, int64(index), tlog.RecordHash(entry)); err != nil {
		return nil, tampered(int64(index), "the entry in %s does not match the tiles: %v", EntriesPath(index/TileWidth, bundleWidth(cp.Size, index)), err)
	}
	return &Proof{Extra: entry, Index: index, Hashes: rp, Checkpoint: raw}, nil
}

// bundleWidth is the width of the entry bundle holding index in a tree of
// the given size.
func bundleWidth(size, index uint64) int {
	if (index/TileWidth+1)*TileWidth <= size {
		return TileWidth
	}
	return int(size % TileWidth)
}

// readEntry reads entry index of a tree of the given size.
func readEntry(ctx context.Context, f Fetcher, size, index uint64) ([]byte, error) {
	w := bundleWidth(size, index)
	data, path, full, err := fetchResource(ctx, f, -1, index/TileWidth, w)
	if err != nil {
		return nil, err
	}
	entries, _, err := splitBundle(path, data, w, !full)
	if err != nil {
		return nil, err
	}
	return entries[index%TileWidth], nil
}

// unverifiedCheckpoint parses a checkpoint note without checking any
// signature; callers then check the tree against its root.
func unverifiedCheckpoint(raw []byte) (Checkpoint, error) {
	_, err := note.Open(raw, note.VerifierList())
	var u *note.UnverifiedNoteError
	if !errors.As(err, &u) {
		return Checkpoint{}, fmt.Errorf("checkpoint is not a signed note: %v", err)
	}
	return ParseCheckpoint(u.Note.Text)
}

// VerifyProof checks a tlog-proof for entry (nil means the proof's extra
// data) against the log key vkey and, if policy is not nil, its witness
// quorum. It returns the verified checkpoint.
func VerifyProof(p *Proof, entry []byte, vkey string, policy *witness.Policy) (*SignedCheckpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key: %v", err)
	}
	if !policyAllowsLog(policy, vkey) {
		return nil, fmt.Errorf("the policy does not list the log %s", v.Name())
	}
	sc, err := OpenCheckpoint(p.Checkpoint, v)
	if err != nil {
		return nil, err
	}
	if err := CheckQuorum(policy, sc, v); err != nil {
		return nil, err
	}
	if entry == nil {
		entry = p.Extra
	}
	if entry == nil {
		return nil, errors.New("the proof carries no entry and none was given")
	}
	if p.Index >= sc.Size {
		return nil, fmt.Errorf("proof index %d is beyond its checkpoint's size %d", p.Index, sc.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, int64(sc.Size), sc.Hash, int64(p.Index), tlog.RecordHash(entry)); err != nil {
		return nil, tampered(int64(p.Index), "inclusion proof does not verify against the checkpoint of size %d: %v", sc.Size, err)
	}
	return sc, nil
}
