package loss

import (
	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// KLDivOptions are torch.nn.KLDivLoss's arguments. The zero value is torch's
// default: Mean (over all elements; BatchMean is the true KL divergence of
// a batch) with the target as probabilities.
type KLDivOptions struct {
	// Reduction is Mean (the zero value), Sum, None or BatchMean.
	Reduction Reduction
	// LogTarget says the target holds log-probabilities (torch's log_target).
	LogTarget bool
}

// KLDiv is torch.nn.functional.kl_div: the Kullback-Leibler divergence of
// the input x (log-probabilities) from the target t, of the same shape,
// pointwise
//
//	l_i = t_i * (log t_i - x_i)      (0 where t_i = 0, torch's xlogy)
//	l_i = exp(t_i) * (t_i - x_i)     with LogTarget
//
// summed (Sum), averaged over all elements (Mean), divided by the size of
// the first dimension (BatchMean) or returned in the input's shape (None).
// Gradients: dx_i = -t_i * g_i (-exp(t_i) * g_i with LogTarget), and for a
// target that requires grad dt_i = (log t_i + 1 - x_i) * g_i (NaN at t_i = 0,
// as torch's) or exp(t_i) * (t_i - x_i + 1) * g_i, g including the
// reduction's factor. Tensors of different shapes are an *Error.
func KLDiv(input, target *tensor.Tensor, opt KLDivOptions) (*tensor.Tensor, error) {
	o, xs, ts, err := pointwise("KLDiv", klFn{}, input, target, opt.Reduction)
	if err != nil {
		return nil, err
	}
	o.Ints()[iWeighted] = b2i(opt.LogTarget) // reused as the log_target flag
	l := o.Scratch(len(xs))
	klPointwise(l, xs, ts, opt.LogTarget)
	r := opt.Reduction
	if r == BatchMean {
		r = Mean
	}
	denom := float64(len(xs))
	if opt.Reduction == BatchMean {
		denom = 1
		if input.Dim() > 0 {
			denom = float64(input.Size(0))
		}
	}
	reduceTo(o.Out().Storage(), l, r, denom)
	return o.Out(), nil
}

// klPointwise sets l to the pointwise divergence.
func klPointwise(l, x, t []float32, logTarget bool) {
	if logTarget {
		kernels.Exp(l, t)
		for i := range l {
			l[i] *= t[i] - x[i]
		}
		return
	}
	kernels.Log(l, t)
	for i, ti := range t {
		xl := ti * l[i]
		if ti == 0 {
			xl = 0
		}
		l[i] = xl - ti*x[i]
	}
}

type klFn struct{}

func (klFn) Backward(o tensor.CustomOp) {
	x, t := o.Input(0).Storage(), o.Input(1).Storage()
	g, f, none, logT := o.Grad(), o.Saved()[0], o.Ints()[iNone] == 1, o.Ints()[iWeighted] == 1
	gf := o.Scratch(len(x))
	if none {
		kernels.BinaryScalar(kernels.OpMul, gf, g, f)
	} else {
		kernels.Fill(gf, g[0]*f)
	}
	var e []float32 // exp(t) with LogTarget
	if logT {
		e = o.Scratch(len(t))
		kernels.Exp(e, t)
	}
	if o.Input(0).RequiresGrad() {
		dst, acc := o.InputGrad(0)
		src := t
		if logT {
			src = e
		}
		tmp := o.Scratch(len(x))
		kernels.Binary(kernels.OpMul, tmp, src, gf)
		scaleInto(dst, acc, -1, tmp)
	}
	if o.Input(1).RequiresGrad() {
		dst, acc := o.InputGrad(1)
		d := o.Scratch(len(t))
		if logT {
			for i := range d {
				d[i] = e[i] * (t[i] - x[i] + 1) * gf[i]
			}
		} else {
			kernels.Log(d, t)
			for i, ti := range t {
				lt := d[i]
				if ti == 0 {
					lt = 0
				}
				d[i] = (lt + ti/ti - x[i]) * gf[i]
			}
		}
		scaleInto(dst, acc, 1, d)
	}
}
