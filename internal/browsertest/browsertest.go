// Package browsertest runs tests in a headless Chromium driven through the
// DevTools protocol (github.com/chromedp/chromedp).
//
// New finds the browser ($CANVASS_CHROMIUM, else chromium or
// chromium-browser on $PATH) and starts it with a fresh profile and every
// background connection turned off, so that it starts quickly on a machine
// without a network. When no browser is found the test is skipped, unless
// CANVASS_REQUIRE_SERVICES=1 (as in CI), where it fails.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Timeout bounds one browser session, unless the test's own deadline is
// sooner.
const Timeout = 2 * time.Minute

// Flags are the command-line flags New starts Chromium with (besides
// chromedp's defaults and --user-data-dir). The background-networking,
// component-update, sync and QUIC flags keep Chromium from dialing out: on
// a closed network it would otherwise wait on those connections.
var Flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
	"disable-default-apps", "disable-extensions", "hide-scrollbars", "mute-audio",
}

// ErrNoBrowser is returned by Find when no Chromium is installed.
var ErrNoBrowser = errors.New("no Chromium found: install Debian's chromium package or set CANVASS_CHROMIUM to the browser's path")

// Find returns the path of the Chromium to run: $CANVASS_CHROMIUM if set
// (it must exist), else chromium or chromium-browser found on $PATH.
func Find() (string, error) {
	if p := os.Getenv("CANVASS_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("CANVASS_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Required reports whether tests must not skip for want of a browser
// (CANVASS_REQUIRE_SERVICES=1).
func Required() bool { return os.Getenv("CANVASS_REQUIRE_SERVICES") == "1" }

// New starts a headless Chromium for t and returns the context of one of its
// tabs, for chromedp.Run and chromedp.Do. The browser stops when the test
// ends; if the test failed, its output is logged.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := Find()
	if err != nil {
		if Required() {
			t.Fatalf("browsertest: %v (CANVASS_REQUIRE_SERVICES=1, so this test may not skip)", err)
		}
		t.Skipf("browsertest: %v", err)
	}
	out := new(lockedBuffer)
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()), chromedp.CombinedOutput(out),
		chromedp.WindowSize(1024, 768))
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}

	parent, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	if dl, ok := deadline(t); ok {
		parent, cancelTimeout = context.WithDeadline(context.Background(), dl)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
		if t.Failed() && out.Len() > 0 {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	// Start the browser now, so that a browser that cannot start fails
	// here with its output rather than in the test's first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v\n%s", path, err, out.String())
	}
	return ctx
}

// deadline is the test's deadline less a margin to report failures, if
// the test has one.
func deadline(t testing.TB) (time.Time, bool) {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}, false
	}
	dl, ok := d.Deadline()
	if !ok || time.Until(dl) > Timeout {
		return time.Time{}, false
	}
	return dl.Add(-5 * time.Second), true
}

// Screenshot writes a PNG of the whole page (not only the viewport) to
// path, creating its directory.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// ViewportScreenshot writes a PNG of what the viewport shows to path.
func ViewportScreenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Eval evaluates a JavaScript expression in the page and returns its
// value, decoded from JSON into T.
func Eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// VirtualAuthenticator enables WebAuthn in the tab and attaches a virtual
// platform authenticator (CTAP2, internal transport, resident keys, user
// verification that succeeds, presence confirmed automatically), so that
// navigator.credentials.create and get succeed without a person or a
// device. It returns the authenticator's id.
func VirtualAuthenticator(ctx context.Context) (webauthn.AuthenticatorID, error) {
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		return "", fmt.Errorf("WebAuthn.enable: %w", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		return "", fmt.Errorf("WebAuthn.addVirtualAuthenticator: %w", err)
	}
	return res.AuthenticatorID, nil
}

// Credentials lists the credentials the virtual authenticator holds.
func Credentials(ctx context.Context, id webauthn.AuthenticatorID) ([]*webauthn.Credential, error) {
	res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		return nil, fmt.Errorf("WebAuthn.getCredentials: %w", err)
	}
	return res.Credentials, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
