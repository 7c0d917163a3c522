package mcpserver

import (
	"fmt"
	"strings"
)

// emptyStoreNote follows an empty first page: it names the database read,
// and how evidence gets there, since the usual cause is a server and a
// watcher on two data dirs.
func (s *Server) emptyStoreNote(sb *strings.Builder, n int, cursor, what string) {
	if n > 0 || cursor != "" {
		return
	}
	fill := "files dropped into a watched folder (tftsr-mcp watch DIR, or serve --watch DIR) or the upload tools"
	if what == "issues" {
		fill = "create_issue, or the watcher (tftsr-mcp watch DIR, or serve --watch DIR), which makes one per folder dropped into DIR"
	}
	fmt.Fprintf(sb, "No %s here. This server reads the store in %s (database %s); %s come from %s. "+
		"A watcher started with another --data-dir (or TFTSR_DATA_DIR) fills another store.\n",
		what, s.db.DataDir(), s.db.Path(), what, fill)
}
