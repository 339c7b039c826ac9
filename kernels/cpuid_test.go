package kernels

import (
	"os"
	"path/filepath"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// cpuidTable is a recorded CPUID: leaf and subleaf to EAX, EBX, ECX, EDX.
// Leaves it does not list read as zeros, as reserved leaves do on AMD.
type cpuidTable map[[2]uint32][4]uint32

func (t cpuidTable) cpuid(leaf, sub uint32) (a, b, c, d uint32) {
	r := t[[2]uint32{leaf, sub}]
	return r[0], r[1], r[2], r[3]
}

// Vendor strings as leaf 0 returns them in EBX, EDX, ECX.
const (
	amdEBX, amdEDX, amdECX       = 0x68747541, 0x69746e65, 0x444d4163 // "Auth" "enti" "cAMD"
	intelEBX, intelEDX, intelECX = 0x756e6547, 0x49656e69, 0x6c65746e // "Genu" "ineI" "ntel"
)

// zen5 is the CPUID of this project's AMD EPYC family 0x1A (Zen 5) host,
// recorded with asm.CPUID (2 vCPUs, so the L3 is reported as shared by
// two). 0x80000006 EDX reports 768 x 512 KiB = 384 MiB: the L3 of the
// whole processor (12 CCDs), where 0x8000001D reports the 32 MiB of one.
var zen5 = cpuidTable{
	{0x00000000, 0}: {0x0000001c, amdEBX, amdECX, amdEDX},
	{0x00000001, 0}: {0x00b00f21, 0x01020800, 0xfffa3203, 0x178bfbff},
	{0x80000000, 0}: {0x80000021, amdEBX, amdECX, amdEDX},
	{0x80000001, 0}: {0x00b00f21, 0x40000000, 0x004003f3, 0x2fd3fbff},
	{0x80000005, 0}: {0xff60ff40, 0xff60ff40, 0x300c0140, 0x20080140},
	{0x80000006, 0}: {0x40802040, 0x60804040, 0x04008140, 0x0c009140},
	{0x8000001d, 0}: {0x00000121, 0x02c0003f, 0x0000003f, 0x00000000}, // L1d: 12 ways x 64 B x 64 sets
	{0x8000001d, 1}: {0x00000122, 0x01c0003f, 0x0000003f, 0x00000000}, // L1i
	{0x8000001d, 2}: {0x00000143, 0x03c0003f, 0x000003ff, 0x00000002}, // L2: 16 x 64 x 1024
	{0x8000001d, 3}: {0x00004163, 0x03c0003f, 0x00007fff, 0x00000001}, // L3: 16 x 64 x 32768
}

// zen4 is an EPYC 9004 (Genoa, family 0x19 model 0x11) written from AMD's
// encodings: L1d 32 KiB 8-way, L2 1 MiB 8-way, 32 MiB of L3 per CCD
// 16-way shared by 16 threads; 0x80000006 EDX the processor's 384 MiB;
// legacy associativity code 6 = 8 ways, 9 = see 0x8000001D.
var zen4 = cpuidTable{
	{0x00000000, 0}: {0x00000010, amdEBX, amdECX, amdEDX},
	{0x00000001, 0}: {0x00a10f11, 0x00000800, 0x7ef8320b, 0x178bfbff},
	{0x80000000, 0}: {0x80000028, amdEBX, amdECX, amdEDX},
	{0x80000001, 0}: {0x00a10f11, 0x40000000, 0x75c237ff, 0x2fd3fbff},
	{0x80000005, 0}: {0xff48ff40, 0xff48ff40, 0x20080140, 0x20080140},
	{0x80000006, 0}: {0x5c002200, 0x6c004200, 0x04006140, 0x0c009140},
	{0x8000001d, 0}: {0x00004121, 0x01c0003f, 0x0000003f, 0x00000000},
	{0x8000001d, 1}: {0x00004122, 0x01c0003f, 0x0000003f, 0x00000000},
	{0x8000001d, 2}: {0x00004143, 0x01c0003f, 0x000007ff, 0x00000002},
	{0x8000001d, 3}: {0x0003c163, 0x03c0003f, 0x00007fff, 0x00000001},
}

// zen3 is an EPYC 7003 (Milan, family 0x19 model 0x01) written from AMD's
// encodings: L1d 32 KiB 8-way, L2 512 KiB 8-way, 32 MiB of L3 per CCD;
// 0x80000006 EDX the processor's 256 MiB.
var zen3 = cpuidTable{
	{0x00000000, 0}: {0x00000010, amdEBX, amdECX, amdEDX},
	{0x00000001, 0}: {0x00a00f11, 0x00000800, 0x7ed8320b, 0x178bfbff},
	{0x80000000, 0}: {0x80000023, amdEBX, amdECX, amdEDX},
	{0x80000001, 0}: {0x00a00f11, 0x40000000, 0x75c237ff, 0x2fd3fbff},
	{0x80000005, 0}: {0xff40ff40, 0xff40ff40, 0x20080140, 0x20080140},
	{0x80000006, 0}: {0x48002200, 0x68004200, 0x02006140, 0x08009140},
	{0x8000001d, 0}: {0x00004121, 0x01c0003f, 0x0000003f, 0x00000000},
	{0x8000001d, 1}: {0x00004122, 0x01c0003f, 0x0000003f, 0x00000000},
	{0x8000001d, 2}: {0x00004143, 0x01c0003f, 0x000003ff, 0x00000002},
	{0x8000001d, 3}: {0x0003c163, 0x03c0003f, 0x00007fff, 0x00000001},
}

// sapphireRapids is a Xeon Platinum 8480+ (family 6 model 0x8F, 56 cores)
// written from Intel's leaf 4 encoding: L1d 48 KiB 12-way, L2 2 MiB
// 16-way, L3 105 MiB 15-way (114688 sets) shared by the package.
// 0x80000005 is reserved (zeros) on Intel; 0x80000006 ECX repeats the L2.
var sapphireRapids = cpuidTable{
	{0x00000000, 0}: {0x00000020, intelEBX, intelECX, intelEDX},
	{0x00000001, 0}: {0x000806f8, 0x00800800, 0x7ffefbff, 0xbfebfbff},
	{0x00000004, 0}: {0xfc004121, 0x02c0003f, 0x0000003f, 0x00000000},
	{0x00000004, 1}: {0xfc004122, 0x01c0003f, 0x0000003f, 0x00000000},
	{0x00000004, 2}: {0xfc004143, 0x03c0003f, 0x000007ff, 0x00000000},
	{0x00000004, 3}: {0xfc1fc163, 0x0380003f, 0x0001bfff, 0x00000004},
	{0x80000000, 0}: {0x80000008, 0, 0, 0},
	{0x80000001, 0}: {0, 0, 0x00000121, 0x2c100800},
	{0x80000006, 0}: {0, 0, 0x08007040, 0},
}

func TestCPUIDCaches(t *testing.T) {
	const KiB, MiB = 1 << 10, 1 << 20
	for _, tc := range []struct {
		name        string
		cpuid       cpuidTable
		l1d, l2, l3 int
	}{
		{"zen5", zen5, 48 * KiB, 1 * MiB, 32 * MiB},
		{"zen4", zen4, 32 * KiB, 1 * MiB, 32 * MiB},
		{"zen3", zen3, 32 * KiB, 512 * KiB, 32 * MiB},
		{"sapphire-rapids", sapphireRapids, 48 * KiB, 2 * MiB, 105 * MiB},
		// Without topology extensions (a hypervisor may hide the bit) the
		// legacy leaves: the L3 is then the whole processor's.
		{"zen5-no-topoext", without(zen5, 0x80000001, 0), 48 * KiB, 1 * MiB, 384 * MiB},
		{"zen3-no-topoext", without(zen3, 0x80000001, 0), 32 * KiB, 512 * KiB, 256 * MiB},
		// Leaf 4 hidden on Intel: only 0x80000006's L2 remains.
		{"sapphire-rapids-no-leaf4", without(sapphireRapids, 4, 0), 0, 2 * MiB, 0},
		{"nothing", cpuidTable{}, 0, 0, 0},
	} {
		l1d, l2, l3 := cpuidCaches(tc.cpuid.cpuid)
		if l1d != tc.l1d || l2 != tc.l2 || l3 != tc.l3 {
			t.Errorf("%s: L1d %d, L2 %d, L3 %d; want %d, %d, %d", tc.name, l1d, l2, l3, tc.l1d, tc.l2, tc.l3)
		}
	}
}

// TestCPUIDSubleafBound: a leaf that never reports type 0 ends the walk.
func TestCPUIDSubleafBound(t *testing.T) {
	calls := 0
	endless := func(leaf, sub uint32) (a, b, c, d uint32) {
		switch leaf {
		case 0:
			return 4, 0, 0, 0
		case 4:
			calls++
			return 0x22, 0, 0, 0 // an L1 instruction cache, forever
		}
		return 0, 0, 0, 0
	}
	if l1d, l2, l3 := cpuidCaches(endless); l1d != 0 || l2 != 0 || l3 != 0 || calls != maxCacheSubleaves {
		t.Errorf("got %d, %d, %d after %d subleaves; want zeros after %d", l1d, l2, l3, calls, maxCacheSubleaves)
	}
}

func TestDetectCaches(t *testing.T) {
	dir := t.TempDir()
	write := func(index, level, typ, size string) {
		d := filepath.Join(dir, index)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"level": level, "type": typ, "size": size} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(v+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("index0", "1", "Data", "64K")
	write("index1", "1", "Instruction", "32K")
	write("index2", "2", "Unified", "2048K")
	def := DefaultCacheSizes
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name  string
		cpuid cpuidFunc
		dir   string
		want  CacheSizes
	}{
		{"cpuid", zen5.cpuid, dir, CacheSizes{48 << 10, 1 << 20, 32 << 20, "cpuid"}},
		{"sysfs", nil, dir, CacheSizes{64 << 10, 2 << 20, def.L3, "sysfs+defaults"}},
		{"defaults", nil, missing, def},
		{"cpuid+sysfs", without(sapphireRapids, 4, 0).cpuid, dir, CacheSizes{64 << 10, 2 << 20, def.L3, "cpuid+sysfs+defaults"}},
		{"cpuid+defaults", without(sapphireRapids, 4, 0).cpuid, missing, CacheSizes{def.L1d, 2 << 20, def.L3, "cpuid+defaults"}},
	} {
		if got := detectCaches(tc.cpuid, tc.dir); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// without returns a copy of t less one subleaf (zeros: leaf 4's or
// 0x8000001D's walk stops there; 0x80000001 loses the topology extensions).
func without(t cpuidTable, leaf, sub uint32) cpuidTable {
	c := cpuidTable{}
	for k, v := range t {
		c[k] = v
	}
	delete(c, [2]uint32{leaf, sub})
	return c
}

// TestGemmBlockingBudgets counts the bytes of the GEMM blocks that the
// recorded CPUs' caches give: packed A (MC x KC) in half of L2, packed B
// (KC x NC) in a quarter of L3, the rows-first L2 block of B (KC x
// gemmNCL2) in half of L2, and on the Zen 5 the AVX-512 B micro-panel
// (KC x 32, 32 KiB) over half of its 48 KiB L1, so rows first.
func TestGemmBlockingBudgets(t *testing.T) {
	const kcBytes = mc.GemmKC * 4
	savedNCL2, savedL1 := gemmNCL2, gemmL1
	defer func() { gemmNCL2, gemmL1 = savedNCL2, savedL1 }()
	for _, tc := range []struct {
		name            string
		cpuid           cpuidTable
		mc, nc, ncL2    int
		rowsFirstAVX512 bool
	}{
		{"zen5", zen5, 480, 4032, 512, true},
		{"zen4", zen4, 480, 4032, 512, true},
		{"zen3", zen3, 240, 4032, 0, false},
		{"sapphire-rapids", sapphireRapids, 480, 4032, 1024, true},
	} {
		l1d, l2, l3 := cpuidCaches(tc.cpuid.cpuid)
		mcb, ncb, ncL2 := gemmBlocking(l2, l3)
		if mcb != tc.mc || ncb != tc.nc || ncL2 != tc.ncL2 {
			t.Errorf("%s: MC %d, NC %d, L2 block %d; want %d, %d, %d", tc.name, mcb, ncb, ncL2, tc.mc, tc.nc, tc.ncL2)
		}
		if mcb*kcBytes > l2/2 || ncb*kcBytes > l3/4 || ncL2*kcBytes > l2/2 {
			t.Errorf("%s: A block %d B, B block %d B, L2 block %d B over half of L2 (%d) or a quarter of L3 (%d)",
				tc.name, mcb*kcBytes, ncb*kcBytes, ncL2*kcBytes, l2/2, l3/4)
		}
		gemmNCL2, gemmL1 = ncL2, l1d
		if rows := gemmRowsFirst(mc.GemmNRAVX512); rows != tc.rowsFirstAVX512 {
			t.Errorf("%s: AVX-512 rows first %v, want %v", tc.name, rows, tc.rowsFirstAVX512)
		}
	}
}
