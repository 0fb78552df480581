package audit

import "fmt"

// CVRContest is what a ballot's CVR records for one contest.
type CVRContest struct {
	Contest string `json:"contest"`
	// Reading is written as the report's cvr_reading column writes it:
	// the marked choices (an IRV ranking joined by " > "), blank,
	// not-on-ballot, overvote, or "phantom (no CVR)".
	Reading string `json:"cvr_reading"`
}

// CVRReadings returns what the CVR of ballot k records for every contest
// of its jurisdiction, in definition order: the observer excerpt's join of
// a sampled ballot with its CVR. Boards must never be shown it (they read
// blind); the office gives it to observers only. Ballot comparison only.
func (a *Audit) CVRReadings(k BallotKey) ([]CVRContest, error) {
	if a.def.Type != BallotComparison {
		return nil, fmt.Errorf("%w: a %s audit has no CVRs", ErrInvalid, a.def.Type)
	}
	ji, ok := a.jurIndex[k.Jurisdiction]
	if !ok {
		return nil, fmt.Errorf("%w: no jurisdiction %q", ErrInvalid, k.Jurisdiction)
	}
	j := a.jurs[ji]
	cvr := a.cvrAt(j, k.Tabulator, k.Batch, k.Position)
	var out []CVRContest
	for _, c := range a.contests {
		if c.jurs[ji] {
			out = append(out, CVRContest{Contest: c.def.Name, Reading: c.describeCVR(cvr)})
		}
	}
	return out, nil
}
