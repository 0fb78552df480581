package draw

import (
	"cmp"
	"slices"
	"strconv"
)

// Retrieval is one jurisdiction's retrieval list: the distinct ballots
// its audit board must pull, in the order they are stored.
type Retrieval struct {
	Jurisdiction string
	Ballots      []RetrievalBallot
}

// RetrievalBallot is a ballot to pull and every ticket that drew it.
type RetrievalBallot struct {
	Container string
	// Tabulator is empty when the batch has none.
	Tabulator string
	Batch     string
	Position  int
	// Tickets are the ballot's ticket numbers in the sample's order (for
	// Arlo, ticket order), one per time it was sampled.
	Tickets []string
}

// RetrievalLists groups a sample's ballots by jurisdiction (in byte order
// of the names) and sorts each jurisdiction's ballots by container,
// tabulator, batch and position, so that a board walks the storage once.
// A ballot drawn more than once is listed once, with all its tickets.
// Names compare as bytes and positions as numbers.
func RetrievalLists(rows []ArloRow) []Retrieval {
	type key struct {
		jurisdiction, container, tabulator, batch string
		position                                  int
	}
	index := make(map[key]int)
	var ballots []key
	tickets := [][]string{}
	for _, r := range rows {
		k := key{r.Jurisdiction, r.Container, deref(r.Tabulator), r.Batch, r.BallotPosition}
		i, ok := index[k]
		if !ok {
			i = len(ballots)
			index[k] = i
			ballots = append(ballots, k)
			tickets = append(tickets, nil)
		}
		tickets[i] = append(tickets[i], r.TicketNumber)
	}
	order := make([]int, len(ballots))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		a, b := ballots[x], ballots[y]
		return cmp.Or(cmp.Compare(a.jurisdiction, b.jurisdiction), cmp.Compare(a.container, b.container),
			cmp.Compare(a.tabulator, b.tabulator), cmp.Compare(a.batch, b.batch), cmp.Compare(a.position, b.position))
	})
	var out []Retrieval
	for _, i := range order {
		k := ballots[i]
		if len(out) == 0 || out[len(out)-1].Jurisdiction != k.jurisdiction {
			out = append(out, Retrieval{Jurisdiction: k.jurisdiction})
		}
		last := &out[len(out)-1]
		last.Ballots = append(last.Ballots, RetrievalBallot{k.container, k.tabulator, k.batch, k.position, tickets[i]})
	}
	return out
}

// CorlaAsArlo gives Colorado rows Arlo's columns, so one retrieval list
// and one sample layout serve both samplers: the jurisdiction is the
// county id, the tabulator the scanner id, the batch the batch id, the
// container the storage location, and the ticket number the draw's
// counter i (the i of SHA-256(seed "," i)), which an observer recomputes.
// Times sampled counts the ballot's rows so far, as Arlo's does.
func CorlaAsArlo(rows []CorlaRow) []ArloRow {
	times := make(map[uint64]int)
	out := make([]ArloRow, len(rows))
	for i, r := range rows {
		times[r.BallotNumber]++
		scanner := strconv.FormatInt(r.ScannerID, 10)
		out[i] = ArloRow{
			TicketNumber:   strconv.FormatUint(r.Counter, 10),
			Jurisdiction:   strconv.FormatInt(r.CountyID, 10),
			Tabulator:      &scanner,
			Batch:          r.BatchID,
			BallotPosition: r.BallotPosition,
			TimesSampled:   times[r.BallotNumber],
			Container:      r.StorageLocation,
		}
	}
	return out
}
