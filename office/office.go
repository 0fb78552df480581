package office

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/auth/webauthn"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office/blobs"
	"github.com/canvass/canvass/store"
)

// Layout of an office's data directory.
const (
	keysDir     = "keys"
	logKeyFile  = "log.key"
	sealKeyFile = "seal.key"
	logDir      = "log"
	filesDir    = "files"
	// DefaultDBName is the SQLite database in the data directory when no
	// --db is given.
	DefaultDBName = "office.db"
)

// Limits bound what a client may send.
type Limits struct {
	// JSONBody bounds every JSON request body.
	JSONBody int64
	// Upload bounds one upload request (all its parts) and, separately,
	// the total uncompressed size of a zip's members.
	Upload int64
	// ZipRatio bounds a zip member's uncompressed size relative to its
	// compressed size, against zip bombs.
	ZipRatio int64
	// ZipEntries bounds the number of members in one zip.
	ZipEntries int
}

// DefaultLimits are the documented limits (docs/office.md).
var DefaultLimits = Limits{JSONBody: 64 << 10, Upload: 1 << 30, ZipRatio: 200, ZipEntries: 10000}

// Office is an open election office. Its methods are safe for concurrent
// use: state changes are validated one at a time and committed in groups
// (commit.go), reads are not serialized.
type Office struct {
	argon2 auth.Argon2Params
	// decoyKey keys the decoy credential ids of security-key sign-in
	// (webauthn_login.go): the seal key, read once at Open.
	decoyKey []byte
	dir      string
	st       *viewStore
	blobs    *blobs.Store
	sealer   *auth.Sealer
	limits   Limits
	origin   string
	vkey     string

	// writeMu is the write lock (take it with lock): it serializes
	// validation and the queuing of changes, so that every change is
	// validated against the state all earlier accepted changes produce.
	writeMu sync.Mutex
	// next is the log index of the next accepted change; closed refuses
	// changes after Close; broken is set when the store could not catch
	// up with the log after a failed group. All three under writeMu.
	next   uint64
	closed bool
	broken error

	// log is owned by the writer goroutine (and by Open and fail, which
	// run when it is idle); size mirrors its durable size for readers.
	log  *ledger.Log
	size atomic.Uint64

	// The queue of accepted changes for the writer.
	qmu     sync.Mutex
	qcond   *sync.Cond
	queue   []*pendingEntry
	closing bool
	stopped chan struct{}

	closeOnce sync.Once
	closeErr  error

	// now is the clock; tests replace it.
	now func() time.Time

	pubOnce sync.Once
	pub     *publicCache

	// wa runs WebAuthn ceremonies once EnableWebAuthn has set it.
	wa atomic.Pointer[webauthn.RP]
}

// Options configure Open.
type Options struct {
	// Limits default to DefaultLimits.
	Limits *Limits
	// Now replaces the clock (tests).
	Now func() time.Time
	// Argon2 is the cost of new password hashes; nil means
	// auth.DefaultArgon2. Only the demo, whose passwords are printed,
	// sets a lower one.
	Argon2 *auth.Argon2Params
}

// Open opens the office in dir with the database st, and applies to st
// whatever log entries it is missing. Close closes the log, not st.
func Open(ctx context.Context, dir string, st store.Store, opts Options) (*Office, error) {
	skey, err := ledger.ReadKeyFile(filepath.Join(dir, keysDir, logKeyFile), filepath.Join(dir, logDir))
	if err != nil {
		return nil, err
	}
	sealKey, err := readSealKey(filepath.Join(dir, keysDir, sealKeyFile))
	if err != nil {
		return nil, err
	}
	sealer, err := auth.NewSealer(sealKey)
	if err != nil {
		return nil, err
	}
	l, err := ledger.OpenDir(ctx, filepath.Join(dir, logDir), skey, ledger.Options{})
	if err != nil {
		return nil, err
	}
	bs, err := blobs.Open(filepath.Join(dir, filesDir))
	if err != nil {
		l.Close()
		return nil, err
	}
	o := &Office{decoyKey: sealKey, dir: dir, log: l, st: &viewStore{Store: st, ov: &overlay{}}, blobs: bs, sealer: sealer,
		argon2: auth.DefaultArgon2, limits: DefaultLimits, origin: l.Origin(), vkey: l.VKey(), now: time.Now, stopped: make(chan struct{})}
	o.qcond = sync.NewCond(&o.qmu)
	o.size.Store(l.Size())
	o.next = l.Size()
	if opts.Limits != nil {
		o.limits = *opts.Limits
	}
	if opts.Argon2 != nil {
		o.argon2 = *opts.Argon2
	}
	if opts.Now != nil {
		o.now = opts.Now
	}
	if err := o.catchUp(ctx); err != nil {
		l.Close()
		return nil, err
	}
	go o.writeLoop()
	return o, nil
}

// Close waits for the changes already accepted to be committed, refuses
// new ones, and closes the log. It does not close the store.
func (o *Office) Close() error {
	o.closeOnce.Do(func() {
		o.writeMu.Lock()
		o.closed = true
		o.writeMu.Unlock()
		o.qmu.Lock()
		o.closing = true
		o.qcond.Signal()
		o.qmu.Unlock()
		<-o.stopped
		o.closeErr = o.log.Close()
	})
	return o.closeErr
}

// Origin returns the office's origin, the log's name.
func (o *Office) Origin() string { return o.origin }

// VKey returns the log's verifier key.
func (o *Office) VKey() string { return o.vkey }

// LogDir returns the directory of the election log.
func (o *Office) LogDir() string { return filepath.Join(o.dir, logDir) }

// LogFetcher reads the published log, for serving /log/.
func (o *Office) LogFetcher() ledger.Fetcher { return ledger.DirFetcher(o.LogDir()) }

// Store returns the office's database.
func (o *Office) Store() store.Store { return o.st.Store }

// Blobs returns the file store.
func (o *Office) Blobs() *blobs.Store { return o.blobs }

// Limits returns the request limits in force.
func (o *Office) Limits() Limits { return o.limits }

// catchUp applies every log entry the store has not applied yet. It runs
// while no change is pending: in Open, and under the write lock with the
// queue empty.
func (o *Office) catchUp(ctx context.Context) error {
	applied, err := o.st.Applied(ctx)
	if err != nil {
		return err
	}
	size := o.size.Load()
	if applied > size {
		return fmt.Errorf("the database has applied %d log entries but the log holds only %d: it belongs to another log or the log was truncated; run 'canvass rebuild'", applied, size)
	}
	return readEntries(ctx, o.LogDir(), o.origin, applied, size, func(e ledger.Event) error {
		recs, err := project(ctx, o.st, e)
		if err != nil {
			return fmt.Errorf("log entry %d (%s): %w", e.Sequence, e.Type, err)
		}
		return o.st.Apply(ctx, e.Sequence, recs)
	})
}

// newID returns prefix + 12 random hex digits: ids are chosen before the
// event is logged, so that the event names what it creates.
func newID(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

func readSealKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading the seal key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal key %s has mode %04o; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(string(trimNL(b)))
	if err != nil || len(key) != auth.SealKeySize {
		return nil, fmt.Errorf("seal key %s is not %d hex-encoded bytes", path, auth.SealKeySize)
	}
	return key, nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// getJSON loads record kind/id into v; it returns store.ErrNotFound.
func getJSON(ctx context.Context, r reader, kind, id string, v any) error {
	rec, err := r.Get(ctx, kind, id)
	if err != nil {
		return err
	}
	return json.Unmarshal(rec.Data, v)
}

// user loads an account, or nil if there is none.
func (o *Office) user(ctx context.Context, name string) (*User, error) {
	var u User
	if err := getJSON(ctx, o.st, kindUser, name, &u); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &u, nil
}

// ServiceStart logs that the service started, with the running binary's
// SHA-256 and version, so the record shows exactly what software acted.
func (o *Office) ServiceStart(ctx context.Context, version, binarySHA256, addr string) error {
	p := map[string]any{"version": version, "binary_sha256": binarySHA256}
	if addr != "" {
		p["address"] = addr
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	if _, err := o.commit(ctx, ledger.Event{Type: "service-start", Payload: p}); err != nil {
		return err
	}
	return o.republishAudits(ctx)
}
