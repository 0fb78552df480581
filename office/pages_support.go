package office

import (
	"context"
	"encoding/json"
)

// Tabulations lists the tabulations of election id that u may read, in
// the order of their IDs, for the staff pages.
func (o *Office) Tabulations(ctx context.Context, u *User, id string) ([]Tabulation, error) {
	if _, err := o.electionFor(ctx, u, id, ActReadTabulations); err != nil {
		return nil, err
	}
	recs, err := o.st.List(ctx, kindTabulation, id)
	if err != nil {
		return nil, err
	}
	out := make([]Tabulation, 0, len(recs))
	for _, r := range recs {
		var t Tabulation
		if err := json.Unmarshal(r.Data, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
