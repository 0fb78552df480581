//go:build !unix

package auth

import "time"

// cpuTime is not measured on this platform; cpu-ns/op reports 0.
func cpuTime() time.Duration { return 0 }
