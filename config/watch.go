package config

// WatchConfig holds the file watcher's settings.
type WatchConfig struct{}

func defaultWatch() WatchConfig { return WatchConfig{} }

// watchSettings are the watcher's entries in the settings table.
var watchSettings = []Setting{}
