package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/canvass/canvass/office"
)

// "canvass facility import": the office's physical-security record
// (docs/facility.md). It is run at the office by someone with shell
// access, so each import is logged as an operator action by --user.

func init() {
	register(&command{name: "facility import", summary: "log a site description or a badge, camera or seal export in the office's log", run: runFacilityImport})
}

// facilityLockWait is how long "facility import" waits for the log's
// writer lock before saying another process (canvass serve) holds it.
var facilityLockWait = 3 * time.Second

func runFacilityImport(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("facility import", "--data DIR --kind site|badge|camera|seal [--user NAME] [--db URL] FILE", stderr)
	data := fs.String("data", "", "the office's data directory (made by canvass init)")
	kind := fs.String("kind", "", "what FILE is: site (the site description, JSON), badge (key-card swipes), camera (camera on/off status) or seal (tamper-seal register), as docs/facility.md describes")
	who := fs.String("user", defaultOperator(), "who runs the import, recorded in the log as the event's user (default: the OS user)")
	db := fs.String("db", "", "database: default SQLite at DIR/office.db; sqlite:PATH or postgres://...")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	missing := ""
	switch {
	case *data == "":
		missing = "missing required flag --data"
	case *kind == "":
		missing = "missing required flag --kind"
	case *kind != "site" && *kind != "badge" && *kind != "camera" && *kind != "seal":
		missing = fmt.Sprintf("--kind %q: want site, badge, camera or seal", *kind)
	case *who == "":
		missing = "missing --user (the OS user is unknown): give the name of the person running the import"
	case fs.NArg() == 0:
		missing = "missing FILE"
	case fs.NArg() > 1:
		missing = fmt.Sprintf("one FILE per import; unexpected argument %q", fs.Arg(1))
	}
	if missing != "" {
		fmt.Fprintf(stderr, "canvass: %s\n", missing)
		fs.Usage()
		return errUsage
	}
	file := fs.Arg(0)
	content, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStore(ctx, *data, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	octx, cancel := context.WithTimeout(ctx, facilityLockWait)
	o, err := office.Open(octx, *data, st, office.Options{})
	cancel()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the office's log is locked by another process: is 'canvass serve' running on %s? stop it and run the import again; nothing was imported (%v)", *data, err)
	} else if err != nil {
		return err
	}
	name := filepath.Base(file)
	idx, err := o.ImportFacility(ctx, *who, *kind, name, content)
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s (%s) by %s: log index %d\n", name, *kind, *who, idx)
	return nil
}

// defaultOperator is the OS user running the command, or "" if unknown.
func defaultOperator() string {
	if u, err := user.Current(); err == nil && strings.TrimSpace(u.Username) != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
