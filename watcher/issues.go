package watcher

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// issueCache resolves routing names to issues, one at a time, so that two
// files for a new folder open one issue, not two.
type issueCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]cachedIssue
}

type cachedIssue struct {
	id, title string
	created   bool
	at        time.Time
}

// resolve finds the issue whose id is name, else the open issue titled
// name, else creates it. A hit is kept for ttl: an issue closed meanwhile
// still receives files for that long.
func (c *issueCache) resolve(ctx context.Context, db Store, name string) (cachedIssue, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return cachedIssue{}, store.Errorf(store.EInvalid, "empty issue name")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[name]; ok && time.Since(e.at) < c.ttl {
		e.created = false
		return e, nil
	}
	e := cachedIssue{at: time.Now()}
	d, err := db.FindIssueByID(ctx, name)
	switch {
	case err == nil:
		e.id, e.title = d.ID, d.Title
	case store.ErrorCode(err) != store.ENotFound:
		return e, err
	default:
		is, err := db.FindOpenIssueByTitle(ctx, name)
		if store.ErrorCode(err) == store.ENotFound {
			is, err = db.CreateIssue(ctx, store.NewIssue{
				Title:       name,
				Source:      "watcher",
				Description: "Opened by the tftsr-mcp watcher for files dropped into a folder named " + name + ".",
			})
			e.created = err == nil
		}
		if err != nil {
			return e, err
		}
		e.id, e.title = is.ID, is.Title
	}
	if c.m == nil {
		c.m = map[string]cachedIssue{}
	}
	c.m[name] = e
	return e, nil
}

func (c *issueCache) forget(name string) {
	c.mu.Lock()
	delete(c.m, strings.TrimSpace(name))
	c.mu.Unlock()
}
