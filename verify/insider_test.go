package verify_test

// The insider replay (issue 10, docs/insider.md): the Mesa County breach
// played against canvass. The insider is olga, a county official with a
// root shell on the server: she holds the database, the file store, the
// log's signing key (DIR/keys/log.key) and her own personal key, but not
// the other people's personal keys nor the witnesses. Every step is either
// refused by the office or reported by the verifier on the evidence
// package exported afterwards.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"
)

// insiderDB opens the office's SQLite file directly, as a root shell can.
func insiderDB(t *testing.T, x *verifytest.Office) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(x.Dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// bumpTallies adds n to every numeric tally of candidate in a decoded JSON
// value and returns how many it changed.
func bumpTallies(v any, candidate string, n float64) int {
	changed := 0
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == candidate {
				switch x := e.(type) {
				case string:
					if f, err := strconv.ParseFloat(x, 64); err == nil {
						v[k] = strconv.FormatFloat(f+n, 'f', -1, 64)
						changed++
						continue
					}
				case float64:
					v[k] = x + n
					changed++
					continue
				}
			}
			changed += bumpTallies(e, candidate, n)
		}
	case []any:
		for _, e := range v {
			changed += bumpTallies(e, candidate, n)
		}
	}
	return changed
}

func TestInsiderReplay(t *testing.T) {
	ctx := context.Background()
	x := verifytest.New(t)
	x.PublishMinneapolis()
	orig := x.Export()
	if rep := run(t, orig, verify.Options{}); !rep.OK() {
		t.Fatal("the untouched package does not verify")
	}
	ev := readEvidence(t, orig)
	tab := ev.Tabulations[0]
	olga := x.User("olga")

	t.Run("1 edit a tally in the database and republish", func(t *testing.T) {
		// The tally the office publishes is the tabulation's summary,
		// which the tabulation record in the database points to. The
		// insider writes a forged summary (10,000 more votes for MARK
		// ANDREW in every round, and him as winner) into the file store
		// and points the database record at it.
		db := insiderDB(t, x)
		var data []byte
		if err := db.QueryRow(`SELECT data FROM records WHERE kind = 'tabulation' AND id = ?`, tab.ID).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var rec map[string]any
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatal(err)
		}
		summarySHA := rec["summary"].(map[string]any)["sha256"].(string)
		raw, err := os.ReadFile(filepath.Join(x.Dir, "files", "sha256", summarySHA))
		if err != nil {
			t.Fatal(err)
		}
		var summary map[string]any
		if err := json.Unmarshal(raw, &summary); err != nil {
			t.Fatal(err)
		}
		if n := bumpTallies(summary, "MARK ANDREW", 10000); n == 0 {
			t.Fatal("no tally of MARK ANDREW in the summary")
		}
		summary["contests"].([]any)[0].(map[string]any)["winners"] = []any{"MARK ANDREW"}
		forged, _ := json.Marshal(summary)
		sum := sha256.Sum256(forged)
		forgedSHA := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(x.Dir, "files", "sha256", forgedSHA), forged, 0o644); err != nil {
			t.Fatal(err)
		}
		rec["summary"] = map[string]any{"sha256": forgedSHA, "size": len(forged), "name": rec["summary"].(map[string]any)["name"]}
		data, _ = json.Marshal(rec)
		if r, err := db.Exec(`UPDATE records SET data = ? WHERE kind = 'tabulation' AND id = ?`, data, tab.ID); err != nil {
			t.Fatal(err)
		} else if n, _ := r.RowsAffected(); n != 1 {
			t.Fatalf("%d rows updated", n)
		}

		// Republishing is a two-person request: the insider's own
		// signature leaves it pending, and signing again is refused.
		q, err := x.O.RequestPublication(ctx, olga, x.Election, tab.ID)
		if err != nil {
			t.Fatal(err)
		}
		q, err = x.O.Sign(ctx, olga, q.ID, x.SignAs("olga", q.SignText))
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != "pending" {
			t.Fatalf("after one signature the republication is %s", q.Status)
		}
		if _, err := x.O.Sign(ctx, olga, q.ID, x.SignAs("olga", q.SignText)); err == nil || !strings.Contains(err.Error(), "second person") {
			t.Fatalf("the insider's second signature: %v", err)
		}

		// Even if pat is fooled into approving what the screen shows, the
		// published result no longer follows from the committed CVRs.
		q, err = x.O.Sign(ctx, x.User("pat"), q.ID, x.SignAs("pat", q.SignText))
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != "done" {
			t.Fatalf("after two signatures the republication is %s", q.Status)
		}
		rep := run(t, x.Export(), verify.Options{})
		for _, n := range []int{verify.ClaimLog, verify.ClaimFiles, verify.ClaimTwoPerson} {
			if c := rep.Claim(n); c.Status != verify.OK {
				t.Errorf("claim %d: %+v", n, c)
			}
		}
		claimOf(t, rep, verify.ClaimTabulation)
	})

	cvr := tab.Inputs[1]
	if !strings.HasSuffix(cvr.Name, ".xlsx") {
		t.Fatalf("second input is %s", cvr.Name)
	}
	t.Run("2 replace a CVR file in the file store", func(t *testing.T) {
		p := filepath.Join(x.Dir, "files", "sha256", cvr.SHA256)
		old, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(p)
		defer func() { // undo, for the steps that follow
			os.WriteFile(p, old, 0o644)
			os.Chmod(p, st.Mode().Perm())
		}()
		b := bytes.Clone(old)
		b[len(b)/2] ^= 1
		os.Chmod(p, 0o644) // root can
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c := claimOf(t, run(t, x.Export(), verify.Options{}), verify.ClaimFiles)
		if !strings.Contains(c.Detail, cvr.SHA256) || !strings.Contains(c.Detail, "altered") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	// pending has olga request a republication and sign it: the one
	// approval the insider can give herself.
	pending := func(t *testing.T) *office.RequestView {
		t.Helper()
		q, err := x.O.RequestPublication(ctx, olga, x.Election, tab.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q, err = x.O.Sign(ctx, olga, q.ID, x.SignAs("olga", q.SignText)); err != nil {
			t.Fatal(err)
		}
		if q.Status != "pending" {
			t.Fatalf("after one signature the request is %s", q.Status)
		}
		return q
	}
	publications := func(pkg string) int { return len(readEvidence(t, pkg).Publications) }
	before := publications(x.Export())

	t.Run("3 insert a second approval into the database", func(t *testing.T) {
		q := pending(t)
		db := insiderDB(t, x)
		var data []byte
		if err := db.QueryRow(`SELECT data FROM records WHERE kind = 'request' AND id = ?`, q.ID).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var rec map[string]any
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatal(err)
		}
		// The insider has no key of pat's: she signs with her own and
		// writes pat's name beside it, and marks the request done.
		rec["signatures"] = append(rec["signatures"].([]any), map[string]any{"signer": "pat", "signature": x.SignAs("olga", q.SignText)})
		rec["status"] = "done"
		data, _ = json.Marshal(rec)
		if _, err := db.Exec(`UPDATE records SET data = ? WHERE kind = 'request' AND id = ?`, data, q.ID); err != nil {
			t.Fatal(err)
		}
		if v, err := x.O.Request(ctx, olga, q.ID); err != nil || v.Status != "done" {
			t.Fatalf("the edit did not reach the database: %+v, %v", v, err)
		}

		// The evidence comes from the log, which never saw the approval.
		pkg := x.Export()
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimTwoPerson); c.Status != verify.OK {
			t.Errorf("two-person claim: %+v", c)
		}
		if n := publications(pkg); n != before {
			t.Errorf("%d publications, want %d", n, before)
		}
		for _, r := range readEvidence(t, pkg).Requests {
			if r.ID == q.ID && (len(r.Signatures) != 1 || r.Executed != nil) {
				t.Errorf("the package shows request %s with %d signatures, executed %v", q.ID, len(r.Signatures), r.Executed)
			}
		}

		// The database is a projection of the log: rebuilt from the log, it
		// drops the inserted approval.
		reb := filepath.Join(t.TempDir(), "data")
		copyTree(t, x.Dir, reb, func(rel string) bool {
			return !strings.HasPrefix(rel, office.DefaultDBName) && !strings.HasSuffix(rel, ".lock")
		})
		st, err := sqlite.Open(ctx, filepath.Join(reb, office.DefaultDBName))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := office.Rebuild(ctx, reb, st); err != nil {
			t.Fatal(err)
		}
		r, err := st.Get(ctx, "request", q.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Status     string             `json:"status"`
			Signatures []office.Signature `json:"signatures"`
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != "pending" || len(got.Signatures) != 1 || got.Signatures[0].Signer != "olga" {
			t.Errorf("rebuilt request: %+v", got)
		}
	})

	t.Run("4 append a forged approval to the log with the log key", func(t *testing.T) {
		q := pending(t)
		var olgaSig string
		if v, err := x.O.Request(ctx, olga, q.ID); err != nil {
			t.Fatal(err)
		} else {
			olgaSig = v.Signatures[0].Signature
		}
		// The genuine publication's request-executed entry, as a model.
		lg, _ := packageEntries(t, orig)
		var model map[string]any
		for _, e := range lg.Entries {
			var m map[string]any
			if err := json.Unmarshal(e, &m); err != nil {
				t.Fatal(err)
			}
			if p, ok := m["Payload"].(map[string]any); ok && m["Type"] == "request-executed" && p["request"] == ev.Publications[0].Request {
				model = p
			}
		}
		if model == nil {
			t.Fatal("no request-executed entry for the publication")
		}
		// pat's signature, forged with a new key that carries pat's name.
		skey, _, err := note.GenerateKey(rand.Reader, "pat")
		if err != nil {
			t.Fatal(err)
		}
		signer, _ := note.NewSigner(skey)
		forged, _ := note.Sign(&note.Note{Text: q.SignText}, signer)
		model = ints(model).(map[string]any)
		model["request"] = q.ID
		model["signers"] = []any{"olga", "pat"}
		model["signatures"] = []any{olgaSig, string(forged)}

		// The insider appends it to the office's log (here a copy of the
		// data directory, so the live office keeps its lock) and re-signs
		// the checkpoint with the log key.
		dir := filepath.Join(t.TempDir(), "data")
		copyTree(t, x.Dir, dir, func(rel string) bool {
			return !strings.HasPrefix(rel, office.DefaultDBName) && !strings.HasSuffix(rel, ".lock")
		})
		logDir := filepath.Join(dir, "log")
		key, err := ledger.ReadKeyFile(filepath.Join(dir, "keys", "log.key"), logDir)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.OpenDir(ctx, logDir, key, ledger.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(ctx, []ledger.Event{{Type: "request-executed", Disposition: "success", UserID: "pat", Payload: model}}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		l.Close()
		pkg := filepath.Join(t.TempDir(), "evidence")
		if err := office.ExportEvidence(ctx, dir, x.Election, pkg); err != nil {
			t.Fatal(err)
		}
		rep := run(t, pkg, verify.Options{})
		if c := rep.Claim(verify.ClaimLog); c.Status != verify.OK {
			t.Errorf("log: %+v (the forgery is validly signed by the log key)", c)
		}
		c := claimOf(t, rep, verify.ClaimTwoPerson)
		if !strings.Contains(c.Detail, q.ID) || !strings.Contains(c.Detail, "pat") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("5 truncate the log and re-sign it", func(t *testing.T) {
		// As TestTamper's "truncated log re-signed with the log key" and
		// "truncated log re-signed, checked against a witness policy": a
		// verifier that remembers a checkpoint (--state) sees the rollback.
		cur := x.Export()
		state, err := os.ReadFile(filepath.Join(cur, "log", "checkpoint"))
		if err != nil {
			t.Fatal(err)
		}
		pkg := copyDir(t, cur)
		lg, _ := packageEntries(t, pkg)
		relog(t, x, pkg, lg.Entries[:len(lg.Entries)-3])
		c := claimOf(t, run(t, pkg, verify.Options{State: state}), verify.ClaimLog)
		if !strings.Contains(c.Detail, "rollback") {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("6 publish without a second signature", func(t *testing.T) {
		q := pending(t)
		// Her own second signature is refused, and so is a signature by a
		// key that is not hers.
		if _, err := x.O.Sign(ctx, olga, q.ID, x.SignAs("olga", q.SignText)); err == nil || !strings.Contains(err.Error(), "second person") {
			t.Errorf("second signature by the same person: %v", err)
		}
		if _, err := x.O.Sign(ctx, olga, q.ID, x.SignAs("bob", q.SignText)); err == nil {
			t.Error("a signature by someone else's key on olga's account was accepted")
		}
		if v, err := x.O.Request(ctx, olga, q.ID); err != nil || v.Status != "pending" {
			t.Errorf("request after the refusals: %+v, %v", v, err)
		}
		if n := publications(x.Export()); n != before {
			t.Errorf("%d publications, want %d", n, before)
		}
	})

	t.Run("9 run a modified canvass binary", func(t *testing.T) {
		// The modified binary starts and logs its own hash, as every
		// canvass process does; no software-install request approved it.
		modified := strings.Repeat("cd", 32)
		if err := x.O.ServiceStart(ctx, "canvass modified", modified, ""); err != nil {
			t.Fatal(err)
		}
		c := claimOf(t, run(t, x.Export(), verify.Options{}), verify.ClaimSoftware)
		if !strings.Contains(c.Detail, modified) {
			t.Errorf("detail %q", c.Detail)
		}
	})

	t.Run("11 copy the database and file store", func(t *testing.T) {
		// The insider copies everything but the keys directory: the
		// database (with its WAL), the file store and the log.
		cp := filepath.Join(t.TempDir(), "copy")
		copyTree(t, x.Dir, cp, func(rel string) bool {
			return !strings.HasPrefix(rel, "keys"+string(filepath.Separator)) && !strings.HasSuffix(rel, ".lock")
		})
		db, err := sql.Open("sqlite", filepath.Join(cp, office.DefaultDBName))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		wrong := make([]byte, auth.SealKeySize)
		rand.Read(wrong)
		guess, err := auth.NewSealer(wrong)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT user_name, data FROM secrets`)
		if err != nil {
			t.Fatal(err)
		}
		type secret struct {
			PasswordHash string `json:"password_hash"`
			TOTPSealed   []byte `json:"totp_sealed"`
		}
		secrets := map[string]secret{}
		for rows.Next() {
			var name string
			var data []byte
			if err := rows.Scan(&name, &data); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(name, "request-result/") {
				// A new user's enrollment code, sealed whole.
				if _, err := guess.Open(data, []byte(name)); err == nil {
					t.Errorf("%s opens without the seal key", name)
				}
				continue
			}
			var s secret
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			secrets[name] = s
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		keyHex, err := os.ReadFile(filepath.Join(x.Dir, "keys", "seal.key"))
		if err != nil {
			t.Fatal(err)
		}
		key, err := hex.DecodeString(strings.TrimSpace(string(keyHex)))
		if err != nil {
			t.Fatal(err)
		}
		server, err := auth.NewSealer(key)
		if err != nil {
			t.Fatal(err)
		}
		var all [][]byte // every file of the copy
		copyTree(t, cp, t.TempDir(), func(rel string) bool {
			b, err := os.ReadFile(filepath.Join(cp, rel))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b)
			return false
		})
		found := func(needle []byte) string {
			for _, b := range all {
				if bytes.Contains(b, needle) {
					return string(needle)
				}
			}
			return ""
		}
		for _, name := range []string{"ada", "bob", "olga", "pat"} {
			s, ok := secrets[name]
			if !ok {
				t.Errorf("no secret for %s", name)
				continue
			}
			if !strings.HasPrefix(s.PasswordHash, "$argon2id$v=19$") {
				t.Errorf("%s: password stored as %.12q…, not an argon2id PHC string", name, s.PasswordHash)
			}
			if _, err := guess.Open(s.TOTPSealed, []byte(name)); err == nil {
				t.Errorf("%s: the sealed TOTP seed opens without the seal key", name)
			}
			seed := x.TOTPSeed(name)
			if got, err := server.Open(s.TOTPSealed, []byte(name)); err != nil || !bytes.Equal(got, seed) {
				t.Errorf("%s: the sealed seed does not open to the seed with the seal key: %v", name, err)
			}
			b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed)
			for _, needle := range [][]byte{seed, []byte(b32), []byte(strings.ToLower(b32)), []byte(hex.EncodeToString(seed)),
				[]byte(base64.StdEncoding.EncodeToString(seed)), []byte(x.Password(name))} {
				if f := found(needle); f != "" {
					t.Errorf("%s: %q appears in the copy", name, f)
				}
			}
		}
	})
}

// ints turns the whole float64 numbers of a decoded JSON value into int64,
// as the log's canonical encoding wants them.
func ints(v any) any {
	switch v := v.(type) {
	case float64:
		return int64(v)
	case []any:
		for i, e := range v {
			v[i] = ints(e)
		}
	case map[string]any:
		for k, e := range v {
			v[k] = ints(e)
		}
	}
	return v
}

// copyTree copies the files under from whose relative paths keep accepts.
func copyTree(t *testing.T, from, to string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		if !keep(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		return os.WriteFile(filepath.Join(to, rel), b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
