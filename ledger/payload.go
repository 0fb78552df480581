package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// Payload is the typed payload of one event type: a struct whose JSON
// fields are exactly the catalogue's fields for that type (see
// payloads.go). Producers build one and turn it into an Event with
// NewEvent; verifiers and the office read one back with
// Event.DecodePayload. Both go through the same catalogue checks as
// events submitted as JSON.
type Payload interface {
	// EventType returns the catalogue ID of the payload's event type.
	EventType() string
}

// payloadTypes maps each catalogue type ID to its payload struct type.
var payloadTypes = map[string]reflect.Type{}

func addPayloadType(p Payload) {
	t := reflect.TypeOf(p)
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("ledger: payload %T is not a struct", p))
	}
	if _, dup := payloadTypes[p.EventType()]; dup {
		panic("ledger: two payload types for " + p.EventType())
	}
	payloadTypes[p.EventType()] = t
}

// registerType adds an event type and its payload struct to the
// catalogue. A file that defines new event types calls it from init, once
// per type, with the type's EventType entry and a zero value of its
// payload struct (see docs/events.md, "Adding an event type").
// TestPayloadStructsMatchCatalogue checks the struct against the entry.
func registerType(et EventType, zero Payload) {
	if _, dup := catalogueIndex[et.ID]; dup {
		panic("ledger: event type " + et.ID + " registered twice")
	}
	if zero.EventType() != et.ID {
		panic(fmt.Sprintf("ledger: payload %T is for type %q, not %q", zero, zero.EventType(), et.ID))
	}
	Catalogue = append(Catalogue, et)
	// The index points into Catalogue, whose backing array append may
	// have moved.
	for i := range Catalogue {
		catalogueIndex[Catalogue[i].ID] = &Catalogue[i]
	}
	addPayloadType(zero)
}

// NewEvent returns a successful event of p's type carrying p as its
// payload, after checking p against the catalogue exactly as the log will.
// The caller may then set Disposition, UserID, Description, Details,
// Severity or TimeStamp.
func NewEvent(p Payload) (Event, error) {
	et, ok := LookupType(p.EventType())
	if !ok {
		return Event{}, fieldErr("Type", "unknown event type %q; see docs/events.md for the catalogue", p.EventType())
	}
	b, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("encoding %s payload: %v", et.ID, err)
	}
	// Decoded by the log's own parser, so that numbers are int64 and
	// objects map[string]any, as for events read from JSON.
	v, err := parseJSON(b)
	if err != nil {
		return Event{}, fmt.Errorf("encoding %s payload: %v", et.ID, err)
	}
	pm, ok := v.(map[string]any)
	if !ok {
		return Event{}, fmt.Errorf("%s payload %T does not encode as a JSON object", et.ID, p)
	}
	if err := checkPayload(et, pm); err != nil {
		return Event{}, err
	}
	return Event{Type: et.ID, Disposition: "success", Payload: pm}, nil
}

// DecodePayload returns the event's payload as its type's struct (a
// value, e.g. SeedRoll). It fails for a payload that does not match the
// struct, which cannot happen for events the log accepted.
func (e *Event) DecodePayload() (Payload, error) {
	t, ok := payloadTypes[e.Type]
	if !ok {
		return nil, fieldErr("Type", "no payload struct for event type %q", e.Type)
	}
	p := reflect.New(t)
	dec := json.NewDecoder(bytes.NewReader(appendCanonical(nil, e.payloadObject())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.Interface()); err != nil {
		return nil, fmt.Errorf("decoding %s payload: %v", e.Type, err)
	}
	return p.Elem().Interface().(Payload), nil
}

func (e *Event) payloadObject() map[string]any {
	if e.Payload == nil {
		return map[string]any{}
	}
	return e.Payload
}
