package office

import "testing"

// TestDueAuditSnapshot: the snapshot an audit's page should show last,
// and that a page already showing it is left alone.
func TestDueAuditSnapshot(t *testing.T) {
	pub := func(trigger string, round int) *AuditPublication {
		return &AuditPublication{Trigger: trigger, Round: round}
	}
	for _, c := range []struct {
		name      string
		a         Audit
		last      *AuditPublication
		trigger   string
		round     int
		republish bool
	}{
		{"no seed", Audit{}, nil, "", 0, false},
		{"seed, none published", Audit{Seed: "1"}, nil, "seed", 0, true},
		{"seed published", Audit{Seed: "1"}, pub("seed", 0), "", 0, false},
		{"drawn, seed published", Audit{Seed: "1", Rounds: 1}, pub("seed", 0), "round-drawn", 1, true},
		{"drawn published", Audit{Seed: "1", Rounds: 1}, pub("round-drawn", 1), "", 0, false},
		{"closed, draw published", Audit{Seed: "1", Rounds: 1, Closed: 1}, pub("round-drawn", 1), "round-closed", 1, true},
		{"closed published", Audit{Seed: "1", Rounds: 1, Closed: 1}, pub("round-closed", 1), "", 0, false},
		{"second draw, first close published", Audit{Seed: "1", Rounds: 2, Closed: 1}, pub("round-closed", 1), "round-drawn", 2, true},
		{"two changes missed", Audit{Seed: "1", Rounds: 2, Closed: 2}, pub("round-closed", 1), "round-closed", 2, true},
	} {
		trigger, round, ok := dueAuditSnapshot(&c.a, c.last)
		if trigger != c.trigger || round != c.round || ok != c.republish {
			t.Errorf("%s: %q %d %v, want %q %d %v", c.name, trigger, round, ok, c.trigger, c.round, c.republish)
		}
	}
}
