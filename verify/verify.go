// Package verify is canvass's public verifier: it checks an election's
// evidence package (docs/evidence.md) without trusting the county that
// published it, re-deriving every published number from the log and the
// files the log commits to.
//
// It reads the package only through an fs.FS — a directory (os.DirFS), an
// archive (TarGzFS, zip.Reader) or a web server (HTTPFS) — and does no
// other I/O, so the same code can run in a browser.
package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
)

// Statuses of a claim.
const (
	OK         = "ok"
	Fail       = "FAIL"
	NotChecked = "not checked"
)

// The claims, numbered as in docs/evidence.md.
const (
	ClaimEvidence   = 0
	ClaimLog        = 1
	ClaimFiles      = 2
	ClaimTabulation = 3
	ClaimAudit      = 4
	ClaimTwoPerson  = 5
	ClaimSoftware   = 6
)

var claimNames = map[int]string{
	ClaimEvidence: "evidence.json", ClaimLog: "log", ClaimFiles: "files", ClaimTabulation: "tabulation",
	ClaimAudit: "audit", ClaimTwoPerson: "two-person", ClaimSoftware: "software",
}

// Claim is one checked claim.
type Claim struct {
	N      int    `json:"claim"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// Options configure Package.
type Options struct {
	// VKey is the log's verifier key obtained out of band; empty means
	// the package's own vkey file (reported as such).
	VKey string
	// Policy is a witness policy (C2SP tlog-policy) obtained out of band;
	// nil means the package's policy file, if any.
	Policy []byte
	// State is a signed checkpoint of this log verified earlier; the
	// package's log must be consistent with it.
	State []byte
	// Workers bounds parallel work; 0 means GOMAXPROCS.
	Workers int
}

// Report is the outcome of verifying a package.
type Report struct {
	Election string `json:"election"`
	// TrustRoot says where the verifier key came from: "--vkey" or
	// "package vkey (not obtained out of band)".
	TrustRoot string  `json:"trust_root"`
	VKey      string  `json:"vkey"`
	Policy    string  `json:"policy"`
	LogSize   uint64  `json:"log_size"`
	Verifier  string  `json:"verifier_software"`
	Claims    []Claim `json:"claims"`
	// Facility is the facility report: camera gaps in rooms with election
	// equipment and badge entries during them. Findings are reported, not
	// failed claims; a facility record that cannot be read as the log
	// commits to it is a failure.
	Facility *FacilityReport `json:"facility,omitempty"`
	// Checkpoint is the verified checkpoint (a signed note), to remember
	// as the next state; nil if the log did not verify.
	Checkpoint []byte `json:"-"`
}

// OK reports whether every claim holds ("not checked" lines and facility
// findings aside) and the facility record, if any, could be read.
func (r *Report) OK() bool {
	for _, c := range r.Claims {
		if c.Status == Fail {
			return false
		}
	}
	return r.Facility == nil || r.Facility.Status != Fail
}

// Claim returns the first claim numbered n.
func (r *Report) Claim(n int) Claim {
	for _, c := range r.Claims {
		if c.N == n {
			return c
		}
	}
	return Claim{}
}

func (r *Report) add(n int, status, format string, args ...any) {
	r.Claims = append(r.Claims, Claim{N: n, Name: claimNames[n], Status: status, Detail: fmt.Sprintf(format, args...)})
}

// WriteText prints the report, one line per claim.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "election %s; verifier key from %s: %s\n", r.Election, r.TrustRoot, r.VKey)
	for _, c := range r.Claims {
		fmt.Fprintf(w, "%-11s %d %s: %s\n", c.Status, c.N, c.Name, c.Detail)
	}
	if f := r.Facility; f != nil {
		fmt.Fprintf(w, "%-11s facility: %s\n", f.Status, f.Detail)
		for _, x := range f.Findings {
			fmt.Fprintf(w, "%-11s   %s\n", Finding, x.Text)
		}
	}
}

// Package verifies the evidence package pkg. An error means the package
// could not be read at all; every failed check is a FAIL claim instead.
func Package(ctx context.Context, pkg fs.FS, opts Options) (*Report, error) {
	rep := &Report{Verifier: software()}
	raw, err := fs.ReadFile(pkg, EvidenceName)
	if err != nil {
		return nil, fmt.Errorf("not an evidence package: %v", err)
	}
	var claimed Evidence
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&claimed); err != nil {
		return nil, fmt.Errorf("%s: %v", EvidenceName, err)
	}
	if claimed.Format != Format && claimed.Format != FormatV1 {
		return nil, fmt.Errorf("%s has format %q; this verifier reads %q and %q", EvidenceName, claimed.Format, Format, FormatV1)
	}
	rep.Election = claimed.Election.ID

	// The trust root.
	vkey := strings.TrimSpace(opts.VKey)
	rep.TrustRoot = "--vkey"
	if vkey == "" {
		b, err := fs.ReadFile(pkg, VKeyName)
		if err != nil {
			return nil, fmt.Errorf("the package has no %s and no verifier key was given (--vkey): %v", VKeyName, err)
		}
		vkey = strings.TrimSpace(string(b))
		rep.TrustRoot = "package vkey (not obtained out of band)"
	}
	rep.VKey = vkey
	policyText := opts.Policy
	rep.Policy = "given"
	if policyText == nil {
		if b, err := fs.ReadFile(pkg, PolicyName); err == nil {
			policyText = b
			rep.Policy = "package policy"
		} else {
			rep.Policy = "none"
		}
	}
	var policy *witness.Policy
	if policyText != nil {
		if policy, err = ledger.ParsePolicy(policyText); err != nil {
			return nil, fmt.Errorf("witness policy: %v", err)
		}
	}

	// 1. The log.
	rf := &recordingFetcher{f: fsFetcher{fsys: pkg, dir: LogDir}, bundles: map[string][]byte{}}
	vr, err := ledger.Verify(ctx, rf, ledger.VerifyOptions{VKey: vkey, Policy: policy, Previous: opts.State, Workers: opts.Workers})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rep.add(ClaimLog, Fail, "%v", err)
		for _, n := range []int{ClaimEvidence, ClaimFiles, ClaimTabulation, ClaimAudit, ClaimTwoPerson, ClaimSoftware} {
			rep.add(n, NotChecked, "the log did not verify, so nothing it records can be trusted")
		}
		sortClaims(rep)
		return rep, nil
	}
	cp := vr.Checkpoint
	rep.LogSize = cp.Size
	rep.Checkpoint = cp.Note
	detail := fmt.Sprintf("%d entries hash into the checkpoint signed by %s", cp.Size, cp.Origin)
	if policy != nil {
		detail += fmt.Sprintf("; cosigned by %s (%s, quorum met)", strings.Join(cp.CosignerNames(), ", "), rep.Policy)
	} else {
		detail += "; no witness policy, so no cosignature was required"
	}
	if vr.Previous != nil {
		detail += fmt.Sprintf("; consistent with the remembered checkpoint of size %d", vr.Previous.Size)
	}
	rep.add(ClaimLog, OK, "%s", detail)
	entries, err := rf.entries(cp.Size)
	if err != nil {
		return nil, err
	}

	// 0. evidence.json is what the log says.
	read := func(sum string) ([]byte, error) { return fs.ReadFile(pkg, FilePath(sum)) }
	derived, events, err := Derive(cp.Origin, entries, claimed.Election.ID, read)
	if err != nil {
		rep.add(ClaimEvidence, Fail, "%v", err)
		if derived, events, err = Derive(cp.Origin, entries, claimed.Election.ID, nil); err != nil {
			sortClaims(rep)
			return rep, nil
		}
	} else {
		// A v1 package claims what v2 claims when the log has no audit
		// and no facility record; otherwise its claims are incomplete.
		derived.Format = claimed.Format
		a, _ := json.Marshal(&claimed)
		b, _ := json.Marshal(derived)
		if !bytes.Equal(a, b) {
			var x, y any
			json.Unmarshal(a, &x)
			json.Unmarshal(b, &y)
			rep.add(ClaimEvidence, Fail, "does not match the log: %s", diffPath("", x, y))
		} else {
			rep.add(ClaimEvidence, OK, "every claim (%d tabulations, %d publications, %d audits, %d people, %d requests, %d processes) matches the log", len(derived.Tabulations), len(derived.Publications), len(derived.Audits), len(derived.People), len(derived.Requests), len(derived.Software))
		}
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// 2. Files.
	checkFiles(ctx, rep, pkg, derived, workers)

	// 3. Tabulation, and 4. the audit beside it: re-reading an audit's
	// CVRs is one long job, which the tabulations' workers would
	// otherwise wait for.
	audits := &Report{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkAudits(audits, pkg, derived)
	}()
	checkTabulations(rep, pkg, derived, workers)
	<-done
	rep.Claims = append(rep.Claims, audits.Claims...)

	// 5. Two-person control.
	checkTwoPerson(rep, cp.Origin, derived, events)

	// 6. Software.
	checkSoftware(rep, derived, events)
	sortClaims(rep)

	// The facility report.
	checkFacility(rep, pkg, derived, events)
	return rep, nil
}

func sortClaims(rep *Report) {
	sort.SliceStable(rep.Claims, func(i, j int) bool { return rep.Claims[i].N < rep.Claims[j].N })
}

// checkFiles: every file in the package is committed with the same SHA-256
// and size, and every committed file is present.
func checkFiles(ctx context.Context, rep *Report, pkg fs.FS, ev *Evidence, workers int) {
	committed := map[string]int64{}
	for _, f := range ev.Files {
		committed[f.SHA256] = f.Size
	}
	var problems []string
	present := map[string]bool{}
	var names []string
	unlisted := false
	ents, err := fs.ReadDir(pkg, FilesDir)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		// A web server: every committed file must be there.
		unlisted = true
		for _, f := range ev.Files {
			present[f.SHA256] = true
			names = append(names, f.SHA256)
		}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		rep.add(ClaimFiles, Fail, "cannot list %s: %v", FilesDir, err)
		return
	}
	for _, e := range ents {
		present[e.Name()] = true
		if _, ok := committed[e.Name()]; !ok {
			problems = append(problems, fmt.Sprintf("%s/%s is not committed in the log", FilesDir, e.Name()))
			continue
		}
		names = append(names, e.Name())
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				if msg := checkFile(pkg, name, committed[name]); msg != "" {
					mu.Lock()
					problems = append(problems, msg)
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range names {
		if ctx.Err() != nil {
			break
		}
		work <- n
	}
	close(work)
	wg.Wait()
	for _, f := range ev.Files {
		if !present[f.SHA256] {
			problems = append(problems, fmt.Sprintf("%s (%s, committed by entry %d) is missing", FilePath(f.SHA256), strings.Join(f.Names, ", "), f.Entries[0]))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		rep.add(ClaimFiles, Fail, "%s", summarize(problems))
		return
	}
	if unlisted {
		rep.add(ClaimFiles, OK, "all %d committed files present with the same SHA-256 and size (the server does not list files, so extra files cannot be seen)", len(names))
		return
	}
	rep.add(ClaimFiles, OK, "%d files present, each committed in the log with the same SHA-256 and size; every public file the log commits to is present", len(names))
}

func checkFile(pkg fs.FS, name string, size int64) string {
	f, err := pkg.Open(FilePath(name))
	if err != nil {
		return fmt.Sprintf("%s: %v", FilePath(name), err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Sprintf("%s: %v", FilePath(name), err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != name {
		return fmt.Sprintf("%s has SHA-256 %s, not the committed one (altered)", FilePath(name), got)
	}
	if n != size {
		return fmt.Sprintf("%s is %d bytes; the log commits to %d", FilePath(name), n, size)
	}
	return ""
}

// checkTabulations re-tabulates every tabulation and checks that each
// publication published exactly a tabulation's outputs.
func checkTabulations(rep *Report, pkg fs.FS, ev *Evidence, workers int) {
	if len(ev.Tabulations) == 0 {
		rep.add(ClaimTabulation, NotChecked, "no tabulation in this package")
		return
	}
	byID := map[string]*Tabulation{}
	published := map[string]bool{}
	for _, p := range ev.Publications {
		published[p.Tabulation] = true
	}
	// Counts run in parallel, one per worker; lines stay in log order.
	errs := make([]error, len(ev.Tabulations))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(workers, 1), len(ev.Tabulations)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ev.Tabulations) {
					return
				}
				errs[i] = retabulate(pkg, ev.Election, &ev.Tabulations[i])
			}
		}()
	}
	wg.Wait()
	for i := range ev.Tabulations {
		t := &ev.Tabulations[i]
		byID[t.ID] = t
		what := "tabulation " + t.ID
		if published[t.ID] {
			what = "published " + what
		}
		if err := errs[i]; err != nil {
			rep.add(ClaimTabulation, Fail, "%s (entry %d): %v", what, t.Entry, err)
			continue
		}
		var outcome []string
		for _, c := range t.Contests {
			outcome = append(outcome, fmt.Sprintf("%s: %s elected", c.Name, strings.Join(c.Winners, ", ")))
		}
		rep.add(ClaimTabulation, OK, "%s (entry %d) re-tabulated from its committed inputs: %d reports identical byte for byte, NIST results field for field (%s)",
			what, t.Entry, len(t.Reports), strings.Join(outcome, "; "))
	}
	for _, p := range ev.Publications {
		t := byID[p.Tabulation]
		if t == nil {
			rep.add(ClaimTabulation, Fail, "publication %d (entry %d) publishes tabulation %s, which the log does not record", p.Version, p.Entry, p.Tabulation)
			continue
		}
		want := map[string]FileRef{"results.json": t.Results, "summary.json": t.Summary}
		for _, r := range t.Reports {
			want["reports/"+r.Name] = r
		}
		var problems []string
		seen := 0
		for _, f := range p.Files {
			if f.Name == "index.html" {
				continue
			}
			w, ok := want[f.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s is not an output of tabulation %s", f.Name, t.ID))
				continue
			}
			seen++
			if w.SHA256 != f.SHA256 || w.Size != f.Size {
				problems = append(problems, fmt.Sprintf("%s is not the tabulation's %s", f.Name, w.Name))
			}
		}
		if seen != len(want) {
			problems = append(problems, fmt.Sprintf("publishes %d of the tabulation's %d outputs", seen, len(want)))
		}
		if len(problems) > 0 {
			rep.add(ClaimTabulation, Fail, "publication %d (entry %d): %s", p.Version, p.Entry, summarize(problems))
			continue
		}
		rep.add(ClaimTabulation, OK, "publication %d (entry %d) publishes exactly the outputs of tabulation %s (the page index.html is not re-derived)", p.Version, p.Entry, t.ID)
	}
}

// checkTwoPerson: every executed request carries two valid signatures, by
// two distinct people, on the request's sign text, with keys enrolled (by
// an initial admin account or an executed users request) before they
// signed, by accounts that were then enabled, not expired and whose key no
// reset had revoked. The first signer must still be so when the request
// executes, with the same key, as the office requires.
func checkTwoPerson(rep *Report, origin string, ev *Evidence, events []ledger.Event) {
	var problems []string
	hist := accountHistory(ev, events)
	when := func(at uint64) time.Time {
		if at < uint64(len(events)) {
			return events[at].TimeStamp
		}
		return time.Time{}
	}
	executed := 0
	for _, q := range ev.Requests {
		if q.Executed == nil {
			continue
		}
		executed++
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("request %s (%s, executed at entry %d): ", q.ID, q.Kind, *q.Executed)+fmt.Sprintf(format, args...))
		}
		if q.SignText == "" {
			bad("no request-created event before it")
			continue
		}
		sum := sha256.Sum256([]byte(q.Action))
		if hex.EncodeToString(sum[:]) != q.ActionSHA256 {
			bad("action_sha256 is not the SHA-256 of the action")
			continue
		}
		if err := auth.CheckSignTextFields(origin, q.ID, q.Kind); err != nil {
			bad("%v", err)
			continue
		}
		if q.SignText != auth.SignText(origin, q.ID, q.Kind, sum) {
			bad("the sign text is not the approval text of this request")
			continue
		}
		if len(q.Signers) != 2 || len(q.ExecSignatures) != 2 {
			bad("%d signers and %d signatures; two of each are required", len(q.Signers), len(q.ExecSignatures))
			continue
		}
		if q.Signers[0] == q.Signers[1] {
			bad("signed twice by the same person (%s)", q.Signers[0])
			continue
		}
		// The first signature was logged by request-signed before.
		if len(q.Signatures) == 0 || q.Signatures[0].Signer != q.Signers[0] || q.Signatures[0].Signature != q.ExecSignatures[0] {
			bad("the first signature (%s) was not logged by a request-signed event", q.Signers[0])
			continue
		}
		at := []uint64{q.Signatures[0].Entry, *q.Executed}
		var keys []string
		ok := true
		for i, signer := range q.Signers {
			key, why := hist.keyAt(signer, at[i], when(at[i]))
			if why == "" && i == 0 {
				// The first approval still vouches at execution only if
				// the account may still sign with the same key.
				if k, w := hist.keyAt(signer, *q.Executed, when(*q.Executed)); w != "" {
					why = "signed at entry " + fmt.Sprint(at[0]) + " but, when the request executed, " + w
				} else if k != key {
					why = fmt.Sprintf("signed at entry %d with a key no longer enrolled when the request executed", at[0])
				}
			}
			if why != "" {
				bad("signer %s %s", signer, why)
				ok = false
				break
			}
			if err := auth.VerifyNoteSignature(q.ExecSignatures[i], q.SignText, key); err != nil {
				bad("signature by %s: %v", signer, err)
				ok = false
				break
			}
			keys = append(keys, key)
		}
		if !ok {
			continue
		}
		if keys[0] == keys[1] {
			bad("both signatures are by the same key")
			continue
		}
		// The office's own rule, as a set: two valid signatures by two
		// approvers with two keys.
		if err := auth.CheckTwoPerson([]auth.Approval{
			{Approver: q.Signers[0], Note: q.ExecSignatures[0], VerifierKey: keys[0]},
			{Approver: q.Signers[1], Note: q.ExecSignatures[1], VerifierKey: keys[1]},
		}, q.SignText); err != nil {
			bad("%v", err)
		}
	}
	if len(problems) > 0 {
		rep.add(ClaimTwoPerson, Fail, "%s", summarize(problems))
		return
	}
	rep.add(ClaimTwoPerson, OK, "%d executed requests (%d publications) each carry two valid signatures by distinct people enrolled before they signed, with enabled, unexpired accounts and unrevoked keys", executed, len(ev.Publications))
}

// checkSoftware: every process that wrote to the log logged its binary at
// start, and every binary is approved by an executed software-install
// request.
func checkSoftware(rep *Report, ev *Evidence, events []ledger.Event) {
	var problems []string
	if n := len(events); n > 0 {
		first := uint64(n)
		if len(ev.Software) > 0 {
			first = ev.Software[0].Entry
		}
		var unrecorded []string
		for i := uint64(0); i < first; i++ {
			if events[i].Type != "office-created" {
				unrecorded = append(unrecorded, fmt.Sprint(i))
			}
		}
		if len(unrecorded) > 0 {
			problems = append(problems, fmt.Sprintf("%d entries (%s) were written before any service-start: by a process that did not record its binary", len(unrecorded), summarizeList(unrecorded)))
		}
	}
	binaries := map[string]bool{}
	for _, p := range ev.Software {
		binaries[p.BinarySHA256] = true
		if p.Approved == "" {
			problems = append(problems, fmt.Sprintf("the process started at entry %d ran binary %s (%s), which no executed software-install request approves", p.Entry, p.BinarySHA256, p.Version))
		}
	}
	if len(problems) > 0 {
		rep.add(ClaimSoftware, Fail, "%s", summarize(problems))
		return
	}
	rep.add(ClaimSoftware, OK, "%d processes wrote to the log, each recorded its binary at start; %d binaries, each approved by a software-install request", len(ev.Software), len(binaries))
}

func summarize(problems []string) string {
	if len(problems) > 3 {
		return strings.Join(problems[:3], "; ") + fmt.Sprintf("; and %d more", len(problems)-3)
	}
	return strings.Join(problems, "; ")
}

func summarizeList(s []string) string {
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + ", ..."
	}
	return strings.Join(s, ", ")
}
