// Package blobs is the office's content-addressed file store: every file
// (a CVR export, an RCTab configuration, a report, a published page) is
// stored once, under DIR/sha256/<hex> where hex is the SHA-256 of its bytes.
// The election log commits to files by name, size and SHA-256, so the log
// plus this directory is the whole record.
//
// Files are hashed while they are read, written to a temporary file,
// fsynced and renamed into place, so a crash leaves either the complete
// file or nothing under its name.
package blobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrTooLarge is returned by Put when the content exceeds the limit.
var ErrTooLarge = errors.New("blobs: file exceeds the size limit")

// ErrNotFound is returned by Open for a hash that is not stored.
var ErrNotFound = errors.New("blobs: no file with that SHA-256")

// Ref identifies stored content.
type Ref struct {
	// SHA256 is the lower-case hex SHA-256 of the content.
	SHA256 string `json:"sha256"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
}

// Store is a directory of content-addressed files. It is safe for
// concurrent use: two writers of the same content rename identical files
// onto the same name.
type Store struct {
	dir string
}

// Open opens (creating if needed) the store rooted at dir.
func Open(dir string) (*Store, error) {
	for _, d := range []string{filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return &Store{dir: dir}, nil
}

// Put stores what r yields, at most max bytes (max ≤ 0 means no limit),
// and returns its reference. The content is hashed as it is copied, not
// read twice. On error nothing is stored.
func (s *Store) Put(r io.Reader, max int64) (Ref, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return Ref{}, err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	h := sha256.New()
	src := r
	if max > 0 {
		// Read one byte more than allowed to tell "exactly max" from "more".
		src = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err == nil && max > 0 && n > max {
		err = ErrTooLarge
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Ref{}, err
	}
	ref := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	final := s.Path(ref.SHA256)
	if fi, err := os.Stat(final); err == nil && fi.Size() == n {
		return ref, nil
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		return Ref{}, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return Ref{}, err
	}
	return ref, syncDir(filepath.Dir(final))
}

// PutBytes stores b.
func (s *Store) PutBytes(b []byte) (Ref, error) {
	return s.Put(bytesReader(b), 0)
}

// Path returns the file name of the content with the given hash. It does
// not check that the content exists; callers pass only hashes they
// validated (64 lower-case hex digits).
func (s *Store) Path(sha string) string {
	return filepath.Join(s.dir, "sha256", sha)
}

// Open opens the content with the given hash.
func (s *Store) Open(sha string) (*os.File, error) {
	if !ValidHash(sha) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.Path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sha)
	}
	return f, err
}

// ReadAll returns the content with the given hash.
func (s *Store) ReadAll(sha string) ([]byte, error) {
	f, err := s.Open(sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// ValidHash reports whether s is 64 lower-case hex digits.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type byteSliceReader struct{ b []byte }

func (r *byteSliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &byteSliceReader{b} }
