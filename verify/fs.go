package verify

import (
	"context"
	"errors"
	"fmt"
	"github.com/canvass/canvass/internal/flatfs"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
)

// LogDir, FilesDir, VKeyName, PolicyName and EvidenceName are the package
// layout (docs/evidence.md): the log under log/, the committed files under
// files/sha256/<hex>, the log's verifier key and witness policy at the
// root, and the claims in evidence.json.
const (
	LogDir       = "log"
	FilesDir     = "files/sha256"
	VKeyName     = "vkey"
	PolicyName   = "policy"
	EvidenceName = "evidence.json"
)

// FilePath is the package path of the file with SHA-256 hex digest sum.
func FilePath(sum string) string { return FilesDir + "/" + sum }

// fsFetcher reads a log under dir in fsys, as ledger.Fetcher.
type fsFetcher struct {
	fsys fs.FS
	dir  string
}

func (f fsFetcher) Fetch(ctx context.Context, p string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return fs.ReadFile(f.fsys, path.Join(f.dir, p))
}

// recordingFetcher remembers every resource it fetched (entry bundles
// only, unless all is set), so that the entries read are exactly those
// ledger.Verify checked: a server cannot answer the second read
// differently from the first.
type recordingFetcher struct {
	f       ledger.Fetcher
	all     bool
	mu      sync.Mutex
	bundles map[string][]byte
}

func (r *recordingFetcher) Fetch(ctx context.Context, p string) ([]byte, error) {
	b, err := r.f.Fetch(ctx, p)
	if err == nil && (r.all || strings.HasPrefix(p, "tile/entries/")) {
		r.mu.Lock()
		r.bundles[p] = b
		r.mu.Unlock()
	}
	return b, err
}

// Log is a verified log: its checkpoint, its entries, and every resource
// read to verify it, by tlog-tiles path (what a copy of the log needs).
type Log struct {
	Checkpoint *ledger.SignedCheckpoint
	Entries    [][]byte
	Resources  map[string][]byte
}

// ReadLog verifies the log f serves against vkey (and policy, if not nil)
// and returns it. The exporter uses it so that it only ever publishes a
// log that verifies.
func ReadLog(ctx context.Context, f ledger.Fetcher, vkey string, policy *witness.Policy) (*Log, error) {
	rf := &recordingFetcher{f: f, all: true, bundles: map[string][]byte{}}
	vr, err := ledger.Verify(ctx, rf, ledger.VerifyOptions{VKey: vkey, Policy: policy})
	if err != nil {
		return nil, err
	}
	entries, err := rf.entries(vr.Checkpoint.Size)
	if err != nil {
		return nil, err
	}
	rf.bundles[ledger.CheckpointPath] = vr.Checkpoint.Note
	return &Log{Checkpoint: vr.Checkpoint, Entries: entries, Resources: rf.bundles}, nil
}

// entries returns the size entries of the verified log, from the bundles
// Verify fetched.
func (r *recordingFetcher) entries(size uint64) ([][]byte, error) {
	out := make([][]byte, 0, size)
	for i := uint64(0); i*ledger.TileWidth < size; i++ {
		width := min(uint64(ledger.TileWidth), size-i*ledger.TileWidth)
		b, ok := r.bundles[ledger.EntriesPath(i, int(width))]
		if !ok {
			b, ok = r.bundles[ledger.EntriesPath(i, ledger.TileWidth)]
		}
		if !ok {
			return nil, fmt.Errorf("entry bundle %d was not read during verification", i)
		}
		for j := uint64(0); j < width; j++ {
			if len(b) < 2 {
				return nil, fmt.Errorf("entry bundle %d is short", i)
			}
			n := int(b[0])<<8 | int(b[1])
			if len(b) < 2+n {
				return nil, fmt.Errorf("entry bundle %d is short", i)
			}
			out = append(out, b[2:2+n])
			b = b[2+n:]
		}
	}
	return out, nil
}

// namedFS presents committed files under the names a tabulation read them
// by, reading each from the package only when it is opened. It is what
// package count reads when the verifier re-tabulates.
type namedFS struct {
	pkg   fs.FS
	files map[string]string // name → package path
	extra map[string][]byte
}

func (n *namedFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if b, ok := n.extra[name]; ok {
		return &memFile{name: name, r: strings.NewReader(string(b)), size: int64(len(b))}, nil
	}
	if p, ok := n.files[name]; ok {
		return n.pkg.Open(p)
	}
	// A directory: every name below it. Package files' sizes are not
	// known without opening them, hence -1.
	ents := flatfs.Children(name, func(yield func(string, int64) bool) {
		for f := range n.files {
			if !yield(f, -1) {
				return
			}
		}
		for f, b := range n.extra {
			if !yield(f, int64(len(b))) {
				return
			}
		}
	})
	if ents == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &dirFile{name: path.Base(name), ents: ents}, nil
}

type memFile struct {
	name string
	r    *strings.Reader
	size int64
}

func (m *memFile) Stat() (fs.FileInfo, error) {
	return flatfs.File(path.Base(m.name), m.size), nil
}
func (m *memFile) Read(p []byte) (int, error) { return m.r.Read(p) }
func (m *memFile) Close() error               { return nil }

type dirFile struct {
	name string
	ents []fs.DirEntry
	pos  int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return flatfs.Dir(d.name), nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.pos:]
	if n <= 0 {
		d.pos = len(d.ents)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.pos += len(rest)
	return rest, nil
}
