package nn

import "fmt"

// Error is the panic value of every programming mistake in this package: a
// constructor argument out of range, an input whose shape does not fit the
// layer. As package tensor panics with *tensor.ShapeError, a recover can
// tell these from runtime errors. Msg says what was wrong, with the values,
// and what is accepted.
type Error struct {
	// Op is the constructor or layer ("NewLinear", "Linear", "BatchNorm1d", ...).
	Op string
	// Msg is the description, without the "nn: Op: " prefix.
	Msg string
}

// Error returns "nn: Op: Msg".
func (e *Error) Error() string { return "nn: " + e.Op + ": " + e.Msg }

// fail panics with an *Error; only error paths call it, so the formatting
// never runs in a training step.
func fail(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}
