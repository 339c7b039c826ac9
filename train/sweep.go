package train

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vecgrad/vecgrad/train/lossplot"
)

// Experiment is one of the tutorial's comparisons: runs that differ in one
// setting, drawn as one plot with one curve each.
type Experiment struct {
	// Name is the experiment's name on the command line and in file names.
	Name string
	// Title is the plot's title.
	Title string
	// Runs are the settings compared, and Labels their legend entries.
	Runs   []Config
	Labels []string
	// YMax caps the plot's loss axis (0: no cap), for the experiment whose
	// diverging run would squash the others.
	YMax float64
}

// ExperimentNames lists the experiments in the tutorial's order.
var ExperimentNames = []string{"sgd-batch", "sgd-lr", "sgd-momentum", "adam-batch", "adam-lr"}

// Experiments returns the tutorial's five comparisons, on base's dataset,
// epochs and seed:
//
//	sgd-batch     SGD lr 0.001, momentum 0.5, batch size 16 / 64 / 256
//	sgd-lr        SGD momentum 0.5, batch 16, learning rate 10 / 0.1 / 0.001
//	sgd-momentum  SGD lr 0.001, batch 16, momentum 0 / 0.5 / 0.9
//	adam-batch    Adam lr 0.001, batch size 16 / 64 / 256
//	adam-lr       Adam batch 16, learning rate 0.01 / 0.001 / 0.00001
func Experiments(base Config) []Experiment {
	sgd := base
	sgd.Optimizer, sgd.LR, sgd.Momentum, sgd.BatchSize, sgd.Nesterov, sgd.WeightDecay = "sgd", 1e-3, 0.5, 16, false, 0
	adam := sgd
	adam.Optimizer, adam.Momentum = "adam", 0
	var exps []Experiment
	vary := func(name, title string, c Config, set func(*Config, float64), label func(float64) string, values ...float64) {
		e := Experiment{Name: name, Title: title}
		for _, v := range values {
			r := c
			set(&r, v)
			e.Runs = append(e.Runs, r)
			e.Labels = append(e.Labels, label(v))
		}
		exps = append(exps, e)
	}
	batch := func(c *Config, v float64) { c.BatchSize = int(v) }
	batchLabel := func(v float64) string { return lossplot.BatchLabel(int(v)) }
	lr := func(c *Config, v float64) { c.LR = v }
	mt := func(c *Config, v float64) { c.Momentum = v }
	vary("sgd-batch", "Optimizer-SGD lr-0.001 mt-0.5: batch size", sgd, batch, batchLabel, 16, 64, 256)
	vary("sgd-lr", "Optimizer-SGD mt-0.5 bs-16: learning rate", sgd, lr, lossplot.LRLabel, 10, 0.1, 0.001)
	exps[len(exps)-1].YMax = 5
	vary("sgd-momentum", "Optimizer-SGD lr-0.001 bs-16: momentum", sgd, mt, lossplot.MomentumLabel, 0, 0.5, 0.9)
	vary("adam-batch", "Optimizer-Adam lr-0.001: batch size", adam, batch, batchLabel, 16, 64, 256)
	vary("adam-lr", "Optimizer-Adam bs-16: learning rate", adam, lr, lossplot.LRLabel, 0.01, 0.001, 0.00001)
	return exps
}

// ParseExperiments turns a comma-separated list ("all" for every one) into
// experiment names, in the tutorial's order.
func ParseExperiments(list string) ([]string, error) {
	if strings.TrimSpace(list) == "all" {
		return ExperimentNames, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if !contains(ExperimentNames, n) {
			return nil, fmt.Errorf("experiment %q is unknown (accepted: all, %s)", n, strings.Join(ExperimentNames, ", "))
		}
		want[n] = true
	}
	var out []string
	for _, n := range ExperimentNames {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// SweepOptions configures Sweep.
type SweepOptions struct {
	// OutDir receives <experiment>.png and <experiment>-<label>.csv.
	OutDir string
	// Experiments are the names to run (default: all).
	Experiments []string
	// Log, Progress and LogEvery are passed to each Run.
	Log      io.Writer
	Progress bool
	LogEvery int
}

// SweepRun is one run of a sweep.
type SweepRun struct {
	Experiment, Label string
	Result            *Result
}

// Sweep runs the chosen experiments (see Experiments) and writes their plots
// and CSVs. A setting that several experiments share (SGD lr 0.001, momentum
// 0.5, batch 16 is in three) is trained once. Diverging runs are expected
// (SGD at lr 10): their curves end where they diverged.
func Sweep(ctx context.Context, base Config, sets Data, opt SweepOptions) ([]SweepRun, error) {
	names := opt.Experiments
	if len(names) == 0 {
		names = ExperimentNames
	}
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	if err := mkdirAll(opt.OutDir); err != nil {
		return nil, err
	}
	done := map[Config]*Result{}
	var runs []SweepRun
	for _, e := range Experiments(base) {
		if !contains(names, e.Name) {
			continue
		}
		var series []plotSeries
		for i, c := range e.Runs {
			res, ok := done[c]
			if !ok {
				fmt.Fprintf(log, "== %s: %s (%s)\n", e.Name, e.Labels[i], c.Title())
				var err error
				res, err = Run(ctx, c, sets, Options{Log: opt.Log, Progress: opt.Progress, LogEvery: opt.LogEvery})
				if err != nil {
					return runs, fmt.Errorf("%s %s: %w", e.Name, e.Labels[i], err)
				}
				done[c] = res
			} else {
				fmt.Fprintf(log, "== %s: %s (%s) was trained above\n", e.Name, e.Labels[i], c.Title())
			}
			csv := filepath.Join(opt.OutDir, e.Name+"-"+e.Labels[i]+".csv")
			if err := res.Log.writeCSVFile(csv); err != nil {
				return runs, err
			}
			series = append(series, plotSeries{label: e.Labels[i], log: &res.Log, diverged: res.Diverged != nil})
			runs = append(runs, SweepRun{Experiment: e.Name, Label: e.Labels[i], Result: res})
		}
		png := filepath.Join(opt.OutDir, e.Name+".png")
		if err := writePlotOpt(png, e.Title, series, lossplot.Options{YMax: e.YMax}); err != nil {
			return runs, err
		}
		fmt.Fprintf(log, "== %s: wrote %s\n", e.Name, png)
	}
	return runs, nil
}
