package store

import "testing"

func TestFactsCache(t *testing.T) {
	defer func(n int64) { factsCacheMax = n }(factsCacheMax)
	factsCacheMax = 4 * (100 + 128) * 4
	chunk := func(has bool) LogChunkFacts { return LogChunkFacts{HasFacts: has, Index: make([]byte, 100)} }
	var c factsCache
	c.put("partial", []LogChunkFacts{chunk(true), chunk(false)})
	if _, ok := c.get("partial"); ok {
		t.Fatal("a log with a chunk not indexed yet was cached")
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		c.put(id, []LogChunkFacts{chunk(true), chunk(true), chunk(true), chunk(true)})
	}
	if _, ok := c.get("a"); !ok {
		t.Fatal("a missing")
	}
	c.put("e", []LogChunkFacts{chunk(true), chunk(true), chunk(true), chunk(true)})
	if _, ok := c.get("b"); ok {
		t.Fatal("b, the least recently used, was not evicted")
	}
	for _, id := range []string{"a", "c", "d", "e"} {
		if _, ok := c.get(id); !ok {
			t.Fatalf("%s evicted", id)
		}
	}
	c.drop("a")
	if _, ok := c.get("a"); ok || c.size != 3*4*(100+128) {
		t.Fatalf("after drop: size %d", c.size)
	}
	if c.size > factsCacheMax {
		t.Fatalf("size %d over %d", c.size, factsCacheMax)
	}
	huge := make([]LogChunkFacts, 20)
	for i := range huge {
		huge[i] = chunk(true)
	}
	c.put("huge", huge)
	if _, ok := c.get("huge"); ok {
		t.Fatal("a log of over a quarter of the budget was cached")
	}
}
