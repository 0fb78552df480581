package verify

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/canvass/canvass/ledger"
)

// accountChange is one logged change to an account that decides whether
// its signatures count (claim 5): an enrollment (a key), an executed users
// request (the account's creation, with its expiry), an executed
// user-change (disabled or not) or an executed user-reset (the key
// revoked until the person enrolls again).
type accountChange struct {
	entry uint64
	// kind is "enrolled", "created", "changed" or "reset".
	kind     string
	key      string
	admitted string
	disabled bool
	expires  time.Time
	request  string
	// roles are the account's roles from a users or user-change request
	// (nil for the other kinds).
	roles []string
}

// accounts is the history of every account, in log order.
type accounts map[string][]accountChange

// accountHistory collects the account changes of ev's people and
// requests; events gives the execution time an expires_in counts from,
// as the office's projection does.
func accountHistory(ev *Evidence, events []ledger.Event) accounts {
	h := accounts{}
	for _, p := range ev.People {
		h[p.Name] = append(h[p.Name], accountChange{entry: p.Entry, kind: "enrolled", key: p.SigningKey, admitted: p.Admitted})
	}
	for _, q := range ev.Requests {
		if q.Executed == nil {
			continue
		}
		at := *q.Executed
		switch q.Kind {
		case "users":
			var a struct {
				Name      string   `json:"name"`
				Roles     []string `json:"roles"`
				ExpiresIn string   `json:"expires_in"`
				Expires   string   `json:"expires"`
			}
			if json.Unmarshal([]byte(q.Action), &a) != nil || a.Name == "" {
				continue
			}
			c := accountChange{entry: at, kind: "created", request: q.ID, roles: a.Roles}
			switch {
			case a.Expires != "":
				t, err := time.Parse(time.RFC3339, a.Expires)
				if err != nil {
					// Unreadable, as the office reads it: expired.
					t = time.Unix(0, 0)
				}
				c.expires = t
			case a.ExpiresIn != "":
				d, err := time.ParseDuration(a.ExpiresIn)
				if err != nil || at >= uint64(len(events)) {
					c.expires = time.Unix(0, 0)
				} else {
					c.expires = events[at].TimeStamp.UTC().Add(d).Truncate(time.Second)
				}
			}
			h[a.Name] = append(h[a.Name], c)
		case "user-change":
			var a struct {
				Name  string `json:"name"`
				After struct {
					Disabled bool     `json:"disabled"`
					Roles    []string `json:"roles"`
				} `json:"after"`
			}
			if json.Unmarshal([]byte(q.Action), &a) != nil || a.Name == "" {
				continue
			}
			h[a.Name] = append(h[a.Name], accountChange{entry: at, kind: "changed", disabled: a.After.Disabled, request: q.ID, roles: a.After.Roles})
		case "user-reset":
			var a struct {
				Name string `json:"name"`
			}
			if json.Unmarshal([]byte(q.Action), &a) != nil || a.Name == "" {
				continue
			}
			h[a.Name] = append(h[a.Name], accountChange{entry: at, kind: "reset", request: q.ID})
		}
	}
	for _, cs := range h {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].entry < cs[j].entry })
	}
	return h
}

// keyAt returns the key with which signer could sign at entry at (time
// when): the key of their last enrollment before it, provided the account
// was admitted, is not disabled, has not expired and no executed reset
// has revoked that key since; or why there is none.
func (h accounts) keyAt(signer string, at uint64, when time.Time) (key, why string) {
	var (
		enrolled *accountChange
		disabled *accountChange
		reset    *accountChange
		expires  time.Time
		created  string
	)
	for i := range h[signer] {
		c := &h[signer][i]
		if c.entry >= at {
			break
		}
		switch c.kind {
		case "enrolled":
			enrolled, reset = c, nil
		case "created":
			expires, created = c.expires, c.request
		case "changed":
			if c.disabled {
				disabled = c
			} else {
				disabled = nil
			}
		case "reset":
			reset = c
		}
	}
	switch {
	case enrolled == nil:
		return "", fmt.Sprintf("had no enrolled key before entry %d", at)
	case enrolled.admitted == "":
		return "", fmt.Sprintf("enrolled at entry %d without being an initial administrator or created by an executed users request", enrolled.entry)
	case reset != nil:
		return "", fmt.Sprintf("had the key enrolled at entry %d revoked by the user-reset request %s (executed at entry %d) and did not enroll again before entry %d", enrolled.entry, reset.request, reset.entry, at)
	case disabled != nil:
		return "", fmt.Sprintf("was disabled by the user-change request %s (executed at entry %d) when entry %d was logged", disabled.request, disabled.entry, at)
	case !expires.IsZero() && !when.Before(expires):
		return "", fmt.Sprintf("is an emergency account (request %s) that expired at %s, before entry %d (%s)", created, expires.UTC().Format(time.RFC3339), at, when.UTC().Format(time.RFC3339))
	}
	return enrolled.key, ""
}

// hasRoleAt reports whether name's account had role when entry at was
// logged, by the last users or user-change request executed before it.
func (h accounts) hasRoleAt(name, role string, at uint64) bool {
	var roles []string
	for _, c := range h[name] {
		if c.entry >= at {
			break
		}
		if c.kind == "created" || c.kind == "changed" {
			roles = c.roles
		}
	}
	return slices.Contains(roles, role)
}
