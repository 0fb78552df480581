package ledger

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxEntrySize is the largest entry, in bytes of canonical JSON, that the
// log stores: entry bundles prefix each entry with a big-endian uint16
// length.
const MaxEntrySize = 1<<16 - 1

// maxStringField bounds KindString payload fields.
const maxStringField = 4096

// Event is one log entry: the fields of a NIST SP 1500-101 Event plus a
// typed payload. In the log it is written as canonical JSON with the keys
// Description, Details, Disposition, Id, OtherDisposition, Payload,
// Sequence, Severity, TimeStamp, Type and UserId (empty optional fields are
// omitted).
type Event struct {
	// Sequence is the entry's index in the log; assigned by the log.
	Sequence uint64
	// ID is unique within the log and across logs: "<origin>/<sequence>";
	// assigned by the log.
	ID string
	// TimeStamp is when the event happened, RFC 3339 in UTC ("Z"). When a
	// client leaves it out, the log uses the time it sequenced the event.
	TimeStamp time.Time
	// Type is an EventType ID from the Catalogue.
	Type string
	// Disposition is one of Dispositions; OtherDisposition says what it
	// was when Disposition is "other" (and must be empty otherwise).
	Disposition      string
	OtherDisposition string
	// Description, Details and UserID are optional free text: a summary,
	// more detail, and the user who acted.
	Description string
	Details     string
	UserID      string
	// Severity is one of Severities; it defaults to the type's severity.
	Severity string
	// Payload holds the type's fields, decoded from JSON: strings,
	// int64 counts, map[string]any file commitments and []any arrays.
	Payload map[string]any
}

// FieldError reports an invalid field of an event.
type FieldError struct {
	// Field is the JSON path of the field, e.g. "Payload.file.sha256".
	Field string
	// Msg says what was expected.
	Msg string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// inputKeys are the keys a client may send; Id and Sequence are assigned by
// the log.
var inputKeys = []string{"Description", "Details", "Disposition", "OtherDisposition", "Payload", "Severity", "TimeStamp", "Type", "UserId"}

// entryKeys are the keys of a stored entry.
var entryKeys = []string{"Description", "Details", "Disposition", "Id", "OtherDisposition", "Payload", "Sequence", "Severity", "TimeStamp", "Type", "UserId"}

// ParseInput parses one event as a client submits it: a JSON object with
// Type, Disposition and Payload, and optionally TimeStamp, Severity,
// Description, Details, UserId and OtherDisposition. Key order and white
// space are free; the event is stored canonically. Id and Sequence must be
// absent (the log assigns them). A zero TimeStamp in the result means the
// log should stamp the event when it sequences it.
func ParseInput(line []byte) (Event, error) {
	v, err := parseJSON(line)
	if err != nil {
		return Event{}, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Event{}, &JSONError{Offset: 0, Msg: "an event must be a JSON object"}
	}
	for k := range obj {
		if k == "Id" || k == "Sequence" {
			return Event{}, fieldErr(k, "is assigned by the log; remove it from the input")
		}
	}
	return eventFromObject(obj, false)
}

// eventFromObject validates obj as an event. stored selects the rules for
// entries already in the log (Id, Sequence, TimeStamp and Severity
// required) rather than for client input.
func eventFromObject(obj map[string]any, stored bool) (Event, error) {
	allowed := inputKeys
	if stored {
		allowed = entryKeys
	}
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return Event{}, fieldErr(k, "unknown field; allowed fields are %s", strings.Join(allowed, ", "))
		}
	}
	var e Event
	var err error
	if e.Type, err = requiredString(obj, "Type"); err != nil {
		return Event{}, err
	}
	et, ok := LookupType(e.Type)
	if !ok {
		return Event{}, fieldErr("Type", "unknown event type %q; see docs/events.md for the catalogue", e.Type)
	}
	if e.Disposition, err = requiredString(obj, "Disposition"); err != nil {
		return Event{}, err
	}
	if !slices.Contains(Dispositions, e.Disposition) {
		return Event{}, fieldErr("Disposition", "%q is not one of %s", e.Disposition, strings.Join(Dispositions, ", "))
	}
	if e.OtherDisposition, err = optionalString(obj, "OtherDisposition"); err != nil {
		return Event{}, err
	}
	if e.Disposition == "other" && e.OtherDisposition == "" {
		return Event{}, fieldErr("OtherDisposition", "required when Disposition is \"other\"")
	}
	if e.Disposition != "other" && e.OtherDisposition != "" {
		return Event{}, fieldErr("OtherDisposition", "allowed only when Disposition is \"other\"")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"Description", &e.Description}, {"Details", &e.Details}, {"UserId", &e.UserID}} {
		if *f.dst, err = optionalString(obj, f.key); err != nil {
			return Event{}, err
		}
	}
	if e.Severity, err = optionalString(obj, "Severity"); err != nil {
		return Event{}, err
	}
	if e.Severity == "" {
		if stored {
			return Event{}, fieldErr("Severity", "missing")
		}
		e.Severity = et.Severity
	} else if !slices.Contains(Severities, e.Severity) {
		return Event{}, fieldErr("Severity", "%q is not one of %s", e.Severity, strings.Join(Severities, ", "))
	}
	ts, err := optionalString(obj, "TimeStamp")
	if err != nil {
		return Event{}, err
	}
	if ts == "" && stored {
		return Event{}, fieldErr("TimeStamp", "missing")
	}
	if ts != "" {
		if e.TimeStamp, err = parseTimeStamp(ts, stored); err != nil {
			return Event{}, err
		}
	}
	payload, present := obj["Payload"]
	if !present {
		return Event{}, fieldErr("Payload", "missing; type %s requires %s", e.Type, describeRequired(et))
	}
	pm, ok := payload.(map[string]any)
	if !ok {
		return Event{}, fieldErr("Payload", "must be a JSON object, got %s", jsonTypeName(payload))
	}
	if err := checkPayload(et, pm); err != nil {
		return Event{}, err
	}
	e.Payload = pm
	if stored {
		seq, ok := obj["Sequence"].(int64)
		if !ok || seq < 0 {
			return Event{}, fieldErr("Sequence", "must be an integer ≥ 0, got %s", jsonTypeName(obj["Sequence"]))
		}
		e.Sequence = uint64(seq)
		if e.ID, err = requiredString(obj, "Id"); err != nil {
			return Event{}, err
		}
	}
	return e, nil
}

// parseTimeStamp accepts RFC 3339 in UTC. Stored entries must already be in
// the canonical form time.RFC3339Nano produces (no trailing zeroes in the
// fraction); client input is canonicalized.
func parseTimeStamp(s string, stored bool) (time.Time, error) {
	if !strings.HasSuffix(s, "Z") {
		return time.Time{}, fieldErr("TimeStamp", "%q must be RFC 3339 in UTC, ending in \"Z\" (e.g. 2024-11-05T20:00:00Z)", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fieldErr("TimeStamp", "%q is not an RFC 3339 date-time (e.g. 2024-11-05T20:00:00Z)", s)
	}
	if stored && t.Format(time.RFC3339Nano) != s {
		return time.Time{}, fieldErr("TimeStamp", "%q is not canonical; expected %q", s, t.Format(time.RFC3339Nano))
	}
	return t.UTC(), nil
}

func requiredString(obj map[string]any, key string) (string, error) {
	v, ok := obj[key]
	if !ok {
		return "", fieldErr(key, "missing")
	}
	s, ok := v.(string)
	if !ok {
		return "", fieldErr(key, "must be a string, got %s", jsonTypeName(v))
	}
	if s == "" {
		return "", fieldErr(key, "must not be empty")
	}
	return s, nil
}

// optionalString returns "" for an absent key. An empty string is refused
// so that every event has exactly one encoding.
func optionalString(obj map[string]any, key string) (string, error) {
	if _, ok := obj[key]; !ok {
		return "", nil
	}
	s, err := requiredString(obj, key)
	if err != nil {
		return "", err
	}
	return s, nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func describeRequired(et *EventType) string {
	var names []string
	for _, f := range et.Payload {
		if f.Required {
			names = append(names, f.Name+" ("+string(f.Kind)+")")
		}
	}
	if len(names) == 0 {
		return "an object (possibly empty)"
	}
	return "an object with " + strings.Join(names, ", ")
}

func checkPayload(et *EventType, pm map[string]any) error {
	for k := range pm {
		if !slices.ContainsFunc(et.Payload, func(f Field) bool { return f.Name == k }) {
			var names []string
			for _, f := range et.Payload {
				names = append(names, f.Name)
			}
			return fieldErr("Payload."+k, "unknown field for type %s; allowed: %s", et.ID, strings.Join(names, ", "))
		}
	}
	for _, f := range et.Payload {
		v, ok := pm[f.Name]
		if !ok {
			if f.Required {
				return fieldErr("Payload."+f.Name, "missing; required for type %s (%s)", et.ID, f.Kind)
			}
			continue
		}
		if err := checkField("Payload."+f.Name, f, v); err != nil {
			return err
		}
	}
	return nil
}

func checkField(path string, f Field, v any) error {
	switch f.Kind {
	case KindString:
		return checkString(path, v)
	case KindCount:
		n, ok := v.(int64)
		if !ok || n < 0 {
			return fieldErr(path, "must be an integer ≥ 0, got %s", describeValue(v))
		}
	case KindSHA256:
		return checkSHA256(path, v)
	case KindHash:
		s, ok := v.(string)
		if b, err := base64.StdEncoding.DecodeString(s); !ok || err != nil || len(b) != 32 {
			return fieldErr(path, "must be a base64 SHA-256 tree hash (44 characters), got %s", describeValue(v))
		}
	case KindFile:
		return checkFile(path, v)
	case KindFiles:
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return fieldErr(path, "must be a non-empty array of file commitments {name, sha256, size}, got %s", describeValue(v))
		}
		for i, e := range a {
			if err := checkFile(path+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case KindStrings:
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return fieldErr(path, "must be a non-empty array of strings, got %s", describeValue(v))
		}
		for i, e := range a {
			if err := checkString(path+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case KindEnum:
		s, ok := v.(string)
		if !ok || !slices.Contains(f.Enum, s) {
			return fieldErr(path, "must be one of %s, got %s", strings.Join(f.Enum, ", "), describeValue(v))
		}
	case KindVKey:
		s, ok := v.(string)
		if !ok || !validVKeySyntax(s) {
			return fieldErr(path, "must be a verifier key <name>+<8 hex digits>+<base64>, got %s", describeValue(v))
		}
	default:
		panic("ledger: unknown field kind " + string(f.Kind))
	}
	return nil
}

func checkString(path string, v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return fieldErr(path, "must be a non-empty string, got %s", describeValue(v))
	}
	if len(s) > maxStringField {
		return fieldErr(path, "is %d bytes; the limit is %d", len(s), maxStringField)
	}
	return nil
}

func checkSHA256(path string, v any) error {
	s, ok := v.(string)
	if !ok || !isLowerHex(s, 64) {
		return fieldErr(path, "must be a SHA-256 digest of 64 lower-case hex digits, got %s", describeValue(v))
	}
	return nil
}

func checkFile(path string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fieldErr(path, "must be a file commitment {\"name\", \"sha256\", \"size\"}, got %s", describeValue(v))
	}
	for k := range m {
		if k != "name" && k != "sha256" && k != "size" {
			return fieldErr(path+"."+k, "unknown field; a file commitment has only name, sha256 and size")
		}
	}
	for _, k := range []string{"name", "sha256", "size"} {
		if _, ok := m[k]; !ok {
			return fieldErr(path+"."+k, "missing; a file commitment needs name, sha256 and size")
		}
	}
	if err := checkString(path+".name", m["name"]); err != nil {
		return err
	}
	if err := checkSHA256(path+".sha256", m["sha256"]); err != nil {
		return err
	}
	if n, ok := m["size"].(int64); !ok || n < 0 {
		return fieldErr(path+".size", "must be the file size in bytes, an integer ≥ 0, got %s", describeValue(m["size"]))
	}
	return nil
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validVKeySyntax checks the shape <name>+<8 hex>+<base64> of a signed-note
// verifier key without interpreting the key type.
func validVKeySyntax(s string) bool {
	name, rest, ok := strings.Cut(s, "+")
	if !ok || !validKeyName(name) {
		return false
	}
	h, k, ok := strings.Cut(rest, "+")
	if !ok || !isLowerHex(h, 8) {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(k)
	return err == nil && len(b) >= 2
}

// describeValue renders a JSON value briefly for error messages.
func describeValue(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 80 {
			return strconv.Quote(v[:80]) + "…"
		}
		return strconv.Quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return jsonTypeName(v)
}

// EventID returns the Id the log gives the entry at index in the log with
// the given origin.
func EventID(origin string, index uint64) string {
	return origin + "/" + strconv.FormatUint(index, 10)
}

// object renders e as the JSON object of a stored entry.
func (e *Event) object() map[string]any {
	m := map[string]any{
		"Disposition": e.Disposition,
		"Id":          e.ID,
		"Payload":     e.Payload,
		"Sequence":    int64(e.Sequence),
		"Severity":    e.Severity,
		"TimeStamp":   e.TimeStamp.UTC().Format(time.RFC3339Nano),
		"Type":        e.Type,
	}
	for k, v := range map[string]string{"Description": e.Description, "Details": e.Details, "UserId": e.UserID, "OtherDisposition": e.OtherDisposition} {
		if v != "" {
			m[k] = v
		}
	}
	if e.Payload == nil {
		m["Payload"] = map[string]any{}
	}
	return m
}

// AppendEntry assigns the event its Sequence and Id for position index in
// the log with the given origin, stamps it with now if it has no TimeStamp,
// and appends its canonical encoding to dst. It fails if the entry would
// exceed MaxEntrySize.
func (e *Event) AppendEntry(dst []byte, origin string, index uint64, now time.Time) ([]byte, error) {
	if index > maxSafeInteger {
		return dst, fmt.Errorf("log index %d exceeds 2^53−1", index)
	}
	e.Sequence = index
	e.ID = EventID(origin, index)
	if e.TimeStamp.IsZero() {
		e.TimeStamp = now.UTC()
	}
	if e.Severity == "" {
		if t, ok := LookupType(e.Type); ok {
			e.Severity = t.Severity
		}
	}
	start := len(dst)
	dst = appendCanonical(dst, e.object())
	if n := len(dst) - start; n > MaxEntrySize {
		return dst[:start], fmt.Errorf("entry is %d bytes of canonical JSON; the limit is %d (64 KiB − 1): store large content as a file and log its commitment {name, sha256, size}", n, MaxEntrySize)
	}
	return dst, nil
}

// ParseEntry parses and checks a stored entry: it must be canonical JSON,
// a valid event of a catalogued type, with Sequence equal to index and Id
// equal to EventID(origin, index).
func ParseEntry(b []byte, origin string, index uint64) (Event, error) {
	v, err := parseCanonicalJSON(b)
	if err != nil {
		if _, lerr := parseJSON(b); lerr != nil {
			return Event{}, lerr
		}
		var je *JSONError
		if errors.As(err, &je) && !strings.HasPrefix(je.Msg, "not canonical") {
			je.Msg = "not canonical JSON: " + je.Msg
		}
		return Event{}, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Event{}, &JSONError{Offset: 0, Msg: "an entry must be a JSON object"}
	}
	e, err := eventFromObject(obj, true)
	if err != nil {
		return Event{}, err
	}
	if e.Sequence != index {
		return Event{}, fieldErr("Sequence", "is %d; the entry is at index %d", e.Sequence, index)
	}
	if want := EventID(origin, index); e.ID != want {
		return Event{}, fieldErr("Id", "is %q; the entry at index %d of this log must have Id %q", e.ID, index, want)
	}
	return e, nil
}
