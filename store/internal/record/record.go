// Package record holds what the store backends share besides SQL: the
// validation of records and sessions, which must reject exactly the same
// input in every backend, and the Dump encoding, which must produce exactly
// the same bytes.
package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canvass/canvass/store"
)

// Limits from store.Record's documentation.
const (
	MaxKind = 64
	MaxID   = 256
)

// ErrInvalid wraps every validation error, so callers and tests can tell
// a rejected record from a database failure.
var ErrInvalid = errors.New("store: invalid record")

// Validate checks r before any of its batch is written, so that one bad
// record rejects the whole batch.
//
// Beyond store.Record's documented limits: Kind, ID and Parent may not
// contain NUL (PostgreSQL text cannot hold it, and both backends must accept
// the same records); ID may not be empty; non-nil Data must be valid JSON
// without line breaks, so that Dump can embed it verbatim as one line. The
// office writes compact canonical JSON, which always qualifies.
func Validate(r store.Record) error {
	if err := validKind(r.Kind); err != nil {
		return err
	}
	if r.ID == "" {
		return fmt.Errorf("%w: %s record with an empty id", ErrInvalid, r.Kind)
	}
	if err := validText("id", r.ID); err != nil {
		return fmt.Errorf("%s record: %w", r.Kind, err)
	}
	if err := validText("parent", r.Parent); err != nil {
		return fmt.Errorf("%s record %q: %w", r.Kind, short(r.ID), err)
	}
	if r.Data == nil {
		return nil
	}
	if bytes.ContainsAny(r.Data, "\r\n") {
		return fmt.Errorf("%w: %s record %q: data contains a line break; store compact JSON", ErrInvalid, r.Kind, short(r.ID))
	}
	if !json.Valid(r.Data) {
		return fmt.Errorf("%w: %s record %q: data is not valid JSON", ErrInvalid, r.Kind, short(r.ID))
	}
	return nil
}

func validKind(k string) error {
	if k == "" || len(k) > MaxKind {
		return fmt.Errorf("%w: kind %q must be 1 to %d bytes", ErrInvalid, short(k), MaxKind)
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("%w: kind %q may contain only a-z, 0-9 and '-'", ErrInvalid, short(k))
		}
	}
	return nil
}

// ValidKind checks a kind passed to a read (Get, List, ListKind). Reads of
// a malformed kind would find nothing anyway; rejecting them reports the
// caller's bug instead of hiding it behind ErrNotFound.
func ValidKind(k string) error { return validKind(k) }

func validText(field, s string) error {
	if len(s) > MaxID {
		return fmt.Errorf("%w: %s is %d bytes, more than %d", ErrInvalid, field, len(s), MaxID)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalid, field, short(s))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%w: %s %q contains NUL", ErrInvalid, field, short(s))
	}
	return nil
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Time range a session time must fall in: both backends store Unix
// nanoseconds in a 64-bit integer (PostgreSQL's timestamptz would round to
// microseconds and SQLite has no time type).
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// ValidateSession checks s before PutSession stores it.
func ValidateSession(s store.Session) error {
	if s.User == "" {
		return fmt.Errorf("%w: session without a user", ErrInvalid)
	}
	if err := validText("user", s.User); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	for _, t := range []time.Time{s.Created, s.LastSeen} {
		if t.Before(minTime) || t.After(maxTime) {
			return fmt.Errorf("%w: session time %v outside 1678-2262", ErrInvalid, t)
		}
	}
	return nil
}

// ValidateUser checks the user name of a secret.
func ValidateUser(user string) error {
	if user == "" {
		return fmt.Errorf("%w: secret without a user", ErrInvalid)
	}
	return validText("user", user)
}

// Nanos converts a session time for storage.
func Nanos(t time.Time) int64 { return t.UnixNano() }

// Time converts a stored session time back, in UTC so that a session reads
// back the same whatever the server's time zone.
func Time(n int64) time.Time { return time.Unix(0, n).UTC() }

// CutoffNanos converts a DeleteSessions bound: the zero time matches
// nothing, which is a bound below every storable time. Times beyond the
// storable range clamp to it.
func CutoffNanos(t time.Time) int64 {
	switch {
	case t.IsZero() || t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// Dumper writes the Dump format, one line per record and a last line with
// the applied count:
//
//	{"kind":"election","parent":"","id":"e1","data":{"name":"General"}}
//	{"applied":42}
//
// Strings are JSON-encoded by encoding/json without HTML escaping; data is
// the record's bytes, verbatim. Records must be written in (Kind, Parent,
// ID) byte order; Dumper checks this so a backend whose collation is not
// byte order fails loudly instead of dumping different bytes.
type Dumper struct {
	w    io.Writer
	buf  []byte
	last *store.Record
	err  error
}

// NewDumper returns a Dumper writing to w.
func NewDumper(w io.Writer) *Dumper { return &Dumper{w: w} }

// Record writes one record line.
func (d *Dumper) Record(r store.Record) error {
	if d.err != nil {
		return d.err
	}
	if d.last != nil && !Less(*d.last, r) {
		d.err = fmt.Errorf("store: dump out of order: %s/%q/%q after %s/%q/%q; is the database collation byte order?",
			r.Kind, short(r.Parent), short(r.ID), d.last.Kind, short(d.last.Parent), short(d.last.ID))
		return d.err
	}
	d.last = &store.Record{Kind: r.Kind, Parent: r.Parent, ID: r.ID}
	b := append(d.buf[:0], `{"kind":`...)
	b = appendString(b, r.Kind)
	b = append(b, `,"parent":`...)
	b = appendString(b, r.Parent)
	b = append(b, `,"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"data":`...)
	b = append(b, r.Data...)
	b = append(b, "}\n"...)
	d.buf = b
	_, d.err = d.w.Write(b)
	return d.err
}

// Applied writes the last line.
func (d *Dumper) Applied(n uint64) error {
	if d.err != nil {
		return d.err
	}
	_, d.err = io.WriteString(d.w, `{"applied":`+strconv.FormatUint(n, 10)+"}\n")
	return d.err
}

// Less reports whether a sorts before b in Dump order.
func Less(a, b store.Record) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Parent != b.Parent {
		return a.Parent < b.Parent
	}
	return a.ID < b.ID
}

func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a valid UTF-8 string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ValidKey reports whether s could be stored as an id, parent or user:
// reads with any other key find nothing, and PostgreSQL would reject the
// parameter (NUL, invalid UTF-8) instead of finding nothing.
func ValidKey(s string) error { return validText("key", s) }
