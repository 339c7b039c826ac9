package tensor

// nilReceiver panics with a *ShapeError if t, the receiver of op, is nil:
// a typed error naming the mistake, where a nil dereference deep inside the
// operation would name nothing.
func nilReceiver(op string, t *Tensor) {
	if t == nil {
		fail(op, "the receiver is a nil *Tensor")
	}
}

// nilArg panics with a *ShapeError if t, argument name of op, is nil.
func nilArg(op, name string, t *Tensor) {
	if t == nil {
		fail(op, "argument ", name, " is a nil *Tensor")
	}
}

// nilOperands returns a *ShapeError naming the first nil tensor of ts,
// argument name of op (indexed: "ops[2]"), or nil.
func nilOperands(op, name string, ts []*Tensor) *ShapeError {
	for i, t := range ts {
		if t == nil {
			return shapeErr(op, "argument ", name, "[", itoa(i), "] is a nil *Tensor")
		}
	}
	return nil
}
