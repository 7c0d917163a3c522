package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// pii_spans: the TFTSR app's table, with the app's meaning.
//
// In the app, pii_spans rows come from the user running detection on a log
// (its detect_pii command): pii_type is the detector's display name
// ("IPv4", "Email", ...), the offsets are byte offsets into the text, the
// replacement is "[IPv4]"-style and original_value is left empty. The user
// then approves spans and applies them (apply_redactions), which writes a
// redacted copy and sets log_files.redacted = 1.
//
// This project writes pii_spans only on such an explicit request (DetectPII:
// the detect_pii tool and command), in the app's form, and never sets
// redacted. Its own ingest-time findings live elsewhere (pii_scan.go).

// appKindNames maps the detector's kinds to the app's display names for
// the app's twelve kinds; the others keep the detector's name.
var appKindNames = map[pii.Kind]string{
	pii.KindIPv4:               "IPv4",
	pii.KindIPv6:               "IPv6",
	pii.KindEmail:              "Email",
	pii.KindPhoneNumber:        "Phone",
	pii.KindSSN:                "SSN",
	pii.KindCreditCard:         "CreditCard",
	pii.KindMACAddress:         "MAC",
	pii.KindHostname:           "Hostname",
	pii.KindAPIKey:             "ApiKey",
	pii.KindBearerToken:        "Bearer",
	pii.KindPassword:           "Password",
	pii.KindURLWithCredentials: "URL",
}

// AppKindName is the pii_type the TFTSR app writes for k.
func AppKindName(k pii.Kind) string {
	if n, ok := appKindNames[k]; ok {
		return n
	}
	return string(k)
}

// piiInsertRows is how many spans one INSERT statement carries.
const piiInsertRows = 100

// DetectPIIResult is what an explicit detection wrote.
type DetectPIIResult struct {
	LogFileID string         `json:"log_file_id"`
	Spans     int            `json:"spans"`
	Types     map[string]int `json:"types"` // pii_type (the app's names) -> rows
}

// DetectPII runs detection over a stored log and writes its spans to
// pii_spans the way the TFTSR app's detect_pii does, replacing the rows an
// earlier detection of the log left (those with an empty original_value:
// rows that still carry a value are not a detection run's). Logs over the
// scan limit are refused: their spans would run to millions of rows.
func (db *DB) DetectPII(ctx context.Context, logFileID string) (DetectPIIResult, error) {
	lf, err := db.FindLogFileByID(ctx, logFileID)
	if err != nil {
		return DetectPIIResult{}, err
	}
	if lf.FileSize > piiScanMax {
		return DetectPIIResult{}, Errorf(ETooLarge, "log %s is %d bytes: detection writes one pii_spans row per value and is limited to logs of %d bytes", logFileID, lf.FileSize, piiScanMax)
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		return DetectPIIResult{}, err
	}
	res := DetectPIIResult{LogFileID: logFileID, Types: map[string]int{}}
	var spans []pii.Span
	if err := db.walkLogSpans(ctx, logFileID, r, func(s []pii.Span) error {
		spans = append(spans, s...)
		return nil
	}); err != nil {
		if err == errLogGone {
			return DetectPIIResult{}, errNoLog(logFileID)
		}
		return DetectPIIResult{}, err
	}
	for _, s := range spans {
		res.Types[AppKindName(s.Kind)]++
	}
	res.Spans = len(spans)
	err = db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM pii_spans WHERE log_file_id = ? AND original_value = ''`, logFileID); err != nil {
			return fmt.Errorf("replace earlier detection: %w", err)
		}
		return insertPIISpansTx(ctx, tx, logFileID, spans)
	})
	if err != nil {
		return DetectPIIResult{}, err
	}
	return res, nil
}

// insertPIISpansTx inserts spans in the app's form, piiInsertRows to a
// statement: a million one-row statements cost more in the driver than in
// SQLite.
func insertPIISpansTx(ctx context.Context, tx *sql.Tx, id string, spans []pii.Span) error {
	var full *sql.Stmt
	args := make([]any, 0, 7*piiInsertRows)
	for len(spans) > 0 {
		n := min(len(spans), piiInsertRows)
		args = args[:0]
		for _, s := range spans[:n] {
			name := AppKindName(s.Kind)
			args = append(args, newID(), id, name, s.Start, s.End, "", "["+name+"]")
		}
		spans = spans[n:]
		q := `INSERT INTO pii_spans (id, log_file_id, pii_type, start_offset, end_offset, original_value, replacement) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", n), ",")
		if n < piiInsertRows {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert pii spans: %w", err)
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("insert pii spans: %w", err)
			}
			defer full.Close()
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert pii spans: %w", err)
		}
	}
	return nil
}

// PIIReport summarises the sensitive values found in a log.
type PIIReport struct {
	LogFileID string         `json:"log_file_id"`
	Scanned   bool           `json:"scanned"` // the ingest scan finished (false: over the scan limit, not yet done, or a log the app made)
	Total     int            `json:"total"`   // occurrences found
	Kinds     []PIIKindCount `json:"kinds"`   // most first, then by kind
}

// PIIKindCount is one kind's share of a PIIReport.
type PIIKindCount struct {
	Kind       string   `json:"kind"`
	Count      int      `json:"count"`
	Pseudonyms []string `json:"pseudonyms"` // distinct, sorted, at most maxReportPseudonyms
}

// maxReportPseudonyms caps PIIKindCount.Pseudonyms.
const maxReportPseudonyms = 50

// PIIReport returns what kinds of sensitive values a log holds, how many of
// each, and their pseudonyms (never the values). For a log the ingest
// scanned it reads the summary the scan stored; for a row the app made it
// counts the spans the app's detection wrote.
func (db *DB) PIIReport(ctx context.Context, logFileID string) (PIIReport, error) {
	rep := PIIReport{LogFileID: logFileID}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rep.Total, rep.Kinds = 0, nil
		var stored sql.NullString
		var ours bool
		err := tx.QueryRowContext(ctx, `SELECT coalesce(m.pii_scanned_at IS NOT NULL, 0), m.pii_report, m.log_file_id IS NOT NULL
			FROM log_files f LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = f.id WHERE f.id = ?`, logFileID).Scan(&rep.Scanned, &stored, &ours)
		if err == sql.ErrNoRows {
			return errNoLog(logFileID)
		}
		if err != nil {
			return fmt.Errorf("find log file: %w", err)
		}
		if rep.Scanned && stored.Valid {
			if err := json.Unmarshal([]byte(stored.String), &rep.Kinds); err != nil {
				return fmt.Errorf("%w: pii report of log %s: %v", ErrCorrupt, logFileID, err)
			}
			return nil
		}
		if ours {
			return nil // not scanned (yet, or too large): nothing to count
		}
		rows, err := tx.QueryContext(ctx, `SELECT pii_type, count(*) FROM pii_spans WHERE log_file_id = ? GROUP BY pii_type`, logFileID)
		if err != nil {
			return fmt.Errorf("count pii spans: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k PIIKindCount
			if err := rows.Scan(&k.Kind, &k.Count); err != nil {
				return err
			}
			rep.Kinds = append(rep.Kinds, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range rep.Kinds {
			k := &rep.Kinds[i]
			if k.Pseudonyms, err = queryStrings(ctx, tx, `SELECT DISTINCT replacement FROM pii_spans
				WHERE log_file_id = ? AND pii_type = ? ORDER BY replacement LIMIT ?`, logFileID, k.Kind, maxReportPseudonyms); err != nil {
				return fmt.Errorf("list pseudonyms: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return PIIReport{}, err
	}
	for _, k := range rep.Kinds {
		rep.Total += k.Count
	}
	sortKinds(rep.Kinds)
	if rep.Kinds == nil {
		rep.Kinds = []PIIKindCount{}
	}
	return rep, nil
}

// sortKinds orders a report's kinds: most first, then by kind.
func sortKinds(ks []PIIKindCount) {
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].Count != ks[j].Count {
			return ks[i].Count > ks[j].Count
		}
		return ks[i].Kind < ks[j].Kind
	})
}
