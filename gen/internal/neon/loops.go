package neon

// Step is the width one instance of a loop body handles: Vecs whole vectors
// (4 floats each), or, when Scalar, a single float in lane 0 of one vector
// (the other lanes hold zeros or junk and are never stored).
type Step struct {
	Vecs   int
	Scalar bool
}

// Floats is the number of elements one step consumes.
func (s Step) Floats() int {
	if s.Scalar {
		return 1
	}
	return 4 * s.Vecs
}

// LoadStep reads one step's worth of elements from (p) into vs and advances p.
func (e *Emitter) LoadStep(s Step, p Reg, vs []Vreg) {
	if s.Scalar {
		e.LoadScalarP(p, vs[0])
		return
	}
	e.LoadP(p, vs[:s.Vecs]...)
}

// StoreStep writes one step's worth of elements from vs to (p) and advances p.
func (e *Emitter) StoreStep(s Step, p Reg, vs []Vreg) {
	if s.Scalar {
		e.StoreScalarP(p, vs[0])
		return
	}
	e.StoreP(p, vs[:s.Vecs]...)
}

// Stream emits the loop skeleton of the elementwise kernels over cnt
// elements: a main loop of 16 floats (4 vectors) per iteration, a loop of one
// vector, then a loop of single floats, so that no access passes the end of
// any operand. body is written once and instantiated for each width; cnt is
// consumed.
func (e *Emitter) Stream(cnt Reg, body func(s Step)) {
	l4, l1, end := e.NewLabel("vec"), e.NewLabel("scalar"), e.NewLabel("end")
	loop16, loop4, loop1 := e.NewLabel("loop16"), e.NewLabel("loop4"), e.NewLabel("loop1")

	e.CmpBranch(cnt, 16, "LT", l4)
	e.Label(loop16)
	body(Step{Vecs: 4})
	e.SubImm(cnt, 16)
	e.CmpBranch(cnt, 16, "GE", loop16)

	e.Label(l4)
	e.CmpBranch(cnt, 4, "LT", l1)
	e.Label(loop4)
	body(Step{Vecs: 1})
	e.SubImm(cnt, 4)
	e.CmpBranch(cnt, 4, "GE", loop4)

	e.Label(l1)
	e.CBZ(cnt, end)
	e.Label(loop1)
	body(Step{Vecs: 1, Scalar: true})
	e.SubsImm(cnt, 1)
	e.Inst("BNE", loop1)
	e.Label(end)
}

// SwitchOp emits the dispatch on an op code held in r: one branch to each
// op's label, an unknown op returns without touching memory. gen emits each
// op's specialized code; it must end in RET.
func (e *Emitter) SwitchOp(r Reg, nops int, gen func(op int)) {
	labels := make([]string, nops)
	for op := range labels {
		labels[op] = e.NewLabel("op")
		e.CmpBranch(r, op, "EQ", labels[op])
	}
	e.RET()
	for op := range labels {
		e.Label(labels[op])
		gen(op)
	}
}
