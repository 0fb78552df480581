package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	phc, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("PHC string %q does not carry DefaultArgon2", phc)
	}
	ok, err := VerifyPassword(phc, "correct horse battery staple")
	if err != nil || !ok {
		t.Errorf("VerifyPassword(right password) = %v, %v; want true, nil", ok, err)
	}
	ok, err = VerifyPassword(phc, "correct horse battery stapler")
	if err != nil || ok {
		t.Errorf("VerifyPassword(wrong password) = %v, %v; want false, nil", ok, err)
	}
	if NeedsRehash(phc) {
		t.Error("NeedsRehash of a fresh hash = true")
	}
	phc2, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if phc2 == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordOtherParams(t *testing.T) {
	// A hash made with weaker, older parameters still verifies and asks to
	// be rehashed.
	p := Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 16, SaltLen: 8}
	salt := []byte("saltsalt")
	phc := encodePHC(p, salt, argon2idKey("pw", salt, p))
	if want := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$"; !strings.HasPrefix(phc, want) {
		t.Fatalf("encodePHC = %q, want prefix %q", phc, want)
	}
	if ok, err := VerifyPassword(phc, "pw"); !ok || err != nil {
		t.Errorf("VerifyPassword = %v, %v", ok, err)
	}
	if !NeedsRehash(phc) {
		t.Error("NeedsRehash(weak params) = false")
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA"
	if _, err := VerifyPassword(good, "x"); err != nil {
		t.Fatalf("well-formed PHC refused: %v", err)
	}
	for _, phc := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$t=1,m=64,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=064,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$c2Fs$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAB", // non-canonical trailing bits
	} {
		ok, err := VerifyPassword(phc, "x")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", phc, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw        string
		forbidden []string
		ok        bool
		advice    string // part of the error message
	}{
		{pw: "glacier pancake violin", ok: true},
		{pw: "Zebras-eat-7-kumquats", forbidden: []string{"alice", "clerk.example.gov"}, ok: true},
		{pw: "ñandú pingüino", ok: true}, // 14 runes, more bytes
		{pw: "short", advice: "at least 12 characters"},
		{pw: "élévationàà", advice: "at least 12 characters"}, // 11 runes, 15 bytes
		{pw: strings.Repeat("x", 100) + strings.Repeat("q7", 80), advice: "at most 256 bytes"},
		{pw: "1qaz2wsx3edc", advice: "common passwords"},     // in the list
		{pw: "1QAZ2WSX3EDC", advice: "common passwords"},     // case-insensitive
		{pw: "password1234567", advice: "digits or symbols"}, // list entry + digits
		{pw: "Sunshine!!2024", advice: "digits or symbols"},  // list entry + symbols
		{pw: "aaaaaaaaaaaaaa", advice: "repeats a short pattern"},
		{pw: "xyzzxyzzxyzzxyzz", advice: "repeats a short pattern"},
		{pw: "abcdefghijklm", advice: "sequence"},
		{pw: "123456789012", advice: "sequence"},
		{pw: "210987654321", advice: "sequence"},
		{pw: "9876543210zyx", ok: true}, // not one straight run
		{pw: "alice-in-wonderland-7", forbidden: []string{"Alice"}, advice: "user name"},
		{pw: "my clerk.example.gov pass", forbidden: []string{"bob", "clerk.example.gov"}, advice: "user name"},
		{pw: "banana split sundae", forbidden: []string{"an", ""}, ok: true}, // short forbidden strings ignored
		{pw: "bad\xffutf8-password", advice: "not valid text"},
	} {
		err := CheckPassword(tc.pw, tc.forbidden...)
		if tc.ok {
			if err != nil {
				t.Errorf("CheckPassword(%q) = %v, want nil", tc.pw, err)
			}
			continue
		}
		if !errors.Is(err, ErrWeakPassword) {
			t.Errorf("CheckPassword(%q) = %v, want ErrWeakPassword", tc.pw, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.advice) {
			t.Errorf("CheckPassword(%q) = %q, want it to say %q", tc.pw, err, tc.advice)
		}
		if len(tc.pw) > 3 && strings.Contains(err.Error(), tc.pw) {
			t.Errorf("CheckPassword error %q quotes the password", err)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	m := commonPasswords()
	if len(m) < 29000 {
		t.Errorf("common password list has %d entries, want about 30000", len(m))
	}
	for _, w := range []string{"123456", "password", "qwerty", "iloveyou", "geekboy"} {
		if !isCommonPassword(w) {
			t.Errorf("%q is not in the common password list", w)
		}
	}
}

// BenchmarkHashPassword measures one HashPassword with DefaultArgon2. Besides
// wall time it reports the process CPU time per hash (cpu-ns/op), which
// does not grow when other work shares the machine: with 2 lanes on 2 idle
// cores the wall time of a hash is about half of it.
func BenchmarkHashPassword(b *testing.B) {
	start := cpuTime()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
