package dominion

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/internal/jsonscan"
)

// Manifest file names inside an export folder.
const (
	contestManifest         = "ContestManifest.json"
	candidateManifest       = "CandidateManifest.json"
	precinctPortionManifest = "PrecinctPortionManifest.json"
	ballotTypeManifest      = "BallotTypeManifest.json"
	precinctManifest        = "PrecinctManifest.json"
)

// maxManifestListEntries bounds a manifest's List, so that a corrupt file
// cannot grow the tables without end.
const maxManifestListEntries = 1 << 20

type mContest struct {
	id      int64
	idText  string
	name    string
	voteFor int
	ranks   int
}

type mCandidate struct {
	id      int64
	idText  string
	name    string
	contest int64
	writeIn bool // Type "WriteIn"
}

// manifests is what an export folder says about its contests, candidates,
// precinct portions and ballot types.
type manifests struct {
	contests    []mContest
	candidates  []mCandidate
	portions    map[int64]string
	ballotTypes map[int64]string // nil when the folder has no BallotTypeManifest.json
	precincts   map[int64]string // nil when the folder has no PrecinctManifest.json
}

// loadManifests reads the manifests RCTab requires (contests, candidates,
// precinct portions) and the optional ballot type manifest.
func loadManifests(src cvr.Source, dir string) (*manifests, error) {
	m := &manifests{portions: map[int64]string{}}
	err := readManifest(src, dir, contestManifest, true, func(s *jsonscan.Scanner, loc *location) error {
		var c mContest
		var haveID, haveName bool
		c.voteFor = 1
		var it jsonscan.Iter
		for {
			key, ok, err := s.ObjectKey(&it)
			if err != nil || !ok {
				if err == nil {
					err = loc.missing(haveID, "Id", haveName, "Description")
				}
				if err == nil {
					m.contests = append(m.contests, c)
				}
				return err
			}
			loc.key = string(key)
			switch loc.key {
			case "Id":
				c.id, c.idText, err = readID(s)
				haveID = true
			case "Description":
				c.name, err = readString(s)
				haveName = true
			case "VoteFor":
				c.voteFor, err = readSmallInt(s, 0)
			case "NumOfRanks":
				c.ranks, err = readSmallInt(s, 0)
			default:
				err = s.Skip()
			}
			if err != nil {
				return err
			}
		}
	})
	if err != nil {
		return nil, err
	}
	err = readManifest(src, dir, candidateManifest, true, func(s *jsonscan.Scanner, loc *location) error {
		var c mCandidate
		var haveID, haveName, haveContest bool
		var it jsonscan.Iter
		for {
			key, ok, err := s.ObjectKey(&it)
			if err != nil || !ok {
				if err == nil {
					err = loc.missing(haveID, "Id", haveName, "Description", haveContest, "ContestId")
				}
				if err == nil {
					m.candidates = append(m.candidates, c)
				}
				return err
			}
			loc.key = string(key)
			switch loc.key {
			case "Id":
				c.id, c.idText, err = readID(s)
				haveID = true
			case "Description":
				c.name, err = readString(s)
				haveName = true
			case "ContestId":
				c.contest, _, err = readID(s)
				haveContest = true
			case "Type":
				var t string
				t, err = readString(s)
				c.writeIn = t == "WriteIn"
			default:
				err = s.Skip()
			}
			if err != nil {
				return err
			}
		}
	})
	if err != nil {
		return nil, err
	}
	portions := func(dst map[int64]string) func(s *jsonscan.Scanner, loc *location) error {
		return func(s *jsonscan.Scanner, loc *location) error {
			var id int64
			var name string
			var haveID, haveName bool
			var it jsonscan.Iter
			for {
				key, ok, err := s.ObjectKey(&it)
				if err != nil || !ok {
					if err == nil {
						err = loc.missing(haveID, "Id", haveName, "Description")
					}
					if err == nil {
						dst[id] = name
					}
					return err
				}
				loc.key = string(key)
				switch loc.key {
				case "Id":
					id, _, err = readID(s)
					haveID = true
				case "Description":
					name, err = readString(s)
					haveName = true
				default:
					err = s.Skip()
				}
				if err != nil {
					return err
				}
			}
		}
	}
	if err := readManifest(src, dir, precinctPortionManifest, true, portions(m.portions)); err != nil {
		return nil, err
	}
	types := map[int64]string{}
	switch err := readManifest(src, dir, ballotTypeManifest, false, portions(types)); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		m.ballotTypes = types
	}
	precincts := map[int64]string{}
	switch err := readManifest(src, dir, precinctManifest, false, portions(precincts)); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		m.precincts = precincts
	}
	return m, nil
}

// location tracks where in a file the parser is, so that an error can name
// the record and the JSON key path.
type location struct {
	path   string
	record int // 1-based; 0 = outside any record
	prefix string
	key    string
}

func (l *location) field() string {
	if l.key == "" {
		return l.prefix
	}
	if l.prefix == "" {
		return l.key
	}
	return l.prefix + "." + l.key
}

// missing reports the first absent required key; pairs are (present, name).
func (l *location) missing(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !pairs[i].(bool) {
			l.key = pairs[i+1].(string)
			return errors.New("required key is missing")
		}
	}
	return nil
}

// readManifest walks the List array of a manifest file, calling item for
// each element. A missing optional file is fs.ErrNotExist.
func readManifest(src cvr.Source, dir, name string, required bool, item func(*jsonscan.Scanner, *location) error) error {
	path := src.Join(dir, name)
	f, err := src.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !required {
				return err
			}
			return &cvr.Error{Path: path, Err: fmt.Errorf("missing manifest: a Dominion CVR export folder must hold %s, %s and %s beside CvrExport.json; export the CVRs again with their manifests", contestManifest, candidateManifest, precinctPortionManifest)}
		}
		return &cvr.Error{Path: path, Err: err}
	}
	defer f.Close()
	s := jsonscan.New(f, cvr.MaxFieldBytes)
	loc := &location{path: path}
	wrap := func(err error) error { return wrapErr(err, s, loc) }
	var root jsonscan.Iter
	found := false
	for {
		key, ok, err := s.ObjectKey(&root)
		if err != nil {
			return wrap(err)
		}
		if !ok {
			break
		}
		if string(key) != "List" {
			if err := s.Skip(); err != nil {
				return wrap(err)
			}
			continue
		}
		found = true
		var list jsonscan.Iter
		for i := 0; ; i++ {
			ok, err := s.ArrayElem(&list)
			if err != nil {
				loc.prefix, loc.key, loc.record = "List", "", 0
				return wrap(err)
			}
			if !ok {
				break
			}
			if i == maxManifestListEntries {
				loc.prefix, loc.key = "List", ""
				return wrap(fmt.Errorf("more than %d entries: %w", maxManifestListEntries, cvr.ErrTooLarge))
			}
			loc.record, loc.prefix, loc.key = i+1, "List["+strconv.Itoa(i)+"]", ""
			if err := item(s, loc); err != nil {
				return wrap(err)
			}
		}
		loc.record, loc.prefix, loc.key = 0, "", ""
	}
	if err := s.End(); err != nil {
		return wrap(err)
	}
	if !found {
		return &cvr.Error{Path: path, Field: "List", Err: errors.New("no List array; expected a Dominion manifest like {\"Version\": ..., \"List\": [...]}")}
	}
	return nil
}

// wrapErr turns a scanner or validation error into a *cvr.Error at the
// current location.
func wrapErr(err error, s *jsonscan.Scanner, loc *location) error {
	var ce *cvr.Error
	if errors.As(err, &ce) {
		return err
	}
	e := &cvr.Error{Path: loc.path, Record: loc.record, Field: loc.field(), Offset: s.Offset(), Err: err}
	var se *jsonscan.SyntaxError
	if errors.As(err, &se) {
		e.Offset = se.Offset
		e.Err = fmt.Errorf("malformed JSON: %s", se.Msg)
		if errors.Is(se, jsonscan.ErrTooLarge) {
			e.Err = fmt.Errorf("%s: %w", se.Msg, cvr.ErrTooLarge)
		}
	}
	return e
}

// readID reads a Dominion identifier: an integer, written as a JSON number
// or a string of digits.
func readID(s *jsonscan.Scanner) (int64, string, error) {
	b, err := s.Scalar()
	if err != nil {
		return 0, "", err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("expected an integer Dominion Id, found %q", b)
	}
	return n, strconv.FormatInt(n, 10), nil
}

func readString(s *jsonscan.Scanner) (string, error) {
	b, err := s.String()
	return string(b), err
}

// readSmallInt reads a count such as VoteFor; null reads as def.
func readSmallInt(s *jsonscan.Scanner, def int) (int, error) {
	if null, err := s.Null(); null || err != nil {
		return def, err
	}
	n, err := s.Int()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("expected a count between 0 and %d, found %d", 1<<20, n)
	}
	return int(n), nil
}
