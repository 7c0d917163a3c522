package config

// ServeConfig holds the MCP server's settings.
type ServeConfig struct{}

func defaultServe() ServeConfig { return ServeConfig{} }

// serveSettings are the server's entries in the settings table.
var serveSettings = []Setting{}
