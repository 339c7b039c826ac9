package main

import (
	"testing"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// TestUnaryOpsComplete checks that the Unary generator has a routine for
// every op code of internal/abi: a code without one would be a hole in the
// table (the array is sized by abi.UnaryOps) that panics at generation.
func TestUnaryOpsComplete(t *testing.T) {
	for code, u := range unaryOps {
		if u.apply == nil || u.group < 1 {
			t.Errorf("Unary op %d (%s) has no routine", code, abi.UnaryNames[code])
		}
	}
}
