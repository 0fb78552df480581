package ledger

import (
	"errors"
	"fmt"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
)

// Witness policies are C2SP tlog-policy files, parsed and evaluated by
// package witness so that the log, its verifiers and the witnesses share
// one reading of them. ParsePolicy is witness.ParsePolicy.

// ParsePolicy parses a C2SP tlog-policy file.
func ParsePolicy(text []byte) (*witness.Policy, error) { return witness.ParsePolicy(text) }

// requiresCosignatures reports whether the policy's quorum is anything
// but "none".
func requiresCosignatures(p *witness.Policy) bool { return p != nil && p.Quorum != "none" }

// policyAllowsLog reports whether the policy accepts the log whose verifier
// key is vkey: it must be listed when the policy lists any logs.
func policyAllowsLog(p *witness.Policy, vkey string) bool {
	if p == nil || len(p.Logs) == 0 {
		return true
	}
	k, err := witness.ParseVerifierKey(vkey)
	if err != nil {
		return false
	}
	for _, l := range p.Logs {
		if l.Key.Name == k.Name && l.Key.ID == k.ID && string(l.Key.PublicKey) == string(k.PublicKey) && l.Key.Type == k.Type {
			return true
		}
	}
	return false
}

// CheckQuorum verifies sc's witness cosignatures against the policy and
// records the valid ones in sc.Cosignatures. A checkpoint without its
// quorum fails with a *VerifyError of kind ErrQuorum; an invalid
// cosignature (an altered checkpoint or signature) with kind ErrTampered.
func CheckQuorum(p *witness.Policy, sc *SignedCheckpoint, log note.Verifier) error {
	if p == nil {
		return nil
	}
	v, err := p.Verify(sc.Note, log)
	if err != nil {
		var qe *witness.QuorumError
		if errors.As(err, &qe) {
			return &VerifyError{Index: -1, Kind: ErrQuorum, Msg: fmt.Sprintf("checkpoint of size %d: %v", sc.Size, err)}
		}
		return tampered(-1, "checkpoint cosignatures: %v", err)
	}
	sc.Cosignatures = v.Cosignatures
	return nil
}
