// Package abi is the assembly contract between the generators in gen/ and
// the Go that calls the generated code in package kernels: every op code,
// variant count and mode flag that an assembly function decodes from an
// integer argument is a named constant here, and both sides import it, so
// that no number is written twice (gen/KERNELS.md describes the kernels).
//
// A generated kernel that takes such a code decodes it once at entry, with
// one comparison per code, into one specialised loop per code; a code at or
// above the count returns without touching memory. The counts below are the
// number of those loops, so adding a code here adds a loop to every level at
// the next `make generate`.
package abi

// Binary op codes: the op argument of the Binary{Rows,Cols}[Acc]* kernels,
// f(op, a, b) with a the streamed operand and b the broadcast one.
const (
	BinaryAdd  = iota // a + b
	BinarySub         // a - b
	BinaryRSub        // b - a
	BinaryMul         // a * b
	BinaryDiv         // a / b
	BinaryRDiv        // b / a
	BinaryMax         // a if a is NaN or a > b, else b
	BinaryMin         // a if a is NaN or a < b, else b
	BinaryOps         // the number of binary op codes
)

// BinaryNames are the names of the binary op codes, indexed by code.
var BinaryNames = [BinaryOps]string{"Add", "Sub", "RSub", "Mul", "Div", "RDiv", "Max", "Min"}

// Unary op codes: the op argument of the Unary* kernels, g(op, x).
const (
	UnaryRelu    = iota // x < 0 ? +0 : x
	UnaryExp            // exp32
	UnaryLog            // log32
	UnarySqrt           // correctly rounded square root
	UnaryTanh           // tanh32
	UnarySigmoid        // sigmoid32
	UnarySin            // sin32 (|x| <= mathconst.TrigMax)
	UnaryCos            // cos32 (|x| <= mathconst.TrigMax)
	UnaryOps            // the number of unary op codes
)

// UnaryNames are the names of the unary op codes, indexed by code.
var UnaryNames = [UnaryOps]string{"Relu", "Exp", "Log", "Sqrt", "Tanh", "Sigmoid", "Sin", "Cos"}
