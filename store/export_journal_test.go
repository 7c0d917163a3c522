package store

// SetWALCheckpointBytes sets the WAL size that triggers a checkpoint, for
// a test that wants many; it returns the function that restores it.
func SetWALCheckpointBytes(n int64) (restore func()) {
	old := walCheckpointBytes
	walCheckpointBytes = n
	return func() { walCheckpointBytes = old }
}
