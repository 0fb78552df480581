package cvr

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Open opens name, src.Path or a file inside the folder it names. With
// src.FS set the name is a path in that file system, and one that is not
// valid there (fs.ValidPath: absolute, or climbing out with "..") is
// refused before anything is opened; with src.FS nil it is an operating
// system path, as given on a command line. Every reader opens its files
// here, so src.Record sees every byte they read.
func (src Source) Open(name string) (fs.File, error) {
	f, err := src.open(name)
	if err != nil || src.Record == nil {
		return f, err
	}
	return src.Record.Wrap(name, f, func() (fs.File, error) { return src.open(name) })
}

func (src Source) open(name string) (fs.File, error) {
	if src.FS == nil {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errInvalidPath}
	}
	return src.FS.Open(name)
}

// ReadDir lists the folder name as Open would find it.
func (src Source) ReadDir(name string) ([]fs.DirEntry, error) {
	if src.FS == nil {
		return os.ReadDir(name)
	}
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errInvalidPath}
	}
	return fs.ReadDir(src.FS, name)
}

// Stat describes name as Open would find it.
func (src Source) Stat(name string) (fs.FileInfo, error) {
	if src.FS == nil {
		return os.Stat(name)
	}
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: errInvalidPath}
	}
	return fs.Stat(src.FS, name)
}

// Join names the entry elem of the folder dir, in the form src's paths
// take: slash-separated in src.FS, the operating system's form otherwise.
func (src Source) Join(dir, elem string) string {
	if src.FS == nil {
		return filepath.Join(dir, elem)
	}
	return path.Join(dir, elem)
}

var errInvalidPath = errors.New("not a path inside the input folder (absolute, or leading out of it with \"..\")")
