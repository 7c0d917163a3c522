// Package config resolves tftsr-mcp's settings.
//
// Precedence, lowest first: Default(), the optional JSON config file,
// TFTSR_* environment variables, then flags that were set explicitly. Every
// setting is declared once in the settings table below, which gives it its
// flag, its environment variable, its config-file key and its validation, so
// the four sources cannot drift apart. Parsing has no side effects.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the program.
type Config struct {
	DataDir        string
	ConfigFile     string
	CipherPageSize int
	LogLevel       string
	MaxDecompress  int64 // bytes one decompression may produce
	MaxLogSize     int64 // largest log accepted for upload
	MaxImageSize   int64 // largest image accepted for upload
	BusyTimeout    time.Duration

	Serve ServeConfig // the MCP server (serve.go)
	Watch WatchConfig // the file watcher (watch.go)
	// Redact tunes the detector of secrets and personal data (redact.go).
	Redact RedactConfig
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		DataDir:        defaultDataDir(),
		CipherPageSize: 4096,
		LogLevel:       "info",
		MaxDecompress:  100 << 20,
		MaxLogSize:     2 << 30,
		MaxImageSize:   50 << 20,
		BusyTimeout:    30 * time.Second,
		Serve:          defaultServe(),
		Watch:          defaultWatch(),
	}
}

// DBPath is the database file inside the data directory.
func (c Config) DBPath() string { return filepath.Join(c.DataDir, "tftsr.db") }

// KeyPath is the key file inside the data directory.
func (c Config) KeyPath() string { return filepath.Join(c.DataDir, ".dbkey") }

func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "tftsr")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "tftsr")
	}
	return "tftsr-data"
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid setting")

// Setting is one configurable value.
type Setting struct {
	Name  string // flag name and config-file key
	Env   string
	Usage string
	Bool  bool   // a switch: "--name" alone means true
	Group string // "core", "limits", "redact", "serve" or "watch": which commands take it
	set   func(c *Config, v string) error
	get   func(c *Config) string
}

// Settings lists every setting, in help order.
var Settings = concat(
	grouped("core", coreSettings),
	grouped("limits", limitSettings),
	grouped("redact", redactSettings),
	grouped("serve", serveSettings),
	grouped("watch", watchSettings),
)

func concat(lists ...[]Setting) []Setting {
	var all []Setting
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

func grouped(group string, list []Setting) []Setting {
	out := make([]Setting, len(list))
	for i, s := range list {
		s.Group = group
		out[i] = s
	}
	return out
}

var coreSettings = []Setting{
	{
		Name: "data-dir", Env: "TFTSR_DATA_DIR",
		Usage: "directory holding tftsr.db and .dbkey (default $XDG_DATA_HOME/tftsr or ~/.local/share/tftsr)",
		set: func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			abs, err := filepath.Abs(v)
			if err != nil {
				return err
			}
			c.DataDir = abs
			return nil
		},
		get: func(c *Config) string { return c.DataDir },
	},
	{
		Name: "config", Env: "TFTSR_CONFIG",
		Usage: "JSON config file whose keys are flag names (default $XDG_CONFIG_HOME/tftsr/config.json, if it exists)",
		set:   func(c *Config, v string) error { c.ConfigFile = v; return nil },
		get:   func(c *Config) string { return c.ConfigFile },
	},
	{
		Name: "cipher-page-size", Env: "TFTSR_CIPHER_PAGE_SIZE",
		Usage: "SQLCipher page size, a power of two from 512 to 65536; 16384 opens databases made by newer TFTSR builds",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 512 || n > 65536 || n&(n-1) != 0 {
				return errors.New("accepted: a power of two from 512 to 65536, e.g. 4096 or 16384")
			}
			c.CipherPageSize = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(c.CipherPageSize) },
	},
	{
		Name: "log-level", Env: "TFTSR_LOG_LEVEL",
		Usage: "stderr log level: debug, info, warn or error",
		set: func(c *Config, v string) error {
			switch v = strings.ToLower(v); v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("accepted: debug, info, warn, error")
		},
		get: func(c *Config) string { return c.LogLevel },
	},
	DurationSetting("busy-timeout", "TFTSR_BUSY_TIMEOUT", "how long a write waits for another process holding the database",
		func(c *Config) *time.Duration { return &c.BusyTimeout }, 0),
}

// limitSettings bound what an upload or ingest may store.
var limitSettings = []Setting{
	SizeSetting("max-decompress", "TFTSR_MAX_DECOMPRESS", "most bytes one decompression may produce (gzip-bomb guard)",
		func(c *Config) *int64 { return &c.MaxDecompress }),
	SizeSetting("max-log-size", "TFTSR_MAX_LOG_SIZE", "largest log file accepted",
		func(c *Config) *int64 { return &c.MaxLogSize }),
	SizeSetting("max-image-size", "TFTSR_MAX_IMAGE_SIZE", "largest image accepted",
		func(c *Config) *int64 { return &c.MaxImageSize }),
}

// SizeSetting declares a positive byte size ("100MiB").
func SizeSetting(name, env, usage string, field func(*Config) *int64) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage + " (bytes, or with KiB, MiB, GiB)",
		set: func(c *Config, v string) error {
			n, err := ParseSize(v)
			if err != nil || n <= 0 {
				return errors.New("accepted: a positive size such as 100MiB, 2GiB or 1048576")
			}
			*field(c) = n
			return nil
		},
		get: func(c *Config) string { return FormatSize(*field(c)) },
	}
}

// ParseSize reads "123", "64KiB", "100MiB", "2GiB" (also KB/MB/GB as
// binary units, and k/m/g).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			mult = u.mult
			s = strings.TrimSpace(s[:len(s)-len(u.suffix)])
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// FormatSize prints n in the largest exact binary unit.
func FormatSize(n int64) string {
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}

// Set applies one setting by name, as the config file, env and flags do.
func (c *Config) Set(name, value string) error {
	for _, s := range Settings {
		if s.Name == name {
			if err := s.set(c, value); err != nil {
				return fmt.Errorf("%w --%s / %s %q: %v", ErrInvalid, s.Name, s.Env, value, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: unknown setting %q", ErrInvalid, name)
}

// Get returns the current value of a setting, as text.
func (c *Config) Get(name string) string {
	for _, s := range Settings {
		if s.Name == name {
			return s.get(c)
		}
	}
	return ""
}

// AddFlags declares every setting on fs. The returned function reports
// which flags were set and their values, once fs has parsed.
func AddFlags(fs *flag.FlagSet) func() map[string]string { return AddFlagsFor(fs, nil) }

// AddFlagsFor declares on fs the settings keep accepts (all, if keep is
// nil), so that a command's flag set and help hold only what it uses.
func AddFlagsFor(fs *flag.FlagSet, keep func(Setting) bool) func() map[string]string {
	vals := make(map[string]*string, len(Settings))
	for _, s := range Settings {
		if keep != nil && !keep(s) {
			continue
		}
		if s.Bool {
			v := new(boolText)
			fs.Var(v, s.Name, s.Usage+" ["+s.Env+"]")
			vals[s.Name] = &v.s
			continue
		}
		vals[s.Name] = fs.String(s.Name, "", s.Usage+" ["+s.Env+"]")
	}
	return func() map[string]string {
		set := map[string]string{}
		fs.Visit(func(f *flag.Flag) {
			if v, ok := vals[f.Name]; ok {
				set[f.Name] = *v
			}
		})
		return set
	}
}

// boolText is a flag that may stand alone ("--read-only") and keeps its
// text, so that validation stays in the setting's set function.
type boolText struct{ s string }

func (b *boolText) String() string     { return b.s }
func (b *boolText) Set(v string) error { b.s = v; return nil }
func (b *boolText) IsBoolFlag() bool   { return true }

// BoolSetting declares a switch stored through field.
func BoolSetting(name, env, usage string, field func(*Config) *bool) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage, Bool: true,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("accepted: true or false")
			}
			*field(c) = b
			return nil
		},
		get: func(c *Config) string { return strconv.FormatBool(*field(c)) },
	}
}

// StringSetting declares a free-form text setting; check, if not nil,
// validates it.
func StringSetting(name, env, usage string, field func(*Config) *string, check func(string) error) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage,
		set: func(c *Config, v string) error {
			if check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*field(c) = v
			return nil
		},
		get: func(c *Config) string { return *field(c) },
	}
}

// ListSetting declares a comma-separated list; check validates each item.
func ListSetting(name, env, usage string, field func(*Config) *[]string, check func(string) error) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage + " (comma-separated; repeatable in the config file as one string)",
		set: func(c *Config, v string) error {
			var items []string
			for _, it := range strings.Split(v, ",") {
				if it = strings.TrimSpace(it); it == "" {
					continue
				}
				if check != nil {
					if err := check(it); err != nil {
						return fmt.Errorf("%q: %v", it, err)
					}
				}
				items = append(items, it)
			}
			*field(c) = items
			return nil
		},
		get: func(c *Config) string { return strings.Join(*field(c), ",") },
	}
}

// DurationSetting declares a duration setting of at least min.
func DurationSetting(name, env, usage string, field func(*Config) *time.Duration, min time.Duration) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < min {
				return fmt.Errorf("accepted: a Go duration such as 500ms, 2s, 1m, at least %s", min)
			}
			*field(c) = d
			return nil
		},
		get: func(c *Config) string { return field(c).String() },
	}
}

// IntSetting declares an integer setting within [lo, hi].
func IntSetting(name, env, usage string, field func(*Config) *int, lo, hi int) Setting {
	return Setting{
		Name: name, Env: env, Usage: usage,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("accepted: an integer from %d to %d", lo, hi)
			}
			*field(c) = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
	}
}

// Load builds the configuration from defaults, the config file, the
// environment (getenv) and the flags that were set explicitly.
func Load(flags map[string]string, getenv func(string) string) (Config, error) {
	c := Default()
	path, explicit := flags["config"], true
	if path == "" {
		path = getenv("TFTSR_CONFIG")
	}
	if path == "" {
		explicit = false
		path = defaultConfigFile(getenv)
	}
	if path != "" {
		if err := c.loadFile(path, explicit); err != nil {
			return c, err
		}
	}
	for _, s := range Settings {
		if v := getenv(s.Env); v != "" {
			if err := c.Set(s.Name, v); err != nil {
				return c, err
			}
		}
	}
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := c.Set(n, flags[n]); err != nil {
			return c, err
		}
	}
	return c, nil
}

func defaultConfigFile(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tftsr", "config.json")
}

func (c *Config) loadFile(path string, explicit bool) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	c.ConfigFile = path
	for k, v := range raw {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case float64:
			s = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(v)
		default:
			return fmt.Errorf("config file %s: key %q: want a string, number or boolean", path, k)
		}
		if k == "config" {
			continue
		}
		if err := c.Set(k, s); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	return nil
}
