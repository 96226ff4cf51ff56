package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// TestEveryStoreMethodIsObserved: the decorator Observe returns makes every
// method of the contract that takes a context through the observer; a
// method added to the contract fails this until `go generate
// ./internal/store/` is run, so no call escapes tracing and metrics.
func TestEveryStoreMethodIsObserved(t *testing.T) {
	st := reflect.TypeFor[Store]()
	var want []string
	for i := range st.NumMethod() {
		m := st.Method(i)
		if m.Type.NumIn() > 0 && m.Type.In(0) == reflect.TypeFor[context.Context]() {
			want = append(want, m.Name)
		}
	}
	got := slices.Clone(observedMethods)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("observed store methods %v, the contract has %v: run go generate ./internal/store/", got, want)
	}
}

type observedKey struct{}

// readyStore is a Store whose Ready fails and says which context it ran in.
type readyStore struct {
	Store
	ranIn *context.Context
}

var errNotReady = errors.New("not ready")

func (s readyStore) Ready(ctx context.Context) error {
	*s.ranIn = ctx
	return errNotReady
}

// callLog records what an Observer saw.
type callLog struct{ calls, ends []string }

func (l *callLog) Begin(ctx context.Context, method string) (context.Context, func(error)) {
	l.calls = append(l.calls, method)
	return context.WithValue(ctx, observedKey{}, method), func(err error) {
		l.ends = append(l.ends, method+": "+errString(err))
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// TestObservedCallRunsInTheObserversContextAndReportsItsError: the call
// runs in the context Begin returned (the span's), its result reaches the
// caller unchanged, and end sees its error.
func TestObservedCallRunsInTheObserversContextAndReportsItsError(t *testing.T) {
	var ranIn context.Context
	var log callLog
	db := Observe(readyStore{ranIn: &ranIn}, &log)
	if err := db.Ready(context.Background()); !errors.Is(err, errNotReady) {
		t.Fatalf("Ready = %v, want the store's own error", err)
	}
	if ranIn == nil || ranIn.Value(observedKey{}) != "Ready" {
		t.Error("the call did not run in the context the observer returned")
	}
	if !slices.Equal(log.calls, []string{"Ready"}) || !slices.Equal(log.ends, []string{"Ready: not ready"}) {
		t.Errorf("observer saw calls %v, ends %v", log.calls, log.ends)
	}
	if Observe(readyStore{ranIn: &ranIn}, nil) != (readyStore{ranIn: &ranIn}) {
		t.Error("Observe with no observer must return the store itself")
	}
}
