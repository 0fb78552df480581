package manifest

import (
	"fmt"
	"io"
	"math/big"
	"regexp"
)

// Batch-weights column names.
const ColWeight = "Weight"

var weightColumns = []column{
	{ColTabulator, false},
	{ColBatchName, true},
	{ColWeight, true},
}

// Weight is one row of a batch-weights file: a batch and the weight (for
// MACRO, the error bound u_b) it is sampled in proportion to.
type Weight struct {
	Row       int
	Tabulator string
	Batch     string
	// Weight is exactly the number written in the file.
	Weight *big.Rat
}

// weightPattern accepts a decimal with an optional exponent of at most two
// digits, or a fraction of whole numbers. Exponents are bounded because
// big.Rat would otherwise build numbers of any size.
var weightPattern = regexp.MustCompile(`^(?:[0-9]{1,40}(?:\.[0-9]{1,40})?(?:[eE][+-]?[0-9]{1,2})?|[0-9]{1,40}/[0-9]{1,40})$`)

// ReadWeights reads a jurisdiction's batch weights for sampling with
// probability proportional to size: a CSV file whose header names "Batch
// Name" and "Weight" and optionally "Tabulator" (any order and letter
// case; other columns ignored). A weight is a number ≥ 0 written as a
// decimal ("0.4", "4e-1") or a fraction ("80/200"), read exactly.
// Tabulator + Batch Name must be unique. path only names the file in
// errors.
func ReadWeights(path string, r io.Reader) ([]Weight, error) {
	const (
		cTabulator = iota
		cBatch
		cWeight
	)
	t, err := openTable(path, r, weightColumns)
	if err != nil {
		return nil, err
	}
	var out []Weight
	seen := make(map[BatchKey]int)
	err = t.rows(func() error {
		w := Weight{Row: t.row, Tabulator: t.cell(cTabulator), Batch: t.cell(cBatch)}
		if w.Batch == "" {
			return t.errorf(ColBatchName, "expected a batch name, got an empty cell")
		}
		s := t.cell(cWeight)
		if !weightPattern.MatchString(s) {
			return t.errorf(ColWeight, "expected a number ≥ 0 such as 0.25, 2.5e-1 or 1/4, got %q", s)
		}
		var ok bool
		if w.Weight, ok = new(big.Rat).SetString(s); !ok {
			return t.errorf(ColWeight, "expected a number ≥ 0 with a non-zero denominator, got %q", s)
		}
		k := BatchKey{Tabulator: w.Tabulator, Batch: w.Batch}
		if prev, dup := seen[k]; dup {
			return t.errorf(ColBatchName, "%s already appears in row %d; each Tabulator + Batch Name must be unique", k, prev)
		}
		seen[k] = t.row
		out = append(out, w)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &Error{Path: path, Err: fmt.Errorf("no batches after the header row")}
	}
	return out, nil
}
