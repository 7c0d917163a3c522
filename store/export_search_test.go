package store

// SearchHookNoPrune makes a search read every chunk its time range lets
// through, ignoring the chunk indexes: the brute-force scan the pruned
// search is compared with.
func SearchHookNoPrune(q *SearchQuery) { q.noPrune = true }
