package loss

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is the error of every invalid argument in this package: a shape
// mismatch, a target that is not a class index, an option outside its
// range. Msg says what was wrong, with the values, and what is accepted.
// The losses return it rather than panic because targets and options
// usually come from data files and flags, outside the program's logic.
type Error struct {
	// Op is the loss ("CrossEntropy", "NLL", "MSE", "L1", "KLDiv").
	Op string
	// Msg is the description, without the "loss: Op: " prefix.
	Msg string
}

// Error returns "loss: Op: Msg".
func (e *Error) Error() string { return "loss: " + e.Op + ": " + e.Msg }

// errorf builds an *Error; only error paths call it, so the formatting
// allocations never happen in a training step.
func errorf(op, format string, args ...any) error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// indexStr formats the row-major position r of a tensor of shape s as a
// multi-index, "[3]" or "[1, 0, 2]", for messages about one element.
func indexStr(r int, s []int) string {
	if len(s) == 0 {
		return ""
	}
	idx := make([]string, len(s))
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] > 0 {
			idx[i] = strconv.Itoa(r % s[i])
			r /= s[i]
		}
	}
	return "[" + strings.Join(idx, ", ") + "]"
}

func itoa(i int) string { return strconv.Itoa(i) }
