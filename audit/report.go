package audit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/canvass/canvass/rla"
)

// Report is the audit report as data: what the office publishes and the
// verifier recomputes. WriteJSON writes it whole; WriteCSV one table at a
// time.
type Report struct {
	Settings Settings        `json:"settings"`
	Contests []ContestReport `json:"contests"`
	Rounds   []RoundReport   `json:"rounds"`
	// Ballots (ballot audits) or Batches (batch comparison) are every
	// sampled ballot or batch with its readings, as of the last closed
	// round.
	Ballots []AuditedBallot `json:"sampled_ballots,omitempty"`
	Batches []AuditedBatch  `json:"sampled_batches,omitempty"`
	// Decisions are the office's two-person decisions outside the math
	// (rounds undone, full hand counts declared), in the order taken.
	Decisions []Decision `json:"decisions,omitempty"`
}

// Settings are the audit's settings and its jurisdictions' uploads.
type Settings struct {
	Name               string                `json:"name"`
	Type               string                `json:"type"`
	Math               string                `json:"math"`
	RiskLimit          float64               `json:"risk_limit"`
	Sampler            string                `json:"sampler"`
	WithoutReplacement bool                  `json:"without_replacement"`
	Seed               string                `json:"seed,omitempty"`
	Statuses           []string              `json:"statuses"`
	Ballots            int64                 `json:"ballots"`
	Jurisdictions      []JurisdictionSummary `json:"jurisdictions"`
}

// JurisdictionSummary is what one jurisdiction uploaded.
type JurisdictionSummary struct {
	Name     string `json:"name"`
	CountyID int64  `json:"county_id,omitempty"`
	Batches  int    `json:"batches"`
	Ballots  int64  `json:"ballots"`
	CVRs     int    `json:"cvrs"`
	Phantoms int64  `json:"phantoms"`
}

// RoundReport is one round: its draw and, once closed, its result.
type RoundReport struct {
	Round int `json:"round"`
	Skip  int `json:"skip"`
	Count int `json:"count"`
	// Result is nil for a round not yet closed.
	Result *RoundResult `json:"result,omitempty"`
}

// Report assembles the report from the rounds drawn and the results of
// those closed (results[i] closes rounds[i]; the last round may be open).
func (a *Audit) Report(rounds []*Round, results []*RoundResult) (*Report, error) {
	if len(results) > len(rounds) {
		return nil, fmt.Errorf("%w: %d results for %d rounds", ErrInvalid, len(results), len(rounds))
	}
	r := &Report{Contests: a.Contests()}
	st := &r.Settings
	*st = Settings{Name: a.def.Name, Type: a.def.Type, Math: a.def.Math, RiskLimit: a.def.RiskLimit, Sampler: a.def.Sampler,
		WithoutReplacement: a.def.WithoutReplacement, Statuses: a.def.Statuses, Ballots: a.total}
	if len(st.Statuses) == 0 {
		st.Statuses = AllStatuses
	}
	if len(rounds) > 0 {
		st.Seed = rounds[0].Seed
	}
	for _, j := range a.jurs {
		st.Jurisdictions = append(st.Jurisdictions, JurisdictionSummary{j.name, j.county, len(j.batches), j.ballots, len(j.cvrs), j.phantoms})
	}
	for i, rd := range rounds {
		rr := RoundReport{Round: rd.Number, Skip: rd.Skip, Count: rd.Count}
		if i < len(results) {
			if results[i].Round != rd.Number {
				return nil, fmt.Errorf("%w: result %d closes round %d", ErrInvalid, i+1, results[i].Round)
			}
			res := *results[i]
			res.Ballots, res.Batches = nil, nil
			rr.Result = &res
		}
		r.Rounds = append(r.Rounds, rr)
	}
	if n := len(results); n > 0 {
		r.Ballots, r.Batches = results[n-1].Ballots, results[n-1].Batches
	}
	return r, nil
}

// WriteJSON writes the report as one JSON document, indented by two
// spaces, with a final newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// CSVTables names the tables WriteCSV writes, one CSV file each.
var CSVTables = []string{"settings", "jurisdictions", "contests", "rounds", "assertions", "sampled-ballots", "discrepancies", "sampled-batches", "decisions"}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
func itoa(x int) string     { return strconv.Itoa(x) }
func i64(x int64) string    { return strconv.FormatInt(x, 10) }
func btoa(b bool) string    { return strconv.FormatBool(b) }

func countsCell(cs rla.Counts) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name + "=" + itoa(c.Votes)
	}
	return strings.Join(parts, "; ")
}

// WriteCSV writes one table of the report (one of CSVTables) as CSV with a
// header row and \n line ends.
func (r *Report) WriteCSV(table string, w io.Writer) error {
	var rows [][]string
	switch table {
	case "settings":
		s := r.Settings
		rows = [][]string{{"setting", "value"}, {"name", s.Name}, {"type", s.Type}, {"math", s.Math}, {"risk_limit", ftoa(s.RiskLimit)},
			{"sampler", s.Sampler}, {"without_replacement", btoa(s.WithoutReplacement)}, {"seed", s.Seed},
			{"statuses", strings.Join(s.Statuses, " ")}, {"ballots", i64(s.Ballots)}}
	case "jurisdictions":
		rows = [][]string{{"jurisdiction", "county_id", "batches", "ballots", "cvrs", "phantoms"}}
		for _, j := range r.Settings.Jurisdictions {
			rows = append(rows, []string{j.Name, i64(j.CountyID), itoa(j.Batches), i64(j.Ballots), itoa(j.CVRs), i64(j.Phantoms)})
		}
	case "contests":
		rows = [][]string{{"contest", "kind", "targeted", "jurisdictions", "ballots", "phantoms", "winners", "votes_allowed", "min_margin", "diluted_margin", "tally"}}
		for _, c := range r.Contests {
			rows = append(rows, []string{c.Name, c.Kind, btoa(c.Targeted), strings.Join(c.Jurisdictions, "; "), i64(c.Ballots), i64(c.Phantoms),
				strings.Join(c.Winners, "; "), itoa(c.VotesAllowed), i64(c.MinMargin), ftoa(c.DilutedMargin), countsCell(c.Tally)})
		}
	case "rounds":
		// Colorado's per-round columns: risk measured, diluted margin,
		// discrepancy counts by kind, ballots audited.
		rows = [][]string{{"round", "contest", "targeted", "math", "risk_limit", "risk_measured", "risk_limit_met", "decision", "decided_in",
			"diluted_margin", "o2", "o1", "u1", "u2", "not_found", "phantoms", "ballots_audited", "sample_size", "ballot_count", "next_size", "round_draws", "round_next_size"}}
		for _, rr := range r.Rounds {
			if rr.Result == nil {
				continue
			}
			for _, c := range rr.Result.Contests {
				d := c.Discrepancies
				rows = append(rows, []string{itoa(rr.Round), c.Contest, btoa(c.Targeted), c.Math, ftoa(r.Settings.RiskLimit), ftoa(c.Risk), btoa(c.RiskLimitMet),
					c.Decision, itoa(c.DecidedIn), ftoa(c.DilutedMargin), itoa(d.O2), itoa(d.O1), itoa(d.U1), itoa(d.U2), itoa(d.NotFound), itoa(d.Phantoms),
					itoa(c.BallotsAudited), itoa(c.SampleSize), i64(c.Ballots), itoa(c.NextSize), itoa(rr.Result.Draws), itoa(rr.Result.NextSize)})
			}
		}
	case "assertions":
		rows = [][]string{{"round", "contest", "assertion", "diluted_margin", "o2", "o1", "u1", "u2", "not_found", "phantoms", "risk_measured", "risk_limit_met", "next_size"}}
		for _, rr := range r.Rounds {
			if rr.Result == nil {
				continue
			}
			for _, c := range rr.Result.Contests {
				for _, as := range c.Assertions {
					d := as.Discrepancies
					rows = append(rows, []string{itoa(rr.Round), c.Contest, as.Assertion, ftoa(as.DilutedMargin), itoa(d.O2), itoa(d.O1), itoa(d.U1), itoa(d.U2),
						itoa(d.NotFound), itoa(d.Phantoms), ftoa(as.Risk), btoa(as.RiskLimitMet), itoa(as.NextSize)})
				}
			}
		}
	case "sampled-ballots", "discrepancies":
		rows = [][]string{{"jurisdiction", "container", "tabulator", "batch", "ballot_position", "ticket_numbers", "round", "cvr", "contest",
			"cvr_reading", "board_reading", "comment", "discrepancy", "kind"}}
		for _, b := range r.Ballots {
			for _, c := range b.Contests {
				if table == "discrepancies" && c.Kind == "" {
					continue
				}
				cvr := b.CVR
				if b.Phantom {
					cvr = "phantom"
				}
				rows = append(rows, []string{b.Jurisdiction, b.Container, b.Tabulator, b.Batch, itoa(b.Position), strings.Join(b.Tickets, " "),
					itoa(b.Round), cvr, c.Contest, c.CVRReading, c.BoardReading, c.Comment, itoa(c.Discrepancy), c.Kind})
			}
		}
	case "sampled-batches":
		rows = [][]string{{"jurisdiction", "batch", "ballots", "ticket_numbers", "round", "not_found", "contest", "reported", "audited", "comment"}}
		for _, b := range r.Batches {
			for _, c := range b.Contests {
				rows = append(rows, []string{b.Jurisdiction, b.Batch, itoa(b.Ballots), strings.Join(b.Tickets, " "), itoa(b.Round), btoa(b.NotFound),
					c.Contest, countsCell(c.Reported), countsCell(c.Audited), b.Comment})
			}
		}
	case "decisions":
		rows = decisionRows(r.Decisions)
	default:
		return fmt.Errorf("no report table %q; the tables are %s", table, strings.Join(CSVTables, ", "))
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// ForJurisdiction is the report as one jurisdiction needs it: its own
// uploads, the contests it takes part in, the rounds' results for those
// contests (risks stay the whole audit's: a contest's risk is measured
// over every jurisdiction), and only its own sampled ballots or batches.
// It returns nil if the audit has no jurisdiction j.
func (r *Report) ForJurisdiction(j string) *Report {
	out := &Report{Settings: r.Settings, Decisions: r.Decisions}
	out.Settings.Jurisdictions = nil
	for _, s := range r.Settings.Jurisdictions {
		if s.Name == j {
			out.Settings.Jurisdictions = append(out.Settings.Jurisdictions, s)
			out.Settings.Ballots = s.Ballots
		}
	}
	if len(out.Settings.Jurisdictions) == 0 {
		return nil
	}
	mine := map[string]bool{}
	for _, c := range r.Contests {
		if slices.Contains(c.Jurisdictions, j) {
			mine[c.Name] = true
			out.Contests = append(out.Contests, c)
		}
	}
	for _, rd := range r.Rounds {
		if rd.Result != nil {
			res := *rd.Result
			res.Contests, res.Ballots, res.Batches = nil, nil, nil
			for _, c := range rd.Result.Contests {
				if mine[c.Contest] {
					res.Contests = append(res.Contests, c)
				}
			}
			for _, b := range rd.Result.Ballots {
				if b.Jurisdiction == j {
					res.Ballots = append(res.Ballots, b)
				}
			}
			for _, b := range rd.Result.Batches {
				if b.Jurisdiction == j {
					res.Batches = append(res.Batches, b)
				}
			}
			rd.Result = &res
		}
		out.Rounds = append(out.Rounds, rd)
	}
	for _, b := range r.Ballots {
		if b.Jurisdiction == j {
			out.Ballots = append(out.Ballots, b)
		}
	}
	for _, b := range r.Batches {
		if b.Jurisdiction == j {
			out.Batches = append(out.Batches, b)
		}
	}
	return out
}
