package witness

import (
	"crypto/ed25519"

	"golang.org/x/mod/sumdb/note"
)

// Internals for the tests in package witness_test. Those tests are outside
// package witness because they share their helpers with package witnessdb's
// tests through internal/witnesstesting, which imports package witness.

var SignatureLine = signatureLine

const MaxResponseBytes = maxResponseBytes

func (c *Cosigner) PrivateKey() ed25519.PrivateKey { return c.priv }

// Defines reports whether name is a witness or group of p.
func (p *Policy) Defines(name string) bool {
	_, ok := p.names[name]
	return ok
}

func (k VerifierKey) LogVerifier() (note.Verifier, error) { return k.logVerifier() }

func (k VerifierKey) WitnessVerifier() (*CosignatureVerifier, error) { return k.witnessVerifier() }
