package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// maxContextBatch bounds how many context ids one group commit writes, so
// that other statements waiting for the database's one connection wait for
// one short transaction at most.
const maxContextBatch = 256

// contextWriter remembers context ids by group commit. SQLite commits one
// transaction at a time, and a commit (appending the changed pages to the
// WAL, now and then a checkpoint) costs far more than the upsert inside
// it; under load most of a session's time went into waiting for the
// commits of the sessions before it. So the ids that arrive while a
// commit runs wait in a queue and the next transaction writes them all:
// one upsert each, in the order they came, then one commit, after which
// each caller gets its own answer. Nothing waits for a batch to fill: a
// lone caller is written at once. Every answer is given after the commit
// holding its row returned, so an id answered fresh is in the WAL before
// the session is issued and stays refused after a crash of the process.
//
// The writer is a goroutine that runs while the queue is not empty and
// ends when it is, so there is nothing to stop: after Close its
// statements fail and every waiting caller gets that error.
type contextWriter struct {
	mu      sync.Mutex
	queue   []*rememberCall
	writing bool
}

// rememberCall is one RememberContext waiting for its group commit.
type rememberCall struct {
	ctx         context.Context
	tenant, jti string
	exp         int64
	records     []byte
	done        chan rememberResult // buffered: the writer never blocks
}

type rememberResult struct {
	fresh bool
	err   error
}

// remember queues c, starts the writer if none runs, and waits for c's
// answer or for ctx to end. A caller that stops waiting may still have its
// id written by the commit under way: its context is then refused, never
// accepted twice.
func (db *DB) remember(ctx context.Context, c *rememberCall) (bool, error) {
	w := &db.contexts
	w.mu.Lock()
	w.queue = append(w.queue, c)
	start := !w.writing
	w.writing = true
	w.mu.Unlock()
	if start {
		go db.writeContexts()
	}
	select {
	case r := <-c.done:
		return r.fresh, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// writeContexts commits the queue in batches until it is empty.
func (db *DB) writeContexts() {
	w := &db.contexts
	for {
		// Let the handlers that are already running reach their own
		// RememberContext first: a commit costs about as much as the rows
		// in it, so a larger batch means less work per session. Nothing
		// waits when nothing else runs.
		runtime.Gosched()
		w.mu.Lock()
		n := min(len(w.queue), maxContextBatch)
		if n == 0 {
			w.writing = false
			w.queue = nil
			w.mu.Unlock()
			return
		}
		batch := w.queue[:n:n]
		w.queue = w.queue[n:]
		w.mu.Unlock()
		db.commitContexts(batch)
	}
}

// commitContexts writes batch in one transaction and answers every call
// in it. Should the transaction fail, each call is tried again in a
// transaction of its own, so that one bad row fails only its own caller.
func (db *DB) commitContexts(batch []*rememberCall) {
	live := batch[:0:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.done <- rememberResult{err: err}
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	fresh, err := db.upsertContexts(live)
	if err != nil && len(live) > 1 {
		for _, c := range live {
			db.commitContexts([]*rememberCall{c})
		}
		return
	}
	for i, c := range live {
		if err != nil {
			c.done <- rememberResult{err: err}
			continue
		}
		c.done <- rememberResult{fresh: fresh[i]}
	}
}

// upsertContexts runs rememberContext for every call of batch, in order,
// in one transaction, and reports which rows were fresh once it committed.
// A second call with the same id in one batch sees the row the first one
// wrote, so it is refused as it would be in a transaction of its own.
func (db *DB) upsertContexts(batch []*rememberCall) ([]bool, error) {
	// The transaction belongs to every caller in it: one caller going
	// away must not roll back the others' rows.
	ctx := context.Background()
	st, err := db.prepared(ctx, rememberContext)
	if err != nil {
		return nil, fmt.Errorf("remember jti: %w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("remember jti: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	txst := tx.StmtContext(ctx, st)
	now := time.Now().Unix()
	fresh := make([]bool, len(batch))
	for i, c := range batch {
		res, err := txst.ExecContext(ctx, c.tenant, c.jti, c.exp, c.records, now)
		if err != nil {
			return nil, fmt.Errorf("remember jti for tenant %s: %w", c.tenant, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("remember jti for tenant %s: %w", c.tenant, err)
		}
		fresh[i] = n == 1
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("remember jti: commit: %w", err)
	}
	return fresh, nil
}

// newRememberCall builds the queued form of one RememberContext.
func newRememberCall(ctx context.Context, tenant, jti string, exp time.Time, records []byte) *rememberCall {
	if records == nil {
		records = []byte{} // the column is NOT NULL
	}
	return &rememberCall{ctx: ctx, tenant: tenant, jti: jti, exp: store.JTIExpiry(exp), records: records,
		done: make(chan rememberResult, 1)}
}
