package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestThrottleLockout(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)
	var th Throttle
	now := t0
	for i := 1; i < LockAfter; i++ {
		th.Fail(now)
		if err := th.Check(now); err != nil {
			t.Fatalf("after %d failures: %v, want no lock", i, err)
		}
		now = now.Add(time.Second)
	}
	th.Fail(now) // the 5th
	err := th.Check(now)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("after %d failures: Check = %v, want ErrLocked", LockAfter, err)
	}
	if !strings.Contains(err.Error(), now.Add(15*time.Minute).Format(time.RFC3339)) {
		t.Errorf("lock error %q does not say when it ends", err)
	}
	if th.Check(now.Add(15*time.Minute-time.Nanosecond)) == nil {
		t.Error("lock ended early")
	}
	// Each failure after a lock ends locks again for twice as long, up to 24 h.
	want := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for _, d := range want {
		now = th.LockedUntil
		if err := th.Check(now); err != nil {
			t.Fatalf("at the end of the lock: %v", err)
		}
		th.Fail(now)
		if got := th.LockedUntil.Sub(now); got != d {
			t.Errorf("failure %d: locked for %v, want %v", th.Failures, got, d)
		}
	}
	th.Succeed()
	if th != (Throttle{}) {
		t.Errorf("after Succeed: %+v, want zero", th)
	}
	th.Fail(now)
	if th.Check(now) != nil {
		t.Error("one failure after a success locked the account")
	}
}
