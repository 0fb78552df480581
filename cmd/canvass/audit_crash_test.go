package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// The crash audit's election: two counties of 100 ballots in two batches
// of 50 on tabulator 1, one contest, Governor.
var crashCounties = []string{"county-a", "county-b"}

// crashVote is the CVR's Governor choice of a ballot ("" for a blank).
func crashVote(county string, batch, pos int) string {
	i := (batch-1)*50 + pos - 1
	if county == "county-b" {
		i += 3
	}
	switch {
	case i%40 == 39:
		return ""
	case (i*7)%10 < 6:
		return "Alice"
	default:
		return "Bob"
	}
}

func crashManifest() []byte {
	return []byte("Container,Tabulator,Batch Name,Number of Ballots\nBox 1,1,1,50\nBox 1,1,2,50\n")
}

// crashDominionCSV writes a county's CVRs as Dominion's CSV export.
func crashDominionCSV(county string) []byte {
	var b bytes.Buffer
	b.WriteString("\"State General\",\"5.2.16.1\"\n")
	b.WriteString(",,,,,,,,\"Governor (Vote For=1)\",\"Governor (Vote For=1)\"\n")
	b.WriteString(",,,,,,,,\"Alice\",\"Bob\"\n")
	b.WriteString("CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType,,\n")
	n := 0
	for batch := 1; batch <= 2; batch++ {
		for pos := 1; pos <= 50; pos++ {
			n++
			v := crashVote(county, batch, pos)
			a, bo := "0", "0"
			if v == "Alice" {
				a = "1"
			} else if v == "Bob" {
				bo = "1"
			}
			fmt.Fprintf(&b, "%d,1,%d,%d,1-%d-%d,Election Day,P1,B1,%s,%s\n", n, batch, pos, batch, pos, a, bo)
		}
	}
	return b.Bytes()
}

// crashReading is a Governor reading of choice ("" for a blank).
func crashReading(choice string) map[string]audit.Reading {
	if choice == "" {
		return map[string]audit.Reading{"Governor": {Status: audit.StatusBlank}}
	}
	return map[string]audit.Reading{"Governor": {Choices: []string{choice}}}
}

// uploadOver posts one audit file as multipart/form-data.
func uploadOver(t *testing.T, c *http.Client, u, format, name string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("format", format)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload %s: %d %s", u, resp.StatusCode, raw)
	}
}

func tryPut(c *http.Client, u string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("PUT", u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// newCrashUser has ada and bob create and then enrolls a user.
func newCrashUser(t *testing.T, base string, ada, bob *crashPerson, name, role string) *crashPerson {
	t.Helper()
	var q crashRequest
	status, body := postJSON(t, ada.client, base+"/api/v1/users", map[string]any{"name": name, "roles": []string{role}, "jurisdiction": "state"})
	json.Unmarshal(body, &q)
	if status != 202 {
		t.Fatalf("user request %s: %d %s", name, status, body)
	}
	ada.sign(base, q)
	if done, status, err := bob.sign(base, q); err != nil || status != 200 || done.Status != "done" {
		t.Fatalf("executing user request %s: %d %+v %v", name, status, done, err)
	}
	getJSONOver(t, ada.client, base+"/api/v1/requests/"+q.ID, &q)
	return enrollOver(t, base, name, q.Result["enrollment_code"])
}

// crashBoard is an audit board of the crash test with its signed-in
// members and ballot list.
type crashBoard struct {
	id, county string
	members    []*crashPerson
	ballots    []office.BoardBallot
}

// crashBallotKey names a ballot as the log's audit-reading events do.
func crashBallotKey(county string, bb office.BoardBallot) audit.BallotKey {
	return audit.BallotKey{Jurisdiction: county, Tabulator: bb.Tabulator, Batch: bb.Batch, Position: bb.Position}
}

// TestServeAuditSurvivesSIGKILL kills "canvass serve" with SIGKILL at
// random moments while the members of two audit boards enter and revise
// readings concurrently; after each restart every acknowledged reading is
// there with its content (or the content of the one write per member that
// was in flight at the kill), after the last one the database equals a
// rebuild from the log and the log's last audit-reading of each ballot is
// the database's, and the boards can still sign off and the round close.
func TestServeAuditSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs subprocesses")
	}
	dir := filepath.Join(t.TempDir(), "office")
	code, out, errOut := logRun("", "init", "--data", dir, "--origin", "clerk.example/audit-crash", "--admin", "ada", "--admin", "bob", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var created office.Created
	json.Unmarshal([]byte(out), &created)
	cmd, base := startServe(t, dir)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ada := enrollOver(t, base, "ada", created.Enrollment["ada"])
	bob := enrollOver(t, base, "bob", created.Enrollment["bob"])
	olga := newCrashUser(t, base, ada, bob, "olga", "official")
	aa := newCrashUser(t, base, ada, bob, "aa1", "audit-admin")

	var el office.Election
	status, body := postJSON(t, olga.client, base+"/api/v1/elections", map[string]string{"name": "State General", "date": "2026-11-03"})
	json.Unmarshal(body, &el)
	if status != 201 {
		t.Fatalf("election: %d %s", status, body)
	}
	var ac struct {
		ID string `json:"id"`
	}
	status, body = postJSON(t, aa.client, base+"/api/v1/audits", map[string]any{
		"election": el.ID, "name": "Crash RLA", "type": "ballot-comparison", "math": "supersimple", "risk_limit": 0.1, "sampler": "arlo",
		"contests": []map[string]any{{"name": "Governor", "targeted": true, "jurisdictions": crashCounties}},
	})
	json.Unmarshal(body, &ac)
	if status != 201 || ac.ID == "" {
		t.Fatalf("audit: %d %s", status, body)
	}
	// Paths without the base: each restart listens on a new port.
	ab := "/api/v1/audits/" + ac.ID
	for _, c := range crashCounties {
		uploadOver(t, aa.client, base+ab+"/jurisdictions/"+c+"/manifest", "arlo", "manifest.csv", crashManifest())
		uploadOver(t, olga.client, base+ab+"/jurisdictions/"+c+"/cvrs", "dominion-csv", "cvr.csv", crashDominionCSV(c))
	}
	// The seed: a request by the audit-admin, executed by the official's
	// second signature.
	var q crashRequest
	status, body = postJSON(t, aa.client, base+ab+"/seed", map[string]any{"seed": "12345678901234567890123", "rolled_by": []string{"Ann Roller"}})
	json.Unmarshal(body, &q)
	if status != 202 {
		t.Fatalf("seed request: %d %s", status, body)
	}
	if _, status, err := aa.sign(base, q); err != nil || status != 200 {
		t.Fatalf("first seed signature: %d %v", status, err)
	}
	if done, status, err := olga.sign(base, q); err != nil || status != 200 || done.Status != "done" {
		t.Fatalf("second seed signature: %d %+v %v", status, done, err)
	}
	var rv office.RoundView
	status, body = postJSON(t, aa.client, base+ab+"/rounds", map[string]any{"sample_size": map[string]any{}})
	json.Unmarshal(body, &rv)
	if status != 201 || rv.Round != 1 || rv.Count <= 0 {
		t.Fatalf("round 1: %d %s", status, body)
	}
	rb := fmt.Sprintf("%s/rounds/%d", ab, rv.Round)

	var boards []*crashBoard
	total := 0
	for i, c := range crashCounties {
		var bv office.BoardView
		status, body = postJSON(t, aa.client, base+ab+"/jurisdictions/"+c+"/boards", map[string]any{"members": []string{fmt.Sprintf("Dee Democrat %d", i), fmt.Sprintf("Rex Republican %d", i)}})
		json.Unmarshal(body, &bv)
		if status != 201 || len(bv.Members) != 2 {
			t.Fatalf("board %s: %d %s", c, status, body)
		}
		b := &crashBoard{id: bv.Board, county: c}
		for _, m := range bv.Members {
			b.members = append(b.members, enrollOver(t, base, m.User, m.EnrollmentCode))
		}
		getJSONOver(t, b.members[0].client, base+rb+"/boards/"+b.id+"/ballots", &b.ballots)
		total += len(b.ballots)
		boards = append(boards, b)
	}
	if total == 0 {
		t.Fatal("round 1 assigned no ballots to the boards")
	}

	// What each ballot must hold: the content of the last acknowledged
	// write, or of the write that was in flight when serve was killed
	// (a member stops at its first failed write, so it has at most one).
	type state struct {
		acked, inflight map[string]audit.Reading
		writes          int
	}
	states := map[string]*state{}
	for _, b := range boards {
		for _, bb := range b.ballots {
			states[bb.Ballot] = &state{}
		}
	}
	var mu sync.Mutex
	// landed counts writes cut off by a kill that were committed anyway.
	acks, landed := 0, 0

	// check reads every board's list as its first member and compares it
	// with what was acknowledged.
	check := func(when string) map[audit.BallotKey]map[string]audit.Reading {
		t.Helper()
		got := map[audit.BallotKey]map[string]audit.Reading{}
		for _, b := range boards {
			var list []office.BoardBallot
			getJSONOver(t, b.members[0].client, base+rb+"/boards/"+b.id+"/ballots", &list)
			if len(list) != len(b.ballots) {
				t.Fatalf("%s: board %s has %d ballots, had %d", when, b.id, len(list), len(b.ballots))
			}
			for _, bb := range list {
				s := states[bb.Ballot]
				if s == nil {
					t.Fatalf("%s: board %s lists ballot %s, not in its list before", when, b.id, bb.Ballot)
				}
				var rd map[string]audit.Reading
				if bb.Read != (len(bb.Readings) > 0) {
					t.Fatalf("%s: ballot %s read=%v with readings %s", when, bb.Ballot, bb.Read, bb.Readings)
				}
				if bb.Read {
					if err := json.Unmarshal(bb.Readings, &rd); err != nil {
						t.Fatalf("%s: ballot %s readings %s: %v", when, bb.Ballot, bb.Readings, err)
					}
				}
				switch {
				case s.inflight != nil && reflect.DeepEqual(rd, s.inflight):
					landed++
				case s.acked == nil && rd == nil:
				case s.acked != nil && reflect.DeepEqual(rd, s.acked):
				default:
					t.Fatalf("%s: ballot %s holds %s; acknowledged %v, in flight %v", when, bb.Ballot, bb.Readings, s.acked, s.inflight)
				}
				s.acked, s.inflight = rd, nil
				got[crashBallotKey(b.county, bb)] = rd
			}
		}
		return got
	}

	seed64 := uint64(time.Now().UnixNano())
	t.Logf("seed %d; round 1 samples %d ballots", seed64, total)
	r := mrand.New(mrand.NewPCG(seed64, 9))
	const kills = 3
	for kill := 0; kill < kills; kill++ {
		var wg sync.WaitGroup
		for _, b := range boards {
			for k, m := range b.members {
				wg.Add(1)
				go func() { // member k enters and revises every other ballot of its board
					defer wg.Done()
					for pass := 0; ; pass++ {
						for i := k; i < len(b.ballots); i += 2 {
							id := b.ballots[i].Ballot
							mu.Lock()
							s := states[id]
							// Alternate the content so that each revision
							// differs from the one before.
							rd := crashReading([]string{"Alice", "Bob", ""}[s.writes%3])
							s.writes++
							mu.Unlock()
							status, body, err := tryPut(m.client, base+rb+"/ballots/"+id, map[string]any{"readings": rd})
							mu.Lock()
							if err != nil {
								s.inflight = rd
								mu.Unlock()
								return
							}
							if status != 204 {
								mu.Unlock()
								t.Errorf("reading %s by %s: %d %s", id, m.name, status, body)
								return
							}
							s.acked = rd
							acks++
							mu.Unlock()
						}
					}
				}()
			}
		}
		time.Sleep(time.Duration(200+r.IntN(800)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		cmd, base = startServe(t, dir)
		check(fmt.Sprintf("after kill %d", kill+1))
	}
	if acks == 0 {
		t.Fatal("no reading was acknowledged before the kills")
	}
	t.Logf("%d readings acknowledged across %d kills; %d unacknowledged in-flight writes landed", acks, kills, landed)

	// The boards enter what the CVRs say, sign off, and the round closes.
	for _, b := range boards {
		for _, bb := range b.ballots {
			var batch int
			if _, err := fmt.Sscan(bb.Batch, &batch); err != nil {
				t.Fatalf("ballot %s batch %q: %v", bb.Ballot, bb.Batch, err)
			}
			rd := crashReading(crashVote(b.county, batch, bb.Position))
			status, body, err := tryPut(b.members[0].client, base+rb+"/ballots/"+bb.Ballot, map[string]any{"readings": rd})
			if err != nil || status != 204 {
				t.Fatalf("final reading %s: %d %s %v", bb.Ballot, status, body, err)
			}
			states[bb.Ballot].acked = rd
		}
	}
	final := check("after the final entries")
	for _, b := range boards {
		for _, m := range b.members {
			if status, body := postJSON(t, m.client, base+rb+"/boards/"+b.id+"/sign-off", nil); status != 200 {
				t.Fatalf("sign-off by %s: %d %s", m.name, status, body)
			}
		}
	}
	var cv office.CloseView
	status, body = postJSON(t, aa.client, base+rb+"/close", nil)
	json.Unmarshal(body, &cv)
	if status != 200 || cv.Round != 1 {
		t.Fatalf("close: %d %s", status, body)
	}
	gov, ok := cv.Contests["Governor"]
	if !ok || gov.Discrepancies.O1+gov.Discrepancies.O2+gov.Discrepancies.U1+gov.Discrepancies.U2 != 0 {
		t.Fatalf("close after readings that match the CVRs: %s", body)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()

	// The log's last audit-reading of each ballot is the database's.
	last := map[audit.BallotKey]map[string]audit.Reading{}
	events := 0
	for _, e := range facilityEvents(t, dir) {
		if e.Type != "audit-reading" {
			continue
		}
		events++
		key, _ := e.Payload["ballot"].(string)
		raw, _ := e.Payload["readings"].(string)
		var k audit.BallotKey
		var rd map[string]audit.Reading
		if err := json.Unmarshal([]byte(key), &k); err != nil {
			t.Fatalf("audit-reading event %d ballot %q: %v", e.Sequence, key, err)
		}
		if err := json.Unmarshal([]byte(raw), &rd); err != nil {
			t.Fatalf("audit-reading event %d readings %q: %v", e.Sequence, raw, err)
		}
		last[k] = rd
	}
	if events < acks+total {
		t.Fatalf("the log has %d audit-reading events, fewer than the %d acknowledged writes", events, acks+total)
	}
	if !reflect.DeepEqual(last, final) {
		t.Fatalf("the log's last readings differ from the database's:\nlog %v\ndb  %v", last, final)
	}
	// A rebuild of a copy gives the same database.
	cp := filepath.Join(t.TempDir(), "copy")
	copyTree(t, dir, cp)
	keys, _ := filepath.Glob(filepath.Join(cp, "keys", "*"))
	for _, k := range keys {
		os.Chmod(k, 0o600) // copyTree does not keep modes; rebuild wants private keys
	}
	if code, _, errOut := logRun("", "rebuild", "--data", cp); code != 0 {
		t.Fatal(errOut)
	}
	if before, after := dumpDB(t, filepath.Join(dir, office.DefaultDBName)), dumpDB(t, filepath.Join(cp, office.DefaultDBName)); !bytes.Equal(before, after) {
		t.Fatal("the database rebuilt from the log differs from the live one")
	}
}
