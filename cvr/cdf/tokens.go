package cdf

import (
	"bufio"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// CandidateTokens returns, for each choice of contest c that a selection of
// the contest src selects maps to, the candidate Name the CDF file src.Path
// uses for it. RCTab's CDF export names ballot selections by that text (so
// a candidate found through an alias keeps the file's spelling); pass the
// map to Report.Token for CVRs read from src. Write-in selections are
// omitted: the export names them "Undeclared Write-ins".
func CandidateTokens(src cvr.Source, c *election.Contest) (map[election.Choice]string, error) {
	f, err := src.Open(src.Path)
	if err != nil {
		return nil, &cvr.Error{Path: src.Path, Err: err}
	}
	first, err := firstByte(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return nil, &cvr.Error{Path: src.Path, Err: err}
	}
	if f, err = src.Open(src.Path); err != nil {
		return nil, &cvr.Error{Path: src.Path, Err: err}
	}
	defer f.Close()
	d, err := readDefs(first, f, src.Path)
	if err != nil {
		return nil, err
	}
	dc, err := d.find(src.ContestID)
	if err != nil {
		return nil, &cvr.Error{Path: src.Path, Field: "Election", Err: err}
	}
	out := map[election.Choice]string{}
	for _, s := range dc.order {
		tok := d.token(s)
		writeIn := s.writeIn || (src.UndeclaredWriteInLabel != "" && (tok == src.UndeclaredWriteInLabel || s.id == src.UndeclaredWriteInLabel))
		if src.RCTab {
			// The reader's write-ins in RCTab mode (source notes R22).
			writeIn = s.writeInText
		}
		if writeIn {
			continue
		}
		ch, ok := c.Lookup(tok)
		if !ok {
			for i, cand := range c.Candidates {
				if cand.ID == s.id {
					ch, ok = election.Choice(i), true
					break
				}
			}
		}
		if !ok || c.Candidates[ch].WriteIn {
			continue
		}
		if _, dup := out[ch]; !dup {
			out[ch] = tok
		}
	}
	return out, nil
}
