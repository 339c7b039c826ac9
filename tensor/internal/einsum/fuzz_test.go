package einsum

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// fuzzShapes decodes shapes from bytes: the operand count, then for each
// operand its rank and sizes, all small.
func fuzzShapes(b []byte) [][]int {
	next := func() int {
		if len(b) == 0 {
			return 0
		}
		x := int(b[0])
		b = b[1:]
		return x
	}
	shapes := make([][]int, next()%6)
	for i := range shapes {
		shapes[i] = make([]int, next()%6)
		for d := range shapes[i] {
			shapes[i][d] = next() % 4
		}
	}
	return shapes
}

// FuzzParse checks that no equation and shapes make Parse, Run or Grad
// panic, that every rejection is an *Error in the documented form, and,
// where the index space is small, that Run and Grad match the float64
// reference.
func FuzzParse(f *testing.F) {
	for _, c := range runCases {
		b := []byte{byte(len(c.shapes))}
		for _, sh := range c.shapes {
			b = append(b, byte(len(sh)))
			for _, n := range sh {
				b = append(b, byte(n%4))
			}
		}
		f.Add(c.eq, b)
	}
	for _, eq := range []string{"", "->", "...", "...->...", "i..j", "....", "->->", "-", ">", ",", ",,", "a,b,c,d,e", "aa->a", "ab->ba ", "é", "\x00", "...a,...b->...", "Zz,zZ"} {
		f.Add(eq, []byte{1, 2, 2, 2})
	}
	f.Fuzz(func(t *testing.T, eq string, shapeBytes []byte) {
		shapes := fuzzShapes(shapeBytes)
		p, err := Parse(eq, shapes)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q, %v): %T %v, want *Error", eq, shapes, err, err)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("einsum: %q: ", eq)) || e.Rule.String() == "" || e.Col < 0 || e.Col > len(eq)+1 {
				t.Fatalf("Parse(%q, %v): malformed error %+v", eq, shapes, e)
			}
			return
		}
		// Skip what would take long: the reference loops over every label.
		space := 1.0
		for _, n := range p.size {
			space *= float64(max(n, 1))
		}
		if space > 1<<12 || len(p.ops) > 5 {
			return
		}
		rng := rand.New(rand.NewPCG(uint64(len(eq)), uint64(len(shapeBytes))))
		runCase(t, rng, eq, shapes, rng.IntN(3))
		gradCase(t, rng, eq, shapes, rng.IntN(3), false)
	})
}
