package ledger

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxResourceSize bounds what a fetcher reads for one resource: a full
// entry bundle of 256 maximal entries, plus slack.
const maxResourceSize = TileWidth*(2+MaxEntrySize) + 4096

// HTTPFetcher reads a log served over HTTP(S) at a URL prefix.
type HTTPFetcher struct {
	// Prefix is the log's URL prefix, e.g. https://log.example/county;
	// resources are fetched from Prefix + "/" + path.
	Prefix string
	// Client is the HTTP client; nil means a client with a 30 s timeout.
	Client *http.Client
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Fetch GETs the resource at the tlog-tiles path p. A 404 is reported as an
// error wrapping fs.ErrNotExist.
func (h HTTPFetcher) Fetch(ctx context.Context, p string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSuffix(h.Prefix, "/") + "/" + p)
	if err != nil {
		return nil, fmt.Errorf("bad log URL %q: %v", h.Prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	c := h.Client
	if c == nil {
		c = defaultHTTPClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %v", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w (HTTP 404 from %s)", p, fs.ErrNotExist, u)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetching %s: HTTP %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResourceSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %v", u, err)
	}
	if len(b) > maxResourceSize {
		return nil, fmt.Errorf("fetching %s: response larger than %d bytes", u, maxResourceSize)
	}
	return b, nil
}
