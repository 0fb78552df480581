package ledger

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileWidth is the number of hashes in a full tile and of entries in a
// full entry bundle.
const TileWidth = 256

// tileHeight is log2(TileWidth), the tile height in tlog's terms.
const tileHeight = 8

// CheckpointPath is the path of the checkpoint, relative to the log prefix.
const CheckpointPath = "checkpoint"

// TilePath returns the tlog-tiles path of the Merkle tile at level and index
// with width hashes: tile/<L>/<N>[.p/<W>].
func TilePath(level int, index uint64, width int) string {
	return tileResourcePath(strconv.Itoa(level), index, width)
}

// EntriesPath returns the tlog-tiles path of an entry bundle:
// tile/entries/<N>[.p/<W>].
func EntriesPath(index uint64, width int) string {
	return tileResourcePath("entries", index, width)
}

func tileResourcePath(level string, index uint64, width int) string {
	var b strings.Builder
	b.WriteString("tile/")
	b.WriteString(level)
	b.WriteByte('/')
	b.WriteString(encodeTileIndex(index))
	if width < TileWidth {
		b.WriteString(".p/")
		b.WriteString(strconv.Itoa(width))
	}
	return b.String()
}

// encodeTileIndex writes n as 3-digit groups, all but the last prefixed
// with "x": 1234067 → x001/x234/067.
func encodeTileIndex(n uint64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

// Resource is a parsed tlog-tiles resource path.
type Resource struct {
	// Checkpoint is set for the checkpoint path; the other fields are
	// then zero.
	Checkpoint bool
	// Entries is set for entry bundles; otherwise Level is the tile level.
	Entries bool
	Level   int
	Index   uint64
	// Width is the number of hashes or entries: TileWidth for a full
	// tile, 1–255 for a partial one.
	Width int
}

// ParseResourcePath parses a path relative to the log prefix, accepting
// exactly the canonical spellings that TilePath, EntriesPath and
// CheckpointPath produce, so that no two paths name the same resource.
func ParseResourcePath(p string) (Resource, error) {
	if p == CheckpointPath {
		return Resource{Checkpoint: true}, nil
	}
	bad := func(why string) (Resource, error) {
		return Resource{}, fmt.Errorf("%q is not a tlog-tiles path: %s", p, why)
	}
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return bad("expected checkpoint or tile/...")
	}
	level, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("missing tile index")
	}
	var r Resource
	if level == "entries" {
		r.Entries = true
	} else {
		if !isDecimal(level) {
			return bad("level must be a decimal number without leading zeroes")
		}
		l, err := strconv.Atoi(level)
		if err != nil || l > 63 {
			return bad("level must be 0 to 63")
		}
		r.Level = l
	}
	idx, width, partial := strings.Cut(rest, ".p/")
	r.Width = TileWidth
	if partial {
		if !isDecimal(width) {
			return bad("width must be a decimal number without leading zeroes")
		}
		w, err := strconv.Atoi(width)
		if err != nil || w < 1 || w >= TileWidth {
			return bad("partial width must be 1 to 255")
		}
		r.Width = w
	}
	parts := strings.Split(idx, "/")
	var n uint64
	for i, part := range parts {
		if i < len(parts)-1 {
			var ok bool
			if part, ok = strings.CutPrefix(part, "x"); !ok {
				return bad("all but the last index element must start with x")
			}
		}
		if len(part) != 3 || part[0] < '0' || part[0] > '9' || part[1] < '0' || part[1] > '9' || part[2] < '0' || part[2] > '9' {
			return bad("index elements must be 3 digits")
		}
		d, _ := strconv.Atoi(part)
		if n > (1<<64-1)/1000 {
			return bad("index out of range")
		}
		n = n*1000 + uint64(d)
	}
	if len(parts) > 1 && strings.TrimPrefix(parts[0], "x") == "000" {
		return bad("index has a leading zero element")
	}
	r.Index = n
	return r, nil
}

// Path returns the canonical path of r.
func (r Resource) Path() string {
	switch {
	case r.Checkpoint:
		return CheckpointPath
	case r.Entries:
		return EntriesPath(r.Index, r.Width)
	default:
		return TilePath(r.Level, r.Index, r.Width)
	}
}

// RequiredSize returns the smallest tree size whose checkpoint makes r
// exist: a log must not serve resources beyond its published checkpoint.
func (r Resource) RequiredSize() (uint64, bool) {
	if r.Checkpoint {
		return 0, true
	}
	level := r.Level
	if r.Entries {
		level = 0
	}
	// Entries covered: (Index*256 + Width) * 256^level, checked for overflow.
	n := r.Index
	if n > (1<<63)/TileWidth {
		return 0, false
	}
	n = n*TileWidth + uint64(r.Width)
	for i := 0; i < level; i++ {
		if n > (1<<63)/TileWidth {
			return 0, false
		}
		n *= TileWidth
	}
	return n, true
}

// appendBundleEntry appends one entry to an entry bundle: a big-endian
// uint16 length, then the bytes.
func appendBundleEntry(bundle, entry []byte) []byte {
	bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(entry)))
	return append(bundle, entry...)
}

// BundleError reports a malformed entry bundle.
type BundleError struct {
	Path   string
	Entry  int // position in the bundle
	Offset int // byte offset in the bundle
	Msg    string
}

// Error implements error.
func (e *BundleError) Error() string {
	return fmt.Sprintf("%s: entry %d at byte %d: %s", e.Path, e.Entry, e.Offset, e.Msg)
}

// splitBundle splits an entry bundle into its first n entries, returning
// them and the byte offset of each. It fails if the bundle holds fewer than
// n entries, or (when exact) holds more bytes after them.
func splitBundle(path string, b []byte, n int, exact bool) (entries [][]byte, offsets []int, err error) {
	entries = make([][]byte, 0, n)
	offsets = make([]int, 0, n)
	off := 0
	for i := 0; i < n; i++ {
		if len(b)-off < 2 {
			if off == len(b) {
				return nil, nil, &BundleError{Path: path, Entry: i, Offset: off, Msg: fmt.Sprintf("bundle ends after %d entries; expected %d (truncated)", i, n)}
			}
			return nil, nil, &BundleError{Path: path, Entry: i, Offset: off, Msg: "truncated length prefix"}
		}
		l := int(binary.BigEndian.Uint16(b[off:]))
		if len(b)-off-2 < l {
			return nil, nil, &BundleError{Path: path, Entry: i, Offset: off, Msg: fmt.Sprintf("length prefix says %d bytes but only %d remain (truncated)", l, len(b)-off-2)}
		}
		offsets = append(offsets, off)
		entries = append(entries, b[off+2:off+2+l])
		off += 2 + l
	}
	if exact && off != len(b) {
		return nil, nil, &BundleError{Path: path, Entry: n, Offset: off, Msg: fmt.Sprintf("%d unexpected bytes after the last of %d entries", len(b)-off, n)}
	}
	return entries, offsets, nil
}

// tileHashes splits tile data into hashes.
func tileHashes(data []byte) []tlog.Hash {
	hs := make([]tlog.Hash, len(data)/tlog.HashSize)
	for i := range hs {
		copy(hs[i][:], data[i*tlog.HashSize:])
	}
	return hs
}

// appendHashes appends hashes as tile data.
func appendHashes(dst []byte, hs []tlog.Hash) []byte {
	for i := range hs {
		dst = append(dst, hs[i][:]...)
	}
	return dst
}

// perfectRoot returns the Merkle root of a perfect subtree whose leaves (at
// its bottom level) are hs; len(hs) must be a power of two.
func perfectRoot(hs []tlog.Hash) tlog.Hash {
	if len(hs) == 1 {
		return hs[0]
	}
	buf := append([]tlog.Hash(nil), hs...)
	for n := len(buf); n > 1; n /= 2 {
		for i := 0; i < n/2; i++ {
			buf[i] = tlog.NodeHash(buf[2*i], buf[2*i+1])
		}
	}
	return buf[0]
}

// edgeRoot returns the RFC 6962 root of a tree described by its right
// edge: edge[l] holds the hashes at tile level l not yet grouped into a
// full tile (each covering 256^l leaves), from the left. Every perfect
// subtree of the tree's binary decomposition lies within one level, so the
// root is the right fold of those subtrees from the largest.
func edgeRoot(edge [][]tlog.Hash) tlog.Hash {
	var subtrees []tlog.Hash
	for l := len(edge) - 1; l >= 0; l-- {
		hs := edge[l]
		for len(hs) > 0 {
			k := 1
			for k*2 <= len(hs) {
				k *= 2
			}
			subtrees = append(subtrees, perfectRoot(hs[:k]))
			hs = hs[k:]
		}
	}
	if len(subtrees) == 0 {
		return emptyRoot
	}
	acc := subtrees[len(subtrees)-1]
	for i := len(subtrees) - 2; i >= 0; i-- {
		acc = tlog.NodeHash(subtrees[i], acc)
	}
	return acc
}
