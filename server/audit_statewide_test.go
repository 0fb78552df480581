package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/witnessdb"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
	"github.com/canvass/canvass/server"
	"golang.org/x/mod/sumdb/note"
)

// The simulated statewide election of TestStatewideAuditAPI: three
// counties of a few thousand ballots between them, two tabulators each,
// batches of 150; votes drawn from a fixed seed. Governor is statewide
// (targeted, plurality), Mayor an IRV contest on every county's ballot
// (targeted, audited over its RAIRE assertions), Measure a plurality
// contest in county-a and county-b (opportunistic). county-c's last batch
// has swPhantoms fewer CVRs than ballots.
type swCounty struct {
	name     string
	batches  int // per tabulator
	contests []string
}

const (
	swBatchSize = 150
	swPhantoms  = 3
	swSeed      = "70316429815562093817"
)

var swCounties = []swCounty{
	{"county-a", 3, []string{"Governor", "Measure", "Mayor"}},
	{"county-b", 4, []string{"Governor", "Measure", "Mayor"}},
	{"county-c", 2, []string{"Governor", "Mayor"}},
}

var swCandidates = map[string][]string{
	"Governor": {"Alice", "Bob"},
	"Measure":  {"Yes", "No"},
	"Mayor":    {"Xavier", "Yolanda", "Zed"},
}

var swSetup = map[string]any{
	"name": "Statewide RLA", "type": "ballot-comparison", "math": "supersimple", "risk_limit": 0.1, "sampler": "arlo",
	"contests": []map[string]any{
		{"name": "Governor", "targeted": true, "jurisdictions": []string{"county-a", "county-b", "county-c"}},
		{"name": "Measure", "targeted": false, "jurisdictions": []string{"county-a", "county-b"}},
		{"name": "Mayor", "targeted": true, "jurisdictions": []string{"county-a", "county-b", "county-c"}, "kind": "irv"},
	},
}

// swBallot is one ballot's place and votes.
type swBallot struct {
	tab, batch, pos int
	votes           ballotVotes
}

func (b *swBallot) key() string { return fmt.Sprintf("%d/%d/%d", b.tab, b.batch, b.pos) }

// swElection is the generated election: per county its manifest, its
// CVRs in stacking order, and the votes by "tabulator/batch/position".
type swElection struct {
	manifest map[string][]byte
	cvrs     map[string][]byte
	ballots  map[string][]*swBallot
	votes    map[string]map[string]ballotVotes
	// ballotsOf is each county's manifest ballot count.
	ballotsOf map[string]int
}

func swGenerate() *swElection {
	e := &swElection{manifest: map[string][]byte{}, cvrs: map[string][]byte{}, ballots: map[string][]*swBallot{},
		votes: map[string]map[string]ballotVotes{}, ballotsOf: map[string]int{}}
	for ci, c := range swCounties {
		rng := mrand.New(mrand.NewPCG(2026, uint64(ci)))
		var m strings.Builder
		m.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
		e.votes[c.name] = map[string]ballotVotes{}
		for tab := 1; tab <= 2; tab++ {
			for batch := 1; batch <= c.batches; batch++ {
				fmt.Fprintf(&m, "Box %d,%d,%d,%d\n", (batch+1)/2, tab, batch, swBatchSize)
				e.ballotsOf[c.name] += swBatchSize
				n := swBatchSize
				if c.name == "county-c" && tab == 2 && batch == c.batches {
					n -= swPhantoms
				}
				for pos := 1; pos <= n; pos++ {
					b := &swBallot{tab: tab, batch: batch, pos: pos, votes: swVote(rng, c.contests)}
					e.ballots[c.name] = append(e.ballots[c.name], b)
					e.votes[c.name][b.key()] = b.votes
				}
			}
		}
		e.manifest[c.name] = []byte(m.String())
		e.cvrs[c.name] = swDominionCSV(c, e.ballots[c.name])
	}
	return e
}

// swVote draws one ballot: Governor Alice 64%, Bob 32%, blank 4%;
// Measure Yes 60%, No 37%; Mayor first choices Xavier 50%, Yolanda 30%,
// Zed 20%, most of Zed's voters ranking Xavier next.
func swVote(rng *mrand.Rand, contests []string) ballotVotes {
	v := ballotVotes{}
	for _, c := range contests {
		x := rng.IntN(100)
		switch c {
		case "Governor":
			switch {
			case x < 64:
				v[c] = []string{"Alice"}
			case x < 96:
				v[c] = []string{"Bob"}
			}
		case "Measure":
			switch {
			case x < 60:
				v[c] = []string{"Yes"}
			case x < 97:
				v[c] = []string{"No"}
			}
		case "Mayor":
			y := rng.IntN(100)
			switch {
			case x < 50:
				v[c] = []string{"Xavier"}
				if y < 60 {
					v[c] = append(v[c], "Yolanda")
				}
			case x < 80:
				v[c] = []string{"Yolanda", "Xavier"}
				if y < 30 {
					v[c] = []string{"Yolanda", "Zed", "Xavier"}
				}
			default:
				v[c] = []string{"Zed", "Xavier"}
				if y < 25 {
					v[c] = []string{"Zed", "Yolanda"}
				}
			}
		}
	}
	return v
}

// swDominionCSV writes a county's CVRs as Dominion's CSV export, in
// stacking order.
func swDominionCSV(c swCounty, ballots []*swBallot) []byte {
	type col struct{ contest, head, cand string }
	var cols []col
	for _, name := range c.contests {
		if name == "Mayor" {
			for rank := 1; rank <= 3; rank++ {
				for _, cand := range swCandidates[name] {
					cols = append(cols, col{"Mayor (Number of positions=1, Number of ranks=3)", fmt.Sprintf("%s(%d)", cand, rank), cand})
				}
			}
			continue
		}
		for _, cand := range swCandidates[name] {
			cols = append(cols, col{name + " (Vote For=1)", cand, cand})
		}
	}
	var b bytes.Buffer
	b.WriteString("\"State General\",\"5.2.16.1\"\n")
	row2, row3 := ",,,,,,,", ",,,,,,,"
	for _, c := range cols {
		row2 += ",\"" + c.contest + "\""
		row3 += ",\"" + c.head + "\""
	}
	b.WriteString(row2 + "\n" + row3 + "\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType" + strings.Repeat(",", len(cols)) + "\n")
	for i, bl := range ballots {
		fmt.Fprintf(&b, "%d,%d,%d,%d,%d-%d-%d,Election Day,P1,B1", i+1, bl.tab, bl.batch, bl.pos, bl.tab, bl.batch, bl.pos)
		for _, c := range cols {
			contest := strings.SplitN(c.contest, " (", 2)[0]
			mark := "0"
			for r, name := range bl.votes[contest] {
				if name == c.cand && (contest != "Mayor" || c.head == fmt.Sprintf("%s(%d)", name, r+1)) {
					mark = "1"
				}
			}
			b.WriteString("," + mark)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// contestsIn lists the contests on a county's ballots, in definition order.
func swContestsIn(county string) []string {
	for _, c := range swCounties {
		if c.name == county {
			return c.contests
		}
	}
	return nil
}

func swJurisdictionsOf(contest string) []string {
	var out []string
	for _, c := range swCounties {
		if slices.Contains(c.contests, contest) {
			out = append(out, c.name)
		}
	}
	return out
}

// lazyWitness is a C2SP tlog-witness that learns the office's log key
// from the office's data directory when the first checkpoint arrives (a
// witness operator adding the log to its list), so that the policy can
// be given to office.Create, which makes the key. It can be taken down.
type lazyWitness struct {
	name, vkey string
	cosigner   *witness.Cosigner
	store      witness.Store
	logDir     string
	url        string
	down       atomic.Bool
	mu         sync.Mutex
	srv        *witness.Server
}

func startLazyWitness(t testing.TB, name, logDir string) *lazyWitness {
	skey, vkey, err := witness.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	cosigner, err := witness.NewCosignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := witnessdb.Open(filepath.Join(t.TempDir(), "witness.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &lazyWitness{name: name, vkey: vkey, cosigner: cosigner, store: st, logDir: logDir}
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.down.Load() {
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		srv, err := w.server()
		if err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(rw, r)
	}))
	t.Cleanup(hs.Close)
	w.url = hs.URL
	return w
}

func (w *lazyWitness) server() (*witness.Server, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.srv != nil {
		return w.srv, nil
	}
	vkey, err := ledger.NewDirDriver(w.logDir).ReadState(context.Background(), ledger.StateVKey)
	if err != nil {
		return nil, err
	}
	logs, err := witness.ParseLogList([]byte("log " + strings.TrimSpace(string(vkey)) + "\n"))
	if err != nil {
		return nil, err
	}
	if w.srv, err = witness.NewServer(witness.Config{Cosigner: w.cosigner, Logs: logs, Store: w.store}); err != nil {
		return nil, err
	}
	return w.srv, nil
}

// newWitnessedEnv is newEnvOn with a log whose policy needs two of three
// witnesses to cosign every checkpoint before it is published.
func newWitnessedEnv(t testing.TB, open opener) (*env, []*lazyWitness) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var ws []*lazyWitness
	var policy strings.Builder
	for i := 1; i <= 3; i++ {
		w := startLazyWitness(t, fmt.Sprintf("witness%d.example", i), filepath.Join(dir, "log"))
		ws = append(ws, w)
		fmt.Fprintf(&policy, "witness w%d %s %s\n", i, w.vkey, w.url)
	}
	policy.WriteString("group g 2 w1 w2 w3\nquorum g\n")
	st := open(t)
	created, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "state.example/office", Admins: []string{"ada", "bob"}, Policy: []byte(policy.String())})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	o, err := office.Open(ctx, dir, st, office.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(o))
	e := &env{t: t, dir: dir, st: st, o: o, srv: srv, created: created, clock: c}
	t.Cleanup(func() {
		srv.Close()
		o.Close()
		st.Close()
	})
	return e, ws
}

// publishedCosigners returns the size of the office's published
// checkpoint and how many of the witnesses cosigned it.
func publishedCosigners(t testing.TB, e *env, ws []*lazyWitness) (uint64, int) {
	t.Helper()
	raw, err := e.o.LogFetcher().Fetch(context.Background(), "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(e.o.VKey())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.OpenCheckpoint(raw, v)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range ws {
		if bytes.Contains(raw, []byte("\u2014 "+w.name+" ")) {
			n++
		}
	}
	return cp.Size, n
}

// apiError is the API's error answer.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// refused sends a request that must be refused with status and field,
// and checks that it changes neither the log nor the store.
func (e *env) refused(what string, c *http.Client, method, path string, body any, status int, field string) {
	e.t.Helper()
	e.unchanged(what, func() {
		var ae apiError
		if got := e.do(c, method, path, body, &ae); got != status || ae.Field != field || ae.Error == "" {
			e.t.Errorf("%s: %d %+v, want %d with field %q", what, got, ae, status, field)
		}
	})
}

// sampleRows parses an Arlo sample CSV.
func sampleRows(t testing.TB, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("sample CSV: %v (%d rows)", err, len(rows))
	}
	return rows[1:]
}

// TestStatewideAuditAPI is issue 9's statewide ballot-comparison audit
// through the HTTP API, on SQLite and PostgreSQL.
func TestStatewideAuditAPI(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { testStatewideAuditAPI(t, open) })
	}
}

func testStatewideAuditAPI(t *testing.T, open opener) {
	el := swGenerate()
	e, ws := newWitnessedEnv(t, open)
	p := newAuditPeople(e)
	var elec office.Election
	e.must(p.official.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"}, &elec)
	setup := map[string]any{"election": elec.ID}
	for k, v := range swSetup {
		setup[k] = v
	}
	var created struct {
		ID string `json:"id"`
	}
	e.must(p.aa1.client, 201, "POST", "/api/v1/audits", setup, &created)
	a, base := created.ID, "/api/v1/audits/"+created.ID
	seedBody := map[string]any{"seed": swSeed, "rolled_by": []string{"Ann Roller", "Ray Roller"}, "witnesses": []string{"Wes Watcher"}}

	// Uploads; the seed is refused while any record is missing.
	for i, c := range swCounties {
		var v office.UploadValidation
		if code := e.auditUpload(p.aa1.client, a, c.name, "manifest", "arlo", "manifest.csv", el.manifest[c.name], &v); code != 200 || v.Summary.Ballots != int64(el.ballotsOf[c.name]) {
			t.Fatalf("manifest %s: %d %+v", c.name, code, v)
		}
		e.refused("a seed with records missing", p.aa1.client, "POST", base+"/seed", seedBody, 409, "uploads")
		if i == len(swCounties)-1 {
			break
		}
		if code := e.auditUpload(p.official.client, a, c.name, "cvrs", "dominion-csv", "cvr.csv", el.cvrs[c.name], &v); code != 200 || !v.Complete || v.Summary.CVRs != len(el.ballots[c.name]) {
			t.Fatalf("CVRs %s: %d %+v", c.name, code, v)
		}
	}
	// The last CVR upload is made while two of the three witnesses are
	// down: it is durable in the log, but no checkpoint covering it is
	// cosigned, so the seed is still refused.
	last := swCounties[len(swCounties)-1].name
	ws[0].down.Store(true)
	ws[1].down.Store(true)
	var ae apiError
	if code := e.auditUpload(p.official.client, a, last, "cvrs", "dominion-csv", "cvr.csv", el.cvrs[last], &ae); code != 503 || !strings.Contains(ae.Error, "recorded in the log") {
		t.Fatalf("an upload without the witness quorum: %d %+v, want 503 saying it is recorded but not published", code, ae)
	}
	var st office.AuditView
	e.must(p.observer.client, 200, "GET", base, nil, &st)
	if len(st.Uploads) != 2*len(swCounties) {
		t.Fatalf("the upload made without quorum is not in the log: %d uploads", len(st.Uploads))
	}
	if size, _ := publishedCosigners(t, e, ws); int64(size) > st.LastUpload {
		t.Fatalf("a checkpoint of size %d was published without the quorum (last upload at %d)", size, st.LastUpload)
	}
	e.refused("a seed before the checkpoint covering the uploads is cosigned", p.aa1.client, "POST", base+"/seed", seedBody, 409, "seed")
	// The witnesses come back: the seed request gets the checkpoint
	// cosigned and is accepted.
	ws[0].down.Store(false)
	ws[1].down.Store(false)
	var q requestView
	e.must(p.aa1.client, 202, "POST", base+"/seed", seedBody, &q)
	if size, n := publishedCosigners(t, e, ws); int64(size) <= st.LastUpload || n < 2 {
		t.Fatalf("seed accepted with the published checkpoint of size %d cosigned by %d witnesses (last upload at %d)", size, n, st.LastUpload)
	}
	// Two people: one signature leaves it pending, the same person's
	// second is refused, a second seed is refused.
	if c, v := e.approve(p.aa1, q.ID, q.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first seed signature: %d %+v", c, v)
	}
	// (The refusal itself is logged, as every refused signature is.)
	if c, _ := e.approve(p.aa1, q.ID, q.SignText); c != 403 {
		t.Errorf("the same person's second signature: %d, want 403", c)
	}
	e.must(p.observer.client, 200, "GET", base, nil, &st)
	if st.Seed != "" {
		t.Fatalf("one person entered the seed alone: %+v", st.Audit)
	}
	e.refused("a round with a pending seed", p.aa1.client, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "seed")
	if c, v := e.approve(p.official, q.ID, q.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second seed signature: %d %+v", c, v)
	}
	e.refused("a second seed", p.aa2.client, "POST", base+"/seed", map[string]any{"seed": "11111111112222222222", "rolled_by": []string{"X"}}, 409, "seed")

	// What the test expects, computed from its own files.
	x := newSWExpected(t, el)

	// Planted: in round 1 the county-b board misreads Governor on its
	// first ballots: the first three with a CVR vote for Alice as blank
	// (one-vote overstatements; the first is corrected after a
	// reopening); the first with a vote for Bob as Alice (u2), the second
	// as blank (u1). (Arlo's SuperSimple multiplies the risk by 26.6 for
	// each two-vote overstatement: one would send Governor to a full hand
	// count after a round of this size; TestNotFoundWorstCase shows them.) Every other reading is the CVR's, and
	// phantoms are not found.
	planted := map[string]string{} // county-b ballot key → kind
	alice := []string{"o1", "o1", "o1"}
	bob := []string{"u2", "u1"}
	notFound := map[string]bool{} // county/key → not found
	read := map[string]bool{}     // county/key → read in some round
	entered := map[string]map[string]audit.Reading{}
	var rounds [][][]string // every round's sample rows
	skip := 0
	var prev map[string]office.ContestClose
	for round := 1; ; round++ {
		var rv office.RoundView
		e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, &rv)
		if rv.Round != round || rv.Skip != skip || rv.Count <= 0 {
			t.Fatalf("round %+v, want round %d skipping %d", rv, round, skip)
		}
		if round == 1 && rv.Count != x.firstSize {
			t.Fatalf("round 1 has %d draws, the audit's size is %d", rv.Count, x.firstSize)
		}
		// The sample is canvass rla sample's: its library call on the
		// uploaded manifests, with --skip.
		code, _, got := e.get(p.observer.client, fmt.Sprintf("%s/rounds/%d/sample", base, round))
		want, err := draw.Arlo(draw.Request{Seed: swSeed, Skip: skip, Count: rv.Count}, x.js)
		if err != nil {
			t.Fatal(err)
		}
		var wantCSV bytes.Buffer
		if err := draw.WriteCSV(&wantCSV, want); err != nil {
			t.Fatal(err)
		}
		if code != 200 || !bytes.Equal(got, wantCSV.Bytes()) {
			t.Fatalf("round %d sample (%d):\n%.500s\nwant:\n%.500s", round, code, got, wantCSV.Bytes())
		}
		rows := sampleRows(t, got)
		if len(rows) != rv.Count {
			t.Fatalf("round %d: %d rows for %d draws", round, len(rows), rv.Count)
		}
		rounds = append(rounds, rows)
		skip += rv.Count

		// One board of two per county; two in county-a in round 1.
		var boards []*board
		for _, c := range swCounties {
			boards = append(boards, e.newBoard(p.aa1, a, c.name, "Dee Democrat "+c.name, "Rex Republican "+c.name))
			if round == 1 && c.name == "county-a" {
				boards = append(boards, e.newBoard(p.aa1, a, c.name, "Ida Independent", "Lib Libertarian"))
			}
		}
		lists := map[*board][]office.BoardBallot{}
		for _, b := range boards {
			var list []office.BoardBallot
			path := fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", base, round, b.id)
			e.must(b.members[0].client, 200, "GET", path, nil, &list)
			// The other member sees the same list.
			var list2 []office.BoardBallot
			e.must(b.members[1].client, 200, "GET", path, nil, &list2)
			if !slices.EqualFunc(list, list2, func(x, y office.BoardBallot) bool { return x.Ballot == y.Ballot }) {
				t.Fatalf("board %s's members see different lists", b.id)
			}
			lists[b] = list
			assertBlind(t, "board list", mustJSON(t, list), nil)
		}
		// Every ballot drawn this round that no earlier round drew is on
		// exactly one board's list, in its county.
		dealt := map[string]bool{}
		for b, list := range lists {
			for _, bb := range list {
				k := b.county + "/" + fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)
				if dealt[k] || read[k] {
					t.Fatalf("round %d: ballot %s dealt twice", round, k)
				}
				dealt[k] = true
				if !slices.Equal(bb.Contests, swContestsIn(b.county)) {
					t.Fatalf("ballot %s lists contests %v", k, bb.Contests)
				}
			}
		}
		for _, r := range rows {
			k := r[1] + "/" + r[2] + "/" + r[3] + "/" + r[4]
			if !dealt[k] && !read[k] {
				t.Fatalf("round %d: drawn ballot %s is on no board's list", round, k)
			}
		}
		if round == 1 {
			checkBoardIsolation(t, e, p, base, boards[0], boards[1], lists)
		}

		// The boards read.
		for _, b := range boards {
			for _, bb := range lists[b] {
				k := fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)
				v, real := el.votes[b.county][k]
				var rd map[string]audit.Reading
				switch {
				case !real:
					rd = map[string]audit.Reading{}
					for _, c := range swContestsIn(b.county) {
						rd[c] = audit.Reading{Status: audit.StatusNotFound, Comment: "no such ballot in the batch"}
					}
					notFound[b.county+"/"+k] = true
				default:
					rd = readingsOf(v, swContestsIn(b.county))
					if b.county != "county-b" || round != 1 || len(v["Governor"]) == 0 {
						break
					}
					kinds := &bob
					if v["Governor"][0] == "Alice" {
						kinds = &alice
					}
					if len(*kinds) == 0 {
						break
					}
					kind := (*kinds)[0]
					*kinds = (*kinds)[1:]
					planted[k] = kind
					rd["Governor"] = map[string]audit.Reading{"o2": {Choices: []string{"Bob"}}, "o1": {Status: audit.StatusBlank},
						"u2": {Choices: []string{"Alice"}}, "u1": {Status: audit.StatusBlank}}[kind]
				}
				m := b.members[len(b.members)-1]
				e.must(m.client, 204, "PUT", fmt.Sprintf("%s/rounds/%d/ballots/%s", base, round, bb.Ballot), map[string]any{"readings": rd}, nil)
				read[b.county+"/"+k] = true
				entered[bb.Ballot] = rd
			}
			// Review before sign-off: the list shows the board its own
			// entries and still nothing of the CVRs.
			var list []office.BoardBallot
			e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", base, round, b.id), nil, &list)
			for _, bb := range list {
				if !bb.Read || len(bb.Readings) == 0 {
					t.Fatalf("ballot %s not shown as read", bb.Ballot)
				}
				var mine map[string]audit.Reading
				if err := json.Unmarshal(bb.Readings, &mine); err != nil || !bytes.Equal(mustJSON(t, mine), mustJSON(t, entered[bb.Ballot])) {
					t.Fatalf("ballot %s: the review shows %s, the board entered %s", bb.Ballot, bb.Readings, mustJSON(t, entered[bb.Ballot]))
				}
				bb.Readings = nil
				assertBlind(t, "board review list", mustJSON(t, bb), nil)
			}
		}
		e.refused("closing before sign-off", p.aa1.client, "POST", fmt.Sprintf("%s/rounds/%d/close", base, round), nil, 409, "round")
		for _, b := range boards {
			for i, m := range b.members {
				var ab office.AuditBoard
				e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/sign-off", base, round, b.id), nil, &ab)
				if ab.SignedOff != (i == len(b.members)-1) {
					t.Fatalf("board %s after %d signatures: signed off %v", b.id, i+1, ab.SignedOff)
				}
				assertBlind(t, "sign-off answer", mustJSON(t, ab), nil)
			}
		}
		if round == 1 {
			checkSignedOffAndReopen(t, e, p, base, boards, lists, el, planted)
		}

		var cv office.CloseView
		e.must(p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/close", base, round), nil, &cv)
		t.Logf("round %d: %d draws, planted %d, close %+v", round, rv.Count, len(planted), cv)
		if round == 1 && (len(alice) > 0 || len(bob) > 0) {
			t.Fatalf("round 1 planted only %v; too few county-b ballots drawn", planted)
		}
		x.checkClose(t, round, rounds, planted, notFound, prev, &cv)
		prev = cv.Contests
		if round == 1 {
			gov := cv.Contests["Governor"]
			if gov.Decision != audit.AnotherRound || gov.Confirmed || cv.Done || cv.NextSize <= 0 {
				t.Fatalf("round 1: the planted discrepancies did not force a second round: %+v", cv)
			}
		}
		if cv.Done {
			if round != 2 {
				t.Fatalf("done after round %d, want 2", round)
			}
			for name, c := range cv.Contests {
				want := audit.Confirmed
				if name == "Measure" {
					want = audit.Opportunistic
				}
				if c.Decision != want {
					t.Errorf("%s: %s after the last round, want %s", name, c.Decision, want)
				}
			}
			break
		}
		if round == 3 {
			t.Fatalf("not done after %d rounds", round)
		}
	}
	e.refused("a round after the audit is done", p.aa1.client, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, 409, "round")

	// The corrected reading keeps its history on the public page: both
	// revisions, the second with its reason and author.
	code, _, hist := e.get(http.DefaultClient, "/public/audits/"+a+"/reading-history.csv")
	rows, err := csv.NewReader(bytes.NewReader(hist)).ReadAll()
	if code != 200 || err != nil || len(rows) != 3 || rows[1][3] != "1" || rows[2][3] != "2" || rows[2][6] != "Governor re-read: Alice" ||
		rows[1][1] != rows[2][1] || !strings.Contains(rows[1][7], `"status":"blank"`) || !strings.Contains(rows[2][7], "Alice") || rows[2][4] == "" {
		t.Fatalf("reading-history.csv: %d %v\n%s", code, err, hist)
	}

	// The public report agrees: seed, rounds, IRV assertions, the
	// planted discrepancies with both readings.
	code, _, js := e.get(http.DefaultClient, "/public/audits/"+a+"/report.json")
	var rep audit.Report
	if code != 200 || json.Unmarshal(js, &rep) != nil || rep.Settings.Seed != swSeed || len(rep.Rounds) != 2 {
		t.Fatalf("report.json: %d %.300s", code, js)
	}
	kinds := 0
	for _, ab := range rep.Ballots {
		for _, c := range ab.Contests {
			if c.Kind == "" {
				continue
			}
			kinds++
			k := fmt.Sprintf("%s/%s/%d", ab.Tabulator, ab.Batch, ab.Position)
			if c.Kind == "phantom" {
				if _, real := el.votes[ab.Jurisdiction][k]; real {
					t.Errorf("a phantom with a CVR: %+v", ab.BallotKey)
				}
				continue
			}
			if ab.Jurisdiction != "county-b" || c.Contest != "Governor" || planted[k] != c.Kind {
				t.Errorf("a discrepancy the test did not plant: %+v %+v", ab.BallotKey, c)
			}
		}
	}
	if kinds < len(planted) {
		t.Errorf("the report lists %d discrepancies, the test planted %d", kinds, len(planted))
	}

	// Every step is in the log: rebuilding gives the same database.
	before := dump(t, e.st)
	st2 := open(t)
	defer st2.Close()
	e.srv.Close()
	if err := e.o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := office.Rebuild(context.Background(), e.dir, st2); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, st2); !bytes.Equal(after, before) {
		t.Fatal("the database rebuilt from the log differs from the live one")
	}
}

func mustJSON(t testing.TB, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// assertBlind fails if a board's answer shows anything of a CVR: a
// candidate's name (other than in allowed, the board's own entries), a
// CVR field or id.
func assertBlind(t testing.TB, what string, raw []byte, allowed []string) {
	t.Helper()
	low := bytes.ToLower(raw)
	for _, bad := range []string{"cvr", "imprinted", "record_id", "phantom", "discrepanc"} {
		if bytes.Contains(low, []byte(bad)) {
			t.Fatalf("%s shows %q: %s", what, bad, raw)
		}
	}
	for _, cands := range swCandidates {
		for _, c := range cands {
			if !slices.Contains(allowed, c) && bytes.Contains(raw, []byte(c)) {
				t.Fatalf("%s shows candidate %q: %s", what, c, raw)
			}
		}
	}
}

// checkBoardIsolation: a board cannot see or enter another board's
// ballots, nor anything else of the audit; an audit-admin cannot enter
// readings.
func checkBoardIsolation(t *testing.T, e *env, p *auditPeople, base string, a1, a2 *board, lists map[*board][]office.BoardBallot) {
	t.Helper()
	if len(lists[a2]) == 0 || len(lists[a1]) == 0 {
		t.Fatalf("county-a's boards have %d and %d ballots; the test needs both to have some", len(lists[a1]), len(lists[a2]))
	}
	for _, m := range a1.members {
		e.refused("a board reading another board's list", m.client, "GET", fmt.Sprintf("%s/rounds/1/boards/%s/ballots", base, a2.id), nil, 403, "")
		other := lists[a2][0]
		rd := map[string]audit.Reading{}
		for _, c := range swContestsIn("county-a") {
			rd[c] = audit.Reading{Status: audit.StatusBlank}
		}
		e.refused("a board entering another board's ballot", m.client, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, other.Ballot), map[string]any{"readings": rd}, 403, "")
		e.refused("a board signing another board off", m.client, "POST", fmt.Sprintf("%s/rounds/1/boards/%s/sign-off", base, a2.id), nil, 403, "")
		// Nothing else of the audit: not its state, not the sample (whose
		// CVR ids and phantoms would tell), not the report's requests.
		for _, path := range []string{base, base + "/rounds/1/sample"} {
			if code := e.do(m.client, "GET", path, nil, nil); code != 403 {
				t.Errorf("a board member reading %s: %d, want 403", path, code)
			}
		}
		e.refused("a board member closing the round", m.client, "POST", base+"/rounds/1/close", nil, 403, "")
	}
	rd := map[string]audit.Reading{}
	for _, c := range swContestsIn("county-a") {
		rd[c] = audit.Reading{Status: audit.StatusBlank}
	}
	e.refused("an audit-admin entering a reading", p.aa1.client, "PUT", fmt.Sprintf("%s/rounds/1/ballots/%s", base, lists[a1][0].Ballot), map[string]any{"readings": rd}, 403, "")
	// The public report holds no reading and no CVR while the round is
	// open.
	if _, _, js := e.get(http.DefaultClient, strings.Replace(base, "/api/v1/audits/", "/public/audits/", 1)+"/report.json"); bytes.Contains(js, []byte("cvr_reading")) || bytes.Contains(js, []byte("board_reading")) {
		t.Fatalf("the public report shows readings of an open round: %.500s", js)
	}
}

// checkSignedOffAndReopen: after sign-off no entry changes (and the log
// gets no event); a reopening needs two people; a change then is a new
// revision with a reason and the old one stays in the log. The county-b
// board's first planted overstatement is corrected this way, and
// another ballot's reading is reaffirmed.
func checkSignedOffAndReopen(t *testing.T, e *env, p *auditPeople, base string, boards []*board, lists map[*board][]office.BoardBallot, el *swElection, planted map[string]string) {
	t.Helper()
	var b *board
	for _, x := range boards {
		if x.county == "county-b" {
			b = x
		}
	}
	var fix office.BoardBallot
	for _, bb := range lists[b] {
		if planted[fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)] == "o1" {
			fix = bb
			break
		}
	}
	key := fmt.Sprintf("%s/%s/%d", fix.Tabulator, fix.Batch, fix.Position)
	path := fmt.Sprintf("%s/rounds/1/ballots/%s", base, fix.Ballot)
	right := readingsOf(el.votes["county-b"][key], swContestsIn("county-b"))
	for _, m := range b.members {
		e.refused("a change after sign-off", m.client, "PUT", path, map[string]any{"readings": right, "reason": "second look"}, 409, "ballot")
	}
	boardPath := fmt.Sprintf("%s/rounds/1/boards/%s", base, b.id)
	e.refused("a reopening without a reason", p.aa1.client, "POST", boardPath+"/reopen", map[string]any{"reason": " "}, 400, "reason")
	e.refused("a board member reopening their own board", b.members[0].client, "POST", boardPath+"/reopen", map[string]any{"reason": "oops"}, 403, "")
	var rq requestView
	e.must(p.aa1.client, 202, "POST", boardPath+"/reopen", map[string]string{"reason": "the board reports a misread Governor vote"}, &rq)
	if c, v := e.approve(p.aa1, rq.ID, rq.SignText); c != 200 || v.Status != "pending" {
		t.Fatalf("first reopen signature: %d %+v", c, v)
	}
	e.refused("a change with a half-signed reopening", b.members[0].client, "PUT", path, map[string]any{"readings": right, "reason": "x"}, 409, "ballot")
	if c, v := e.approve(p.aa2, rq.ID, rq.SignText); c != 200 || v.Status != "done" {
		t.Fatalf("second reopen signature: %d %+v", c, v)
	}
	e.refused("a change after reopening without a reason", b.members[0].client, "PUT", path, map[string]any{"readings": right}, 400, "reason")
	size := e.o.LogSize()
	e.must(b.members[0].client, 204, "PUT", path, map[string]any{"readings": right, "reason": "Governor re-read: Alice"}, nil)
	delete(planted, key)
	// The log has both revisions of the ballot, the new one with its
	// reason and its author.
	var revs []map[string]any
	var authors []string
	e.o.Events(context.Background(), func(ev ledger.Event) error {
		if ev.Type != "audit-reading" {
			return nil
		}
		pl := ev.Payload
		var k audit.BallotKey
		json.Unmarshal([]byte(fmt.Sprint(pl["ballot"])), &k)
		if k.Jurisdiction == "county-b" && fmt.Sprintf("%s/%s/%d", k.Tabulator, k.Batch, k.Position) == key {
			revs = append(revs, pl)
			authors = append(authors, ev.UserID)
		}
		return nil
	})
	if len(revs) != 2 || revs[1]["reason"] != "Governor re-read: Alice" || revs[0]["reason"] != nil ||
		!strings.Contains(fmt.Sprint(revs[0]["readings"]), `"Governor":{"status":"blank"}`) || !strings.Contains(fmt.Sprint(revs[1]["readings"]), "Alice") ||
		authors[1] != b.members[0].name || e.o.LogSize() != size+1 {
		t.Fatalf("the revisions of %s in the log: %v by %v", key, revs, authors)
	}
	e.refused("closing with a reopened board", p.aa1.client, "POST", base+"/rounds/1/close", nil, 409, "round")
	for _, m := range b.members {
		e.must(m.client, 200, "POST", boardPath+"/sign-off", nil, nil)
	}
}

// swExpected is the audit as the test computes it from its own files,
// without the office.
type swExpected struct {
	el        *swElection
	js        []draw.Jurisdiction
	firstSize int
	// tally per plurality contest, in candidate order; N per contest.
	tally map[string]rla.Counts
	n     map[string]int
	// assertions of Mayor: winner, loser, margin.
	assertions []audit.AssertionReport
}

func newSWExpected(t *testing.T, el *swElection) *swExpected {
	x := &swExpected{el: el, tally: map[string]rla.Counts{}, n: map[string]int{}}
	var def audit.Definition
	raw, _ := json.Marshal(swSetup)
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	for i := range def.Contests {
		if def.Contests[i].Kind == "" {
			def.Contests[i].Kind = audit.Plurality
		}
	}
	in := &audit.Inputs{Election: &election.Election{}}
	read, err := cvr.Lookup("dominion-csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range swCounties {
		def.Jurisdictions = append(def.Jurisdictions, audit.JurisdictionConfig{Name: c.name})
		// As canvass rla sample --manifest county=FILE reads it.
		m, err := manifest.ReadArlo(c.name+"/manifest.csv", bytes.NewReader(el.manifest[c.name]))
		if err != nil {
			t.Fatal(err)
		}
		x.js = append(x.js, draw.Jurisdiction{Name: c.name, Manifest: m})
		ji := audit.JurisdictionInput{Name: c.name, Manifest: m}
		src := cvr.Source{FS: mapFS{"cvr.csv": el.cvrs[c.name]}, Path: "cvr.csv"}
		if err := read(src, in.Election, func(r *election.CVR) error {
			cp := *r
			cp.Contests = nil
			for _, cm := range r.Contests {
				cp.Contests = append(cp.Contests, election.ContestMarks{Contest: cm.Contest, Marks: slices.Clone(cm.Marks)})
			}
			ji.CVRs = append(ji.CVRs, cp)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	// Tallies and ballot counts from the generated votes.
	for _, contest := range []string{"Governor", "Measure"} {
		votes := map[string]int{}
		for _, county := range swJurisdictionsOf(contest) {
			x.n[contest] += el.ballotsOf[county]
			for _, b := range el.ballots[county] {
				for _, c := range b.votes[contest] {
					votes[c]++
				}
			}
		}
		for _, c := range swCandidates[contest] {
			x.tally[contest] = append(x.tally[contest], rla.CandidateVotes{Name: c, Votes: votes[c]})
		}
	}
	for _, county := range swJurisdictionsOf("Mayor") {
		x.n["Mayor"] += el.ballotsOf[county]
	}
	// Mayor's RAIRE assertions: the pure core on the test's own inputs.
	prep, err := audit.Prepare(&def, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range prep.Contests() {
		if c.Name == "Mayor" {
			x.assertions = c.Assertions
			if c.Winners[0] != "Xavier" || c.Ballots != int64(x.n["Mayor"]) || len(c.Assertions) == 0 {
				t.Fatalf("Mayor: %+v", c)
			}
		}
		if c.Name == "Governor" && (!slices.Equal(c.Tally, x.tally["Governor"]) || c.Phantoms != swPhantoms) {
			t.Fatalf("Governor's tally %v (%d phantoms), the test counts %v", c.Tally, c.Phantoms, x.tally["Governor"])
		}
	}
	// Round 1's size: the largest over targeted contests of `canvass rla
	// size` for the contest, scaled to the audit's ballots.
	total := 0
	for _, n := range el.ballotsOf {
		total += n
	}
	scaled := func(size, n int) int { return (size*total + n - 1) / n }
	x.firstSize = scaled(x.size(t, x.request("Governor", x.tally["Governor"], x.n["Governor"], nil)), x.n["Governor"])
	for _, as := range x.assertions {
		w, l := assertionPair(t, as.Text)
		s := x.size(t, x.request("Mayor", rla.Counts{{Name: w, Votes: int(as.Margin)}, {Name: l}}, x.n["Mayor"], nil))
		x.firstSize = max(x.firstSize, scaled(s, x.n["Mayor"]))
	}
	return x
}

// assertionPair reads the winner and loser from an assertion's text,
// "NEB W > L" or "NEN W > L {…}".
func assertionPair(t testing.TB, text string) (string, string) {
	f := strings.Fields(text)
	if len(f) < 4 || f[2] != ">" {
		t.Fatalf("assertion %q", text)
	}
	return f[1], strings.TrimSuffix(f[3], ",")
}

// counts are a contest's discrepancy counts as the test computes them.
type swCounts struct {
	n, o1, o2, u1, u2, notFound int
}

// request is the JSON `canvass rla risk` reads for a comparison contest
// (or an assertion as a two-candidate contest) with counts d.
func (x *swExpected) request(contest string, tally rla.Counts, n int, d *swCounts) []byte {
	req := map[string]any{"method": "supersimple", "risk_limit": 0.1, "ballots": n, "tally": tally}
	if d != nil {
		req["discrepancies"] = map[string]int{"sample_size": d.n, "o1": d.o1, "o2": d.o2, "u1": d.u1, "u2": d.u2}
		req["not_found"] = d.notFound
	}
	raw, _ := json.Marshal(req)
	return raw
}

func (x *swExpected) size(t testing.TB, raw []byte) int {
	req, err := rla.DecodeRequest(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	s, err := req.Size()
	if err != nil {
		t.Fatal(err)
	}
	return s.Size.Size
}

// risk is what `canvass rla risk` answers for raw.
func riskOfRequest(t testing.TB, raw []byte) rla.Risk {
	req, err := rla.DecodeRequest(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	r, err := req.Risk()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkClose checks round k's close against rla risk on the counts the
// test computes from its sample rows and what it planted.
func (x *swExpected) checkClose(t *testing.T, k int, rounds [][][]string, planted map[string]string, notFound map[string]bool, prev map[string]office.ContestClose, cv *office.CloseView) {
	t.Helper()
	counts := map[string]*swCounts{"Governor": {}, "Measure": {}, "Mayor": {}}
	for _, rows := range rounds[:k] {
		for _, r := range rows {
			county, key := r[1], r[2]+"/"+r[3]+"/"+r[4]
			_, real := x.el.votes[county][key]
			for _, contest := range swContestsIn(county) {
				c := counts[contest]
				c.n++
				switch {
				case !real || notFound[county+"/"+key]:
					c.notFound++
				case contest == "Governor" && county == "county-b":
					switch planted[key] {
					case "o1":
						c.o1++
					case "o2":
						c.o2++
					case "u1":
						c.u1++
					case "u2":
						c.u2++
					}
				}
			}
		}
	}
	for contest, c := range counts {
		got, ok := cv.Contests[contest]
		if !ok {
			t.Fatalf("round %d: no %s in the close", k, contest)
		}
		d := got.Discrepancies
		if d.O1 != c.o1 || d.O2 != c.o2 || d.U1 != c.u1 || d.U2 != c.u2 || d.NotFound+d.Phantoms != c.notFound {
			t.Errorf("round %d %s: discrepancies %+v, the test counts %+v", k, contest, d, *c)
		}
		var want rla.Risk
		nextSize := 0
		if contest == "Mayor" {
			// The contest's risk is its largest assertion's; it is
			// confirmed when every assertion is.
			want.Confirmed = true
			for _, as := range x.assertions {
				w, l := assertionPair(t, as.Text)
				raw := x.request(contest, rla.Counts{{Name: w, Votes: int(as.Margin)}, {Name: l}}, x.n[contest], c)
				r := riskOfRequest(t, raw)
				want.Risk = max(want.Risk, r.Risk)
				want.Confirmed = want.Confirmed && r.Confirmed
				if !r.Confirmed {
					nextSize = max(nextSize, x.size(t, raw))
				}
			}
		} else {
			raw := x.request(contest, x.tally[contest], x.n[contest], c)
			want = riskOfRequest(t, raw)
			nextSize = x.size(t, raw)
		}
		if got.Risk != want.Risk {
			t.Errorf("round %d %s: risk %v, canvass rla risk %v on the test's counts %+v", k, contest, got.Risk, want.Risk, *c)
		}
		switch p := prev[contest]; {
		case p.Decision == audit.Confirmed || p.Decision == audit.FullHandCount:
			if got.Decision != p.Decision {
				t.Errorf("round %d %s: decided %s earlier, now %s", k, contest, p.Decision, got.Decision)
			}
		case contest == "Measure":
			if got.Decision != audit.Opportunistic {
				t.Errorf("round %d Measure: %s", k, got.Decision)
			}
		case want.Confirmed:
			if got.Decision != audit.Confirmed || !got.Confirmed {
				t.Errorf("round %d %s: risk %v within the limit but decision %s", k, contest, got.Risk, got.Decision)
			}
		default:
			if got.Decision != audit.AnotherRound || got.Confirmed || got.NextSize != max(nextSize, 1) {
				t.Errorf("round %d %s: risk %v over the limit: decision %s, next size %d, rla size %d", k, contest, got.Risk, got.Decision, got.NextSize, nextSize)
			}
		}
	}
}
