package office

// The public evidence package of an election (docs/evidence.md): the log,
// its verifier key and witness policy, every public file the log commits
// to, and evidence.json, which package verify derives from the log so
// that a verifier can derive it again and compare.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/canvass/canvass/internal/flatfs"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/verify"
)

// ExportEvidence writes the evidence package of election from the office
// data directory dir into the new directory out. It reads only the log and
// the file store, never the database or the secrets, so it runs beside a
// live "canvass serve": it exports the log as of the checkpoint it reads
// first, after verifying it. out appears complete or not at all.
func ExportEvidence(ctx context.Context, dir, election, out string) error {
	logPath := filepath.Join(dir, logDir)
	d := ledger.NewDirDriver(logPath)
	vkeyText, err := d.ReadState(ctx, ledger.StateVKey)
	if err != nil {
		return fmt.Errorf("%s is not an office data directory (no log key): %v", dir, err)
	}
	vkey := strings.TrimSpace(string(vkeyText))
	policyText, err := d.ReadState(ctx, ledger.StatePolicy)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var policy *witness.Policy
	if policyText != nil {
		if policy, err = ledger.ParsePolicy(policyText); err != nil {
			return fmt.Errorf("the log's witness policy: %v", err)
		}
	}
	lg, err := verify.ReadLog(ctx, ledger.DirFetcher(logPath), vkey, policy)
	if err != nil {
		return fmt.Errorf("the office's log does not verify, so it is not exported: %w", err)
	}
	blobDir := filepath.Join(dir, filesDir)
	read := func(sum string) ([]byte, error) { return os.ReadFile(filepath.Join(blobDir, "sha256", sum)) }
	ev, _, err := verify.Derive(lg.Checkpoint.Origin, lg.Entries, election, read)
	if err != nil {
		return err
	}
	reports, err := auditReportFiles(ev, read)
	if err != nil {
		return err
	}
	claims, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}

	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s exists and is not empty; give --out a new directory", out)
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	write := func(rel string, data []byte) error {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	paths := make([]string, 0, len(lg.Resources))
	for p := range lg.Resources {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := write(verify.LogDir+"/"+p, lg.Resources[p]); err != nil {
			return err
		}
	}
	if err := write(verify.VKeyName, []byte(vkey+"\n")); err != nil {
		return err
	}
	if policyText != nil {
		if err := write(verify.PolicyName, policyText); err != nil {
			return err
		}
	}
	for _, p := range sortedKeys(reports) {
		if err := write(p, reports[p]); err != nil {
			return err
		}
	}
	for _, f := range ev.Files {
		if err := copyBlob(filepath.Join(blobDir, "sha256", f.SHA256), filepath.Join(tmp, filepath.FromSlash(verify.FilePath(f.SHA256)))); err != nil {
			return fmt.Errorf("file %s (%s): %w", f.SHA256, strings.Join(f.Names, ", "), err)
		}
	}
	if err := write(verify.EvidenceName, append(claims, '\n')); err != nil {
		return err
	}
	os.Remove(out) // an empty directory given as --out
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	ok = true
	return nil
}

func copyBlob(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

// evidenceCache holds the last package built per data directory and
// election, keyed by the checkpoint it was built from: a package is
// immutable until the log grows.
var evidenceCache sync.Map // dir + "\x00" + election → *cachedEvidence

type cachedEvidence struct {
	checkpoint []byte
	fsys       fs.FS
}

// Evidence returns the evidence package of election as it stands now, as
// an fs.FS for serving at /public/elections/{e}/evidence/: the same files
// ExportEvidence writes. It is rebuilt only when the log has grown.
func (o *Office) Evidence(ctx context.Context, election string) (fs.FS, error) {
	key := o.dir + "\x00" + election
	cp, err := os.ReadFile(filepath.Join(o.LogDir(), ledger.CheckpointPath))
	if err != nil {
		return nil, err
	}
	if c, ok := evidenceCache.Load(key); ok && bytes.Equal(c.(*cachedEvidence).checkpoint, cp) {
		return c.(*cachedEvidence).fsys, nil
	}
	vkey := strings.TrimSpace(o.VKey())
	d := ledger.NewDirDriver(o.LogDir())
	policyText, err := d.ReadState(ctx, ledger.StatePolicy)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var policy *witness.Policy
	if policyText != nil {
		if policy, err = ledger.ParsePolicy(policyText); err != nil {
			return nil, err
		}
	}
	lg, err := verify.ReadLog(ctx, ledger.DirFetcher(o.LogDir()), vkey, policy)
	if err != nil {
		return nil, fmt.Errorf("the office's log does not verify: %w", err)
	}
	blobDir := filepath.Join(o.dir, filesDir, "sha256")
	readBlob := func(sum string) ([]byte, error) { return os.ReadFile(filepath.Join(blobDir, sum)) }
	ev, _, err := verify.Derive(lg.Checkpoint.Origin, lg.Entries, election, readBlob)
	if err != nil {
		return nil, &Error{Status: http.StatusNotFound, Field: "election", Msg: err.Error()}
	}
	reports, err := auditReportFiles(ev, readBlob)
	if err != nil {
		return nil, err
	}
	claims, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, err
	}
	p := &evidenceFS{mem: map[string][]byte{verify.EvidenceName: append(claims, '\n'), verify.VKeyName: []byte(vkey + "\n")},
		blobs: os.DirFS(blobDir), files: map[string]bool{}}
	if policyText != nil {
		p.mem[verify.PolicyName] = policyText
	}
	for path, b := range lg.Resources {
		p.mem[verify.LogDir+"/"+path] = b
	}
	for path, b := range reports {
		p.mem[path] = b
	}
	for _, f := range ev.Files {
		p.files[f.SHA256] = true
	}
	evidenceCache.Store(key, &cachedEvidence{checkpoint: cp, fsys: p})
	return p, nil
}

// evidenceFS is a package served from memory (the log, the claims) and
// the file store (the committed files). It opens files only, no
// directories: a web server lists nothing.
type evidenceFS struct {
	mem   map[string][]byte
	blobs fs.FS
	files map[string]bool
}

func (e *evidenceFS) Open(name string) (fs.File, error) {
	if b, ok := e.mem[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), info: flatfs.File(path.Base(name), int64(len(b)))}, nil
	}
	if sum, ok := strings.CutPrefix(name, verify.FilesDir+"/"); ok && e.files[sum] {
		return e.blobs.Open(sum)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// WalkEvidence calls fn for every file of a package from Evidence, in
// lexical order.
func WalkEvidence(fsys fs.FS, fn func(name string) error) error {
	e, ok := fsys.(*evidenceFS)
	if !ok {
		return errors.New("office: not an evidence package from Evidence")
	}
	var names []string
	for n := range e.mem {
		names = append(names, n)
	}
	for s := range e.files {
		names = append(names, verify.FilePath(s))
	}
	sort.Strings(names)
	for _, n := range names {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// WriteEvidenceTarGz writes a package from Evidence as one .tar.gz, its
// files under evidence/.
func WriteEvidenceTarGz(w io.Writer, fsys fs.FS) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	err := WalkEvidence(fsys, func(name string) error {
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: "evidence/" + name, Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
