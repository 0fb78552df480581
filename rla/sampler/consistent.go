package sampler

import (
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// ArloDigits is the number of significant digits (after any leading 9s)
// that Arlo prints in ticket numbers.
const ArloDigits = 18

// Uniform is Rivest's sha256_uniform: the SHA-256 of the UTF-8 bytes of s,
// read as a 256-bit integer, written in decimal and left-padded with zeros
// to at least 64 digits, reversed, and prefixed with "0.". The result has
// 64 to 78 digits after the point. Tickets made of these strings are
// compared as strings (byte order), never as numbers.
func Uniform(s string) string {
	h := sha256.Sum256([]byte(s))
	return uniformOf(&h)
}

// uniformOf is Uniform for an already computed hash.
func uniformOf(h *[32]byte) string {
	var n big.Int
	n.SetBytes(h[:])
	digits := n.Text(10)
	b := make([]byte, 0, 2+78)
	b = append(b, '0', '.')
	for i := len(digits) - 1; i >= 0; i-- {
		b = append(b, digits[i])
	}
	for i := len(digits); i < 64; i++ {
		b = append(b, '0')
	}
	return string(b)
}

// SeedDigest returns the lowercase hex SHA-256 of the seed, the prefix of
// every first-ticket hash input.
func SeedDigest(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(h[:])
}

// FirstFraction is the generation-1 ticket number of the item whose text
// (Python str()) is id: Uniform(SeedDigest(seed) + id).
func FirstFraction(id, seed string) string {
	return Uniform(SeedDigest(seed) + id)
}

// nines returns the index in x+"0" of the first character at position 2
// or later that is not '9': the point after which significant digits start.
func nines(x string) int {
	p := 2
	for p < len(x) && x[p] == '9' {
		p++
	}
	return p
}

// NextFraction is the ticket number that follows x when its item is drawn
// again (sampling with replacement). With x0 = x+"0" and p the index of the
// first non-9 at position 2 or later of x0, it is the first of
// x0[:p] + Uniform(x+":"+i)[2:] for i = 1, 2, ... that is greater than x0
// (byte order). The hash input uses x and the comparison x0, as Rivest's
// code does.
func NextFraction(x string) string {
	x0 := x + "0"
	p := nines(x0)
	for i := 1; ; i++ {
		y := x0[:p] + Uniform(x + ":" + strconv.Itoa(i))[2:]
		if y > x0 {
			return y
		}
	}
}

// Trim keeps digits significant digits of the ticket number x after any
// leading 9s: x[:p+digits] with p as in NextFraction. Arlo prints tickets
// trimmed to 18 digits.
func Trim(x string, digits int) string {
	p := nines(x)
	if p+digits >= len(x) {
		return x
	}
	return x[:p+digits]
}

// Ticket is one draw of a consistent sample.
type Ticket struct {
	// Number is the ticket number trimmed to Options.Digits.
	Number string
	// ID is the drawn item's text.
	ID string
	// Generation is how many times the item has been drawn so far,
	// counting this draw (Arlo's "times sampled").
	Generation int
}

// Options select a consistent sample's draws.
type Options struct {
	// WithReplacement lets an item be drawn again, with its next ticket.
	WithReplacement bool
	// Drop is how many draws earlier rounds took; Take how many to return
	// now. The result is draws Drop+1 .. Drop+Take in ticket order, so a
	// later round extends an earlier one.
	Drop, Take int
	// Digits is how many significant digits tickets keep when printed;
	// zero means ArloDigits.
	Digits int
	// Workers is how many goroutines ArloSample hashes ballots with; zero
	// means GOMAXPROCS. It never changes the result.
	Workers int
}

func (o Options) check() error {
	if o.Drop < 0 || o.Take < 0 {
		return fmt.Errorf("sampler: drop (%d) and take (%d) must not be negative", o.Drop, o.Take)
	}
	if o.Drop > math.MaxInt-o.Take {
		return fmt.Errorf("sampler: drop (%d) plus take (%d) is too large", o.Drop, o.Take)
	}
	if o.Digits < 0 {
		return fmt.Errorf("sampler: digits must not be negative, got %d", o.Digits)
	}
	return nil
}

func (o Options) digits() int {
	if o.Digits == 0 {
		return ArloDigits
	}
	return o.Digits
}

// Sample is Rivest's consistent sampler over items identified by their
// text ids (for Python objects, their str()). Every item gets the first
// ticket FirstFraction(id, seed); tickets are drawn smallest first (ties
// broken by id, then generation); with replacement a drawn item gets its
// next ticket and can be drawn again. Without replacement fewer than
// Drop+Take items give fewer draws. ids must be distinct.
func Sample(ids []string, seed string, opt Options) ([]Ticket, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	want := opt.Drop + opt.Take
	prefix := SeedDigest(seed)
	seen := make(map[string]bool, len(ids))
	var h ticketHeap
	for _, id := range ids {
		if seen[id] {
			return nil, fmt.Errorf("sampler: id %q appears twice", id)
		}
		seen[id] = true
		t := fullTicket{number: Uniform(prefix + id), item: len(h.items), gen: 1}
		h.items = append(h.items, id)
		h.push(t, want)
	}
	var out []Ticket
	for _, d := range h.draw(opt) {
		out = append(out, Ticket{Number: d.number, ID: h.items[d.item], Generation: d.gen})
	}
	return out, nil
}

// fullTicket is a ticket at full precision in the drawing heap.
type fullTicket struct {
	number string
	item   int // index into the item table of its heap
	gen    int
}

// ticketHeap is a min-heap of tickets over an item table. Building it
// keeps only the want smallest first tickets (a bounded max-heap), since
// no other item can be drawn in want draws.
type ticketHeap struct {
	items []string // id text of each item
	t     []fullTicket
	max   bool // ordering flipped while it is a bounded max-heap
	// itemLess orders items whose tickets are equal; nil means by id text.
	itemLess func(a, b int) bool
}

func (h *ticketHeap) less(a, b fullTicket) bool {
	if a.number != b.number {
		return a.number < b.number
	}
	if a.item != b.item {
		if h.itemLess != nil {
			return h.itemLess(a.item, b.item)
		}
		return h.items[a.item] < h.items[b.item]
	}
	return a.gen < b.gen
}

func (h *ticketHeap) Len() int { return len(h.t) }
func (h *ticketHeap) Less(i, j int) bool {
	if h.max {
		return h.less(h.t[j], h.t[i])
	}
	return h.less(h.t[i], h.t[j])
}
func (h *ticketHeap) Swap(i, j int) { h.t[i], h.t[j] = h.t[j], h.t[i] }
func (h *ticketHeap) Push(x any)    { h.t = append(h.t, x.(fullTicket)) }
func (h *ticketHeap) Pop() any {
	t := h.t[len(h.t)-1]
	h.t = h.t[:len(h.t)-1]
	return t
}

// push adds t while keeping only the limit smallest tickets.
func (h *ticketHeap) push(t fullTicket, limit int) {
	h.max = true
	if len(h.t) < limit {
		heap.Push(h, t)
		return
	}
	if limit == 0 || !h.less(t, h.t[0]) {
		return
	}
	h.t[0] = t
	heap.Fix(h, 0)
}

// draw pops tickets smallest first, with replacement pushing each drawn
// item's next ticket, and returns pops Drop+1 .. Drop+Take with their
// numbers trimmed.
func (h *ticketHeap) draw(opt Options) []fullTicket {
	h.max = false
	heap.Init(h)
	digits := opt.digits()
	out := make([]fullTicket, 0, sizeHint(opt.Take))
	for k := 1; k <= opt.Drop+opt.Take && h.Len() > 0; k++ {
		t := heap.Pop(h).(fullTicket)
		if k > opt.Drop {
			out = append(out, fullTicket{number: Trim(t.number, digits), item: t.item, gen: t.gen})
		}
		if opt.WithReplacement {
			heap.Push(h, fullTicket{number: NextFraction(t.number), item: t.item, gen: t.gen + 1})
		}
	}
	return out
}
