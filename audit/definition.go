package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/canvass/canvass/rla"
)

// Audit types.
const (
	BallotPolling    = "ballot-polling"
	BallotComparison = "ballot-comparison"
	BatchComparison  = "batch-comparison"
)

// Contest kinds.
const (
	Plurality = "plurality"
	VoteForN  = "vote-for-n"
	Approval  = "approval"
	IRV       = "irv"
)

// Samplers.
const (
	// SamplerArlo is Arlo's consistent sampler (rla/draw.Arlo), and for
	// batch comparison Arlo's PPEB batch draw (rla/draw.ArloPPEB).
	SamplerArlo = "arlo"
	// SamplerCorla is ColoradoRLA's sampler over the counties' manifests
	// (rla/draw.CorlaManifest).
	SamplerCorla = "corla"
)

// Reading statuses: what a board may record instead of choices.
const (
	StatusBlank          = "blank"
	StatusOvervote       = "overvote"
	StatusNotOnBallot    = "not-on-ballot"
	StatusNotFound       = "not-found"
	StatusNoConsensus    = "no-consensus"
	StatusInvalidWriteIn = "invalid-write-in"
)

// AllStatuses is the default reading vocabulary.
var AllStatuses = []string{StatusBlank, StatusOvervote, StatusNotOnBallot, StatusNotFound, StatusNoConsensus, StatusInvalidWriteIn}

// mathsByType lists the maths each audit type may use.
var mathsByType = map[string][]string{
	BallotPolling:    {"bravo", "alpha"},
	BallotComparison: {"supersimple", "corla", "alpha-comparison"},
	BatchComparison:  {"macro"},
}

// MaxDefinitionBytes bounds the JSON DecodeDefinition accepts.
const MaxDefinitionBytes = 4 << 20

// ErrInvalid is wrapped by every error about a definition, input or
// reading that cannot be audited as given.
var ErrInvalid = errors.New("invalid audit input")

// Definition is what an audit-admin sets up before any upload.
type Definition struct {
	Name string `json:"name"`
	// Type is BallotPolling, BallotComparison or BatchComparison.
	Type string `json:"type"`
	// Math is the risk measure: bravo or alpha (polling); supersimple,
	// corla or alpha-comparison (comparison); macro (batch).
	Math string `json:"math"`
	// RiskLimit is α, a fraction in (0, 1).
	RiskLimit float64 `json:"risk_limit"`
	// Sampler is SamplerArlo or SamplerCorla.
	Sampler string `json:"sampler"`
	// WithoutReplacement never draws a ballot twice. The default draws
	// with replacement, as Arlo's ballot samples and Colorado do, and
	// counts a ballot drawn k times k times.
	WithoutReplacement bool `json:"without_replacement,omitempty"`
	// Statuses is the reading vocabulary boards may use; empty means
	// AllStatuses. Some states forbid "no-consensus".
	Statuses      []string             `json:"statuses,omitempty"`
	Contests      []ContestDefinition  `json:"contests"`
	Jurisdictions []JurisdictionConfig `json:"jurisdictions"`
}

// ContestDefinition is one contest of the audit.
type ContestDefinition struct {
	// Name is the contest's name, as the election (CVRs) or the batch
	// tallies name it.
	Name string `json:"name"`
	// Targeted contests drive the rounds; opportunistic ones only have
	// their risk measured.
	Targeted bool `json:"targeted"`
	// Jurisdictions the contest spans, by name.
	Jurisdictions []string `json:"jurisdictions"`
	// Kind is Plurality, VoteForN, Approval or IRV.
	Kind string `json:"kind"`
	// Winners is the number of seats (default 1).
	Winners int `json:"winners,omitempty"`
	// VotesAllowed is how many candidates a voter may mark (vote-for-n;
	// default Winners). Plurality and IRV allow 1; approval every
	// candidate.
	VotesAllowed int `json:"votes_allowed,omitempty"`
	// Reported is the reported tally in candidate order. Required for
	// ballot polling; for comparison audits it is computed from the CVRs
	// and, when given, must equal them.
	Reported rla.Counts `json:"reported,omitempty"`
}

// JurisdictionConfig is one jurisdiction of the audit.
type JurisdictionConfig struct {
	// Name is the jurisdiction's name exactly as the sampler uses it (part
	// of every ballot's id in Arlo's sampler).
	Name string `json:"name"`
	// CountyID is the ColoradoRLA county number (sampler corla only).
	CountyID int64 `json:"county_id,omitempty"`
}

// FieldError is a problem with one field of a definition.
type FieldError struct {
	// Field is the JSON path, e.g. contests[1].jurisdictions[0].
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// DecodeDefinition reads one JSON definition, refusing unknown fields and
// trailing data, and validates it.
func DecodeDefinition(data []byte) (*Definition, error) {
	if len(data) > MaxDefinitionBytes {
		return nil, fmt.Errorf("%w: definition is %d bytes, more than %d", ErrInvalid, len(data), MaxDefinitionBytes)
	}
	var d Definition
	if err := decodeStrict(data, &d); err != nil {
		return nil, fmt.Errorf("%w: definition: %v", ErrInvalid, err)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("byte %d: malformed JSON: %v", se.Offset, err)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("byte %d: unexpected data after the JSON object", dec.InputOffset())
	}
	return nil
}

// Validate reports the first problem that makes the definition impossible
// to audit, as a *FieldError.
func (d *Definition) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{field, fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(d.Name) == "" {
		return bad("name", "is empty; name the audit")
	}
	maths, ok := mathsByType[d.Type]
	if !ok {
		return bad("type", "%q is not an audit type; use %s, %s or %s", d.Type, BallotPolling, BallotComparison, BatchComparison)
	}
	if !slices.Contains(maths, d.Math) {
		return bad("math", "%q does not apply to a %s audit; use %s", d.Math, d.Type, strings.Join(maths, " or "))
	}
	if !(d.RiskLimit > 0 && d.RiskLimit < 1) {
		return bad("risk_limit", "%v is not a fraction in (0, 1); write 0.05 for 5%%", d.RiskLimit)
	}
	switch d.Sampler {
	case SamplerArlo:
	case SamplerCorla:
		if d.Type == BatchComparison {
			return bad("sampler", "batch comparison draws batches with Arlo's PPEB sampler; use %q", SamplerArlo)
		}
	default:
		return bad("sampler", "%q is not a sampler; use %q or %q", d.Sampler, SamplerArlo, SamplerCorla)
	}
	if d.WithoutReplacement && d.Type == BatchComparison {
		return bad("without_replacement", "MACRO batch draws are with replacement")
	}
	for i, s := range d.Statuses {
		if !slices.Contains(AllStatuses, s) {
			return bad(fmt.Sprintf("statuses[%d]", i), "%q is not a reading status; use one of %s", s, strings.Join(AllStatuses, ", "))
		}
		if slices.Index(d.Statuses, s) != i {
			return bad(fmt.Sprintf("statuses[%d]", i), "%q is listed twice", s)
		}
	}
	if len(d.Jurisdictions) == 0 {
		return bad("jurisdictions", "is empty; an audit needs at least one jurisdiction")
	}
	names := map[string]bool{}
	counties := map[int64]bool{}
	for i, j := range d.Jurisdictions {
		f := fmt.Sprintf("jurisdictions[%d]", i)
		if strings.TrimSpace(j.Name) == "" {
			return bad(f+".name", "is empty")
		}
		if names[j.Name] {
			return bad(f+".name", "%q is listed twice", j.Name)
		}
		names[j.Name] = true
		if d.Sampler == SamplerCorla {
			if j.CountyID <= 0 {
				return bad(f+".county_id", "the corla sampler needs each jurisdiction's ColoradoRLA county number (1 or more)")
			}
			if counties[j.CountyID] {
				return bad(f+".county_id", "county %d is given to two jurisdictions", j.CountyID)
			}
			counties[j.CountyID] = true
		} else if j.CountyID != 0 {
			return bad(f+".county_id", "only the corla sampler uses county numbers")
		}
	}
	if len(d.Contests) == 0 {
		return bad("contests", "is empty; an audit needs at least one targeted contest")
	}
	contests := map[string]bool{}
	targeted := 0
	for i, c := range d.Contests {
		f := fmt.Sprintf("contests[%d]", i)
		if strings.TrimSpace(c.Name) == "" {
			return bad(f+".name", "is empty")
		}
		if contests[c.Name] {
			return bad(f+".name", "contest %q is listed twice", c.Name)
		}
		contests[c.Name] = true
		if c.Targeted {
			targeted++
		}
		if len(c.Jurisdictions) == 0 {
			return bad(f+".jurisdictions", "is empty; name the jurisdictions contest %q spans", c.Name)
		}
		for k, j := range c.Jurisdictions {
			if !names[j] {
				return bad(fmt.Sprintf("%s.jurisdictions[%d]", f, k), "%q is not one of the audit's jurisdictions", j)
			}
			if slices.Index(c.Jurisdictions, j) != k {
				return bad(fmt.Sprintf("%s.jurisdictions[%d]", f, k), "%q is listed twice", j)
			}
		}
		if c.Winners < 0 || c.VotesAllowed < 0 {
			return bad(f, "winners and votes_allowed must be positive")
		}
		w, v := max(c.Winners, 1), c.VotesAllowed
		switch c.Kind {
		case Plurality, IRV:
			if w != 1 || (v != 0 && v != 1) {
				return bad(f, "a %s contest has one winner and one vote; use kind %q for more", c.Kind, VoteForN)
			}
		case VoteForN:
			if v != 0 && v < w {
				return bad(f+".votes_allowed", "%d is fewer than the %d winners", v, w)
			}
		case Approval:
			if v != 0 {
				return bad(f+".votes_allowed", "an approval contest allows a vote for every candidate; leave it out")
			}
		default:
			return bad(f+".kind", "%q is not a contest kind; use %s, %s, %s or %s", c.Kind, Plurality, VoteForN, Approval, IRV)
		}
		if c.Kind == IRV && d.Type != BallotComparison {
			return bad(f+".kind", "IRV contests are audited by ballot comparison over RAIRE assertions; this is a %s audit", d.Type)
		}
		if d.Type != BallotComparison && len(c.Reported) == 0 {
			return bad(f+".reported", "a %s audit needs the reported tally of contest %q", d.Type, c.Name)
		}
		for k, cv := range c.Reported {
			if strings.TrimSpace(cv.Name) == "" {
				return bad(fmt.Sprintf("%s.reported", f), "candidate %d has an empty name", k+1)
			}
		}
		if d.Type == BallotPolling {
			if d.Math == "alpha" && (c.Kind == Approval || (c.Kind == VoteForN && max(v, w) > 1)) {
				return bad(f+".kind", "ALPHA polling audits single-vote contests; use bravo for %s", c.Kind)
			}
		}
	}
	if targeted == 0 {
		return bad("contests", "no contest is targeted; target at least one")
	}
	if d.Type == BatchComparison && targeted != 1 {
		return bad("contests", "a batch-comparison audit draws batches in proportion to one contest's error bounds, so it targets exactly one contest (%d are targeted)", targeted)
	}
	return nil
}

// statusAllowed reports whether the audit's vocabulary has s.
func (d *Definition) statusAllowed(s string) bool {
	if len(d.Statuses) == 0 {
		return slices.Contains(AllStatuses, s)
	}
	return slices.Contains(d.Statuses, s)
}

func (c *ContestDefinition) winners() int { return max(c.Winners, 1) }
