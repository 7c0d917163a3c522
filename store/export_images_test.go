package store

import (
	"context"
	"database/sql"
)

// Test hooks for images_test.go (package store_test).

// ImgHookInsertIssue inserts a bare issue row, so image tests do not depend
// on CreateIssue.
func ImgHookInsertIssue(ctx context.Context, db *DB, title string) (string, error) {
	id := newID()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO issues (id, title) VALUES (?, ?)`, id, title)
		return err
	})
	return id, err
}

// ImgHookInsertLegacyImage inserts an image row the way an older app did:
// no image_data (NULL), no tftsrmcp_image_meta row, the bytes only at
// filePath.
func ImgHookInsertLegacyImage(ctx context.Context, db *DB, issueID, fileName, filePath, mimeType string) (string, error) {
	id := newID()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO image_attachments (id, issue_id, file_name, file_path, mime_type, image_data)
			VALUES (?, ?, ?, ?, ?, NULL)`, id, issueID, fileName, filePath, mimeType)
		return err
	})
	return id, err
}

// ImgHookCountImages counts the image rows of an issue.
func ImgHookCountImages(ctx context.Context, db *DB, issueID string) (n int, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM image_attachments WHERE issue_id = ?`, issueID).Scan(&n)
	})
	return n, err
}

// ImgHookTimelineMetadata returns the metadata of an issue's timeline
// events of one type, oldest first.
func ImgHookTimelineMetadata(ctx context.Context, db *DB, issueID, eventType string) ([]string, error) {
	var out []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT metadata FROM timeline_events WHERE issue_id = ? AND event_type = ? ORDER BY rowid`, issueID, eventType)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}
