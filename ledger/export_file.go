//go:build !js

package ledger

import (
	"context"
	"os"
	"path/filepath"
)

// ExportNISTFile is ExportNIST into a file that is replaced only once the
// whole export succeeded (temporary file, fsync, rename).
func ExportNISTFile(ctx context.Context, f Fetcher, path string, opts ExportOptions) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return err
	}
	err = ExportNIST(ctx, f, tmp, opts)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(filepath.Dir(path))
}
