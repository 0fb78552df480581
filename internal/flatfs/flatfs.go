// Package flatfs helps build an fs.FS over a flat set of slash-separated
// names — files kept by content address with their names beside them, or
// bytes in memory — where directories exist only as the prefixes of names.
// The office's view of uploaded files and the verifier's view of an
// evidence package are both such file systems. It does no I/O.
package flatfs

import (
	"io/fs"
	"iter"
	"sort"
	"strings"
	"time"
)

// File returns the fs.FileInfo of a read-only file known only by its name
// and size: mode 0444, no modification time.
func File(name string, size int64) fs.FileInfo { return info{name: name, size: size} }

// Dir returns the fs.FileInfo of a directory that exists only as a prefix
// of names: mode 0555, no modification time.
func Dir(name string) fs.FileInfo { return info{name: name, dir: true} }

type info struct {
	name string
	size int64
	dir  bool
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.size }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }

// Children returns the direct children of dir (fs.ValidPath form, "." for
// the root) among names, each a file with its size or a directory standing
// for the names below it, sorted by name; nil if dir has none, that is, if
// it is not a directory.
func Children(dir string, names iter.Seq2[string, int64]) []fs.DirEntry {
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	seen := map[string]fs.DirEntry{}
	for name, size := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" {
			continue
		}
		if child, _, isDir := strings.Cut(rest, "/"); isDir {
			seen[child] = fs.FileInfoToDirEntry(Dir(child))
		} else {
			seen[rest] = fs.FileInfoToDirEntry(File(rest, size))
		}
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
