package rla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Counts is a JSON object of names to non-negative integer counts that
// keeps the order in which the names appear. Order matters because Arlo
// breaks ties between equal vote counts by it, and a Go map would lose it.
type Counts []CandidateVotes

// UnmarshalJSON decodes {"name": count, ...}, rejecting duplicate names,
// non-integer or negative counts, and counts too large for any contest.
func (c *Counts) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*c = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected an object of name: count pairs, found %s", describeToken(tok))
	}
	out := Counts{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string) // object keys are always strings
		if seen[name] {
			return fmt.Errorf("name %q appears twice", name)
		}
		seen[name] = true
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return fmt.Errorf("%q: expected a whole number, found %s", name, describeToken(tok))
		}
		v, err := num.Int64()
		if err != nil || v < 0 || v > math.MaxInt32 {
			return fmt.Errorf("%q: expected a whole number between 0 and %d, found %s", name, math.MaxInt32, num)
		}
		out = append(out, CandidateVotes{Name: name, Votes: int(v)})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	*c = out
	return nil
}

// MarshalJSON encodes the counts as an object in their order.
func (c Counts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, cv := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(cv.Name)
		b.Write(k)
		fmt.Fprintf(&b, ":%d", cv.Votes)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", t.String())
	case string:
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return fmt.Sprintf("%v", t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}
