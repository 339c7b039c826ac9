package tensor

import (
	"math"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

// String formats the tensor as PyTorch's repr does with its default print
// options (precision 4, linewidth 80, summarizing with "..." above 1000
// elements with 3 edge items): integer-valued tensors print as "1.", others
// with 4 decimals, and in scientific notation when the ratio of the largest
// to the smallest nonzero magnitude exceeds 1000, the largest exceeds 1e8 or
// the smallest is below 1e-4. Tensors that require grad end with
// ", requires_grad=True" (leaves) or ", grad_fn=<NameBackward0>" with the
// operation's name.
func (t *Tensor) String() string {
	if t == nil {
		return "<nil>" // as fmt prints a nil pointer; printing is how one debugs a nil
	}
	data := t.Data()
	summarize := len(data) > 1000
	f := newFormatter(t, summarize)
	var b strings.Builder
	b.WriteString("tensor(")
	if len(data) == 0 {
		b.WriteString("[]")
		if len(t.shape) != 1 || t.shape[0] != 0 {
			b.WriteString(", size=(")
			for i, d := range t.shape {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(itoa(d))
			}
			if len(t.shape) == 1 {
				b.WriteString(",")
			}
			b.WriteString(")")
		}
	} else {
		p := printer{f: f, data: data, shape: t.shape, summarize: summarize}
		p.str(&b, 0, 0, 7)
	}
	switch {
	case t.requiresGrad && t.rec.op == opLeaf:
		b.WriteString(", requires_grad=True")
	case t.requiresGrad:
		b.WriteString(", grad_fn=<" + t.gradFnName() + "Backward0>")
	}
	b.WriteString(")")
	return b.String()
}

const (
	printEdge      = 3
	printLinewidth = 80
)

type formatter struct {
	intMode, sciMode bool
	width            int
}

// newFormatter chooses the mode and width from the values that will be
// printed (the edge items only, when summarizing), as torch's _Formatter.
func newFormatter(t *Tensor, summarize bool) formatter {
	var vals []float64
	collect := func(v float32) { vals = append(vals, float64(v)) }
	walkPrinted(t.Data(), t.shape, summarize, collect)
	f := formatter{intMode: true, width: 1}
	var nzMin, nzMax float64 = math.Inf(1), 0
	finite := 0
	for _, v := range vals {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			continue
		}
		if v != math.Ceil(v) {
			f.intMode = false
		}
		if v != 0 {
			a := math.Abs(v)
			nzMin, nzMax = min(nzMin, a), max(nzMax, a)
			finite++
		}
	}
	if finite > 0 {
		if f.intMode {
			f.sciMode = nzMax/nzMin > 1000 || nzMax > 1e8
		} else {
			f.sciMode = nzMax/nzMin > 1000 || nzMax > 1e8 || nzMin < 1e-4
		}
	}
	for _, v := range vals { // the width counts nonzero finite values only, as torch's
		if v != 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			f.width = max(f.width, len(f.format(v)))
		}
	}
	return f
}

func (f formatter) format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case f.sciMode:
		return strconv.FormatFloat(v, 'e', 4, 64)
	case f.intMode:
		return strconv.FormatFloat(v, 'f', 0, 64) + "."
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func (f formatter) pad(v float64) string {
	s := f.format(v)
	return strings.Repeat(" ", max(f.width-len(s), 0)) + s
}

// walkPrinted calls fn for every value that will be printed, in order.
func walkPrinted(data []float32, shape []int, summarize bool, fn func(float32)) {
	if len(shape) == 0 {
		fn(data[0])
		return
	}
	inner := numel(shape[1:])
	for i := 0; i < shape[0]; i++ {
		if summarize && shape[0] > 2*printEdge && i == printEdge {
			i = shape[0] - printEdge
		}
		walkPrinted(data[i*inner:(i+1)*inner], shape[1:], summarize, fn)
	}
}

type printer struct {
	f         formatter
	data      []float32
	shape     []int
	summarize bool
}

// str writes the sub-tensor at dimension dim starting at element off, as
// torch's _tensor_str_with_formatter.
func (p *printer) str(b *strings.Builder, dim, off, indent int) {
	nd := len(p.shape)
	if nd == 0 {
		b.WriteString(p.f.format(float64(p.data[0])))
		return
	}
	n := p.shape[dim]
	if dim == nd-1 {
		p.vector(b, off, n, indent)
		return
	}
	inner := numel(p.shape[dim+1:])
	b.WriteByte('[')
	sep := "," + strings.Repeat("\n", nd-dim-1) + strings.Repeat(" ", indent+1)
	first := true
	for i := 0; i < n; i++ {
		if !first {
			b.WriteString(sep)
		}
		first = false
		if p.summarize && n > 2*printEdge && i == printEdge {
			b.WriteString("...")
			b.WriteString(sep)
			i = n - printEdge
		}
		p.str(b, dim+1, off+i*inner, indent+1)
	}
	b.WriteByte(']')
}

func (p *printer) vector(b *strings.Builder, off, n, indent int) {
	elemLen := p.f.width + 2
	perLine := max(1, (printLinewidth-indent)/elemLen)
	var items []string
	for i := 0; i < n; i++ {
		if p.summarize && n > 2*printEdge && i == printEdge {
			items = append(items, " ...")
			i = n - printEdge
		}
		items = append(items, p.f.pad(float64(p.data[off+i])))
	}
	b.WriteByte('[')
	for i := 0; i < len(items); i += perLine {
		if i > 0 {
			b.WriteString(",\n" + strings.Repeat(" ", indent+1))
		}
		b.WriteString(strings.Join(items[i:min(i+perLine, len(items))], ", "))
	}
	b.WriteByte(']')
}

// gradFnName names the operation that produced t, as in torch's grad_fn
// names where the operations correspond (Mul for MulBackward0).
func (t *Tensor) gradFnName() string {
	switch t.rec.op {
	case opBinary, opScalar:
		return binaryNames[t.rec.bop]
	case opUnary:
		return unaryNames[t.rec.uk]
	case opMax:
		if t.rec.flag {
			return "Amin"
		}
		return "Amax"
	}
	return opNames[t.rec.op]
}

var binaryNames = [...]string{kernels.OpAdd: "Add", kernels.OpSub: "Sub", kernels.OpRSub: "Rsub", kernels.OpMul: "Mul",
	kernels.OpDiv: "Div", kernels.OpRDiv: "Div", kernels.OpMax: "Maximum", kernels.OpMin: "Minimum"}
