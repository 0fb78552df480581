package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/internal/httpserve"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/server"
	"github.com/canvass/canvass/store"
	"github.com/canvass/canvass/store/postgres"
	"github.com/canvass/canvass/store/sqlite"
)

// The office commands: "canvass init", "canvass serve" and "canvass
// rebuild" wire packages office, server and store to the command line.

func init() {
	register(&command{name: "init", summary: "create an election office: keys, log, file store, database, first administrators", run: runInit})
	register(&command{name: "serve", summary: "run the election office (web API, public results, the log)", run: runServe})
	register(&command{name: "rebuild", summary: "recreate the office's database from its log and file store", run: runRebuild})
}

// openStore opens the database named by db: "" is SQLite in the data
// directory, "postgres://..." is PostgreSQL, "sqlite:PATH" or a path is
// SQLite there.
func openStore(ctx context.Context, dataDir, db string) (store.Store, error) {
	switch {
	case db == "":
		return sqlite.Open(ctx, filepath.Join(dataDir, office.DefaultDBName))
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return postgres.Open(ctx, db)
	case strings.HasPrefix(db, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(db, "sqlite:"))
	}
	return sqlite.Open(ctx, db)
}

func runInit(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("init", "--data DIR --origin ORIGIN --admin NAME --admin NAME [--db URL] [--policy FILE] [--json]", stderr)
	data := fs.String("data", "", "directory to create the office in (keys/, log/, files/, office.db)")
	origin := fs.String("origin", "", "the office's origin, naming its log, e.g. clerk.county.example/2026")
	var admins stringList
	fs.Var(&admins, "admin", "an administrator's user name (at least two: two-person control starts on day one)")
	db := fs.String("db", "", "database: default SQLite at DIR/office.db; sqlite:PATH or postgres://...")
	policyFile := fs.String("policy", "", "C2SP tlog-policy file naming the log's witnesses")
	asJSON := fs.Bool("json", false, `print {"origin","vkey","enrollment":{"NAME":"CODE"}}`)
	if err := parseRequired(fs, args, stderr, "data", "origin"); err != nil {
		return err
	}
	var policy []byte
	if *policyFile != "" {
		b, err := os.ReadFile(*policyFile)
		if err != nil {
			return err
		}
		policy = b
	}
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStore(ctx, *data, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	created, err := office.Create(ctx, *data, st, office.CreateOptions{Origin: *origin, Admins: admins, Policy: policy})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, created)
	}
	fmt.Fprintf(stdout, "created the office %s in %s\nlog verifier key: %s\n\nOne-time enrollment codes (give each to its person; they are shown only now):\n", created.Origin, *data, created.VKey)
	names := make([]string, 0, len(created.Enrollment))
	for n := range created.Enrollment {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(stdout, "  %-20s %s\n", n, created.Enrollment[n])
	}
	fmt.Fprintf(stdout, "\nNext: canvass serve --data %s --addr 127.0.0.1:8080\n", *data)
	return nil
}

func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "--data DIR --addr HOST:PORT [--db URL] [--tls-cert FILE --tls-key FILE] [--webauthn-origin URL]", stderr)
	data := fs.String("data", "", "the office's data directory (made by canvass init)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	db := fs.String("db", "", "database: default SQLite at DIR/office.db; sqlite:PATH or postgres://...")
	cert := fs.String("tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS and mark cookies Secure")
	key := fs.String("tls-key", "", "TLS private key file (PEM)")
	waOrigin := fs.String("webauthn-origin", "", "the web origin staff browse to, e.g. https://office.example.gov, for security keys (WebAuthn) as signing keys; default http(s)://localhost:PORT when listening on loopback, else none")
	if err := parseRequired(fs, args, stderr, "data"); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := openStore(ctx, *data, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	return serveOffice(ctx, *data, st, *addr, *cert, *key, *waOrigin, stdout, stderr, nil)
}

// serveOffice opens the office in data and serves it until ctx ends or a
// stop signal arrives. ready, if set, is called with the base URL once
// the listener is open.
func serveOffice(ctx context.Context, data string, st store.Store, addr, cert, key, webauthnOrigin string, stdout, stderr io.Writer, ready func(url string)) error {
	o, err := office.Open(ctx, data, st, office.Options{})
	if err != nil {
		return err
	}
	defer o.Close()
	sum, err := executableSHA256()
	if err != nil {
		return fmt.Errorf("hashing the running binary for the service-start event: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := o.ServiceStart(ctx, versionString(), sum, ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: server.New(o), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(stderr, nil), slog.LevelWarn)}
	scheme := "http"
	if cert != "" {
		scheme = "https"
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			ln.Close()
			return fmt.Errorf("loading --tls-cert and --tls-key: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	}
	if err := enableWebAuthn(o, webauthnOrigin, scheme, ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "serving the office %s at %s://%s/ (API /api/v1/, results /public/, log /log/)\n", o.Origin(), scheme, ln.Addr())
	if ready != nil {
		ready(scheme + "://" + ln.Addr().String())
	}
	return httpserve.Run(ctx, srv, ln, httpserve.DefaultGrace)
}

// enableWebAuthn sets the office's WebAuthn relying party from origin
// (scheme://host[:port]); with no origin, http(s)://localhost:PORT when the
// listener is on loopback (WebAuthn accepts http only on localhost), else
// WebAuthn stays off.
func enableWebAuthn(o *office.Office, origin, scheme string, addr net.Addr) error {
	if origin == "" {
		ta, ok := addr.(*net.TCPAddr)
		if !ok || !ta.IP.IsLoopback() {
			return nil
		}
		origin = fmt.Sprintf("%s://localhost:%d", scheme, ta.Port)
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Path != "" {
		return fmt.Errorf("--webauthn-origin %q: give scheme://host[:port], e.g. https://office.example.gov", origin)
	}
	return o.EnableWebAuthn(webauthn.Config{RPID: u.Hostname(), RPDisplayName: "canvass " + o.Origin(), Origins: []string{origin}})
}

func executableSHA256() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func runRebuild(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("rebuild", "--data DIR [--db URL]", stderr)
	data := fs.String("data", "", "the office's data directory")
	db := fs.String("db", "", "database to recreate: default SQLite at DIR/office.db; sqlite:PATH or postgres://...")
	if err := parseRequired(fs, args, stderr, "data"); err != nil {
		return err
	}
	if strings.HasPrefix(*db, "postgres://") || strings.HasPrefix(*db, "postgresql://") {
		return rebuildPostgres(*data, *db, stdout)
	}
	path := filepath.Join(*data, office.DefaultDBName)
	if *db != "" {
		if strings.Contains(*db, "://") {
			return fmt.Errorf("--db %q: give postgres://..., sqlite:PATH or a path", *db)
		}
		path = strings.TrimPrefix(*db, "sqlite:")
	}
	ctx := context.Background()
	tmp := path + ".rebuild"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	fresh, err := sqlite.Open(ctx, tmp)
	if err != nil {
		return err
	}
	if err := office.Rebuild(ctx, *data, fresh); err != nil {
		fresh.Close()
		return err
	}
	// Credentials are not in the log: keep the ones the old database has.
	kept := 0
	if _, err := os.Stat(path); err == nil {
		old, err := sqlite.Open(ctx, path)
		if err != nil {
			fresh.Close()
			return fmt.Errorf("opening the old database for its credentials: %w (restore them from the secrets backup)", err)
		}
		users, _ := old.ListSecrets(ctx)
		kept = len(users)
		err = office.CopySecrets(ctx, old, fresh)
		old.Close()
		if err != nil {
			fresh.Close()
			return err
		}
	}
	if err := fresh.Close(); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		backup := path + ".before-rebuild-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, backup); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "the old database is kept as %s\n", backup)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt %s from the log; %d credentials carried over\n", path, kept)
	return nil
}

// rebuildPostgres recreates a PostgreSQL projection: the log is applied to
// a fresh staging schema, which then replaces the old records in one
// transaction (postgres.Rebuild); credentials stay where they are.
func rebuildPostgres(data, db string, stdout io.Writer) error {
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(data, "log")); err != nil {
		return fmt.Errorf("--data %s holds no office log: %w", data, err)
	}
	kept := 0
	backup, err := postgres.Rebuild(ctx, db, func(ctx context.Context, fresh store.Store) error {
		return office.Rebuild(ctx, data, fresh)
	})
	if err != nil {
		return err
	}
	st, err := postgres.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListSecrets(ctx)
	if err != nil {
		return err
	}
	kept = len(users)
	fmt.Fprintf(stdout, "rebuilt the PostgreSQL database from the log; the old records are kept in schema %s; %d credentials kept in place\n", backup, kept)
	return nil
}

// serveDemo starts an office in a temporary directory holding the 2013
// Minneapolis election, uploaded, counted, published through the
// two-person rule and audited, its log cosigned by two in-process
// witnesses, and serves it.
func serveDemo(addr string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "canvass-demo-office-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sum, err := executableSHA256()
	if err != nil {
		return fmt.Errorf("hashing the running binary: %w", err)
	}
	w, err := office.StartDemoWitnesses(dir)
	if err != nil {
		return err
	}
	defer w.Close()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		return err
	}
	defer st.Close()
	info, err := office.NewDemo(ctx, dir, st, office.DemoOptions{Version: versionString(), BinarySHA256: sum, Policy: w.Policy, Audit: true})
	if err != nil {
		return err
	}
	return serveOffice(ctx, dir, st, addr, "", "", "", stdout, io.Discard, func(url string) {
		fmt.Fprintf(stdout, "\nThe demo office (data in %s, removed on exit):\n", dir)
		fmt.Fprintf(stdout, "  public results:  %s/public/elections/%s/\n", url, info.Election)
		fmt.Fprintf(stdout, "  NIST results:    %s/public/elections/%s/results.json\n", url, info.Election)
		fmt.Fprintf(stdout, "  election log:    %s/log/checkpoint (verify: canvass log verify --url %s/log --vkey %s)\n", url, url, info.VKey)
		if info.Audit != nil {
			fmt.Fprintf(stdout, "  audit:           %s (%s, risk %.4f)\n", info.Audit.ID, info.Audit.Decision, info.Audit.Risk)
		}
		fmt.Fprintf(stdout, "\nDemo sign-in (POST %s/api/v1/login {\"user\",\"password\",\"totp\"}):\n", url)
		for _, p := range info.People {
			fmt.Fprintf(stdout, "  %-5s %-11s password %q\n        TOTP %s\n", p.User, strings.Join(p.Roles, ","), p.Password, p.TOTPURI)
		}
	})
}
