//go:build !linux

package store

// lowerPriority does nothing where threads have no nice value of their own.
func lowerPriority() {}
