package store

import (
	"context"
	"testing"
	"time"
)

// TestDB_AcquireSearchSlot: a lone search gets the shared slots and the
// last core's; with two searches running, only the shared ones; the shared
// slots are taken first.
func TestDB_AcquireSearchSlot(t *testing.T) {
	db := &DB{searchSlots: make(chan struct{}, 1), searchSolo: make(chan struct{}, 1)}
	soon := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	db.searches.Store(1)
	if s := db.acquireSearchSlot(soon()); s != db.searchSlots {
		t.Fatalf("first slot of a lone search is not a shared one")
	}
	if s := db.acquireSearchSlot(soon()); s != db.searchSolo {
		t.Fatalf("a lone search did not get the last core's slot")
	}
	if s := db.acquireSearchSlot(soon()); s != nil {
		t.Fatalf("a third slot on two cores")
	}
	<-db.searchSolo
	<-db.searchSlots

	db.searches.Store(2)
	if s := db.acquireSearchSlot(soon()); s != db.searchSlots {
		t.Fatalf("no shared slot with two searches")
	}
	if s := db.acquireSearchSlot(soon()); s != nil {
		t.Fatalf("two searches together took the last core's slot")
	}
	<-db.searchSlots
}
