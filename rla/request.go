package rla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Request is one audit description, the JSON object that `canvass rla
// size` and `canvass rla risk` read: one typed request per method
// (*BRAVORequest, *SuperSimpleRequest, *CORLARequest, *MACRORequest,
// *ALPHARequest, *ALPHAComparisonRequest), chosen by the "method" field.
// See docs/rla-math.md for each method's fields.
type Request interface {
	// Method is the request's "method": one of Methods.
	Method() string
	// Size computes the sample size the request describes.
	Size() (SizeReport, error)
	// Risk measures the risk the request describes.
	Risk() (Risk, error)

	// fields maps each JSON field the method accepts to where it is
	// decoded: a pointer for encoding/json, or a fieldDecoder.
	fields() map[string]any
	base() *Common
	run(risk bool) (result, error)
}

// fieldDecoder decodes a field that needs more than encoding/json.
type fieldDecoder func(raw json.RawMessage) error

// Common holds the fields every method shares.
type Common struct {
	RiskLimit    float64
	Ballots      int
	Tally        Counts
	Winners      int
	VotesAllowed int

	method  string
	present map[string]bool
}

// Method returns the request's method name.
func (c *Common) Method() string { return c.method }

func (c *Common) base() *Common { return c }

func (c *Common) fields() map[string]any {
	return map[string]any{
		"method":        &c.method,
		"risk_limit":    &c.RiskLimit,
		"ballots":       &c.Ballots,
		"tally":         &c.Tally,
		"winners":       &c.Winners,
		"votes_allowed": &c.VotesAllowed,
	}
}

// BRAVORequest is Arlo's BRAVO ballot polling (method "bravo").
type BRAVORequest struct {
	Common
	// Sample is the cumulative sampled votes per candidate; SampleSize
	// the ballots drawn (default: the sum); NotFound the ballots not
	// found, each a vote for every loser.
	Sample     Counts
	SampleSize *int
	NotFound   int
}

func (r *BRAVORequest) fields() map[string]any {
	f := r.Common.fields()
	f["sample"], f["sample_size"], f["not_found"] = &r.Sample, &r.SampleSize, &r.NotFound
	return f
}

// SuperSimpleRequest is Arlo's SuperSimple ballot comparison (method
// "supersimple"). NotFound ballots count as two-vote overstatements.
type SuperSimpleRequest struct {
	Common
	Discrepancies *Discrepancies
	NotFound      int
}

func (r *SuperSimpleRequest) fields() map[string]any {
	f := r.Common.fields()
	f["discrepancies"], f["not_found"] = discrepanciesField(&r.Discrepancies), &r.NotFound
	return f
}

// CORLARequest is Colorado's Kaplan-Markov comparison (method "corla").
type CORLARequest struct {
	Common
	Discrepancies *Discrepancies
	NotFound      int
	// Gamma is the error inflation factor; zero means Colorado's.
	Gamma float64
}

func (r *CORLARequest) fields() map[string]any {
	f := r.Common.fields()
	f["discrepancies"], f["not_found"], f["gamma"] = discrepanciesField(&r.Discrepancies), &r.NotFound, &r.Gamma
	return f
}

// MACRORequest is Arlo's MACRO batch comparison (method "macro"). Sample
// maps batch names to the number of times each was drawn; Pending counts
// ballots not yet in any batch.
type MACRORequest struct {
	Common
	Batches []BatchInput
	Sample  Counts
	Pending int
}

func (r *MACRORequest) fields() map[string]any {
	f := r.Common.fields()
	f["batches"], f["sample"], f["pending"] = &r.Batches, &r.Sample, &r.Pending
	return f
}

// ALPHARequest is ALPHA ballot polling (method "alpha"): ordered polling
// draws (candidate names; nil for a ballot not found, "" for no vote), or
// raw assorter values X with T and U.
type ALPHARequest struct {
	Common
	Draws   []*string
	X       []float64
	T, U    *float64
	Options ALPHAOptions
}

func (r *ALPHARequest) fields() map[string]any {
	f := r.Common.fields()
	f["draws"], f["x"], f["t"], f["u"] = &r.Draws, &r.X, &r.T, &r.U
	alphaFields(f, &r.Options)
	return f
}

// ALPHAComparisonRequest is ALPHA ballot-level comparison (method
// "alpha-comparison"): overstatements in votes in draw order, or
// discrepancy counts.
type ALPHAComparisonRequest struct {
	Common
	Overstatements []int
	Discrepancies  *Discrepancies
	NotFound       int
	Options        ALPHAOptions
}

func (r *ALPHAComparisonRequest) fields() map[string]any {
	f := r.Common.fields()
	f["overstatements"], f["discrepancies"], f["not_found"] = &r.Overstatements, discrepanciesField(&r.Discrepancies), &r.NotFound
	alphaFields(f, &r.Options)
	f["p2"] = &r.Options.P2
	return f
}

func alphaFields(f map[string]any, o *ALPHAOptions) {
	f["eta"], f["d"], f["f"], f["c"] = &o.Eta, &o.D, &o.F, &o.C
	f["estimator"] = estimatorField(o)
	f["with_replacement"] = &o.WithReplacement
}

// newRequest returns the empty request of a method.
var newRequest = map[string]func() Request{
	"bravo":            func() Request { return &BRAVORequest{} },
	"supersimple":      func() Request { return &SuperSimpleRequest{} },
	"corla":            func() Request { return &CORLARequest{} },
	"macro":            func() Request { return &MACRORequest{} },
	"alpha":            func() Request { return &ALPHARequest{} },
	"alpha-comparison": func() Request { return &ALPHAComparisonRequest{} },
}

// Size computes the sample size the request describes.
func (r *BRAVORequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *BRAVORequest) Risk() (Risk, error) { return risk(r) }

// Size computes the sample size the request describes.
func (r *SuperSimpleRequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *SuperSimpleRequest) Risk() (Risk, error) { return risk(r) }

// Size computes the sample size the request describes.
func (r *CORLARequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *CORLARequest) Risk() (Risk, error) { return risk(r) }

// Size computes the sample size the request describes.
func (r *MACRORequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *MACRORequest) Risk() (Risk, error) { return risk(r) }

// Size computes the sample size the request describes.
func (r *ALPHARequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *ALPHARequest) Risk() (Risk, error) { return risk(r) }

// Size computes the sample size the request describes.
func (r *ALPHAComparisonRequest) Size() (SizeReport, error) { return size(r) }

// Risk measures the risk the request describes.
func (r *ALPHAComparisonRequest) Risk() (Risk, error) { return risk(r) }

func size(r Request) (SizeReport, error) {
	out, err := withPresence(r).run(false)
	return out.SizeReport, err
}

func risk(r Request) (Risk, error) {
	out, err := withPresence(r).run(true)
	return out.risk, err
}

// withPresence returns r, or for a request built in Go rather than
// decoded (so without a record of which fields were given) a copy in which
// every field that is not its zero value counts as given: a server can
// fill a BRAVORequest and call Size, and a zero Winners means the default
// as it does when the JSON leaves it out. The copy leaves r untouched, so
// concurrent calls are safe.
func withPresence(r Request) Request {
	if r.base().present != nil {
		return r
	}
	v := reflect.ValueOf(r).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	c := cp.Interface().(Request)
	present := map[string]bool{"method": true}
	for name, dst := range c.fields() {
		if _, custom := dst.(fieldDecoder); !custom && !reflect.ValueOf(dst).Elem().IsZero() {
			present[name] = true
		}
	}
	switch t := c.(type) {
	case *SuperSimpleRequest:
		present["discrepancies"] = t.Discrepancies != nil
	case *CORLARequest:
		present["discrepancies"] = t.Discrepancies != nil
	case *ALPHAComparisonRequest:
		present["discrepancies"] = t.Discrepancies != nil
	}
	b := c.base()
	b.present = present
	if b.method == "" {
		for m, mk := range newRequest {
			if reflect.TypeOf(mk()) == reflect.TypeOf(c) {
				b.method = m
			}
		}
	}
	return c
}

// BatchInput is one batch of a macro request.
type BatchInput struct {
	Name     string `json:"name"`
	Ballots  int    `json:"ballots"`
	Reported Counts `json:"reported"`
	Audited  Counts `json:"audited,omitempty"`
	// NotFound marks a drawn batch that could not be hand counted.
	NotFound bool `json:"not_found,omitempty"`
}

// Methods lists the methods a Request may name, in the order the CLI help
// shows them.
var Methods = []string{"bravo", "supersimple", "corla", "macro", "alpha", "alpha-comparison"}

// methodFields lists the fields each method accepts beyond the common
// ones (method, risk_limit, ballots, tally, winners, votes_allowed).
var methodFields = map[string][]string{
	"bravo":            {"sample", "sample_size", "not_found"},
	"supersimple":      {"discrepancies", "not_found"},
	"corla":            {"discrepancies", "not_found", "gamma"},
	"macro":            {"batches", "sample", "pending"},
	"alpha":            {"draws", "x", "t", "u", "eta", "d", "f", "c", "estimator", "with_replacement"},
	"alpha-comparison": {"overstatements", "discrepancies", "not_found", "eta", "d", "f", "c", "p2", "estimator", "with_replacement"},
}

var commonFields = []string{"method", "risk_limit", "ballots", "tally", "winners", "votes_allowed"}

// strict decodes raw into v, refusing unknown fields in nested objects
// and trailing data.
func strict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			where := ""
			if te.Field != "" {
				where = te.Field + ": "
			}
			return fmt.Errorf("%sexpected %s, found a JSON %s", where, jsonKind(te.Type.String()), te.Value)
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), goType == "*int":
		return "a whole number"
	case strings.HasPrefix(goType, "float"), goType == "*float64":
		return "a number"
	case goType == "string", goType == "*string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// discrepanciesField decodes {"sample_size", "o1", "o2", "u1", "u2"}
// into *dst; sample_size is required, null leaves *dst nil.
func discrepanciesField(dst **Discrepancies) fieldDecoder {
	return func(raw json.RawMessage) error {
		var d struct {
			SampleSize *int `json:"sample_size"`
			O1         int  `json:"o1"`
			O2         int  `json:"o2"`
			U1         int  `json:"u1"`
			U2         int  `json:"u2"`
		}
		if err := strict(raw, &d); err != nil {
			if strings.Contains(err.Error(), "unknown field") {
				return fmt.Errorf("%v (the counts are sample_size, o1, o2, u1 and u2; Arlo's \"1-over\" is o1, \"2-over\" o2, \"1-under\" u1, \"2-under\" u2)", err)
			}
			return err
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil
		}
		if d.SampleSize == nil {
			return fmt.Errorf("sample_size is missing: give the number of ballots audited")
		}
		*dst = &Discrepancies{SampleSize: *d.SampleSize, O1: d.O1, O2: d.O2, U1: d.U1, U2: d.U2}
		return nil
	}
}

// estimatorField decodes an estimator's name into o.
func estimatorField(o *ALPHAOptions) fieldDecoder {
	return func(raw json.RawMessage) error {
		var s string
		if err := strict(raw, &s); err != nil {
			return err
		}
		for _, e := range []Estimator{ShrinkTrunc, FixedAlternative, OptimalComparison} {
			if s == e.String() {
				o.Estimator, o.EstimatorSet = e, true
				return nil
			}
		}
		return fmt.Errorf("unknown estimator %q; use shrink_trunc, fixed or optimal", s)
	}
}

// MaxRequestBytes bounds the audit description DecodeRequest accepts, so
// that a hostile input cannot exhaust memory. Real descriptions are a few
// kilobytes; a MACRO audit of 100,000 batches fits easily.
const MaxRequestBytes = 64 << 20

// DecodeRequest reads one JSON audit description. Every field must be one
// the method accepts, each at most once, with the right type; errors name
// the field (and the byte offset for malformed JSON) and say what was
// expected.
func DecodeRequest(data []byte) (Request, error) {
	if len(data) > MaxRequestBytes {
		return nil, fmt.Errorf("input is %d bytes, more than the %d an audit description may have", len(data), MaxRequestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(err, dec, "expected one JSON object")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("byte %d: expected one JSON object, found %s", dec.InputOffset(), describeToken(tok))
	}
	raws := map[string]json.RawMessage{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err, dec, "")
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(err, dec, fmt.Sprintf("field %q", key))
		}
		if !knownFields[key] {
			return nil, fmt.Errorf("unknown field %q; the fields are %s, and per method %s", key, strings.Join(commonFields, ", "), describeMethodFields())
		}
		if _, dup := raws[key]; dup {
			return nil, fmt.Errorf("field %q appears twice", key)
		}
		raws[key] = raw
		order = append(order, key)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(err, dec, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("byte %d: unexpected data after the JSON object; give exactly one audit description", dec.InputOffset())
	}
	var method string
	raw, ok := raws["method"]
	if !ok {
		return nil, fmt.Errorf("field \"method\" is missing; use one of %s", strings.Join(Methods, ", "))
	}
	if err := strict(raw, &method); err != nil {
		return nil, fmt.Errorf("field \"method\": %v", err)
	}
	extra, ok := methodFields[method]
	if !ok {
		return nil, fmt.Errorf("field \"method\": unknown method %q; use one of %s", method, strings.Join(Methods, ", "))
	}
	r := newRequest[method]()
	fields := r.fields()
	for _, key := range order {
		if _, ok := fields[key]; !ok {
			return nil, fmt.Errorf("field %q does not apply to method %s, whose fields are %s", key, method, strings.Join(append(append([]string{}, commonFields...), extra...), ", "))
		}
	}
	c := r.base()
	c.present = make(map[string]bool, len(order))
	for _, key := range order {
		var err error
		switch dst := fields[key].(type) {
		case fieldDecoder:
			err = dst(raws[key])
		default:
			err = strict(raws[key], dst)
		}
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", key, err)
		}
		c.present[key] = true
	}
	return r, nil
}

// knownFields holds every field of every method, to tell an unknown
// field (probably misspelt) from one the method does not take.
var knownFields = func() map[string]bool {
	k := map[string]bool{}
	for _, f := range commonFields {
		k[f] = true
	}
	for _, fs := range methodFields {
		for _, f := range fs {
			k[f] = true
		}
	}
	return k
}()

func describeMethodFields() string {
	var parts []string
	for _, m := range Methods {
		parts = append(parts, m+": "+strings.Join(methodFields[m], ", "))
	}
	return strings.Join(parts, "; ")
}

func syntaxError(err error, dec *json.Decoder, what string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("byte %d: malformed JSON: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("byte %d: the JSON ends early; %s", dec.InputOffset(), strings.TrimPrefix(what+" is incomplete", " "))
	}
	if what != "" {
		return fmt.Errorf("byte %d: %s: %v", dec.InputOffset(), what, err)
	}
	return fmt.Errorf("byte %d: %v", dec.InputOffset(), err)
}

// require reports the first missing field among names.
func (c *Common) require(names ...string) error {
	for _, n := range names {
		if !c.present[n] {
			return fmt.Errorf("field %q is missing; method %s needs %s", n, c.method, strings.Join(names, ", "))
		}
	}
	return nil
}

// contest builds the Contest of the request.
func (c *Common) contest() *Contest {
	return &Contest{Ballots: c.Ballots, Tally: c.Tally, Winners: c.Winners, VotesAllowed: c.VotesAllowed}
}

// checkCommon rejects an explicit 0 for winners and votes_allowed, which
// the Contest type would read as "default", and an impossible not_found.
func (c *Common) checkCommon(notFound int) error {
	if c.present["winners"] && c.Winners < 1 {
		return fmt.Errorf("field \"winners\": %d; it must be at least 1", c.Winners)
	}
	if c.present["votes_allowed"] && c.VotesAllowed < 1 {
		return fmt.Errorf("field \"votes_allowed\": %d; it must be at least 1", c.VotesAllowed)
	}
	if notFound < 0 || notFound > math.MaxInt32 {
		return fmt.Errorf("field \"not_found\": %d; it must be between 0 and %d", notFound, math.MaxInt32)
	}
	return nil
}

// validContest checks the fields a ballot-level method needs and builds
// its contest. When measuring risk it also requires riskNeeds, the fields
// holding the method's audit evidence.
func (c *Common) validContest(out *result, risk bool, riskNeeds ...string) (*Contest, error) {
	if err := c.require("risk_limit", "ballots", "tally"); err != nil {
		return nil, err
	}
	con := c.contest()
	if err := con.Validate(); err != nil {
		return nil, err
	}
	out.ballots = con.Ballots
	if risk && len(riskNeeds) > 0 {
		if err := c.require(append([]string{"risk_limit", "ballots", "tally"}, riskNeeds...)...); err != nil {
			return nil, err
		}
	}
	return con, nil
}

// pollingSample maps the named sample counts onto the tally.
func (r *BRAVORequest) pollingSample(c *Contest) (*PollingSample, error) {
	if !r.present["sample"] && !r.present["not_found"] && r.SampleSize == nil {
		return nil, nil
	}
	s := &PollingSample{Votes: make([]int, len(c.Tally)), NotFound: r.NotFound}
	for _, cv := range r.Sample {
		i, ok := c.index(cv.Name)
		if !ok {
			return nil, fmt.Errorf("field \"sample\": %q is not a candidate in the tally", cv.Name)
		}
		s.Votes[i] = cv.Votes
	}
	if r.SampleSize != nil {
		if *r.SampleSize < 1 {
			return nil, fmt.Errorf("field \"sample_size\": %d; it must be at least 1 (leave it out to use the sum of the sample)", *r.SampleSize)
		}
		s.Size = *r.SampleSize
	}
	return s, nil
}

// withNotFound returns discrepancy counts with not-found ballots added as
// two-vote overstatements.
func withNotFound(given *Discrepancies, notFound int) (*Discrepancies, error) {
	if given == nil {
		if notFound > 0 {
			return nil, fmt.Errorf("field \"not_found\" needs \"discrepancies\" with the sample_size that includes the ballots not found")
		}
		return nil, nil
	}
	d := *given
	d.O2 += notFound
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("field \"discrepancies\": %v", err)
	}
	return &d, nil
}

// SizeReport is the answer of `canvass rla size`.
type SizeReport struct {
	// BRAVO is set for method bravo; Size otherwise.
	BRAVO *BRAVOSizes
	Size  Size
	// ballots caps every size.
	ballots int
}

// MarshalJSON writes {"asn": n, "0.7": n, "0.8": n, "0.9": n} for BRAVO,
// adding Arlo's "all-ballots": N when Arlo would recommend a full hand
// count, and {"size": n} for every other method. Sizes are capped at the
// ballot count.
func (s SizeReport) MarshalJSON() ([]byte, error) {
	if b := s.BRAVO; b != nil {
		c := func(n int) int { return max(0, min(n, s.ballots)) }
		out := fmt.Sprintf(`{"asn": %d, "0.7": %d, "0.8": %d, "0.9": %d`, c(b.ASN), c(b.P70), c(b.P80), c(b.P90))
		if b.AllBallots {
			out += fmt.Sprintf(`, "all-ballots": %d`, s.ballots)
		}
		return []byte(out + "}"), nil
	}
	return []byte(fmt.Sprintf(`{"size": %d}`, max(0, min(s.Size.Size, s.ballots)))), nil
}

// RiskReport is the answer of `canvass rla risk`.
type RiskReport struct{ Risk }

// MarshalJSON writes {"risk": p, "confirmed": true|false}.
func (r RiskReport) MarshalJSON() ([]byte, error) {
	p, err := json.Marshal(r.Risk.Risk)
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf(`{"risk": %s, "confirmed": %v}`, p, r.Confirmed)), nil
}

// result is what evaluating a request gives: a size or a risk.
type result struct {
	SizeReport
	risk Risk
}

func (r *BRAVORequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(r.NotFound); err != nil {
		return out, err
	}
	c, err := r.validContest(&out, risk, "sample")
	if err != nil {
		return out, err
	}
	s, err := r.pollingSample(c)
	if err != nil {
		return out, err
	}
	if risk {
		out.risk, err = BRAVORisk(r.RiskLimit, c, s)
		return out, err
	}
	b, err := BRAVOSampleSizes(r.RiskLimit, c, s)
	out.BRAVO = &b
	return out, err
}

func (r *SuperSimpleRequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(r.NotFound); err != nil {
		return out, err
	}
	c, err := r.validContest(&out, risk, "discrepancies")
	if err != nil {
		return out, err
	}
	d, err := withNotFound(r.Discrepancies, r.NotFound)
	if err != nil {
		return out, err
	}
	if risk {
		out.risk, err = SuperSimpleRiskOfCounts(r.RiskLimit, c, *d)
		return out, err
	}
	out.Size, err = SuperSimpleSampleSize(r.RiskLimit, c, d)
	return out, err
}

func (r *CORLARequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(r.NotFound); err != nil {
		return out, err
	}
	c, err := r.validContest(&out, risk, "discrepancies")
	if err != nil {
		return out, err
	}
	d, err := withNotFound(r.Discrepancies, r.NotFound)
	if err != nil {
		return out, err
	}
	if r.present["gamma"] && !(r.Gamma > 1) {
		return out, fmt.Errorf("field \"gamma\": %v; it must be greater than 1", r.Gamma)
	}
	cr, err := CORLA(r.RiskLimit, c, d, r.Gamma)
	if err != nil {
		return out, err
	}
	out.risk = Risk{Risk: cr.Risk, Confirmed: cr.Confirmed, FullHandCount: cr.FullHandCount}
	out.Size = Size{Size: cr.Remaining, FullHandCount: cr.FullHandCount}
	return out, nil
}

func (r *ALPHARequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(0); err != nil {
		return out, err
	}
	if r.present["x"] {
		return r.runRaw(risk)
	}
	c, err := r.validContest(&out, risk, "draws")
	if err != nil {
		return out, err
	}
	if r.present["t"] || r.present["u"] {
		return out, fmt.Errorf("fields \"t\" and \"u\" apply only to raw assorter values \"x\"; a polling audit's assorter has t = ½ and u = 1")
	}
	draws, err := r.pollingDraws(c)
	if err != nil {
		return out, err
	}
	o := r.Options
	if risk {
		out.risk, err = ALPHAPollingRisk(r.RiskLimit, c, draws, &o)
		return out, err
	}
	out.Size, err = ALPHAPollingSampleSize(r.RiskLimit, c, draws, &o)
	return out, err
}

func (r *ALPHAComparisonRequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(r.NotFound); err != nil {
		return out, err
	}
	c, err := r.validContest(&out, risk)
	if err != nil {
		return out, err
	}
	if risk && !r.present["overstatements"] && !r.present["discrepancies"] {
		return out, fmt.Errorf("field \"overstatements\" (or \"discrepancies\") is missing; method alpha-comparison needs the audited ballots' overstatements")
	}
	seq, err := r.overstatementSequence()
	if err != nil {
		return out, err
	}
	o := r.Options
	if risk {
		out.risk, err = ALPHAComparisonRisk(r.RiskLimit, c, seq, &o)
		return out, err
	}
	out.Size, err = ALPHAComparisonSampleSize(r.RiskLimit, c, seq, &o)
	return out, err
}

// pollingDraws maps draw names onto tally indices: null is a ballot not
// found, "" a ballot with no vote in the contest.
func (r *ALPHARequest) pollingDraws(c *Contest) ([]int, error) {
	out := make([]int, len(r.Draws))
	for i, d := range r.Draws {
		switch {
		case d == nil:
			out[i] = NotFound
		case *d == "":
			out[i] = NoVote
		default:
			k, ok := c.index(*d)
			if !ok {
				return nil, fmt.Errorf("field \"draws\": draw %d names %q, which is not a candidate in the tally (use \"\" for a ballot with no vote, null for one not found)", i+1, *d)
			}
			out[i] = k
		}
	}
	return out, nil
}

// maxSequence bounds the draw sequences an ALPHA comparison request may
// expand to, keeping memory small whatever the input says.
const maxSequence = 1 << 22

// overstatementSequence returns the audited ballots' overstatements in
// draw order: the given sequence, or for counts the canonical order
// (two-vote overstatements, one-vote overstatements, one-vote
// understatements, two-vote understatements, then clean ballots), followed
// by the not-found ballots as two-vote overstatements.
func (r *ALPHAComparisonRequest) overstatementSequence() ([]int, error) {
	if r.present["overstatements"] && r.present["discrepancies"] {
		return nil, fmt.Errorf("give either \"overstatements\" (in draw order) or \"discrepancies\" (counts), not both")
	}
	if r.present["overstatements"] {
		if len(r.Overstatements)+r.NotFound > maxSequence {
			return nil, fmt.Errorf("%d overstatements and not-found ballots are more than this command accepts (%d)", len(r.Overstatements)+r.NotFound, maxSequence)
		}
		seq := append([]int(nil), r.Overstatements...)
		for i := 0; i < r.NotFound; i++ {
			seq = append(seq, 2)
		}
		if len(seq) > maxSequence {
			return nil, fmt.Errorf("field \"not_found\": %d ballots is more than any sample", r.NotFound)
		}
		return seq, nil
	}
	d, err := withNotFound(r.Discrepancies, r.NotFound)
	if err != nil || d == nil {
		return nil, err
	}
	if d.SampleSize > maxSequence {
		return nil, fmt.Errorf("field \"discrepancies\": sample_size %d is more than this command accepts for ALPHA (%d); give the audited ballots' overstatements instead", d.SampleSize, maxSequence)
	}
	seq := make([]int, 0, d.SampleSize)
	for _, g := range []struct{ v, n int }{{2, d.O2}, {1, d.O1}, {-1, d.U1}, {-2, d.U2}} {
		for i := 0; i < g.n; i++ {
			seq = append(seq, g.v)
		}
	}
	for len(seq) < d.SampleSize {
		seq = append(seq, 0)
	}
	return seq, nil
}

// runRawALPHA tests raw assorter values x: risk is the p-value, size the
// number of draws that would confirm if x repeated.
func (r *ALPHARequest) runRaw(risk bool) (out result, err error) {
	if err := r.require("risk_limit", "x"); err != nil {
		return out, err
	}
	if r.present["tally"] || r.present["draws"] || r.present["winners"] || r.present["votes_allowed"] {
		return out, fmt.Errorf("raw assorter values \"x\" stand alone: leave out tally, draws, winners and votes_allowed")
	}
	if !r.present["ballots"] && !r.Options.WithReplacement {
		return out, fmt.Errorf("field \"ballots\" is missing: give the population size N, or set \"with_replacement\": true")
	}
	if r.present["ballots"] && r.Ballots < 1 {
		return out, fmt.Errorf("field \"ballots\": %d; the population size must be at least 1", r.Ballots)
	}
	n := r.Ballots
	if r.Options.WithReplacement {
		n = 0
	}
	t, u := 0.5, 1.0
	if r.T != nil {
		t = *r.T
	}
	if r.U != nil {
		u = *r.U
	}
	eta := u * (1 - epsilon)
	if r.Options.Eta != nil {
		eta = *r.Options.Eta
	}
	a := NewALPHA(n, eta)
	a.T, a.U, a.C = t, u, (eta-t)/2
	o := r.Options
	if o.EstimatorSet {
		a.Estimator = o.Estimator
	}
	for _, p := range []struct {
		dst *float64
		src *float64
	}{{&a.D, o.D}, {&a.F, o.F}, {&a.C, o.C}, {&a.P2, o.P2}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	if err := checkRiskLimit(r.RiskLimit); err != nil {
		return out, err
	}
	out.ballots = math.MaxInt32
	if n > 0 {
		out.ballots = n
	}
	if risk {
		p, err := a.PValue(r.X)
		out.risk = Risk{Risk: p, Confirmed: p <= r.RiskLimit}
		return out, err
	}
	limit := n
	if limit == 0 || limit > maxALPHADraws {
		limit = maxALPHADraws
	}
	size, err := a.SampleSize(r.RiskLimit, r.X, limit)
	out.Size = Size{Size: size}
	return out, err
}

func (r *MACRORequest) run(risk bool) (out result, err error) {
	if err := r.checkCommon(0); err != nil {
		return out, err
	}
	need := []string{"risk_limit", "tally", "batches"}
	if risk {
		need = append(need, "sample")
	}
	if err := r.require(need...); err != nil {
		return out, err
	}
	c := r.contest()
	m := &MACRO{Contest: c, Pending: r.Pending}
	total := r.Pending
	index := map[string]int{}
	for i, b := range r.Batches {
		if _, dup := index[b.Name]; dup {
			return out, fmt.Errorf("field \"batches\": batch %q is listed twice", b.Name)
		}
		index[b.Name] = i
		rep, err := countsFor(c, b.Reported, fmt.Sprintf("batch %q: reported", b.Name))
		if err != nil {
			return out, err
		}
		m.Batches = append(m.Batches, Batch{Name: b.Name, Ballots: b.Ballots, Reported: rep})
		if b.Ballots > 0 {
			total += b.Ballots
		}
	}
	if !r.present["ballots"] {
		c.Ballots = total
	}
	if err := m.validate(); err != nil {
		return out, err
	}
	var draws []BatchDraw
	for _, s := range r.Sample {
		i, ok := index[s.Name]
		if !ok {
			return out, fmt.Errorf("field \"sample\": %q is not a batch in \"batches\"", s.Name)
		}
		b := r.Batches[i]
		d := BatchDraw{Batch: i}
		switch {
		case b.NotFound && b.Audited != nil:
			return out, fmt.Errorf("field \"batches\": batch %q has both an audited tally and not_found", b.Name)
		case b.NotFound:
		case b.Audited == nil:
			return out, fmt.Errorf("field \"batches\": batch %q is in the sample but has no \"audited\" tally; give its hand count, or \"not_found\": true", b.Name)
		default:
			if d.Audited, err = countsFor(c, b.Audited, fmt.Sprintf("batch %q: audited", b.Name)); err != nil {
				return out, err
			}
		}
		for k := 0; k < s.Votes; k++ {
			draws = append(draws, d)
		}
	}
	out.ballots = len(m.Batches)
	if risk {
		out.risk, err = MACRORisk(r.RiskLimit, m, draws)
		return out, err
	}
	out.Size, err = MACROSampleSize(r.RiskLimit, m, draws)
	return out, err
}

// countsFor maps named counts onto the tally, candidates absent counting 0.
func countsFor(c *Contest, counts Counts, what string) ([]int, error) {
	out := make([]int, len(c.Tally))
	for _, cv := range counts {
		i, ok := c.index(cv.Name)
		if !ok {
			names := make([]string, len(c.Tally))
			for k, t := range c.Tally {
				names[k] = t.Name
			}
			sort.Strings(names)
			return nil, fmt.Errorf("%s names %q, which is not a candidate in the tally (%s)", what, cv.Name, strings.Join(names, ", "))
		}
		out[i] = cv.Votes
	}
	return out, nil
}
