package server_test

import (
	"os"
	"testing"

	"github.com/canvass/canvass/auth"
)

// TestMain makes argon2id cheap for this package's tests. At its
// production cost (64 MiB, 2 passes: about 100 ms of CPU) hashing was most
// of the suite's CPU time, since the tests enroll and sign in dozens of
// people. The PHC string carries its parameters, so nothing else changes;
// package auth tests the production cost and BenchmarkHashPassword times it.
func TestMain(m *testing.M) {
	auth.DefaultArgon2 = auth.Argon2Params{Time: 1, MemoryKiB: 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	os.Exit(m.Run())
}
