package sampler

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
)

// Batch is one batch of ballots in a jurisdiction's ballot manifest, as
// Arlo identifies it when sampling.
type Batch struct {
	Jurisdiction string
	// Tabulator is empty when the manifest has no tabulator for the
	// batch; Arlo then stores None, and the id renders None.
	Tabulator string
	Name      string
	// Ballots is the number of ballots; they are positions 1..Ballots.
	Ballots int
	// Container is where the batch is stored, when the manifest says. It
	// is not part of the ballot's id, so it never changes the draw; it is
	// carried for retrieval lists.
	Container string
}

// ArloID returns the text Arlo hashes for a ballot: Python's str() of the
// tuple ((jurisdiction, tabulator or None, batch), position), for example
// (('Adams County', None, 'Batch 1'), 3). An empty tabulator renders None.
func ArloID(jurisdiction, tabulator, batch string, position int) string {
	b := appendArloPrefix(nil, jurisdiction, tabulator, batch)
	b = strconv.AppendInt(b, int64(position), 10)
	return string(append(b, ')'))
}

// ArloBatchID returns the text Arlo hashes for a batch in a MACRO batch
// draw: Python's str() of the tuple (jurisdiction, batch), for example
// ('Adams County', 'Batch 1'). ArloPPEB takes these ids.
func ArloBatchID(jurisdiction, batch string) string {
	b := append([]byte{'('}, PyRepr(jurisdiction)...)
	b = append(b, ',', ' ')
	b = appendPyRepr(b, batch)
	return string(append(b, ')'))
}

// appendArloPrefix appends the part of an Arlo id that every ballot of a
// batch shares, up to and including the ", " before the position.
func appendArloPrefix(b []byte, jurisdiction, tabulator, batch string) []byte {
	b = append(b, '(', '(')
	b = appendPyRepr(b, jurisdiction)
	b = append(b, ',', ' ')
	if tabulator == "" {
		b = append(b, "None"...)
	} else {
		b = appendPyRepr(b, tabulator)
	}
	b = append(b, ',', ' ')
	b = appendPyRepr(b, batch)
	return append(b, ')', ',', ' ')
}

// ArloDraw is one ballot drawn by ArloSample.
type ArloDraw struct {
	// Ticket is the ticket number trimmed to Options.Digits digits.
	Ticket string
	// Batch is the index of the ballot's batch in the slice passed to
	// ArloSample; Position is the ballot's 1-based place in it.
	Batch    int
	Position int
	// TimesSampled counts this ballot's draws so far, this one included.
	TimesSampled int
}

// ArloSample draws ballots from batches exactly as Arlo does: Sample over
// every ballot with ids ArloID(...). It hashes each ballot once, spread
// over Options.Workers goroutines, and keeps only the Drop+Take smallest
// first tickets, so its memory does not grow with the number of ballots.
//
// Only the first digits of a ticket decide its place, and those are the
// low-order decimal digits of the ballot's hash, so ballots are compared by
// a 19-digit integer key computed from the hash modulo 10^19; the full
// 64-78 digit numbers are built only for the ballots kept (and for the
// once-in-10^19 tie of two keys).
func ArloSample(seed string, batches []Batch, opt Options) ([]ArloDraw, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if len(batches) > math.MaxInt32 {
		return nil, fmt.Errorf("sampler: %d batches; at most %d are supported", len(batches), math.MaxInt32)
	}
	// cum[i] is the number of ballots before batch i.
	cum := make([]int64, len(batches)+1)
	seen := make(map[[3]string]int, len(batches))
	for i, b := range batches {
		if b.Ballots < 0 || b.Ballots > math.MaxInt32 {
			return nil, fmt.Errorf("sampler: batch %q of %q has %d ballots; a batch holds 0 to %d", b.Name, b.Jurisdiction, b.Ballots, math.MaxInt32)
		}
		k := [3]string{b.Jurisdiction, b.Tabulator, b.Name}
		if j, dup := seen[k]; dup {
			key := appendArloPrefix(nil, b.Jurisdiction, b.Tabulator, b.Name)
			return nil, fmt.Errorf("sampler: batches %d and %d are both %s: every batch needs its own (jurisdiction, tabulator, batch name)", j+1, i+1, key[1:len(key)-2])
		}
		seen[k] = i
		cum[i+1] = cum[i] + int64(b.Ballots)
	}
	total := cum[len(batches)]
	want := opt.Drop + opt.Take
	if want == 0 || total == 0 {
		return []ArloDraw{}, nil
	}

	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if int64(workers)*minPerWorker > total {
		workers = int(max(1, total/minPerWorker))
	}
	a := &arloRun{seedHex: SeedDigest(seed), batches: batches, cum: cum, want: want}
	parts := make([][]keyed, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := total*int64(w)/int64(workers), total*int64(w+1)/int64(workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = a.scan(lo, hi)
		}()
	}
	wg.Wait()

	var all []keyed
	for _, p := range parts {
		all = append(all, p...)
	}
	sort.Slice(all, func(i, j int) bool { return a.less(&all[i], &all[j]) })
	if len(all) > want {
		all = all[:want]
	}
	h := &ticketHeap{items: make([]string, len(all))}
	h.itemLess = func(x, y int) bool { return a.idLess(&all[x], &all[y]) }
	for i := range all {
		h.items[i] = ArloID(batches[all[i].batch].Jurisdiction, batches[all[i].batch].Tabulator, batches[all[i].batch].Name, int(all[i].pos))
		h.t = append(h.t, fullTicket{number: uniformOf(&all[i].hash), item: i, gen: 1})
	}
	out := make([]ArloDraw, 0, sizeHint(opt.Take))
	for _, d := range h.draw(opt) {
		out = append(out, ArloDraw{Ticket: d.number, Batch: int(all[d.item].batch), Position: int(all[d.item].pos), TimesSampled: d.gen})
	}
	return out, nil
}

// minPerWorker is the fewest ballots worth a goroutine of their own:
// hashing is about 100 ns a ballot, so below this, starting goroutines
// costs more than it saves. Tests lower it to exercise the split.
var minPerWorker int64 = 20000

// keyed is a ballot's first ticket in compact form.
type keyed struct {
	// key is the ticket's first 19 digits read as an integer, which
	// orders tickets as their strings do unless two keys are equal.
	key   uint64
	hash  [32]byte
	batch int32
	pos   int32
}

type arloRun struct {
	seedHex string
	batches []Batch
	cum     []int64
	want    int
}

// less orders first tickets as Rivest's sampler does: by ticket number,
// then by id.
func (a *arloRun) less(x, y *keyed) bool {
	if x.key != y.key {
		return x.key < y.key
	}
	if x.hash != y.hash {
		return uniformOf(&x.hash) < uniformOf(&y.hash)
	}
	return a.idLess(x, y)
}

// idLess orders two ballots as Python orders their id tuples, except
// that Python cannot compare None with a string; here None comes first.
// It decides only between equal 64-digit ticket numbers.
func (a *arloRun) idLess(x, y *keyed) bool {
	bx, by := &a.batches[x.batch], &a.batches[y.batch]
	switch {
	case bx.Jurisdiction != by.Jurisdiction:
		return bx.Jurisdiction < by.Jurisdiction
	case bx.Tabulator != by.Tabulator:
		return bx.Tabulator < by.Tabulator
	case bx.Name != by.Name:
		return bx.Name < by.Name
	}
	return x.pos < y.pos
}

const (
	pow4  = 10000
	pow15 = 1_000_000_000_000_000
	pow19 = 10_000_000_000_000_000_000
)

// limbMod4[k] is the weight of limb k (0 = most significant) of a
// big-endian 256-bit hash modulo 10^4, 2^(64*(3-k)) mod 10^4, so that
// the hash's last four decimal digits cost four constant divisions.
var limbMod4 = func() [4]uint64 {
	const two64 = (1 << 63) % pow4 * 2 % pow4 // 2^64 mod 10^4
	var m [4]uint64
	p := uint64(1)
	for k := 3; k >= 0; k-- {
		m[k] = p
		p = p * two64 % pow4
	}
	return m
}()

// key4 returns the first four digits of a hash's ticket as an integer:
// its last four decimal digits, reversed.
func key4(h *[32]byte) uint64 {
	var r uint64
	for k := 0; k < 4; k++ {
		r += binary.BigEndian.Uint64(h[8*k:]) % pow4 * limbMod4[k]
	}
	r %= pow4
	d0, d1, d2, d3 := r%10, r/10%10, r/100%10, r/1000
	return d0*1000 + d1*100 + d2*10 + d3
}

// key19 returns the first 19 digits of a hash's ticket as an integer.
func key19(h *[32]byte) uint64 {
	r := mod256(h, pow19)
	var k uint64
	for range 19 {
		k = k*10 + r%10
		r /= 10
	}
	return k
}

// scan hashes the ballots with global indexes lo..hi-1 and returns the
// want smallest first tickets among them.
func (a *arloRun) scan(lo, hi int64) []keyed {
	d := sha256.New()
	um := d.(encoding.BinaryUnmarshaler)
	am := d.(encoding.BinaryAppender)
	var (
		state  []byte
		prefix []byte
		tail   []byte
		sum    [32]byte
		top    = boundedHeap{limit: a.want, less: a.less}
	)
	// Find the batch holding ballot lo.
	b := sort.Search(len(a.batches), func(i int) bool { return a.cum[i+1] > lo })
	for idx := lo; idx < hi; b++ {
		n := int64(a.batches[b].Ballots)
		if n == 0 {
			continue
		}
		first := idx - a.cum[b] + 1 // 1-based position
		last := min(n, hi-a.cum[b])
		prefix = appendArloPrefix(prefix[:0], a.batches[b].Jurisdiction, a.batches[b].Tabulator, a.batches[b].Name)
		state = batchState(d, am, state[:0], a.seedHex, prefix)
		for pos := first; pos <= last; pos++ {
			if err := um.UnmarshalBinary(state); err != nil {
				panic("sampler: restoring SHA-256 state: " + err.Error())
			}
			tail = strconv.AppendInt(tail[:0], pos, 10)
			tail = append(tail, ')')
			d.Write(tail)
			d.Sum(sum[:0])
			if top.full() && key4(&sum) > top.t[0].key/pow15 {
				continue // its first four digits already lose
			}
			top.offer(keyed{key: key19(&sum), hash: sum, batch: int32(b), pos: int32(pos)})
		}
		idx = a.cum[b] + last
	}
	return top.t
}

// batchState returns the SHA-256 state after hashing the seed digest and a
// batch's id prefix, so each ballot's hash only adds its position.
func batchState(d hash.Hash, am encoding.BinaryAppender, buf []byte, seedHex string, prefix []byte) []byte {
	d.Reset()
	d.Write([]byte(seedHex))
	d.Write(prefix)
	buf, err := am.AppendBinary(buf)
	if err != nil {
		panic("sampler: saving SHA-256 state: " + err.Error())
	}
	return buf
}

// boundedHeap keeps the limit smallest values offered, as a max-heap whose
// root is the largest kept.
type boundedHeap struct {
	limit int
	less  func(x, y *keyed) bool
	t     []keyed
}

func (h *boundedHeap) full() bool { return len(h.t) >= h.limit }

func (h *boundedHeap) offer(k keyed) {
	if len(h.t) < h.limit {
		h.t = append(h.t, k)
		// Sift up.
		for i := len(h.t) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.less(&h.t[p], &h.t[i]) {
				break
			}
			h.t[p], h.t[i] = h.t[i], h.t[p]
			i = p
		}
		return
	}
	if !h.less(&k, &h.t[0]) {
		return
	}
	h.t[0] = k
	// Sift down.
	for i := 0; ; {
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h.t) && h.less(&h.t[big], &h.t[l]) {
			big = l
		}
		if r < len(h.t) && h.less(&h.t[big], &h.t[r]) {
			big = r
		}
		if big == i {
			break
		}
		h.t[i], h.t[big] = h.t[big], h.t[i]
		i = big
	}
}
