package tensor

// BroadcastShapes returns the shape that tensors of shapes a and b broadcast
// to, by PyTorch's rule: align the shapes at their last dimension and compare
// pairs from last to first; each pair must be equal, or one of them 1, or one
// missing (the shorter shape is padded with 1s); the result takes the larger
// size of each pair. A shape with zero dimensions (a scalar) broadcasts with
// every shape, and a size-0 dimension broadcasts only against 0 or 1. The
// error names both shapes and the first failing dimension, counted from the
// end (-1 is the last).
func BroadcastShapes(a, b []int) ([]int, error) {
	var buf [MaxDims]int
	n, err := broadcastInto(&buf, a, b)
	if err != nil {
		return nil, err
	}
	return append([]int(nil), buf[:n]...), nil
}

// broadcastInto writes the broadcast shape of a and b into out.
func broadcastInto(out *[MaxDims]int, a, b []int) (int, error) {
	n := max(len(a), len(b))
	if n > MaxDims {
		return 0, shapeErr("", "shapes ", shapeStr(a), " and ", shapeStr(b), " have more than ", itoa(MaxDims), " dimensions")
	}
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			return 0, shapeErr("", "shapes ", shapeStr(a), " and ", shapeStr(b), " are not broadcastable: dimension ",
				itoa(-i), " is ", itoa(da), " vs ", itoa(db), " (each pair must be equal, or one of them 1)")
		}
	}
	return n, nil
}

// mustBroadcast is broadcastInto for an operation: it panics with the error,
// naming the operation.
func mustBroadcast(op string, out *[MaxDims]int, a, b []int) []int {
	n, err := broadcastInto(out, a, b)
	if err != nil {
		e := err.(*ShapeError)
		e.Op = op
		panic(e)
	}
	return out[:n]
}
