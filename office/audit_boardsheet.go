package office

import (
	"context"
	"errors"
	"slices"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/store"
)

// What the audit board's entry screens need beyond BoardBallots: the
// contests' candidates and the reading vocabulary. Nothing here shows a
// CVR: candidate names are the ballot's options, the same on every paper
// ballot of the contest.

// BoardContest is one contest as a board reads it.
type BoardContest struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Candidates in the reported tally's order.
	Candidates   []string `json:"candidates"`
	VotesAllowed int      `json:"votes_allowed"`
}

// BoardSheet is a board's round: the board, its ballots in retrieval
// order, the contests of its jurisdiction and the statuses it may record.
type BoardSheet struct {
	AuditName string         `json:"audit_name"`
	Board     AuditBoard     `json:"board"`
	Closed    bool           `json:"round_closed"`
	Contests  []BoardContest `json:"contests"`
	Statuses  []string       `json:"statuses"`
	Ballots   []BoardBallot  `json:"ballots"`
}

// BoardSheet returns board boardID's round n for one of its members.
func (o *Office) BoardSheet(ctx context.Context, u *User, id string, n int, boardID string) (*BoardSheet, error) {
	ballots, err := o.BoardBallots(ctx, u, id, n, boardID)
	if err != nil {
		return nil, err
	}
	a, def, err := o.audit(ctx, id)
	if err != nil {
		return nil, err
	}
	var b AuditBoard
	if err := getJSON(ctx, o.st, kindAuditBoard, boardID, &b); err != nil {
		return nil, err
	}
	s := &BoardSheet{AuditName: def.Name, Board: b, Closed: a.Closed >= n, Ballots: ballots, Statuses: def.Statuses}
	if len(s.Statuses) == 0 {
		s.Statuses = audit.AllStatuses
	}
	prep, err := o.prepare(ctx, a, def)
	if err != nil {
		return nil, err
	}
	want := contestsOf(def, b.Jurisdiction)
	for _, c := range prep.Contests() {
		if !slices.Contains(want, c.Name) {
			continue
		}
		bc := BoardContest{Name: c.Name, Kind: c.Kind, VotesAllowed: c.VotesAllowed}
		for _, t := range c.Tally {
			bc.Candidates = append(bc.Candidates, t.Name)
		}
		s.Contests = append(s.Contests, bc)
	}
	return s, nil
}

// MyBoard returns the audit board u's account belongs to (an audit-board
// account is made for one board), with its audit's name; nil when u is
// no board member.
func (o *Office) MyBoard(ctx context.Context, u *User) (*AuditBoard, string, error) {
	var m auditMember
	if err := getJSON(ctx, o.st, kindAuditMember, u.Name, &m); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", nil
		}
		return nil, "", err
	}
	var b AuditBoard
	if err := getJSON(ctx, o.st, kindAuditBoard, m.Board, &b); err != nil {
		return nil, "", err
	}
	_, def, err := o.audit(ctx, m.Audit)
	if err != nil {
		return nil, "", err
	}
	return &b, def.Name, nil
}
