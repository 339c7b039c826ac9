package kernels

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardRegion is read-write pages with a PROT_NONE page on each side. A
// slice placed flush against either guard faults on any access beyond its
// ends, so a kernel that over-reads or over-writes crashes the test.
type guardRegion struct {
	mem   []byte // guard, data pages, guard
	page  int
	pages int // data pages
}

// newGuardRegion maps one data page; newGuardRegionFor maps enough for n floats.
func newGuardRegion(t testing.TB) *guardRegion { return newGuardRegionFor(t, 1) }

func newGuardRegionFor(t testing.TB, n int) *guardRegion {
	page := unix.Getpagesize()
	pages := max(1, (4*n+page-1)/page)
	mem, err := unix.Mmap(-1, 0, (pages+2)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	for _, g := range [][]byte{mem[:page], mem[(pages+1)*page:]} {
		if err := unix.Mprotect(g, unix.PROT_NONE); err != nil {
			t.Fatalf("mprotect: %v", err)
		}
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return &guardRegion{mem: mem, page: page, pages: pages}
}

// tail returns n floats ending exactly at the upper guard page.
func (g *guardRegion) tail(n int) []float32 {
	end := unsafe.Pointer(&g.mem[(g.pages+1)*g.page-1])
	p := unsafe.Add(end, 1-4*n)
	return unsafe.Slice((*float32)(p), n)
}

// head returns n floats starting exactly at the lower guard page's end.
func (g *guardRegion) head(n int) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&g.mem[g.page])), n)
}

// place returns n floats flush against the upper guard ("tail") or the lower one ("head").
func (g *guardRegion) place(where string, n int) []float32 {
	if where == "head" {
		return g.head(n)
	}
	return g.tail(n)
}
