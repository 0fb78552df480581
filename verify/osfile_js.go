//go:build js

package verify

import "errors"

func readOSFile(string) ([]byte, error) {
	return nil, errors.New("no operating-system files in the browser; give the inputs as an fs.FS")
}
