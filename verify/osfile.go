//go:build !js

package verify

import "os"

// readOSFile reads an input a results manifest names by its operating
// system path (count itself reads such paths when given no fs.FS).
func readOSFile(p string) ([]byte, error) { return os.ReadFile(p) }
