package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 defaults, the ones every authenticator app
// supports): HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch.
const (
	TOTPDigits     = 6
	TOTPPeriod     = 30 * time.Second
	totpSecretSize = 20 // RFC 4226 §4 R6: at least 128 bits, 160 recommended
)

var (
	// ErrTOTPInvalid means the code does not match the current 30-second step
	// or the one just before or after it.
	ErrTOTPInvalid = errors.New("auth: the one-time code is wrong or has expired; type the code your app shows now")
	// ErrTOTPReplay means the code matches a step at or before the last one
	// accepted for this account: someone already used it.
	ErrTOTPReplay = errors.New("auth: this one-time code was already used; wait for the next code")
)

// NewTOTPSecret returns 20 random bytes for a new TOTP second factor.
func NewTOTPSecret() ([]byte, error) {
	s := make([]byte, totpSecretSize)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("auth: reading random TOTP secret: %w", err)
	}
	return s, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPURI returns the otpauth:// URI (the "Key Uri Format" authenticator apps
// read from a QR code) for secret, labelled "issuer:account". The URI holds
// the secret: show it once and never log it.
func TOTPURI(issuer, account string, secret []byte) string {
	q := "secret=" + b32.EncodeToString(secret) +
		"&issuer=" + queryEscape(issuer) +
		"&algorithm=SHA1&digits=6&period=30"
	return "otpauth://totp/" + labelEscape(issuer) + ":" + labelEscape(account) + "?" + q
}

// labelEscape escapes a label part, including the colon that separates the
// issuer from the account (url.PathEscape leaves colons).
func labelEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// queryEscape escapes a space as %20 rather than "+", which some
// authenticator apps show literally.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// totpStep is the RFC 6238 time counter T = floor(unix / 30).
func totpStep(t time.Time) int64 {
	u := t.Unix()
	step := u / int64(TOTPPeriod/time.Second)
	if u < 0 && u%int64(TOTPPeriod/time.Second) != 0 {
		step--
	}
	return step
}

// hotp is RFC 4226 HOTP with dynamic truncation, returning the 31-bit value
// before reduction modulo 10^digits.
func hotp(secret []byte, counter int64) uint32 {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
}

func totpCodeAt(secret []byte, step int64) string {
	return fmt.Sprintf("%06d", hotp(secret, step)%1_000_000)
}

// TOTPCode returns the 6-digit code for secret at time t.
func TOTPCode(secret []byte, t time.Time) string {
	return totpCodeAt(secret, totpStep(t))
}

// VerifyTOTP accepts code (6 digits; spaces are ignored) if it matches the
// step of now or the step just before or after it, allowing for clock drift
// and typing time. It returns the matched step, which the caller stores as
// the account's new lastStep: a code whose step is at or before lastStep is
// refused with ErrTOTPReplay, so each code works once (RFC 6238 §5.2). Pass
// lastStep -1 (or any value before now) for an account that never used one.
func VerifyTOTP(secret []byte, code string, now time.Time, lastStep int64) (step int64, err error) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != TOTPDigits || strings.Trim(code, "0123456789") != "" {
		return 0, ErrTOTPInvalid
	}
	cur := totpStep(now)
	// Compare against every window step in constant time, so the timing does
	// not tell which step matched.
	var matched [3]int
	for i, s := range []int64{cur - 1, cur, cur + 1} {
		matched[i] = subtle.ConstantTimeCompare([]byte(totpCodeAt(secret, s)), []byte(code))
	}
	replay := false
	// Prefer the latest step so that a code valid for two steps (1 in 10^6)
	// moves lastStep as far as it can.
	for i := 2; i >= 0; i-- {
		if matched[i] != 1 {
			continue
		}
		s := cur - 1 + int64(i)
		if s <= lastStep {
			replay = true
			continue
		}
		return s, nil
	}
	if replay {
		return 0, ErrTOTPReplay
	}
	return 0, ErrTOTPInvalid
}
