package optim

import (
	"fmt"
	"math"
)

// Error is the error of every invalid construction argument and of every
// rejected state dict: Op names the optimizer or scheduler ("SGD", "Adam",
// "AdamW", "StepLR", ...) or the method ("LoadStateDict"), Msg says what was
// wrong, with the values, and what would be accepted.
type Error struct {
	Op  string
	Msg string
}

// Error returns "optim: Op: Msg".
func (e *Error) Error() string { return "optim: " + e.Op + ": " + e.Msg }

func errorf(op, format string, args ...any) error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// checkNonNeg reports name = v as an error unless v >= 0 (NaN is rejected).
func checkNonNeg(op, name string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return errorf(op, "%s = %v: must be >= 0 and finite", name, v)
	}
	return nil
}

// checkUnit reports name = v as an error unless 0 <= v < 1.
func checkUnit(op, name string, v float64) error {
	if !(v >= 0 && v < 1) {
		return errorf(op, "%s = %v: must be in [0, 1)", name, v)
	}
	return nil
}

// inLoad returns err, an option check's *Error, as LoadStateDict's.
func inLoad(err error) error {
	e := err.(*Error)
	return &Error{Op: "LoadStateDict: " + e.Op, Msg: e.Msg}
}

// groupOp is the Op of an error about group g of n of optimizer name: the
// name alone for a single group.
func groupOp(name string, g, n int) string {
	if n > 1 {
		return name + ": " + groupLabel(g)
	}
	return name
}
