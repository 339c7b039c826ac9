package kernels

func applyUnary(op unaryOp, x float32) float32 {
	switch op {
	case unaryRelu:
		if x < 0 {
			return 0
		}
		return x
	case unaryExp:
		return exp32(x)
	case unaryLog:
		return log32(x)
	case unarySqrt:
		return sqrt32(x)
	case unaryTanh:
		return tanh32(x)
	case unarySigmoid:
		return sigmoid32(x)
	case unarySin:
		return sin32(x)
	case unaryCos:
		return cos32(x)
	}
	panic("kernels: unknown unary op")
}

func unaryGeneric(op unaryOp, dst, x []float32) {
	for i := range dst {
		dst[i] = applyUnary(op, x[i])
	}
}

func reluBackwardGeneric(dst, dy, x []float32) {
	for i := range dst {
		if x[i] <= 0 {
			dst[i] = 0
		} else {
			dst[i] = dy[i]
		}
	}
}
