package office

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/canvass/canvass/office/blobs"
)

// uploadFS presents an election's uploaded files, by the names they were
// uploaded under, as an fs.FS for the counting code: reads go straight to
// the content-addressed store, nothing is copied. Folders are implied by
// the names ("export/CvrExport_1.json" makes a folder "export").
type uploadFS struct {
	blobs *blobs.Store
	files map[string]FileRef
	// extra are small in-memory files (the RCTab configuration).
	extra map[string][]byte
}

func newUploadFS(b *blobs.Store, files []FileRef, extra map[string][]byte) *uploadFS {
	u := &uploadFS{blobs: b, files: map[string]FileRef{}, extra: extra}
	for _, f := range files {
		u.files[f.Name] = f
	}
	return u
}

// Open implements fs.FS.
func (u *uploadFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if b, ok := u.extra[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), info: fileInfo{name: path.Base(name), size: int64(len(b))}}, nil
	}
	if f, ok := u.files[name]; ok {
		file, err := u.blobs.Open(f.SHA256)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &blobFile{File: file, info: fileInfo{name: path.Base(name), size: f.Size}}, nil
	}
	entries := u.readDir(name)
	if entries == nil && name != "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &dirFile{info: fileInfo{name: path.Base(name), dir: true}, entries: entries}, nil
}

// readDir lists the direct children of dir, or nil if there are none.
func (u *uploadFS) readDir(dir string) []fs.DirEntry {
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	seen := map[string]fs.DirEntry{}
	add := func(name string, size int64) {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" {
			return
		}
		if child, _, isDir := strings.Cut(rest, "/"); isDir {
			seen[child] = fs.FileInfoToDirEntry(fileInfo{name: child, dir: true})
		} else {
			seen[rest] = fs.FileInfoToDirEntry(fileInfo{name: rest, size: size})
		}
	}
	for n, f := range u.files {
		add(n, f.Size)
	}
	for n, b := range u.extra {
		add(n, int64(len(b)))
	}
	if len(seen) == 0 {
		return nil
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

type fileInfo struct {
	name string
	size int64
	dir  bool
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.size }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }

type blobFile struct {
	File interface {
		io.ReadSeekCloser
		io.ReaderAt
	}
	info fileInfo
}

func (f *blobFile) Stat() (fs.FileInfo, error)                { return f.info, nil }
func (f *blobFile) Read(p []byte) (int, error)                { return f.File.Read(p) }
func (f *blobFile) ReadAt(p []byte, off int64) (int, error)   { return f.File.ReadAt(p, off) }
func (f *blobFile) Seek(off int64, whence int) (int64, error) { return f.File.Seek(off, whence) }
func (f *blobFile) Close() error                              { return f.File.Close() }

type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
