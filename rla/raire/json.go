package raire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// InputError is a problem with RAIRE JSON input: where it is (byte offset,
// JSON path) and what was expected there.
type InputError struct {
	// Offset is the byte offset in the input (0 when not known).
	Offset int64
	// Field is the JSON path, e.g. "votes[3].prefs".
	Field string
	// Err says what was wrong.
	Err error
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Offset > 0 {
		fmt.Fprintf(&b, "byte %d: ", e.Offset)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// jsonProblem mirrors raire-rs's RaireProblem. Pointers tell absent fields
// from zero ones.
type jsonProblem struct {
	Metadata           json.RawMessage `json:"metadata"`
	NumCandidates      *int            `json:"num_candidates"`
	Candidates         []string        `json:"candidates"`
	Votes              *[]jsonVote     `json:"votes"`
	Winner             *int            `json:"winner"`
	Audit              *jsonAudit      `json:"audit"`
	TrimAlgorithm      *string         `json:"trim_algorithm"`
	DifficultyEstimate *float64        `json:"difficulty_estimate"`
	TimeLimitSeconds   *float64        `json:"time_limit_seconds"`
}

type jsonVote struct {
	N     *int64 `json:"n"`
	Prefs *[]int `json:"prefs"`
}

// jsonAudit is raire-rs's Audit enum, tagged by "type". risk_limit and
// gamma are accepted as clearer synonyms of confidence and
// error_inflation_factor.
type jsonAudit struct {
	Type                 *string  `json:"type"`
	Total                *int64   `json:"total_auditable_ballots"`
	Confidence           *float64 `json:"confidence"`
	RiskLimit            *float64 `json:"risk_limit"`
	ErrorInflationFactor *float64 `json:"error_inflation_factor"`
	Gamma                *float64 `json:"gamma"`
}

// MaxInputBytes bounds the RAIRE JSON DecodeProblem reads, so that a
// hostile input cannot exhaust memory. Grouped votes of any real contest are
// far smaller.
const MaxInputBytes = 1 << 30

// DecodeProblem reads one RAIRE problem in raire-rs's JSON input format:
//
//	{"num_candidates": 4, "candidates": ["A","B","C","D"],
//	 "votes": [{"n": 5000, "prefs": [2,1,0]}, ...], "winner": 2,
//	 "audit": {"type": "OneOnMargin", "total_auditable_ballots": 13500},
//	 "trim_algorithm": "MinimizeAssertions",
//	 "difficulty_estimate": 10, "time_limit_seconds": 30}
//
// Candidate names may also come from "metadata": {"candidates": [...]},
// where raire-rs keeps them. Syntax errors, wrong types, unknown fields and
// missing required fields are *InputError values naming the byte offset and
// the field; the problem's content is then checked by Problem.Validate.
func DecodeProblem(r io.Reader) (*Problem, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputBytes {
		return nil, &InputError{Offset: MaxInputBytes, Err: fmt.Errorf("input is larger than %d bytes; group identical ballots into one vote with a count n", MaxInputBytes)}
	}
	return decodeProblem(data)
}

func decodeProblem(data []byte) (*Problem, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var jp jsonProblem
	if err := dec.Decode(&jp); err != nil {
		return nil, jsonError(data, err, dec.InputOffset())
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v after the problem object; give one problem per input", tok)
		}
		return nil, &InputError{Offset: dec.InputOffset(), Err: err}
	}
	missing := func(field, what string) error {
		return &InputError{Field: field, Err: fmt.Errorf("missing; %s", what)}
	}
	p := &Problem{Winner: -1, Metadata: jp.Metadata}
	if jp.NumCandidates == nil {
		return nil, missing("num_candidates", "give the number of candidates")
	}
	p.NumCandidates = *jp.NumCandidates
	p.Candidates = jp.Candidates
	if p.Candidates == nil && len(jp.Metadata) > 0 {
		var md struct {
			Candidates []string `json:"candidates"`
		}
		if err := json.Unmarshal(jp.Metadata, &md); err == nil {
			p.Candidates = md.Candidates
		}
	}
	if jp.Votes == nil {
		return nil, missing("votes", `give the ballots as [{"n": count, "prefs": [candidate indices]}, ...]`)
	}
	p.Votes = make([]Vote, len(*jp.Votes))
	for i, v := range *jp.Votes {
		if v.N == nil {
			return nil, missing(fmt.Sprintf("votes[%d].n", i), "give the number of ballots with this ranking")
		}
		if v.Prefs == nil {
			return nil, missing(fmt.Sprintf("votes[%d].prefs", i), "give the ranking as a list of candidate indices ([] for a blank ballot)")
		}
		p.Votes[i] = Vote{N: *v.N, Prefs: *v.Prefs}
	}
	if jp.Winner != nil {
		p.Winner = *jp.Winner
		if p.Winner < 0 {
			return nil, &InputError{Field: "winner", Err: fmt.Errorf("%d is not a candidate index", p.Winner)}
		}
	}
	if jp.Audit == nil {
		return nil, missing("audit", `give e.g. {"type": "OneOnMargin", "total_auditable_ballots": N}`)
	}
	a, err := jp.Audit.audit()
	if err != nil {
		return nil, err
	}
	p.Audit = a
	if jp.TrimAlgorithm != nil {
		p.Trim = TrimAlgorithm(*jp.TrimAlgorithm)
	}
	if jp.DifficultyEstimate != nil {
		p.DifficultyEstimate = *jp.DifficultyEstimate
	}
	if jp.TimeLimitSeconds != nil {
		s := *jp.TimeLimitSeconds
		if !(s > 0) || s > math.MaxInt64/float64(time.Second) {
			return nil, &Error{Kind: ErrInvalidTimeout, Detail: fmt.Sprintf("time_limit_seconds: %v is not a positive number of seconds", s)}
		}
		p.TimeLimit = time.Duration(s * float64(time.Second))
	}
	return p, nil
}

func (ja *jsonAudit) audit() (Audit, error) {
	bad := func(field, format string, args ...any) error {
		return &InputError{Field: "audit." + field, Err: fmt.Errorf(format, args...)}
	}
	if ja.Type == nil {
		return Audit{}, bad("type", "missing; one of OneOnMargin, OneOnMarginSq, MACRO, BRAVO")
	}
	a := Audit{Type: AuditType(*ja.Type)}
	if ja.Total == nil {
		return a, bad("total_auditable_ballots", "missing; give the number of ballots the audit samples from")
	}
	a.TotalAuditableBallots = *ja.Total
	if ja.Confidence != nil && ja.RiskLimit != nil {
		return a, bad("risk_limit", "give either confidence or risk_limit (they are the same α), not both")
	}
	if ja.ErrorInflationFactor != nil && ja.Gamma != nil {
		return a, bad("gamma", "give either error_inflation_factor or gamma, not both")
	}
	alpha, alphaField := ja.Confidence, "confidence"
	if ja.RiskLimit != nil {
		alpha, alphaField = ja.RiskLimit, "risk_limit"
	}
	gamma, gammaField := ja.ErrorInflationFactor, "error_inflation_factor"
	if ja.Gamma != nil {
		gamma, gammaField = ja.Gamma, "gamma"
	}
	switch a.Type {
	case OneOnMargin, OneOnMarginSq:
		if alpha != nil {
			return a, bad(alphaField, "%s does not use a risk limit; remove the field", a.Type)
		}
		if gamma != nil {
			return a, bad(gammaField, "%s does not use an error inflation factor; remove the field", a.Type)
		}
	case MACRO:
		if gamma == nil {
			return a, bad("error_inflation_factor", "missing; MACRO needs γ (Colorado uses 1.03905)")
		}
		a.Gamma = *gamma
		fallthrough
	case BRAVO:
		if alpha == nil {
			return a, bad("confidence", "missing; %s needs the risk limit α (e.g. 0.05)", a.Type)
		}
		a.RiskLimit = *alpha
		if a.Type == BRAVO && gamma != nil {
			return a, bad(gammaField, "BRAVO does not use an error inflation factor; remove the field")
		}
	default:
		return a, bad("type", "%q is not one of OneOnMargin, OneOnMarginSq, MACRO, BRAVO", a.Type)
	}
	return a, nil
}

// jsonError turns an encoding/json error into an *InputError with the byte
// offset, the JSON path (votes[3].prefs[1]) and what was expected.
func jsonError(data []byte, err error, offset int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &InputError{Offset: se.Offset, Field: pathAt(data, se.Offset, ""), Err: fmt.Errorf("invalid JSON: %v", se)}
	case errors.As(err, &te):
		return &InputError{Offset: te.Offset, Field: pathAt(data, te.Offset, ""), Err: fmt.Errorf("expected %s, got JSON %s", goTypeName(te.Type.String()), te.Value)}
	case errors.Is(err, io.EOF):
		return &InputError{Err: errors.New("empty input; expected a RAIRE problem object")}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{Offset: offset, Err: errors.New("input ends in the middle of the JSON object")}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		key, _ := strconv.Unquote(name)
		off, path := keyOffset(data, key)
		return &InputError{Offset: off, Field: path, Err: fmt.Errorf("unknown field %s; RAIRE input has metadata, num_candidates, candidates, votes (n, prefs), winner, audit (type, total_auditable_ballots, confidence, error_inflation_factor), trim_algorithm, difficulty_estimate, time_limit_seconds", name)}
	}
	return &InputError{Offset: offset, Err: err}
}

// walkJSON calls visit with the path and end offset of every value and
// object key in data, in order, until visit returns false or the JSON ends
// (or breaks: it is used only to locate errors).
func walkJSON(data []byte, visit func(path string, isKey bool, key string, end int64) bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj    bool
		key    string
		index  int
		expKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for i, f := range stack {
			if f.obj {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	// afterValue advances the enclosing container past one value.
	afterValue := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].expKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].expKey = k, false
				if !visit(path(), true, k, end) {
					return
				}
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if !visit(path(), false, "", end) {
				return
			}
			stack = append(stack, frame{obj: tok == json.Delim('{'), expKey: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			afterValue()
		default:
			if !visit(path(), false, "", end) {
				return
			}
			afterValue()
		}
	}
}

// pathAt returns the JSON path of the value that ends at or spans offset.
func pathAt(data []byte, offset int64, _ string) string {
	found := ""
	walkJSON(data, func(path string, isKey bool, _ string, end int64) bool {
		if !isKey {
			found = path
		}
		return end < offset
	})
	return found
}

// keyOffset finds the first object key named key and returns its end
// offset and path.
func keyOffset(data []byte, key string) (int64, string) {
	var off int64
	var at string
	walkJSON(data, func(path string, isKey bool, k string, end int64) bool {
		if isKey && k == key {
			off, at = end, path
			return false
		}
		return true
	})
	return off, at
}

func goTypeName(t string) string {
	switch strings.TrimLeft(t, "*[]") {
	case "int", "int64":
		return "an integer"
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "raire.jsonVote":
		return `a vote object {"n": count, "prefs": [...]}`
	case "raire.jsonAudit":
		return "an audit object"
	}
	return t
}

// EncodeResult writes a result as raire-rs does: {"Ok": {...}} on success,
// {"Err": ...} when err is an *Error (variants with data as {"Kind": data},
// the others as a bare string). Any other error is returned unwritten.
// Numbers are formatted as Rust's serde_json formats f64 (27.0, 5.4) and
// infinities as null, so that the bytes match raire-rs's output.
func EncodeResult(w io.Writer, res *Result, err error) error {
	var b bytes.Buffer
	if err := appendResult(&b, res, err); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, werr := w.Write(b.Bytes())
	return werr
}

// EncodeSolution writes the result wrapped as raire-rs's RaireSolution,
// {"metadata": ..., "solution": {"Ok": ...}}, echoing the problem's
// metadata ({} when it had none).
func EncodeSolution(w io.Writer, p *Problem, res *Result, err error) error {
	var b bytes.Buffer
	b.WriteString(`{"metadata":`)
	md := []byte("{}")
	if p != nil && len(p.Metadata) > 0 {
		var c bytes.Buffer
		if json.Compact(&c, p.Metadata) == nil {
			md = c.Bytes()
		}
	}
	b.Write(md)
	b.WriteString(`,"solution":`)
	if err := appendResult(&b, res, err); err != nil {
		return err
	}
	b.WriteString("}\n")
	_, werr := w.Write(b.Bytes())
	return werr
}

func appendResult(b *bytes.Buffer, res *Result, err error) error {
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			return err
		}
		b.WriteString(`{"Err":`)
		switch re.Kind {
		case ErrTiedWinners, ErrWrongWinner, ErrCouldNotRuleOut:
			fmt.Fprintf(b, `{%q:%s}`, string(re.Kind), intList(re.Candidates))
		case ErrTimeoutFindingAssertions:
			fmt.Fprintf(b, `{%q:%s}`, string(re.Kind), rustFloat(re.Difficulty))
		default:
			fmt.Fprintf(b, `%q`, string(re.Kind))
		}
		b.WriteString("}")
		return nil
	}
	b.WriteString(`{"Ok":{"assertions":[`)
	for i, a := range res.Assertions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"assertion":`)
		appendAssertion(b, a.Assertion)
		fmt.Fprintf(b, `,"difficulty":%s,"margin":%d}`, rustFloat(a.Difficulty), a.Margin)
	}
	fmt.Fprintf(b, `],"difficulty":%s,"margin":%d,"winner":%d,"num_candidates":%d,"warning_trim_timed_out":%t}}`,
		rustFloat(res.Difficulty), res.Margin, res.Winner, res.NumCandidates, res.TrimTimedOut)
	return nil
}

func appendAssertion(b *bytes.Buffer, a Assertion) {
	fmt.Fprintf(b, `{"type":%q,"winner":%d,"loser":%d`, string(a.Kind), a.Winner, a.Loser)
	if a.Kind == NEN {
		fmt.Fprintf(b, `,"continuing":%s`, intList(a.Continuing))
	}
	b.WriteByte('}')
}

func intList(cs []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c))
	}
	b.WriteByte(']')
	return b.String()
}

// rustFloat formats x as serde_json (via the ryu crate) formats an f64:
// the shortest representation that reads back exactly, with ".0" on whole
// numbers, plain decimals for exponents from -5 to 15 and otherwise
// scientific notation without a "+" ("1e16", "1.5e-7"); non-finite values
// become null.
func rustFloat(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "null"
	}
	if x == 0 {
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	ax := math.Abs(x)
	if ax >= 1e-5 && ax < 1e16 {
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(x, 'e', -1, 64) // e.g. 1.5e-07, 1e+16
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(e)
}

// DecodeResult reads raire-rs output ({"Ok": ...} or the RaireSolution
// wrapper) back into a Result, so that assertions produced elsewhere can be
// checked or audited. An {"Err": ...} output is returned as an *Error.
func DecodeResult(r io.Reader) (*Result, error) {
	var top struct {
		Ok       *jsonResult     `json:"Ok"`
		Err      json.RawMessage `json:"Err"`
		Solution *struct {
			Ok  *jsonResult     `json:"Ok"`
			Err json.RawMessage `json:"Err"`
		} `json:"solution"`
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil {
		return nil, jsonError(data, err, dec.InputOffset())
	}
	ok, errRaw := top.Ok, top.Err
	if top.Solution != nil {
		ok, errRaw = top.Solution.Ok, top.Solution.Err
	}
	if len(errRaw) > 0 {
		return nil, &Error{Kind: ErrorKind(strings.Trim(string(errRaw), `"{}`)), Detail: "RAIRE reported an error: " + string(errRaw)}
	}
	if ok == nil {
		return nil, &InputError{Err: errors.New(`expected {"Ok": {...}} or {"Err": ...}`)}
	}
	res := &Result{Winner: ok.Winner, NumCandidates: ok.NumCandidates, Margin: ok.Margin}
	if ok.Difficulty != nil {
		res.Difficulty = *ok.Difficulty
	} else {
		res.Difficulty = math.Inf(1)
	}
	for i, a := range ok.Assertions {
		if a.Assertion.Type == nil || a.Assertion.Winner == nil || a.Assertion.Loser == nil {
			return nil, &InputError{Field: fmt.Sprintf("Ok.assertions[%d].assertion", i), Err: errors.New("needs type, winner and loser")}
		}
		s := Scored{Assertion: Assertion{Kind: Kind(*a.Assertion.Type), Winner: *a.Assertion.Winner, Loser: *a.Assertion.Loser, Continuing: a.Assertion.Continuing}, Margin: a.Margin}
		if a.Difficulty != nil {
			s.Difficulty = *a.Difficulty
		} else {
			s.Difficulty = math.Inf(1)
		}
		res.Assertions = append(res.Assertions, s)
	}
	return res, nil
}

type jsonResult struct {
	Assertions []struct {
		Assertion struct {
			Type       *string `json:"type"`
			Winner     *int    `json:"winner"`
			Loser      *int    `json:"loser"`
			Continuing []int   `json:"continuing"`
		} `json:"assertion"`
		Difficulty *float64 `json:"difficulty"`
		Margin     int64    `json:"margin"`
	} `json:"assertions"`
	Difficulty    *float64 `json:"difficulty"`
	Margin        int64    `json:"margin"`
	Winner        int      `json:"winner"`
	NumCandidates int      `json:"num_candidates"`
}
