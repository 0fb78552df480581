package ledger

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, tree
// size and RFC 6962 root hash (Hash). It is package witness's type, parsed
// by its parser, so that the log, its witnesses and its verifiers read
// checkpoints by one set of rules.
type Checkpoint = witness.Checkpoint

// emptyRoot is the RFC 6962 hash of the empty tree, SHA-256 of nothing.
var emptyRoot = witness.EmptyTreeHash

// ParseCheckpoint parses checkpoint note text (without signatures). Beyond
// the syntax, it refuses a size-0 checkpoint whose root is not the empty
// tree's: witness.ParseCheckpoint leaves that to the caller so that a
// witness can answer it with 422 and keep it as evidence.
func ParseCheckpoint(text string) (Checkpoint, error) {
	c, err := witness.ParseCheckpoint([]byte(text))
	if err != nil {
		return c, err
	}
	if c.Size == 0 && c.Hash != emptyRoot {
		return Checkpoint{}, errors.New("checkpoint of size 0 does not carry the empty tree's root hash")
	}
	return c, nil
}

// isDecimal reports whether s is ASCII digits with no leading zero (except
// "0" itself).
func isDecimal(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validKeyName reports whether s may be a signed-note key name (and so a
// canvass log origin): non-empty UTF-8 with no spaces, no '+' and no
// control characters.
func validKeyName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '+' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// SignedCheckpoint is a checkpoint whose log signature has been verified,
// with the witness cosignatures that verified under a policy.
type SignedCheckpoint struct {
	Checkpoint
	// Note is the signed note exactly as read.
	Note []byte
	// Cosignatures are the valid cosignatures of the policy's witnesses,
	// when the checkpoint was checked against a policy whose quorum it
	// met.
	Cosignatures []witness.Cosignature
}

// OpenCheckpoint verifies a signed checkpoint note with the log's verifier.
// It requires a valid signature by the log itself and an origin equal to
// the log key's name. Signatures by other keys (witnesses) are ignored
// here, as the signed-note specification requires; CheckQuorum verifies
// them against a policy.
func OpenCheckpoint(msg []byte, log note.Verifier) (*SignedCheckpoint, error) {
	n, err := note.Open(msg, note.VerifierList(log))
	if err != nil {
		var bad *note.InvalidSignatureError
		var unverified *note.UnverifiedNoteError
		switch {
		case errors.As(err, &bad):
			return nil, fmt.Errorf("checkpoint carries an invalid signature by %s (key %08x): it was altered after signing", bad.Name, bad.Hash)
		case errors.As(err, &unverified):
			return nil, fmt.Errorf("checkpoint is not signed by the log key %s+%08x: it was replaced, or the verifier key names another log", log.Name(), log.KeyHash())
		}
		return nil, fmt.Errorf("checkpoint is not a valid signed note: %v", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	if c.Origin != log.Name() {
		return nil, fmt.Errorf("checkpoint origin %q differs from the log key's name %q", c.Origin, log.Name())
	}
	return &SignedCheckpoint{Checkpoint: c, Note: msg}, nil
}

// CosignerNames returns the policy names of the witnesses that cosigned.
func (sc *SignedCheckpoint) CosignerNames() []string {
	names := make([]string, len(sc.Cosignatures))
	for i, c := range sc.Cosignatures {
		names[i] = c.Witness
	}
	return names
}
