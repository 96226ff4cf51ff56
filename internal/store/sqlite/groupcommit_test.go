package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestDuplicateContextsInOneGroupCommitAreRefusedOnce: ids written in the
// same transaction behave as if each had its own: the first call of an id
// is fresh and keeps its records, every later one in the batch is refused,
// and an id already remembered before the batch is refused too.
func TestDuplicateContextsInOneGroupCommitAreRefusedOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	exp := time.Now().Add(10 * time.Minute)
	if fresh, err := db.RememberContext(ctx, "acme", "before", exp, []byte("earlier")); err != nil || !fresh {
		t.Fatalf("setup: %v, %v", fresh, err)
	}
	tests := []struct {
		scenario, tenant, jti, records string
		wantFresh                      bool
	}{
		{scenario: "a new id", tenant: "acme", jti: "a", records: "a-first", wantFresh: true},
		{scenario: "another new id", tenant: "acme", jti: "b", records: "b-first", wantFresh: true},
		{scenario: "the first id again", tenant: "acme", jti: "a", records: "a-second"},
		{scenario: "an id remembered before the batch", tenant: "acme", jti: "before", records: "replayed"},
		{scenario: "the first id of another tenant", tenant: "globex", jti: "a", records: "globex-a", wantFresh: true},
		{scenario: "the first id a third time", tenant: "acme", jti: "a", records: "a-third"},
		{scenario: "the second id again", tenant: "acme", jti: "b", records: "b-second"},
	}
	batch := make([]*rememberCall, len(tests))
	for i, tc := range tests {
		batch[i] = newRememberCall(ctx, tc.tenant, tc.jti, exp, []byte(tc.records))
	}
	db.commitContexts(batch)
	for i, tc := range tests {
		r := <-batch[i].done
		if r.err != nil || r.fresh != tc.wantFresh {
			t.Errorf("%s: fresh %v, %v; want %v", tc.scenario, r.fresh, r.err, tc.wantFresh)
		}
	}
	for _, want := range []struct{ tenant, jti, records string }{
		{"acme", "a", "a-first"}, {"acme", "b", "b-first"}, {"globex", "a", "globex-a"}, {"acme", "before", "earlier"},
	} {
		if got, err := db.ContextRecords(ctx, want.tenant, want.jti, time.Now()); err != nil || string(got) != want.records {
			t.Errorf("records of %s/%s = %q, %v; want %q", want.tenant, want.jti, got, err, want.records)
		}
	}
}

// TestContextWhoseCallerGaveUpBeforeItsCommitIsNotBurned: a caller that
// went away (its request ended) while its id waited for the next commit
// gets its context's error, its id is not written, and the other callers
// of the same batch are answered as usual.
func TestContextWhoseCallerGaveUpBeforeItsCommitIsNotBurned(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	exp := time.Now().Add(10 * time.Minute)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	batch := []*rememberCall{
		newRememberCall(ctx, "acme", "kept-1", exp, nil),
		newRememberCall(gone, "acme", "gave-up", exp, nil),
		newRememberCall(ctx, "acme", "kept-2", exp, nil),
	}
	db.commitContexts(batch)
	for i, wantErr := range []error{nil, context.Canceled, nil} {
		r := <-batch[i].done
		if !errors.Is(r.err, wantErr) || r.fresh != (wantErr == nil) {
			t.Errorf("call %d: fresh %v, %v; want error %v", i, r.fresh, r.err, wantErr)
		}
	}
	if fresh, err := db.RememberJTI(ctx, "acme", "gave-up", exp); err != nil || !fresh {
		t.Fatalf("the id of the caller that gave up was burned (fresh %v, %v)", fresh, err)
	}
	if fresh, err := db.RememberJTI(ctx, "acme", "kept-1", exp); err != nil || fresh {
		t.Fatalf("an id of the same batch was not kept (fresh %v, %v)", fresh, err)
	}
}

// crashDBEnv names, in the child process of
// TestContextAnsweredFreshStaysRefusedAfterACrash, the database it writes
// before it kills itself.
const crashDBEnv = "SNAPBRIDGE_TEST_CRASH_DB"

// TestContextAnsweredFreshStaysRefusedAfterACrash: a process remembering
// context ids from many goroutines at once (so they share commits) is
// killed (SIGKILL, no Close) while commits are under way; every id it had
// answered fresh before it died is refused after the database is opened
// again: no context accepted once can be accepted twice after a crash.
func TestContextAnsweredFreshStaysRefusedAfterACrash(t *testing.T) {
	if path := os.Getenv(crashDBEnv); path != "" {
		rememberUntilKilled(path)
		return
	}
	_, path := openTestDB(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestContextAnsweredFreshStaysRefusedAfterACrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child did not die by SIGKILL: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	var answered []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "fresh "); ok {
			answered = append(answered, id)
		}
	}
	if len(answered) < crashAfter {
		t.Fatalf("the child answered %d ids fresh before it died, want at least %d:\n%s", len(answered), crashAfter, stderr.Bytes())
	}
	db := openReplayDB(t, path)
	for _, id := range answered {
		if fresh, err := db.RememberJTI(context.Background(), "acme", id, time.Now().Add(time.Hour)); err != nil || fresh {
			t.Errorf("id %s answered fresh before the crash is fresh again after it (%v, %v)", id, fresh, err)
		}
	}
}

// crashAfter is how many fresh answers the child gives before it kills
// itself.
const crashAfter = 300

// rememberUntilKilled remembers ids from 32 goroutines, prints each id
// answered fresh, and kills its own process after crashAfter answers,
// while the other goroutines' commits are under way.
func rememberUntilKilled(path string) {
	db, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var answers atomic.Int64
	var print sync.Mutex
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("g%d-%d", g, i)
				fresh, err := db.RememberJTI(context.Background(), "acme", id, time.Now().Add(time.Hour))
				if err != nil || !fresh {
					fmt.Fprintf(os.Stderr, "RememberJTI(%s) = %v, %v\n", id, fresh, err)
					os.Exit(2)
				}
				print.Lock()
				fmt.Fprintf(os.Stdout, "fresh %s\n", id)
				print.Unlock()
				if answers.Add(1) == crashAfter {
					_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkRememberContextParallel remembers fresh ids with records the
// size of a one-record session's from 64 goroutines at once, as a busy
// instance does.
func BenchmarkRememberContextParallel(b *testing.B) {
	path := b.TempDir() + "/bench.db"
	db, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	records := bytes.Repeat([]byte("r"), 300)
	exp := time.Now().Add(time.Hour)
	var next atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("jti-%d-%x", next.Add(1), time.Now().UnixNano())
			if fresh, err := db.RememberContext(context.Background(), "demo", id, exp, records); err != nil || !fresh {
				b.Errorf("RememberContext = %v, %v", fresh, err)
				return
			}
		}
	})
}
