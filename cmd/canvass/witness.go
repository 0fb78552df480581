package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/canvass/canvass/internal/httpserve"
	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/witnessdb"
)

func init() {
	register(&command{
		name:    "witness init",
		summary: "create a witness signing key and print its verifier key",
		run:     runWitnessInit,
	})
	register(&command{
		name:    "witness serve",
		summary: "run a C2SP tlog-witness that cosigns consistent log checkpoints",
		run:     runWitnessServe,
	})
	register(&command{
		name:    "witness evidence",
		summary: "print refused, log-signed checkpoints kept as evidence of a fork",
		run:     runWitnessEvidence,
	})
	register(&command{
		name:    "witness vkey",
		summary: "print the verifier key of a witness key file",
		run:     runWitnessVkey,
	})
}

func runWitnessInit(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("witness init", "--key-file KEY --name NAME", stderr)
	keyFile := fs.String("key-file", "", "`path` of the private key file to create (mode 0600; never overwritten)")
	name := fs.String("name", "", "witness key `name`, a schema-less URL such as witness.example.org/county")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *name == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "canvass witness init: --key-file and --name are required, and no other arguments")
		fs.Usage()
		return errUsage
	}
	vkey, err := witness.CreateKeyFile(*keyFile, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote the witness private key to %s (mode 0600). Keep it secret and back it up offline.\n", *keyFile)
	fmt.Fprintln(stdout, "Give this verifier key to log operators and verifiers for their policy files:")
	fmt.Fprintln(stdout, vkey)
	return nil
}

func runWitnessVkey(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("witness vkey", "--key-file KEY", stderr)
	keyFile := fs.String("key-file", "", "`path` of the witness private key file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "canvass witness vkey: --key-file is required, and no other arguments")
		fs.Usage()
		return errUsage
	}
	c, err := witness.LoadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, c.VerifierKey())
	return nil
}

func runWitnessEvidence(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("witness evidence", "--db FILE", stderr)
	db := fs.String("db", "", "the witness's SQLite database `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *db == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "canvass witness evidence: --db is required, and no other arguments")
		fs.Usage()
		return errUsage
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("witness database: %w", err)
	}
	store, err := witnessdb.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	ev, err := store.Evidence(context.Background())
	if err != nil {
		return err
	}
	for i, e := range ev {
		// Each record is the verbatim add-checkpoint request, so it can be
		// re-submitted or checked with the log's key by anyone.
		fmt.Fprintf(stdout, "# evidence %d: %s, origin %s\n# %s\n%s\n", i+1, e.ReceivedAt.Format(time.RFC3339), e.Origin, e.Reason, e.Request)
	}
	fmt.Fprintf(stderr, "%d evidence record(s)\n", len(ev))
	return nil
}

func runWitnessServe(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("witness serve", "--db FILE --key-file KEY --logs FILE [--addr HOST:PORT]", stderr)
	db := fs.String("db", "", "SQLite database `file` holding the latest cosigned checkpoint per log (created if missing)")
	keyFile := fs.String("key-file", "", "witness private key `file` from 'canvass witness init' (must be mode 0600)")
	logsFile := fs.String("logs", "", "`file` listing the logs to witness, one \"log <vkey> [<url>]\" line each (tlog-policy syntax)")
	addr := fs.String("addr", "127.0.0.1:7380", "`host:port` to listen on; use :7380 to listen on all interfaces")
	maxBody := fs.Int64("max-body", witness.DefaultMaxBodyBytes, "largest add-checkpoint request body accepted, in `bytes`")
	jsonLog := fs.Bool("json", false, "write the operational log as JSON lines instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *db == "" || *keyFile == "" || *logsFile == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "canvass witness serve: --db, --key-file and --logs are required, and no other arguments")
		fs.Usage()
		return errUsage
	}
	if *maxBody < 1024 {
		fmt.Fprintln(stderr, "canvass witness serve: --max-body must be at least 1024")
		return errUsage
	}
	var logger *slog.Logger
	if *jsonLog {
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}

	cosigner, err := witness.LoadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	logsText, err := os.ReadFile(*logsFile)
	if err != nil {
		return fmt.Errorf("reading the logs file: %w", err)
	}
	logs, err := witness.ParseLogList(logsText)
	if err != nil {
		return fmt.Errorf("%s: %w", *logsFile, err)
	}
	store, err := witnessdb.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := witness.NewServer(witness.Config{Cosigner: cosigner, Logs: logs, Store: store, Logger: logger, MaxBodyBytes: *maxBody})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another witness running, or is --addr wrong?)", *addr, err)
	}
	hs := srv.HTTPServer(*addr, witness.DefaultTimeouts)

	logger.Info("witness listening", "addr", ln.Addr().String(), "vkey", cosigner.VerifierKey(), "logs", len(logs.Origins()), "db", *db)
	if err := httpserve.Run(context.Background(), hs, ln, 10*time.Second); err != nil {
		return err
	}
	logger.Info("witness stopped")
	return nil
}
