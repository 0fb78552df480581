package office

import (
	"bytes"
	"github.com/canvass/canvass/internal/flatfs"
	"io"
	"io/fs"
	"path"

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
		return &memFile{Reader: bytes.NewReader(b), info: flatfs.File(path.Base(name), int64(len(b)))}, nil
	}
	if f, ok := u.files[name]; ok {
		file, err := u.blobs.Open(f.SHA256)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &blobFile{File: file, info: flatfs.File(path.Base(name), f.Size)}, nil
	}
	entries := u.readDir(name)
	if entries == nil && name != "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &dirFile{info: flatfs.Dir(path.Base(name)), entries: entries}, nil
}

// readDir lists the direct children of dir, or nil if there are none.
func (u *uploadFS) readDir(dir string) []fs.DirEntry {
	return flatfs.Children(dir, func(yield func(string, int64) bool) {
		for n, f := range u.files {
			if !yield(n, f.Size) {
				return
			}
		}
		for n, b := range u.extra {
			if !yield(n, int64(len(b))) {
				return
			}
		}
	})
}

type blobFile struct {
	File interface {
		io.ReadSeekCloser
		io.ReaderAt
	}
	info fs.FileInfo
}

func (f *blobFile) Stat() (fs.FileInfo, error)                { return f.info, nil }
func (f *blobFile) Read(p []byte) (int, error)                { return f.File.Read(p) }
func (f *blobFile) ReadAt(p []byte, off int64) (int, error)   { return f.File.ReadAt(p, off) }
func (f *blobFile) Seek(off int64, whence int) (int64, error) { return f.File.Seek(off, whence) }
func (f *blobFile) Close() error                              { return f.File.Close() }

type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: fs.ErrInvalid}
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
