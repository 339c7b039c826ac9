package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// asmDir is the generated package, relative to this directory.
const asmDir = "../../asm"

var (
	// AVX2 code may name only X0-X15 / Y0-Y15: no EVEX-only vector
	// registers, no ZMM, no opmask registers.
	forbiddenAVX2 = regexp.MustCompile(`\b([XY](1[6-9]|2[0-9]|3[01])|Z([0-9]|[12][0-9]|3[01])|K[0-7])\b`)
	ret           = regexp.MustCompile(`^\s*RET\b`)
)

func generated(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(asmDir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s in %s: run go run ./gen/amd64 -out asm from the repository root", pattern, asmDir)
	}
	return files
}

// code returns the instruction part of a line (comments dropped).
func code(line string) string {
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return line
}

// TestAVX2Registers fails on any register of an AVX2 file that an
// AVX2-only CPU does not have.
func TestAVX2Registers(t *testing.T) {
	for _, f := range generated(t, "*_avx2_amd64.s") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := forbiddenAVX2.FindString(code(line)); m != "" {
				t.Errorf("%s:%d: %s in AVX2 code: %s", filepath.Base(f), i+1, m, strings.TrimSpace(line))
			}
		}
	}
}

// TestVZEROUPPERBeforeRET checks that every RET of every generated vector
// file directly follows a VZEROUPPER (avo does not emit it). The baseline
// file (cpuid_x86_amd64.s) must not have one: VZEROUPPER needs AVX.
func TestVZEROUPPERBeforeRET(t *testing.T) {
	for _, f := range generated(t, "*_avx*_amd64.s") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prev, rets := "", 0
		for i, line := range strings.Split(string(b), "\n") {
			c := strings.TrimSpace(code(line))
			if c == "" {
				continue
			}
			if ret.MatchString(c) {
				rets++
				if prev != "VZEROUPPER" {
					t.Errorf("%s:%d: RET after %q, not VZEROUPPER", filepath.Base(f), i+1, prev)
				}
			}
			prev = c
		}
		if rets == 0 {
			t.Errorf("%s: no RET", filepath.Base(f))
		}
	}
}
