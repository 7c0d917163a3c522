package watcher

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// errReplaced says the path now names another file than the one stored.
var errReplaced = errors.New("replaced")

// finish moves (or deletes) a stored file, after checking that the path
// still names the file that was read: a new file dropped under the same
// name meanwhile stays for its own turn (errReplaced).
func (w *Watcher) finish(held *os.File, j job, res *Result) error {
	fi, err := os.Lstat(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // renamed or deleted mid-way; a renamed file comes back as a duplicate
	}
	if err != nil {
		return err
	}
	hfi, err := held.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(fi, hfi) || sigOf(fi) != res.sig {
		return errReplaced
	}
	if w.opts.DeleteAfterIngest {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	dir := filepath.Join(j.root, ingestedDir, time.Now().Format("2006-01-02"), filepath.Dir(j.rel))
	moved, err := moveNoClobber(j.path, dir, filepath.Base(j.path))
	res.MovedTo = moved
	return err
}

// fail moves a file that cannot be stored to DIR/.failed/<path> with a
// <name>.error.txt beside it. A file that cannot be moved is left in place
// (and logged once).
func (w *Watcher) fail(j job, res *Result) {
	if j.root == "" {
		return
	}
	dir := filepath.Join(j.root, failedDir, filepath.Dir(j.rel))
	moved, err := moveNoClobber(j.path, dir, filepath.Base(j.path))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		res.Outcome = OutcomeSkipped
		res.Error += fmt.Sprintf("; and it could not be moved to %s: %v", failedDir, err)
		return
	}
	res.MovedTo = moved
	text := fmt.Sprintf("file:    %s\nfailed:  %s\nissue:   %s\nerror:   %s\n\nTo try again, fix the cause and move the file back into %s.\n",
		j.rel, time.Now().Format(time.RFC3339), j.route, res.Error, filepath.Join(j.root, filepath.Dir(j.rel)))
	if err := createNoClobber(moved+".error.txt", []byte(text)); err != nil {
		w.log.Warn("write error note", "file", moved, "error", err)
	}
}

// moveNoClobber moves src into dir under name, or name-1, name-2 ... if
// taken: a hard link never replaces an existing name, and the original is
// removed only once the link exists. Where hard links are not supported the
// name is reserved with O_EXCL and the file renamed over the reservation.
func moveNoClobber(src, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// Where link(2) follows symlinks (macOS), a hard link to a dropped
	// symlink would link its target: a symlink is always renamed.
	link := true
	if fi, err := os.Lstat(src); err != nil {
		return "", err
	} else if fi.Mode()&os.ModeSymlink != 0 {
		link = false
	}
	for i := 0; i < 10000; i++ {
		dst := filepath.Join(dir, suffixed(name, i))
		err := errNoLink
		if link {
			err = os.Link(src, dst)
		}
		if err == nil {
			if err := os.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return dst, err
			}
			return dst, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		r, rerr := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(rerr, fs.ErrExist) {
			continue
		}
		if rerr != nil {
			return "", err
		}
		r.Close()
		if err := os.Rename(src, dst); err != nil {
			os.Remove(dst)
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("move %s: no free name in %s", name, dir)
}

// createNoClobber writes a new file at path, or at a suffixed name if
// path is taken.
func createNoClobber(path string, data []byte) error {
	dir, name := filepath.Split(path)
	for i := 0; i < 10000; i++ {
		f, err := os.OpenFile(filepath.Join(dir, suffixed(name, i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return errors.Join(err, f.Close())
	}
	return fmt.Errorf("no free name for %s", path)
}

// suffixed is name with -i before its extensions: "app.log.1" -> "app-2.log.1".
func suffixed(name string, i int) string {
	if i == 0 {
		return name
	}
	dot := -1
	if len(name) > 1 {
		if k := strings.IndexByte(name[1:], '.'); k >= 0 {
			dot = k + 1
		}
	}
	if dot < 0 {
		return fmt.Sprintf("%s-%d", name, i)
	}
	return fmt.Sprintf("%s-%d%s", name[:dot], i, name[dot:])
}
