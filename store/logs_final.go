package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// The last steps of an upload: stageLog reads it through the pipeline
// (logs_ingest.go), final assembles its rows, finalTx writes them in a
// transaction that is the upload's own (finish) or a group's
// (UploadLogFiles, logs_group.go), and afterFinal cleans up.

// stagedLog is an upload read up to its final transaction.
type stagedLog struct {
	ing  *logIngest // nil when dup is the answer (found before reading)
	ex   *logExtraction
	last *logBatch
	dup  LogFile
}

// stageLog checks the issue, reads the upload through the pipeline and
// commits what does not fit in the final transaction (staged batches).
func (db *DB) stageLog(ctx context.Context, in logUpload) (*stagedLog, error) {
	st := &stagedLog{}
	if in.issueID == "" {
		return st, Errorf(EInvalid, "issue id is required")
	}
	if err := db.read(ctx, func(tx *sql.Tx) error {
		var title string
		err := tx.QueryRowContext(ctx, `SELECT title FROM issues WHERE id = ?`, in.issueID).Scan(&title)
		if err == sql.ErrNoRows {
			return errNoIssue(in.issueID)
		}
		return err
	}); err != nil {
		return st, err
	}
	db.maybeCollectLogGarbage(ctx)
	if in.file != nil {
		lf, ok, err := db.dedupLogFile(ctx, in)
		if err != nil || ok {
			st.dup = lf
			return st, err
		}
	}
	// The extractor and the decoder wrap the source: ask the source itself
	// whether what was read still stands.
	in.checker, _ = in.src.(SourceChecker)
	id := in.id
	if id == "" {
		id = newID()
	}
	ex, err := db.extractLogSource(ctx, &in, id) // logs_extract.go: PDF, DOCX, XLSX, pcap
	if err != nil {
		return st, err
	}
	dec := ex.decoder()
	if ex == nil {
		in.src, dec = decodeLogSource(in.src) // logs_decode.go
	}
	ing := &logIngest{db: db, in: in, id: id, dec: dec}
	st.ex = ex
	last, err := ing.stage(ctx)
	if err != nil {
		_, err = ex.finish(ctx, LogFile{}, err)
		return st, err
	}
	st.ing, st.last = ing, last
	return st, nil
}

// end settles an extraction and queues the scan once the final
// transaction is over (err is its outcome).
func (st *stagedLog) end(ctx context.Context, lf LogFile, err error) (LogFile, error) {
	lf, err = st.ex.finish(ctx, lf, err)
	if err == nil && !lf.Duplicate {
		st.ing.db.queuePIIScan(ctx, lf.ID, lf.FileSize) // pii_scan.go
	}
	return lf, err
}

// logFinal is what the final transaction writes for one log.
type logFinal struct {
	lf    LogFile
	last  *logBatch
	blob  []byte // content_compressed, or nil
	facts logFactsRow
	dupID string // set by finalTx: the log already on the issue with these bytes
}

// final assembles the final transaction's rows from the collected log.
func (ing *logIngest) final(last *logBatch) *logFinal {
	fin := &logFinal{last: last, lf: LogFile{
		ID: ing.id, IssueID: ing.in.issueID, FileName: ing.in.name, FilePath: ing.in.path,
		FileSize: ing.fileSize(), MimeType: ing.mime, ContentHash: ing.sum, LineCount: ing.lines, ValidUTF8: ing.valid,
	}}
	if ing.gzOK && ing.gz != nil && (ing.chunks == 0 || ing.chunks == 1 && len(last.pieces) == 1) {
		// The gzip member is the log's only copy: its chunk row keeps the
		// layout with empty data, and reads inflate content_compressed.
		if ing.chunks == 1 {
			last.pieces[0].zst = []byte{}
		}
		// The last deflate block (empty, fixed Huffman, BFINAL set), then
		// the trailer: CRC-32 and size mod 2^32, little-endian.
		ing.gz.Write([]byte{0x03, 0x00})
		ing.gz.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, ing.crc), uint32(ing.size)))
		fin.blob = ing.gz.Bytes()
	}
	ing.gz = nil
	fin.facts = ing.finishFacts(last)
	return fin
}

// finalTx writes one log's final rows in tx. It may run again on the same
// fin when the transaction is retried.
func (ing *logIngest) finalTx(ctx context.Context, tx *sql.Tx, fin *logFinal) error {
	db, lf := ing.db, &fin.lf
	fin.dupID = ""
	if err := ing.checkSource(); err != nil {
		return err
	}
	err := tx.QueryRowContext(ctx, `SELECT title FROM issues WHERE id = ?`, lf.IssueID).Scan(&lf.IssueTitle)
	if err == sql.ErrNoRows {
		return errNoIssue(lf.IssueID)
	}
	if err != nil {
		return fmt.Errorf("find issue: %w", err)
	}
	if ing.staged {
		res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_ingests WHERE id = ?`, ing.id)
		if err != nil {
			return fmt.Errorf("finish log ingest: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errIngestAbandoned
		}
	}
	err = tx.QueryRowContext(ctx, `SELECT id FROM log_files WHERE issue_id = ? AND content_hash = ? ORDER BY rowid LIMIT 1`,
		lf.IssueID, lf.ContentHash).Scan(&fin.dupID)
	if err == nil {
		return nil // the ingest row is gone: the staged chunks are now garbage, dropped after
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("find duplicate log: %w", err)
	}
	if err := insertChunksTx(ctx, tx, lf.ID, fin.last.pieces); err != nil {
		return err
	}
	lf.UploadedAt = db.nowText()
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_files (id, issue_id, file_name, file_path, file_size, mime_type,
		content_hash, uploaded_at, redacted, content_compressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		lf.ID, lf.IssueID, lf.FileName, lf.FilePath, lf.FileSize, lf.MimeType, lf.ContentHash, lf.UploadedAt, fin.blob); err != nil {
		return fmt.Errorf("insert log file: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_log_meta (log_file_id, raw_size, line_count, chunk_count, valid_utf8)
		VALUES (?, ?, ?, ?, ?)`, lf.ID, ing.size, lf.LineCount, ing.chunks, lf.ValidUTF8); err != nil {
		return fmt.Errorf("insert log meta: %w", err)
	}
	if err := insertLogFactsTx(ctx, tx, lf.ID, fin.facts); err != nil {
		return err
	}
	_, err = db.addTimelineEventTx(ctx, tx, lf.IssueID, EventLogUploaded, "Log uploaded: "+lf.FileName,
		map[string]any{"file_name": lf.FileName, "file_size": lf.FileSize})
	return err
}

// afterFinal drops what a failed or duplicate ingest staged and returns
// the log stored, or the one it duplicates. err is the final
// transaction's outcome.
func (ing *logIngest) afterFinal(ctx context.Context, fin *logFinal, err error) (LogFile, error) {
	if err != nil || fin.dupID != "" {
		ing.dropStaged(ctx)
	}
	if err != nil {
		return LogFile{}, err
	}
	if fin.dupID != "" {
		dup, err := ing.db.FindLogFileByID(ctx, fin.dupID)
		dup.Duplicate = err == nil
		return dup, err
	}
	return fin.lf, nil
}
