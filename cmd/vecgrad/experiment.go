package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// experimentCmd is one `vecgrad experiment NAME` command: a one-line
// summary and the function that parses its flags and runs it. Each
// experiment registers itself from its own file (experiments[name] = ...
// in an init function).
type experimentCmd struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var experiments = map[string]experimentCmd{}

func experimentNames() string {
	var names []string
	for n := range experiments {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func runExperiment(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Fprintf(stdout, "Usage: vecgrad experiment NAME [flags]\n\nExperiments:\n")
			for _, n := range strings.Split(experimentNames(), ", ") {
				fmt.Fprintf(stdout, "  %-16s %s\n", n, experiments[n].summary)
			}
			fmt.Fprintf(stdout, "\nRun 'vecgrad experiment NAME -h' for its flags.\n")
			return exitOK
		}
		if e, ok := experiments[args[0]]; ok {
			return e.run(args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "vecgrad experiment: unknown experiment %q (accepted: %s)\n", args[0], experimentNames())
		return exitUsage
	}
	fmt.Fprintf(stderr, "vecgrad experiment: missing experiment name (accepted: %s)\n", experimentNames())
	return exitUsage
}
