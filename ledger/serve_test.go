package ledger

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestHandler(t *testing.T) {
	dir, skey, _ := testLog(t, "serve.example/log", nil)
	appendN(t, dir, skey, Options{}, 0, 300, 300, "s")
	// Committed but unpublished entries must not be served.
	l, err := openForTest(t, dir, skey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(t.Context(), sampleEvents(t, 300, 10, "s")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	os.WriteFile(filepath.Join(dir, "tile", "secret"), []byte("x"), 0o644)
	h := Handler(DirFetcher(dir))
	cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	bundle, _ := os.ReadFile(filepath.Join(dir, "tile/entries/000"))
	tests := []struct {
		method, path, accept string
		status               int
		ctype, cache         string
		body                 []byte
	}{
		{"GET", "/checkpoint", "", 200, "text/plain; charset=utf-8", "public, max-age=5", cp},
		{"HEAD", "/checkpoint", "", 200, "text/plain; charset=utf-8", "public, max-age=5", nil},
		{"GET", "/tile/0/000", "", 200, "application/octet-stream", "public, max-age=31536000, immutable", nil},
		{"GET", "/tile/0/001.p/44", "", 200, "application/octet-stream", "public, max-age=31536000, immutable", nil},
		{"GET", "/tile/1/000.p/1", "", 200, "application/octet-stream", "public, max-age=31536000, immutable", nil},
		{"GET", "/tile/entries/000", "", 200, "application/octet-stream", "public, max-age=31536000, immutable", bundle},
		{"GET", "/tile/entries/000", "gzip", 200, "application/octet-stream", "public, max-age=31536000, immutable", bundle},
		{"GET", "/tile/entries/000", "gzip;q=0, identity", 200, "application/octet-stream", "", bundle},
		// Beyond the published checkpoint (size 300): not served.
		{"GET", "/tile/0/001.p/54", "", 404, "", "", nil},
		{"GET", "/tile/entries/001.p/54", "", 404, "", "", nil},
		{"GET", "/tile/0/001", "", 404, "", "", nil},
		// Not tlog-tiles paths.
		{"GET", "/", "", 404, "", "", nil},
		{"GET", "/tile/", "", 404, "", "", nil},
		{"GET", "/tile/0/", "", 404, "", "", nil},
		{"GET", "/tile/secret", "", 404, "", "", nil},
		{"GET", "/.ledger/vkey", "", 404, "", "", nil},
		{"GET", "/.ledger/tree", "", 404, "", "", nil},
		{"GET", "/tile/0/../../.ledger/tree", "", 404, "", "", nil},
		{"GET", "/tile/0/%2e%2e/checkpoint", "", 404, "", "", nil},
		{"GET", "/tile/0/000?x=1", "", 404, "", "", nil},
		{"GET", "/tile/00/000", "", 404, "", "", nil},
		{"GET", "/checkpoint/", "", 404, "", "", nil},
		{"POST", "/checkpoint", "", 405, "", "", nil},
		{"PUT", "/tile/0/000", "", 405, "", "", nil},
		{"DELETE", "/tile/0/000", "", 405, "", "", nil},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "http://log.example"+tt.path, nil)
		if tt.accept != "" {
			req.Header.Set("Accept-Encoding", tt.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tt.method, tt.path, got, tt.ctype)
		}
		if tt.cache != "" && res.Header.Get("Cache-Control") != tt.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tt.method, tt.path, res.Header.Get("Cache-Control"), tt.cache)
		}
		body, _ := io.ReadAll(res.Body)
		if tt.accept == "gzip" {
			if res.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s: not gzipped", tt.path)
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		} else if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s %s (Accept-Encoding %q): Content-Encoding %q", tt.method, tt.path, tt.accept, res.Header.Get("Content-Encoding"))
		}
		if tt.method == "HEAD" && len(body) != 0 {
			t.Errorf("HEAD %s: body", tt.path)
		}
		if tt.body != nil && !bytes.Equal(body, tt.body) {
			t.Errorf("%s %s: body differs from the file", tt.method, tt.path)
		}
	}
	srv := NewServer("127.0.0.1:0", DirFetcher(dir))
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("server without timeouts: %+v", srv)
	}
}

func openForTest(t *testing.T, dir, skey string) (*Log, error) {
	t.Helper()
	return OpenDir(t.Context(), dir, skey, Options{})
}
