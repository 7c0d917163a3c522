package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// AttachmentFilter selects attachments for ListAllLogFiles and
// ListAllImageAttachments. Search matches a substring of the file name or
// of the issue title, ignoring ASCII case; % and _ are literal characters.
// Since (inclusive) and Until (exclusive) bound uploaded_at; zero means
// unbounded. Limit defaults to 50; larger than 500 is clamped to 500 (a
// model asking for "all" gets the largest page, not an error). Cursor is
// the NextCursor of the previous page.
//
// Redactor, if set, makes Search match the names and titles as a model is
// shown them (redacted): no oracle for what redaction hides. A search
// that holds a detectable value is refused; a pseudonym finds the rows
// that show it.
type AttachmentFilter struct {
	Search  string    `json:"search,omitempty"`
	IssueID string    `json:"issue_id,omitempty"`
	Since   time.Time `json:"since,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	Limit   int       `json:"limit,omitempty"`
	Cursor  string    `json:"cursor,omitempty"`

	Redactor *pii.Redactor `json:"-"`
}

// LogFilePage is one page of ListAllLogFiles; NextCursor is empty on the
// last.
type LogFilePage struct {
	LogFiles   []LogFile `json:"log_files"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// ImagePage is one page of ListAllImageAttachments; NextCursor is empty on
// the last.
type ImagePage struct {
	Images     []ImageAttachment `json:"images"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// maxSearchLen bounds AttachmentFilter.Search (characters).
const maxSearchLen = 500

// Attachment summaries come from the app's views joined with this project's
// meta tables; the queries name no BLOB column, so none is read. Rows the
// app made have no meta row: 0 lines, valid UTF-8, 0x0 pixels.
const (
	listLogCols = `v.id, v.issue_id, v.issue_title, v.file_name, v.file_path, v.file_size, v.mime_type,
	v.content_hash, v.uploaded_at, v.redacted, COALESCE(m.line_count, 0), COALESCE(m.valid_utf8, 1)`
	listLogView = `v_log_files_with_issue`
	listLogMeta = ` LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = v.id`
	listLogFrom = ` FROM ` + listLogView + ` v` + listLogMeta

	listImageCols = `v.id, v.issue_id, v.issue_title, v.file_name, v.file_path, v.file_size, v.mime_type,
	v.upload_hash, v.uploaded_at, v.pii_warning_acknowledged, v.is_paste, COALESCE(mm.width, 0), COALESCE(mm.height, 0)`
	listImageView = `v_image_attachments_with_issue`
	listImageMeta = ` LEFT JOIN tftsrmcp_image_meta mm ON mm.image_id = v.id`
	listImageFrom = ` FROM ` + listImageView + ` v` + listImageMeta
)

func scanListLog(s interface{ Scan(...any) error }) (LogFile, error) {
	var lf LogFile
	return lf, s.Scan(&lf.ID, &lf.IssueID, &lf.IssueTitle, &lf.FileName, &lf.FilePath, &lf.FileSize, &lf.MimeType,
		&lf.ContentHash, &lf.UploadedAt, &lf.Redacted, &lf.LineCount, &lf.ValidUTF8)
}

func scanListImage(s interface{ Scan(...any) error }) (ImageAttachment, error) {
	var a ImageAttachment
	return a, s.Scan(&a.ID, &a.IssueID, &a.IssueTitle, &a.FileName, &a.FilePath, &a.FileSize, &a.MimeType,
		&a.UploadHash, &a.UploadedAt, &a.PIIWarningAcknowledged, &a.IsPaste, &a.Width, &a.Height)
}

// ListAllLogFiles lists log files across issues, newest first, a page at a
// time. Pages are keyed on (uploaded_at, id): a log uploaded while a caller
// pages sorts before the cursor, so it neither repeats a row nor pushes one
// off the next page.
func (db *DB) ListAllLogFiles(ctx context.Context, f AttachmentFilter) (LogFilePage, error) {
	rows, next, err := listPage(ctx, db, logList, f, scanListLog, func(lf LogFile) (string, string) { return lf.UploadedAt, lf.ID })
	if err != nil {
		return LogFilePage{}, err
	}
	return LogFilePage{LogFiles: rows, NextCursor: next}, nil
}

// ListAllImageAttachments lists images across issues as ListAllLogFiles
// lists logs.
func (db *DB) ListAllImageAttachments(ctx context.Context, f AttachmentFilter) (ImagePage, error) {
	rows, next, err := listPage(ctx, db, imageList, f, scanListImage, func(a ImageAttachment) (string, string) { return a.UploadedAt, a.ID })
	if err != nil {
		return ImagePage{}, err
	}
	return ImagePage{Images: rows, NextCursor: next}, nil
}

// attachmentList names what one of the two lists reads.
type attachmentList struct {
	name                   string // its table, and its row of tftsrmcp_list_stamp
	view, cols, meta, kind string
}

var (
	logList   = attachmentList{name: "log_files", view: listLogView, cols: listLogCols, meta: listLogMeta, kind: logCursorKind}
	imageList = attachmentList{name: "image_attachments", view: listImageView, cols: listImageCols, meta: listImageMeta, kind: imageCursorKind}
)

// listFilter is an AttachmentFilter checked and put in the stored forms.
type listFilter struct {
	search       string // lower-cased (ASCII), as LIKE compares
	issueID      string
	since, until string // timeFormat; "" = unbounded
	after        *cursor
	limit        int
	redactor     *pii.Redactor
}

func parseListFilter(kind string, f AttachmentFilter) (listFilter, error) {
	lf := listFilter{search: strings.TrimSpace(f.Search), issueID: f.IssueID, limit: pageSize(f.Limit)}
	if err := checkLen("search", lf.search, maxSearchLen); err != nil {
		return lf, err
	}
	if strings.ContainsRune(lf.search, 0) {
		return lf, Errorf(EInvalid, "search must not contain NUL")
	}
	if lf.redactor = f.Redactor; lf.redactor != nil && lf.search != "" {
		if kinds := shown.Found(lf.redactor, lf.search); len(kinds) > 0 {
			return lf, Errorf(EInvalid, "search holds a secret or personal value (%s): names and titles are matched as shown, "+
				"so search for the pseudonym shown in its place, such as [%s:…]", kinds[0], strings.ToUpper(string(kinds[0])))
		}
	}
	lf.search = asciiLower(lf.search)
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return lf, Errorf(EInvalid, "since (%s) must be before until (%s)",
			f.Since.UTC().Format(time.RFC3339), f.Until.UTC().Format(time.RFC3339))
	}
	if !f.Since.IsZero() {
		lf.since = f.Since.UTC().Format(timeFormat)
	}
	if !f.Until.IsZero() {
		lf.until = f.Until.UTC().Format(timeFormat)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(kind, f.Cursor)
		if err != nil {
			return lf, err
		}
		lf.after = &c
	}
	return lf, nil
}

// useIndex says whether a page is found with the in-memory search index.
// Without a search the SQL walks the (uploaded_at, id) index and stops
// after a page; within one issue it walks only that issue's rows. A search
// across all issues would test every row whose name does not match: about
// 100 ms at 100,000 attachments, almost all of it decrypting index pages.
// A redacted search always uses it: SQL sees only the raw text.
func (lf listFilter) useIndex() bool {
	return lf.search != "" && (lf.issueID == "" || lf.redactor != nil)
}

// listPage reads one page in one read transaction: the page's ids (from
// SQL or from the search index), then the rows of those ids.
func listPage[T any](ctx context.Context, db *DB, l attachmentList, f AttachmentFilter,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (at, id string)) ([]T, string, error) {
	lf, err := parseListFilter(l.kind, f)
	if err != nil {
		return nil, "", err
	}
	out := []T{}
	more := false
	err = db.read(ctx, func(tx *sql.Tx) error {
		ids, err := db.listPageIDs(ctx, tx, l, lf, lf.useIndex())
		if err != nil {
			return err
		}
		if more = len(ids) > lf.limit; more {
			ids = ids[:lf.limit]
		}
		if len(ids) == 0 {
			return nil
		}
		idArgs := make([]any, len(ids))
		for i, id := range ids {
			idArgs[i] = id
		}
		// No ORDER BY: with one, SQLite walks the whole table in index
		// order instead of looking the ids up. The ids are in page order.
		rows, err := tx.QueryContext(ctx, `SELECT `+l.cols+` FROM `+l.view+` v`+l.meta+`
			WHERE v.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, idArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		byID := make(map[string]T, len(ids))
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				return err
			}
			_, id := key(r)
			byID[id] = r
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if r, ok := byID[id]; ok { // one snapshot: always there
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", l.name, err)
	}
	next := ""
	if more && len(out) > 0 {
		at, id := key(out[len(out)-1])
		next = encodeCursor(l.kind, at, id)
	}
	return out, next, nil
}

// listPageIDs returns the ids of up to limit+1 rows of the page, newest
// first: the extra one says whether another page follows.
func (db *DB) listPageIDs(ctx context.Context, tx *sql.Tx, l attachmentList, lf listFilter, useIndex bool) ([]string, error) {
	if useIndex {
		x := db.lists.of(l)
		x.mu.Lock()
		defer x.mu.Unlock()
		if err := x.refresh(ctx, tx, l); err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
		return x.page(lf), nil
	}
	q, args := listIDQuery(l.view, lf)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// listIDQuery builds the SQL for the ids of a page over view. It needs only
// columns of the (uploaded_at, id, issue_id, file_name) index, so it never
// reads a table row.
func listIDQuery(view string, lf listFilter) (q string, args []any) {
	var where []string
	if lf.search != "" {
		// The issue-title half is a subquery, evaluated once, so each
		// attachment row is tested against a set of issue ids instead of
		// a lookup of its issue's row.
		pat := "%" + escapeLike(lf.search) + "%"
		where = append(where, `(v.file_name LIKE ? ESCAPE '\' OR v.issue_id IN (SELECT id FROM issues WHERE title LIKE ? ESCAPE '\'))`)
		args = append(args, pat, pat)
	}
	if lf.issueID != "" {
		where, args = append(where, "v.issue_id = ?"), append(args, lf.issueID)
	}
	if lf.since != "" {
		where, args = append(where, "v.uploaded_at >= ?"), append(args, lf.since)
	}
	if lf.until != "" {
		where, args = append(where, "v.uploaded_at < ?"), append(args, lf.until)
	}
	if c := lf.after; c != nil {
		// Written so the index on (uploaded_at, id) bounds the scan with
		// the first term; a row-value comparison may not use it.
		where = append(where, "v.uploaded_at <= ? AND (v.uploaded_at < ? OR v.id < ?)")
		args = append(args, c.at, c.at, c.id)
	}
	q = `SELECT v.id FROM ` + view + ` v`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY v.uploaded_at DESC, v.id DESC LIMIT ?`
	return q, append(args, lf.limit+1)
}

// escapeLike makes s match itself literally in LIKE ... ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// asciiLower lower-cases ASCII letters only, as SQLite's LIKE and lower()
// fold case.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// listIndexes are a DB's search indexes, one per list.
type listIndexes struct {
	logs, images listIndex
}

func (x *listIndexes) of(l attachmentList) *listIndex {
	if l.name == logList.name {
		return &x.logs
	}
	return &x.images
}

// listIndex is an in-memory copy of what a search across all attachments
// of one list compares: each row's sort key, file name and issue title,
// newest first. A search is then a substring search (strings.Index) over
// one buffer instead of a LIKE per row over decrypted index pages: about
// 1 ms instead of 100 at 100,000 rows, for about 200 bytes a row.
//
// tftsrmcp_list_stamp, kept by triggers, says when the database changed
// under the copy, whoever changed it (another process, the app): new rows
// alone are read by rowid; anything else rebuilds the copy. The copy is
// checked and read inside the caller's read transaction, so the ids it
// returns are those of that snapshot.
type listIndex struct {
	mu       sync.Mutex
	built    bool
	inserts  int64 // the stamp the copy reflects
	changes  int64
	maxRowid int64 // largest rowid of the table in the copy
	entries  []listEntry
	text     []byte // per entry: name NUL title NUL, ASCII lower-cased; nil when stale
	offs     []int  // entry i's text starts at offs[i]; offs[len(entries)] = len(text)
	// The same for the redacted names and titles, made on the first
	// redacted search (by redBy) after a change.
	redText []byte
	redOffs []int
	redBy   *pii.Redactor
}

type listEntry struct{ at, id, issueID, name, title string }

func (e listEntry) before(at, id string) bool { return e.at < at || (e.at == at && e.id < id) }

// refresh brings the copy up to the snapshot of tx.
func (x *listIndex) refresh(ctx context.Context, tx *sql.Tx, l attachmentList) error {
	var inserts, changes int64
	if err := tx.QueryRowContext(ctx, `SELECT inserts, changes FROM tftsrmcp_list_stamp WHERE list = ?`, l.name).Scan(&inserts, &changes); err != nil {
		return fmt.Errorf("read stamp: %w", err)
	}
	if x.built && inserts == x.inserts && changes == x.changes {
		return nil
	}
	x.built = x.built && changes == x.changes && inserts > x.inserts
	if x.built {
		ok, err := x.addNew(ctx, tx, l, inserts-x.inserts)
		if err != nil {
			x.built = false
			return err
		}
		if ok {
			x.inserts = inserts
			return nil
		}
	}
	x.built = false
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(rowid), 0) FROM `+l.name).Scan(&x.maxRowid); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT v.uploaded_at, v.id, v.issue_id, v.file_name, v.issue_title FROM `+l.view+` v
		ORDER BY v.uploaded_at DESC, v.id DESC`)
	if err != nil {
		return err
	}
	defer rows.Close()
	titles := map[string]string{} // one copy of each title
	x.entries = x.entries[:0]
	for rows.Next() {
		var e listEntry
		if err := rows.Scan(&e.at, &e.id, &e.issueID, &e.name, &e.title); err != nil {
			return err
		}
		e.title = intern(titles, e.title)
		x.entries = append(x.entries, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	x.text, x.offs, x.redText, x.redOffs = nil, nil, nil, nil
	x.built, x.inserts, x.changes = true, inserts, changes
	return nil
}

func intern(m map[string]string, s string) string {
	if t, ok := m[s]; ok {
		return t
	}
	m[s] = s
	return s
}

// addNew merges the rows inserted since the copy was made: those past its
// largest rowid. It reports false, and changes nothing, when their number
// is not n (the rowids were renumbered, by a VACUUM): the caller rebuilds.
func (x *listIndex) addNew(ctx context.Context, tx *sql.Tx, l attachmentList, n int64) (bool, error) {
	// The LEFT JOIN counts a row whose issue is missing (the app may run
	// without foreign keys); the view, like the rebuild, leaves it out.
	// It joins issues, not the view: SQLite 3.33 materialises the whole
	// view to join it (1.1 s at 100,000 rows, against 0.04 ms).
	rows, err := tx.QueryContext(ctx, `SELECT t.rowid, t.uploaded_at, CASE WHEN i.id IS NULL THEN NULL ELSE t.id END, t.issue_id, t.file_name, i.title
		FROM `+l.name+` t LEFT JOIN issues i ON i.id = t.issue_id WHERE t.rowid > ?`, x.maxRowid)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var add []listEntry
	maxRowid, seen := x.maxRowid, int64(0)
	for rows.Next() {
		var rowid int64
		var at, id, issueID, name, title sql.NullString
		if err := rows.Scan(&rowid, &at, &id, &issueID, &name, &title); err != nil {
			return false, err
		}
		seen++
		maxRowid = max(maxRowid, rowid)
		if id.Valid {
			add = append(add, listEntry{at: at.String, id: id.String, issueID: issueID.String, name: name.String, title: title.String})
		}
	}
	if err := rows.Err(); err != nil || seen != n {
		return false, err
	}
	slices.SortFunc(add, func(a, b listEntry) int { return -cmpEntry(a, b) })
	merged := make([]listEntry, 0, len(x.entries)+len(add))
	i, j := 0, 0
	for i < len(x.entries) || j < len(add) {
		if j == len(add) || (i < len(x.entries) && cmpEntry(x.entries[i], add[j]) > 0) {
			merged = append(merged, x.entries[i])
			i++
		} else {
			merged = append(merged, add[j])
			j++
		}
	}
	x.entries, x.maxRowid = merged, maxRowid
	x.text, x.offs, x.redText, x.redOffs = nil, nil, nil, nil
	return true, nil
}

func cmpEntry(a, b listEntry) int {
	if c := strings.Compare(a.at, b.at); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// page returns the ids of up to lf.limit+1 entries that match lf, newest
// first.
func (x *listIndex) page(lf listFilter) []string {
	text, offs := x.text, x.offs
	switch {
	case lf.redactor != nil:
		if x.redText == nil || x.redBy != lf.redactor {
			x.redText, x.redOffs = buildText(x.entries, func(s string) string { return shown.Name(lf.redactor, s) })
			x.redBy = lf.redactor
		}
		text, offs = x.redText, x.redOffs
	case x.text == nil:
		x.text, x.offs = buildText(x.entries, func(s string) string { return s })
		text, offs = x.text, x.offs
	}
	n := len(x.entries)
	lo, hi := 0, n
	if lf.until != "" {
		lo = max(lo, sort.Search(n, func(i int) bool { return x.entries[i].at < lf.until }))
	}
	if c := lf.after; c != nil {
		lo = max(lo, sort.Search(n, func(i int) bool { return x.entries[i].before(c.at, c.id) }))
	}
	if lf.since != "" {
		hi = sort.Search(n, func(i int) bool { return x.entries[i].at < lf.since })
	}
	var ids []string
	q := []byte(lf.search)
	for i := lo; i < hi && len(ids) <= lf.limit; {
		k := bytes.Index(text[offs[i]:offs[hi]], q)
		if k < 0 {
			break
		}
		// The entry holding the match: the last whose text starts at or
		// before it. A match never spans entries: the query has no NUL.
		pos := offs[i] + k
		j := i + sort.Search(hi-i, func(j int) bool { return offs[i+j] > pos }) - 1
		if lf.issueID == "" || x.entries[j].issueID == lf.issueID {
			ids = append(ids, x.entries[j].id)
		}
		i = j + 1
	}
	return ids
}

// buildText lays out the entries' names and titles, each through show,
// ASCII lower-cased, for page.
func buildText(entries []listEntry, show func(string) string) ([]byte, []int) {
	var text []byte
	offs := make([]int, len(entries)+1)
	for i, e := range entries {
		offs[i] = len(text)
		text = append(text, asciiLower(show(e.name))...)
		text = append(text, 0)
		text = append(text, asciiLower(show(e.title))...)
		text = append(text, 0)
	}
	offs[len(entries)] = len(text)
	return text, offs
}
