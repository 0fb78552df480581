package facility

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSiteSize is the largest site description ParseSite reads, in bytes.
const MaxSiteSize = 4 << 20

// Site describes the building: its rooms, the doors that lead into them
// and the rooms each camera covers.
type Site struct {
	Rooms   []Room   `json:"rooms"`
	Doors   []Door   `json:"doors"`
	Cameras []Camera `json:"cameras"`
}

// Room is one room of the site.
type Room struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ElectionEquipment marks rooms that hold election equipment (servers,
	// tabulators, ballots): the rooms that must be watched.
	ElectionEquipment bool `json:"election_equipment"`
}

// Door is a badge-controlled door; a swipe at it is an entry into Room.
type Door struct {
	ID   string `json:"id"`
	Room string `json:"room"`
}

// Camera is a camera and the rooms it covers (a room counts as watched
// while at least one camera covering it is on).
type Camera struct {
	ID    string   `json:"id"`
	Rooms []string `json:"rooms"`
}

const fixSite = "correct the site description and load it again (nothing was loaded)"

// ParseSite reads a site description (JSON, docs/facility.md) strictly:
// exactly the documented members, each once, with the documented types,
// nothing after the object; then it validates the site (see Validate).
// name is the file name used in errors. Every error is an *Error whose
// Column is the JSON path of the problem.
func ParseSite(r io.Reader, name string) (Site, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSiteSize+1))
	if err != nil {
		return Site{}, &Error{File: name, Expected: "a readable file (" + err.Error() + ")", Fix: "read the file again"}
	}
	if len(data) > MaxSiteSize {
		return Site{}, &Error{File: name, Expected: "a site description of at most 4 MiB", Fix: fixSite}
	}
	if !utf8.Valid(data) {
		return Site{}, &Error{File: name, Expected: "UTF-8 text", Fix: fixSite}
	}
	d := &jsonDec{file: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	d.dec.UseNumber()
	tree, err := d.value("")
	if err != nil {
		return Site{}, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return Site{}, d.errAt(d.dec.InputOffset(), "", "", "nothing after the site object")
	}
	s, err := siteFromTree(name, tree)
	if err != nil {
		return Site{}, err
	}
	if err := s.validate(name); err != nil {
		return Site{}, err
	}
	return s, nil
}

// Validate checks a site built in code as ParseSite checks a file: every
// id non-empty, without surrounding space or control characters, and
// unique among the rooms, the doors and the cameras respectively; every
// room a door or camera names exists; every camera covers at least one
// room, each once.
func (s Site) Validate() error { return s.validate("site") }

func (s Site) validate(file string) error {
	bad := func(path, value, expected string) error {
		return &Error{File: file, Column: path, Value: value, Expected: expected, Fix: fixSite}
	}
	rooms := map[string]int{}
	for i, r := range s.Rooms {
		p := "rooms[" + itoa(i) + "]"
		if err := checkID(r.ID); err != "" {
			return bad(p+".id", r.ID, err)
		}
		if j, dup := rooms[r.ID]; dup {
			return bad(p+".id", r.ID, "a room id used once; rooms["+itoa(j)+"] has the same id")
		}
		rooms[r.ID] = i
		if err := checkID(r.Name); err != "" {
			return bad(p+".name", r.Name, strings.Replace(err, "an id", "a name", 1))
		}
	}
	doors := map[string]int{}
	for i, d := range s.Doors {
		p := "doors[" + itoa(i) + "]"
		if err := checkID(d.ID); err != "" {
			return bad(p+".id", d.ID, err)
		}
		if j, dup := doors[d.ID]; dup {
			return bad(p+".id", d.ID, "a door id used once; doors["+itoa(j)+"] has the same id")
		}
		doors[d.ID] = i
		if _, ok := rooms[d.Room]; !ok {
			return bad(p+".room", d.Room, "the id of a room listed in rooms")
		}
	}
	cams := map[string]int{}
	for i, c := range s.Cameras {
		p := "cameras[" + itoa(i) + "]"
		if err := checkID(c.ID); err != "" {
			return bad(p+".id", c.ID, err)
		}
		if j, dup := cams[c.ID]; dup {
			return bad(p+".id", c.ID, "a camera id used once; cameras["+itoa(j)+"] has the same id")
		}
		cams[c.ID] = i
		if len(c.Rooms) == 0 {
			return bad(p+".rooms", "", "a non-empty list of the rooms the camera covers")
		}
		for k, room := range c.Rooms {
			if _, ok := rooms[room]; !ok {
				return bad(p+".rooms["+itoa(k)+"]", room, "the id of a room listed in rooms")
			}
			if slices.Index(c.Rooms, room) < k {
				return bad(p+".rooms["+itoa(k)+"]", room, "each room once per camera")
			}
		}
	}
	return nil
}

// checkID returns what is wrong with an id or name, or "".
func checkID(s string) string {
	switch {
	case s == "":
		return "an id: a non-empty string"
	case strings.TrimSpace(s) != s:
		return "an id without leading or trailing spaces"
	case len(s) > MaxField:
		return "an id of at most 1024 bytes"
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return "an id without control characters"
		}
	}
	return ""
}

// jsonDec reads a JSON text into a tree of map[string]any, []any, string,
// json.Number, bool and nil, refusing duplicate object members.
type jsonDec struct {
	file string
	data []byte
	dec  *json.Decoder
}

func (d *jsonDec) line(off int64) int {
	if off > int64(len(d.data)) {
		off = int64(len(d.data))
	}
	return 1 + bytes.Count(d.data[:off], []byte("\n"))
}

func (d *jsonDec) errAt(off int64, path, value, expected string) *Error {
	return &Error{File: d.file, Line: d.line(off), Column: path, Value: value, Expected: expected, Fix: fixSite}
}

func (d *jsonDec) syntax(err error, path string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return d.errAt(se.Offset, path, "", "valid JSON ("+se.Error()+")")
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.errAt(int64(len(d.data)), path, "", "more JSON: the text ends early")
	}
	return d.errAt(d.dec.InputOffset(), path, "", "valid JSON ("+err.Error()+")")
}

const maxDepth = 16

func (d *jsonDec) value(path string) (any, error) {
	return d.valueDepth(path, 0)
}

func (d *jsonDec) valueDepth(path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errAt(d.dec.InputOffset(), path, "", "at most 16 levels of nesting")
	}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err, path)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for d.dec.More() {
				kt, err := d.dec.Token()
				if err != nil {
					return nil, d.syntax(err, path)
				}
				off := d.dec.InputOffset() // the end of the key
				k := kt.(string)
				p := k
				if path != "" {
					p = path + "." + k
				}
				if _, dup := obj[k]; dup {
					return nil, d.errAt(off, p, "", "each member once; \""+k+"\" appears twice")
				}
				v, err := d.valueDepth(p, depth+1)
				if err != nil {
					return nil, err
				}
				obj[k] = v
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, d.syntax(err, path)
			}
			return obj, nil
		case '[':
			arr := []any{}
			for d.dec.More() {
				v, err := d.valueDepth(path+"["+itoa(len(arr))+"]", depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, d.syntax(err, path)
			}
			return arr, nil
		}
	}
	return tok, nil
}

// siteFromTree checks the tree's shape: members, types, required ones.
func siteFromTree(file string, tree any) (Site, error) {
	bad := func(path string, v any, expected string) error {
		return &Error{File: file, Column: path, Value: describe(v), Expected: expected, Fix: fixSite}
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return Site{}, bad("", tree, "a JSON object with members rooms, doors and cameras")
	}
	if err := members(file, "", top, "rooms", "doors", "cameras"); err != nil {
		return Site{}, err
	}
	objects := func(name string, keys ...string) ([]map[string]any, error) {
		arr, ok := top[name].([]any)
		if !ok {
			return nil, bad(name, top[name], "an array of objects (empty if there are none)")
		}
		out := make([]map[string]any, len(arr))
		for i, e := range arr {
			p := name + "[" + itoa(i) + "]"
			o, ok := e.(map[string]any)
			if !ok {
				return nil, bad(p, e, "an object with members "+strings.Join(keys, ", "))
			}
			if err := members(file, p, o, keys...); err != nil {
				return nil, err
			}
			out[i] = o
		}
		return out, nil
	}
	str := func(path string, v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", bad(path, v, "a string")
		}
		return s, nil
	}
	var s Site
	rooms, err := objects("rooms", "id", "name", "election_equipment")
	if err != nil {
		return Site{}, err
	}
	s.Rooms = make([]Room, len(rooms))
	for i, o := range rooms {
		p := "rooms[" + itoa(i) + "]"
		if s.Rooms[i].ID, err = str(p+".id", o["id"]); err != nil {
			return Site{}, err
		}
		if s.Rooms[i].Name, err = str(p+".name", o["name"]); err != nil {
			return Site{}, err
		}
		b, ok := o["election_equipment"].(bool)
		if !ok {
			return Site{}, bad(p+".election_equipment", o["election_equipment"], "true or false")
		}
		s.Rooms[i].ElectionEquipment = b
	}
	doors, err := objects("doors", "id", "room")
	if err != nil {
		return Site{}, err
	}
	s.Doors = make([]Door, len(doors))
	for i, o := range doors {
		p := "doors[" + itoa(i) + "]"
		if s.Doors[i].ID, err = str(p+".id", o["id"]); err != nil {
			return Site{}, err
		}
		if s.Doors[i].Room, err = str(p+".room", o["room"]); err != nil {
			return Site{}, err
		}
	}
	cams, err := objects("cameras", "id", "rooms")
	if err != nil {
		return Site{}, err
	}
	s.Cameras = make([]Camera, len(cams))
	for i, o := range cams {
		p := "cameras[" + itoa(i) + "]"
		if s.Cameras[i].ID, err = str(p+".id", o["id"]); err != nil {
			return Site{}, err
		}
		arr, ok := o["rooms"].([]any)
		if !ok {
			return Site{}, bad(p+".rooms", o["rooms"], "an array of room ids")
		}
		s.Cameras[i].Rooms = make([]string, len(arr))
		for k, e := range arr {
			if s.Cameras[i].Rooms[k], err = str(p+".rooms["+itoa(k)+"]", e); err != nil {
				return Site{}, err
			}
		}
	}
	return s, nil
}

// members checks that o has exactly the given keys.
func members(file, path string, o map[string]any, keys ...string) error {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	names := make([]string, 0, len(o))
	for k := range o {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(keys, k) {
			return &Error{File: file, Column: join(k), Expected: "only the members " + strings.Join(keys, ", "),
				Fix: "remove or rename the member; " + fixSite}
		}
	}
	for _, k := range keys {
		if _, ok := o[k]; !ok {
			return &Error{File: file, Column: join(k), Expected: "the required member " + k + " (missing)", Fix: fixSite}
		}
	}
	return nil
}

// describe renders a decoded JSON value for an error message.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return ""
}
