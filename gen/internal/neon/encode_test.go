package neon

import (
	"sort"
	"testing"
)

// TestEncodingTable sweeps every table entry over registers at the edges of
// each field (V0, V7, V16, V31), every lane and shifts 1..32.
func TestEncodingTable(t *testing.T) {
	regs := []Vreg{0, 7, 16, 31}
	keys := make([]string, 0, len(encodings))
	for k := range encodings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e := &Emitter{}
	for _, k := range keys {
		c := encodings[k]
		for _, d := range regs {
			for _, n := range regs {
				for _, m := range regs {
					switch c.form {
					case felem:
						for i := 0; i < 4; i++ {
							e.enc(k, d, n, m, i)
						}
					case fshr:
						if m == 0 {
							for s := 1; s <= 32; s++ {
								e.enc(k, d, n, 0, s)
							}
						}
					case f3same, f3same16:
						e.enc(k, d, n, m, 0)
					default:
						if m == 0 {
							e.enc(k, d, n, 0, 0)
						}
					}
				}
			}
		}
	}
	seen, problems := CheckWords(e.String())
	for _, p := range problems {
		t.Errorf("table: %s", p)
	}
	for _, k := range keys {
		if seen[mnemonic(k)] == 0 {
			t.Errorf("table entry %s never checked", k)
		}
	}
}
