package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/vecgrad/vecgrad/bench"
)

// flagSet wraps a flag.FlagSet so that a bad command line gives one line on
// stderr naming the problem and what is accepted (for an unknown flag, the
// accepted flags; for a bad value, the flag, the value and the values it
// takes), and -h prints the usage with the defaults on stdout.
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
	bad := fs.recordBadValues()
	err := fs.Parse(args)
	fs.VisitAll(func(f *flag.Flag) { f.Value = f.Value.(recordedValue).Value })
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.usage(stdout)
		return false, exitOK
	case bad.flag != nil:
		return false, fs.fail(stderr, "-%s %q: want %s", bad.flag.Name, bad.value, accepted(bad.flag.Value, bad.err))
	case err != nil:
		if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok && fs.Lookup(name) != nil {
			return false, fs.fail(stderr, "-%s needs a value: want %s", name, accepted(fs.Lookup(name).Value, nil))
		}
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
			return false, fs.failFlags(stderr, "unknown flag %s", name)
		}
		return false, fs.failFlags(stderr, "%v", err)
	case fs.NArg() > 0:
		return false, fs.failFlags(stderr, "unexpected argument %q", fs.Arg(0))
	}
	return true, exitOK
}

// badValue is the first flag value that did not parse.
type badValue struct {
	flag  *flag.Flag
	value string
	err   error
}

// recordedValue is a flag's value during parse: it records the first value
// that does not parse, which the flag package's error only describes in
// its own words ("parse error").
type recordedValue struct {
	flag.Value
	flag *flag.Flag
	bad  *badValue
}

func (v recordedValue) Set(s string) error {
	err := v.Value.Set(s)
	if err != nil && v.bad.flag == nil {
		*v.bad = badValue{flag: v.flag, value: s, err: err}
	}
	return err
}

// IsBoolFlag keeps boolean flags usable without a value.
func (v recordedValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func (fs *flagSet) recordBadValues() *badValue {
	bad := &badValue{}
	fs.VisitAll(func(f *flag.Flag) { f.Value = recordedValue{Value: f.Value, flag: f, bad: bad} })
	return bad
}

// accepted describes the values a flag takes, from the type of its value;
// for a type of its own, its error (setErr) says it.
func accepted(v flag.Value, setErr error) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return fmt.Sprint(setErr)
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int:
		return "an integer"
	case uint64:
		return fmt.Sprintf("an integer from 0 to %d", uint64(math.MaxUint64))
	case float64:
		return "a number such as 0.01 or 1e-3"
	case time.Duration:
		return "a duration such as 300ms, 1.5s or 2m"
	}
	if setErr == nil {
		return "a value"
	}
	return setErr.Error()
}

// fail prints a one-line usage error and returns the usage exit status. The
// message names the flag, its value and what is accepted.
func (fs *flagSet) fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "vecgrad %s: %s (see 'vecgrad %s -h')\n", fs.cmd, fmt.Sprintf(format, a...), fs.cmd)
	return exitUsage
}

// failFlags is fail for an unknown flag or a stray argument: it names the
// accepted flags.
func (fs *flagSet) failFlags(stderr io.Writer, format string, a ...any) int {
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
