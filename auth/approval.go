package auth

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// SignTextHeader is the first line of every approval text. The version lets
// a later format exist beside this one without a signature over one being
// read as a signature over the other.
const SignTextHeader = "canvass request approval v1"

// CheckSignTextFields returns an error if origin, requestID or kind cannot
// appear in a SignText: each must be non-empty valid UTF-8 without control
// characters or surrounding spaces, and requestID and kind must have no
// spaces at all. Without these rules a value could add lines to the text and
// make one signature read as approval of something else.
func CheckSignTextFields(origin, requestID, kind string) error {
	for _, f := range []struct{ name, v string }{{"origin", origin}, {"request id", requestID}, {"kind", kind}} {
		if f.v == "" {
			return fmt.Errorf("auth: approval %s is empty", f.name)
		}
		if !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, unicode.IsControl) {
			return fmt.Errorf("auth: approval %s %q has a control character or invalid UTF-8", f.name, f.v)
		}
		if strings.TrimSpace(f.v) != f.v {
			return fmt.Errorf("auth: approval %s %q starts or ends with a space", f.name, f.v)
		}
		if f.name != "origin" && strings.ContainsFunc(f.v, unicode.IsSpace) {
			return fmt.Errorf("auth: approval %s %q contains a space", f.name, f.v)
		}
	}
	return nil
}

// SignText returns the text an approver signs to approve request requestID of
// the given kind, acting on the action whose canonical JSON has SHA-256
// actionHash, in the log named by origin:
//
//	canvass request approval v1
//	origin <origin>
//	request <requestID>
//	kind <kind>
//	action-sha256 <64 lowercase hex digits>
//
// Every line ends in a newline, so the text is valid signed-note text and
// anyone can check a signature on it with any signed-note implementation.
// SignText panics if CheckSignTextFields rejects the fields: they come from
// the server, not from a user, so a bad one is a bug.
func SignText(origin, requestID, kind string, actionHash [32]byte) string {
	if err := CheckSignTextFields(origin, requestID, kind); err != nil {
		panic(err)
	}
	return SignTextHeader + "\n" +
		"origin " + origin + "\n" +
		"request " + requestID + "\n" +
		"kind " + kind + "\n" +
		"action-sha256 " + hex.EncodeToString(actionHash[:]) + "\n"
}

// maxNoteSize bounds the signed notes and keys this package parses; an
// approval is a few hundred bytes.
const maxNoteSize = 16 << 10

// ParseVerifierKey checks that vkey is a signed-note Ed25519 verifier key
// ("name+hash+base64", as note.GenerateKey makes) and returns its name.
func ParseVerifierKey(vkey string) (name string, err error) {
	if len(vkey) > maxNoteSize {
		return "", errors.New("auth: verifier key is too long")
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", fmt.Errorf("auth: not a signed-note Ed25519 verifier key (want name+hash+base64, as from note.GenerateKey): %w", err)
	}
	return v.Name(), nil
}

// ErrBadSignature is the errors.Is target for every approval signature that
// does not verify, from a signed note or a WebAuthn credential.
var ErrBadSignature = errors.New("auth: approval signature does not verify")

// VerifyNoteSignature checks that signedNote is a signed note whose text is
// exactly text and that carries a valid signature by vkey. Signatures by
// other keys on the same note are allowed and ignored.
func VerifyNoteSignature(signedNote, text, vkey string) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("auth: approver key: %w", err)
	}
	if len(signedNote) > maxNoteSize {
		return fmt.Errorf("%w: signed note is longer than %d bytes", ErrBadSignature, maxNoteSize)
	}
	n, err := note.Open([]byte(signedNote), note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return fmt.Errorf("%w: the note has no signature by key %q", ErrBadSignature, v.Name())
		case errors.As(err, &invalid):
			return fmt.Errorf("%w: the signature by key %q is not valid for this text", ErrBadSignature, v.Name())
		default:
			return fmt.Errorf("%w: not a signed note (the text, a blank line, then signature lines): %v", ErrBadSignature, err)
		}
	}
	if n.Text != text {
		return fmt.Errorf("%w: the signed text is not the approval text for this request", ErrBadSignature)
	}
	return nil
}
