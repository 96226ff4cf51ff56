package store

import "context"

//go:generate go run gen_observed.go

// Observer watches the calls made through a Store that Observe wraps:
// tracing puts each in a span, metrics time and count them.
type Observer interface {
	// Begin is called before a call of method (the Store method's name)
	// with the caller's context. The call runs in the context Begin
	// returns, and end is called with the call's error (nil for a method
	// that returns none) once it returned.
	Begin(ctx context.Context, method string) (_ context.Context, end func(err error))
}

// Observe returns db with every call of a method that takes a context
// made through o; db itself when o is nil. observed_gen.go holds the
// methods, generated from the Store contract: run `go generate
// ./internal/store/` after the contract changed
// (TestEveryStoreMethodIsObserved says when).
func Observe(db Store, o Observer) Store {
	if o == nil || db == nil {
		return db
	}
	return &observedStore{Store: db, o: o}
}

// observedStore is the decorator Observe returns.
type observedStore struct {
	Store
	o Observer
}
