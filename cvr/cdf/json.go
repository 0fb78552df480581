package cdf

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/jsonscan"
)

// ReadJSON reads a CDF report in JSON. Read calls it for files that start
// with '{'.
func ReadJSON(src cvr.Source, e *election.Election, h cvr.Handler) error {
	return readTwice('{', src, e, h)
}

// jsonParser holds a scanner and the location being read.
type jsonParser struct {
	s      *jsonscan.Scanner
	path   string
	record int
	field  string
	start  int64 // offset where the current record began
	loc    jloc  // inside a CVR (loc.cvr >= 0)
}

func (p *jsonParser) wrap(err error) error {
	var ce *cvr.Error
	if errors.As(err, &ce) {
		return err
	}
	field := p.field
	if p.record > 0 {
		field = p.loc.String()
	}
	e := &cvr.Error{Path: p.path, Record: p.record, Field: field, Offset: p.s.Offset(), Err: err}
	var se *jsonscan.SyntaxError
	if errors.As(err, &se) {
		e.Offset = se.Offset
		e.Err = fmt.Errorf("malformed JSON: %s", se.Msg)
		if errors.Is(se, jsonscan.ErrTooLarge) {
			e.Err = fmt.Errorf("%s: %w", se.Msg, cvr.ErrTooLarge)
		}
	}
	var re *recErr
	if errors.As(err, &re) {
		e.Field, e.Err = re.field, re.err
		if re.offset > 0 {
			e.Offset = re.offset
		}
	}
	return e
}

// at sets the location for the value about to be read.
func (p *jsonParser) at(field string) { p.field = field }

func (p *jsonParser) str() (string, error) {
	if null, err := p.s.Null(); null || err != nil {
		return "", err
	}
	b, err := p.s.Scalar()
	return string(b), err
}

// forArray calls fn for each element of the array at the current position.
func (p *jsonParser) forArray(fn func(i int) error) error {
	var it jsonscan.Iter
	if null, err := p.s.Null(); null || err != nil {
		return err
	}
	for i := 0; ; i++ {
		ok, err := p.s.ArrayElem(&it)
		if err != nil || !ok {
			return err
		}
		if err := fn(i); err != nil {
			return err
		}
	}
}

// forObject calls fn for each key of the object at the current position.
func (p *jsonParser) forObject(fn func(key []byte) error) error {
	var it jsonscan.Iter
	for {
		key, ok, err := p.s.ObjectKey(&it)
		if err != nil || !ok {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
}

// jsonDefs reads the Election and GpUnit sections, skipping the CVRs.
func jsonDefs(r io.Reader, path string) (*defs, error) {
	d := newDefs()
	p := &jsonParser{s: jsonscan.New(r, cvr.MaxFieldBytes), path: path}
	s := p.s
	sawElection := false
	err := p.forObject(func(key []byte) error {
		switch string(key) {
		case "Election":
			sawElection = true
			return p.forArray(func(i int) error {
				prefix := "Election[" + strconv.Itoa(i) + "]"
				return p.forObject(func(key []byte) error {
					switch string(key) {
					case "Candidate":
						return p.forArray(func(j int) error {
							cp := prefix + ".Candidate[" + strconv.Itoa(j) + "]"
							id, name, err := p.idAndName(cp)
							if err == nil {
								p.at(cp + ".@id")
								err = d.addCandidate(id, name)
							}
							return err
						})
					case "Contest":
						return p.forArray(func(j int) error {
							return p.contestDef(d, prefix+".Contest["+strconv.Itoa(j)+"]")
						})
					}
					return s.Skip()
				})
			})
		case "GpUnit":
			return p.forArray(func(i int) error {
				gp := "GpUnit[" + strconv.Itoa(i) + "]"
				id, name, err := p.idAndName(gp)
				if err == nil && id != "" {
					d.gpUnits[id] = name
				}
				return err
			})
		}
		p.at(string(key))
		return s.Skip()
	})
	if err == nil {
		p.at("")
		err = s.End()
	}
	if err != nil {
		return nil, p.wrap(err)
	}
	if !sawElection {
		return nil, &cvr.Error{Path: path, Field: "Election", Err: errors.New("no Election section; a CDF CastVoteRecordReport defines its contests and candidates in Election[]")}
	}
	return d, nil
}

// idAndName reads the "@id" and "Name" of the object at prefix (a Candidate
// or a GpUnit), skipping its other keys.
func (p *jsonParser) idAndName(prefix string) (id, name string, err error) {
	err = p.forObject(func(key []byte) error {
		var err error
		switch string(key) {
		case "@id":
			p.at(prefix + ".@id")
			id, err = p.str()
		case "Name":
			p.at(prefix + ".Name")
			name, err = p.str()
		default:
			err = p.s.Skip()
		}
		return err
	})
	return id, name, err
}

func (d *defs) addCandidate(id, name string) error {
	if id == "" {
		return errors.New("candidate without @id")
	}
	if _, dup := d.candidates[id]; dup {
		return fmt.Errorf("candidate @id %q defined twice", id)
	}
	d.candidates[id] = name
	return nil
}

func (d *defs) addContest(c *defContest) error {
	if c.id == "" {
		return errors.New("contest without @id")
	}
	for _, o := range d.contests {
		if o.id == c.id {
			return fmt.Errorf("contest @id %q defined twice", c.id)
		}
	}
	d.contests = append(d.contests, c)
	return nil
}

func (c *defContest) addSelection(s *defSelection) error {
	if s.id == "" {
		return errors.New("contest selection without @id")
	}
	if _, dup := c.selections[s.id]; dup {
		return fmt.Errorf("contest selection @id %q defined twice in contest %q", s.id, c.id)
	}
	c.selections[s.id] = s
	c.order = append(c.order, s)
	return nil
}

func (p *jsonParser) contestDef(d *defs, prefix string) error {
	s := p.s
	c := &defContest{selections: map[string]*defSelection{}}
	err := p.forObject(func(key []byte) error {
		var err error
		switch string(key) {
		case "@id":
			p.at(prefix + ".@id")
			c.id, err = p.str()
		case "Name":
			p.at(prefix + ".Name")
			c.name, err = p.str()
		case "VotesAllowed":
			p.at(prefix + ".VotesAllowed")
			var n int64
			if null, e2 := s.Null(); e2 != nil || null {
				return e2
			}
			if n, err = s.Int(); err == nil && (n < 0 || n > 1<<20) {
				err = fmt.Errorf("expected a count from 0 to %d, found %d", 1<<20, n)
			}
			c.voteFor = int(n)
		case "ContestSelection":
			err = p.forArray(func(k int) error {
				sp := prefix + ".ContestSelection[" + strconv.Itoa(k) + "]"
				sel := &defSelection{}
				err := p.forObject(func(key []byte) error {
					var err error
					switch string(key) {
					case "@id":
						p.at(sp + ".@id")
						sel.id, err = p.str()
					case "CandidateIds":
						err = p.forArray(func(m int) error {
							p.at(sp + ".CandidateIds[" + strconv.Itoa(m) + "]")
							id, err := p.str()
							sel.candidateIDs = append(sel.candidateIDs, id)
							return err
						})
					case "IsWriteIn":
						// A boolean, or text; RCTab counts only the text
						// "true" (source notes R22).
						p.at(sp + ".IsWriteIn")
						var c byte
						if c, err = s.Peek(); err == nil && c == '"' {
							var b []byte
							b, err = s.String()
							sel.writeInText = string(b) == "true"
							sel.writeIn = sel.writeInText
						} else if err == nil {
							sel.writeIn, err = s.Bool()
						}
					case "Selection":
						p.at(sp + ".Selection")
						sel.text, err = p.str()
					default:
						err = s.Skip()
					}
					return err
				})
				if err == nil {
					p.at(sp + ".@id")
					err = c.addSelection(sel)
				}
				return err
			})
		default:
			err = s.Skip()
		}
		return err
	})
	if err == nil {
		p.at(prefix + ".@id")
		err = d.addContest(c)
	}
	return err
}

// jsonCVRs streams the CVR array.
func jsonCVRs(src cvr.Source, e *election.Election, h cvr.Handler, d *defs, r io.Reader) error {
	em, err := newEmitter(src, e, d)
	if err != nil {
		return &cvr.Error{Path: src.Path, Field: "Election", Err: err}
	}
	p := &jsonParser{s: jsonscan.New(r, cvr.MaxFieldBytes), path: src.Path}
	s := p.s
	var rec record
	var handlerErr error
	err = p.forObject(func(key []byte) error {
		if string(key) != "CVR" {
			p.at(string(key))
			return s.Skip()
		}
		return p.forArray(func(i int) error {
			p.record = i + 1
			p.start = s.Offset()
			p.loc = jloc{cvr: i, snap: -1, contest: -1, sel: -1, pos: -1}
			rec.reset()
			if err := p.cvrBody(&rec); err != nil {
				return err
			}
			pathOf := func(snap, contest, sel, pos int, key string) string {
				return jsonPath(i, snap, contest, sel, pos, key)
			}
			emit, err := em.build(i+1, &rec, pathOf)
			if err != nil {
				return err
			}
			p.record, p.loc.cvr = 0, -1
			if emit {
				if handlerErr = h(&em.rec); handlerErr != nil {
					return handlerErr
				}
			}
			return nil
		})
	})
	if handlerErr != nil {
		return handlerErr
	}
	if err == nil {
		p.at("")
		err = s.End()
	}
	if err != nil {
		return p.wrap(err)
	}
	return nil
}

// jloc is where in a CVR the parser is; the path string is built only when
// an error needs it.
type jloc struct {
	cvr, snap, contest, sel, pos int
	key                          string
	keyBuf                       [64]byte
	keyLen                       int // > 0: key is keyBuf[:keyLen] (an unknown key being skipped)
}

func (l *jloc) set(key string)    { l.key, l.keyLen = key, 0 }
func (l *jloc) setBytes(k []byte) { l.keyLen = copy(l.keyBuf[:], k) }

func (l *jloc) String() string {
	key := l.key
	if l.keyLen > 0 {
		key = string(l.keyBuf[:l.keyLen])
	}
	return jsonPath(l.cvr, l.snap, l.contest, l.sel, l.pos, key)
}

func jsonPath(cvrIdx, snap, contest, sel, pos int, key string) string {
	return recordPath('.', cvrIdx, snap, contest, sel, pos, key)
}

func (p *jsonParser) checkSize(r *record) error {
	if err := r.grow(); err != nil {
		return err
	}
	if p.s.Offset()-p.start > maxRecordBytes {
		return fmt.Errorf("a single CVR larger than %d bytes: %w", maxRecordBytes, cvr.ErrTooLarge)
	}
	return nil
}

// skip discards the value of an unknown key, remembering the key for errors.
func (p *jsonParser) skip(key []byte) error {
	p.loc.setBytes(key)
	return p.s.Skip()
}

// cvrBody reads one CVR element into r.
func (p *jsonParser) cvrBody(r *record) error {
	s := p.s
	l := &p.loc
	return p.forObject(func(key []byte) error {
		var dst *string
		switch string(key) {
		case "BallotPrePrintedId":
			dst = &r.prePrinted
		case "UniqueId":
			dst = &r.unique
		case "BallotStyleId":
			dst = &r.style
		case "BallotStyleUnitId":
			dst = &r.styleUnit
		case "BatchId":
			dst = &r.batch
		case "BatchSequenceId":
			dst = &r.batchSeq
		case "CreatingDeviceId":
			dst = &r.device
		case "CurrentSnapshotId":
			dst = &r.current
		case "CVRSnapshot":
			l.set("CVRSnapshot")
			err := p.forArray(func(si int) error {
				if err := p.checkSize(r); err != nil {
					return err
				}
				r.snaps = append(r.snaps, snapshot{contests: reuseContests(r.snaps, len(r.snaps))})
				snap := &r.snaps[len(r.snaps)-1]
				l.snap = si
				err := p.forObject(func(key []byte) error {
					switch string(key) {
					case "@id":
						l.set("@id")
						id, err := p.str()
						snap.id = id
						return err
					case "CVRContest":
						l.set("CVRContest")
						return p.forArray(func(ci int) error {
							if err := p.checkSize(r); err != nil {
								return err
							}
							snap.contests = append(snap.contests, contestEntry{offset: s.Offset(), sels: reuseSels(snap.contests, len(snap.contests))})
							ce := &snap.contests[len(snap.contests)-1]
							l.contest = ci
							err := p.contestBody(r, ce)
							if err == nil {
								l.contest = -1
							}
							return err
						})
					}
					return p.skip(key)
				})
				if err == nil {
					l.snap = -1
				}
				return err
			})
			return err
		default:
			return p.skip(key)
		}
		l.set(string(key))
		v, err := p.str()
		*dst = v
		return err
	})
}

// reuseContests returns the contest slice a previous record left at index
// k of snaps' backing array, emptied, so that streaming does not allocate.
func reuseContests(snaps []snapshot, k int) []contestEntry {
	if k < cap(snaps) {
		return snaps[:k+1][k].contests[:0]
	}
	return nil
}

func reuseSels(cs []contestEntry, k int) []selection {
	if k < cap(cs) {
		return cs[:k+1][k].sels[:0]
	}
	return nil
}

func (p *jsonParser) contestBody(r *record, ce *contestEntry) error {
	s := p.s
	l := &p.loc
	return p.forObject(func(key []byte) error {
		switch string(key) {
		case "ContestId":
			l.set("ContestId")
			id, err := p.str()
			ce.id = id
			return err
		case "CVRContestSelection":
			l.set("CVRContestSelection")
			err := p.forArray(func(k int) error {
				if err := p.checkSize(r); err != nil {
					return err
				}
				l.sel = k
				var selID string
				var selRank int64
				first := len(ce.sels)
				err := p.forObject(func(key []byte) error {
					switch string(key) {
					case "ContestSelectionId":
						l.set("ContestSelectionId")
						id, err := p.str()
						selID = id
						return err
					case "Rank":
						l.set("Rank")
						n, err := p.rank()
						selRank = n
						return err
					case "SelectionPosition":
						l.set("SelectionPosition")
						return p.forArray(func(m int) error {
							if err := p.checkSize(r); err != nil {
								return err
							}
							l.pos = m
							sel := selection{pos: m, sel: k, offset: s.Offset()}
							err := p.forObject(func(key []byte) error {
								switch string(key) {
								case "Rank":
									l.set("Rank")
									n, err := p.rank()
									sel.rank = n
									return err
								case "HasIndication":
									l.set("HasIndication")
									b, err := s.String()
									sel.noMark = string(b) == "no"
									return err
								case "IsAllocable":
									l.set("IsAllocable")
									b, err := s.String()
									sel.hasAllocable, sel.notAllocable = true, string(b) == "no"
									return err
								case "CVRWriteIn":
									sel.cvrWriteIn = true
								}
								return p.skip(key)
							})
							ce.sels = append(ce.sels, sel)
							if err == nil {
								l.pos = -1
							}
							return err
						})
					}
					return p.skip(key)
				})
				if err == nil && len(ce.sels) == first {
					// A selection without positions: RCTab reads it as one
					// mark when it has a Rank (source notes R23).
					ce.sels = append(ce.sels, selection{pos: -1, sel: k, offset: s.Offset()})
				}
				for j := first; j < len(ce.sels); j++ {
					ce.sels[j].id, ce.sels[j].selRank = selID, selRank
				}
				if err == nil {
					l.sel = -1
				}
				return err
			})
			return err
		}
		return p.skip(key)
	})
}

// rank reads a Rank value: an integer of at least 1.
func (p *jsonParser) rank() (int64, error) {
	n, err := p.s.Int()
	if err == nil && (n < 1 || n > 1<<20) {
		err = fmt.Errorf("expected a rank from 1 to %d, found %d", 1<<20, n)
	}
	return n, err
}
