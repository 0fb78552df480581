package verify

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// TarGzFS reads a package downloaded as one .tar.gz into memory and
// presents it as an fs.FS. Members are taken relative to a single
// top-level directory if every member lies under one.
func TarGzFS(r io.Reader) (fs.FS, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a .tar.gz: %v", err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("archive member %q leaves the package", h.Name)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %v", h.Name, err)
		}
		files[name] = b
	}
	// A single top-level directory (evidence/...) is the package.
	if _, ok := files[EvidenceName]; !ok {
		var top string
		for n := range files {
			if i := strings.IndexByte(n, '/'); i > 0 {
				if top == "" || top == n[:i] {
					top = n[:i]
					continue
				}
			}
			top = ""
			break
		}
		if top != "" {
			inner := map[string][]byte{}
			for n, b := range files {
				inner[strings.TrimPrefix(n, top+"/")] = b
			}
			files = inner
		}
	}
	return &namedFS{files: map[string]string{}, extra: files}, nil
}

// HTTPFS reads a package published as static files under a URL prefix,
// as the office serves it at /public/elections/{e}/evidence/. Static
// servers do not list directories, so ReadDir of files/sha256 reports
// errors.ErrUnsupported and the verifier checks every committed file
// instead.
type HTTPFS struct {
	Prefix string
	Client *http.Client
	Ctx    context.Context
}

// Open GETs Prefix/name.
func (h *HTTPFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == FilesDir {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
	}
	u, err := url.Parse(strings.TrimSuffix(h.Prefix, "/") + "/" + name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	ctx := h.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case resp.StatusCode != http.StatusOK:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("HTTP %s from %s", resp.Status, u)}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{name: name, r: strings.NewReader(string(b)), size: int64(len(b))}, nil
}
