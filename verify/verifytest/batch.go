package verifytest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
)

// The batch-comparison audit of the verifier's tests, as
// server/audit_batch_test.go builds one: county-a and county-b, 20 batches
// of 50 ballots each, every batch reporting Council Cho 30, Diaz 18;
// Council targeted, MACRO at a 10% risk limit. The hand counts agree with
// the tallies except planted overstatements in round 1.

const batchesPerCounty = 20

func batchManifest() []byte {
	var b strings.Builder
	b.WriteString("Container,Batch Name,Number of Ballots\n")
	for i := 1; i <= batchesPerCounty; i++ {
		fmt.Fprintf(&b, "Box %d,B%02d,50\n", (i-1)/5+1, i)
	}
	return []byte(b.String())
}

func batchTallies() []byte {
	var b strings.Builder
	b.WriteString("Batch Name,Cho,Diaz\n")
	for i := 1; i <= batchesPerCounty; i++ {
		fmt.Fprintf(&b, "B%02d,30,18\n", i)
	}
	return []byte(b.String())
}

// BatchOptions shape a batch audit run.
type BatchOptions struct {
	// Plant is the number of batches of round 1 whose hand count moves
	// 10 votes from Cho to Diaz.
	Plant int
	// Rounds stops after this many closed rounds (0: until done).
	Rounds int
	// BeforeClose, if set, runs when every batch of round n is
	// finalized, just before the round is closed.
	BeforeClose func(a *AuditRun, n int)
}

// CreateBatchAudit sets up the batch-comparison audit, uploads every
// county's manifest and batch tallies and enters the seed (requested by
// aa1, approved by pat).
func (x *Office) CreateBatchAudit() *AuditRun {
	t := x.t
	t.Helper()
	x.auditAdmins()
	aa1 := x.people["aa1"].user
	v, err := x.O.CreateAudit(x.ctx, aa1, &office.AuditSetup{Name: "Council batch RLA", Election: x.Election, Type: audit.BatchComparison,
		Math: "macro", RiskLimit: 0.1, Sampler: audit.SamplerArlo,
		Contests: []office.AuditContest{{Name: "Council", Targeted: true, Jurisdictions: AuditCounties,
			Reported: rla.Counts{{Name: "Cho", Votes: 30 * 2 * batchesPerCounty}, {Name: "Diaz", Votes: 18 * 2 * batchesPerCounty}}}}})
	if err != nil {
		t.Fatal(err)
	}
	a := &AuditRun{ID: v.ID}
	for _, c := range AuditCounties {
		if _, err := x.O.UploadAuditFile(x.ctx, aa1, a.ID, c, "manifest", "arlo", "manifest.csv", bytes.NewReader(batchManifest())); err != nil {
			t.Fatal(err)
		}
		if _, err := x.O.UploadAuditFile(x.ctx, aa1, a.ID, c, "batch-tallies", "arlo", "tallies.csv", bytes.NewReader(batchTallies())); err != nil {
			t.Fatal(err)
		}
	}
	q, err := x.O.RequestSeed(x.ctx, aa1, a.ID, AuditSeed, []string{"Ann Roller"}, []string{"Wes Witness"})
	if err != nil {
		t.Fatal(err)
	}
	a.Seed = x.approve(q, "aa1", "pat")
	return a
}

// RunBatchAudit creates the batch audit and runs it round by round:
// draw, one or two tally sheets per batch, finalize, close.
func (x *Office) RunBatchAudit(opts BatchOptions) *AuditRun {
	a := x.CreateBatchAudit()
	x.ContinueBatchAudit(a, opts)
	return a
}

// ContinueBatchAudit runs rounds of batch audit a until it is done (or
// opts.Rounds rounds are closed).
func (x *Office) ContinueBatchAudit(a *AuditRun, opts BatchOptions) {
	t := x.t
	t.Helper()
	aa1 := x.people["aa1"].user
	planted := 0
	for {
		rv, err := x.O.DrawRound(x.ctx, aa1, a.ID, office.SampleSize{})
		if err != nil {
			t.Fatal(err)
		}
		n := rv.Round
		x.CountBatches(a, n, n == 1 && planted < opts.Plant, &planted, opts.Plant)
		if opts.BeforeClose != nil {
			opts.BeforeClose(a, n)
		}
		cv, err := x.O.CloseRound(x.ctx, aa1, a.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		a.Results = append(a.Results, cv)
		if cv.Done || (opts.Rounds > 0 && n >= opts.Rounds) {
			return
		}
		if n == 5 {
			t.Fatalf("the test batch audit is not done after %d rounds", n)
		}
	}
}

// CountBatches enters and finalizes the hand count of every batch round n
// drew: two sheets (Cho on one, Diaz on the other) per batch; with plant,
// up to max batches (counted in *planted) move 10 votes from Cho to Diaz.
func (x *Office) CountBatches(a *AuditRun, n int, plant bool, planted *int, max int) {
	t := x.t
	t.Helper()
	aa1 := x.people["aa1"].user
	list, err := x.O.RoundBatches(x.ctx, aa1, a.ID, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		cho, diaz := 30, 18
		if plant && *planted < max {
			cho, diaz = 20, 28
			*planted++
		}
		if _, err := x.O.PutSheet(x.ctx, aa1, a.ID, n, b.Batch, "Sheet 1", map[string]office.ChoiceCounts{"Council": {"Cho": cho, "Diaz": 0}}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := x.O.PutSheet(x.ctx, aa1, a.ID, n, b.Batch, "Sheet 2", map[string]office.ChoiceCounts{"Council": {"Cho": 0, "Diaz": diaz}}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := x.O.FinalizeBatch(x.ctx, aa1, a.ID, n, b.Batch, false, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// UndoRound undoes round n of a by a two-person request (aa1, then pat).
func (x *Office) UndoRound(a *AuditRun, n int, reason string) *office.RequestView {
	t := x.t
	t.Helper()
	q, err := x.O.RequestUndoRound(x.ctx, x.people["aa1"].user, a.ID, n, reason)
	if err != nil {
		t.Fatal(err)
	}
	return x.approve(q, "aa1", "pat")
}

// FullHandCount sends contests of a to a full hand count by a two-person
// request (aa1, then pat).
func (x *Office) FullHandCount(a *AuditRun, contests []string, reason string) *office.RequestView {
	t := x.t
	t.Helper()
	q, err := x.O.RequestFullHandCount(x.ctx, x.people["aa1"].user, a.ID, contests, reason)
	if err != nil {
		t.Fatal(err)
	}
	return x.approve(q, "aa1", "pat")
}

// RecountFirstBatch unfinalizes the first batch of round n by a
// two-person request (aa1, then pat), changes its first sheet (same
// counts, with a reason) and finalizes it again.
func (x *Office) RecountFirstBatch(a *AuditRun, n int) *office.RequestView {
	t := x.t
	t.Helper()
	aa1 := x.people["aa1"].user
	list, err := x.O.RoundBatches(x.ctx, aa1, a.ID, n)
	if err != nil || len(list) == 0 {
		t.Fatalf("round %d batches: %v", n, err)
	}
	b := list[0]
	q, err := x.O.RequestUnfinalize(x.ctx, aa1, a.ID, n, b.Batch, "a seal was broken; recount")
	if err != nil {
		t.Fatal(err)
	}
	q = x.approve(q, "aa1", "pat")
	if _, err := x.O.PutSheet(x.ctx, aa1, a.ID, n, b.Batch, "Sheet 1", b.Sheets[0].Contests, "recounted after the seal check"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.O.FinalizeBatch(x.ctx, aa1, a.ID, n, b.Batch, false, ""); err != nil {
		t.Fatal(err)
	}
	return q
}
