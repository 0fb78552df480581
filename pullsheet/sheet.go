// Package pullsheet prints an audit's ballot pull sheets: for one
// jurisdiction and round, a PDF listing every ballot its audit boards
// must take from storage, grouped by container and batch, with a box to
// tick for each ballot and space at the end for the boards' printed
// names, signatures and the date.
//
// It writes PDF 1.4 itself (the standard Helvetica fonts, nothing
// embedded, no compression, no clock): the same sheet gives the same
// bytes. Like the audit core it does no I/O beyond the io.Writer it is
// given.
package pullsheet

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Sheet is one jurisdiction's pull sheet for one round.
type Sheet struct {
	// Audit names the audit (its name and id), Jurisdiction the
	// jurisdiction; Round is the round's number.
	Audit        string
	Jurisdiction string
	Round        int
	// Note is an optional line printed under the heading of the first
	// page (e.g. the seed, or how many draws the round made).
	Note string
	// Ballots are the ballots to pull in storage order (container,
	// tabulator, batch, position), as rla/draw.RetrievalLists sorts them.
	Ballots []Ballot
	// Signers are the board members expected to sign; when empty, the
	// sheet leaves two blank lines.
	Signers []string
}

// Ballot is one line of the sheet.
type Ballot struct {
	Container string
	Tabulator string
	Batch     string
	Position  int
	// Tickets are the ticket numbers that drew the ballot this round.
	Tickets []string
	// Board is the audit board the ballot is assigned to, if any.
	Board string
	// AlreadyAudited marks a ballot read in an earlier round: it is
	// listed without a box, since its reading is kept.
	AlreadyAudited bool
}

// Layout, in points.
const (
	margin      = 48.0
	lineHeight  = 15.0
	groupGap    = 8.0
	headSize    = 13.0
	bodySize    = 9.5
	footerSize  = 8.0
	contentTop  = pageHeight - margin - 58 // below the page heading
	contentBase = margin + 28              // above the footer
	signHeight  = 70.0                     // one signer's block
)

// Columns: x positions of the box and the fields.
var (
	colBox       = margin
	colContainer = margin + 22
	colTabulator = margin + 120
	colBatch     = margin + 180
	colPosition  = margin + 250
	colTickets   = margin + 296 // two of Arlo's 20-character tickets a line
	colRight     = pageWidth - margin
)

// group is the ballots of one container, tabulator and batch.
type group struct {
	container, tabulator, batch string
	ballots                     []Ballot
}

func groups(bs []Ballot) []group {
	var out []group
	for _, b := range bs {
		if n := len(out); n == 0 || out[n-1].container != b.Container || out[n-1].tabulator != b.Tabulator || out[n-1].batch != b.Batch {
			out = append(out, group{container: b.Container, tabulator: b.Tabulator, batch: b.Batch})
		}
		out[len(out)-1].ballots = append(out[len(out)-1].ballots, b)
	}
	return out
}

// Write writes the sheet as a PDF. Each container starts on a new page,
// so that the pages of one container can be handed to whoever fetches
// it; a batch that does not fit on the page's remainder moves to the next
// page, and one longer than a page continues with its heading repeated.
// Every page carries the audit, round and jurisdiction and "Page i of n".
func Write(w io.Writer, s *Sheet) error {
	if s == nil {
		return errors.New("pullsheet: no sheet")
	}
	var pages []*page
	var cur *page
	y := 0.0
	newPage := func() {
		cur = &page{}
		pages = append(pages, cur)
		y = contentTop
		if len(pages) == 1 && s.Note != "" {
			cur.text(margin, y, fontRegular, bodySize, fit(s.Note, fontRegular, bodySize, colRight-margin))
			y -= lineHeight + 4
		}
		columnHeads(cur, y)
		y -= lineHeight + 2
	}
	newPage()
	pull, audited := 0, 0
	for _, b := range s.Ballots {
		if b.AlreadyAudited {
			audited++
		} else {
			pull++
		}
	}
	gs := groups(s.Ballots)
	for gi, g := range gs {
		lines := 0
		for _, b := range g.ballots {
			lines += len(ticketLines(b.Tickets))
		}
		need := lineHeight + groupGap + float64(lines)*lineHeight
		switch {
		case gi > 0 && g.container != gs[gi-1].container && y < contentTop-lineHeight*3:
			newPage()
		case y-need < contentBase && need <= contentTop-contentBase-2*lineHeight:
			newPage()
		}
		groupHead(cur, y, g, false)
		y -= lineHeight + 2
		for _, b := range g.ballots {
			tl := ticketLines(b.Tickets)
			if y-float64(len(tl))*lineHeight < contentBase {
				newPage()
				groupHead(cur, y, g, true)
				y -= lineHeight + 2
			}
			y = ballotLine(cur, y, b, tl)
		}
		y -= groupGap
	}
	if len(s.Ballots) == 0 {
		cur.text(margin, y, fontRegular, bodySize, "No ballots to pull in this round.")
		y -= lineHeight
	}
	// The signature block stays on one page.
	signers := s.Signers
	if len(signers) == 0 {
		signers = []string{"", ""}
	}
	need := 4*lineHeight + float64(len(signers))*signHeight
	if y-need < contentBase {
		newPage()
	}
	y -= lineHeight
	summary := fmt.Sprintf("%d ballots to pull", pull)
	if audited > 0 {
		summary += fmt.Sprintf(", %d already audited in an earlier round (not to pull)", audited)
	}
	cur.text(margin, y, fontBold, bodySize+1, "Audit board sign-off")
	y -= lineHeight + 2
	cur.text(margin, y, fontRegular, bodySize, fit(summary+".", fontRegular, bodySize, colRight-margin))
	y -= lineHeight
	cur.text(margin, y, fontRegular, bodySize, "We retrieved every ballot ticked above and returned it to its place.")
	y -= lineHeight * 1.5
	for _, name := range signers {
		y -= 30
		cur.line(margin, y, margin+200, y, 0.6)
		cur.line(margin+215, y, margin+415, y, 0.6)
		cur.line(margin+430, y, colRight, y, 0.6)
		if name != "" {
			cur.text(margin+2, y+4, fontRegular, bodySize+1, fit(name, fontRegular, bodySize+1, 196))
		}
		y -= 11
		cur.text(margin, y, fontRegular, footerSize, "Name (printed)")
		cur.text(margin+215, y, fontRegular, footerSize, "Signature")
		cur.text(margin+430, y, fontRegular, footerSize, "Date")
		y -= signHeight - 41
	}
	title := fmt.Sprintf("Ballot pull sheet: %s, round %d, %s", s.Audit, s.Round, s.Jurisdiction)
	for i, p := range pages {
		heading(p, s)
		foot := fmt.Sprintf("%s, round %d, %s", s.Audit, s.Round, s.Jurisdiction)
		p.line(margin, margin+14, colRight, margin+14, 0.4)
		p.text(margin, margin, fontRegular, footerSize, fit(foot, fontRegular, footerSize, colRight-margin-90))
		pn := fmt.Sprintf("Page %d of %d", i+1, len(pages))
		p.text(colRight-width(pn, fontRegular, footerSize), margin, fontRegular, footerSize, pn)
	}
	return writePDF(w, title, pages)
}

func heading(p *page, s *Sheet) {
	top := pageHeight - margin - headSize
	p.text(margin, top, fontBold, headSize, fit("Ballot pull sheet: "+s.Jurisdiction, fontBold, headSize, colRight-margin))
	p.text(margin, top-18, fontRegular, bodySize+1, fit(fmt.Sprintf("Audit %s, round %d", s.Audit, s.Round), fontRegular, bodySize+1, colRight-margin))
	p.line(margin, top-28, colRight, top-28, 0.8)
}

func columnHeads(p *page, y float64) {
	p.text(colBox, y, fontBold, bodySize, "Pulled")
	p.text(colContainer+18, y, fontBold, bodySize, "Container")
	p.text(colTabulator, y, fontBold, bodySize, "Tabulator")
	p.text(colBatch, y, fontBold, bodySize, "Batch")
	p.text(colPosition, y, fontBold, bodySize, "Position")
	p.text(colTickets, y, fontBold, bodySize, "Ticket numbers")
	p.line(margin, y-4, colRight, y-4, 0.4)
}

func groupHead(p *page, y float64, g group, continued bool) {
	p.fill(margin, y-4, colRight-margin, lineHeight, 0.9)
	h := "Container " + orDash(g.container)
	if g.tabulator != "" {
		h += ", tabulator " + g.tabulator
	}
	h += ", batch " + g.batch + " (" + plural(len(g.ballots), "ballot") + ")"
	for _, b := range g.ballots {
		if b.Board != "" {
			h += ", board " + b.Board
			break
		}
	}
	if continued {
		h += ", continued"
	}
	p.text(margin+4, y, fontBold, bodySize, fit(h, fontBold, bodySize, colRight-margin-8))
}

// ticketLines splits a ballot's ticket numbers into lines that fit the
// column: a ticket is never cut, since the board may need to match it.
func ticketLines(tickets []string) []string {
	var out []string
	cur := ""
	for _, t := range tickets {
		switch {
		case cur == "":
			cur = t
		case width(cur+" "+t, fontRegular, bodySize) <= colRight-colTickets:
			cur += " " + t
		default:
			out = append(out, cur)
			cur = t
		}
	}
	return append(out, cur)
}

// ballotLine prints a ballot's line (and its further ticket lines) at y
// and returns the y of the next line.
func ballotLine(p *page, y float64, b Ballot, tickets []string) float64 {
	if b.AlreadyAudited {
		p.text(colBox, y, fontRegular, footerSize, "audited")
	} else {
		p.rect(colBox+4, y-2, 10, 10, 0.8)
	}
	p.text(colContainer+18, y, fontRegular, bodySize, fit(orDash(b.Container), fontRegular, bodySize, colTabulator-colContainer-24))
	p.text(colTabulator, y, fontRegular, bodySize, fit(orDash(b.Tabulator), fontRegular, bodySize, colBatch-colTabulator-6))
	p.text(colBatch, y, fontRegular, bodySize, fit(b.Batch, fontRegular, bodySize, colPosition-colBatch-6))
	p.text(colPosition, y, fontRegular, bodySize, strconv.Itoa(b.Position))
	for i, t := range tickets {
		if i > 0 {
			y -= lineHeight
		}
		p.text(colTickets, y, fontRegular, bodySize, t)
	}
	p.line(colContainer+18, y-4, colRight, y-4, 0.2)
	return y - lineHeight
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
