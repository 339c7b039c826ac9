package tensor

import (
	"fmt"
	"math"
)

// GradCheckOptions tunes GradCheck; the zero value uses the defaults.
type GradCheckOptions struct {
	// Step is the finite-difference step h, relative to max(1, |x|)
	// (default 1e-2). Inputs should stay more than 2h away from points where
	// the function is not differentiable (0 for Relu and Abs, ties for Max).
	Step float64
	// Terms bounds the float32 roundings that build one output element:
	// about k for a k-term sum or a product with inner size k, 1 for a single
	// elementwise operation (default 1). The tolerance grows with it.
	Terms int
	// Seed picks the random upstream gradient (default 1).
	Seed uint64
}

const eps32 = 0x1p-23 // float32 machine epsilon

// GradCheck compares the gradients that Backward computes for f with central
// differences in float64. It draws a fixed random tensor R (uniform in
// [-1, 1], the shape of f's result) and checks, for every element x of every
// input, the analytic derivative of L = sum(f(inputs) * R) against
// D(h) = (L(x+h) - L(x-h)) / (2h), each L summed in float64 from f's float32
// results. The tolerance is derived from the arithmetic, not tuned:
//
//	4*Terms*eps32*(S/(2h) + |analytic|) + |D(h) - D(2h)|
//
// where S = sum |R_j|*|f_j| over the outputs that the perturbation changes
// (the float32 rounding of those outputs, divided by the step) and
// |D(h) - D(2h)| bounds the truncation error of the difference (three times
// D(h)'s own). The inputs must be contiguous leaf tensors; GradCheck marks
// them as requiring grad, perturbs their storage in place and restores it.
// It returns an error naming the first element that disagrees.
func GradCheck(f func(inputs []*Tensor) *Tensor, inputs []*Tensor, opt GradCheckOptions) error {
	if err := nilOperands("GradCheck", "inputs", inputs); err != nil {
		return err
	}
	if opt.Step == 0 {
		opt.Step = 1e-2
	}
	if opt.Terms == 0 {
		opt.Terms = 1
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	for i, in := range inputs {
		if !in.IsLeaf() || !in.IsContiguous() {
			return fmt.Errorf("tensor: GradCheck: input %d must be a contiguous leaf tensor", i)
		}
		in.SetRequiresGrad(true)
		in.ZeroGrad()
	}
	out := f(inputs)
	if !out.requiresGrad {
		return fmt.Errorf("tensor: GradCheck: the result does not depend on the inputs through recorded operations")
	}
	g := NewGenerator(opt.Seed)
	r := Uniform(g, -1, 1, out.shape...)
	out.BackwardWith(r)
	rw := r.Data()
	eval := func() []float32 {
		var res []float32
		NoGrad(func() { res = f(inputs).Data() })
		return res
	}
	loss := func(v []float32) float64 {
		s := 0.0
		for j, x := range v {
			s += float64(x) * float64(rw[j])
		}
		return s
	}
	for k, in := range inputs {
		x := in.Storage()
		var grad []float32
		if gt := in.Grad(); gt != nil {
			grad = gt.Data()
		} else {
			grad = make([]float32, len(x))
		}
		for i := range x {
			orig := x[i]
			h := opt.Step * math.Max(1, math.Abs(float64(orig)))
			diff := func(h float64) (d, s float64) {
				xp, xm := float32(float64(orig)+h), float32(float64(orig)-h)
				x[i] = xp
				vp := eval()
				x[i] = xm
				vm := eval()
				x[i] = orig
				for j := range vp {
					if vp[j] != vm[j] {
						s += math.Abs(float64(rw[j])) * math.Max(math.Abs(float64(vp[j])), math.Abs(float64(vm[j])))
					}
				}
				return (loss(vp) - loss(vm)) / (float64(xp) - float64(xm)), s / (float64(xp) - float64(xm))
			}
			d1, s1 := diff(h)
			d2, _ := diff(2 * h)
			a := float64(grad[i])
			tol := 4*float64(opt.Terms)*eps32*(s1+math.Abs(a)) + math.Abs(d1-d2)
			if !(math.Abs(a-d1) <= tol) {
				return fmt.Errorf("tensor: GradCheck: input %d element %d (value %g): analytic %g vs numeric %g (difference %.3g > tolerance %.3g)",
					k, i, orig, a, d1, math.Abs(a-d1), tol)
			}
		}
	}
	return nil
}
