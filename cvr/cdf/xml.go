package cdf

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// XML element shapes. Tags name local names only, so any namespace (the
// NIST one, or the "NIST_V0_cast_vote_records.xsd" that Unisyn and the NIST
// samples declare) matches.
type xCVR struct {
	BallotPrePrintedID string      `xml:"BallotPrePrintedId"`
	UniqueID           string      `xml:"UniqueId"`
	BallotStyleID      string      `xml:"BallotStyleId"`
	BallotStyleUnitID  string      `xml:"BallotStyleUnitId"`
	BatchID            string      `xml:"BatchId"`
	BatchSequenceID    string      `xml:"BatchSequenceId"`
	CreatingDeviceID   string      `xml:"CreatingDeviceId"`
	CurrentSnapshotID  string      `xml:"CurrentSnapshotId"`
	Snapshots          []xSnapshot `xml:"CVRSnapshot"`
}

type xSnapshot struct {
	ID       string     `xml:"ObjectId,attr"`
	Contests []xContest `xml:"CVRContest"`
}

type xContest struct {
	ContestID  string       `xml:"ContestId"`
	Selections []xSelection `xml:"CVRContestSelection"`
}

type xSelection struct {
	ContestSelectionID string      `xml:"ContestSelectionId"`
	Rank               string      `xml:"Rank"`
	Status             []string    `xml:"Status"`
	Positions          []xPosition `xml:"SelectionPosition"`
}

type xPosition struct {
	HasIndication string    `xml:"HasIndication"`
	Rank          string    `xml:"Rank"`
	IsAllocable   *string   `xml:"IsAllocable"`
	CVRWriteIn    *struct{} `xml:"CVRWriteIn"`
}

type xElection struct {
	Candidates []xCandidate  `xml:"Candidate"`
	Contests   []xContestDef `xml:"Contest"`
}

type xCandidate struct {
	ID   string `xml:"ObjectId,attr"`
	Name string `xml:"Name"`
}

type xContestDef struct {
	ID           string    `xml:"ObjectId,attr"`
	Name         string    `xml:"Name"`
	VotesAllowed string    `xml:"VotesAllowed"`
	Selections   []xSelDef `xml:"ContestSelection"`
}

type xSelDef struct {
	ID           string   `xml:"ObjectId,attr"`
	CandidateIDs []string `xml:"CandidateIds"`
	IsWriteIn    string   `xml:"IsWriteIn"`
	Selection    string   `xml:"Selection"`
}

type xGpUnit struct {
	ID   string `xml:"ObjectId,attr"`
	Name string `xml:"Name"`
}

// ReadXML reads a CDF report in XML. Read calls it for files that start
// with '<'.
func ReadXML(src cvr.Source, e *election.Election, h cvr.Handler) error {
	return readTwice('<', src, e, h)
}

// xmlReader walks the children of the report's root element.
type xmlReader struct {
	path string
	dec  *xml.Decoder
	bud  *budget
	bom  int64
}

func newXMLReader(r io.Reader, path string) *xmlReader {
	bud := &budget{r: r}
	br := bufio.NewReaderSize(bud, 64<<10)
	x := &xmlReader{path: path, bud: bud}
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		x.bom = 3
	}
	x.dec = xml.NewDecoder(br)
	return x
}

func (x *xmlReader) offset() int64 { return x.dec.InputOffset() + x.bom }

func (x *xmlReader) fail(record int, field string, offset int64, err error) error {
	var ce *cvr.Error
	if errors.As(err, &ce) {
		return err
	}
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se) && se.Msg == "unexpected EOF":
		err = fmt.Errorf("malformed XML: the file ends at line %d, before the report's closing tag", se.Line)
	case errors.As(err, &se):
		err = fmt.Errorf("malformed XML at line %d: %s", se.Line, se.Msg)
	case errors.Is(err, cvr.ErrTooLarge):
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("malformed XML: the file ends before the report's closing tag")
	default:
		var re *recErr
		if !errors.As(err, &re) && !strings.HasPrefix(err.Error(), "expected") {
			err = fmt.Errorf("malformed XML: %w", err)
		}
	}
	return &cvr.Error{Path: x.path, Record: record, Field: field, Offset: offset, Err: err}
}

// children calls fn for each child element of the root
// CastVoteRecordReport; fn must consume the element.
func (x *xmlReader) children(fn func(start xml.StartElement, offset int64) error) error {
	rootSeen := false
	depth := 0
	for {
		off := x.offset()
		x.bud.used, x.bud.max = 0, maxRecordBytes
		tok, err := x.dec.Token()
		if err == io.EOF {
			if !rootSeen {
				return x.fail(0, "", off, errors.New("expected a CastVoteRecordReport element; the file has none"))
			}
			if depth > 0 {
				return x.fail(0, "", off, io.ErrUnexpectedEOF)
			}
			return nil
		}
		if err != nil {
			return x.fail(0, "", off, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if rootSeen {
					return x.fail(0, t.Name.Local, off, errors.New("a second root element; expected one CastVoteRecordReport"))
				}
				if t.Name.Local != "CastVoteRecordReport" {
					return x.fail(0, t.Name.Local, off, fmt.Errorf("root element is %s; expected a NIST SP 1500-103 CastVoteRecordReport", t.Name.Local))
				}
				rootSeen = true
				depth = 1
				continue
			}
			if err := fn(t, off); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth != 1 && len(bytes.TrimSpace(t)) > 0 {
				return x.fail(0, "", off, errors.New("text outside the CastVoteRecordReport element"))
			}
		}
	}
}

// xmlDefs reads the Election and GpUnit sections, skipping CVRs.
func xmlDefs(r io.Reader, path string) (*defs, error) {
	x := newXMLReader(r, path)
	d := newDefs()
	nElection, nGp := 0, 0
	err := x.children(func(start xml.StartElement, off int64) error {
		switch start.Name.Local {
		case "Election":
			field := "Election[" + strconv.Itoa(nElection) + "]"
			nElection++
			var el xElection
			if err := x.dec.DecodeElement(&el, &start); err != nil {
				return x.fail(0, field, off, err)
			}
			for i, c := range el.Candidates {
				if err := d.addCandidate(strings.TrimSpace(c.ID), strings.TrimSpace(c.Name)); err != nil {
					return x.fail(0, field+"/Candidate["+strconv.Itoa(i)+"]/@ObjectId", off, err)
				}
			}
			for i, c := range el.Contests {
				cf := field + "/Contest[" + strconv.Itoa(i) + "]"
				dc := &defContest{id: strings.TrimSpace(c.ID), name: strings.TrimSpace(c.Name), selections: map[string]*defSelection{}}
				if v := strings.TrimSpace(c.VotesAllowed); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 || n > 1<<20 {
						return x.fail(0, cf+"/VotesAllowed", off, fmt.Errorf("expected a count, found %q", v))
					}
					dc.voteFor = n
				}
				for k, s := range c.Selections {
					sel := &defSelection{id: strings.TrimSpace(s.ID), text: strings.TrimSpace(s.Selection)}
					for _, ids := range s.CandidateIDs {
						sel.candidateIDs = append(sel.candidateIDs, strings.Fields(ids)...)
					}
					switch v := strings.TrimSpace(s.IsWriteIn); v {
					case "", "false", "0":
					case "true", "1":
						sel.writeIn = true
						// RCTab takes only the text "true" (source notes R22).
						sel.writeInText = v == "true"
					default:
						return x.fail(0, cf+"/ContestSelection["+strconv.Itoa(k)+"]/IsWriteIn", off, fmt.Errorf("expected true or false, found %q", v))
					}
					if err := dc.addSelection(sel); err != nil {
						return x.fail(0, cf+"/ContestSelection["+strconv.Itoa(k)+"]/@ObjectId", off, err)
					}
				}
				if err := d.addContest(dc); err != nil {
					return x.fail(0, cf+"/@ObjectId", off, err)
				}
			}
			return nil
		case "GpUnit":
			var g xGpUnit
			if err := x.dec.DecodeElement(&g, &start); err != nil {
				return x.fail(0, "GpUnit["+strconv.Itoa(nGp)+"]", off, err)
			}
			nGp++
			if id := strings.TrimSpace(g.ID); id != "" {
				d.gpUnits[id] = strings.TrimSpace(g.Name)
			}
			return nil
		}
		if err := x.dec.Skip(); err != nil {
			return x.fail(0, start.Name.Local, off, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if nElection == 0 {
		return nil, &cvr.Error{Path: path, Field: "Election", Err: errors.New("no Election element; a CDF CastVoteRecordReport defines its contests and candidates in Election")}
	}
	return d, nil
}

func xmlPath(cvrIdx, snap, contest, sel, pos int, key string) string {
	return recordPath('/', cvrIdx, snap, contest, sel, pos, key)
}

// xmlRank parses a Rank element; empty means not given.
func xmlRank(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > 1<<20 {
		return 0, fmt.Errorf("expected a rank from 1 to %d, found %q", 1<<20, v)
	}
	return n, nil
}

// xmlCVRs streams the CVR elements.
func xmlCVRs(src cvr.Source, e *election.Election, h cvr.Handler, d *defs, r io.Reader) error {
	em, err := newEmitter(src, e, d)
	if em != nil {
		em.xml = true
	}
	if err != nil {
		return &cvr.Error{Path: src.Path, Field: "Election", Err: err}
	}
	x := newXMLReader(r, src.Path)
	var rec record
	n := 0
	var handlerErr error
	err = x.children(func(start xml.StartElement, off int64) error {
		if start.Name.Local != "CVR" {
			if err := x.dec.Skip(); err != nil {
				return x.fail(0, start.Name.Local, off, err)
			}
			return nil
		}
		i := n
		n++
		var xc xCVR
		if err := x.dec.DecodeElement(&xc, &start); err != nil {
			return x.fail(i+1, xmlPath(i, -1, -1, -1, -1, ""), off, err)
		}
		rec.reset()
		rec.prePrinted, rec.unique = strings.TrimSpace(xc.BallotPrePrintedID), strings.TrimSpace(xc.UniqueID)
		rec.style, rec.styleUnit = strings.TrimSpace(xc.BallotStyleID), strings.TrimSpace(xc.BallotStyleUnitID)
		rec.batch, rec.device = strings.TrimSpace(xc.BatchID), strings.TrimSpace(xc.CreatingDeviceID)
		rec.batchSeq = strings.TrimSpace(xc.BatchSequenceID)
		rec.current = strings.TrimSpace(xc.CurrentSnapshotID)
		for si, xs := range xc.Snapshots {
			snap := snapshot{id: strings.TrimSpace(xs.ID)}
			for ci, xct := range xs.Contests {
				ce := contestEntry{id: strings.TrimSpace(xct.ContestID), offset: off}
				for k, xsel := range xct.Selections {
					selRank, err := xmlRank(xsel.Rank)
					if err != nil {
						return x.fail(i+1, xmlPath(i, si, ci, k, -1, "Rank"), off, err)
					}
					adjudicate := false
					for _, st := range xsel.Status {
						adjudicate = adjudicate || strings.TrimSpace(st) == "needs-adjudication"
					}
					for m, xp := range xsel.Positions {
						rank, err := xmlRank(xp.Rank)
						if err != nil {
							return x.fail(i+1, xmlPath(i, si, ci, k, m, "Rank"), off, err)
						}
						ce.sels = append(ce.sels, selection{
							id: strings.TrimSpace(xsel.ContestSelectionID), rank: rank, selRank: selRank,
							noMark: strings.TrimSpace(xp.HasIndication) == "no", sel: k, pos: m, offset: off,
							needsAdjudication: adjudicate,
							hasAllocable:      xp.IsAllocable != nil,
							notAllocable:      xp.IsAllocable != nil && strings.TrimSpace(*xp.IsAllocable) == "no",
							cvrWriteIn:        xp.CVRWriteIn != nil,
						})
					}
					if len(xsel.Positions) == 0 {
						// Only a Rank can make this selection a mark
						// (source notes R23).
						ce.sels = append(ce.sels, selection{id: strings.TrimSpace(xsel.ContestSelectionID), selRank: selRank,
							sel: k, pos: -1, offset: off, needsAdjudication: adjudicate})
					}
				}
				snap.contests = append(snap.contests, ce)
			}
			rec.snaps = append(rec.snaps, snap)
		}
		pathOf := func(snap, contest, sel, pos int, key string) string {
			return xmlPath(i, snap, contest, sel, pos, key)
		}
		emit, err := em.build(i+1, &rec, pathOf)
		if err != nil {
			re := err.(*recErr)
			return &cvr.Error{Path: src.Path, Record: i + 1, Field: re.field, Offset: off, Err: re.err}
		}
		if emit {
			if handlerErr = h(&em.rec); handlerErr != nil {
				return handlerErr
			}
		}
		return nil
	})
	if handlerErr != nil {
		return handlerErr
	}
	return err
}
