// Package hart reads cast vote records exported by Hart InterCivic Verity:
// a folder holding one XML <Cvr> file per ballot sheet (RCTab's provider
// "hart").
//
// Each file is read whole (they are a few kilobytes); files are parsed in
// parallel and handed on in file-name order, so results do not depend on
// scheduling. Files ending in .sig.xml are Verity's detached signatures and
// are not CVRs; other files are ignored.
//
// Mapping:
//
//   - Contests/Contest{Name, Id} is a contest, identified by its Id (a
//     GUID, RCTab's contestId) or Name. When a contest is selected, a file
//     without it is not emitted; one that lists it with no Options is an
//     undervote.
//   - Options/Option{Name, Id, Value} is a mark. Value is Hart's mark
//     string, one character per rank column: "1" marks rank 1 of a
//     single-rank contest, "0100" marks rank 2 of four, "0110" ranks 2 and
//     3. Several options at one rank are an overvote and are all kept.
//   - An option is resolved by its Id (RCTab's aliases are option GUIDs),
//     then its Name, through the declared candidates when
//     cvr.Source.Candidates is set; otherwise candidates are discovered as
//     they appear, with the option Id as Candidate.ID. An option with
//     WriteInData that names no declared candidate, or whose Id or Name is
//     the UndeclaredWriteInLabel, is the undeclared write-in.
//
// CVR.ID and SuppliedID are the CvrGuid, Batch the BatchNumber, Precinct the
// PrecinctSplit Name and PrecinctPortion the PrecinctSplit Id.
package hart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func init() { cvr.Register("hart", Read) }

// maxFileBytes bounds one CVR file; a real sheet is a few kilobytes.
const maxFileBytes = 16 << 20

// maxRanks bounds the length of a Value mark string.
const maxRanks = 1 << 10

type xCvr struct {
	XMLName       xml.Name
	Contests      []xContest `xml:"Contests>Contest"`
	BatchNumber   string     `xml:"BatchNumber"`
	CvrGuid       string     `xml:"CvrGuid"`
	PrecinctSplit struct {
		Name string `xml:"Name"`
		ID   string `xml:"Id"`
	} `xml:"PrecinctSplit"`
}

type xContest struct {
	Name    string    `xml:"Name"`
	ID      string    `xml:"Id"`
	Options []xOption `xml:"Options>Option"`
}

type xOption struct {
	Name        string    `xml:"Name"`
	ID          string    `xml:"Id"`
	Value       string    `xml:"Value"`
	WriteInData *struct{} `xml:"WriteInData"`
}

// Read reads the Hart CVR folder src.Path. It is the reader registered as
// "hart".
func Read(src cvr.Source, e *election.Election, h cvr.Handler) error {
	// A CvrGuid given twice is an error naming both files (issue 11).
	h, done := cvrread.UniqueIDs(h, "CvrGuid", func(r *election.CVR) string { return r.ID })
	files, err := cvrFiles(src, src.Path)
	if err != nil {
		return err
	}
	r := &reader{src: src, e: e, contests: map[string]*target{}}
	if src.ContestID == "" && src.Candidates != nil {
		return &cvr.Error{Path: src.Path, Err: errors.New("a candidate list applies to one contest; set the source's contest ID (a Hart contest GUID)")}
	}
	if src.Candidates != nil {
		c, idx, err := cvrread.ContestFor(src, e, src.ContestID, "")
		if err != nil {
			return &cvr.Error{Path: src.Path, Err: fmt.Errorf("declared candidates: %w", err)}
		}
		if src.UndeclaredWriteInLabel != "" {
			c.WriteIn()
		}
		r.declared = &target{contest: c, index: idx}
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	const batch = 256
	parsed := make([]parseResult, batch)
	for start := 0; start < len(files); start += batch {
		end := min(start+batch, len(files))
		parseAll(src, files[start:end], parsed[:end-start], workers)
		for i := range parsed[:end-start] {
			res := &parsed[i]
			if res.err != nil {
				return res.err
			}
			emit, err := r.build(res.path, &res.cvr)
			if err != nil {
				return err
			}
			if emit {
				if err := h(&r.rec); err != nil {
					return err
				}
			}
			*res = parseResult{}
		}
	}
	if src.ContestID != "" && !r.found && !src.RCTab {
		// In RCTab mode a source without the contest is not an error by
		// itself; the run fails only if no source yields a CVR (source
		// notes R26).
		return &cvr.Error{Path: src.Path, Err: fmt.Errorf("no CVR file in the folder holds contest %q; check the contest ID (a Hart contest GUID such as those in each file's Contests/Contest/Id)", src.ContestID)}
	}
	return done()
}

// cvrFiles lists the CVR files of a folder in name order.
func cvrFiles(src cvr.Source, dir string) ([]string, error) {
	if info, err := src.Stat(dir); err == nil && !info.IsDir() {
		return nil, &cvr.Error{Path: dir, Err: errors.New("is a file; the hart provider reads the folder that holds the per-ballot XML files")}
	}
	entries, err := src.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &cvr.Error{Path: dir, Err: errors.New("folder not found; the Hart provider reads a folder of per-ballot XML CVR files")}
		}
		return nil, &cvr.Error{Path: dir, Err: fmt.Errorf("cannot list the Hart CVR folder: %w", err)}
	}
	var files []string
	for _, ent := range entries {
		name := ent.Name()
		lower := strings.ToLower(name)
		if ent.IsDir() || !strings.HasSuffix(lower, ".xml") || strings.HasSuffix(lower, ".sig.xml") {
			continue
		}
		files = append(files, src.Join(dir, name))
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, &cvr.Error{Path: dir, Err: errors.New("no .xml CVR files in the folder; point the source at the folder of Hart CVR XML files")}
	}
	return files, nil
}

type parseResult struct {
	path string
	cvr  xCvr
	err  error
}

// parseAll parses files into out with up to workers goroutines.
func parseAll(src cvr.Source, files []string, out []parseResult, workers int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].path = files[i]
				out[i].err = parseFile(src, files[i], &out[i].cvr)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
}

func parseFile(src cvr.Source, path string, x *xCvr) error {
	f, err := src.Open(path)
	if err != nil {
		return &cvr.Error{Path: path, Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return &cvr.Error{Path: path, Err: err}
	}
	if len(b) > maxFileBytes {
		return &cvr.Error{Path: path, Err: fmt.Errorf("file larger than %d bytes; a Hart CVR is one ballot sheet: %w", maxFileBytes, cvr.ErrTooLarge)}
	}
	return parse(b, path, x)
}

// parse decodes one CVR file's bytes.
func parse(b []byte, path string, x *xCvr) error {
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(x); err != nil {
		var se *xml.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = fmt.Sprintf("line %d: %s", se.Line, se.Msg)
		}
		if errors.Is(err, io.EOF) {
			msg = "the file is empty"
		}
		return &cvr.Error{Path: path, Offset: dec.InputOffset(), Err: fmt.Errorf("malformed XML (%s); expected a Hart <Cvr> document", msg)}
	}
	if x.XMLName.Local != "Cvr" {
		return &cvr.Error{Path: path, Field: x.XMLName.Local, Err: fmt.Errorf("root element is %s; expected a Hart <Cvr> document", x.XMLName.Local)}
	}
	// Anything but white space after the document is a corrupt file.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &cvr.Error{Path: path, Offset: dec.InputOffset(), Err: fmt.Errorf("malformed XML after the <Cvr> element: %v", err)}
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
		case xml.Comment, xml.ProcInst:
			continue
		}
		return &cvr.Error{Path: path, Offset: dec.InputOffset(), Err: errors.New("content after the <Cvr> element; expected one CVR per file")}
	}
	if len(strings.TrimSpace(x.CvrGuid)) > cvr.MaxFieldBytes || len(x.PrecinctSplit.Name) > cvr.MaxFieldBytes {
		return &cvr.Error{Path: path, Err: fmt.Errorf("a field longer than %d bytes: %w", cvr.MaxFieldBytes, cvr.ErrTooLarge)}
	}
	return nil
}

// target is one contest being read.
type target struct {
	contest *election.Contest
	index   int32
}

type reader struct {
	// warnedValue: a Value with characters other than 0 and 1 was
	// reported (once) in RCTab mode.
	warnedValue bool
	src         cvr.Source
	e           *election.Election
	declared    *target            // the selected contest when candidates are declared
	contests    map[string]*target // by Hart contest Id, when discovering
	found       bool
	rec         election.CVR
}

func field(ci, oi int, leaf string) string {
	s := "Cvr/Contests/Contest[" + strconv.Itoa(ci) + "]"
	if oi >= 0 {
		s += "/Options/Option[" + strconv.Itoa(oi) + "]"
	}
	if leaf != "" {
		s += "/" + leaf
	}
	return s
}

// build fills r.rec from one parsed file and reports whether to emit it.
func (r *reader) build(path string, x *xCvr) (bool, error) {
	guid := strings.TrimSpace(x.CvrGuid)
	if guid == "" {
		return false, &cvr.Error{Path: path, Field: "Cvr/CvrGuid", Err: errors.New("missing or empty; each Hart CVR names its CvrGuid")}
	}
	rec := &r.rec
	rec.Reset()
	has := false
	for ci := range x.Contests {
		xc := &x.Contests[ci]
		id, name := strings.TrimSpace(xc.ID), strings.TrimSpace(xc.Name)
		if id == "" {
			return false, &cvr.Error{Path: path, Field: field(ci, -1, "Id"), Err: errors.New("missing or empty; each contest names its Id")}
		}
		if r.src.ContestID != "" && id != r.src.ContestID && name != r.src.ContestID {
			continue
		}
		t, err := r.target(id, name)
		if err != nil {
			return false, &cvr.Error{Path: path, Field: field(ci, -1, "Id"), Err: err}
		}
		has = true
		cm := rec.MarksFor(t.index)
		for oi := range xc.Options {
			o := &xc.Options[oi]
			value := strings.TrimSpace(o.Value)
			if bad := strings.Trim(value, "01") != "" || value == ""; len(value) > maxRanks || bad && !r.src.RCTab {
				return false, &cvr.Error{Path: path, Field: field(ci, oi, "Value"), Err: fmt.Errorf("expected Hart's mark string, one 0 or 1 per rank (\"1\", \"0100\"), found %q", clip(value))}
			} else if bad && !r.warnedValue {
				r.warnedValue = true
				// RCTab reads only the 1s and ignores other characters
				// (source notes R18): the count stays RCTab's, with a
				// warning naming the place.
				r.src.Warnf("%s: %s: Value %q holds characters other than 0 and 1; RCTab ignores them, and so does this count", path, field(ci, oi, "Value"), clip(value))
			}
			if len(value) > t.contest.Ranks {
				t.contest.Ranks = len(value)
			}
			if strings.IndexByte(value, '1') < 0 {
				continue
			}
			ch, tok, err := r.choice(t, o)
			if err != nil {
				return false, &cvr.Error{Path: path, Field: field(ci, oi, "Id"), Err: err}
			}
			for k := 0; k < len(value); k++ {
				if value[k] == '1' {
					cm.Marks = append(cm.Marks, election.Mark{Rank: int32(k + 1), Choice: ch, Token: tok})
				}
			}
		}
		cvrread.SortMarksRCTab(cm.Marks, r.src.RCTab)
		if !r.src.RCTab {
			// RCTab keeps a repeated mark (source notes T16).
			cm.Marks = cvrread.DedupeMarks(cm.Marks)
		}
	}
	if r.src.ContestID != "" && !has {
		return false, nil
	}
	r.found = r.found || has
	rec.ID, rec.SuppliedID = guid, guid
	rec.Source = path
	rec.Batch = strings.TrimSpace(x.BatchNumber)
	rec.Precinct = strings.TrimSpace(x.PrecinctSplit.Name)
	rec.PrecinctPortion = strings.TrimSpace(x.PrecinctSplit.ID)
	return true, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// target returns the contest for a Hart contest, adding it to the election
// on first sight.
func (r *reader) target(id, name string) (*target, error) {
	if r.declared != nil {
		if r.declared.contest.Name == "" {
			r.declared.contest.Name = name
		}
		return r.declared, nil
	}
	if t, ok := r.contests[id]; ok {
		return t, nil
	}
	t := &target{}
	if c, idx, ok := r.e.Contest(id); ok {
		t.contest, t.index = c, int32(idx)
	} else {
		t.contest = &election.Contest{ID: id, Name: name}
		r.e.Contests = append(r.e.Contests, t.contest)
		t.index = int32(len(r.e.Contests) - 1)
	}
	r.contests[id] = t
	return t, nil
}

// choice resolves an option to a choice of t's contest. In RCTab mode it
// also returns which of the candidate's identifiers the option Id is
// (election.Mark.Token), RCTab's token for the mark (source notes T14, T15).
func (r *reader) choice(t *target, o *xOption) (election.Choice, int32, error) {
	c := t.contest
	id, name := strings.TrimSpace(o.ID), strings.TrimSpace(o.Name)
	if r.src.RCTab && r.declared != nil {
		// RCTab identifies an option by its Id alone: the write-in if it
		// equals the label, else a declared name or alias; Name and
		// WriteInData play no part (source notes R19).
		if uwi := r.src.UndeclaredWriteInLabel; uwi != "" && id == uwi {
			return c.WriteIn(), 0, nil
		}
		if ch, tok, ok := c.LookupToken(id); ok && id != "" {
			return ch, tok, nil
		}
		return 0, 0, fmt.Errorf("option Id %q (%s) matches no declared candidate's name or alias: %w; add the option Id as an alias of the right candidate (RCTab matches Hart options by Id only)", id, name, cvr.ErrUnknownCandidate)
	}
	ch, err := r.choiceOutsideRCTab(c, o, id, name)
	return ch, 0, err
}

// choiceOutsideRCTab is choice for canvass's own reading (R19 deviations
// documented in docs/cvr-formats-dominion-hart-cdf.md).
func (r *reader) choiceOutsideRCTab(c *election.Contest, o *xOption, id, name string) (election.Choice, error) {
	if uwi := r.src.UndeclaredWriteInLabel; uwi != "" && (id == uwi || name == uwi) {
		return c.WriteIn(), nil
	}
	if r.declared != nil {
		for _, tok := range []string{id, name} {
			if tok == "" {
				continue
			}
			if ch, ok := c.Lookup(tok); ok {
				return ch, nil
			}
		}
		if o.WriteInData != nil {
			return c.WriteIn(), nil
		}
		return 0, fmt.Errorf("option %q (%s) matches no declared candidate's name or alias: %w; add the option Id as an alias of the right candidate", name, id, cvr.ErrUnknownCandidate)
	}
	if id != "" {
		for k, cand := range c.Candidates {
			if cand.ID == id {
				return election.Choice(k), nil
			}
		}
	}
	if o.WriteInData != nil {
		return c.WriteIn(), nil
	}
	if id == "" && name == "" {
		return 0, errors.New("option has neither Id nor Name; expected a candidate option")
	}
	label := name
	if label == "" {
		label = id
	}
	if ch, err := c.AddCandidate(election.Candidate{Name: label, ID: id}); err == nil {
		return ch, nil
	}
	ch, err := c.AddCandidate(election.Candidate{Name: label + " [" + id + "]", ID: id})
	if err != nil {
		return 0, fmt.Errorf("option %q (%s) clashes with another candidate: %w", name, id, err)
	}
	return ch, nil
}
