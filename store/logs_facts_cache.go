package store

import (
	"container/list"
	"sync"
)

// factsCache keeps the chunk facts, indexes included, of logs whose every
// chunk is indexed, so a search reads a large log's indexes once, not on
// every call: for a search that prunes every chunk, reading them is the
// whole cost (a 256 MiB log has about 5 MB of them to decrypt). A stored
// log's chunks never change and its id (a UUID v7) is never reused, so an
// entry cannot go stale; a deleted log is not searched (its row is looked
// up first). Entries are evicted least recently used past factsCacheMax
// bytes.
type factsCache struct {
	mu   sync.Mutex
	size int64
	lru  list.List // of *factsEntry, most recent first
	m    map[string]*list.Element
}

type factsEntry struct {
	id     string
	chunks []LogChunkFacts
	size   int64
}

// factsCacheMax bounds the cache's bytes (a variable for the tests).
var factsCacheMax int64 = 64 << 20

// get returns the cached facts of log id; callers must not change them.
func (c *factsCache) get(id string) ([]LogChunkFacts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*factsEntry).chunks, true
}

// put caches the facts of log id if every chunk has its facts and index
// (the backfill may still be writing others).
func (c *factsCache) put(id string, chunks []LogChunkFacts) {
	size := int64(0)
	for _, ch := range chunks {
		if !ch.HasFacts {
			return
		}
		size += int64(len(ch.Index)+len(ch.times)) + 128
	}
	if size > factsCacheMax/4 {
		return // one log would push out most others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*list.Element)
	}
	if _, ok := c.m[id]; ok {
		return
	}
	c.m[id] = c.lru.PushFront(&factsEntry{id: id, chunks: chunks, size: size})
	c.size += size
	for c.size > factsCacheMax {
		old := c.lru.Back().Value.(*factsEntry)
		c.lru.Remove(c.lru.Back())
		delete(c.m, old.id)
		c.size -= old.size
	}
}

// drop forgets log id (for the tests, which remove a log's facts).
func (c *factsCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok {
		c.lru.Remove(e)
		delete(c.m, id)
		c.size -= e.Value.(*factsEntry).size
	}
}
