//go:build unix

package verify_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far, to report
// verification's cost apart from other load on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
