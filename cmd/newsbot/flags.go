package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses, documented in the README: scripts tell a partial ingest
// from a mistyped command.
const (
	exitOK     = 0
	exitFailed = 1 // an error, or an ingest in which some inputs failed
	exitUsage  = 2 // the command line was wrong; nothing was done
)

// programName starts every message and usage line.
const programName = "newsbot"

// usageError is a mistake in the command line. main prints it once,
// followed by the usage of the command, and exits with exitUsage.
type usageError struct {
	err   error
	usage string // the command's usage text; empty: none printed
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errHelpShown ends a command whose -h printed its usage; run then returns
// nil, as asking for help is not a failure.
var errHelpShown = errors.New("help shown")

// exitStatus prints err for the person at the terminal and returns the
// process's exit status.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "%s: %v\n", programName, err)
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprint(stderr, u.usage)
		return exitUsage
	}
	return exitFailed
}

// flagSet is a subcommand's flags. Package flag would print a parse error,
// then the usage, and the caller would print the error again; a flagSet
// prints nothing and returns one usageError instead.
type flagSet struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer // where -h prints the usage: it was asked for
}

// newFlags returns the flags of the subcommand name; synopsis is its usage
// line after "newsbot".
func newFlags(e *env, name, synopsis string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, synopsis: synopsis, stdout: e.stdout}
}

// usage is the subcommand's usage text: its synopsis and its flags.
func (f *flagSet) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s %s\n", programName, f.synopsis)
	f.SetOutput(&b)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
	return b.String()
}

// fail returns a usage error of the subcommand.
func (f *flagSet) fail(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(f.Name()+": "+format, args...), usage: f.usage()}
}

// parse parses args, which may have flags after positional arguments
// ("ask 'question' --json"), and returns the positional ones. -h prints the
// usage and returns errHelpShown.
func (f *flagSet) parse(args []string) ([]string, error) {
	if f.Lookup("db") == nil {
		if fixed, ok := moveDBFlag(f.Name(), args); ok {
			return nil, f.fail("-db goes before the command: %s", fixed)
		}
	}
	pos, err := parseInterspersed(f.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(f.stdout, f.usage())
		return nil, errHelpShown
	}
	if err != nil {
		return nil, f.fail("%v", err)
	}
	return pos, nil
}

// moveDBFlag finds a -db given after the command name ("newsbot ingest -db
// x.db f.txt", where package flag would say only that -db is not defined)
// and returns the command line with -db where it belongs.
func moveDBFlag(name string, args []string) (string, bool) {
	for i, a := range args {
		if a == "--" {
			return "", false
		}
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || flagName != "db" {
			continue
		}
		rest := append([]string{}, args[:i]...)
		switch {
		case hasValue:
			rest = append(rest, args[i+1:]...)
		case i+1 < len(args):
			value = args[i+1]
			rest = append(rest, args[i+2:]...)
		default:
			value = "PATH"
		}
		line := []string{programName, "-db", quoteArg(value), name}
		for _, r := range rest {
			line = append(line, quoteArg(r))
		}
		return strings.Join(line, " "), true
	}
	return "", false
}

// quoteArg quotes a command-line argument for a shell when it needs it.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?&|;<>()[]{}!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// parseInterspersed parses flags that may come after positional arguments,
// which the flag package alone does not allow.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			// Parse consumed a "--": all that follows is positional.
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
