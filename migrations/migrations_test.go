package migrations_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/mutecomm/go-sqlcipher/v4"

	"github.com/tftsr/tftsr-mcp/migrations"
)

// openPlain opens a plain SQLite file: the runner does not care about
// encryption, and the store's tests cover that part.
func openPlain(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "m.db")+"?_fk=1")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func names(list []migrations.Migration) []string {
	var n []string
	for _, m := range list {
		n = append(n, m.Name)
	}
	return n
}

func TestAll_NamesAndOrder(t *testing.T) {
	want := []string{
		"001_create_issues", "002_create_log_files", "003_create_pii_spans",
		"004_create_ai_conversations", "005_create_ai_messages", "006_create_resolution_steps",
		"007_create_documents", "008_create_audit_log", "009_create_settings", "010_issues_fts",
		"011_create_integrations", "012_audit_hash_chain", "013_image_attachments",
		"017_create_timeline_events", "018_mcp_servers", "020_add_log_content_compressed",
		"021_add_image_data", "022_attachment_views",
	}
	got := names(migrations.All())
	if !slices.Equal(got[:len(want)], want) {
		t.Fatalf("app migrations:\n got %v\nwant %v", got[:len(want)], want)
	}
	for _, n := range got[len(want):] {
		if !strings.HasPrefix(n, "tftsrmcp_") {
			t.Errorf("own migration %q lacks the tftsrmcp_ prefix that keeps it apart from the app's names", n)
		}
	}
}

func TestApply_FromEmptyThenNoOp(t *testing.T) {
	ctx := context.Background()
	db := openPlain(t)
	applied, err := migrations.Apply(ctx, db, migrations.All())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(migrations.All()) {
		t.Fatalf("applied %d of %d", len(applied), len(migrations.All()))
	}
	for _, table := range []string{"issues", "log_files", "pii_spans", "ai_conversations", "ai_messages",
		"resolution_steps", "documents", "audit_log", "settings", "issues_fts", "credentials",
		"integration_config", "image_attachments", "timeline_events", "mcp_servers", "mcp_tools",
		"mcp_resources", "v_log_files_with_issue", "v_image_attachments_with_issue"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s missing (n=%d, err=%v)", table, n, err)
		}
	}
	for _, absent := range []string{"ai_providers", "sudo_config"} {
		var n int
		db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = ?`, absent).Scan(&n)
		if n != 0 {
			t.Errorf("%s exists; the app's AI-provider and sudo tables are not this project's", absent)
		}
	}
	again, err := migrations.Apply(ctx, db, migrations.All())
	if err != nil || len(again) != 0 {
		t.Fatalf("re-run applied %v, err %v; want nothing", again, err)
	}
	var rows int
	db.QueryRow(`SELECT count(*) FROM _migrations`).Scan(&rows)
	if rows != len(migrations.All()) {
		t.Fatalf("_migrations has %d rows, want %d", rows, len(migrations.All()))
	}
}

func TestApply_ViewsNeverExposeBlobs(t *testing.T) {
	db := openPlain(t)
	if _, err := migrations.Apply(context.Background(), db, migrations.All()); err != nil {
		t.Fatal(err)
	}
	for view, want := range map[string]string{
		"v_log_files_with_issue":         "id,issue_id,file_name,file_path,file_size,mime_type,content_hash,uploaded_at,redacted,issue_title",
		"v_image_attachments_with_issue": "id,issue_id,file_name,file_path,file_size,mime_type,upload_hash,uploaded_at,pii_warning_acknowledged,is_paste,issue_title",
	} {
		rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, view)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			cols = append(cols, c)
		}
		rows.Close()
		if got := strings.Join(cols, ","); got != want {
			t.Errorf("%s columns = %s, want %s", view, got, want)
		}
	}
}

func TestApply_UnknownNamesFromNewerApp(t *testing.T) {
	ctx := context.Background()
	db := openPlain(t)
	if _, err := migrations.Apply(ctx, db, migrations.All()); err != nil {
		t.Fatal(err)
	}
	// A newer TFTSR app applied its own 023..042 to the same file.
	for _, n := range []string{"023_add_mcp_env_config", "024_create_shell_commands", "042_something_new"} {
		if _, err := db.Exec(`INSERT INTO _migrations (name) VALUES (?)`, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`ALTER TABLE mcp_servers ADD COLUMN env_config TEXT`); err != nil {
		t.Fatal(err)
	}
	applied, err := migrations.Apply(ctx, db, migrations.All())
	if err != nil || len(applied) != 0 {
		t.Fatalf("applied %v err %v; want a clean no-op", applied, err)
	}
	done, err := migrations.Applied(ctx, db)
	if err != nil || !done["042_something_new"] {
		t.Fatalf("unknown names must be kept: %v %v", done, err)
	}
}

func TestApply_FailureStopsAtPreviousMigration(t *testing.T) {
	ctx := context.Background()
	db := openPlain(t)
	fsys := fstest.MapFS{
		"001_a.sql": {Data: []byte(`CREATE TABLE a (x);`)},
		"002_b.sql": {Data: []byte(`CREATE TABLE b (x); INSERT INTO b VALUES (1); THIS IS NOT SQL;`)},
		"003_c.sql": {Data: []byte(`CREATE TABLE c (x);`)},
	}
	list, err := migrations.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := migrations.Apply(ctx, db, list)
	if err == nil || !strings.Contains(err.Error(), "002_b") {
		t.Fatalf("err = %v, want a failure naming 002_b", err)
	}
	if !slices.Equal(applied, []string{"001_a"}) {
		t.Fatalf("applied %v, want [001_a]", applied)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('b', 'c')`).Scan(&n)
	if n != 0 {
		t.Fatalf("tables of the failed and later migrations exist (%d); the failed one must roll back whole", n)
	}
	done, _ := migrations.Applied(ctx, db)
	if done["002_b"] || !done["001_a"] {
		t.Fatalf("_migrations = %v", done)
	}
	// Fixed, the run picks up where it stopped.
	fsys["002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x);`)}
	list, _ = migrations.Load(fsys)
	applied, err = migrations.Apply(ctx, db, list)
	if err != nil || !slices.Equal(applied, []string{"002_b", "003_c"}) {
		t.Fatalf("resume applied %v err %v", applied, err)
	}
}

func TestApply_AddColumnThatExists(t *testing.T) {
	ctx := context.Background()
	db := openPlain(t)
	all := migrations.All()
	// Everything before 020, then the column appears by hand (as an
	// interrupted upgrade or the app could leave it).
	var before []migrations.Migration
	for _, m := range all {
		if m.Name < "020" {
			before = append(before, m)
		}
	}
	if _, err := migrations.Apply(ctx, db, before); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE log_files ADD COLUMN content_compressed BLOB`); err != nil {
		t.Fatal(err)
	}
	// 012 again too: both of its columns exist already.
	if _, err := db.Exec(`DELETE FROM _migrations WHERE name = '012_audit_hash_chain'`); err != nil {
		t.Fatal(err)
	}
	applied, err := migrations.Apply(ctx, db, all)
	if err != nil {
		t.Fatalf("apply with existing columns: %v", err)
	}
	if !slices.Contains(applied, "020_add_log_content_compressed") || !slices.Contains(applied, "012_audit_hash_chain") {
		t.Fatalf("applied %v", applied)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM pragma_table_info('image_attachments') WHERE name = 'image_data'`).Scan(&n)
	if n != 1 {
		t.Fatal("021 did not add image_data")
	}
}

func TestIssuesFTS_Triggers(t *testing.T) {
	db := openPlain(t)
	if _, err := migrations.Apply(context.Background(), db, migrations.All()); err != nil {
		t.Fatal(err)
	}
	search := func(q string) []string {
		t.Helper()
		rows, err := db.Query(`SELECT id FROM issues_fts WHERE issues_fts MATCH ? ORDER BY id`, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	mustExec := func(q string, a ...any) {
		t.Helper()
		if _, err := db.Exec(q, a...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO issues (id, title, description) VALUES ('i1', 'Disk full on db01', 'postgres stopped writing')`)
	mustExec(`INSERT INTO issues (id, title, description) VALUES ('i2', 'Login latency', 'oauth callback slow')`)
	if got := search("postgres"); !slices.Equal(got, []string{"i1"}) {
		t.Fatalf("after insert: %v", got)
	}
	mustExec(`UPDATE issues SET description = 'kafka lag' WHERE id = 'i1'`)
	if got := search("postgres"); len(got) != 0 {
		t.Fatalf("old text still found after update: %v", got)
	}
	if got := search("kafka"); !slices.Equal(got, []string{"i1"}) {
		t.Fatalf("new text not found after update: %v", got)
	}
	mustExec(`DELETE FROM issues WHERE id = 'i2'`)
	if got := search("oauth"); len(got) != 0 {
		t.Fatalf("deleted issue still found: %v", got)
	}
	mustExec(`UPDATE issues SET status = 'resolved' WHERE id = 'i1'`)
	if got := search("disk"); !slices.Equal(got, []string{"i1"}) {
		t.Fatalf("after unrelated update: %v", got)
	}
}
