//go:build !unix

package watcher

import (
	"errors"
	"fmt"
	"os"
)

var errSymlink = errors.New("is a symlink")

// openNoFollow refuses a symlink by Lstat, then checks that what it opened
// is the file it looked at.
func openNoFollow(path string) (*os.File, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if before.Mode()&os.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errSymlink}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	after, err := f.Stat()
	if err != nil || !os.SameFile(before, after) {
		f.Close()
		return nil, fmt.Errorf("open %s: changed while opening", path)
	}
	return f, nil
}

func isSymlinkErr(err error) bool { return errors.Is(err, errSymlink) }

func isNoSpace(err error) bool { return false }

// tryLock on systems without flock: an exclusive-create lock file, which a
// crash leaves behind (delete DIR/.tftsr-watch/lock by hand).
func tryLock(path string) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(path+".pid", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return func() { f.Close(); os.Remove(path + ".pid") }, true, nil
}
