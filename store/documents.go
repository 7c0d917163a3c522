package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Document is a generated report on an issue: markdown, with the app's
// INTEGER millisecond timestamps.
type Document struct {
	ID        string `json:"id"`
	IssueID   string `json:"issue_id"`
	DocType   string `json:"doc_type"` // rca or postmortem
	Title     string `json:"title"`
	ContentMD string `json:"content_md"`
	CreatedAt int64  `json:"created_at"` // Unix ms
	UpdatedAt int64  `json:"updated_at"` // Unix ms
}

// DocTypes are the document types the app knows.
var DocTypes = []string{"rca", "postmortem"}

// maxDocumentLen bounds content_md (characters); a report, not a log.
const maxDocumentLen = 2 << 20

// SaveDocument inserts d when d.ID is empty (with an rca_generated or
// postmortem_generated timeline event) and otherwise updates that document's
// type, title and content. A document cannot move to another issue.
func (db *DB) SaveDocument(ctx context.Context, d Document) (Document, error) {
	var err error
	if d.DocType, err = normEnum("doc_type", d.DocType, DocTypes); err != nil {
		return Document{}, err
	}
	if d.Title = strings.TrimSpace(d.Title); d.Title == "" {
		return Document{}, Errorf(EInvalid, "title is required")
	}
	if err := checkLen("title", d.Title, maxTitleLen); err != nil {
		return Document{}, err
	}
	if err := checkLen("content_md", d.ContentMD, maxDocumentLen); err != nil {
		return Document{}, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now().UnixMilli()
		if d.ID != "" {
			return db.updateDocumentTx(ctx, tx, &d, now)
		}
		if d.IssueID == "" {
			return Errorf(EInvalid, "issue id is required")
		}
		if err := issueExistsTx(ctx, tx, d.IssueID); err != nil {
			return err
		}
		d.ID, d.CreatedAt, d.UpdatedAt = newID(), now, now
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, issue_id, doc_type, title, content_md, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.IssueID, d.DocType, d.Title, d.ContentMD, d.CreatedAt, d.UpdatedAt); err != nil {
			return fmt.Errorf("insert document: %w", err)
		}
		event := EventRCAGenerated
		if d.DocType == "postmortem" {
			event = EventPostmortemGenerated
		}
		_, err := db.addTimelineEventTx(ctx, tx, d.IssueID, event, d.Title,
			map[string]any{"document_id": d.ID, "doc_type": d.DocType})
		return err
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

func (db *DB) updateDocumentTx(ctx context.Context, tx *sql.Tx, d *Document, now int64) error {
	old, err := findDocumentTx(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	if d.IssueID != "" && d.IssueID != old.IssueID {
		return Errorf(EInvalid, "document %s belongs to issue %s, not %s", d.ID, old.IssueID, d.IssueID)
	}
	d.IssueID, d.CreatedAt, d.UpdatedAt = old.IssueID, old.CreatedAt, now
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET doc_type = ?, title = ?, content_md = ?, updated_at = ? WHERE id = ?`,
		d.DocType, d.Title, d.ContentMD, d.UpdatedAt, d.ID); err != nil {
		return fmt.Errorf("update document: %w", err)
	}
	_, err = db.appendAuditTx(ctx, tx, "document_updated", "document", d.ID,
		map[string]any{"issue_id": d.IssueID, "doc_type": d.DocType, "title": d.Title})
	return err
}

const documentCols = `id, issue_id, doc_type, title, content_md, created_at, updated_at`

func scanDocument(s interface{ Scan(...any) error }) (Document, error) {
	var d Document
	return d, s.Scan(&d.ID, &d.IssueID, &d.DocType, &d.Title, &d.ContentMD, &d.CreatedAt, &d.UpdatedAt)
}

func findDocumentTx(ctx context.Context, tx *sql.Tx, id string) (Document, error) {
	d, err := scanDocument(tx.QueryRowContext(ctx, `SELECT `+documentCols+` FROM documents WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return d, Errorf(ENotFound, "no document with id %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("find document: %w", err)
	}
	return d, nil
}

// FindDocumentByID returns one document with its content.
func (db *DB) FindDocumentByID(ctx context.Context, id string) (Document, error) {
	var d Document
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = findDocumentTx(ctx, tx, id)
		return err
	})
	return d, err
}

// FindDocuments lists an issue's documents, oldest first, with content.
func (db *DB) FindDocuments(ctx context.Context, issueID string) ([]Document, error) {
	out := []Document{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := issueExistsTx(ctx, tx, issueID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+documentCols+` FROM documents WHERE issue_id = ? ORDER BY created_at, id`, issueID)
		if err != nil {
			return fmt.Errorf("find documents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDocument(rows)
			if err != nil {
				return fmt.Errorf("find documents: %w", err)
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
