package watcher

// SetAfterCommit sets the hook that runs between a file's commit and its
// move (for the crash test's agent).
func SetAfterCommit(f func(path string)) { afterCommit = f }

// SetDuringRead sets the hook that runs once a file's first bytes are read.
func SetDuringRead(f func(path string)) { duringRead = f }

// SetBeforeSourceCheck sets the hook that runs just before the check that
// what was read still stands.
func SetBeforeSourceCheck(f func(path string)) { beforeSourceCheck = f }

// SetBeforeGroupCommit sets the hook that runs with a group's paths before
// the group is stored.
func SetBeforeGroupCommit(f func(paths []string)) { beforeGroupCommit = f }
