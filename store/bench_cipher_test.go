package store

import (
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
)

// BenchmarkBlobs measures what encryption costs: 1 MiB blobs written (one
// durable transaction each, as ingest commits) and read back, SQLCipher
// beside plain SQLite with the same journal mode and synchronous setting.
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench Blobs ./store/
func BenchmarkBlobs(b *testing.B) {
	const blobs = 64
	blob := make([]byte, 1<<20)
	rand.Read(blob) // incompressible, like compressed log chunks
	open := map[string]func(dir string) *sql.DB{
		"sqlcipher": func(dir string) *sql.DB {
			cfg := config.Default()
			cfg.DataDir = dir
			return sql.OpenDB(newConnector(filepath.Join(dir, "b.db"), "bench-key", cfg, false))
		},
		"plain": func(dir string) *sql.DB {
			db, err := sql.Open("sqlite3", filepath.Join(dir, "b.db")+"?_sync=FULL&_txlock=immediate")
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
	}
	for _, name := range []string{"plain", "sqlcipher"} {
		b.Run(name, func(b *testing.B) {
			var wSecs, rSecs float64
			for b.Loop() {
				db := open[name](b.TempDir())
				db.SetMaxOpenConns(1)
				if _, err := db.Exec(`PRAGMA journal_mode = DELETE`); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)`); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for i := range blobs {
					tx, _ := db.Begin()
					if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?)`, i, blob); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				wSecs += time.Since(start).Seconds()
				start = time.Now()
				var got []byte
				for i := range blobs {
					if err := db.QueryRow(`SELECT data FROM t WHERE id = ?`, i).Scan(&got); err != nil || len(got) != len(blob) {
						b.Fatal(err)
					}
				}
				rSecs += time.Since(start).Seconds()
				db.Close()
			}
			b.ReportMetric(float64(blobs*b.N)/wSecs, "write-MB/s")
			b.ReportMetric(float64(blobs*b.N)/rSecs, "read-MB/s")
		})
	}
}
