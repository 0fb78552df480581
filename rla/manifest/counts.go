package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// BatchKey identifies a batch within one jurisdiction the way CVRs do:
// tabulator (scanner) and batch. Tabulator is empty when unknown.
type BatchKey struct {
	Tabulator string `json:"tabulator"`
	Batch     string `json:"batch"`
}

// String names the batch for messages, e.g. tabulator "T1" batch "B2".
func (k BatchKey) String() string {
	if k.Tabulator == "" {
		return fmt.Sprintf("batch %q", k.Batch)
	}
	return fmt.Sprintf("tabulator %q batch %q", k.Tabulator, k.Batch)
}

// BatchCount is a manifest batch's ballot count and its row in the file.
type BatchCount struct {
	Key     BatchKey
	Ballots int64
	Row     int
}

// CountMismatch is a batch whose manifest count differs from its number of
// CVRs. A batch missing on one side has count 0 there.
type CountMismatch struct {
	Key BatchKey `json:"key"`
	// Row is the batch's manifest row, 0 when only CVRs have it.
	Row      int   `json:"row,omitempty"`
	Manifest int64 `json:"manifest"`
	CVRs     int64 `json:"cvrs"`
}

// CountCheck is the result of comparing a manifest with CVR counts.
type CountCheck struct {
	ManifestBallots int64 `json:"manifest_ballots"`
	CVRBallots      int64 `json:"cvr_ballots"`
	// Mismatches lists every batch whose counts differ: manifest batches
	// in row order, then batches only the CVRs have, sorted by key.
	Mismatches []CountMismatch `json:"mismatches"`
	// ByBatchOnly is set when the manifest has no tabulators, so CVRs
	// were matched on batch names alone.
	ByBatchOnly bool `json:"by_batch_only"`
}

// OK reports whether every batch's count agrees.
func (c *CountCheck) OK() bool {
	return len(c.Mismatches) == 0 && c.ManifestBallots == c.CVRBallots
}

// Report describes the check for an election official: the totals and
// one line per mismatching batch, what each side says and by how much the
// CVRs differ. Phantom ballots (manifest over CVRs) are audited as
// worst-case discrepancies; CVRs without manifest ballots cannot be
// sampled and mean the manifest or the CVR export is wrong.
func (c *CountCheck) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "manifest: %d ballots; CVRs: %d ballots", c.ManifestBallots, c.CVRBallots)
	if c.OK() {
		b.WriteString("; every batch agrees\n")
		return b.String()
	}
	fmt.Fprintf(&b, "; %d batch(es) differ:\n", len(c.Mismatches))
	for _, m := range c.Mismatches {
		where := "not in the manifest"
		if m.Row > 0 {
			where = fmt.Sprintf("manifest row %d", m.Row)
		}
		fmt.Fprintf(&b, "  %s (%s): manifest %d, CVRs %d (%+d)\n", m.Key, where, m.Manifest, m.CVRs, m.CVRs-m.Manifest)
	}
	return b.String()
}

// CheckCounts compares a manifest's batches with the number of CVRs per
// batch, as counted by whichever CVR reader read them. When no manifest
// batch has a tabulator, CVR counts are summed per batch name and matched
// on it alone, as a manifest without a Tabulator column allows.
func CheckCounts(manifest []BatchCount, cvrs map[BatchKey]int64) CountCheck {
	var c CountCheck
	byBatch := true
	for _, m := range manifest {
		if m.Key.Tabulator != "" {
			byBatch = false
			break
		}
	}
	got := cvrs
	if byBatch {
		c.ByBatchOnly = true
		got = make(map[BatchKey]int64, len(cvrs))
		for k, n := range cvrs {
			got[BatchKey{Batch: k.Batch}] += n
		}
	}
	inManifest := make(map[BatchKey]bool, len(manifest))
	for _, m := range manifest {
		inManifest[m.Key] = true
		c.ManifestBallots += m.Ballots
		if n := got[m.Key]; n != m.Ballots {
			c.Mismatches = append(c.Mismatches, CountMismatch{Key: m.Key, Row: m.Row, Manifest: m.Ballots, CVRs: n})
		}
	}
	var extra []CountMismatch
	for k, n := range got {
		c.CVRBallots += n
		if !inManifest[k] && n != 0 {
			extra = append(extra, CountMismatch{Key: k, CVRs: n})
		}
	}
	sort.Slice(extra, func(i, j int) bool {
		if extra[i].Key.Tabulator != extra[j].Key.Tabulator {
			return extra[i].Key.Tabulator < extra[j].Key.Tabulator
		}
		return extra[i].Key.Batch < extra[j].Key.Batch
	})
	c.Mismatches = append(c.Mismatches, extra...)
	return c
}
