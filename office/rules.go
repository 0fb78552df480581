package office

// Changing a contest's rules after it has been tabulated is a two-person
// request (issue 8). The rules of a count with an RCTab configuration are
// the configuration minus what only says where files are and what to
// write: cvrFileSources[].filePath, outputSettings (the contest's name,
// date, office, output folder and report switches) and tabulatorVersion.
// Everything else (the rules section, the candidates and their exclusion,
// how each CVR source is read) decides the count. Their SHA-256 (of the
// canonical JSON) is logged with each tabulation as rules_sha256, and the
// first tabulation of a contest puts its rules in force. A later count of
// the same contest with other rules does not run: it becomes a
// rules-change request, and runs when two officials have signed it.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/results"
	"github.com/canvass/canvass/store"
)

// KindRulesChange is the request kind of a count under rules other than
// those in force for its contest.
const KindRulesChange = "rules-change"

// kindContestRules records the rules in force for an election's contest.
const kindContestRules = "contest-rules"

// ContestRules is the rules in force for one contest of an election: set
// by its first tabulation with an RCTab configuration, changed only by an
// executed rules-change request.
type ContestRules struct {
	Election    string `json:"election"`
	Contest     string `json:"contest"`
	RulesSHA256 string `json:"rules_sha256"`
	// Tabulation is the latest tabulation under these rules ("" after a
	// rules change whose count was not recorded, e.g. after a crash).
	Tabulation string `json:"tabulation"`
	// Request is the rules-change request that put them in force, "" for
	// the first tabulation's rules.
	Request string `json:"request,omitempty"`
}

// rulesChangeAction is the action of a rules-change request: the
// configuration and files to count, and the rules it replaces.
type rulesChangeAction struct {
	Election            string    `json:"election"`
	Contest             string    `json:"contest"`
	Config              FileRef   `json:"config"`
	Inputs              []FileRef `json:"inputs"`
	RulesSHA256         string    `json:"rules_sha256"`
	PreviousRulesSHA256 string    `json:"previous_rules_sha256"`
	PreviousTabulation  string    `json:"previous_tabulation"`
}

// rulesSHA256 returns the SHA-256 of the rules part of an RCTab
// configuration (see the top of this file), as lower-case hex.
func rulesSHA256(cfg map[string]any) (string, error) {
	rules := make(map[string]any, len(cfg))
	for k, v := range cfg {
		if k != "tabulatorVersion" && k != "outputSettings" {
			rules[k] = v
		}
	}
	if srcs, ok := cfg["cvrFileSources"].([]any); ok {
		out := make([]any, len(srcs))
		for i, s := range srcs {
			m, _ := s.(map[string]any)
			c := make(map[string]any, len(m))
			for k, v := range m {
				if k != "filePath" {
					c[k] = v
				}
			}
			out[i] = c
		}
		rules["cvrFileSources"] = out
	}
	b, err := json.Marshal(rules)
	if err != nil {
		return "", err
	}
	canon, err := ledger.Canonicalize(b)
	if err != nil {
		return "", badRequest("rctab_config", "%v", err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

func contestRulesID(election, contest string) string { return election + "/" + contest }

// checkRules returns a new rules-change request if count c would change
// the rules in force for one of its contests, or nil if it may be
// recorded. The caller holds the lock.
func (o *Office) checkRules(ctx context.Context, u *User, e *Election, c *rctabCount) (*RequestView, error) {
	for _, cs := range c.res.Summary.Contests {
		var cr ContestRules
		err := getJSON(ctx, o.st, kindContestRules, contestRulesID(e.ID, cs.Name), &cr)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if cr.RulesSHA256 == c.rules {
			continue
		}
		return o.newRequest(ctx, u, KindRulesChange, e.Jurisdiction, rulesChangeAction{
			Election: e.ID, Contest: cs.Name, Config: c.inputs[0], Inputs: c.inputs[1:],
			RulesSHA256: c.rules, PreviousRulesSHA256: cr.RulesSHA256, PreviousTabulation: cr.Tabulation})
	}
	return nil, nil
}

// executeRulesChange carries out an approved rules-change request: it
// counts again exactly what was requested (the same configuration, the
// same files, the rules still those it replaces, else the request cannot
// execute), logs request-executed, which puts the new rules in force, and
// then the tabulation. The caller holds the lock; the count runs under
// it, which is acceptable for so rare an action.
func (o *Office) executeRulesChange(ctx context.Context, u *User, q *Request, p map[string]any) error {
	var a rulesChangeAction
	if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
		return err
	}
	e, err := o.election(ctx, a.Election)
	if err != nil {
		return err
	}
	var cr ContestRules
	if err := getJSON(ctx, o.st, kindContestRules, contestRulesID(a.Election, a.Contest), &cr); err != nil {
		return err
	}
	if cr.RulesSHA256 != a.PreviousRulesSHA256 {
		return o.cannotExecute(ctx, u, q, "the rules of contest "+a.Contest+" changed since the request was made")
	}
	raw, err := o.blobs.ReadAll(a.Config.SHA256)
	if err != nil {
		return err
	}
	c, err := o.countRCTab(ctx, e, raw)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			return o.cannotExecute(ctx, u, q, "the count no longer runs: "+oe.Error())
		}
		return err
	}
	if c.rules != a.RulesSHA256 || !slices.Equal(c.inputs, append([]FileRef{a.Config}, a.Inputs...)) ||
		!slices.ContainsFunc(c.res.Summary.Contests, func(x results.ContestSummary) bool { return x.Name == a.Contest }) {
		return o.cannotExecute(ctx, u, q, "the files the configuration names changed since the request was made")
	}
	tp, tid, err := o.prepareTabulation(e, c.inputs, c.res, c.version)
	if err != nil {
		return err
	}
	tp["rules_sha256"], tp["request"] = c.rules, q.ID
	result, _ := json.Marshal(map[string]string{"tabulation": tid})
	if err := o.st.PutSecret(ctx, resultKey(q.ID), o.sealer.Seal(result, []byte(resultKey(q.ID)))); err != nil {
		return err
	}
	if _, err := o.commit(ctx, ledger.Event{Type: "request-executed", UserID: u.Name, Payload: p}); err != nil {
		return err
	}
	_, err = o.commitTabulation(ctx, u, e, tp, tid)
	return err
}

// ContestRulesOf lists the rules in force for an election's contests.
func (o *Office) ContestRulesOf(ctx context.Context, u *User, election string) ([]ContestRules, error) {
	if _, err := o.electionFor(ctx, u, election, ActReadTabulations); err != nil {
		return nil, err
	}
	out := []ContestRules{}
	if err := listJSON(ctx, o.st, kindContestRules, election, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// projectTabulationRules returns the contest-rules records a tabulation
// with rules_sha256 sets: the rules in force (they were checked before
// the event was logged) and the latest tabulation under them.
func projectTabulationRules(ctx context.Context, r reader, t *Tabulation) ([]store.Record, error) {
	if t.RulesSHA256 == "" {
		return nil, nil
	}
	var recs []store.Record
	for _, c := range t.Contests {
		id := contestRulesID(t.Election, c)
		var cr ContestRules
		err := getJSON(ctx, r, kindContestRules, id, &cr)
		if errors.Is(err, store.ErrNotFound) || (err == nil && cr.RulesSHA256 != t.RulesSHA256) {
			cr = ContestRules{Election: t.Election, Contest: c, RulesSHA256: t.RulesSHA256, Request: t.Request}
		} else if err != nil {
			return nil, err
		}
		cr.Tabulation = t.ID
		recs = append(recs, rec(kindContestRules, id, t.Election, cr))
	}
	return recs, nil
}

// projectRulesChange puts the rules of an executed rules-change request in
// force.
func projectRulesChange(q *Request) ([]store.Record, error) {
	var a rulesChangeAction
	if err := json.Unmarshal([]byte(q.Action), &a); err != nil {
		return nil, err
	}
	cr := ContestRules{Election: a.Election, Contest: a.Contest, RulesSHA256: a.RulesSHA256, Request: q.ID}
	return []store.Record{rec(kindContestRules, contestRulesID(a.Election, a.Contest), a.Election, cr)}, nil
}
