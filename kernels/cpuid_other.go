//go:build purego || !amd64

package kernels

// cpuidInstr is nil: no CPUID here (not amd64, or the purego build, which
// has no assembly); the cache sizes come from sysfs or the defaults.
var cpuidInstr cpuidFunc
