package httpserve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunStopsGracefully: a request in flight when the stop comes is
// answered in full, and Run returns nil.
func TestRunStopsGracefully(t *testing.T) {
	for _, how := range []string{"context", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			started := make(chan struct{})
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				time.Sleep(200 * time.Millisecond)
				io.WriteString(w, "finished")
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- Run(ctx, srv, ln, 5*time.Second) }()
			body := make(chan string, 1)
			go func() {
				resp, err := http.Get("http://" + ln.Addr().String() + "/")
				if err != nil {
					body <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body <- string(b)
			}()
			<-started
			if how == "context" {
				cancel()
			} else if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			if b := <-body; b != "finished" {
				t.Fatalf("request in flight got %q, want it finished", b)
			}
			if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
				t.Fatal("the server still accepts connections after Run returned")
			}
		})
	}
}

// TestRunReportsServeErrors: a listener that fails makes Run return its
// error rather than wait for a signal.
func TestRunReportsServeErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = Run(context.Background(), &http.Server{}, ln, 0)
	if err == nil || !strings.Contains(err.Error(), "serving") {
		t.Fatalf("Run on a closed listener: %v", err)
	}
}
