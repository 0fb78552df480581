package auth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

var rfcSeed = []byte("12345678901234567890")

// TestTOTPRFC6238 uses the SHA-1 test vectors of RFC 6238 Appendix B. The
// RFC gives 8-digit codes; a 6-digit code is the last 6 digits of the same
// truncated value.
func TestTOTPRFC6238(t *testing.T) {
	for _, tc := range []struct {
		unix int64
		code string // 8 digits, from the RFC
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := TOTPCode(rfcSeed, time.Unix(tc.unix, 0)); got != tc.code[2:] {
			t.Errorf("TOTPCode(T=%d) = %s, want %s", tc.unix, got, tc.code[2:])
		}
	}
}

func TestVerifyTOTPWindowAndReplay(t *testing.T) {
	now := time.Unix(1234567890, 0) // step 41152263
	step := int64(1234567890 / 30)
	at := func(s int64) string { return TOTPCode(rfcSeed, time.Unix(s*30, 0)) }

	for _, d := range []int64{-1, 0, 1} {
		got, err := VerifyTOTP(rfcSeed, at(step+d), now, -1)
		if err != nil || got != step+d {
			t.Errorf("code of step %+d: VerifyTOTP = %d, %v; want %d, nil", d, got, err, step+d)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		if _, err := VerifyTOTP(rfcSeed, at(step+d), now, -1); !errors.Is(err, ErrTOTPInvalid) {
			t.Errorf("code of step %+d: err = %v, want ErrTOTPInvalid", d, err)
		}
	}
	// Spaces are ignored; anything but 6 digits is invalid.
	c := at(step)
	if _, err := VerifyTOTP(rfcSeed, c[:3]+" "+c[3:], now, -1); err != nil {
		t.Errorf("code with a space: %v", err)
	}
	for _, bad := range []string{"", "12345", "1234567", "12345a", "+12345", "０１２３４５"} {
		if _, err := VerifyTOTP(rfcSeed, bad, now, -1); !errors.Is(err, ErrTOTPInvalid) {
			t.Errorf("VerifyTOTP(%q): err = %v, want ErrTOTPInvalid", bad, err)
		}
	}

	// Replay: once step is used, that code and any earlier one are refused.
	last, err := VerifyTOTP(rfcSeed, at(step), now, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyTOTP(rfcSeed, at(step), now, last); !errors.Is(err, ErrTOTPReplay) {
		t.Errorf("same code again: err = %v, want ErrTOTPReplay", err)
	}
	if _, err := VerifyTOTP(rfcSeed, at(step-1), now, last); !errors.Is(err, ErrTOTPReplay) {
		t.Errorf("earlier code after a later one: err = %v, want ErrTOTPReplay", err)
	}
	if got, err := VerifyTOTP(rfcSeed, at(step+1), now, last); err != nil || got != step+1 {
		t.Errorf("next code: %d, %v", got, err)
	}
	// A wrong code stays "invalid", not "replay", whatever lastStep is.
	wrong := at(step + 5)
	if wrong == at(step-1) || wrong == at(step) || wrong == at(step+1) {
		t.Fatal("test needs a code outside the window")
	}
	if _, err := VerifyTOTP(rfcSeed, wrong, now, last); !errors.Is(err, ErrTOTPInvalid) {
		t.Errorf("wrong code: err = %v, want ErrTOTPInvalid", err)
	}
}

func TestTOTPSecretAndURI(t *testing.T) {
	s, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 20 {
		t.Errorf("secret is %d bytes, want 20", len(s))
	}
	uri := TOTPURI("Example County", "alice@clerk", rfcSeed)
	want := "otpauth://totp/Example%20County:alice@clerk?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20County&algorithm=SHA1&digits=6&period=30"
	if uri != want {
		t.Errorf("TOTPURI =\n%s\nwant\n%s", uri, want)
	}
	if got := TOTPURI("a:b", "c:d", rfcSeed); !strings.HasPrefix(got, "otpauth://totp/a%3Ab:c%3Ad?") {
		t.Errorf("colons in the label are not escaped: %s", got)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("issuer") != "Example County" || strings.Contains(u.Query().Get("secret"), "=") {
		t.Errorf("TOTPURI does not parse back: %+v", u)
	}
}
