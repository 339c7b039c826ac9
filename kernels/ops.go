package kernels

import "fmt"

// BinaryOp is an elementwise binary operation f(a, b) of the Binary* kernels.
// The op codes are part of the assembly contract (gen/KERNELS.md).
type BinaryOp int

const (
	OpAdd  BinaryOp = iota // a + b
	OpSub                  // a - b
	OpRSub                 // b - a (subtraction with the broadcast operand first)
	OpMul                  // a * b
	OpDiv                  // a / b
	OpRDiv                 // b / a
	// OpMax is a if a is NaN or a > b, else b: NaN propagates from either side,
	// as torch.maximum does. For a tie of +0 and -0 the result is b.
	OpMax
	// OpMin is a if a is NaN or a < b, else b (NaN propagates; for a ±0 tie, b).
	OpMin
)

var binaryOpNames = [...]string{"Add", "Sub", "RSub", "Mul", "Div", "RDiv", "Max", "Min"}

func (op BinaryOp) String() string {
	if op < 0 || int(op) >= len(binaryOpNames) {
		return fmt.Sprintf("BinaryOp(%d)", int(op))
	}
	return binaryOpNames[op]
}

func (op BinaryOp) check(fn string) {
	if op < 0 || int(op) >= len(binaryOpNames) {
		panic(fmt.Sprintf("kernels: %s: unknown %v (valid: 0..%d)", fn, op, len(binaryOpNames)-1))
	}
}

// unaryOp codes of the Unary assembly kernel (gen/KERNELS.md).
type unaryOp int

const (
	unaryRelu unaryOp = iota
	unaryExp
	unaryLog
	unarySqrt
	unaryTanh
	unarySigmoid
)
