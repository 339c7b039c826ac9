package einsum

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		eq     string
		shapes [][]int
		rule   Rule
		col    int    // 1-based; 0: no column
		msg    string // a part of the message
	}{
		{"ij,j1", [][]int{{2, 3}, {3}}, RuleChar, 5, `invalid character '1' at column 5`},
		{"ij,jé", [][]int{{2, 3}, {3}}, RuleChar, 5, `invalid character 'é' at column 5`},
		{"ij->i,j", [][]int{{2, 3}}, RuleChar, 6, `',' at column 6 in the output`},
		{"i..j", [][]int{{2, 3}}, RuleDot, 2, `stray '.' at column 2`},
		{"i.j", [][]int{{2, 3}}, RuleDot, 2, `stray '.' at column 2`},
		{"....i", [][]int{{2, 3}}, RuleDot, 4, `stray '.' at column 4`},
		{"ij->j.", [][]int{{2, 3}}, RuleDot, 6, `stray '.' at column 6`},
		{"...i...", [][]int{{2, 3}}, RuleEllipsis, 5, `second ellipsis in operand 0 at column 5 (the first is at column 1)`},
		{"i,j...k...", [][]int{{2}, {3}}, RuleEllipsis, 8, `second ellipsis in operand 1 at column 8`},
		{"...ij->...ij...", [][]int{{2, 3}}, RuleEllipsis, 13, `second ellipsis in the output at column 13`},
		{"ij->i->j", [][]int{{2, 3}}, RuleArrow, 6, `second "->" at column 6 (the first is at column 3)`},
		{"ij-i", [][]int{{2, 3}}, RuleArrow, 3, `'-' at column 3 is not followed by '>'`},
		{"ij-", [][]int{{2, 3}}, RuleArrow, 3, `'-' at column 3 is not followed by '>'`},
		{"ij>i", [][]int{{2, 3}}, RuleArrow, 3, `'>' at column 3 does not follow '-'`},
		{"ij->k", [][]int{{2, 3}}, RuleOutputUnknown, 5, `output subscript k at column 5 is not in any input`},
		{"ij->iji", [][]int{{2, 3}}, RuleOutputRepeated, 7, `output subscript i at column 7 is repeated (first at column 5)`},
		{"ij,jk", [][]int{{2, 3}}, RuleOperandCount, 4, `the equation names 2 operands but 1 was given`},
		{"ij", [][]int{{2, 3}, {3, 4}}, RuleOperandCount, 0, `the equation names 1 operand but 2 were given`},
		{"ij,->ij", [][]int{{2, 3}}, RuleOperandCount, 4, `names 2 operands but 1 was given`},
		{"ij", nil, RuleOperandCount, 1, `names 1 operand but 0 were given`},
		{"ij", [][]int{{2, -1}}, RuleShape, 1, `operand 0 has shape [2 -1]: dimension 1 is negative`},
		{"ij,jk->ik", [][]int{{2, 3}, {3, 4, 5}}, RuleRank, 4, `operand 1 has 3 dimensions but subscripts "jk" name 2`},
		{"ij", [][]int{{2}}, RuleRank, 1, `operand 0 has 1 dimension but subscripts "ij" name 2`},
		{"i, ...ij ", [][]int{{2}, {3}}, RuleRank, 4, `operand 1 has 1 dimension but subscripts "...ij" name 2 besides the ellipsis`},
		{",i", [][]int{{2}, {2}}, RuleRank, 1, `operand 0 has 1 dimension but subscripts "" name 0`},
		{"ii", [][]int{{2, 3}}, RuleDiagonal, 2, `subscript i is repeated in operand 0 over dimensions of sizes 2 and 3 (columns 1 and 2)`},
		{"ii->i", [][]int{{3, 1}}, RuleDiagonal, 2, `sizes 3 and 1`},
		{"ij,jk", [][]int{{2, 3}, {4, 5}}, RuleBroadcast, 4, `subscript j at column 4 has size 4 in operand 1 but 3 in operand 0 (sizes of one subscript must be equal, or 1)`},
		{"i,i,i", [][]int{{1}, {3}, {2}}, RuleBroadcast, 5, `has size 2 in operand 2 but 3 in operand 1`},
		{"...ij,...jk", [][]int{{2, 3, 3, 4}, {5, 4, 2}}, RuleBroadcast, 7, `the ellipsis of operand 1 covers dimensions [5], which do not broadcast with the ellipsis dimensions [2 3] of the operands before it: size 5 vs 3`},
	} {
		what := fmt.Sprintf("Parse(%q, %v)", c.eq, c.shapes)
		_, err := Parse(c.eq, c.shapes)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s = %v, want an *Error", what, err)
			continue
		}
		if e.Rule != c.rule || e.Col != c.col || e.Eq != c.eq {
			t.Errorf("%s: rule %v, column %d, eq %q; want %v, column %d", what, e.Rule, e.Col, e.Eq, c.rule, c.col)
		}
		prefix := fmt.Sprintf("einsum: %q: ", c.eq)
		if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: message %q, want %q + ...%q...", what, msg, prefix, c.msg)
		}
	}
}

func TestRuleString(t *testing.T) {
	for r := RuleChar; r <= RuleBroadcast; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "Rule(") {
			t.Errorf("Rule %d has no name", int(r))
		}
	}
	if s := Rule(99).String(); s != "Rule(99)" {
		t.Errorf("Rule(99).String() = %q", s)
	}
}

// TestRunPanics checks the argument checks of Run and Grad.
func TestRunPanics(t *testing.T) {
	p, err := Parse("ij,jk->ik", [][]int{{2, 3}, {3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	a := Operand{Data: make([]float32, 6), Shape: []int{2, 3}}
	b := Operand{Data: make([]float32, 12), Shape: []int{3, 4}}
	out := make([]float32, 8)
	for _, c := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"short out", func() { p.Run(out[:7], []Operand{a, b}) }, "len(out) = 7, the output [2 4] has 8 elements"},
		{"operand count", func() { p.Run(out, []Operand{a}) }, "1 operands for an equation of 2"},
		{"shape", func() { p.Run(out, []Operand{b, a}) }, "operand 0 has shape [3 4], the plan was made for [2 3]"},
		{"short data", func() { p.Run(out, []Operand{{Data: a.Data[:5], Shape: a.Shape}, b}) }, "operand 0: len(Data) = 5 <= offset of the last element = 5"},
		{"strides", func() { p.Run(out, []Operand{{Data: a.Data, Shape: a.Shape, Strides: []int{1}}, b}) }, "operand 0 has 1 strides for 2 dimensions"},
		{"negative stride", func() { p.Run(out, []Operand{{Data: a.Data, Shape: a.Shape, Strides: []int{3, -1}, Offset: 2}, b}) }, "stride -1 < 0 in dimension 1"},
		{"grad operand", func() { p.Grad(2, a.Data, out, []Operand{a, b}) }, "Grad: operand 2 of an equation of 2"},
		{"grad dst", func() { p.Grad(1, a.Data, out, []Operand{a, b}) }, "len(dst) = 6, operand 1 of shape [3 4] has 12 elements"},
		{"grad gradOut", func() { p.Grad(0, a.Data, out[:3], []Operand{a, b}) }, "len(gradOut) = 3"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, c.msg) {
					t.Errorf("%s: panic %v, want %q", c.name, r, c.msg)
				}
			}()
			c.f()
		}()
	}
}
