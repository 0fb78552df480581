// Package evidence writes results directories that carry their own proof of
// origin: every directory canvass publishes holds a manifest with the SHA-256
// of each input and output file, the rules applied, and the exact software
// build, so that anyone can re-run the same build on the same inputs and
// compare hashes.
//
// A results directory appears completely or not at all: files are written to
// a temporary sibling, synced, and renamed into place, so a crash or an error
// never leaves half a set of results that could be mistaken for the real one.
//
// Inputs are committed to as a count reads them (Recorder), and a results
// package is checked through an fs.FS (Check), so a verifier can check a
// downloaded zip without unpacking it and a manifest can never make it read
// a file outside the package.
package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/internal/durable"
)

// ManifestName is the manifest's file name inside a results directory.
const ManifestName = "manifest.json"

// ManifestFormat identifies the manifest schema version.
const ManifestFormat = "canvass-results-manifest/v1"

// File is a commitment to one file: its path, size and SHA-256.
type File struct {
	// Path is slash-separated: relative to the results directory for
	// outputs; for inputs, as the user or configuration named it.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest describes a results directory.
type Manifest struct {
	Format   string         `json:"format"`
	Software buildinfo.Info `json:"software"`
	// Command is the operation that produced the results, e.g.
	// "tabulate --rctab-config".
	Command string `json:"command"`
	// Rules are the tabulation or audit rules applied, verbatim as
	// configured.
	Rules json.RawMessage `json:"rules,omitempty"`
	// Inputs and Outputs are sorted by path. Outputs cover every file in
	// the directory except the manifest itself.
	Inputs  []File `json:"inputs"`
	Outputs []File `json:"outputs"`
}

// Commit returns the commitment to data stored at path.
func Commit(path string, data []byte) File {
	sum := sha256.Sum256(data)
	return File{Path: path, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// CommitFile hashes the file at path, streaming it. name is the path to
// record.
func CommitFile(name, path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	return commitReader(filepath.ToSlash(name), path, f)
}

// commitReader hashes what r holds; path names it in errors.
func commitReader(name, path string, r io.Reader) (File, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return File{}, fmt.Errorf("hashing %s: %w", path, err)
	}
	return File{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// CommitInputs hashes each input path; a directory contributes every regular
// file beneath it, in lexical order. Names are recorded relative to base
// when the path lies under it. It reads the files again: a count should
// commit to its inputs with a Recorder, as they are read, instead.
func CommitInputs(base string, paths []string) ([]File, error) {
	seen := map[string]bool{}
	var out []File
	add := func(p string) error {
		name := p
		if base != "" {
			if rel, err := filepath.Rel(base, p); err == nil {
				name = rel
			}
		}
		if seen[name] {
			return nil
		}
		seen[name] = true
		c, err := CommitFile(name, p)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				return add(q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ErrExists is returned by WriteDir when the destination already holds
// files: published results are never overwritten in place.
var ErrExists = errors.New("results directory already exists and is not empty")

// WriteDir seals files (keyed by slash-separated relative path) with the
// manifest m (see Seal) and writes them into dir with WriteFiles.
func WriteDir(dir string, files map[string][]byte, m Manifest) error {
	if err := checkDest(dir); err != nil {
		return err
	}
	sealed := make(map[string][]byte, len(files)+1)
	for name, data := range files {
		sealed[name] = data
	}
	if _, err := Seal(sealed, m); err != nil {
		return err
	}
	return WriteFiles(dir, sealed)
}

// Seal completes m for files (keyed by slash-separated relative path) and
// adds it to files as ManifestName: Format is set and Outputs list every
// file with its size and SHA-256. It returns the completed manifest. A
// name that could leave a results directory, or that is the manifest's
// own, is an error.
func Seal(files map[string][]byte, m Manifest) (*Manifest, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		if err := checkRelPath(name); err != nil {
			return nil, err
		}
		if name == ManifestName {
			return nil, fmt.Errorf("output %q collides with the manifest", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	m.Format = ManifestFormat
	m.Outputs = nil
	for _, name := range names {
		m.Outputs = append(m.Outputs, Commit(name, files[name]))
	}
	if m.Inputs == nil {
		m.Inputs = []File{}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	files[ManifestName] = append(manifest, '\n')
	return &m, nil
}

func checkDest(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s: %w; choose a new --out directory", dir, ErrExists)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// WriteFiles writes a sealed set of files (one that holds its manifest)
// into dir, atomically: dir either ends up complete or is left as it was.
// dir must not exist or be empty. Files are made read-only, as certified
// tabulators do, so that an accidental edit fails loudly.
func WriteFiles(dir string, files map[string][]byte) error {
	if err := checkDest(dir); err != nil {
		return err
	}
	if _, ok := files[ManifestName]; !ok {
		return fmt.Errorf("no %s among the files; seal them first", ManifestName)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if err := checkRelPath(name); err != nil {
			return err
		}
		names = append(names, name)
	}
	sort.Strings(names)

	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			makeWritable(tmp)
			os.RemoveAll(tmp)
		}
	}()
	write := func(name string, data []byte) error {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	// The manifest goes last, so that a directory holding one holds
	// everything it lists.
	for _, name := range names {
		if name == ManifestName {
			continue
		}
		if err := write(name, files[name]); err != nil {
			return err
		}
	}
	if err := write(ManifestName, files[ManifestName]); err != nil {
		return err
	}
	if err := syncDirs(tmp); err != nil {
		return err
	}
	// An empty destination is replaced; rename cannot replace a directory
	// on every platform, so remove it first (it holds nothing).
	if _, err := os.Stat(dir); err == nil {
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	ok = true
	return durable.SyncDir(parent)
}

// checkRelPath rejects output names that could escape the directory.
func checkRelPath(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return fmt.Errorf("invalid output path %q", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("invalid output path %q", name)
		}
	}
	return nil
}

func syncDirs(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return durable.SyncDir(p)
		}
		return nil
	})
}

func makeWritable(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

// MaxManifestBytes bounds a manifest; real ones are a few KB per file.
const MaxManifestBytes = 64 << 20

// ReadManifest reads the manifest of the results package fsys (a results
// directory through os.DirFS or os.Root.FS, or a downloaded zip through
// archive/zip), so that a verifier need not unpack anything.
func ReadManifest(fsys fs.FS) (*Manifest, error) {
	f, err := fsys.Open(ManifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeManifest(f, ManifestName)
}

// DecodeManifest decodes a manifest from r; name names it in errors. Every
// path it lists must be a valid path inside a package (fs.ValidPath: no
// absolute path, no ".."), so that checking it can never reach files
// outside the package.
func DecodeManifest(r io.Reader, name string) (*Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > MaxManifestBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a canvass results manifest", name, MaxManifestBytes)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", name, m.Format, ManifestFormat)
	}
	for _, f := range m.Outputs {
		if !fs.ValidPath(f.Path) || f.Path == "." || f.Path == ManifestName {
			return nil, fmt.Errorf("%s: output path %q is not a file inside the results package", name, f.Path)
		}
	}
	return &m, nil
}

// Check re-hashes every output the manifest of the results package fsys
// lists and reports the first file that is missing, altered, or not
// listed.
func Check(fsys fs.FS) error {
	m, err := ReadManifest(fsys)
	if err != nil {
		return err
	}
	listed := map[string]bool{ManifestName: true}
	for _, f := range m.Outputs {
		listed[f.Path] = true
		got, err := commitFS(fsys, f.Path)
		if err != nil {
			return fmt.Errorf("output %s: %w", f.Path, err)
		}
		if got != f {
			return fmt.Errorf("output %s: manifest says %d bytes sha256 %s, file has %d bytes sha256 %s", f.Path, f.Size, f.SHA256, got.Size, got.SHA256)
		}
	}
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !listed[p] {
			return fmt.Errorf("file %s is not listed in the manifest", p)
		}
		return nil
	})
}

func commitFS(fsys fs.FS, name string) (File, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	return commitReader(name, name, f)
}
