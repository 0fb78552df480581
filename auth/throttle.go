package auth

import (
	"errors"
	"fmt"
	"time"
)

// Lockout policy. After LockAfter consecutive failures the account is locked
// for LockFor; every further failure (each one possible only after the lock
// ends) locks it again for twice as long as the one before, up to MaxLockFor.
// A success resets the count. So an online guesser gets 5 tries, then about
// one try per doubling period: at most a few dozen guesses a day, while a
// person who mistyped waits 15 minutes. NIST SP 800-63B asks for at most 100
// consecutive failed attempts per account.
const (
	LockAfter  = 5
	LockFor    = 15 * time.Minute
	MaxLockFor = 24 * time.Hour
)

// ErrLocked is the errors.Is target for Throttle.Check while an account is
// locked.
var ErrLocked = errors.New("auth: too many failed attempts; the account is locked")

// Throttle is the per-account failure count the caller stores with the
// account (it is a plain value, safe to store as three columns).
type Throttle struct {
	Failures    int       // consecutive failures since the last success
	LastFailure time.Time // time of the most recent failure
	LockedUntil time.Time // the account refuses attempts before this time
}

// Check returns nil if an attempt may be made at now, or an error wrapping
// ErrLocked that says when the lock ends. Call it before checking any
// credential, so that a locked account does not even reveal whether a
// password is right.
func (t Throttle) Check(now time.Time) error {
	if now.Before(t.LockedUntil) {
		return fmt.Errorf("%w until %s; try again then, or ask an administrator to unlock it",
			ErrLocked, t.LockedUntil.UTC().Format(time.RFC3339))
	}
	return nil
}

// Fail records a failed attempt at now and locks the account when the policy
// says so.
func (t *Throttle) Fail(now time.Time) {
	t.Failures++
	t.LastFailure = now
	if t.Failures < LockAfter {
		return
	}
	d := LockFor
	for i := LockAfter; i < t.Failures && d < MaxLockFor; i++ {
		d *= 2
	}
	d = min(d, MaxLockFor)
	t.LockedUntil = now.Add(d)
}

// Succeed records a successful attempt: the failure count and any lock end.
func (t *Throttle) Succeed() {
	*t = Throttle{}
}
