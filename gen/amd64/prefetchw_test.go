package main

import (
	"bytes"
	"testing"

	"github.com/mmcloughlin/avo/reg"
)

// TestPrefetchWBytes checks the PREFETCHW encodings against those the Go
// disassembler (go tool objdump, x86asm) decodes: "410f0d4b40 PREFETCHW
// 0x40(R11)" and "410f0d4b7f PREFETCHW 0x7f(R11)" in a built GemmStripSGD,
// and the table of Intel's SDM (0F 0D /1) for the others.
func TestPrefetchWBytes(t *testing.T) {
	for _, c := range []struct {
		r    reg.Physical
		disp int
		want []byte
	}{
		{reg.R11, 0, []byte{0x41, 0x0f, 0x0d, 0x4b, 0x00}},
		{reg.R11, 0x40, []byte{0x41, 0x0f, 0x0d, 0x4b, 0x40}},
		{reg.R11, 0x7f, []byte{0x41, 0x0f, 0x0d, 0x4b, 0x7f}},
		{reg.R11, -1, []byte{0x41, 0x0f, 0x0d, 0x4b, 0xff}},
		{reg.RAX, 8, []byte{0x0f, 0x0d, 0x48, 0x08}},
		{reg.R8, 0, []byte{0x41, 0x0f, 0x0d, 0x48, 0x00}},
		{reg.R13, 4, []byte{0x41, 0x0f, 0x0d, 0x4d, 0x04}},
	} {
		if got := prefetchWBytes(c.r, c.disp); !bytes.Equal(got, c.want) {
			t.Errorf("prefetchWBytes(%s, %d) = % x, want % x", c.r.Asm(), c.disp, got, c.want)
		}
	}
	for _, bad := range []func(){
		func() { prefetchWBytes(reg.RSP, 0) },
		func() { prefetchWBytes(reg.R12, 0) },
		func() { prefetchWBytes(reg.R11, 128) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("prefetchWBytes accepted a base or displacement it cannot encode")
				}
			}()
			bad()
		}()
	}
}
