package ledger

import (
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler serves the log that f reads, read-only over HTTP, exactly as tlog-tiles
// lays it out: GET or HEAD of /checkpoint, /tile/<L>/<N>[.p/<W>] and
// /tile/entries/<N>[.p/<W>], with the specification's content types and
// caching. Every other path is 404: the handler builds file names only from
// parsed numbers, so no request can reach another file (the private
// state, the key, "../"). Resources beyond the published
// checkpoint are 404 too, so that clients never see entries that a crash
// could still replace. Entry bundles are gzip-compressed for clients that
// accept it.
func Handler(f Fetcher) http.Handler {
	return &tilesHandler{f: f}
}

type tilesHandler struct {
	f Fetcher
}

// ServeHTTP implements http.Handler.
func (h *tilesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: this log is read-only", http.StatusMethodNotAllowed)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/")
	if !ok || r.URL.RawQuery != "" {
		http.NotFound(w, r)
		return
	}
	res, err := ParseResourcePath(p)
	if err != nil || res.Path() != p {
		http.NotFound(w, r)
		return
	}
	if res.Checkpoint {
		data, err := h.f.Fetch(r.Context(), CheckpointPath)
		if err != nil {
			http.Error(w, "checkpoint unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// The checkpoint changes with every append: a few seconds at most.
		w.Header().Set("Cache-Control", "public, max-age=5")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		h.write(w, r, data, false)
		return
	}
	need, ok := res.RequiredSize()
	if !ok || need > h.publishedSize(r.Context()) {
		http.NotFound(w, r)
		return
	}
	data, err := h.f.Fetch(r.Context(), p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "read error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	h.write(w, r, data, res.Entries && acceptsGzip(r))
}

func (h *tilesHandler) write(w http.ResponseWriter, r *http.Request, data []byte, gz bool) {
	w.Header().Add("Vary", "Accept-Encoding")
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		zw := gzip.NewWriter(w)
		zw.Write(data)
		zw.Close()
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// publishedSize reads the tree size of the published checkpoint; tiles are
// served only up to it.
func (h *tilesHandler) publishedSize(ctx context.Context) uint64 {
	raw, err := h.f.Fetch(ctx, CheckpointPath)
	if err != nil {
		return 0
	}
	cp, err := unverifiedCheckpoint(raw)
	if err != nil {
		return 0
	}
	return cp.Size
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) != "gzip" {
			continue
		}
		q, hasQ := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !hasQ {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// NewServer returns an http.Server for Handler(f) on addr with timeouts
// that stop slow clients from holding connections open.
func NewServer(addr string, f Fetcher) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           Handler(f),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}
