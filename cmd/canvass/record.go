package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/ledger"
)

// logTarget is the election log a command records its action in, named by
// --log and --key-file. It is optional: without --log nothing is recorded.
type logTarget struct {
	dir, keyFile, user string
}

func (t *logTarget) flags(fs *flag.FlagSet) {
	fs.StringVar(&t.dir, "log", "", "record this action in the election log in this `directory` (see 'canvass log')")
	fs.StringVar(&t.keyFile, "key-file", "", "with --log: the log's signing key `file`")
	fs.StringVar(&t.user, "user", "", "with --log: the user ID to record (default: the operating-system user)")
}

func (t *logTarget) check() error {
	if (t.dir == "") != (t.keyFile == "") {
		return fmt.Errorf("--log and --key-file go together")
	}
	return nil
}

// record appends ev to the log and publishes a checkpoint covering it (with
// the witness quorum the log's policy requires), returning its index.
func (t *logTarget) record(ev ledger.Event) (uint64, error) {
	skey, err := ledger.ReadKeyFile(t.keyFile, t.dir)
	if err != nil {
		return 0, err
	}
	if ev.UserID == "" {
		ev.UserID = t.user
		if ev.UserID == "" {
			if u, err := user.Current(); err == nil {
				ev.UserID = u.Username
			}
		}
	}
	ctx := context.Background()
	l, err := ledger.OpenDir(ctx, t.dir, skey, ledger.Options{})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	first, err := l.Append(ctx, []ledger.Event{ev})
	if err != nil {
		return 0, err
	}
	if _, err := l.Publish(ctx); err != nil {
		return first, fmt.Errorf("entry %d is stored but its checkpoint was not published: %w", first, err)
	}
	return first, nil
}

// fileCommitments renders evidence commitments as the log's file payloads.
func fileCommitments(fs []evidence.File) []ledger.FileCommitment {
	out := make([]ledger.FileCommitment, 0, len(fs))
	for _, f := range fs {
		out = append(out, ledger.FileCommitment{Name: f.Path, SHA256: f.SHA256, Size: f.Size})
	}
	return out
}

// recordTabulation logs a tabulation run whose results were written to dir.
func recordTabulation(t *logTarget, dir, description string, contests []string, stderr io.Writer) error {
	if t.dir == "" {
		return nil
	}
	m, err := evidence.ReadManifest(os.DirFS(dir))
	if err != nil {
		return err
	}
	mf, err := evidence.CommitFile(evidence.ManifestName, filepath.Join(dir, evidence.ManifestName))
	if err != nil {
		return err
	}
	ev, err := ledger.NewEvent(ledger.TabulationRun{
		Inputs:          fileCommitments(m.Inputs),
		Outputs:         fileCommitments(append(m.Outputs, mf)),
		SoftwareVersion: "canvass " + versionString(),
		Contests:        contests,
	})
	if err != nil {
		return err
	}
	ev.Description = description
	idx, err := t.record(ev)
	if err != nil {
		return fmt.Errorf("results are in %s but the tabulation was not recorded in the log: %w", dir, err)
	}
	fmt.Fprintf(stderr, "recorded the tabulation as entry %d of the log in %s\n", idx, t.dir)
	return nil
}
