package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// incAudit fills a fresh store with legacy (unhashed) entries, as the app
// wrote before migration 012, then hashed ones through the store's API.
func incAudit(t *testing.T, legacy, events int) (*store.DB, []store.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	db := MustOpenDB(t)
	for i := range legacy {
		if err := store.IssHookExec(ctx, db, `INSERT INTO audit_log (id, timestamp, action, details) VALUES (?, '2024-01-01 00:00:00', 'legacy', '{}')`,
			fmt.Sprint("legacy-", i)); err != nil {
			t.Fatal(err)
		}
	}
	is := incIssue(t, db, "audited")
	for i := range events - 1 {
		if _, err := db.AddTimelineEvent(ctx, is.ID, "note", fmt.Sprint("event ", i), map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.FindAuditEntries(ctx, store.AuditFilter{Limit: 1000})
	if err != nil || len(all) != legacy+events {
		t.Fatalf("%d entries (%v), want %d", len(all), err, legacy+events)
	}
	return db, all
}

func verify(t *testing.T, db *store.DB) store.ChainReport {
	t.Helper()
	rep, err := db.VerifyAuditChain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestDB_VerifyAuditChain(t *testing.T) {
	ctx := context.Background()
	const legacy, events = 3, 60
	db, all := incAudit(t, legacy, events)

	t.Run("Intact", func(t *testing.T) {
		rep := verify(t, db)
		if rep.BrokenAt != nil || rep.Entries != legacy+events || rep.Legacy != legacy {
			t.Fatalf("report %+v", rep)
		}
		if all[legacy].PrevHash != "" {
			t.Errorf("first hashed entry links to %q, want the empty start", all[legacy].PrevHash)
		}
		for i := legacy + 1; i < len(all); i++ {
			if all[i].PrevHash != all[i-1].EntryHash {
				t.Fatalf("entry %d does not link to %d", i, i-1)
			}
		}
	})
	// Each edit is detected at the edited entry, then undone.
	victim := all[legacy+20]
	for _, tc := range []struct{ col, val string }{
		{"details", `{"tampered":true}`},
		{"action", "log_uploaded"},
		{"timestamp", "2020-01-01 00:00:00"},
		{"entity_id", "another-issue"},
		{"user_id", "mallory"},
		{"entry_hash", strings.Repeat("0", 64)},
	} {
		t.Run("Edited/"+tc.col, func(t *testing.T) {
			orig, err := store.IssHookString(ctx, db, `SELECT `+tc.col+` FROM audit_log WHERE id = ?`, victim.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.IssHookExec(ctx, db, `UPDATE audit_log SET `+tc.col+` = ? WHERE id = ?`, tc.val, victim.ID); err != nil {
				t.Fatal(err)
			}
			rep := verify(t, db)
			if rep.BrokenAt == nil || rep.BrokenAt.ID != victim.ID || !strings.Contains(rep.Reason, "edited") {
				t.Errorf("edit of %s: report %+v, want broken at %s", tc.col, rep, victim.ID)
			}
			if err := store.IssHookExec(ctx, db, `UPDATE audit_log SET `+tc.col+` = ? WHERE id = ?`, orig, victim.ID); err != nil {
				t.Fatal(err)
			}
			if rep := verify(t, db); rep.BrokenAt != nil {
				t.Fatalf("restored chain broken: %+v", rep)
			}
		})
	}
	t.Run("EditedAndRehashed", func(t *testing.T) {
		// Recomputing the edited entry's own hash moves the break to the
		// next entry, whose prev_hash no longer matches.
		e := victim
		e.Details = `{"tampered":true}`
		e.EntryHash = incHashEntry(e)
		if err := store.IssHookExec(ctx, db, `UPDATE audit_log SET details = ?, entry_hash = ? WHERE id = ?`, e.Details, e.EntryHash, e.ID); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, db)
		if next := all[legacy+21]; rep.BrokenAt == nil || rep.BrokenAt.ID != next.ID || !strings.Contains(rep.Reason, "removed or reordered") {
			t.Errorf("report %+v, want broken at %s", rep, next.ID)
		}
		if err := store.IssHookExec(ctx, db, `UPDATE audit_log SET details = ?, entry_hash = ? WHERE id = ?`, victim.Details, victim.EntryHash, e.ID); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, db); rep.BrokenAt != nil {
			t.Fatalf("restored chain broken: %+v", rep)
		}
	})
	t.Run("DeletedMiddle", func(t *testing.T) {
		if err := store.IssHookExec(ctx, db, `DELETE FROM audit_log WHERE id = ?`, all[legacy+30].ID); err != nil {
			t.Fatal(err)
		}
		rep := verify(t, db)
		if next := all[legacy+31]; rep.BrokenAt == nil || rep.BrokenAt.ID != next.ID || !strings.Contains(rep.Reason, "removed") {
			t.Errorf("report %+v, want broken at %s", rep, next.ID)
		}
		if rep.Entries != legacy+31 {
			t.Errorf("stopped after %d entries, want %d", rep.Entries, legacy+31)
		}
	})
}

// incHashEntry restates the chain's hash independently: SHA-256 over
// prev_hash and the fields, each followed by a newline.
func incHashEntry(e store.AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, e.ID, e.Timestamp, e.Action, e.EntityType, e.EntityID, e.UserID, e.Details} {
		h.Write([]byte(f + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDB_VerifyAuditChain_Ends(t *testing.T) {
	ctx := context.Background()
	db, all := incAudit(t, 2, 5)
	t.Run("HashFormat", func(t *testing.T) {
		for _, e := range all[2:] {
			if incHashEntry(e) != e.EntryHash {
				t.Fatalf("entry %s: hash is not SHA-256 over the documented fields", e.ID)
			}
		}
	})
	t.Run("UnhashedAfterStart", func(t *testing.T) {
		if err := store.IssHookExec(ctx, db, `INSERT INTO audit_log (id, action) VALUES ('sneaky', 'note')`); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, db); rep.BrokenAt == nil || rep.BrokenAt.ID != "sneaky" || rep.Legacy != 2 {
			t.Errorf("report %+v, want broken at the unhashed entry", rep)
		}
		if err := store.IssHookExec(ctx, db, `DELETE FROM audit_log WHERE id = 'sneaky'`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AppendedAfterRepairVerifies", func(t *testing.T) {
		if _, err := db.AppendAudit(ctx, "export", "document", "d1", nil); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, db); rep.BrokenAt != nil || rep.Entries != len(all)+1 {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("DeletedFirstHashed", func(t *testing.T) {
		if err := store.IssHookExec(ctx, db, `DELETE FROM audit_log WHERE id = ?`, all[2].ID); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, db); rep.BrokenAt == nil || rep.BrokenAt.ID != all[3].ID || !strings.Contains(rep.Reason, "missing predecessor") {
			t.Errorf("report %+v, want broken at %s", rep, all[3].ID)
		}
	})
}

func TestDB_FindAuditEntries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	a, b := incIssue(t, db, "a"), incIssue(t, db, "b")
	clk.Add(time.Hour)
	for i := range 3 {
		if _, err := db.AddTimelineEvent(ctx, a.ID, "note", fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AppendAudit(ctx, "document_exported", "document", "doc-1", map[string]string{"issue_id": b.ID}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want int
	}{
		{"All", store.AuditFilter{}, 6},
		{"Issue", store.AuditFilter{IssueID: a.ID}, 4},
		{"IssueViaDetails", store.AuditFilter{IssueID: b.ID}, 2},
		{"Entity", store.AuditFilter{EntityID: "doc-1"}, 1},
		{"Action", store.AuditFilter{Action: "note"}, 3},
		{"Since", store.AuditFilter{Since: t0.Add(30 * time.Minute)}, 4},
		{"Limit", store.AuditFilter{Limit: 2}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.FindAuditEntries(ctx, tc.f)
			if err != nil || len(got) != tc.want {
				t.Errorf("%d entries (%v), want %d", len(got), err, tc.want)
			}
		})
	}
}
