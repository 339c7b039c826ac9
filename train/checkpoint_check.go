package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/train/nn"
)

// This file holds the checks loadCheckpoint makes before it changes
// anything: a checkpoint is refused at load, with a message naming what is
// wrong, rather than trained on until a misleading divergence or a plot
// error an epoch later.

// stateNames are the optimizer state tensors a checkpoint may hold per
// parameter, as torch names them.
var stateNames = []string{"momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"}

// checkpointMaxBytes is the most tensor data a checkpoint of params can
// hold: each parameter, at most three state tensors of its shape and a
// scalar step count. Reading is refused above it, before allocating.
func checkpointMaxBytes(params []nn.Param) int64 {
	var n int64
	for _, p := range params {
		n += 4*int64(p.Tensor.Numel()) + 1
	}
	return 4 * n
}

// stateTensors returns which of stateNames a checkpoint of cfg's run after
// steps optimizer steps holds for every parameter: torch creates the state
// at a parameter's first step, SGD's momentum buffer only with momentum,
// and Adam's max_exp_avg_sq only with amsgrad, which no Config sets.
func stateTensors(cfg Config, steps int64) map[string]bool {
	switch {
	case steps == 0:
		return nil
	case cfg.Optimizer == "sgd":
		return map[string]bool{"momentum_buffer": cfg.Momentum != 0}
	}
	return map[string]bool{"step": true, "exp_avg": true, "exp_avg_sq": true}
}

// stateWanted says, for messages, what state cfg's run keeps after steps.
func stateWanted(cfg Config, steps int64) string {
	var names []string
	for _, n := range stateNames {
		if stateTensors(cfg, steps)[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("a %s run with these settings has no optimizer state after %d steps", cfg.optimizerName(), steps)
	}
	return fmt.Sprintf("a %s run with these settings keeps only %s", cfg.optimizerName(), strings.Join(names, ", "))
}

// checkValues refuses non-finite values, and negative ones where the
// quantity is a running mean of squares.
func checkValues(path, name string, d []float32, nonNegative bool) error {
	for i, v := range d {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return checkpointError(path, "tensor %q holds %v at element %d; weights and optimizer state must be finite", name, v, i)
		}
		if nonNegative && v < 0 {
			return checkpointError(path, "tensor %q holds %v at element %d; a mean of squared gradients must be >= 0", name, v, i)
		}
	}
	return nil
}

// loadProgress reads the progress counters, the loss log and the test
// results into res and checks that they agree with each other and with a
// run of cfg over trainLen training examples: each epoch is
// ceil(trainLen/batch size) steps and trainLen samples (a run that diverges
// writes no checkpoint).
func loadProgress(path string, md map[string]string, cfg Config, trainLen int, res *Result) error {
	epochs, err := intMeta(path, md, "epoch")
	if err != nil {
		return err
	}
	if epochs > int64(cfg.Epochs) {
		return checkpointError(path, "it has done %d epochs, more than the %d this run asks for", epochs, cfg.Epochs)
	}
	if res.Steps, err = intMeta(path, md, "step"); err != nil {
		return err
	}
	if res.Samples, err = intMeta(path, md, "samples"); err != nil {
		return err
	}
	// Divisions, not products: nothing here can overflow.
	n, b := int64(trainLen), int64(cfg.BatchSize)
	batches := n/b + min(n%b, 1)
	if res.Samples%n != 0 || res.Samples/n != epochs {
		return checkpointError(path, "metadata \"samples\" is %d, but %d epochs over the %d training examples are %d samples (a different training set?)", res.Samples, epochs, n, epochs*n)
	}
	if res.Steps%batches != 0 || res.Steps/batches != epochs {
		return checkpointError(path, "metadata \"step\" is %d, but %d epochs of %d batches are %d steps", res.Steps, epochs, batches, epochs*batches)
	}
	if err := unmarshalMeta(path, md, "loss_log", &res.Log); err != nil {
		return err
	}
	if err := checkLossLog(path, &res.Log, res.Samples); err != nil {
		return err
	}
	if err := unmarshalMeta(path, md, "test_results", &res.Epochs); err != nil {
		return err
	}
	if int64(len(res.Epochs)) != epochs {
		return checkpointError(path, "metadata \"epoch\" is %d but it holds test results for %d epochs", epochs, len(res.Epochs))
	}
	for i, e := range res.Epochs {
		switch {
		case e.Epoch != i+1:
			return checkpointError(path, "test result %d is numbered epoch %d, want %d", i, e.Epoch, i+1)
		case !(e.Accuracy >= 0 && e.Accuracy <= 1):
			return checkpointError(path, "epoch %d's accuracy is %v, want a fraction in [0, 1]", e.Epoch, e.Accuracy)
		case !(e.AvgLoss >= 0) || math.IsInf(e.AvgLoss, 0):
			return checkpointError(path, "epoch %d's average test loss is %v, want a finite number >= 0", e.Epoch, e.AvgLoss)
		}
	}
	return nil
}

// checkLossLog checks that the log's sample counts increase within (0,
// samples] and that its losses are finite.
func checkLossLog(path string, l *LossLog, samples int64) error {
	if len(l.Samples) != len(l.Loss) {
		return checkpointError(path, "the loss log has %d sample counts but %d losses", len(l.Samples), len(l.Loss))
	}
	prev := int64(0)
	for i, s := range l.Samples {
		if s <= prev || s > samples {
			return checkpointError(path, "the loss log's sample count %d is %d, want more than the previous (%d) and at most metadata \"samples\" (%d)", i, s, prev, samples)
		}
		prev = s
		if v := float64(l.Loss[i]); math.IsNaN(v) || math.IsInf(v, 0) {
			return checkpointError(path, "the loss log's loss %d is %v, want a finite number", i, v)
		}
	}
	return nil
}

// checkParamGroups checks that the checkpoint's "optimizer" and
// "optimizer.param_groups" are what cfg's optimizer, sd's, runs with. The
// config is the one source of truth for the hyper-parameters (it is what
// the summary, the plot title and a resume's settings check show), so a
// param_groups that says otherwise is a contradiction, named with both
// values, not a silent override. The text must be what saveCheckpoint
// writes (torch's keys), or what it wrote before issue 20 (GroupState's Go
// field names), for these settings.
func checkParamGroups(path string, md map[string]string, cfg Config, sd *optim.StateDict) error {
	if got := md["optimizer"]; got != sd.Optimizer {
		return checkpointError(path, "metadata \"optimizer\" is %q, but \"config\" says %s (%s)", got, cfg.Optimizer, sd.Optimizer)
	}
	text, ok := md["optimizer.param_groups"]
	if !ok {
		return checkpointError(path, "metadata %q is missing", "optimizer.param_groups")
	}
	canon, err := optim.MarshalParamGroups(sd)
	if err != nil {
		return checkpointError(path, "%v", err)
	}
	legacy, err := json.Marshal(sd.ParamGroups)
	if err != nil {
		return checkpointError(path, "%v", err)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, []byte(text)) == nil && (bytes.Equal(compact.Bytes(), canon) || bytes.Equal(compact.Bytes(), legacy)) {
		return nil
	}
	// Not what vecgrad writes for these settings: say what differs.
	if strings.Contains(text, `"LR"`) && !strings.Contains(text, `"lr"`) {
		err = checkLegacyGroups(path, text, sd)
	} else {
		err = diffParamGroups(path, text, canon, sd.Optimizer)
	}
	if err != nil {
		return err
	}
	// The values agree; the text must also be what saveCheckpoint wrote.
	// encoding/json matches keys without regard to case and keeps the last
	// of repeated ones, so "lr":0.5 beside "LR":0.001 would otherwise pass.
	return checkpointError(path, "metadata \"optimizer.param_groups\" is %s, which says what %s does but not in the form vecgrad writes (keys renamed, repeated, left out or reordered?)", text, canon)
}

// diffParamGroups names the first hyper-parameter in which text, torch's
// param_groups as JSON, differs from canon, what the config gives; nil if
// none does.
func diffParamGroups(path, text string, canon []byte, op string) error {
	groups, err := optim.UnmarshalParamGroups(op, []byte(text))
	if err != nil {
		return checkpointError(path, "metadata \"optimizer.param_groups\" is not valid: %v", err)
	}
	got, err := optim.MarshalParamGroups(&optim.StateDict{Optimizer: op, ParamGroups: groups})
	if err != nil {
		return checkpointError(path, "%v", err)
	}
	var g, w []map[string]json.RawMessage
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(canon, &w) != nil {
		return checkpointError(path, "metadata \"optimizer.param_groups\" cannot be compared") // not reached: both are Marshal's output
	}
	if len(g) != len(w) {
		return checkpointError(path, "metadata \"optimizer.param_groups\" has %d groups, want %d", len(g), len(w))
	}
	for i := range w {
		for _, k := range optim.ParamGroupKeys(op) {
			if !bytes.Equal(g[i][k], w[i][k]) {
				return checkpointError(path, "metadata \"optimizer.param_groups\" group %d has %q %s, but its \"config\" gives %s; the checkpoint contradicts itself (edited?)", i, k, g[i][k], w[i][k])
			}
		}
	}
	return nil
}

// groupMeta is optim.GroupState as checkpoints written before issue 20
// hold it (Go field names), with Betas a slice so that a list of the wrong
// length is seen rather than padded with zeros.
type groupMeta struct {
	Params      []int
	LR          float64
	WeightDecay float64
	Maximize    bool
	Momentum    float64
	Dampening   float64
	Nesterov    bool
	Betas       []float64
	Eps         float64
	AMSGrad     bool
}

// checkLegacyGroups names the first hyper-parameter in which text, a
// param_groups of GroupState's Go field names, differs from sd's; nil if
// none does.
func checkLegacyGroups(path, text string, sd *optim.StateDict) error {
	var groups []groupMeta
	if err := unmarshalMeta(path, map[string]string{"optimizer.param_groups": text}, "optimizer.param_groups", &groups); err != nil {
		return err
	}
	if len(groups) != len(sd.ParamGroups) {
		return checkpointError(path, "metadata \"optimizer.param_groups\" has %d groups, want %d", len(groups), len(sd.ParamGroups))
	}
	for g, w := range sd.ParamGroups {
		got := groups[g]
		if len(got.Betas) != 2 {
			return checkpointError(path, "metadata \"optimizer.param_groups\" group %d has \"Betas\" %v, want two coefficients, %v with these settings", g, got.Betas, w.Betas)
		}
		for _, f := range []struct {
			key       string
			got, want any
		}{
			{"Params", fmt.Sprint(got.Params), fmt.Sprint(w.Params)},
			{"LR", got.LR, w.LR},
			{"WeightDecay", got.WeightDecay, w.WeightDecay},
			{"Maximize", got.Maximize, w.Maximize},
			{"Momentum", got.Momentum, w.Momentum},
			{"Dampening", got.Dampening, w.Dampening},
			{"Nesterov", got.Nesterov, w.Nesterov},
			{"Betas", fmt.Sprint(got.Betas), fmt.Sprint(w.Betas[:])},
			{"Eps", got.Eps, w.Eps},
			{"AMSGrad", got.AMSGrad, w.AMSGrad},
		} {
			if f.got != f.want {
				return checkpointError(path, "metadata \"optimizer.param_groups\" group %d has %q %v, but its \"config\" gives %v; the checkpoint contradicts itself (edited?)", g, f.key, f.got, f.want)
			}
		}
	}
	return nil
}
