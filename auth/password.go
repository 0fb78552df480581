package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters (RFC 9106) written into every
// PHC string, so that a hash made with older parameters still verifies after
// DefaultArgon2 changes.
type Argon2Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
	KeyLen    uint32 // bytes of output
	SaltLen   uint32 // bytes of random salt
}

// DefaultArgon2 is used by HashPassword: 2 passes over 64 MiB with 2 lanes,
// a 16-byte salt and a 32-byte output. One hash costs about 100 ms of CPU on
// the project's 2-core machine (BenchmarkHashPassword), so 50–100 ms of
// wall time on idle cores, inside the 250 ms budget for a sign-in; the
// memory is more than three times the OWASP minimum (19 MiB, 2 passes).
// docs/security.md records the measurements.
var DefaultArgon2 = Argon2Params{Time: 2, MemoryKiB: 64 * 1024, Threads: 2, KeyLen: 32, SaltLen: 16}

// Bounds on parameters read back from a PHC string. They keep a corrupt or
// hostile stored hash from asking for gigabytes of memory or minutes of CPU.
const (
	maxArgon2Time   = 16
	maxArgon2Memory = 1 << 20 // 1 GiB in KiB
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
)

// hashSlots bounds how many argon2id computations run at once, so that a burst
// of sign-ins cannot make the server allocate an unbounded multiple of
// MemoryKiB; the others wait their turn.
var hashSlots = make(chan struct{}, 4)

// ErrMalformedHash is returned by VerifyPassword for a string that is not an
// argon2id PHC string this package can verify.
var ErrMalformedHash = errors.New("auth: malformed argon2id password hash")

// HashPassword returns the argon2id hash of password with DefaultArgon2 and a
// fresh random salt, in PHC string form:
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>
//
// with salt and hash in unpadded standard base64.
func HashPassword(password string) (phc string, err error) {
	return HashPasswordWith(DefaultArgon2, password)
}

// HashPasswordWith is HashPassword with the parameters p, for a caller
// that has its own cost (canvass demo's throwaway accounts); the PHC
// string records them, so VerifyPassword needs nothing more.
func HashPasswordWith(p Argon2Params, password string) (phc string, err error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	key := argon2idKey(password, salt, p)
	return encodePHC(p, salt, key), nil
}

// VerifyPassword reports whether password matches the PHC string phc. The
// comparison is constant time. err is non-nil only when phc is malformed (then
// ok is false), never for a wrong password.
func VerifyPassword(phc, password string) (ok bool, err error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2idKey(password, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether phc was made with parameters other than
// DefaultArgon2 (or is malformed), so the caller should store a new hash the
// next time the user signs in with the right password.
func NeedsRehash(phc string) bool {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return true
	}
	d := DefaultArgon2
	return p.Time != d.Time || p.MemoryKiB != d.MemoryKiB || p.Threads != d.Threads ||
		uint32(len(salt)) < d.SaltLen || uint32(len(key)) < d.KeyLen
}

func argon2idKey(password string, salt []byte, p Argon2Params) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
}

var b64 = base64.RawStdEncoding

func encodePHC(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC reads the exact form encodePHC writes. It is strict (one
// parameter order, canonical numbers and base64) so that each hash has one
// spelling; the error never quotes the input, which holds a password hash.
func parsePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	fail := func(why string) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	// The base64 decoder skips newlines; refuse them so each hash has one
	// spelling.
	if strings.ContainsAny(phc, "\r\n") {
		return fail("contains a line break")
	}
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported argon2 version")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return fail("want parameters m=…,t=…,p=…")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return fail("want parameters m=…,t=…,p=… in that order")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || strconv.FormatUint(n, 10) != v {
			return fail("parameter " + name + " is not a canonical decimal number")
		}
		vals[i] = n
	}
	p.MemoryKiB, p.Time = uint32(vals[0]), uint32(vals[1])
	if vals[2] < 1 || vals[2] > 255 {
		return fail("parallelism out of range 1..255")
	}
	p.Threads = uint8(vals[2])
	if p.Time < 1 || p.Time > maxArgon2Time {
		return fail(fmt.Sprintf("time cost out of range 1..%d", maxArgon2Time))
	}
	if p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgon2Memory {
		return fail(fmt.Sprintf("memory cost out of range 8·p..%d KiB", maxArgon2Memory))
	}
	salt, err = b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return fail(fmt.Sprintf("salt is not %d..%d bytes of unpadded base64", minSaltLen, maxSaltLen))
	}
	key, err = b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return fail(fmt.Sprintf("hash is not %d..%d bytes of unpadded base64", minKeyLen, maxKeyLen))
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// Password length rules (NIST SP 800-63B-4 §3.1.1.2): at least 15 characters
// is the rule there for single-factor passwords; canvass always adds a second
// factor, for which 8 is the floor, and asks for 12 as a compromise that
// still allows memorable passphrases. The upper bound keeps hashing cost
// predictable while allowing long passphrases.
const (
	MinPasswordRunes = 12
	MaxPasswordBytes = 256
)

// ErrWeakPassword is the errors.Is target for every error CheckPassword
// returns.
var ErrWeakPassword = errors.New("weak password")

// weakPasswordError carries advice for the user; it never quotes the password.
type weakPasswordError struct{ advice string }

func (e *weakPasswordError) Error() string { return "weak password: " + e.advice }
func (e *weakPasswordError) Unwrap() error { return ErrWeakPassword }

func weak(advice string) error { return &weakPasswordError{advice} }

//go:embed commonpasswords/passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 30000)
	for line := range strings.Lines(commonPasswordsText) {
		if w := strings.TrimSpace(line); w != "" {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

func isCommonPassword(lower string) bool {
	_, ok := commonPasswords()[lower]
	return ok
}

// CheckPassword applies the NIST SP 800-63B rules for a password a person
// chooses: at least MinPasswordRunes characters, at most MaxPasswordBytes
// bytes, not one of the shipped common passwords (compared without regard to
// case, also after stripping trailing digits and symbols), not a run of one
// character, a straight sequence or a short repeated pattern, and not
// containing any of the forbidden strings (compared without regard to case;
// pass the user name, real name, the office's origin and the like; strings
// shorter than 3 characters are ignored). There are deliberately no
// composition rules (800-63B forbids them). Every error wraps
// ErrWeakPassword and tells the user what to do.
func CheckPassword(password string, forbidden ...string) error {
	if !utf8.ValidString(password) {
		return weak("the password is not valid text; type it again")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordRunes {
		return weak(fmt.Sprintf("use at least %d characters; a few unrelated words make a long password that is easy to remember", MinPasswordRunes))
	}
	if len(password) > MaxPasswordBytes {
		return weak(fmt.Sprintf("use at most %d bytes", MaxPasswordBytes))
	}
	lower := strings.ToLower(password)
	if isCommonPassword(lower) {
		return weak("this password is on a list of common passwords that attackers try first; choose another")
	}
	if stem := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }); stem != lower && isCommonPassword(stem) {
		return weak("this is a common password with digits or symbols added, which attackers try first; choose another")
	}
	if repeatsPattern(lower) {
		return weak("the password repeats a short pattern; choose something less predictable")
	}
	if isSequence(lower) {
		return weak("the password is a sequence of consecutive characters; choose something less predictable")
	}
	for _, f := range forbidden {
		f = strings.ToLower(strings.TrimSpace(f))
		if utf8.RuneCountInString(f) < 3 {
			continue
		}
		if strings.Contains(lower, f) {
			return weak("the password must not contain your user name, your name or the office's name; choose another")
		}
	}
	return nil
}

// repeatsPattern reports whether s is one substring of at most 4 runes
// repeated ("aaaaaaaaaaaa", "abcabcabcabc").
func repeatsPattern(s string) bool {
	r := []rune(s)
	for period := 1; period <= 4 && period < len(r); period++ {
		if len(r)%period != 0 {
			continue
		}
		same := true
		for i := period; i < len(r) && same; i++ {
			same = r[i] == r[i-period]
		}
		if same {
			return true
		}
	}
	return false
}

// isSequence reports whether every rune of s is one more (or every one one
// less) than the one before, digits wrapping from 9 to 0 as on a keyboard
// ("abcdefghijkl", "123456789012", "987654321098").
func isSequence(s string) bool {
	r := []rune(s)
	if len(r) < 2 {
		return false
	}
	step := func(a, b rune) rune {
		d := b - a
		if isDigit(a) && isDigit(b) {
			switch d {
			case -9:
				d = 1
			case 9:
				d = -1
			}
		}
		return d
	}
	d := step(r[0], r[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(r); i++ {
		if step(r[i-1], r[i]) != d {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }
