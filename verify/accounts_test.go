package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger"
)

// TestKeyAt walks one account through creation as an emergency account,
// enrollment, disabling, re-enabling, a reset and a new enrollment, and
// asks at each step whether and with which key it could sign.
func TestKeyAt(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)
	events := make([]ledger.Event, 20)
	for i := range events {
		events[i].TimeStamp = t0.Add(time.Duration(i) * time.Hour)
	}
	u := func(n uint64) *uint64 { return &n }
	ev := &Evidence{
		People: []Person{
			{Name: "eve", SigningKey: "k1", Entry: 3, Admitted: "request:r1"},
			{Name: "eve", SigningKey: "k2", Entry: 10, Admitted: "request:r1"},
			{Name: "mal", SigningKey: "m1", Entry: 4},
		},
		Requests: []Request{
			{ID: "r1", Kind: "users", Action: `{"name":"eve","roles":["admin"],"jurisdiction":"state","expires_in":"12h"}`, Executed: u(2)},
			{ID: "r2", Kind: "user-change", Action: `{"name":"eve","before":{"disabled":false},"after":{"disabled":true}}`, Executed: u(5)},
			{ID: "r3", Kind: "user-change", Action: `{"name":"eve","before":{"disabled":true},"after":{"disabled":false}}`, Executed: u(7)},
			{ID: "r4", Kind: "user-reset", Action: `{"name":"eve","revoke_key":"k1"}`, Executed: u(8)},
			{ID: "r5", Kind: "user-change", Action: `{"name":"eve"`, Executed: u(9)},
		},
	}
	h := accountHistory(ev, events)
	for _, tc := range []struct {
		who     string
		at      uint64
		key     string
		whyPart string
	}{
		{"eve", 3, "", "no enrolled key before entry 3"},
		{"eve", 4, "k1", ""},
		{"eve", 5, "k1", ""}, // the change executes at 5: still enabled for entry 5 itself
		{"eve", 6, "", "disabled by the user-change request r2"},
		{"eve", 8, "k1", ""},
		{"eve", 9, "", "revoked by the user-reset request r4"},
		{"eve", 11, "k2", ""},
		// expires_in 12h from the execution at t0+2h: t0+14h.
		{"eve", 14, "", "expired at 2026-11-04T10:00:00Z"},
		{"mal", 5, "", "without being an initial administrator"},
		{"nobody", 5, "", "no enrolled key"},
	} {
		key, why := h.keyAt(tc.who, tc.at, events[tc.at].TimeStamp)
		if key != tc.key || (tc.whyPart == "") != (why == "") || !strings.Contains(why, tc.whyPart) {
			t.Errorf("%s at %d: key %q, why %q; want %q, %q", tc.who, tc.at, key, why, tc.key, tc.whyPart)
		}
	}
}
