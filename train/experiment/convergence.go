package experiment

// The convergence experiment: how fast six optimizers drive down the training
// loss of multinomial logistic regression on MNIST, measured two ways.
//
// The model is a 784x10 weight matrix W and a bias b of 10, logits x·W + b,
// and the objective the mean softmax cross-entropy (loss.CrossEntropy) over
// the first Subset training examples (MNIST's training files are already in
// random order, so a prefix is a fair sample; the subset keeps the
// full-batch methods quick). The problem is convex, so every method starts
// from W = 0, b = 0: there is no symmetry to break, and all methods then
// start from the same loss, log(10). The seed only orders the mini-batches.
//
// Methods and their hyper-parameters (ConvergenceMethods):
//
//	gd        full-batch gradient descent, lr 0.5
//	sgd       mini-batch SGD, lr 0.1, batch BatchSize (64)
//	momentum  mini-batch SGD with heavy-ball momentum 0.9, lr 0.05, batch BatchSize
//	adam      mini-batch Adam, torch's defaults (lr 1e-3, betas 0.9/0.999), batch BatchSize
//	lbfgs     full-batch L-BFGS, torch's defaults (history 100, lr 1) with the strong-Wolfe line search
//	newton-cg full-batch Newton-CG, its defaults (forcing term min(0.5, sqrt‖g‖)) with
//	          the Armijo line search, at most 10 CG iterations per step
//
// Newton-CG's CG iterations are capped at 10 (its default is min(n, 100)),
// because each costs a Hessian-vector product, two gradient evaluations: a
// 100-iteration step would cost 201 passes, more than a whole budget.
//
// Passes count gradient evaluations in units of the subset: a full-batch
// evaluation is one pass, a mini-batch of B examples B/N of one. For L-BFGS
// and Newton-CG every closure call counts, line-search trials and the two
// gradients of each Hessian-vector product included. L-BFGS is stepped one
// iteration per Step call so that the loss can be recorded after every
// iteration; the re-evaluation at the start of each Step would be a wasted
// pass (the line search already evaluated that point), so the closure
// returns its cached loss when the parameters are bitwise the ones it last
// evaluated, and such a call is not counted, as in torch's uninterrupted
// max_iter loop.
//
// The loss recorded is always the full-subset loss, after every iteration of
// the full-batch methods and about 20 times per pass for the mini-batch
// ones; the recording evaluations count neither as passes nor in the
// seconds, which are the wall-clock time spent in the optimizer's own steps.
// The budget is checked between iterations, so a method may overshoot it by
// its last iteration (most visibly Newton-CG, whose step costs many passes).
//
// WriteConvergence writes two PNGs, one per x axis (loss against passes and
// loss against seconds, log y), each with one curve per method: the "one PNG
// each" of the issue means one per axis. It also writes a CSV per method.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/lossplot"
)

// ConvergenceMethods are the methods Convergence knows, in plotting order.
var ConvergenceMethods = []string{"gd", "sgd", "momentum", "adam", "lbfgs", "newton-cg"}

// Defaults of ConvergenceOptions.
const (
	DefaultConvergencePasses    = 20
	DefaultConvergenceSubset    = 10000
	DefaultConvergenceBatchSize = 64
)

// Hyper-parameters of the methods (see the package notes above).
const (
	convGDLR       = 0.5
	convSGDLR      = 0.1
	convMomentumLR = 0.05
	convMomentum   = 0.9
	convNewtonCGIt = 10
	// convRecordsPerPass is how often per pass a mini-batch method records.
	convRecordsPerPass = 20
)

// ConvergenceOptions configure Convergence. The zero value of each field
// means its default.
type ConvergenceOptions struct {
	// Passes is the budget of each method in passes over the subset
	// (default DefaultConvergencePasses).
	Passes float64
	// Subset is the number of training examples used, the first ones of the
	// dataset (default DefaultConvergenceSubset, or the whole dataset if
	// smaller).
	Subset int
	// BatchSize is the mini-batch size of sgd, momentum and adam (default
	// DefaultConvergenceBatchSize).
	BatchSize int
	// Seed orders the mini-batches.
	Seed uint64
	// Methods are the methods to run (default ConvergenceMethods).
	Methods []string
}

// Curve is one method's training loss on the subset after Passes[i] passes
// over it and Seconds[i] seconds in its steps; index 0 is the starting point.
type Curve struct {
	Method                string
	Passes, Seconds, Loss []float64
}

// ParseConvergenceMethods parses a comma-separated list of methods, "all"
// for every one.
func ParseConvergenceMethods(list string) ([]string, error) {
	if strings.TrimSpace(list) == "all" {
		return slices.Clone(ConvergenceMethods), nil
	}
	var out []string
	for _, m := range strings.Split(list, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(ConvergenceMethods, m) {
			return nil, fmt.Errorf("unknown method %q (accepted: all, or some of %s)", m, strings.Join(ConvergenceMethods, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (o ConvergenceOptions) withDefaults(n int) (ConvergenceOptions, error) {
	if o.Passes == 0 {
		o.Passes = DefaultConvergencePasses
	}
	if o.Subset == 0 {
		o.Subset = min(DefaultConvergenceSubset, n)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultConvergenceBatchSize
	}
	if len(o.Methods) == 0 {
		o.Methods = ConvergenceMethods
	}
	switch {
	case !(o.Passes > 0) || math.IsInf(o.Passes, 0):
		return o, fmt.Errorf("experiment: convergence: passes %v: want a positive finite number", o.Passes)
	case o.Subset < 1 || o.Subset > n:
		return o, fmt.Errorf("experiment: convergence: subset %d: want 1 to %d (the dataset's size)", o.Subset, n)
	case o.BatchSize < 1:
		return o, fmt.Errorf("experiment: convergence: batch size %d: want at least 1", o.BatchSize)
	}
	for _, m := range o.Methods {
		if !slices.Contains(ConvergenceMethods, m) {
			return o, fmt.Errorf("experiment: convergence: unknown method %q (accepted: %s)", m, strings.Join(ConvergenceMethods, ", "))
		}
	}
	return o, nil
}

// convProblem is the logistic regression on the subset.
type convProblem struct {
	sub    *data.Dataset
	x, y   *tensor.Tensor // the whole subset: [N, 784] and its class indices [N]
	w, b   *tensor.Tensor // the parameters
	params []*tensor.Tensor
}

func newConvProblem(ds *data.Dataset, n int) *convProblem {
	f := ds.Features()
	sub := &data.Dataset{Images: ds.Images[:n*f], Labels: ds.Labels[:n], Rows: ds.Rows, Cols: ds.Cols}
	targets := make([]float32, n)
	for i, l := range sub.Labels {
		targets[i] = float32(l)
	}
	p := &convProblem{sub: sub, x: tensor.New(sub.Images, n, f), y: tensor.New(targets, n),
		w: tensor.Zeros(f, data.NumClasses).SetRequiresGrad(true), b: tensor.Zeros(data.NumClasses).SetRequiresGrad(true)}
	p.params = []*tensor.Tensor{p.w, p.b}
	return p
}

// lossOn builds the mean cross-entropy of a batch.
func (p *convProblem) lossOn(x, y *tensor.Tensor) (*tensor.Tensor, error) {
	return loss.CrossEntropy(x.Matmul(p.w).Add(p.b), y, loss.CrossEntropyOptions{})
}

// fullGrad zeroes the gradients and evaluates the full-subset loss and
// gradient.
func (p *convProblem) fullGrad() (float64, error) {
	tensor.ZeroGrad(p.params...)
	l, err := p.lossOn(p.x, p.y)
	if err != nil {
		return 0, err
	}
	l.Backward()
	return float64(l.Item()), nil
}

// record evaluates the full-subset loss without a graph, for the curve.
func (p *convProblem) record() (float64, error) {
	var v float64
	var err error
	tensor.NoGrad(func() {
		var l *tensor.Tensor
		if l, err = p.lossOn(p.x, p.y); err == nil {
			v = float64(l.Item())
		}
	})
	return v, err
}

// Convergence runs each method of opt on logistic regression over ds (the
// first opt.Subset examples) for opt.Passes passes and returns one curve per
// method, in opt.Methods' order. It stops with ctx's error when ctx is done.
func Convergence(ctx context.Context, ds *data.Dataset, opt ConvergenceOptions) ([]Curve, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, errors.New("experiment: convergence: empty dataset")
	}
	opt, err := opt.withDefaults(ds.Len())
	if err != nil {
		return nil, err
	}
	var curves []Curve
	for _, m := range opt.Methods {
		c, err := convergenceRun(ctx, newConvProblem(ds, opt.Subset), m, opt)
		if err != nil {
			return curves, fmt.Errorf("experiment: convergence: %s: %w", m, err)
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// convRun is one method's run: the problem, the budget and the curve being
// recorded, shared by the method's loop and its recording and timing steps.
type convRun struct {
	ctx    context.Context
	p      *convProblem
	opt    ConvergenceOptions
	c      Curve
	passes float64       // gradient evaluations so far, in passes over the subset
	spent  time.Duration // wall-clock time in the optimizer's own steps
}

func convergenceRun(ctx context.Context, p *convProblem, method string, opt ConvergenceOptions) (Curve, error) {
	r := &convRun{ctx: ctx, p: p, opt: opt, c: Curve{Method: method}}
	if err := r.add(); err != nil {
		return r.c, err
	}
	var err error
	switch method {
	case "gd":
		err = r.gd()
	case "sgd", "momentum", "adam":
		err = r.miniBatch(method)
	case "lbfgs":
		err = r.lbfgs()
	case "newton-cg":
		err = r.newtonCG()
	default:
		err = fmt.Errorf("unknown method %q", method)
	}
	return r.c, err
}

// add records the full-subset loss at the current passes and seconds.
func (r *convRun) add() error {
	l, err := r.p.record()
	if err != nil {
		return err
	}
	r.c.Passes = append(r.c.Passes, r.passes)
	r.c.Seconds = append(r.c.Seconds, r.spent.Seconds())
	r.c.Loss = append(r.c.Loss, l)
	return nil
}

// timed runs one step, adding its duration to spent.
func (r *convRun) timed(step func() error) error {
	start := time.Now()
	err := step()
	r.spent += time.Since(start)
	return err
}

// gd runs full-batch gradient descent, recording after every step.
func (r *convRun) gd() error {
	o, err := optim.NewSGD(r.p.params, optim.SGDOptions{LR: convGDLR})
	if err != nil {
		return err
	}
	for r.passes < r.opt.Passes {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.timed(func() error {
			_, err := r.p.fullGrad()
			o.Step()
			return err
		}); err != nil {
			return err
		}
		r.passes++
		if err := r.add(); err != nil {
			return err
		}
	}
	return nil
}

// miniBatch runs sgd, momentum or adam over shuffled mini-batches, recording
// about convRecordsPerPass times per pass.
func (r *convRun) miniBatch(method string) error {
	var o optim.Optimizer
	var err error
	switch method {
	case "sgd":
		o, err = optim.NewSGD(r.p.params, optim.SGDOptions{LR: convSGDLR})
	case "momentum":
		o, err = optim.NewSGD(r.p.params, optim.SGDOptions{LR: convMomentumLR, Momentum: convMomentum})
	default:
		o, err = optim.NewAdam(r.p.params, optim.DefaultAdam())
	}
	if err != nil {
		return err
	}
	ld, err := data.NewLoader(r.p.sub, data.LoaderOptions{BatchSize: r.opt.BatchSize, Sampling: data.Shuffle, Seed: r.opt.Seed})
	if err != nil {
		return err
	}
	n := float64(r.p.sub.Len())
	every := max(1, ld.Len()/convRecordsPerPass)
	arena := tensor.NewArena()
	for epoch := 0; r.passes < r.opt.Passes; epoch++ {
		k := 0
		for b := range ld.Epoch(epoch) {
			if r.passes >= r.opt.Passes {
				break
			}
			if err := r.ctx.Err(); err != nil {
				return err
			}
			if err := r.timed(func() error {
				defer arena.Reset()
				o.ZeroGrad()
				l, err := r.p.lossOn(b.Input(arena), b.Target(arena))
				if err != nil {
					return err
				}
				l.Backward()
				o.Step()
				return nil
			}); err != nil {
				return err
			}
			r.passes += float64(b.Size) / n
			if k++; k%every == 0 || r.passes >= r.opt.Passes {
				if err := r.add(); err != nil {
					return err
				}
			}
		}
	}
	// The epoch's last (short) batch may end between records.
	if r.c.Passes[len(r.c.Passes)-1] != r.passes {
		return r.add()
	}
	return nil
}

// lbfgs runs full-batch L-BFGS one iteration per Step, recording after each.
func (r *convRun) lbfgs() error {
	lo := optim.DefaultLBFGS()
	lo.MaxIter, lo.LineSearch = 1, "strong_wolfe"
	o, err := optim.NewLBFGS(r.p.params, lo)
	if err != nil {
		return err
	}
	closure := r.cachedClosure()
	for r.passes < r.opt.Passes {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		before := r.passes
		if err := r.timed(func() error { _, err := o.Step(closure); return err }); err != nil {
			return err
		}
		if r.passes == before {
			break // converged: L-BFGS stops evaluating
		}
		if err := r.add(); err != nil {
			return err
		}
	}
	return nil
}

// cachedClosure is L-BFGS's closure: a full-batch evaluation counted as one
// pass, except that a call at bitwise the parameters of the last evaluation
// gives back that evaluation's loss and gradients uncounted (see the notes).
func (r *convRun) cachedClosure() func() (float64, error) {
	p := r.p
	var last []float32 // the parameters of the last evaluation
	var lastLoss float64
	var lastGrads []*tensor.Tensor // and its gradients (Step clears them before each call)
	return func() (float64, error) {
		cur := append(slices.Clone(p.w.Data()), p.b.Data()...)
		if last != nil && slices.Equal(cur, last) {
			// The same point again (see the notes): give back its gradients.
			for i, q := range p.params {
				q.SetGrad(lastGrads[i])
			}
			return lastLoss, nil
		}
		l, err := p.fullGrad()
		if err != nil {
			return 0, err
		}
		r.passes++
		lastGrads = lastGrads[:0]
		for _, q := range p.params {
			g := q.Grad()
			if g != nil {
				g = g.Clone()
			}
			lastGrads = append(lastGrads, g)
		}
		last, lastLoss = cur, l
		return l, nil
	}
}

// newtonCG runs full-batch Newton-CG with its Armijo line search, recording
// after every step, until the budget or a step with no descent.
func (r *convRun) newtonCG() error {
	o, err := optim.NewNewtonCG(r.p.params, optim.NewtonCGOptions{LineSearch: true, MaxCGIter: convNewtonCGIt})
	if err != nil {
		return err
	}
	closure := func() (float64, error) {
		r.passes++
		return r.p.fullGrad()
	}
	for r.passes < r.opt.Passes {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.timed(func() error { _, err := o.Step(closure); return err }); err != nil {
			return err
		}
		if err := r.add(); err != nil {
			return err
		}
		if o.Last().Alpha == 0 {
			break // no descent step found: at the minimum to float32 precision
		}
	}
	return nil
}

// WriteConvergence writes the curves to dir (created if needed), each file
// atomically: loss-vs-passes.png and loss-vs-seconds.png, one curve per
// method on a log loss axis, and METHOD.csv per method (columns passes,
// seconds, loss). It returns the paths written.
func WriteConvergence(dir string, curves []Curve) ([]string, error) {
	if len(curves) == 0 {
		return nil, errors.New("experiment: convergence: no curves to write")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, c := range curves {
		var buf bytes.Buffer
		buf.WriteString("passes,seconds,loss\n")
		for i := range c.Loss {
			fmt.Fprintf(&buf, "%s,%s,%s\n", strconv.FormatFloat(c.Passes[i], 'g', -1, 64),
				strconv.FormatFloat(c.Seconds[i], 'g', -1, 64), strconv.FormatFloat(c.Loss[i], 'g', -1, 64))
		}
		path := filepath.Join(dir, c.Method+".csv")
		if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
			return files, err
		}
		files = append(files, path)
	}
	for _, axis := range []struct{ file, label string }{
		{"loss-vs-passes.png", "passes over the data"},
		{"loss-vs-seconds.png", "wall-clock seconds"},
	} {
		var series []lossplot.Series
		for _, c := range curves {
			x := c.Passes
			if axis.file == "loss-vs-seconds.png" {
				x = c.Seconds
			}
			series = append(series, lossplot.Series{Label: c.Method, Samples: x, Loss: c.Loss})
		}
		path := filepath.Join(dir, axis.file)
		title := "Logistic regression on MNIST: training loss against " + axis.label
		if err := lossplot.WritePNG(path, title, series, lossplot.Options{XLabel: axis.label, YLabel: "training loss (subset)", LogY: true}); err != nil {
			return files, err
		}
		files = append(files, path)
	}
	return files, nil
}
