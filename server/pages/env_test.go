package pages_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
	"github.com/canvass/canvass/store/sqlite"
)

// clock is the office's clock: TOTP codes are one per 30-second step and
// used once, so each code the test types moves it on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a fresh office with administrators ada and bob pending
// enrollment, served by httptest; URL uses the host name localhost (as
// WebAuthn requires).
type env struct {
	o       *office.Office
	srv     *httptest.Server
	URL     string
	created *office.Created
	clock   *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "clerk.example/pages", Admins: []string{"ada", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(o))
	t.Cleanup(func() {
		srv.Close()
		o.Close()
		st.Close()
	})
	return &env{o: o, srv: srv, URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), created: created, clock: c}
}
