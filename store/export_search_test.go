package store

// SearchHookNoPrune makes a search read every chunk its time range lets
// through, ignoring the chunk indexes: the brute-force scan the pruned
// search is compared with.
func SearchHookNoPrune(q *SearchQuery) { q.noPrune = true }

// SearchHookSolo turns off the slot a lone search may take besides the
// shared ones (the search before issue 15: GOMAXPROCS-1 cores) and
// returns a func that restores it.
func SearchHookSolo(db *DB) (restore func()) {
	old := db.searchSolo
	db.searchSolo = nil
	return func() { db.searchSolo = old }
}

// SearchHookFactsPart sets how many chunks' facts make a part read on its
// own, and returns a func that restores it.
func SearchHookFactsPart(n int64) (restore func()) {
	old := factsPart
	factsPart = n
	return func() { factsPart = old }
}
