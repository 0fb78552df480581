package office

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/ledger"
)

// readingHistoryCSV returns every revision, oldest first, of each reading
// of a closed round that a reopened board corrected (revision 2 or more),
// with its board, who entered it, when and why: the history the
// discrepancy report keeps. It is nil when no reading of a closed round
// was corrected. The database holds only a reading's latest revision, so
// the others are read back from the log, and only when there is one.
func (o *Office) readingHistoryCSV(ctx context.Context, a *Audit, readings []AuditReading) ([]byte, error) {
	type key struct {
		round  int
		ballot string
	}
	want := map[key]int{}
	for _, r := range readings {
		if r.Round <= a.Closed && r.Revision > 1 {
			want[key{r.Round, string(r.Ballot)}] = r.Revision
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	type revision struct{ board, by, at, reason, readings string }
	seen := map[key][]revision{}
	err := o.Events(ctx, func(e ledger.Event) error {
		if e.Type != "audit-reading" {
			return nil
		}
		p := payload(e.Payload)
		if p.str("audit") != a.ID {
			return p.err
		}
		k := key{int(p.count("round")), p.str("ballot")}
		if _, ok := want[k]; !ok {
			return p.err
		}
		reason, _ := e.Payload["reason"].(string)
		seen[k] = append(seen[k], revision{p.str("board"), e.UserID, e.TimeStamp.UTC().Format(time.RFC3339), reason, p.str("readings")})
		return p.err
	})
	if err != nil {
		return nil, err
	}
	keys := make([]key, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.round != y.round {
			return x.round - y.round
		}
		return strings.Compare(x.ballot, y.ballot)
	})
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"round", "ballot", "board", "revision", "entered_by", "entered_at", "reason", "readings"})
	for _, k := range keys {
		revs, n := seen[k], want[k]
		if len(revs) < n {
			return nil, fmt.Errorf("the log holds %d revisions of the reading of %s in round %d, the database says %d", len(revs), k.ballot, k.round, n)
		}
		// Earlier ones belong to a drawing of the round that was undone.
		revs = revs[len(revs)-n:]
		for i, r := range revs {
			w.Write([]string{strconv.Itoa(k.round), k.ballot, r.board, strconv.Itoa(i + 1), r.by, r.at, r.reason, r.readings})
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
