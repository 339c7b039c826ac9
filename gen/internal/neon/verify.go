package neon

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/arch/arm64/arm64asm"
)

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-fA-F]{8})\s*//\s*(.*)$`)

// normalize puts a disassembly in one spelling: lower case, single spaces,
// "#0" for a zero immediate.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, " ,", ",")
	s = strings.ReplaceAll(s, "#0.0", "#0")
	return s
}

// CheckWords decodes every WORD line of the assembly text with arm64asm and
// compares the disassembly with the line's trailing comment (what Word was
// given). It returns how many WORDs of each mnemonic it saw and one problem
// per line that is malformed, does not decode or decodes to another
// instruction than its comment says ("line 12: ...").
func CheckWords(text string) (seen map[string]int, problems []string) {
	seen = map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "WORD") {
			continue
		}
		m := wordLine.FindStringSubmatch(line)
		if m == nil {
			problems = append(problems, fmt.Sprintf("line %d: WORD without the $0x........ // disassembly form: %q", i+1, line))
			continue
		}
		w, _ := strconv.ParseUint(m[1], 16, 32)
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(w))
		inst, err := arm64asm.Decode(b[:])
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %#08x does not decode: %v (comment %q)", i+1, w, err, m[2]))
			continue
		}
		got, want := normalize(arm64asm.GNUSyntax(inst)), normalize(m[2])
		if got != want {
			problems = append(problems, fmt.Sprintf("line %d: %#08x decodes as %q, comment says %q", i+1, w, got, want))
			continue
		}
		seen[strings.Fields(got)[0]]++
	}
	return seen, problems
}
