package main

import (
	"strings"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
	"github.com/vecgrad/vecgrad/internal/abi"
)

// Binary kernels: dst[r*n+j] = f(op, a[r*n+j], b) with b = v[j] (Rows) or
// b = c[r] (Cols), or dst += f(...) (Acc). The op is decoded once at entry;
// each op gets its own row loop with the body below instantiated for it.

func binaryKernels() []Kernel {
	var ks []Kernel
	for _, cols := range []bool{false, true} {
		for _, acc := range []bool{false, true} {
			name, bname, doc := "BinaryRows", "v", "dst[r*n+j] = f(op, a[r*n+j], v[j])"
			if cols {
				name, bname, doc = "BinaryCols", "c", "dst[r*n+j] = f(op, a[r*n+j], c[r])"
			}
			if acc {
				name += "Acc"
				doc = "dst[r*n+j] += " + doc[len("dst[r*n+j] = "):] + " (f rounded, then the add)"
			}
			cols, acc := cols, acc
			ks = append(ks, Kernel{
				Func: neon.Func{
					Name: name + "NEON",
					Doc:  name + "NEON computes " + doc + " for r < rows, j < n (op codes in gen/KERNELS.md).",
					Params: []neon.Arg{{Name: "op", Type: "int"}, {Name: "dst", Type: "*float32"}, {Name: "a", Type: "*float32"},
						{Name: bname, Type: "*float32"}, {Name: "rows", Type: "int"}, {Name: "n", Type: "int"}},
				},
				Gen: func(e *neon.Emitter, f *neon.Func) { genBinary(e, f, bname, cols, acc) },
			})
		}
	}
	return ks
}

// binaryOp emits d = f(op, a, b) for one vector; t is a scratch register.
// Max/Min: a BSL on a > b (a < b), then a BIF that puts a back where a is
// NaN (FCMEQ a, a is false): plain FMAX would differ on a +0/-0 tie.
func binaryOp(e *neon.Emitter, op int, d, a, b, t neon.Vreg) {
	switch op {
	case abi.BinaryAdd:
		e.FADD(d, a, b)
	case abi.BinarySub:
		e.FSUB(d, a, b)
	case abi.BinaryRSub:
		e.FSUB(d, b, a)
	case abi.BinaryMul:
		e.FMUL(d, a, b)
	case abi.BinaryDiv:
		e.FDIV(d, a, b)
	case abi.BinaryRDiv:
		e.FDIV(d, b, a)
	case abi.BinaryMax, abi.BinaryMin:
		if op == abi.BinaryMax {
			e.FCMGT(d, a, b) // a > b
		} else {
			e.FCMGT(d, b, a) // a < b
		}
		e.BSL(d, a, b)   // d = cmp ? a : b
		e.FCMEQ(t, a, a) // a is not NaN
		e.BIF(d, a, t)   // NaN a: d = a
	default:
		panic("unknown op")
	}
}

// Register plan: R0 op, R1 dst, R2 a, R3 v (Rows) or c (Cols), R4 rows,
// R5 n, R6 the v pointer of the current row, R7 the elements left in it.
// V0-V3 a, V4-V7 v (Rows), V8-V11 old dst (Acc), V12-V15 results,
// V16-V19 scratch, V20 c[r] broadcast (Cols).
func genBinary(e *neon.Emitter, f *neon.Func, bname string, cols, acc bool) {
	const (
		op, dst, a, b, rows, n, vp, cnt neon.Reg = 0, 1, 2, 3, 4, 5, 6, 7
	)
	e.MOVD(f.Arg("op"), op.String())
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg(bname), b.String())
	e.MOVD(f.Arg("rows"), rows.String())
	e.MOVD(f.Arg("n"), n.String())
	av := []neon.Vreg{0, 1, 2, 3}
	bv := []neon.Vreg{4, 5, 6, 7}
	dv := []neon.Vreg{8, 9, 10, 11}
	rv := []neon.Vreg{12, 13, 14, 15}
	tv := []neon.Vreg{16, 17, 18, 19}
	const cb neon.Vreg = 20

	e.SwitchOp(op, abi.BinaryOps, func(o int) {
		e.Comment("op %d: %s", o, strings.ToLower(abi.BinaryNames[o]))
		row := e.NewLabel("row")
		e.Label(row)
		if cols {
			e.LoadBcastP(b, cb) // c[r] in every lane
		} else {
			e.MOVD(b.String(), vp.String())
		}
		e.MOVD(n.String(), cnt.String())
		e.Stream(cnt, func(s neon.Step) {
			e.LoadStep(s, a, av)
			if !cols {
				e.LoadStep(s, vp, bv)
			}
			if acc {
				if s.Scalar {
					e.LoadScalar(dst, dv[0])
				} else {
					e.Load(dst, dv[:s.Vecs]...)
				}
			}
			for i := 0; i < s.Vecs; i++ {
				bi := cb
				if !cols {
					bi = bv[i]
				}
				binaryOp(e, o, rv[i], av[i], bi, tv[i])
				if acc {
					e.FADD(rv[i], dv[i], rv[i])
				}
			}
			e.StoreStep(s, dst, rv)
		})
		e.SubsImm(rows, 1)
		e.Inst("BNE", row)
		e.RET()
	})
}
