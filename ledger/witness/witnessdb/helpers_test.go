package witnessdb

import (
	"path/filepath"
	"testing"
)

func tempDB(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "witness.db")
}

const origin = "canvass.example/county-42"
