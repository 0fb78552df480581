package pages

// The rules in force per contest (office/rules.go), for the election and
// tabulation pages and GET /api/v1/elections/{e}/rules; and the notice a
// count gets when its rules differ and it became a rules-change request.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/canvass/canvass/office"
)

// RulesInForce is the rules in force for one contest of an election.
type RulesInForce struct {
	Contest string `json:"-"`
	// RulesSHA256 is the SHA-256 of the canonical JSON of the rules part
	// of the RCTab configuration (office/rules.go).
	RulesSHA256 string `json:"rules_sha256"`
	// SetAt is when they were put in force (RFC 3339, UTC): the log time
	// of the contest's first tabulation under them or, after a rules
	// change, of the tabulation the executed request recorded. It is ""
	// if that tabulation is not recorded (a crash between the request's
	// execution and its count): the request then says when.
	SetAt string `json:"set_at"`
	// Tabulation is the latest tabulation under these rules ("" as for
	// SetAt).
	Tabulation string `json:"tabulation"`
	// Request is the rules-change request that put them in force; absent
	// for the rules of the first tabulation.
	Request string `json:"request,omitempty"`
}

// ContestRules returns the rules in force for each contest of election
// that u may read (tabulations.read), by contest name: what GET
// /api/v1/elections/{e}/rules answers.
func ContestRules(ctx context.Context, o *office.Office, u *office.User, election string) (map[string]RulesInForce, error) {
	crs, err := o.ContestRulesOf(ctx, u, election)
	if err != nil {
		return nil, err
	}
	ts, err := o.Tabulations(ctx, u, election)
	if err != nil {
		return nil, err
	}
	out := make(map[string]RulesInForce, len(crs))
	for _, cr := range crs {
		ri := RulesInForce{Contest: cr.Contest, RulesSHA256: cr.RulesSHA256, Tabulation: cr.Tabulation, Request: cr.Request}
		for _, t := range ts {
			if t.RulesSHA256 != cr.RulesSHA256 || t.Request != cr.Request || !slices.Contains(t.Contests, cr.Contest) {
				continue
			}
			// Log times are RFC 3339 UTC, so they order as strings.
			if ri.SetAt == "" || t.CreatedAt < ri.SetAt {
				ri.SetAt = t.CreatedAt
			}
		}
		out[cr.Contest] = ri
	}
	return out, nil
}

// rulesList is ContestRules in contest order, for the pages; a role that
// may not read tabulations gets none rather than an error, as lists are
// filtered rather than refused.
func (p *Pages) rulesList(ctx context.Context, u *office.User, election string) ([]RulesInForce, error) {
	m, err := ContestRules(ctx, p.o, u, election)
	var oe *office.Error
	if errors.As(err, &oe) && oe.Status == http.StatusForbidden {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := make([]RulesInForce, 0, len(m))
	for _, ri := range m {
		out = append(out, ri)
	}
	slices.SortFunc(out, func(a, b RulesInForce) int { return strings.Compare(a.Contest, b.Contest) })
	return out, nil
}

// rulesChange is what the election page says after a count whose rules
// differ from those in force became a rules-change request.
type rulesChange struct {
	ID, Status, Contest, Rules, Previous string
}

// rulesChangeOf reads the ?rules_change= request the tabulation form sent
// the browser back with; anything but a rules-change request of election
// the user may read is ignored (the query is only a pointer).
func (p *Pages) rulesChangeOf(r *http.Request, u *office.User, election string) *rulesChange {
	id := r.URL.Query().Get("rules_change")
	if id == "" {
		return nil
	}
	q, err := p.o.Request(r.Context(), u, id)
	if err != nil || q.Kind != office.KindRulesChange {
		return nil
	}
	var a struct {
		Election            string `json:"election"`
		Contest             string `json:"contest"`
		RulesSHA256         string `json:"rules_sha256"`
		PreviousRulesSHA256 string `json:"previous_rules_sha256"`
	}
	if json.Unmarshal(q.Action, &a) != nil || a.Election != election {
		return nil
	}
	return &rulesChange{ID: q.ID, Status: q.Status, Contest: a.Contest, Rules: a.RulesSHA256, Previous: a.PreviousRulesSHA256}
}

// tabulationRules fills in the rules in force for the contests of
// tabulation t and the rules t counted under.
func (p *Pages) tabulationRules(ctx context.Context, u *office.User, election, t string, d *tabulationData) error {
	rules, err := p.rulesList(ctx, u, election)
	if err != nil || rules == nil {
		return err
	}
	d.Rules = map[string]*RulesInForce{}
	for i := range rules {
		d.Rules[rules[i].Contest] = &rules[i]
	}
	ts, err := p.o.Tabulations(ctx, u, election)
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(ts, func(x office.Tabulation) bool { return x.ID == t }); i >= 0 {
		d.TRules = ts[i].RulesSHA256
	}
	return nil
}
