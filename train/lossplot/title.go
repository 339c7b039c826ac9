package lossplot

import (
	"math"
	"strconv"
	"strings"
)

// Title returns the tutorial's plot title for one run:
// "Optimizer-SGD lr-0.001 mt-0.5 bs-16". The momentum part is left out for
// the Adam family (an optimizer whose name starts with "adam", in any case:
// Adam, AdamW, Adamax), which has no momentum parameter:
// "Optimizer-Adam lr-0.001 bs-16". Numbers are spelled by [FormatNumber].
func Title(optimizer string, lr, momentum float64, batch int) string {
	var b strings.Builder
	b.WriteString("Optimizer-")
	b.WriteString(optimizer)
	b.WriteByte(' ')
	b.WriteString(LRLabel(lr))
	if !strings.HasPrefix(strings.ToLower(optimizer), "adam") {
		b.WriteByte(' ')
		b.WriteString(MomentumLabel(momentum))
	}
	b.WriteByte(' ')
	b.WriteString(BatchLabel(batch))
	return b.String()
}

// BatchLabel returns the tutorial's name for a batch size: "bs-16".
func BatchLabel(batch int) string { return "bs-" + strconv.Itoa(batch) }

// LRLabel returns the tutorial's name for a learning rate: "lr-0.1",
// "lr-1e-05" (see [FormatNumber]).
func LRLabel(lr float64) string { return "lr-" + FormatNumber(lr) }

// MomentumLabel returns the tutorial's name for a momentum: "mt-0.9",
// "mt-0" (see [FormatNumber]).
func MomentumLabel(momentum float64) string { return "mt-" + FormatNumber(momentum) }

// FormatNumber spells a hyper-parameter as the tutorial's Python prints it
// in an f-string. A whole number below 1e16 in magnitude is written as the
// Python int literal it came from would be ("10", "0", "256"); any other
// value as Python's repr of a float: the shortest decimal that reads back to
// x, in positional notation when 1e-4 <= |x| < 1e16 ("0.001", "0.0001",
// "2.5") and in scientific notation with a signed exponent of at least two
// digits otherwise ("1e-05", "3e-07", "1e+16"); "nan", "inf", "-inf".
//
// It differs from strconv.FormatFloat(x, 'g', -1, 64) only where Go
// switches to scientific notation for large values ("1000000" and
// "1234567.5" where Go writes "1e+06" and "1.2345675e+06") and for NaN and
// the infinities.
func FormatNumber(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == math.Trunc(x) && math.Abs(x) < 1e16:
		if x == 0 && math.Signbit(x) {
			return "-0" // Python's int has no negative zero; keep the sign visible
		}
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	// Python's float repr (mode 'r'): scientific when the decimal exponent
	// of the leading digit is below -4 or at least 16.
	if a := math.Abs(x); a < 1e-4 || a >= 1e16 {
		return strconv.FormatFloat(x, 'e', -1, 64) // Go also writes at least two exponent digits
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
