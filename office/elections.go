package office

import (
	"context"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/store"
)

// CreateElection creates an election in test mode. jurisdiction ""
// means the creator's.
func (o *Office) CreateElection(ctx context.Context, u *User, name, date, jurisdiction string) (*Election, error) {
	// Authorize before validating, so that who may not act learns nothing.
	if !Allowed(u, ActCreateElection, u.Jurisdiction) {
		return nil, forbidden("your roles do not allow creating elections")
	}
	if jurisdiction == "" {
		jurisdiction = u.Jurisdiction
	}
	if name == "" || len(name) > 200 || !utf8.ValidString(name) {
		return nil, badRequest("name", "give the election's name (1 to 200 bytes of UTF-8)")
	}
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return nil, badRequest("date", "%q is not a date YYYY-MM-DD", date)
	}
	if !validJurisdiction(jurisdiction) {
		return nil, badRequest("jurisdiction", "%q is not a jurisdiction: \"state\" or \"state/<county>\"", jurisdiction)
	}
	if !Allowed(u, ActCreateElection, jurisdiction) {
		return nil, forbidden("your roles or jurisdiction do not allow creating elections in %s", jurisdiction)
	}
	id := newID("e-")
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.commit(ctx, ledger.Event{Type: "election-created", UserID: u.Name, Payload: map[string]any{
		"election": id, "name": name, "date": date, "jurisdiction": jurisdiction,
	}}); err != nil {
		return nil, err
	}
	return o.election(ctx, id)
}

func (o *Office) election(ctx context.Context, id string) (*Election, error) {
	var e Election
	if err := getJSON(ctx, o.st, kindElection, id, &e); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("election", "no election %q", id)
		}
		return nil, err
	}
	return &e, nil
}

// electionFor loads election id and checks that u may do a on it. A user
// who may not even read it gets 404, not 403, so ids of other
// jurisdictions' elections are not confirmed.
func (o *Office) electionFor(ctx context.Context, u *User, id string, a Action) (*Election, error) {
	e, err := o.election(ctx, id)
	if err != nil {
		return nil, err
	}
	if !Allowed(u, a, e.Jurisdiction) {
		return nil, forbidden("your roles or jurisdiction (%s) do not allow %s on election %s", u.Jurisdiction, a, id)
	}
	return e, nil
}

// Elections lists the elections u may read.
func (o *Office) Elections(ctx context.Context, u *User) ([]Election, error) {
	recs, err := o.st.ListKind(ctx, kindElection)
	if err != nil {
		return nil, err
	}
	out := []Election{}
	for _, r := range recs {
		var e Election
		if err := json.Unmarshal(r.Data, &e); err != nil {
			return nil, err
		}
		if Allowed(u, ActReadElections, e.Jurisdiction) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Election returns one election.
func (o *Office) Election(ctx context.Context, u *User, id string) (*Election, error) {
	return o.electionFor(ctx, u, id, ActReadElections)
}

// RequestOfficialMode asks to switch an election from test to official
// mode: a two-person request. Test results stay in the record, marked.
func (o *Office) RequestOfficialMode(ctx context.Context, u *User, id string) (*RequestView, error) {
	e, err := o.electionFor(ctx, u, id, ActRequestMode)
	if err != nil {
		return nil, err
	}
	if e.Mode == "official" {
		return nil, conflict("mode", "election %s is already in official mode", id)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.newRequest(ctx, u, KindElectionMode, e.Jurisdiction, modeAction{Election: id, Mode: "official"})
}
