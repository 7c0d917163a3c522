// Package store is tftsr-mcp's encrypted evidence store: a SQLCipher
// (AES-256) SQLite database with the TFTSR app's schema.
//
// # Journal mode
//
// The store runs in WAL mode so that readers never wait for a writer: a
// read transaction sees the last commit before it began, from the database
// file and the WAL, while the writer appends to the WAL. The rollback
// journal it replaces locked every reader of every process out while a
// commit was written (read p99 139 ms alone-to-ingesting on an idle
// machine, 1.1 s at load 10; see BenchmarkReadersAcrossProcesses).
//
// The bundled SQLite is 3.33.0, which has the WAL-reset bug (3.7.0 to
// 3.51.2): committed pages can be lost when one connection checkpoints while
// another commits the transaction that restarts the WAL from its start. It
// needs two connections writing or checkpointing at the same time, in
// threads or processes. The store never lets that happen:
//
//   - Every write transaction and every checkpoint of a tftsr-mcp process
//     runs on its one writer connection (writeMu orders its goroutines) while
//     it holds an exclusive flock on tftsr.db.write-lock (writeLock), which
//     orders the processes. Migrations and the journal-mode switch in Open
//     take it too.
//   - wal_autocheckpoint=0 on every connection, so SQLite never checkpoints
//     by itself after a commit: the writer checkpoints explicitly
//     (TRUNCATE, once the WAL passes walCheckpointBytes) after its commit,
//     before it lets go of the lock. Reader connections are query_only: they
//     never commit, so they never checkpoint either.
//   - SQLite's one other checkpoint, at the close of the last connection to
//     the file, first takes the EXCLUSIVE lock on the database file. Every
//     connection that has read a WAL database holds a SHARED lock on it
//     until it closes, so that lock is granted only when no other connection
//     of any process has the file open: nothing can write or checkpoint
//     beside it. A reader process exiting (or killed) while another writes
//     is therefore safe (TestWAL_ReaderProcessesClosing). DB.Close holds the
//     write lock while it closes its connections anyway.
//   - OpenReadOnly (doctor) opens the file read-only: SQLite refuses it any
//     checkpoint (the database file is not writable) and it writes nothing.
//     The empty -wal and the -shm it makes when no process has the file
//     open are removed at Close by a last-close of SQLite's own, exclusive
//     as above, over an empty WAL (removeIdleWAL).
//
// What the lock cannot cover is a program that does not take it: the TFTSR
// app, when it writes to the same file while tftsr-mcp writes (it opens the
// file in WAL mode too once the store has switched it). Let the app write
// only while no tftsr-mcp process runs on the file; reading is safe.
//
// The WAL's size is bounded: the TRUNCATE checkpoint waits at most
// walCheckpointWait for readers still on older frames, and a reader that
// holds its snapshot for longer only postpones it to a later commit. With
// synchronous=FULL each commit fsyncs the WAL, so a commit that returned
// survives power loss and kill -9 (the next open reads the WAL): the watcher
// deletes a source file only after that.
//
// # Connections and the key
//
// SQLCipher derives the page key from the passphrase with PBKDF2-HMAC-SHA512
// (256,000 iterations): about a third of a second on every new connection.
// The store derives it once, in Go, from the passphrase and the salt in the
// file's first 16 bytes, and hands SQLCipher the raw key and salt
// (x'<key><salt>'), which skips the KDF: a connection then costs about a
// millisecond. The file is the same as with the passphrase, so the TFTSR
// app, which keys with the .dbkey text, still opens it. There is one writer
// connection (every write is serialised through it and the write lock) and
// a pool of readers.
package store
