package witness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DefaultMaxBodyBytes bounds an add-checkpoint request body: 63 proof lines
// and a checkpoint with 16 post-quantum-sized signatures fit with room to
// spare.
const DefaultMaxBodyBytes = 128 << 10

// Config configures a Server.
type Config struct {
	Cosigner *Cosigner    // the witness key
	Logs     *LogList     // the logs the witness serves
	Store    Store        // where the latest cosigned checkpoints live
	Logger   *slog.Logger // operational log; nil discards
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now returns the current time for cosignature timestamps; nil means
	// time.Now.
	Now func() time.Time
}

// Server is a tlog-witness: it serves POST /add-checkpoint and, for
// monitors, GET /<hex SHA-256 of origin>/checkpoint.
type Server struct {
	cfg     Config
	byHash  map[string]string // hex SHA-256 of origin -> origin
	handler http.Handler
}

// NewServer checks cfg and returns a Server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Cosigner == nil || cfg.Logs == nil || cfg.Store == nil {
		return nil, errors.New("witness server needs a Cosigner, a LogList and a Store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, byHash: map[string]string{}}
	for _, o := range cfg.Logs.Origins() {
		sum := sha256.Sum256([]byte(o))
		s.byHash[hex.EncodeToString(sum[:])] = o
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", s.serveAddCheckpoint)
	mux.HandleFunc("GET /{originHash}/checkpoint", s.serveCheckpoint)
	s.handler = mux
	return s, nil
}

// ServeHTTP implements http.Handler. Unknown paths get 404 and known paths
// with the wrong method get 405 with an Allow header.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Timeouts bound how long a client may hold a connection, so slow or
// stalled clients (slowloris) cannot exhaust the server.
type Timeouts struct {
	ReadHeader time.Duration // to read request headers
	Read       time.Duration // to read the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the response
	Idle       time.Duration // between requests on a keep-alive connection
}

// DefaultTimeouts suit a witness reached over the Internet.
var DefaultTimeouts = Timeouts{ReadHeader: 5 * time.Second, Read: 15 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second}

// HTTPServer returns an http.Server for s listening on addr with the given
// timeouts and 16 KiB of headers at most.
func (s *Server) HTTPServer(addr string, t Timeouts) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// Refusal is an add-checkpoint request the witness did not cosign, with the
// HTTP status that c2sp.org/tlog-witness prescribes.
type Refusal struct {
	Status int    // HTTP status code
	Reason string // human-readable explanation, sent as the response body
	// StoredSize is the size of the latest cosigned checkpoint, reported
	// with 409 Conflict.
	StoredSize uint64
}

// Error implements error.
func (r *Refusal) Error() string {
	return fmt.Sprintf("%d %s: %s", r.Status, http.StatusText(r.Status), r.Reason)
}

func refuse(status int, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// maxUpdateAttempts bounds retries when concurrent requests race on one
// log; after a lost race the re-check almost always ends in 409 or success.
const maxUpdateAttempts = 5

// AddCheckpoint runs the add-checkpoint protocol on a request body and
// returns the witness's cosignature line(s) once the new state is durably
// stored. Refusals are *Refusal errors; any other error is an internal
// failure (500).
func (s *Server) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	req, err := ParseAddCheckpointRequest(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "malformed request: %v", err)
	}
	return s.addCheckpoint(ctx, body, req)
}

func (s *Server) addCheckpoint(ctx context.Context, body []byte, req *AddCheckpointRequest) ([]byte, error) {
	cp := req.Checkpoint
	keys := s.cfg.Logs.Verifiers(cp.Origin)
	if len(keys) == 0 {
		return nil, refuse(http.StatusNotFound, "unknown log origin %q; this witness does not serve it", truncate(cp.Origin))
	}
	n, err := note.Open(req.SignedCheckpoint, note.VerifierList(keys...))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return nil, refuse(http.StatusForbidden, "signature from log key %s (key ID %08x) does not verify", truncate(inv.Name), inv.Hash)
		case errors.As(err, &unv):
			return nil, refuse(http.StatusForbidden, "checkpoint carries no signature from a key this witness trusts for %q", truncate(cp.Origin))
		}
		return nil, refuse(http.StatusBadRequest, "malformed signed checkpoint: %v", err)
	}
	if req.OldSize > cp.Size {
		return nil, refuse(http.StatusBadRequest, "old size %d is larger than the checkpoint size %d", req.OldSize, cp.Size)
	}
	if cp.Size == 0 && cp.Hash != EmptyTreeHash {
		return nil, s.evidence(ctx, body, cp, refuse(http.StatusUnprocessableEntity, "checkpoint of size 0 must carry the empty tree hash %s", EmptyTreeHash))
	}
	if req.OldSize == 0 && len(req.Proof) > 0 {
		return nil, refuse(http.StatusUnprocessableEntity, "old size is 0 but the request has %d proof lines; the proof must be empty", len(req.Proof))
	}

	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		prev, found, err := s.cfg.Store.Latest(ctx, cp.Origin)
		if err != nil {
			return nil, err
		}
		var stored uint64
		if found {
			stored = prev.Size
		}
		if req.OldSize != stored {
			r := refuse(http.StatusConflict, "old size %d does not match the latest checkpoint this witness cosigned for %q, of size %d", req.OldSize, truncate(cp.Origin), stored)
			r.StoredSize = stored
			return nil, r
		}
		if req.OldSize > 0 {
			if err := tlog.CheckTree(req.Proof, int64(cp.Size), cp.Hash, int64(prev.Size), prev.Hash); err != nil {
				var r *Refusal
				if cp.Size == prev.Size {
					r = refuse(http.StatusUnprocessableEntity, "checkpoint has size %d like the one this witness cosigned but a different root hash (or a non-empty proof): refusing a fork", cp.Size)
				} else {
					r = refuse(http.StatusUnprocessableEntity, "consistency proof from size %d to %d does not verify against the stored root hash", prev.Size, cp.Size)
				}
				return nil, s.evidence(ctx, body, cp, r)
			}
		}

		// Timestamps never go backwards for a log, so two cosignatures
		// never claim contradictory "largest tree as of time T" views.
		ts := uint64(max(s.cfg.Now().Unix(), 1))
		if found && prev.Timestamp > ts {
			ts = prev.Timestamp
		}
		line, err := s.cosign(n.Text, ts)
		if err != nil {
			return nil, err
		}
		next := State{Size: cp.Size, Hash: cp.Hash, Timestamp: ts, Checkpoint: monitorCheckpoint(n, line)}
		var prevp *State
		if found {
			prevp = &prev
		}
		switch err := s.cfg.Store.Update(ctx, cp.Origin, prevp, next); {
		case err == nil:
			return line, nil
		case errors.Is(err, ErrStateChanged):
			continue
		default:
			return nil, err
		}
	}
	return nil, refuse(http.StatusServiceUnavailable, "too many concurrent updates for %q; retry", truncate(cp.Origin))
}

// evidence records a refused, validly signed request as possible proof of
// log misbehaviour and returns r. Failing to record is logged, not fatal:
// the refusal itself is what protects users.
func (s *Server) evidence(ctx context.Context, body []byte, cp Checkpoint, r *Refusal) error {
	if err := s.cfg.Store.RecordEvidence(ctx, cp.Origin, r.Reason, body); err != nil {
		s.cfg.Logger.Error("recording evidence", "origin", truncate(cp.Origin), "err", err)
	}
	return r
}

// cosign returns the witness's signature line for the note text.
func (s *Server) cosign(text string, ts uint64) ([]byte, error) {
	sig, err := s.cfg.Cosigner.SignAt([]byte(text), ts)
	if err != nil {
		return nil, fmt.Errorf("cosigning: %w", err)
	}
	return signatureLine(s.cfg.Cosigner.Name(), s.cfg.Cosigner.KeyHash(), sig), nil
}

// signatureLine encodes "— <name> base64(keyID || sig)\n".
func signatureLine(name string, id uint32, sig []byte) []byte {
	raw := make([]byte, 4, 4+len(sig))
	raw[0], raw[1], raw[2], raw[3] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
	raw = append(raw, sig...)
	var b bytes.Buffer
	b.WriteString("— ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(base64.StdEncoding.EncodeToString(raw))
	b.WriteByte('\n')
	return b.Bytes()
}

// monitorCheckpoint builds the checkpoint served to monitors: the text, the
// log signatures that verified, and the witness's cosignature.
func monitorCheckpoint(n *note.Note, cosig []byte) []byte {
	var b bytes.Buffer
	b.WriteString(n.Text)
	b.WriteByte('\n')
	for _, sig := range n.Sigs {
		b.WriteString("— " + sig.Name + " " + sig.Base64 + "\n")
	}
	b.Write(cosig)
	return b.Bytes()
}

func (s *Server) serveAddCheckpoint(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	logger := s.cfg.Logger.With("remote", r.RemoteAddr)
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.writeRefusal(w, logger, start, refuse(http.StatusRequestEntityTooLarge, "request body of %d bytes exceeds the limit of %d", r.ContentLength, s.cfg.MaxBodyBytes))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeRefusal(w, logger, start, refuse(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		s.writeRefusal(w, logger, start, refuse(http.StatusBadRequest, "reading request body: %v", err))
		return
	}
	req, err := ParseAddCheckpointRequest(body)
	if err != nil {
		s.writeRefusal(w, logger, start, refuse(http.StatusBadRequest, "malformed request: %v", err))
		return
	}
	logger = logger.With("origin", truncate(req.Checkpoint.Origin), "old", req.OldSize, "size", req.Checkpoint.Size)
	line, err := s.addCheckpoint(r.Context(), body, req)
	if err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			logger.Error("add-checkpoint failed", "err", err, "duration", time.Since(start))
			http.Error(w, "internal error; the checkpoint was not cosigned", http.StatusInternalServerError)
			return
		}
		s.writeRefusal(w, logger, start, ref)
		return
	}
	logger.Info("cosigned checkpoint", "status", http.StatusOK, "duration", time.Since(start))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(line)))
	w.WriteHeader(http.StatusOK)
	w.Write(line)
}

// writeRefusal sends r in the format the protocol requires and logs it.
func (s *Server) writeRefusal(w http.ResponseWriter, logger *slog.Logger, start time.Time, r *Refusal) {
	logger.Warn("refused checkpoint", "status", r.Status, "reason", r.Reason, "duration", time.Since(start))
	if r.Status == http.StatusConflict {
		// tlog-witness: the body is the stored size and a newline, with
		// exactly this content type; clients match it literally.
		w.Header().Set("Content-Type", "text/x.tlog.size")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, "%d\n", r.StoredSize)
		return
	}
	if r.Status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	http.Error(w, r.Reason, r.Status)
}

func (s *Server) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	origin, ok := s.byHash[r.PathValue("originHash")]
	if !ok {
		http.Error(w, "no log with that origin hash; use the lowercase hex SHA-256 of the origin line", http.StatusNotFound)
		return
	}
	st, found, err := s.cfg.Store.Latest(r.Context(), origin)
	if err != nil {
		s.cfg.Logger.Error("reading checkpoint", "origin", truncate(origin), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found {
		http.Error(w, "this witness has not cosigned a checkpoint for that log yet", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(st.Checkpoint)))
	w.Write(st.Checkpoint)
}
