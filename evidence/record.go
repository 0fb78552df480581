package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"sort"
	"sync"
	"time"
)

// Recorder commits to the files a count reads. A manifest must describe
// the bytes the count actually used: hashing the inputs again afterwards
// would read a second copy, which a file changed in between (or a network
// share, or a hostile file system) could make differ. So the hash is
// computed from the very bytes each reader consumes, by wrapping every file
// the readers open (cvr.Source.Open does this when the source carries a
// Recorder).
//
// A file opened several times (as the CDF reader's two passes do) must
// look the same to the file system each time (size and modification time)
// and, when read in full more than once before the first complete read is
// recorded, give the same bytes; otherwise Inputs reports that it changed
// while the count read it. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	order []string
	files map[string]*recorded
}

type recorded struct {
	file     File
	complete bool
	changed  bool
	reopen   func() (fs.File, error)
	// size and mod are what the file system said at the first open.
	size int64
	mod  time.Time
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{files: map[string]*recorded{}}
}

// Wrap returns f, just opened as name, wrapped so that reading it to the
// end records its commitment under name. reopen opens it again, for
// Inputs to finish a file a reader did not read to the end. Directories
// pass through unchanged.
func (r *Recorder) Wrap(name string, f fs.File, reopen func() (fs.File, error)) (fs.File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return f, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.files[name]
	if rec == nil {
		rec = &recorded{file: File{Path: name}, reopen: reopen, size: st.Size(), mod: st.ModTime()}
		r.files[name] = rec
		r.order = append(r.order, name)
	}
	if st.Size() != rec.size || !st.ModTime().Equal(rec.mod) {
		rec.changed = true
	}
	if rec.complete {
		// Hashing a second full read (the CDF reader's second pass over
		// a gigabyte) would cost as much as the first; the size and
		// time the file system reports catch a file rewritten between
		// the passes.
		return f, nil
	}
	return &hashingFile{File: f, r: r, name: name, h: sha256.New()}, nil
}

// done records a complete read of name.
func (r *Recorder) done(name string, n int64, sum []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.files[name]
	f := File{Path: name, Size: n, SHA256: hex.EncodeToString(sum)}
	if rec.complete && rec.file != f {
		rec.changed = true
	}
	if !rec.complete {
		rec.file, rec.complete = f, true
	}
}

// ErrChanged is wrapped by the error Inputs returns for a file whose bytes
// differed between two reads of one count.
var ErrChanged = errors.New("input changed while it was being read")

// Inputs returns the commitment to every regular file opened so far, sorted
// by path. A file a reader opened but did not read to the end (a format
// check that peeks at the first byte) is read to the end here, so every
// opened file is committed to in full.
func (r *Recorder) Inputs() ([]File, error) {
	r.mu.Lock()
	names := append([]string(nil), r.order...)
	r.mu.Unlock()
	var out []File
	for _, name := range names {
		r.mu.Lock()
		rec := *r.files[name]
		r.mu.Unlock()
		if rec.changed {
			return nil, fmt.Errorf("%s: %w; count again from a copy nothing writes to", name, ErrChanged)
		}
		if !rec.complete {
			f, err := rec.reopen()
			if err == nil {
				f, err = r.Wrap(name, f, rec.reopen)
			}
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(io.Discard, f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("hashing %s: %w", name, err)
			}
			r.mu.Lock()
			rec = *r.files[name]
			r.mu.Unlock()
		}
		out = append(out, rec.file)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// hashingFile hashes what is read from it and reports a read that reached
// the end. Seeking or reading at offsets would break the correspondence
// between the hash and the file, so the wrapper offers neither: readers
// that need random access read the file into memory first.
type hashingFile struct {
	fs.File
	r    *Recorder
	name string
	h    hash.Hash
	n    int64
	eof  bool
}

func (f *hashingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.h.Write(p[:n])
	f.n += int64(n)
	if err == io.EOF && !f.eof {
		f.eof = true
		f.r.done(f.name, f.n, f.h.Sum(nil))
	}
	return n, err
}
