package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/tftsr/tftsr-mcp/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Env is the process's outside world, injected so tests can drive Run.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	args    string // usage of positional arguments
	summary string
	// settings are the groups of config.Settings (config.Setting.Group)
	// and the single setting names the command takes.
	settings []string
	maxArgs  int                    // most positional arguments; -1: any number
	flags    func(fs *flag.FlagSet) // the command's own flags, if any
	run      func(ctx context.Context, inv *invocation) error
}

// takes reports whether the command uses setting s.
func (c *command) takes(s config.Setting) bool {
	for _, g := range c.settings {
		if g == s.Group || g == s.Name {
			return true
		}
	}
	return false
}

// invocation is what a command runs with.
type invocation struct {
	Env
	cfg   config.Config
	fs    *flag.FlagSet
	args  []string
	log   *slog.Logger
	level *slog.LevelVar
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func commands() []command {
	return []command{
		versionCmd(),
		migrateCmd(),
		doctorCmd(),
		watchCmd(),
		ingestCmd(),
		serveCmd(),
		auditCmd(),
		exportCmd(),
		patternsCmd(),
	}
}

// Run runs the command line args and returns the exit code. Every usage
// error is found before a command runs, so none leaves a file behind.
func Run(ctx context.Context, args []string, env Env) int {
	cmds := commands()
	global := flag.NewFlagSet("tftsr-mcp", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	globalSet := config.AddFlags(global)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(env.Stdout, cmds)
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "tftsr-mcp: %v\nRun 'tftsr-mcp --help' for usage.\n", err)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		printHelp(env.Stderr, cmds)
		return exitUsage
	}
	name := rest[0]
	if name == "help" {
		printHelp(env.Stdout, cmds)
		return exitOK
	}
	var cmd *command
	for i := range cmds {
		if cmds[i].name == name {
			cmd = &cmds[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "tftsr-mcp: unknown command %q\nRun 'tftsr-mcp --help' for usage.\n", name)
		return exitUsage
	}
	usage := func(err error) int {
		fmt.Fprintf(env.Stderr, "tftsr-mcp %s: %v\nRun 'tftsr-mcp %s --help' for usage.\n", cmd.name, err, cmd.name)
		return exitUsage
	}
	set := globalSet()
	for n := range set {
		if s, ok := settingByName(n); ok && !cmd.takes(s) {
			return usage(fmt.Errorf("flag --%s does not apply to %s", n, cmd.name))
		}
	}
	fs := flag.NewFlagSet("tftsr-mcp "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmdSet := config.AddFlagsFor(fs, cmd.takes)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	pos, err := parseInterspersed(fs, rest[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(env.Stdout, cmd, fs)
			return exitOK
		}
		return usage(err)
	}
	if cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs {
		if cmd.maxArgs == 0 {
			return usage(fmt.Errorf("takes no arguments, got %q", pos[0]))
		}
		return usage(fmt.Errorf("unexpected argument %q", pos[cmd.maxArgs]))
	}
	for k, v := range cmdSet() {
		set[k] = v
	}
	cfg, err := config.Load(set, env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "tftsr-mcp: %v\n", err)
		return exitUsage
	}
	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.LogLevel))
	// Logs go to stderr only: in stdio mode stdout carries MCP frames.
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	inv := &invocation{Env: env, cfg: cfg, fs: fs, args: pos, log: log, level: level}
	if err := cmd.run(ctx, inv); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "tftsr-mcp %s: %v\n", cmd.name, err)
			return exitUsage
		}
		fmt.Fprintf(env.Stderr, "tftsr-mcp %s: %v\n", cmd.name, err)
		return exitRuntime
	}
	return exitOK
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments (watch DIR --settle 1s), which package flag stops at; after
// "--" everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func settingByName(name string) (config.Setting, bool) {
	for _, s := range config.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return config.Setting{}, false
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

func printHelp(w io.Writer, cmds []command) {
	fmt.Fprintf(w, "tftsr-mcp %s: AI-assistant access to incident evidence in an encrypted store.\n\n", version)
	fmt.Fprintln(w, "Usage: tftsr-mcp COMMAND [flags] [args]  (flags may stand before, between or after the args)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help       print this help")
	fmt.Fprintln(w, "\nFlags of every command that opens the database (flag > environment > config file > default):")
	printSettings(w, func(s config.Setting) bool { return s.Group == "core" })
	fmt.Fprintln(w, "\nEnvironment only:")
	fmt.Fprintln(w, "  TFTSR_DB_KEY      database passphrase; overrides the .dbkey file in the data dir (never a flag)")
	fmt.Fprintln(w, "  TFTSR_HTTP_TOKEN  bearer token of serve --http; overrides the .httptoken file in the data dir")
	fmt.Fprintln(w, "\nRun 'tftsr-mcp COMMAND --help' for the flags of one command.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 runtime error, 2 usage error.")
}

func printSettings(w io.Writer, keep func(config.Setting) bool) {
	def := config.Default()
	for _, s := range config.Settings {
		if !keep(s) {
			continue
		}
		d := def.Get(s.Name)
		if d != "" && d != "false" && s.Name != "data-dir" {
			d = " (default " + d + ")"
		} else {
			d = ""
		}
		fmt.Fprintf(w, "  --%s\n        %s%s [%s]\n", s.Name, s.Usage, d, s.Env)
	}
}

// printCommandHelp lists the command's own flags, then the settings it
// takes, and nothing else.
func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: tftsr-mcp %s [flags] %s\n\n%s\n", c.name, c.args, c.summary)
	var own []string
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := settingByName(f.Name); !ok {
			own = append(own, f.Name)
		}
	})
	sort.Strings(own)
	if len(own) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, n := range own {
			f := fs.Lookup(n)
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(w, "  --%s\n        %s%s\n", n, strings.TrimSpace(f.Usage), def)
		}
	}
	if len(c.settings) > 0 {
		fmt.Fprintln(w, "\nSettings (flag > environment > config file > default):")
		printSettings(w, c.takes)
	}
}
