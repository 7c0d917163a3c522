package config

import (
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// ServeConfig holds the MCP server's settings.
type ServeConfig struct {
	HTTP           string        // listen address of streamable HTTP; empty: stdio
	AllowRemote    bool          // let HTTP bind a non-loopback address
	InsecureNoAuth bool          // no bearer token (loopback only; for test suites)
	AllowOrigins   []string      // browser origins allowed besides the server's own
	AllowRoots     []string      // host folders the upload-by-path tools may read
	AllowRaw       bool          // calls may ask raw:true for unredacted evidence
	ReadOnly       bool          // expose read tools only
	Tools          []string      // tool names or toolsets (logs, images, issues, docs); empty: all
	MaxResultBytes int64         // largest text of one tool result
	MaxBodyBytes   int64         // largest HTTP request body
	RequestTimeout time.Duration // slowest HTTP request read allowed
	WatchDirs      []string      // serve --watch: folders the embedded agent watches
}

func defaultServe() ServeConfig {
	return ServeConfig{
		MaxResultBytes: 100 << 10,
		MaxBodyBytes:   64 << 20,
		RequestTimeout: 30 * time.Second,
	}
}

// serveSettings are the server's entries in the settings table.
var serveSettings = []Setting{
	StringSetting("http", "TFTSR_HTTP", "serve: listen on this address with streamable HTTP at /mcp instead of stdio (e.g. 127.0.0.1:8765)",
		func(c *Config) *string { return &c.Serve.HTTP }, checkHostPort),
	BoolSetting("http-allow-remote", "TFTSR_HTTP_ALLOW_REMOTE", "serve: allow --http on a non-loopback address (prints a warning)",
		func(c *Config) *bool { return &c.Serve.AllowRemote }),
	BoolSetting("insecure-no-auth", "TFTSR_INSECURE_NO_AUTH", "serve: no bearer token on HTTP; refused unless --http is a loopback address (test suites only)",
		func(c *Config) *bool { return &c.Serve.InsecureNoAuth }),
	ListSetting("allow-origin", "TFTSR_ALLOW_ORIGINS", "serve: extra browser origins allowed to call the HTTP server (scheme://host[:port])",
		func(c *Config) *[]string { return &c.Serve.AllowOrigins }, checkOrigin),
	ListSetting("allow-root", "TFTSR_ALLOW_ROOTS", "serve: host folders that upload_log_file and upload_image_attachment may read (none: those tools are absent)",
		func(c *Config) *[]string { return &c.Serve.AllowRoots }, checkAbs),
	BoolSetting("allow-raw", "TFTSR_ALLOW_RAW", "serve: let a call ask raw:true for unredacted evidence",
		func(c *Config) *bool { return &c.Serve.AllowRaw }),
	BoolSetting("read-only", "TFTSR_READ_ONLY", "serve: expose read tools only",
		func(c *Config) *bool { return &c.Serve.ReadOnly }),
	ListSetting("tools", "TFTSR_TOOLS", "serve: tools or toolsets to expose (logs, images, issues, docs, pii); default all",
		func(c *Config) *[]string { return &c.Serve.Tools }, nil),
	SizeSetting("max-result-bytes", "TFTSR_MAX_RESULT_BYTES", "serve: largest text one tool result returns; longer answers are cut at a line with a note",
		func(c *Config) *int64 { return &c.Serve.MaxResultBytes }),
	SizeSetting("max-body-bytes", "TFTSR_MAX_BODY_BYTES", "serve: largest HTTP request body",
		func(c *Config) *int64 { return &c.Serve.MaxBodyBytes }),
	DurationSetting("request-timeout", "TFTSR_REQUEST_TIMEOUT", "serve: time allowed to read one HTTP request (slow clients are cut off)",
		func(c *Config) *time.Duration { return &c.Serve.RequestTimeout }, time.Second),
	ListSetting("watch", "TFTSR_SERVE_WATCH", "serve: also run the file watcher on these folders",
		func(c *Config) *[]string { return &c.Serve.WatchDirs }, nil),
}

func checkHostPort(v string) error {
	if v == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:8765")
	}
	return nil
}

func checkOrigin(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return errors.New("want scheme://host[:port], e.g. https://ops.example.com")
	}
	return nil
}

func checkAbs(v string) error {
	if !filepath.IsAbs(v) {
		return errors.New("want an absolute path")
	}
	return nil
}
