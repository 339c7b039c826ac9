package einsum

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Labels: the 52 letters take the ids 0..51 in ASCII order ('A'..'Z' then
// 'a'..'z'), so that sorting ids sorts the implicit output as torch does;
// the dimensions covered by the ellipsis take 52, 53, ... from the left of
// the broadcast ellipsis shape.
const numLetters = 52

func letterLabel(c byte) int {
	if c <= 'Z' {
		return int(c - 'A')
	}
	return int(c-'a') + 26
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// sub is one subscript as written: a letter, or '.' for the ellipsis.
type sub struct {
	c   byte
	col int // byte offset in the equation
}

// term is the subscripts of one operand, or of the output.
type term struct {
	subs       []sub
	start, end int // byte offsets of the term's text, for messages
	ell        int // byte offset of its ellipsis, or -1
}

func (t *term) letters() int {
	n := 0
	for _, s := range t.subs {
		if s.c != '.' {
			n++
		}
	}
	return n
}

// syntax is an equation split into terms, before any shape is looked at.
type syntax struct {
	inputs   []term
	output   term
	explicit bool // the equation has "->"
	arrow    int  // byte offset of "->"
}

// scan splits eq into its terms and checks the characters, dots and
// arrows; it knows nothing of the operands.
func scan(eq string) (*syntax, error) {
	st := &syntax{arrow: -1}
	cur := term{start: 0, ell: -1}
	where := func() (string, int) {
		if st.explicit {
			return "the output", -1
		}
		return fmt.Sprintf("operand %d", len(st.inputs)), len(st.inputs)
	}
	for i := 0; i < len(eq); i++ {
		c := eq[i]
		switch {
		case isSpace(c):
		case isLetter(c):
			cur.subs = append(cur.subs, sub{c, i})
		case c == '.':
			if !strings.HasPrefix(eq[i:], "...") {
				return nil, errorf(eq, RuleDot, i, -1, "stray '.' at column %d: an ellipsis is exactly three dots \"...\"", i+1)
			}
			if cur.ell >= 0 {
				w, op := where()
				return nil, errorf(eq, RuleEllipsis, i, op, "second ellipsis in %s at column %d (the first is at column %d): each operand, and the output, may have one", w, i+1, cur.ell+1)
			}
			cur.ell = i
			cur.subs = append(cur.subs, sub{'.', i})
			i += 2
		case c == ',':
			if st.explicit {
				return nil, errorf(eq, RuleChar, i, -1, "',' at column %d in the output: the output is a single list of subscripts", i+1)
			}
			cur.end = i
			st.inputs = append(st.inputs, cur)
			cur = term{start: i + 1, ell: -1}
		case c == '-' && i+1 < len(eq) && eq[i+1] == '>':
			if st.explicit {
				return nil, errorf(eq, RuleArrow, i, -1, "second \"->\" at column %d (the first is at column %d)", i+1, st.arrow+1)
			}
			cur.end = i
			st.inputs = append(st.inputs, cur)
			st.explicit, st.arrow = true, i
			cur = term{start: i + 2, ell: -1}
			i++
		case c == '-':
			return nil, errorf(eq, RuleArrow, i, -1, "'-' at column %d is not followed by '>' (the output is given by \"->\")", i+1)
		case c == '>':
			return nil, errorf(eq, RuleArrow, i, -1, "'>' at column %d does not follow '-' (the output is given by \"->\")", i+1)
		default:
			r, _ := utf8.DecodeRuneInString(eq[i:])
			return nil, errorf(eq, RuleChar, i, -1, "invalid character %q at column %d: subscripts are the letters a-z and A-Z", r, i+1)
		}
	}
	cur.end = len(eq)
	if st.explicit {
		st.output = cur
	} else {
		st.inputs = append(st.inputs, cur)
	}
	return st, nil
}

// text is the term as written, without surrounding white space.
func (t *term) text(eq string) string { return strings.TrimSpace(eq[t.start:t.end]) }

// first is the byte offset of the term's first character that is not white
// space (its start when it has none), for messages.
func (t *term) first(eq string) int {
	i := t.start
	for i < t.end && isSpace(eq[i]) {
		i++
	}
	if i == t.end {
		return t.start
	}
	return i
}

// Parse checks the equation eq against the shapes of its operands and
// returns the plan that computes it. eq follows torch.einsum's grammar (see
// the package documentation); shapes[i] is the shape of operand i (an empty
// shape is a scalar). A rejected equation gives an *Error naming the rule
// and the place. Parse keeps copies of eq and shapes.
//
// The checks run in a fixed order, so that an equation with several faults
// always reports the same one: the syntax (scan), the output's subscripts,
// the operand count and shapes, the ranks and the ellipsis, then the size
// of every subscript.
func Parse(eq string, shapes [][]int) (*Plan, error) {
	st, err := scan(eq)
	if err != nil {
		return nil, err
	}
	count, err := checkOutput(eq, st)
	if err != nil {
		return nil, err
	}
	if err := checkOperands(eq, st, shapes); err != nil {
		return nil, err
	}
	ell, err := ellipsisShape(eq, st, shapes)
	if err != nil {
		return nil, err
	}
	dims, size, err := labelSizes(eq, st, shapes, ell)
	if err != nil {
		return nil, err
	}
	cp := make([][]int, len(shapes))
	for i, sh := range shapes {
		cp[i] = append([]int{}, sh...)
	}
	return newPlan(eq, cp, dims, size, outputLabels(st, len(ell), &count)), nil
}

// checkOutput counts the uses of every letter in the inputs and checks that
// each subscript of an explicit output comes from the inputs, once.
func checkOutput(eq string, st *syntax) (count [numLetters]int, err error) {
	for _, t := range st.inputs {
		for _, s := range t.subs {
			if s.c != '.' {
				count[letterLabel(s.c)]++
			}
		}
	}
	if !st.explicit {
		return count, nil
	}
	var seen [numLetters]int
	for _, s := range st.output.subs {
		if s.c == '.' {
			continue
		}
		l := letterLabel(s.c)
		if count[l] == 0 {
			return count, errorf(eq, RuleOutputUnknown, s.col, -1, "output subscript %c at column %d is not in any input", s.c, s.col+1)
		}
		if seen[l] > 0 {
			return count, errorf(eq, RuleOutputRepeated, s.col, -1, "output subscript %c at column %d is repeated (first at column %d): each output subscript appears once", s.c, s.col+1, seen[l])
		}
		seen[l] = s.col + 1
	}
	return count, nil
}

// checkOperands checks that there is one shape per operand of the equation
// and no negative dimension.
func checkOperands(eq string, st *syntax, shapes [][]int) error {
	if nops := len(st.inputs); nops != len(shapes) {
		col := -1
		if nops > len(shapes) {
			col = st.inputs[len(shapes)].first(eq)
		}
		return errorf(eq, RuleOperandCount, col, -1, "the equation names %d operand%s but %d %s given", nops, plural(nops), len(shapes), wasWere(len(shapes)))
	}
	for i, sh := range shapes {
		for d, n := range sh {
			if n < 0 {
				return errorf(eq, RuleShape, st.inputs[i].first(eq), i, "operand %d has shape %v: dimension %d is negative", i, sh, d)
			}
		}
	}
	return nil
}

// ellipsisShape checks every operand's rank against its subscripts and
// returns the broadcast shape of the dimensions the ellipses cover
// (right-aligned, as torch broadcasts them).
func ellipsisShape(eq string, st *syntax, shapes [][]int) ([]int, error) {
	var ell []int
	for i, t := range st.inputs {
		nl, nd := t.letters(), len(shapes[i])
		if t.ell < 0 && nl != nd {
			return nil, errorf(eq, RuleRank, t.first(eq), i, "operand %d has %d dimension%s but subscripts %q name %d", i, nd, plural(nd), t.text(eq), nl)
		}
		if t.ell >= 0 && nl > nd {
			return nil, errorf(eq, RuleRank, t.first(eq), i, "operand %d has %d dimension%s but subscripts %q name %d besides the ellipsis", i, nd, plural(nd), t.text(eq), nl)
		}
		if t.ell >= 0 {
			ell = extendLeft(ell, nd-nl)
		}
	}
	for i := range ell {
		ell[i] = 1
	}
	for i, t := range st.inputs {
		if t.ell < 0 {
			continue
		}
		e := len(shapes[i]) - t.letters()
		first := ellipsisStart(&t)
		part := shapes[i][first : first+e]
		for d, n := range part {
			j := len(ell) - e + d
			switch {
			case n == 1 || n == ell[j]:
			case ell[j] == 1:
				ell[j] = n
			default:
				return nil, errorf(eq, RuleBroadcast, t.ell, i, "the ellipsis of operand %d covers dimensions %v, which do not broadcast with the ellipsis dimensions %v of the operands before it: size %d vs %d (sizes must be equal, or 1)", i, part, ell, n, ell[j])
			}
		}
	}
	return ell, nil
}

// labelSizes returns the label of every dimension of every operand and the
// size of every label (numLetters letters, then the len(ell) ellipsis
// dimensions). Sizes must agree: a diagonal exactly, across operands up to
// size-1 broadcasting.
func labelSizes(eq string, st *syntax, shapes [][]int, ell []int) (dims [][]int, size []int, err error) {
	nlab := numLetters + len(ell)
	size = make([]int, nlab)
	for l := range size {
		size[l] = 1
	}
	copy(size[numLetters:], ell)
	from := make([]int, nlab) // operand that set size[l] to a value other than 1, +1
	dims = make([][]int, len(st.inputs))
	for i, t := range st.inputs {
		sh := shapes[i]
		dl, cols := operandLabels(&t, len(sh), len(ell))
		dims[i] = dl
		for d, l := range dl {
			if l >= numLetters {
				continue
			}
			for d0 := 0; d0 < d; d0++ {
				if dl[d0] == l && sh[d0] != sh[d] {
					return nil, nil, errorf(eq, RuleDiagonal, cols[d], i, "subscript %c is repeated in operand %d over dimensions of sizes %d and %d (columns %d and %d): a diagonal needs equal sizes", eq[cols[d]], i, sh[d0], sh[d], cols[d0]+1, cols[d]+1)
				}
			}
			switch n := sh[d]; {
			case n == 1 || n == size[l]:
			case size[l] == 1:
				size[l], from[l] = n, i+1
			default:
				return nil, nil, errorf(eq, RuleBroadcast, cols[d], i, "subscript %c at column %d has size %d in operand %d but %d in operand %d (sizes of one subscript must be equal, or 1)", eq[cols[d]], cols[d]+1, n, i, size[l], from[l]-1)
			}
		}
	}
	return dims, size, nil
}

// operandLabels returns the label of each of the rank dimensions of an
// operand with subscripts t, and the column of the subscript that names it;
// its ellipsis covers the last of the nell ellipsis labels.
func operandLabels(t *term, rank, nell int) (labels, cols []int) {
	e := rank - t.letters()
	labels, cols = make([]int, 0, rank), make([]int, 0, rank)
	for _, s := range t.subs {
		if s.c == '.' {
			for d := 0; d < e; d++ {
				labels = append(labels, numLetters+nell-e+d)
				cols = append(cols, s.col)
			}
			continue
		}
		labels = append(labels, letterLabel(s.c))
		cols = append(cols, s.col)
	}
	return labels, cols
}

// outputLabels returns the labels of the output: as written, or implicitly
// the nell ellipsis dimensions then the letters named once (count), in ASCII
// order.
func outputLabels(st *syntax, nell int, count *[numLetters]int) []int {
	var out []int
	ellLabels := func() {
		for d := range nell {
			out = append(out, numLetters+d)
		}
	}
	if st.explicit {
		for _, s := range st.output.subs {
			if s.c == '.' {
				ellLabels()
			} else {
				out = append(out, letterLabel(s.c))
			}
		}
		return out
	}
	ellLabels()
	for l, c := range count {
		if c == 1 {
			out = append(out, l)
		}
	}
	return out
}

// ellipsisStart is the index of the first dimension the ellipsis covers:
// the number of letters before it.
func ellipsisStart(t *term) int {
	n := 0
	for _, s := range t.subs {
		if s.c == '.' {
			return n
		}
		n++
	}
	return n
}

// extendLeft returns s with zeros prepended up to length n.
func extendLeft(s []int, n int) []int {
	if n <= len(s) {
		return s
	}
	return append(make([]int, n-len(s)), s...)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
