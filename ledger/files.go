//go:build !js

package ledger

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/canvass/canvass/internal/durable"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Durable file writing. Every file of the log is written to a temporary
// file in the private state directory, fsynced, renamed into place, and its
// directory fsynced before the write counts as done, so that a crash at any
// instant leaves either the old or the new file and never a torn one, and
// nothing half-written in the published tree.

// durableWriter writes files under root in groups: write stages a file,
// commit makes every staged file durable and visible together. commit
// fsyncs the files (in parallel, which lets the device merge the flushes),
// renames them into place, then fsyncs every directory that changed.
type durableWriter struct {
	root    string
	tmpDir  string
	perm    fs.FileMode
	pending []pendingFile
	dirs    map[string]bool
}

type pendingFile struct {
	f        *os.File
	tmp, dst string
}

// syncParallelism bounds concurrent fsyncs.
const syncParallelism = 16

func newDurableWriter(root, tmpDir string) *durableWriter {
	return &durableWriter{root: root, tmpDir: tmpDir, dirs: map[string]bool{}, perm: 0o644}
}

// write stages data for root/rel; it is durable and visible only after
// commit.
func (w *durableWriter) write(rel string, data []byte) error {
	dst := filepath.Join(w.root, filepath.FromSlash(rel))
	if err := w.mkdirs(filepath.Dir(dst)); err != nil {
		return err
	}
	f, tmp, err := createTemp(w.tmpDir, w.perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	w.pending = append(w.pending, pendingFile{f: f, tmp: tmp, dst: dst})
	return nil
}

// mkdirs creates dir and any missing parents, scheduling each new
// directory's parent for an fsync.
func (w *durableWriter) mkdirs(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := w.mkdirs(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	w.dirs[parent] = true
	return nil
}

// abort drops the staged files.
func (w *durableWriter) abort() {
	for _, p := range w.pending {
		p.f.Close()
		os.Remove(p.tmp)
	}
	w.pending = nil
}

// commit makes the staged files durable and visible. On error some files
// may have been renamed into place; callers treat that as uncommitted data
// (it is not referenced by the tree state) and stop.
func (w *durableWriter) commit() error {
	pending := w.pending
	w.pending = nil
	defer func() {
		for _, p := range pending {
			os.Remove(p.tmp) // no-op once renamed
		}
	}()
	err := parallel(len(pending), func(i int) error {
		p := pending[i]
		err := p.f.Sync()
		if cerr := p.f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("syncing %s: %w", p.dst, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range pending {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			return err
		}
		w.dirs[filepath.Dir(p.dst)] = true
	}
	dirs := make([]string, 0, len(w.dirs))
	for d := range w.dirs {
		dirs = append(dirs, d)
	}
	clear(w.dirs)
	return parallel(len(dirs), func(i int) error { return syncDir(dirs[i]) })
}

// parallel runs f(0..n-1) on up to syncParallelism goroutines and returns
// the first error.
func parallel(n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for g := 0; g < min(n, syncParallelism); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// createTemp creates a new file in dir with a random name.
func createTemp(dir string, perm fs.FileMode) (*os.File, string, error) {
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, "", err
	}
	name := filepath.Join(dir, "tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, "", err
	}
	return f, name, nil
}

func syncDir(dir string) error {
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// ReadState reads a verifier state file: the last verified signed
// checkpoint. A missing file returns nil and no error (first use).
func ReadState(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("state file %s is empty; delete it to start over (trusting the log's current checkpoint)", path)
	}
	return b, nil
}

// WriteState atomically replaces the verifier state file with a newly
// verified signed checkpoint.
func WriteState(path string, checkpoint []byte) error {
	if err := durable.WriteFile(path, checkpoint, 0o644); err != nil {
		return fmt.Errorf("updating state file: %w", err)
	}
	return nil
}
