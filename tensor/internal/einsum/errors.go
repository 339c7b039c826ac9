package einsum

import "fmt"

// Rule names the rule of the grammar, or of the shapes, that an equation
// broke.
type Rule int

// The rules Parse checks, in the order it checks them.
const (
	// RuleChar: a character that is not a subscript letter (a-z, A-Z),
	// ',', '.', "->" or white space.
	RuleChar Rule = iota + 1
	// RuleDot: a '.' that is not part of exactly three dots "...".
	RuleDot
	// RuleEllipsis: a second ellipsis in one operand or in the output.
	RuleEllipsis
	// RuleArrow: "->" twice, or a '-' or '>' that is not part of "->".
	RuleArrow
	// RuleOutputUnknown: an output subscript that no input names.
	RuleOutputUnknown
	// RuleOutputRepeated: a subscript named twice in the output.
	RuleOutputRepeated
	// RuleOperandCount: the equation names more or fewer operands than
	// were given.
	RuleOperandCount
	// RuleRank: an operand's subscripts name more or fewer dimensions than
	// it has (an ellipsis stands for any number of them, zero included).
	RuleRank
	// RuleShape: a negative dimension size.
	RuleShape
	// RuleDiagonal: a subscript repeated within one operand over
	// dimensions of different sizes.
	RuleDiagonal
	// RuleBroadcast: one subscript, or one dimension covered by the
	// ellipsis, with sizes that are neither equal nor 1.
	RuleBroadcast
)

var ruleNames = [...]string{
	RuleChar:           "invalid character",
	RuleDot:            "stray '.'",
	RuleEllipsis:       "second ellipsis",
	RuleArrow:          "misplaced arrow",
	RuleOutputUnknown:  "unknown output subscript",
	RuleOutputRepeated: "repeated output subscript",
	RuleOperandCount:   "operand count",
	RuleRank:           "rank mismatch",
	RuleShape:          "negative size",
	RuleDiagonal:       "diagonal size mismatch",
	RuleBroadcast:      "sizes do not broadcast",
}

// String returns a short name of the rule, e.g. "rank mismatch".
func (r Rule) String() string {
	if r > 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

// Error is the error Parse returns for an equation it rejects. Its message
// quotes the equation, says which rule failed, with the values, and where:
//
//	einsum: "ij,jk->ik": operand 1 has 3 dimensions but subscripts "jk" name 2
//	einsum: "ij,j.k": stray '.' at column 5: an ellipsis is exactly three dots "..."
type Error struct {
	Eq      string // the equation as given
	Rule    Rule   // the rule that failed
	Col     int    // 1-based column (byte offset + 1) in Eq of the offending character or subscript; 0 when the rule is not about one place
	Operand int    // the operand concerned, or -1
	Detail  string // what was wrong, with the values: the message after the equation
}

// Error returns the message: "einsum: ", the quoted equation, ": " and
// Detail.
func (e *Error) Error() string {
	return fmt.Sprintf("einsum: %q: %s", e.Eq, e.Detail)
}

// errorf builds an *Error; col is a 0-based byte offset into eq, or -1.
func errorf(eq string, rule Rule, col, operand int, format string, args ...any) *Error {
	return &Error{Eq: eq, Rule: rule, Col: col + 1, Operand: operand, Detail: fmt.Sprintf(format, args...)}
}
