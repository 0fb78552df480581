package witness_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// key derives a repeatable Ed25519 key for the example.
func key(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(label))
	return ed25519.NewKeyFromSeed(s[:])
}

// A verifier checks that a checkpoint was signed by the log and cosigned
// by a quorum of witnesses, here two of three.
func ExamplePolicy_Verify() {
	skey, vkey, _ := note.GenerateKey(bytes.NewReader(key("log").Seed()), "county.example/2026-general")
	logSigner, _ := note.NewSigner(skey)
	state, _ := witness.NewCosigner("state.example/witness", key("state"))
	party, _ := witness.NewCosigner("party.example/witness", key("party"))
	univ, _ := witness.NewCosigner("university.example/witness", key("univ"))

	policy, err := witness.ParsePolicy([]byte(`# Results are published only with two of three cosignatures.
log ` + vkey + `
witness state ` + state.VerifierKey() + ` https://state.example/witness
witness party ` + party.VerifierKey() + ` https://party.example/witness
witness univ ` + univ.VerifierKey() + ` https://university.example/witness
group two-of-three 2 state party univ
quorum two-of-three
`))
	if err != nil {
		fmt.Println(err)
		return
	}

	text := witness.Checkpoint{Origin: "county.example/2026-general", Size: 1, Hash: tlog.RecordHash([]byte("first event"))}.Text()
	one, _ := note.Sign(&note.Note{Text: string(text)}, logSigner, state)
	_, err = policy.Verify(one)
	var qe *witness.QuorumError
	fmt.Println(errors.As(err, &qe), err)

	two, _ := note.Sign(&note.Note{Text: string(text)}, logSigner, state, univ)
	v, err := policy.Verify(two)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("size", v.Checkpoint.Size, "cosigned by", v.Cosignatures[0].Witness, "and", v.Cosignatures[1].Witness)
	// Output:
	// true witness quorum two-of-three is not met: valid cosignatures from state; missing from party, univ
	// size 1 cosigned by state and univ
}
