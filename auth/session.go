package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Session limits (VVSG 2.0 requirement 11.5: sessions end after a period of
// inactivity and after a maximum duration). A session ends 30 minutes after
// its last request and 12 hours after sign-in, whichever is first.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

const tokenBytes = 32 // 256 bits

var tokenEncoding = base64.RawURLEncoding.Strict()

// NewToken returns a new session token (256 random bits, unpadded base64url:
// 43 characters safe in a cookie or URL) and its SHA-256. The browser gets
// the token; the server stores only the hash, so a copy of the database does
// not let anyone use a session.
func NewToken() (token string, hash [32]byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", hash, fmt.Errorf("auth: reading random token: %w", err)
	}
	token = tokenEncoding.EncodeToString(b)
	return token, sha256.Sum256([]byte(token)), nil
}

// HashToken returns the SHA-256 of token, the key under which the server
// stored the session. ok is false if token is not in the form NewToken
// makes, so a malformed cookie is refused without a lookup.
func HashToken(token string) (hash [32]byte, ok bool) {
	if len(token) != tokenEncoding.EncodedLen(tokenBytes) {
		return hash, false
	}
	// The base64 decoder skips newlines, so check the alphabet first.
	for _, c := range []byte(token) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return hash, false
		}
	}
	if _, err := tokenEncoding.DecodeString(token); err != nil {
		return hash, false
	}
	return sha256.Sum256([]byte(token)), true
}

// SessionExpired reports whether a session created at created and last used
// at lastSeen has ended at now, by IdleTimeout or AbsoluteTimeout. A session
// whose times lie in the future (the clock went back) is treated as ended.
func SessionExpired(created, lastSeen, now time.Time) bool {
	if now.Before(created) || now.Before(lastSeen) {
		return true
	}
	return !now.Before(lastSeen.Add(IdleTimeout)) || !now.Before(created.Add(AbsoluteTimeout))
}

// Enrollment codes are 24 characters of the RFC 4648 base32 alphabet (120
// bits), shown in six groups of four: "ABCD-EFGH-…". That alphabet has no 0,
// 1 or 8, so those are read as the letters O, I and B that people confuse
// them with.
const (
	enrollmentChars = 24
	enrollmentGroup = 4
)

// NewEnrollmentCode returns a one-time code for a person to type when they
// first set up their account, and its hash, which is what the server keeps.
func NewEnrollmentCode() (code string, hash [32]byte, err error) {
	b := make([]byte, enrollmentChars*5/8)
	if _, err := rand.Read(b); err != nil {
		return "", hash, fmt.Errorf("auth: reading random enrollment code: %w", err)
	}
	raw := b32.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(raw); i += enrollmentGroup {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(raw[i : i+enrollmentGroup])
	}
	code = sb.String()
	return code, HashEnrollmentCode(code), nil
}

// HashEnrollmentCode returns the SHA-256 of code after normalizing it: case,
// spaces and dashes do not matter, and 0, 1 and 8 count as O, I and B.
func HashEnrollmentCode(code string) [32]byte {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		case '0':
			return 'O'
		case '1':
			return 'I'
		case '8':
			return 'B'
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, code)
	return sha256.Sum256([]byte("canvass enrollment code\n" + norm))
}

// EqualHash reports whether a and b are equal, in constant time.
func EqualHash(a, b [32]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
