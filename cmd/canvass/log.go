package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/canvass/canvass/internal/httpserve"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
	"golang.org/x/mod/sumdb/note"
)

// The "canvass log" commands wire package ledger to the command line.

func init() {
	register(&command{name: "log init", summary: "create an empty election log and its signing key", run: runLogInit})
	register(&command{name: "log append", summary: "append events (JSON lines on stdin) and publish a checkpoint", run: runLogAppend})
	register(&command{name: "log verify", summary: "verify a log: every entry, tile, signature, cosignature and consistency", run: runLogVerify})
	register(&command{name: "log prove", summary: "print a C2SP tlog-proof of one entry's inclusion", run: runLogProve})
	register(&command{name: "log check-proof", summary: "check a tlog-proof against the log's key and a witness policy", run: runLogCheckProof})
	register(&command{name: "log serve", summary: "serve a log's checkpoint and tiles read-only over HTTP", run: runLogServe})
	register(&command{name: "log export", summary: "export a log as a NIST SP 1500-101 election event log", run: runLogExport})
}

// maxInputLine bounds one line of append input before parsing; entries
// themselves are limited to ledger.MaxEntrySize after canonicalization.
const maxInputLine = 1 << 20

// parseRequired parses args, refuses positional arguments (the log and
// office commands take none) and requires the named flags to be non-empty. It prints usage
// for the first problem.
func parseRequired(fs *flag.FlagSet, args []string, stderr io.Writer, required ...string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "canvass: unexpected argument %q\n", fs.Args()[0])
		fs.Usage()
		return errUsage
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			fmt.Fprintf(stderr, "canvass: missing required flag --%s\n", name)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}

func runLogInit(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log init", "--dir DIR --origin ORIGIN --key-file KEY [--policy FILE]", stderr)
	dir := fs.String("dir", "", "directory to create the log in (must not exist or be empty); it is what gets published")
	origin := fs.String("origin", "", "the log's origin: a unique, scheme-less URL-like name such as county.example/2026-general")
	keyFile := fs.String("key-file", "", "file to create for the signing key (mode 0600, outside --dir); keep it secret")
	policyFile := fs.String("policy", "", "C2SP tlog-policy file naming the witnesses whose quorum must cosign every checkpoint (stored with the log)")
	if err := parseRequired(fs, args, stderr, "dir", "origin", "key-file"); err != nil {
		return err
	}
	var policy []byte
	if *policyFile != "" {
		b, err := os.ReadFile(*policyFile)
		if err != nil {
			return err
		}
		if _, err := ledger.ParsePolicy(b); err != nil {
			return fmt.Errorf("%s: %w", *policyFile, err)
		}
		policy = b
	}
	if ents, err := os.ReadDir(*dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty; choose a new directory for the log", *dir)
	}
	if _, err := ledger.CreateKeyFile(*keyFile, *origin, *dir); err != nil {
		return err
	}
	skey, err := ledger.ReadKeyFile(*keyFile, *dir)
	if err == nil {
		var vkey string
		if vkey, err = ledger.CreateDir(*dir, skey, policy); err == nil {
			fmt.Fprintf(stdout, "created log %s in %s\n", *origin, *dir)
			fmt.Fprintf(stdout, "signing key: %s (keep it secret and off the published directory)\n", *keyFile)
			fmt.Fprintln(stdout, "verifier key (give this to verifiers and witnesses):")
			fmt.Fprintln(stdout, vkey)
			return nil
		}
	}
	// The key was created by this run and guards nothing yet.
	os.Remove(*keyFile)
	return err
}

func runLogAppend(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log append", "--dir DIR --key-file KEY [--policy FILE] [--stream] < events.jsonl", stderr)
	dir := fs.String("dir", "", "log directory")
	keyFile := fs.String("key-file", "", "the log's signing key file")
	policyFile := fs.String("policy", "", "witness policy (C2SP tlog-policy) to use instead of the one stored at init")
	batch := fs.Int("batch", 4096, "entries per durable batch and published checkpoint")
	stream := fs.Bool("stream", false, "append lines as they arrive instead of reading all input first; a bad line then stops the run after the lines before it were appended")
	witnessTimeout := fs.Duration("witness-timeout", 10*time.Second, "how long to wait for witnesses' cosignatures per checkpoint")
	lockTimeout := fs.Duration("lock-timeout", time.Minute, "how long to wait for another process appending to the same log")
	if err := parseRequired(fs, args, stderr, "dir", "key-file"); err != nil {
		return err
	}
	if *batch < 1 {
		fmt.Fprintln(stderr, "canvass: --batch must be at least 1")
		return errUsage
	}
	skey, err := ledger.ReadKeyFile(*keyFile, *dir)
	if err != nil {
		return err
	}
	opts := ledger.Options{WitnessTimeout: *witnessTimeout}
	if *policyFile != "" {
		b, err := os.ReadFile(*policyFile)
		if err != nil {
			return err
		}
		if opts.Policy, err = ledger.ParsePolicy(b); err != nil {
			return fmt.Errorf("%s: %w", *policyFile, err)
		}
	}
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lockCtx, cancel := context.WithTimeout(sigCtx, *lockTimeout)
	l, err := ledger.OpenDir(lockCtx, *dir, skey, opts)
	cancel()
	if err != nil {
		return err
	}
	if first, n := l.Recovered(); n > 0 {
		fmt.Fprintf(stderr, "canvass: recovered %d entries appended before an interruption: indexes %d..%d; they are published now and their indexes are not printed below, so do not feed them again\n", n, first, first+n-1)
	}
	// Every group commit is published before its indexes are printed: a
	// printed index is in the verifiable log.
	a := ledger.NewAppender(l, ledger.AppenderOptions{MaxBatch: *batch, Publish: true})
	defer a.Close()
	// Cancelled on the first failure, so that events still queued are not
	// appended after it.
	ctx, cancelRest := context.WithCancel(sigCtx)
	defer cancelRest()

	futures := make(chan ledger.IndexFuture, *batch)
	readErr := make(chan error, 1)
	go func() {
		defer close(futures)
		readErr <- readEvents(ctx, stdin, a, futures, !*stream)
	}()
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	appended := 0
	for f := range futures {
		idx, err := f()
		if err != nil {
			cancelRest()
			for range futures {
			}
			if sigCtx.Err() != nil {
				return fmt.Errorf("interrupted (%v); the indices printed so far are published, the rest was not appended or will be published by the next append", err)
			}
			return err
		}
		out.WriteString(strconv.FormatUint(idx, 10))
		out.WriteByte('\n')
		appended++
		// Flush at the end of each published group, so that what was
		// published is printed before the next group is written.
		if len(futures) == 0 || idx+1 >= a.Published().Size {
			if err := out.Flush(); err != nil {
				cancelRest()
				for range futures {
				}
				return err
			}
		}
	}
	if err := <-readErr; err != nil {
		if appended > 0 {
			return fmt.Errorf("%w (the lines before it were appended; their indices are printed above)", err)
		}
		return fmt.Errorf("%w; nothing was appended", err)
	}
	// With no input this still publishes entries a crash left committed
	// but unpublished, and retries a checkpoint that missed its quorum.
	_, err = a.Publish(ctx)
	return err
}

// readEvents parses JSON lines from r into events and adds them to a,
// sending each one's future to out in input order. Each event is first
// encoded as the entry it will be (at index a.Size()+k: the writer lock
// keeps anyone else from appending meanwhile), which also checks its size.
// With all set, every line is read and checked before any event is added,
// so a bad line appends nothing.
func readEvents(ctx context.Context, r io.Reader, a *ledger.Appender, out chan<- ledger.IndexFuture, all bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	origin, next := a.Origin(), a.Size()
	var scratch []byte
	// Held lines live in large chunks rather than one allocation each,
	// so that a million events cost little more than their size; they
	// are parsed again when added.
	var held [][]byte
	var chunk []byte
	const chunkSize = 4 << 20
	add := func(ev ledger.Event) bool {
		select {
		case out <- a.Add(ctx, ev):
			return true
		case <-ctx.Done():
			return false
		}
	}
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br)
		if err == io.EOF && line == nil {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("stdin line %d: %w", lineNo, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if err == io.EOF {
				break
			}
			continue
		}
		ev, perr := ledger.ParseInput(line)
		if perr != nil {
			return fmt.Errorf("stdin line %d: %w", lineNo, perr)
		}
		check := ev
		if scratch, perr = check.AppendEntry(scratch[:0], origin, next, time.Now()); perr != nil {
			return fmt.Errorf("stdin line %d: %w", lineNo, perr)
		}
		next++
		if all {
			if cap(chunk)-len(chunk) < len(line) {
				chunk = make([]byte, 0, max(chunkSize, len(line)))
			}
			start := len(chunk)
			chunk = append(chunk, line...)
			held = append(held, chunk[start:len(chunk):len(chunk)])
		} else if !add(ev) {
			return nil
		}
		if err == io.EOF {
			break
		}
	}
	for _, line := range held {
		ev, err := ledger.ParseInput(line)
		if err != nil {
			return err // parsed once already: cannot happen
		}
		if !add(ev) {
			return nil
		}
	}
	return nil
}

// readLine reads one line without its newline, refusing lines longer than
// maxInputLine. It returns io.EOF with the last line if that line has no
// newline.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxInputLine {
			return nil, fmt.Errorf("line is longer than %d bytes; an entry may be at most %d bytes", maxInputLine, ledger.MaxEntrySize)
		}
		switch err {
		case nil:
			return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")), nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(line) == 0 {
				return nil, io.EOF
			}
			return line, io.EOF
		default:
			return nil, err
		}
	}
}

// logSource opens the log named by --dir or --url.
func logSource(dir, url string, stderr io.Writer, usage func()) (ledger.Fetcher, error) {
	switch {
	case dir != "" && url != "":
		fmt.Fprintln(stderr, "canvass: give either --dir or --url, not both")
		usage()
		return nil, errUsage
	case dir != "":
		if _, err := os.Stat(filepath.Join(dir, ledger.CheckpointPath)); err != nil {
			return nil, fmt.Errorf("%s has no checkpoint; is it a log directory? (%v)", dir, err)
		}
		return ledger.DirFetcher(dir), nil
	case url != "":
		if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
			return nil, fmt.Errorf("--url %q must start with https:// or http://", url)
		}
		return ledger.HTTPFetcher{Prefix: url}, nil
	}
	fmt.Fprintln(stderr, "canvass: give the log with --dir or --url")
	usage()
	return nil, errUsage
}

// readVKey accepts a verifier key as text or as a file holding it.
func readVKey(v string) (string, error) {
	if _, err := note.NewVerifier(v); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return "", fmt.Errorf("--vkey %q is neither a verifier key (<origin>+<hash>+<key>) nor a readable file", v)
	}
	// A file may hold other lines (e.g. log init's output): take the last
	// non-empty line.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	k := strings.TrimSpace(lines[len(lines)-1])
	if _, err := note.NewVerifier(k); err != nil {
		return "", fmt.Errorf("--vkey file %s does not end with a verifier key: %v", v, err)
	}
	return k, nil
}

func readPolicy(path string) (*witness.Policy, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ledger.ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func runLogVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log verify", "--dir DIR|--url URL --vkey VKEY [--policy FILE] [--state FILE]", stderr)
	dir := fs.String("dir", "", "log directory")
	url := fs.String("url", "", "log URL prefix (where checkpoint and tile/ are served)")
	vkey := fs.String("vkey", "", "the log's verifier key, or a file holding it")
	policyFile := fs.String("policy", "", "C2SP tlog-policy file; the checkpoint must carry its quorum of witness cosignatures")
	stateFile := fs.String("state", "", "file holding the last checkpoint this verifier accepted; the log must be consistent with it, and it is updated on success")
	workers := fs.Int("workers", 0, "tiles checked in parallel (default: number of CPUs; 8 for --url)")
	if err := parseRequired(fs, args, stderr, "vkey"); err != nil {
		return err
	}
	f, err := logSource(*dir, *url, stderr, fs.Usage)
	if err != nil {
		return err
	}
	key, err := readVKey(*vkey)
	if err != nil {
		return err
	}
	policy, err := readPolicy(*policyFile)
	if err != nil {
		return err
	}
	opts := ledger.VerifyOptions{VKey: key, Policy: policy, Workers: *workers}
	if *url != "" && opts.Workers == 0 {
		opts.Workers = 8
	}
	if *stateFile != "" {
		if opts.Previous, err = ledger.ReadState(*stateFile); err != nil {
			return err
		}
	}
	start := time.Now()
	res, err := ledger.Verify(context.Background(), f, opts)
	if err != nil {
		return fmt.Errorf("verification FAILED: %w", err)
	}
	cp := res.Checkpoint
	fmt.Fprintf(stdout, "log %s: %d entries verified in %.2fs\n", cp.Origin, cp.Size, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "root %s\n", strings.Split(string(cp.Text()), "\n")[2])
	if policy != nil {
		fmt.Fprintf(stdout, "cosigned by %s (quorum %s met)\n", strings.Join(cp.CosignerNames(), ", "), policy.Quorum)
	}
	if res.Previous != nil {
		fmt.Fprintf(stdout, "consistent with the previously verified checkpoint of size %d\n", res.Previous.Size)
	}
	if *stateFile != "" {
		if err := ledger.WriteState(*stateFile, cp.Note); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "state %s updated to size %d\n", *stateFile, cp.Size)
	}
	return nil
}

func runLogProve(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log prove", "--dir DIR|--url URL --index N", stderr)
	dir := fs.String("dir", "", "log directory")
	url := fs.String("url", "", "log URL prefix")
	index := fs.String("index", "", "index of the entry to prove (as printed by log append)")
	if err := parseRequired(fs, args, stderr, "index"); err != nil {
		return err
	}
	n, err := strconv.ParseUint(*index, 10, 63)
	if err != nil {
		fmt.Fprintf(stderr, "canvass: --index %q is not a non-negative integer\n", *index)
		return errUsage
	}
	f, err := logSource(*dir, *url, stderr, fs.Usage)
	if err != nil {
		return err
	}
	p, err := ledger.Prove(context.Background(), f, n)
	if err != nil {
		return err
	}
	_, err = stdout.Write(p.Marshal())
	return err
}

func runLogCheckProof(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log check-proof", "--vkey VKEY [--policy FILE] [--entry FILE] < proof.tlog-proof", stderr)
	vkey := fs.String("vkey", "", "the log's verifier key, or a file holding it")
	policyFile := fs.String("policy", "", "C2SP tlog-policy file whose quorum the proof's checkpoint must meet")
	entryFile := fs.String("entry", "", "file holding the entry (default: the proof's extra data)")
	if err := parseRequired(fs, args, stderr, "vkey"); err != nil {
		return err
	}
	key, err := readVKey(*vkey)
	if err != nil {
		return err
	}
	policy, err := readPolicy(*policyFile)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return err
	}
	p, err := ledger.ParseProof(raw)
	if err != nil {
		return err
	}
	var entry []byte
	if *entryFile != "" {
		if entry, err = os.ReadFile(*entryFile); err != nil {
			return err
		}
	}
	sc, err := ledger.VerifyProof(p, entry, key, policy)
	if err != nil {
		return fmt.Errorf("proof FAILED: %w", err)
	}
	if entry == nil {
		entry = p.Extra
	}
	fmt.Fprintf(stdout, "entry %d is in log %s (checkpoint size %d)\n", p.Index, sc.Origin, sc.Size)
	fmt.Fprintf(stdout, "%s\n", entry)
	return nil
}

func runLogServe(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log serve", "--dir DIR [--addr HOST:PORT]", stderr)
	dir := fs.String("dir", "", "log directory")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := parseRequired(fs, args, stderr, "dir"); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*dir, ledger.CheckpointPath)); err != nil {
		return fmt.Errorf("%s has no checkpoint; is it a log directory? (%v)", *dir, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := ledger.NewServer(*addr, ledger.DirFetcher(*dir))
	fmt.Fprintf(stdout, "serving %s read-only at http://%s/ (checkpoint, tile/...)\n", *dir, ln.Addr())
	return httpserve.Run(context.Background(), srv, ln, 5*time.Second)
}

func runLogExport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("log export", "--dir DIR|--url URL --format nist-eel [--out FILE]", stderr)
	dir := fs.String("dir", "", "log directory")
	url := fs.String("url", "", "log URL prefix")
	format := fs.String("format", "", "output format; only nist-eel (NIST SP 1500-101 ElectionEventLog JSON)")
	outFile := fs.String("out", "", "file to write (replaced atomically); default standard output")
	vkey := fs.String("vkey", "", "the log's verifier key (or a file holding it): also check the checkpoint's signature")
	electionID := fs.String("election-id", "", "value for ElectionEventLog.ElectionId")
	genTime := fs.String("generated-time", "", "RFC 3339 value for GeneratedTime (default: now), for reproducible exports")
	if err := parseRequired(fs, args, stderr, "format"); err != nil {
		return err
	}
	if *format != "nist-eel" {
		fmt.Fprintf(stderr, "canvass: unknown --format %q; the only format is nist-eel\n", *format)
		return errUsage
	}
	f, err := logSource(*dir, *url, stderr, fs.Usage)
	if err != nil {
		return err
	}
	opts := ledger.ExportOptions{ElectionID: *electionID, SoftwareVersion: "canvass " + versionString()}
	if *vkey != "" {
		if opts.VKey, err = readVKey(*vkey); err != nil {
			return err
		}
	}
	if *genTime != "" {
		if opts.GeneratedTime, err = time.Parse(time.RFC3339, *genTime); err != nil {
			return fmt.Errorf("--generated-time %q is not RFC 3339 (e.g. 2026-11-03T20:00:00Z)", *genTime)
		}
	}
	if *outFile == "" {
		return ledger.ExportNIST(context.Background(), f, stdout, opts)
	}
	return ledger.ExportNISTFile(context.Background(), f, *outFile, opts)
}
