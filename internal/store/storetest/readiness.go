package storetest

import (
	"context"
	"testing"
)

func testReadyOnAFreshStore(t *testing.T, open Opener) {
	db := open(t)
	for i := range 3 { // repeated probes keep passing
		if err := db.Ready(context.Background()); err != nil {
			t.Fatalf("Ready (probe %d): %v", i+1, err)
		}
	}
}
