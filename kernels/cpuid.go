package kernels

// cpuidFunc executes CPUID with EAX = leaf, ECX = subleaf and returns EAX,
// EBX, ECX, EDX: the instruction (cpuid_amd64.go), or a table of recorded
// values in tests.
type cpuidFunc func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// CPUID leaves the cache sizes are read from (Intel SDM vol. 2A, CPUID;
// AMD APM vol. 3, appendix E).
const (
	leafCacheParams    = 0x4        // Intel: deterministic cache parameters, one subleaf per cache
	leafExtMax         = 0x80000000 // EAX: the highest extended leaf
	leafExtFeatures    = 0x80000001 // AMD: ECX bit 22, TopologyExtensions (leaf 0x8000001D exists)
	leafAMDL1          = 0x80000005 // AMD: ECX[31:24] L1d KiB
	leafAMDL2L3        = 0x80000006 // AMD and Intel: ECX[31:16] L2 KiB; AMD: EDX[31:18] L3 in 512 KiB
	leafAMDCacheParams = 0x8000001D // AMD: leaf 4's layout
	topoExtBit         = 1 << 22
	maxCacheSubleaves  = 16 // a bound on the subleaf walk, against a hypervisor that never reports type 0
)

// cpuidCaches decodes the sizes in bytes of the L1 data, L2 and L3 caches of
// one core from cpuid; 0 where the CPU reports none. The deterministic
// cache parameters come first: leaf 4 (Intel; zeros on AMD) and leaf
// 0x8000001D (AMD with topology extensions), whose L3 is the slice of the
// core's complex (32 MiB on a Zen 5 CCD). The older AMD leaves 0x80000005
// and 0x80000006 fill what is still missing; their L3 is that of the
// whole processor, which is why they come second.
func cpuidCaches(cpuid cpuidFunc) (l1d, l2, l3 int) {
	maxBasic, _, _, _ := cpuid(0, 0)
	maxExt, _, _, _ := cpuid(leafExtMax, 0)
	sizes := [4]int{} // by level; [0] unused
	if maxBasic >= leafCacheParams {
		cacheParams(cpuid, leafCacheParams, &sizes)
	}
	if maxExt >= leafAMDCacheParams {
		if _, _, ecx, _ := cpuid(leafExtFeatures, 0); ecx&topoExtBit != 0 {
			cacheParams(cpuid, leafAMDCacheParams, &sizes)
		}
	}
	if maxExt >= leafAMDL1 && sizes[1] == 0 {
		_, _, ecx, _ := cpuid(leafAMDL1, 0)
		sizes[1] = int(ecx>>24) << 10
	}
	if maxExt >= leafAMDL2L3 {
		_, _, ecx, edx := cpuid(leafAMDL2L3, 0)
		if sizes[2] == 0 {
			sizes[2] = int(ecx>>16) << 10
		}
		if sizes[3] == 0 {
			sizes[3] = int(edx>>18) * 512 << 10
		}
	}
	return sizes[1], sizes[2], sizes[3]
}

// cacheParams walks the subleaves of a deterministic-cache-parameters leaf
// (4 or 0x8000001D) until one of type 0 and records in sizes, by level,
// the first data or unified cache that sizes does not hold yet. Each
// subleaf: EAX[4:0] type (1 data, 2 instruction, 3 unified), EAX[7:5]
// level; EBX[31:22] ways-1, EBX[21:12] partitions-1, EBX[11:0] line
// size-1; ECX sets-1.
func cacheParams(cpuid cpuidFunc, leaf uint32, sizes *[4]int) {
	for sub := uint32(0); sub < maxCacheSubleaves; sub++ {
		eax, ebx, ecx, _ := cpuid(leaf, sub)
		typ, level := eax&0x1f, int(eax>>5&0x7)
		if typ == 0 {
			return
		}
		if typ == 2 || level < 1 || level >= len(sizes) || sizes[level] != 0 {
			continue
		}
		ways, parts, line := int(ebx>>22)+1, int(ebx>>12&0x3ff)+1, int(ebx&0xfff)+1
		sizes[level] = ways * parts * line * (int(ecx) + 1)
	}
}
