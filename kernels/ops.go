package kernels

import (
	"fmt"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// BinaryOp is an elementwise binary operation f(a, b) of the Binary* kernels.
// The op codes are part of the assembly contract (internal/abi, gen/KERNELS.md).
type BinaryOp int

const (
	OpAdd  BinaryOp = abi.BinaryAdd  // a + b
	OpSub  BinaryOp = abi.BinarySub  // a - b
	OpRSub BinaryOp = abi.BinaryRSub // b - a (subtraction with the broadcast operand first)
	OpMul  BinaryOp = abi.BinaryMul  // a * b
	OpDiv  BinaryOp = abi.BinaryDiv  // a / b
	OpRDiv BinaryOp = abi.BinaryRDiv // b / a
	// OpMax is a if a is NaN or a > b, else b: NaN propagates from either side,
	// as torch.maximum does. For a tie of +0 and -0 the result is b.
	OpMax BinaryOp = abi.BinaryMax
	// OpMin is a if a is NaN or a < b, else b (NaN propagates; for a ±0 tie, b).
	OpMin BinaryOp = abi.BinaryMin
)

func (op BinaryOp) String() string {
	if op < 0 || int(op) >= abi.BinaryOps {
		return fmt.Sprintf("BinaryOp(%d)", int(op))
	}
	return abi.BinaryNames[op]
}

func (op BinaryOp) check(fn string) {
	if op < 0 || int(op) >= abi.BinaryOps {
		panic(fmt.Sprintf("kernels: %s: unknown %v (valid: 0..%d)", fn, op, abi.BinaryOps-1))
	}
}

// unaryOp codes of the Unary assembly kernel (internal/abi, gen/KERNELS.md).
type unaryOp int

const (
	unaryRelu    unaryOp = abi.UnaryRelu
	unaryExp     unaryOp = abi.UnaryExp
	unaryLog     unaryOp = abi.UnaryLog
	unarySqrt    unaryOp = abi.UnarySqrt
	unaryTanh    unaryOp = abi.UnaryTanh
	unarySigmoid unaryOp = abi.UnarySigmoid
	unarySin     unaryOp = abi.UnarySin
	unaryCos     unaryOp = abi.UnaryCos
)
