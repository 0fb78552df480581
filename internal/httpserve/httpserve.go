// Package httpserve runs an http.Server until the process is asked to stop,
// the one lifecycle shared by every long-running canvass command (log
// serve, witness serve, the web office): serve on a listener the caller
// opened (so that it can report the address, or refuse a busy port,
// before serving), and on SIGINT or SIGTERM stop accepting connections and
// let requests in flight finish.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// DefaultGrace is how long Run lets requests in flight finish after a
// stop signal before closing their connections.
const DefaultGrace = 10 * time.Second

// Run serves srv on ln until ctx is done or the process receives SIGINT
// or SIGTERM, then shuts srv down gracefully, waiting up to grace (0 means
// DefaultGrace) for requests in flight. It returns nil after a clean
// shutdown and the error otherwise; it closes ln in every case.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	if grace <= 0 {
		grace = DefaultGrace
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		// Serve returns only with an error before Shutdown.
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	// A second signal during the grace period kills the process as usual.
	stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
