//go:build !unix && !js

package ledger

import (
	"context"
	"errors"
	"os"
)

// lockDir is not implemented off Unix: without a writer lock two
// processes could sequence different entries at the same index.
func lockDir(ctx context.Context, path string) (*os.File, error) {
	return nil, errors.New("writing a log needs flock, which this platform lacks; use Linux or another Unix")
}
