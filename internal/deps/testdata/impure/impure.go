package impure

import "os"

// Env reads the environment: I/O a pure package must not do.
func Env() string { return os.Getenv("HOME") }
