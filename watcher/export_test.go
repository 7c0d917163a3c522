package watcher

// SetAfterCommit sets the hook that runs between a file's commit and its
// move (for the crash test's agent).
func SetAfterCommit(f func(path string)) { afterCommit = f }
