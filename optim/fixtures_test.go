package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// The fixtures are PyTorch's trajectories, written by
// tools/optimfixtures/gen.py (see there for the model and the cases).

// f32 is a float32 written in its shortest round-trip decimal form.
type f32 float32

func (x *f32) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseFloat(string(b), 32)
	*x = f32(v)
	return err
}

type fixGroup struct {
	Params []int                      `json:"params"`
	Hyper  map[string]json.RawMessage `json:"hyper"`
}

type fixCase struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Groups   []fixGroup `json:"groups"`
	Error    string     `json:"error"`
	Init     [][]f32    `json:"init"`
	Grads    [][][]f32  `json:"grads"` // [step][param]
	After    [][][]f32  `json:"after"` // [step][param]
	LRs      [][]float64
	LRChange *struct {
		Step int       `json:"step"`
		LRs  []float64 `json:"lrs"`
	} `json:"lr_change"`
	Sched *struct {
		Name string             `json:"name"`
		Args map[string]float64 `json:"args"`
	} `json:"sched"`
}

type fixFile struct {
	Torch string    `json:"torch"`
	Steps int       `json:"steps"`
	Cases []fixCase `json:"cases"`
}

var loadFixtures = sync.OnceValues(func() (*fixFile, error) {
	b, err := os.ReadFile("testdata/optim_fixtures.json")
	if err != nil {
		return nil, err
	}
	var f fixFile
	return &f, json.Unmarshal(b, &f)
})

func fixtures(t *testing.T) *fixFile {
	t.Helper()
	f, err := loadFixtures()
	if err != nil {
		t.Fatalf("reading the fixtures (regenerate with /usr/bin/python3 tools/optimfixtures/gen.py): %v", err)
	}
	return f
}

// The model's parameter shapes (tools/optimfixtures/gen.py).
var fixShapes = [][]int{{5, 7}, {7}}

func f32s(x []f32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// hyper decodes one hyper-parameter of a fixture group, if present.
func hyper[T any](t *testing.T, h map[string]json.RawMessage, key string, dst *T) {
	if raw, ok := h[key]; ok {
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("hyper-parameter %s: %v", key, err)
		}
	}
}

// newFixOptimizer builds the case's optimizer over params, with torch's
// defaults for the hyper-parameters the case leaves out.
func newFixOptimizer(t *testing.T, c *fixCase, params []*tensor.Tensor) (Optimizer, error) {
	var sg []SGDGroup
	var ag []AdamGroup
	for _, g := range c.Groups {
		var ps []*tensor.Tensor
		for _, i := range g.Params {
			ps = append(ps, params[i])
		}
		switch c.Kind {
		case "sgd":
			o := SGDOptions{LR: 0.1}
			hyper(t, g.Hyper, "lr", &o.LR)
			hyper(t, g.Hyper, "momentum", &o.Momentum)
			hyper(t, g.Hyper, "dampening", &o.Dampening)
			hyper(t, g.Hyper, "weight_decay", &o.WeightDecay)
			hyper(t, g.Hyper, "nesterov", &o.Nesterov)
			hyper(t, g.Hyper, "maximize", &o.Maximize)
			sg = append(sg, SGDGroup{Params: ps, SGDOptions: o})
		default:
			o := DefaultAdam()
			if c.Kind == "adamw" {
				o = DefaultAdamW()
			}
			betas := []float64{o.Beta1, o.Beta2}
			hyper(t, g.Hyper, "lr", &o.LR)
			hyper(t, g.Hyper, "betas", &betas)
			o.Beta1, o.Beta2 = betas[0], betas[1]
			hyper(t, g.Hyper, "eps", &o.Eps)
			hyper(t, g.Hyper, "weight_decay", &o.WeightDecay)
			hyper(t, g.Hyper, "amsgrad", &o.AMSGrad)
			hyper(t, g.Hyper, "maximize", &o.Maximize)
			ag = append(ag, AdamGroup{Params: ps, AdamOptions: o})
		}
	}
	switch c.Kind {
	case "sgd":
		return NewSGDGroups(sg...)
	case "adam":
		return NewAdamGroups(ag...)
	case "adamw":
		return NewAdamWGroups(ag...)
	}
	t.Fatalf("unknown optimizer kind %q", c.Kind)
	return nil, nil
}

func newFixScheduler(t *testing.T, c *fixCase, opt Optimizer) Scheduler {
	a := c.Sched.Args
	var s Scheduler
	var err error
	switch c.Sched.Name {
	case "StepLR":
		s, err = NewStepLR(opt, int(a["step_size"]), a["gamma"])
	case "ExponentialLR":
		s, err = NewExponentialLR(opt, a["gamma"])
	case "CosineAnnealingLR":
		s, err = NewCosineAnnealingLR(opt, int(a["T_max"]), a["eta_min"])
	case "LinearLR":
		s, err = NewLinearLR(opt, a["start_factor"], a["end_factor"], int(a["total_iters"]))
	default:
		t.Fatalf("unknown scheduler %q", c.Sched.Name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setGrad makes g the gradient of the leaf p (exactly: BackwardWith on a
// leaf stores the upstream gradient as it is).
func setGrad(p *tensor.Tensor, g []float32) {
	p.ZeroGrad()
	p.BackwardWith(tensor.New(g, p.Shape()...))
}

const eps32 = 0x1p-23

// TestTorchTrajectories runs every fixture case and compares the parameters
// with PyTorch's after every step, and the learning rates after every
// scheduler step (within 1e-12 relative: torch's recursive forms in float64,
// up to math.Cos against the C library's cos).
//
// Every optimizer must agree bit for bit: kernels.SGDStep and AdamStep
// perform torch 1.13's float32 operations in its order (the fused
// multiply-adds of ATen's add with alpha, and addcmul_'s self +
// value*t1*t2, which GCC contracts to fma(c2*g, g, beta2*v) in torch's
// AVX2 build).
func TestTorchTrajectories(t *testing.T) {
	f := fixtures(t)
	var exact, total int
	for ci := range f.Cases {
		c := &f.Cases[ci]
		t.Run(c.Name, func(t *testing.T) {
			params := make([]*tensor.Tensor, len(fixShapes))
			if c.Error == "" {
				for i, sh := range fixShapes {
					params[i] = tensor.New(f32s(c.Init[i]), sh...).SetRequiresGrad(true)
				}
			} else {
				for i, sh := range fixShapes {
					params[i] = tensor.Zeros(sh...).SetRequiresGrad(true)
				}
			}
			opt, err := newFixOptimizer(t, c, params)
			if c.Error != "" {
				if err == nil {
					t.Fatalf("torch rejects this case (%s), optim accepted it", c.Error)
				}
				t.Logf("torch: %s; optim: %v", c.Error, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sched Scheduler
			if c.Sched != nil {
				sched = newFixScheduler(t, c, opt)
			}
			maxAbs := make([]float64, len(params))
			maxULP, first := 0.0, ""
			for k := range c.Grads {
				if c.LRChange != nil && k == c.LRChange.Step {
					for g, lr := range c.LRChange.LRs {
						opt.SetLR(g, lr)
					}
				}
				for i, p := range params {
					setGrad(p, f32s(c.Grads[k][i]))
				}
				opt.Step()
				for i, p := range params {
					got, want := p.Storage(), f32s(c.After[k][i])
					for _, w := range want {
						maxAbs[i] = max(maxAbs[i], math.Abs(float64(w)))
					}
					ulp := maxAbs[i] * eps32
					const tol = 0.0
					for j := range got {
						d := math.Abs(float64(got[j]) - float64(want[j]))
						total++
						if got[j] == want[j] {
							exact++
						} else if first == "" {
							first = fmt.Sprintf("step %d param %d[%d]: %v vs torch %v", k+1, i, j, got[j], want[j])
						}
						maxULP = max(maxULP, d/ulp)
						if !(d <= tol) {
							t.Fatalf("step %d: param %d[%d] = %v, torch %v (|diff| %.3g > tol %.3g)", k+1, i, j, got[j], want[j], d, tol)
						}
					}
				}
				if sched != nil {
					sched.Step()
					last := sched.LastLR()
					for g, want := range c.LRs[k] {
						for _, got := range []float64{last[g], opt.LR(g)} {
							if !(math.Abs(got-want) <= 1e-12*math.Abs(want)) {
								t.Fatalf("after scheduler step %d: group %d lr = %.17g, torch %.17g", k+1, g, got, want)
							}
						}
					}
				}
			}
			if maxULP > 0 && testing.Verbose() {
				t.Logf("largest difference from torch: %.3g ulps of the largest magnitude; first: %s", maxULP, first)
			}
		})
	}
	t.Logf("%d of %d parameter values after a step equal torch's bit for bit", exact, total)
}
