package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

// Caches holds the data-cache sizes of one core, in bytes.
type Caches struct {
	L1d, L2, L3 int64
	// Source says where the sizes come from (kernels.CacheSizes.Source):
	// "cpuid", "sysfs", "defaults", or a combination such as
	// "sysfs+defaults" when a source reported only some of them.
	Source string
}

// DetectCaches returns the cache sizes package kernels blocks its products
// for (kernels.Caches: CPUID on amd64, then Linux sysfs, then defaults), so
// that the working sets measured and the blocking agree.
func DetectCaches() Caches {
	c := kernels.Caches()
	return Caches{L1d: int64(c.L1d), L2: int64(c.L2), L3: int64(c.L3), Source: c.Source}
}

// ParseSize parses a sysfs cache size such as "48K", "1024K", "32M" or a
// plain byte count.
func ParseSize(s string) (int64, error) {
	mul := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mul, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mul, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mul, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bench: cache size %q is not a byte count with an optional K, M or G suffix", s)
	}
	return n * mul, nil
}

// Class is a working-set size class: where in the memory hierarchy the data
// of a benchmark lives.
type Class int

// The size classes, smallest first.
const (
	L1 Class = iota
	L2
	L3
	DRAM
	numClasses
)

var classNames = [numClasses]string{"L1", "L2", "L3", "DRAM"}

// Classes lists every size class, smallest first.
func Classes() []Class { return []Class{L1, L2, L3, DRAM} }

func (c Class) String() string {
	if c < 0 || c >= numClasses {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// ParseClass parses a class name (L1, L2, L3, DRAM; case-insensitive).
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if strings.EqualFold(n, s) {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("unknown size class %q (accepted: %s)", s, strings.Join(classNames[:], ", "))
}

// minDRAMSet is the smallest working set the DRAM class uses, whatever L3 is.
const minDRAMSet = 256 << 20

// WorkingSet returns the total bytes of the arrays a benchmark of class cl
// touches: half of L1d, half of L2, half of L3, and for DRAM 8 times L3 but
// at least 256 MiB.
func (c Caches) WorkingSet(cl Class) int64 {
	switch cl {
	case L1:
		return c.L1d / 2
	case L2:
		return c.L2 / 2
	case L3:
		return c.L3 / 2
	}
	return max(8*c.L3, minDRAMSet)
}

// ClassOf returns the class of a working set of ws bytes: the smallest cache
// that holds it, or DRAM.
func (c Caches) ClassOf(ws int64) Class {
	switch {
	case ws <= c.L1d:
		return L1
	case ws <= c.L2:
		return L2
	case ws <= c.L3:
		return L3
	}
	return DRAM
}

// FormatBytes writes a byte count with a binary unit: "16 KiB", "1.5 MiB".
func FormatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}
