package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Approval is one person's signature on a request, in the form the log
// records it: exactly one of the signed-note pair (Note, VerifierKey) or the
// WebAuthn triple (WebAuthn, PublicKeyCOSE, RPID) is set. It is
// JSON-encodable; byte fields encode as standard base64.
type Approval struct {
	Approver string `json:"approver"` // the approver's account name

	Note        string `json:"note,omitempty"`        // signed note over the SignText
	VerifierKey string `json:"verifierKey,omitempty"` // the approver's registered signed-note key

	WebAuthn      *WebAuthnSignature `json:"webauthn,omitempty"`
	PublicKeyCOSE []byte             `json:"publicKeyCOSE,omitempty"` // the registered credential's key
	RPID          string             `json:"rpId,omitempty"`
}

// VerifyApproval checks a's signature over text.
func VerifyApproval(a Approval, text string) error {
	switch {
	case a.Approver == "":
		return errors.New("auth: approval names no approver")
	case a.Note != "" && a.WebAuthn != nil:
		return fmt.Errorf("auth: approval by %s carries both a signed note and a WebAuthn signature", a.Approver)
	case a.Note != "":
		if err := VerifyNoteSignature(a.Note, text, a.VerifierKey); err != nil {
			return fmt.Errorf("approval by %s: %w", a.Approver, err)
		}
	case a.WebAuthn != nil:
		if err := VerifyWebAuthnSignature(*a.WebAuthn, text, a.PublicKeyCOSE, a.RPID); err != nil {
			return fmt.Errorf("approval by %s: %w", a.Approver, err)
		}
	default:
		return fmt.Errorf("auth: approval by %s carries no signature", a.Approver)
	}
	return nil
}

// ErrTwoPerson is the errors.Is target when approvals do not satisfy the
// two-person rule.
var ErrTwoPerson = errors.New("auth: the two-person rule is not satisfied")

// CheckTwoPerson checks that approvals contain valid signatures over text by
// at least two different approvers using two different keys. Every approval
// must verify: one bad signature fails the whole set, since it means
// something was forged or corrupted. The caller checks, from the log, that
// each key is the one registered to that approver and not revoked.
func CheckTwoPerson(approvals []Approval, text string) error {
	people := map[string]bool{}
	var keys [][]byte
	for _, a := range approvals {
		if err := VerifyApproval(a, text); err != nil {
			return err
		}
		key := approvalKey(a)
		for _, k := range keys {
			if bytes.Equal(k, key) {
				return fmt.Errorf("%w: %s signed with a key another approval already used", ErrTwoPerson, a.Approver)
			}
		}
		keys = append(keys, key)
		people[a.Approver] = true
	}
	if len(people) < 2 {
		return fmt.Errorf("%w: %d different approver(s), need 2", ErrTwoPerson, len(people))
	}
	return nil
}

// approvalKey returns the public key material of a verified approval in one
// spelling, so that one key registered under two names, or encoded two ways,
// counts once.
func approvalKey(a Approval) []byte {
	if a.WebAuthn == nil {
		// name+hash+base64(0x01 || key): the name and hash do not matter.
		parts := strings.SplitN(a.VerifierKey, "+", 3)
		if k, err := base64.StdEncoding.DecodeString(parts[len(parts)-1]); err == nil && len(k) == 33 {
			return append([]byte("ed25519:"), k[1:]...)
		}
		return []byte("note:" + a.VerifierKey)
	}
	key, err := webauthncose.ParsePublicKey(a.PublicKeyCOSE)
	if err != nil {
		return append([]byte("cose:"), a.PublicKeyCOSE...)
	}
	switch k := key.(type) {
	case webauthncose.OKPPublicKeyData:
		if k.Curve == int64(webauthncose.Ed25519) {
			return append([]byte("ed25519:"), k.XCoord...)
		}
	case webauthncose.EC2PublicKeyData:
		return fmt.Appendf(nil, "ec2:%d:%x:%x", k.Curve, k.XCoord, k.YCoord)
	case webauthncose.RSAPublicKeyData:
		return []byte("rsa:" + strconv.Itoa(len(k.Modulus)) + ":" + string(k.Modulus) + ":" + string(k.Exponent))
	}
	return append([]byte("cose:"), a.PublicKeyCOSE...)
}
