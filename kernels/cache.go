package kernels

import (
	"os"
	"strconv"
	"strings"
)

// CacheSizes are the data-cache sizes of one core, in bytes, that the GEMM
// blocking is derived from.
type CacheSizes struct {
	L1d, L2, L3 int
	// Source names where the sizes come from, in order L1d, L2, L3, each
	// source once: "cpuid", "sysfs", "defaults", or a combination such
	// as "cpuid+defaults" when a source reported only some levels.
	Source string
}

// DefaultCacheSizes are the sizes assumed where neither CPUID nor the OS
// reports one: the smallest of the machines the blocking was tuned on
// (Zen 3's 32 KiB L1d and 512 KiB L2, an 8 MiB share of L3), so that
// blocks sized from them fit on larger caches too.
var DefaultCacheSizes = CacheSizes{L1d: 32 << 10, L2: 512 << 10, L3: 8 << 20, Source: "defaults"}

// sysfsCacheDir is where Linux describes cpu0's caches.
const sysfsCacheDir = "/sys/devices/system/cpu/cpu0/cache"

// caches is what this machine reports, read once at start-up.
var caches = detectCaches(cpuidInstr, sysfsCacheDir)

// Caches returns the cache sizes of this machine as the kernels use them:
// from CPUID on amd64 (not in the purego build), else from Linux sysfs,
// else DefaultCacheSizes, level by level.
func Caches() CacheSizes { return caches }

// detectCaches takes each level's size from the first source that reports
// it: cpuid (skipped where nil), the sysfs directory dir, the defaults.
func detectCaches(cpuid cpuidFunc, dir string) CacheSizes {
	var sources [3][3]int // [source][level]: cpuid, sysfs, defaults
	if cpuid != nil {
		sources[0][0], sources[0][1], sources[0][2] = cpuidCaches(cpuid)
	}
	for lvl := 1; lvl <= 3; lvl++ {
		sources[1][lvl-1] = sysfsCacheSize(dir, lvl)
	}
	d := DefaultCacheSizes
	sources[2] = [3]int{d.L1d, d.L2, d.L3}
	names := [3]string{"cpuid", "sysfs", "defaults"}

	var got [3]int
	var used [3]bool
	for lvl := range got {
		for s := range sources {
			if sources[s][lvl] > 0 {
				got[lvl], used[s] = sources[s][lvl], true
				break
			}
		}
	}
	var src []string
	for s, u := range used {
		if u {
			src = append(src, names[s])
		}
	}
	return CacheSizes{L1d: got[0], L2: got[1], L3: got[2], Source: strings.Join(src, "+")}
}

// sysfsCacheSize returns the size in bytes of the level-lvl data or unified
// cache that dir (a /sys/devices/system/cpu/cpuN/cache) describes, or 0.
func sysfsCacheSize(dir string, lvl int) int {
	for idx := 0; idx < 8; idx++ {
		sub := dir + "/index" + strconv.Itoa(idx) + "/"
		level, err1 := os.ReadFile(sub + "level")
		typ, err2 := os.ReadFile(sub + "type")
		size, err3 := os.ReadFile(sub + "size")
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		if strings.TrimSpace(string(level)) != strconv.Itoa(lvl) || strings.TrimSpace(string(typ)) == "Instruction" {
			continue
		}
		if n := parseCacheSize(strings.TrimSpace(string(size))); n > 0 {
			return n
		}
	}
	return 0
}

// parseCacheSize reads sysfs sizes such as "48K", "2048K", "32M".
func parseCacheSize(s string) int {
	mul := 1
	switch {
	case strings.HasSuffix(s, "K"):
		mul, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mul, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0
	}
	return n * mul
}
