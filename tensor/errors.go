package tensor

import (
	"strconv"
	"strings"
)

// ShapeError is the error of every shape, dimension and argument mistake in
// this package. The panicking methods panic with a *ShapeError value (so a
// recover can tell them from runtime errors, as with gonum/mat's Error); the
// error-returning functions (FromSlice, BroadcastShapes, Einsum, CheckShape)
// return one.
type ShapeError struct {
	// Op is the operation that failed ("Add", "Matmul", ...), empty for the
	// shape functions themselves (BroadcastShapes, FromSlice).
	Op string
	// Msg says what was wrong, with the values, and what would be accepted.
	Msg string
	// Err is the underlying error, if any (Einsum's parser error).
	Err error
}

// Unwrap returns the underlying error, if any.
func (e *ShapeError) Unwrap() error { return e.Err }

// Error returns "tensor: Op: Msg", or "tensor: Msg" when Op is empty.
func (e *ShapeError) Error() string {
	if e.Op == "" {
		return "tensor: " + e.Msg
	}
	return "tensor: " + e.Op + ": " + e.Msg
}

// shapeErr builds a *ShapeError; callers format the values with shapeStr so
// that no shape slice escapes to the heap on the success path.
func shapeErr(op string, parts ...string) *ShapeError {
	return &ShapeError{Op: op, Msg: strings.Join(parts, "")}
}

// fail panics with a *ShapeError.
func fail(op string, parts ...string) {
	panic(shapeErr(op, parts...))
}

// shapeStr formats a shape as PyTorch's error messages and fmt do: [4 3 2].
func shapeStr(s []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteByte(']')
	return b.String()
}

// itoa is strconv.Itoa, short for the message builders.
func itoa(i int) string { return strconv.Itoa(i) }

func ftoa(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }
