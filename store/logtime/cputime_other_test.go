//go:build !unix

package logtime

func cpuNanos() int64 { return 0 }
