package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad_Precedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.json")
	os.WriteFile(file, []byte(`{"log-level": "warn", "cipher-page-size": 8192, "max-log-size": "1GiB", "data-dir": "/from/file"}`), 0o600)
	cases := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		check func(t *testing.T, c config.Config)
	}{
		{"Defaults", nil, map[string]string{"XDG_CONFIG_HOME": dir + "/none"}, func(t *testing.T, c config.Config) {
			if c.LogLevel != "info" || c.CipherPageSize != 4096 || c.MaxDecompress != 100<<20 || c.MaxLogSize != 2<<30 {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{"FileOverDefault", nil, map[string]string{"TFTSR_CONFIG": file}, func(t *testing.T, c config.Config) {
			if c.LogLevel != "warn" || c.CipherPageSize != 8192 || c.MaxLogSize != 1<<30 || c.DataDir != "/from/file" {
				t.Errorf("file: %+v", c)
			}
		}},
		{"EnvOverFile", nil, map[string]string{"TFTSR_CONFIG": file, "TFTSR_LOG_LEVEL": "debug", "TFTSR_DATA_DIR": "/from/env"}, func(t *testing.T, c config.Config) {
			if c.LogLevel != "debug" || c.CipherPageSize != 8192 || c.DataDir != "/from/env" {
				t.Errorf("env: %+v", c)
			}
		}},
		{"FlagOverEnv", map[string]string{"log-level": "error", "config": file}, map[string]string{"TFTSR_LOG_LEVEL": "debug"}, func(t *testing.T, c config.Config) {
			if c.LogLevel != "error" || c.CipherPageSize != 8192 {
				t.Errorf("flag: %+v", c)
			}
		}},
		{"XDGDataHome", nil, map[string]string{"XDG_CONFIG_HOME": dir + "/none"}, func(t *testing.T, c config.Config) {
			if !strings.HasSuffix(c.DataDir, filepath.Join("tftsr")) {
				t.Errorf("data dir %q", c.DataDir)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load(tc.flags, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoad_Invalid(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"log-level": `), 0o600)
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"no-such-setting": "x"}`), 0o600)
	cases := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		want  string // the error must name this
	}{
		{"ErrPageSizeFlag", map[string]string{"cipher-page-size": "5000"}, nil, "--cipher-page-size"},
		{"ErrEmptyDataDir", map[string]string{"data-dir": ""}, nil, "--data-dir"},
		{"ErrPageSizeEnv", nil, map[string]string{"TFTSR_CIPHER_PAGE_SIZE": "abc"}, "TFTSR_CIPHER_PAGE_SIZE"},
		{"ErrLogLevel", map[string]string{"log-level": "loud"}, nil, "debug, info, warn, error"},
		{"ErrSize", nil, map[string]string{"TFTSR_MAX_LOG_SIZE": "-5"}, "--max-log-size"},
		{"ErrDuration", map[string]string{"busy-timeout": "soon"}, nil, "--busy-timeout"},
		{"ErrConfigSyntax", map[string]string{"config": bad}, nil, bad},
		{"ErrConfigMissing", map[string]string{"config": filepath.Join(dir, "absent.json")}, nil, "absent.json"},
		{"ErrConfigUnknownKey", map[string]string{"config": unknown}, nil, "no-such-setting"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(tc.flags, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) || (!errors.Is(err, config.ErrInvalid) && !strings.Contains(err.Error(), "config file")) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestAddFlags_OnlyExplicit(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	set := config.AddFlags(fs)
	if err := fs.Parse([]string{"--log-level", "debug"}); err != nil {
		t.Fatal(err)
	}
	got := set()
	if len(got) != 1 || got["log-level"] != "debug" {
		t.Fatalf("set flags = %v", got)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"123": 123, "64KiB": 64 << 10, "100MiB": 100 << 20, "2GiB": 2 << 30, "1g": 1 << 30, "5 MB": 5 << 20} {
		if got, err := config.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "1.5GiB", "99999999999GiB"} {
		if _, err := config.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
