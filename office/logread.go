package office

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/canvass/canvass/ledger"
)

// readEntries calls fn with every entry of the log in dir at indexes
// [from, to), parsed and checked at its index. It reads the committed
// entry bundles directly (tlog-tiles layout), including the partial
// bundle beyond the last full tile.
func readEntries(ctx context.Context, dir, origin string, from, to uint64, fn func(ledger.Event) error) error {
	const w = ledger.TileWidth
	for n := from / w; n*w < to; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		width := w
		if end := (n + 1) * w; end > to {
			width = int(to - n*w)
		}
		data, err := readBundle(dir, n, width)
		if err != nil {
			return err
		}
		for i := 0; i < width; i++ {
			if len(data) < 2 {
				return fmt.Errorf("entry bundle %d is truncated", n)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				return fmt.Errorf("entry bundle %d is truncated", n)
			}
			entry := data[2 : 2+l]
			data = data[2+l:]
			idx := n*w + uint64(i)
			if idx < from {
				continue
			}
			e, err := ledger.ParseEntry(entry, origin, idx)
			if err != nil {
				return fmt.Errorf("log entry %d: %w", idx, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// readBundle reads entry bundle n holding width entries: the full bundle
// when width is TileWidth, else the partial one (or, if the tile has
// filled since, the full one, whose first entries are the same).
func readBundle(dir string, n uint64, width int) ([]byte, error) {
	p := filepath.Join(dir, filepath.FromSlash(ledger.EntriesPath(n, width)))
	data, err := os.ReadFile(p)
	if err != nil && width < ledger.TileWidth {
		data, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(ledger.EntriesPath(n, ledger.TileWidth))))
	}
	return data, err
}

// Events calls fn with every event in the office's log, in order.
func (o *Office) Events(ctx context.Context, fn func(ledger.Event) error) error {
	return readEntries(ctx, o.LogDir(), o.origin, 0, o.log.Size(), fn)
}

// LogSize returns the number of entries in the office's log.
func (o *Office) LogSize() uint64 { return o.log.Size() }
