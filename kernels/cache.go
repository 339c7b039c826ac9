package kernels

import (
	"os"
	"strconv"
	"strings"
)

// cacheSize returns the size in bytes of the level-lvl data or unified
// cache of CPU 0 as Linux reports it in sysfs, or def when it cannot tell.
func cacheSize(lvl int, def int) int {
	for idx := 0; idx < 8; idx++ {
		dir := "/sys/devices/system/cpu/cpu0/cache/index" + strconv.Itoa(idx) + "/"
		level, err1 := os.ReadFile(dir + "level")
		typ, err2 := os.ReadFile(dir + "type")
		size, err3 := os.ReadFile(dir + "size")
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
	return def
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
