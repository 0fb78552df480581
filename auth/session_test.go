package auth

import (
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTokenRoundTrip(t *testing.T) {
	tok, h, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) {
		t.Errorf("token %q is not 43 base64url characters", tok)
	}
	h2, ok := HashToken(tok)
	if !ok || !EqualHash(h, h2) {
		t.Error("HashToken(NewToken's token) differs from NewToken's hash")
	}
	if h != sha256.Sum256([]byte(tok)) {
		t.Error("token hash is not SHA-256 of the token")
	}
	tok2, h3, _ := NewToken()
	if tok2 == tok || EqualHash(h, h3) {
		t.Error("two tokens are equal")
	}
	for _, bad := range []string{"", tok[:40] + "\n\n\n", tok[:42], tok + "A", tok[:42] + "=", strings.Repeat("A", 42) + "B", tok[:42] + "+", tok[:42] + "/"} {
		if _, ok := HashToken(bad); ok {
			t.Errorf("HashToken(%q) accepted a malformed token", bad)
		}
	}
}

func TestSessionExpired(t *testing.T) {
	c := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lastSeen, now time.Duration // after created
		want          bool
	}{
		{0, 0, false},
		{0, IdleTimeout - time.Second, false},
		{0, IdleTimeout, true},
		{11 * time.Hour, 11*time.Hour + 29*time.Minute, false},
		{11*time.Hour + 59*time.Minute, AbsoluteTimeout - time.Second, false},
		{11*time.Hour + 59*time.Minute, AbsoluteTimeout, true},
		{0, -time.Second, true},          // clock went back
		{time.Hour, time.Hour - 1, true}, // last seen in the future
	} {
		if got := SessionExpired(c, c.Add(tc.lastSeen), c.Add(tc.now)); got != tc.want {
			t.Errorf("SessionExpired(lastSeen +%v, now +%v) = %v, want %v", tc.lastSeen, tc.now, got, tc.want)
		}
	}
}

func TestEnrollmentCode(t *testing.T) {
	code, h, err := NewEnrollmentCode()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$`).MatchString(code) {
		t.Errorf("code %q is not six dash-separated groups of four base32 characters", code)
	}
	// 24 base32 characters carry 120 bits.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	typed = strings.NewReplacer("o", "0", "i", "1", "b", "8").Replace(typed)
	if !EqualHash(HashEnrollmentCode(typed), h) {
		t.Errorf("hash of %q (as typed) differs from hash of %q", typed, code)
	}
	other := []byte(code)
	if other[0] == 'A' {
		other[0] = 'C'
	} else {
		other[0] = 'A'
	}
	if EqualHash(HashEnrollmentCode(string(other)), h) {
		t.Error("a different code has the same hash")
	}
	code2, _, _ := NewEnrollmentCode()
	if code2 == code {
		t.Error("two codes are equal")
	}
}
