package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/internal/abi"
	// A generator's test importing the library it generates for: the test
	// checks kernels.AdamDividerWork, which bench reports from, against the
	// generated loops, so it needs both sides (the generator itself does not
	// import kernels).
	"github.com/vecgrad/vecgrad/kernels"
)

var (
	variantLabel = regexp.MustCompile(`^op(\d+)_\d+:`)
	loopLabel    = regexp.MustCompile(`^loop_\d+:`)
	tailLabel    = regexp.MustCompile(`^tail_\d+:`)
)

// TestAdamDividerWork checks kernels.AdamDividerWork, the divisions per
// element that `vecgrad bench optim` computes Adam's divider bound from,
// against the generated code: the VDIVPS of each AdamStep variant's main
// loop, which runs is.unroll full vectors per iteration. (The square root
// is always one; NEON has no divConst.)
func TestAdamDividerWork(t *testing.T) {
	for _, is := range isas {
		level := strings.ToLower(is.suffix)
		if err := kernels.SetISA(level); err != nil {
			t.Logf("%s: %v (not checked)", level, err)
			continue
		}
		b, err := os.ReadFile(filepath.Join(asmDir, "optim_"+is.file+"_amd64.s"))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		text = text[strings.Index(text, "TEXT ·AdamStep"):]
		divs := map[int]int{} // VDIVPS in each variant's main loop
		variant, inLoop := -1, false
		for _, line := range strings.Split(text, "\n") {
			c := strings.TrimSpace(code(line))
			switch m := variantLabel.FindStringSubmatch(c); {
			case m != nil:
				variant, _ = strconv.Atoi(m[1]) // \d+
				divs[variant] = 0
			case loopLabel.MatchString(c):
				inLoop = true
			case tailLabel.MatchString(c):
				inLoop = false
			case inLoop && strings.HasPrefix(c, "VDIVPS"):
				divs[variant]++
			}
		}
		if len(divs) != abi.AdamVariants {
			t.Fatalf("%s: %d AdamStep variants found, want %d", level, len(divs), abi.AdamVariants)
		}
		for v, n := range divs {
			ams := abi.DecodeAdam(v).AMSGrad
			sqrts, want := kernels.AdamDividerWork(ams)
			if sqrts != 1 || n != want*is.unroll {
				t.Errorf("%s variant %d (amsgrad %v): %d VDIVPS in the main loop of %d vectors; kernels.AdamDividerWork says %d square roots, %d divisions per element",
					level, v, ams, n, is.unroll, sqrts, want)
			}
		}
	}
	_ = kernels.SetISA(kernels.Levels()[0])
}
