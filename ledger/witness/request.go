package witness

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// MaxProofLines is the most consistency proof lines a client may send
// (c2sp.org/tlog-witness); a proof between trees of at most 2^63-1 leaves
// never needs more.
const MaxProofLines = 63

// AddCheckpointRequest is the body of a tlog-witness add-checkpoint request.
type AddCheckpointRequest struct {
	OldSize          uint64      // size of the checkpoint the client believes the witness last cosigned
	Proof            []tlog.Hash // RFC 6962 consistency proof from OldSize to the new size
	SignedCheckpoint []byte      // the signed checkpoint note, verbatim
	Checkpoint       Checkpoint  // the parsed note text of SignedCheckpoint
}

// ParseAddCheckpointRequest parses an add-checkpoint request body: the line
// "old <size>", up to 63 base64 proof hashes one per line, an empty line,
// and a signed checkpoint note. Every line must end in a newline. It checks
// the syntax of the checkpoint and its signature lines but verifies no
// signature. Errors are *SyntaxError values locating the fault.
func ParseAddCheckpointRequest(body []byte) (*AddCheckpointRequest, error) {
	var r AddCheckpointRequest
	nl := bytes.IndexByte(body, '\n')
	if nl < 0 {
		return nil, syntaxErr(1, 0, "request body must start with a newline-terminated \"old <size>\" line")
	}
	first := string(body[:nl])
	num, ok := bytes.CutPrefix(body[:nl], []byte("old "))
	if !ok {
		return nil, syntaxErr(1, 0, "first line %q must be \"old <size>\": the string old, one space, and the tree size the witness last cosigned", truncate(first))
	}
	n, err := parseDecimal(string(num))
	if err != nil {
		return nil, syntaxErr(1, 0, "old size %q: %v", truncate(string(num)), err)
	}
	r.OldSize = n
	off, line := nl+1, 2
	for {
		if off == len(body) {
			return nil, syntaxErr(line, off, "request ends before the empty line that must precede the checkpoint")
		}
		end := bytes.IndexByte(body[off:], '\n')
		if end < 0 {
			return nil, syntaxErr(line, off, "consistency proof line does not end with a newline, and no empty line and checkpoint follow")
		}
		if end == 0 {
			off++
			line++
			break
		}
		if len(r.Proof) == MaxProofLines {
			return nil, syntaxErr(line, off, "more than %d consistency proof lines", MaxProofLines)
		}
		s := string(body[off : off+end])
		h, err := parseHash(s)
		if err != nil {
			return nil, syntaxErr(line, off, "consistency proof line %q: %v; want one base64 SHA-256 hash per line", truncate(s), err)
		}
		r.Proof = append(r.Proof, h)
		off += end + 1
		line++
	}
	r.SignedCheckpoint = body[off:]
	if len(r.SignedCheckpoint) == 0 {
		return nil, syntaxErr(line, off, "request has no checkpoint after the empty line")
	}
	text, _, err := splitNote(r.SignedCheckpoint, line, off)
	if err != nil {
		return nil, err
	}
	if r.Checkpoint, err = parseCheckpoint(text, line, off); err != nil {
		return nil, err
	}
	return &r, nil
}

// Body encodes the request in the add-checkpoint wire format.
func (r *AddCheckpointRequest) Body() []byte {
	b := make([]byte, 0, 24+len(r.Proof)*45+1+len(r.SignedCheckpoint))
	b = append(b, "old "...)
	b = strconv.AppendUint(b, r.OldSize, 10)
	b = append(b, '\n')
	for _, h := range r.Proof {
		b = base64.StdEncoding.AppendEncode(b, h[:])
		b = append(b, '\n')
	}
	b = append(b, '\n')
	return append(b, r.SignedCheckpoint...)
}
