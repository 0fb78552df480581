package pages

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
)

// pageSize is the number of log entries the activity view shows at once.
const pageSize = 50

type activityEntry struct {
	Seq                       uint64
	Time, Type, User, Summary string
	Payload                   string
}

type activityData struct {
	Types                    []string
	Type, User, Since, Until string
	Entries                  []activityEntry
	Total                    int
	Page, Pages              int
	Prev, Next               string
}

// parseDay reads a date (YYYY-MM-DD) or a date and time from a date or
// datetime-local field, in UTC; the log's times are UTC.
func parseDay(s string) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, layout == time.DateOnly, nil
		}
	}
	return time.Time{}, false, &office.Error{Status: http.StatusBadRequest, Msg: "give a date as YYYY-MM-DD (or YYYY-MM-DDTHH:MM), in UTC"}
}

// activity shows the election log, newest first, filtered by event type,
// user and time, a page at a time. The log is public (it is served under
// /log/), so every signed-in user may read it here.
func (p *Pages) activity(w http.ResponseWriter, r *http.Request, u *office.User) {
	q := r.URL.Query()
	d := &activityData{Type: q.Get("type"), User: strings.TrimSpace(q.Get("user")), Since: q.Get("since"), Until: q.Get("until")}
	for _, t := range ledger.Catalogue {
		d.Types = append(d.Types, t.ID)
	}
	v := &view{Title: "Activity", User: u, Data: d}
	since, _, err := parseDay(d.Since)
	if err != nil {
		err.(*office.Error).Field = "since"
		p.fail(w, "activity", v, err)
		return
	}
	until, dayOnly, err := parseDay(d.Until)
	if err != nil {
		err.(*office.Error).Field = "until"
		p.fail(w, "activity", v, err)
		return
	}
	if dayOnly {
		until = until.Add(24 * time.Hour) // the whole day
	} else if !until.IsZero() {
		until = until.Add(time.Minute)
	}
	var all []ledger.Event
	err = p.o.Events(r.Context(), func(ev ledger.Event) error {
		switch {
		case d.Type != "" && ev.Type != d.Type,
			d.User != "" && ev.UserID != d.User,
			!since.IsZero() && ev.TimeStamp.Before(since),
			!until.IsZero() && !ev.TimeStamp.Before(until):
			return nil
		}
		all = append(all, ev)
		return nil
	})
	if err != nil {
		p.fail(w, "activity", v, err)
		return
	}
	d.Total = len(all)
	d.Pages = max(1, (len(all)+pageSize-1)/pageSize)
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = min(max(d.Page, 1), d.Pages)
	// Newest first: page 1 ends at the last entry.
	hi := len(all) - (d.Page-1)*pageSize
	lo := max(0, hi-pageSize)
	for i := hi - 1; i >= lo; i-- {
		ev := all[i]
		pl, _ := json.Marshal(ev.Payload)
		d.Entries = append(d.Entries, activityEntry{Seq: ev.Sequence, Time: ev.TimeStamp.UTC().Format(time.RFC3339), Type: ev.Type,
			User: ev.UserID, Summary: ev.Description, Payload: string(pl)})
	}
	link := func(page int) string {
		v := url.Values{}
		for k, s := range map[string]string{"type": d.Type, "user": d.User, "since": d.Since, "until": d.Until} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(page))
		return "/activity?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = link(d.Page + 1)
	}
	p.render(w, http.StatusOK, "activity", v)
}
