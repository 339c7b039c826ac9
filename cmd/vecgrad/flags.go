package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vecgrad/vecgrad/bench"
)

// flagSet wraps a flag.FlagSet so that a bad command line gives one line on
// stderr naming the problem and the accepted flags, and -h prints the usage
// with the defaults on stdout.
type flagSet struct {
	*flag.FlagSet
	cmd, synopsis, about string
}

func newFlagSet(cmd, synopsis, about string) *flagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flagSet{FlagSet: fs, cmd: cmd, synopsis: synopsis, about: about}
}

// parse parses args and reports whether to go on; if not, status is the exit
// status (0 after -h).
func (fs *flagSet) parse(args []string, stdout, stderr io.Writer) (ok bool, status int) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.usage(stdout)
		return false, exitOK
	case err != nil:
		return false, fs.fail(stderr, "%v", err)
	case fs.NArg() > 0:
		return false, fs.fail(stderr, "unexpected argument %q", fs.Arg(0))
	}
	return true, exitOK
}

// fail prints a one-line usage error naming the accepted flags and returns
// the usage exit status.
func (fs *flagSet) fail(stderr io.Writer, format string, a ...any) int {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	fmt.Fprintf(stderr, "vecgrad %s: %s (accepted flags: %s; see 'vecgrad %s -h')\n",
		fs.cmd, fmt.Sprintf(format, a...), strings.Join(names, ", "), fs.cmd)
	return exitUsage
}

func (fs *flagSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: vecgrad %s\n\n%s\n\nFlags:\n", fs.synopsis, fs.about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintf(w, "\n%s", envHelp)
}

// measureFlags are the flags that set how long each figure is measured.
type measureFlags struct {
	quick   bool
	reps    int
	minTime time.Duration
}

func (m *measureFlags) register(fs *flagSet) {
	fs.BoolVar(&m.quick, "quick", false, fmt.Sprintf("shorter measurements: best of %d repetitions of at least %v",
		bench.QuickOptions.Reps, bench.QuickOptions.MinTime))
	fs.IntVar(&m.reps, "reps", bench.DefaultOptions.Reps, "repetitions of each measurement; the best one is reported")
	fs.DurationVar(&m.minTime, "mintime", bench.DefaultOptions.MinTime, "least duration of one repetition")
}

// options returns the measurement options: -quick's unless -reps or -mintime
// were given explicitly.
func (m *measureFlags) options(fs *flagSet) (bench.Options, error) {
	opt := bench.Options{Reps: m.reps, MinTime: m.minTime}
	if m.quick {
		opt = bench.QuickOptions
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "reps":
				opt.Reps = m.reps
			case "mintime":
				opt.MinTime = m.minTime
			}
		})
	}
	if opt.Reps < 1 {
		return opt, fmt.Errorf("-reps %d: want at least 1", opt.Reps)
	}
	if opt.MinTime <= 0 {
		return opt, fmt.Errorf("-mintime %v: want a positive duration", opt.MinTime)
	}
	return opt, nil
}
