package tensor

import (
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/vecgrad/vecgrad/tensor/internal/einsum"
)

// Einsum evaluates an Einstein-summation equation on the operands, with
// torch.einsum's grammar and semantics: subscript letters a-z and A-Z, ','
// between operands, an optional "->" and output (without it, the letters
// that appear once, in alphabetical order), "..." for broadcast dimensions,
// repeated letters within an operand for diagonals, and letters absent from
// the output summed. Pairwise contractions run on kernels.SgemmBatch.
//
// The equation usually comes from outside the program's logic, so a bad
// equation, or operands whose shapes do not fit it, is an error (a
// *ShapeError wrapping the parser's), not a panic. Einsum is differentiable
// in every operand.
func Einsum(eq string, ops ...*Tensor) (*Tensor, error) {
	if err := nilOperands("Einsum", "ops", ops); err != nil {
		return nil, err
	}
	p, err := plan(eq, ops)
	if err != nil {
		return nil, err
	}
	if n := p.MaxLen(); n > MaxElements {
		return nil, shapeErr("Einsum", eq, " on shapes ", operandShapes(ops), " needs an array of ", strconv.FormatFloat(n, 'g', -1, 64),
			" elements (the output has shape ", shapeStr(p.OutShape()), "), more than MaxElements = ", itoa(MaxElements))
	}
	ar := arenaOf(ops...)
	out := newTensor(ar, p.OutShape())
	p.Run(out.data, einsumOperands(ops))
	need := false
	for _, t := range ops {
		need = need || t.requiresGrad
	}
	if track(need) {
		out.requiresGrad = true
		out.rec.op = opEinsum
		out.rec.aux = p
		copy(out.rec.in[:], ops)
		if len(ops) > 2 {
			out.rec.ins = append([]*Tensor(nil), ops[2:]...)
		}
	}
	return out, nil
}

// MustEinsum is Einsum for equations known to be right: it panics with the
// error Einsum would return.
func MustEinsum(eq string, ops ...*Tensor) *Tensor {
	t, err := Einsum(eq, ops...)
	if err != nil {
		panic(err)
	}
	return t
}

// planKey identifies a parsed equation bound to operand shapes: the
// equation, then each operand's rank followed by its sizes.
type planKey struct {
	eq   string
	dims [planKeyDims]int32
}

const (
	planKeyDims  = 48
	planCacheMax = 256
)

// plans caches parsed plans, so that an einsum repeated with the same
// shapes (every training step) does not parse again. einsum.Plan is safe for
// concurrent use.
var plans struct {
	sync.Mutex
	m map[planKey]*einsum.Plan
}

// plan returns the einsum plan of eq for the operands' shapes.
func plan(eq string, ops []*Tensor) (*einsum.Plan, error) {
	key, ok := planKey{eq: eq}, true
	n := 0
	for _, t := range ops {
		if n+1+len(t.shape) > planKeyDims {
			ok = false
			break
		}
		key.dims[n] = int32(len(t.shape)) + 1 // never 0, so unused entries differ
		n++
		for _, d := range t.shape {
			if d > math.MaxInt32 {
				ok = false
			}
			key.dims[n] = int32(d)
			n++
		}
	}
	if ok {
		plans.Lock()
		p := plans.m[key]
		plans.Unlock()
		if p != nil {
			return p, nil
		}
	}
	shapes := make([][]int, len(ops))
	for i, t := range ops {
		shapes[i] = t.shape
	}
	p, err := einsum.Parse(eq, shapes)
	if err != nil {
		return nil, &ShapeError{Op: "Einsum", Msg: strings.TrimPrefix(err.Error(), "einsum: "), Err: err}
	}
	if ok {
		plans.Lock()
		if plans.m == nil || len(plans.m) >= planCacheMax {
			plans.m = make(map[planKey]*einsum.Plan)
		}
		plans.m[key] = p
		plans.Unlock()
	}
	return p, nil
}

// operandShapes lists the operands' shapes for messages: "[2 3], [3]".
func operandShapes(ops []*Tensor) string {
	s := make([]string, len(ops))
	for i, t := range ops {
		s[i] = shapeStr(t.shape)
	}
	return strings.Join(s, ", ")
}

func einsumOperands(ops []*Tensor) []einsum.Operand {
	o := make([]einsum.Operand, len(ops))
	for i, t := range ops {
		o[i] = einsum.Operand{Data: t.data, Shape: t.shape, Strides: t.strides, Offset: t.offset}
	}
	return o
}

// einsumBackward: the gradient of each operand is itself an einsum of the
// upstream gradient and the other operands (einsum.Plan.Grad).
func einsumBackward(t *Tensor) {
	p := t.rec.aux.(*einsum.Plan)
	n := t.rec.numInputs()
	if p.NumOperands() == 1 {
		n = 1
	}
	ops := make([]*Tensor, n)
	for i := range ops {
		ops[i] = t.rec.input(i)
	}
	eops := einsumOperands(ops)
	for i, in := range ops {
		if !in.requiresGrad {
			continue
		}
		dst, acc := in.gradSlot()
		if !acc {
			p.Grad(i, dst, t.grad.data, eops)
			continue
		}
		tmp := t.arena.floats(len(dst))
		p.Grad(i, tmp, t.grad.data, eops)
		binarySlice(opAdd, false, dst, dst, tmp)
	}
}
