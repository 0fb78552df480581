package witnessdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"

	"golang.org/x/mod/sumdb/note"
)

// The crash tests re-execute the test binary as a child witness (see
// TestMain) and kill it with SIGKILL at random moments.
const (
	crashModeEnv = "CANVASS_WITNESS_CRASH_CHILD" // "http" or "store"
	crashDBEnv   = "CANVASS_WITNESS_CRASH_DB"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(crashModeEnv); mode != "" {
		if err := crashChild(mode, os.Getenv(crashDBEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childTB satisfies the helpers' testing.TB needs in the child process.
type childTB struct{ testing.TB }

func (childTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (childTB) Helper()           {}

// crashChild runs until killed. In "http" mode it serves the witness on a
// loopback port and prints "listening <addr>". In "store" mode it advances
// the stored checkpoint in a tight loop through the server core and prints
// "cosigned <size>" after each cosignature is returned.
func crashChild(mode, db string) error {
	store, err := Open(db)
	if err != nil {
		return err
	}
	tb := childTB{}
	l := witnesstesting.NewLog(tb, origin)
	list, err := witness.ParseLogList([]byte("log " + l.VKey + "\n"))
	if err != nil {
		return err
	}
	srv, err := witness.NewServer(witness.Config{Cosigner: witnesstesting.NewCosigner(tb, "witness.example/w1"), Logs: list, Store: store})
	if err != nil {
		return err
	}
	switch mode {
	case "http":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Printf("listening %s\n", ln.Addr())
		return srv.HTTPServer("", witness.DefaultTimeouts).Serve(ln)
	case "store":
		st, _, err := store.Latest(context.Background(), origin)
		if err != nil {
			return err
		}
		size := int64(st.Size)
		for {
			next := size + 1 + rand.Int64N(3)
			if _, err := srv.AddCheckpoint(context.Background(), l.Request(size, next)); err != nil {
				return err
			}
			fmt.Printf("cosigned %d\n", next)
			size = next
		}
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// startCrashChild starts the child and returns it with its stdout lines.
func startCrashChild(t *testing.T, mode, db string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashModeEnv+"="+mode, crashDBEnv+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	cmd.Wait()
}

// checkStoredAfterCrash reopens the database (which runs SQLite's
// integrity check) and checks that the stored checkpoint is one of the
// allowed sizes and is a complete, valid cosigned checkpoint.
func checkStoredAfterCrash(t *testing.T, db string, l *witnesstesting.Log, w *witness.Cosigner, allowed ...int64) int64 {
	t.Helper()
	s, err := Open(db)
	if err != nil {
		t.Fatalf("database does not reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	st, found, err := s.Latest(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		if allowed[0] != 0 {
			t.Fatalf("no state after the witness acknowledged size %d", allowed[0])
		}
		return 0
	}
	ok := false
	for _, a := range allowed {
		ok = ok || int64(st.Size) == a
	}
	if !ok {
		t.Fatalf("stored size %d after SIGKILL; want one of %v (last acknowledged, in flight)", st.Size, allowed)
	}
	if st.Hash != l.Root(int64(st.Size)) {
		t.Fatalf("stored root for size %d is wrong", st.Size)
	}
	logV, _ := note.NewVerifier(l.VKey)
	if _, err := note.Open(st.Checkpoint, note.VerifierList(logV, w.Verifier())); err != nil {
		t.Fatalf("stored checkpoint does not verify: %v", err)
	}
	return int64(st.Size)
}

func TestCrashSafetyHTTP(t *testing.T) {
	db := tempDB(t)
	l := witnesstesting.NewLog(t, origin)
	w := witnesstesting.NewCosigner(t, "witness.example/w1")
	client := &http.Client{Timeout: 10 * time.Second}
	acked := int64(0)
	for round := range 6 {
		cmd, out := startCrashChild(t, "http", db)
		if !out.Scan() {
			kill(t, cmd)
			t.Fatal("child did not start")
		}
		addr := strings.TrimPrefix(out.Text(), "listening ")
		deadline := time.Now().Add(time.Duration(20+rand.IntN(200)) * time.Millisecond)
		killed := make(chan struct{})
		go func() {
			time.Sleep(time.Until(deadline))
			cmd.Process.Signal(syscall.SIGKILL)
			close(killed)
		}()
		inflight := acked
		for n := 0; ; n++ {
			inflight = acked + 1 + int64(n%3)
			sigs, err := witness.AddCheckpoint(context.Background(), client, "http://"+addr, uint64(acked), l.Proof(acked, inflight), l.Checkpoint(inflight))
			if err != nil {
				break // killed
			}
			if _, err := witness.CheckCosignature(l.Checkpoint(inflight), sigs, w.Verifier()); err != nil {
				t.Fatal(err)
			}
			acked = inflight
		}
		<-killed
		cmd.Wait()
		stored := checkStoredAfterCrash(t, db, l, w, acked, inflight)
		t.Logf("round %d: acknowledged %d, in flight %d, stored %d", round, acked, inflight, stored)
		acked = stored
	}
	if acked == 0 {
		t.Fatal("no checkpoint was ever cosigned; the test exercised nothing")
	}
}

func TestCrashSafetyStore(t *testing.T) {
	db := tempDB(t)
	l := witnesstesting.NewLog(t, origin)
	w := witnesstesting.NewCosigner(t, "witness.example/w1")
	acked := int64(0)
	for round := range 8 {
		cmd, out := startCrashChild(t, "store", db)
		lines := make(chan int64)
		go func() {
			for out.Scan() {
				n, err := strconv.ParseInt(strings.TrimPrefix(out.Text(), "cosigned "), 10, 64)
				if err != nil {
					panic(err)
				}
				lines <- n
			}
			close(lines)
		}()
		// Start the countdown once the child is writing, so a slow start
		// on a loaded machine does not make the round empty.
		first, ok := <-lines
		if !ok {
			t.Fatal("child exited before cosigning anything")
		}
		acked = first
		timer := time.After(time.Duration(rand.IntN(250)) * time.Millisecond)
	loop:
		for {
			select {
			case n, ok := <-lines:
				if !ok {
					t.Fatal("child exited on its own")
				}
				acked = n
			case <-timer:
				kill(t, cmd)
				for n := range lines { // drain what was printed before death
					acked = n
				}
				break loop
			}
		}
		// The child picks the next size at random, up to 3 leaves ahead.
		stored := checkStoredAfterCrash(t, db, l, w, acked, acked+1, acked+2, acked+3)
		t.Logf("round %d: last cosigned %d, stored %d", round, acked, stored)
		acked = stored
	}
	if acked < 10 {
		t.Fatalf("only %d leaves cosigned across all rounds; the test exercised little", acked)
	}
}
