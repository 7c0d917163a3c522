package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// Test hooks for the incident and list tests (package store_test).

// IssHookExec runs one statement in a write transaction: the tests use it to
// tamper with rows (audit chain) and to make rows the way the app does.
func IssHookExec(ctx context.Context, db *DB, query string, args ...any) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// IssHookVacuum runs VACUUM, which may renumber the rowids of the app's
// tables (they have no INTEGER PRIMARY KEY).
func IssHookVacuum(ctx context.Context, db *DB) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	_, err := db.w.ExecContext(ctx, `VACUUM`)
	return err
}

// IssHookInt runs a query that returns one integer.
func IssHookInt(ctx context.Context, db *DB, query string, args ...any) (n int64, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(&n)
	})
	return n, err
}

// IssHookString runs a query that returns one string.
func IssHookString(ctx context.Context, db *DB, query string, args ...any) (s string, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(&s)
	})
	return s, err
}

// IssHookQueryPlan returns the EXPLAIN QUERY PLAN details of query.
func IssHookQueryPlan(ctx context.Context, db *DB, query string, args ...any) (plan []string, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		return rows.Err()
	})
	return plan, err
}

// IssHookListLogQuery returns the SQL and arguments by which
// ListAllLogFiles picks a page's ids when it does not use the search index.
func IssHookListLogQuery(f AttachmentFilter) (string, []any, error) {
	lf, err := parseListFilter(logCursorKind, f)
	if err != nil {
		return "", nil, err
	}
	q, args := listIDQuery(logList.view, lf)
	return q, args, nil
}

// IssHookListIDs returns the ids of a page of ListAllLogFiles (or, with
// image, ListAllImageAttachments) found with the search index or with SQL,
// so tests can check that the two agree.
func IssHookListIDs(ctx context.Context, db *DB, f AttachmentFilter, image, useIndex bool) (ids []string, err error) {
	l := logList
	if image {
		l = imageList
	}
	lf, err := parseListFilter(l.kind, f)
	if err != nil {
		return nil, err
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		ids, err = db.listPageIDs(ctx, tx, l, lf, useIndex)
		return err
	})
	return ids, err
}

// IssHookAttachment describes a row IssHookInsertAttachment makes.
type IssHookAttachment struct {
	Image      bool // image_attachments, else log_files
	IssueID    string
	FileName   string
	UploadedAt time.Time
	Meta       bool // also a tftsrmcp_*_meta row (as this project writes); false: as the app does
}

// IssHookInsertAttachment inserts an attachment row directly, with a small
// BLOB, so the incident tests do not depend on the upload code.
func IssHookInsertAttachment(ctx context.Context, db *DB, a IssHookAttachment) (string, error) {
	id := newID()
	err := db.write(ctx, func(tx *sql.Tx) error {
		return insertAttachmentTx(ctx, tx, id, a, []byte("blob "+id))
	})
	return id, err
}

func insertAttachmentTx(ctx context.Context, tx *sql.Tx, id string, a IssHookAttachment, blob []byte) error {
	at := a.UploadedAt.UTC().Format(timeFormat)
	if a.Image {
		if _, err := tx.ExecContext(ctx, `INSERT INTO image_attachments (id, issue_id, file_name, file_size, mime_type, upload_hash, uploaded_at, image_data)
			VALUES (?, ?, ?, ?, 'image/png', ?, ?, ?)`, id, a.IssueID, a.FileName, len(blob), id, at, blob); err != nil {
			return err
		}
		if a.Meta {
			_, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_image_meta (image_id, width, height) VALUES (?, 640, 480)`, id)
			return err
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_files (id, issue_id, file_name, file_size, content_hash, uploaded_at, content_compressed)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, a.IssueID, a.FileName, len(blob), id, at, blob); err != nil {
		return err
	}
	if a.Meta {
		_, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_log_meta (log_file_id, raw_size, line_count, chunk_count, valid_utf8)
			VALUES (?, ?, 42, 1, 0)`, id, len(blob))
		return err
	}
	return nil
}

// IssHookBulk fills the database for the list benchmark in one transaction:
// issues issues, then n log files (or images) spread over them, uploaded
// one every 20 s (three per 20 s tick share a second, to exercise the id
// tie-break) ending at end, each with a ~300-byte BLOB. Names vary by host,
// service and sequence number. It returns the issue ids.
func IssHookBulk(ctx context.Context, db *DB, issues, n int, image bool, end time.Time) ([]string, error) {
	hosts := []string{"web", "db", "cache", "auth", "queue", "edge", "batch", "search"}
	words := []string{"outage", "latency", "disk full", "OOM kill", "cert expiry", "deadlock", "packet loss", "5xx spike"}
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, issues)
	err := db.write(ctx, func(tx *sql.Tx) error {
		isStmt, err := tx.PrepareContext(ctx, `INSERT INTO issues (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer isStmt.Close()
		for i := range ids {
			ids[i] = newID()
			at := end.Add(-time.Duration(issues-i) * time.Hour).UTC().Format(timeFormat)
			title := fmt.Sprintf("INC-%05d %s on %s-%02d", i, words[i%len(words)], hosts[rng.IntN(len(hosts))], rng.IntN(40))
			if _, err := isStmt.ExecContext(ctx, ids[i], title, at, at); err != nil {
				return err
			}
		}
		blob := make([]byte, 300)
		for i := 0; i < n; i++ {
			for j := range blob {
				blob[j] = byte(rng.Uint32())
			}
			a := IssHookAttachment{
				Image:      image,
				IssueID:    ids[rng.IntN(len(ids))],
				UploadedAt: end.Add(-time.Duration((n-i)/3*20) * time.Second),
				Meta:       i%2 == 0,
			}
			ext := ".log"
			if image {
				ext = ".png"
			}
			a.FileName = fmt.Sprintf("%s-%02d_%s_%07d%s", hosts[rng.IntN(len(hosts))], rng.IntN(40),
				[]string{"app", "syslog", "nginx", "postgres", "kube"}[rng.IntN(5)], i, ext)
			if err := insertAttachmentTx(ctx, tx, newID(), a, blob); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}
