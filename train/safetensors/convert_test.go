package safetensors

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestTorchDTypes reads the F64, F16 and BF16 tensors PyTorch wrote
// (tools/safetensorsfixtures/gen.py) and checks each against torch's own
// conversion, x.float(), stored beside it as F32: bit for bit, NaN aside
// (torch does not promise a NaN's payload).
func TestTorchDTypes(t *testing.T) {
	f, err := ReadFile(filepath.Join("testdata", "torch_dtypes.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []string{"F64", "F16", "BF16"} {
		x, ok1 := f.Get("x." + dt)
		want, ok2 := f.Get("x." + dt + ".float")
		if !ok1 || !ok2 || len(x.Data) != len(want.Data) || len(x.Data) < 100 {
			t.Fatalf("%s: fixture tensors missing or mismatched", dt)
		}
		for i, v := range x.Data {
			w := want.Data[i]
			if math.IsNaN(float64(w)) {
				if !math.IsNaN(float64(v)) {
					t.Errorf("%s element %d: got %v, torch NaN", dt, i, v)
				}
				continue
			}
			if math.Float32bits(v) != math.Float32bits(w) {
				t.Errorf("%s element %d: got %v (%08x), torch %v (%08x)", dt, i, v, math.Float32bits(v), w, math.Float32bits(w))
			}
		}
	}
}

// halfRef is the value of binary16 (ebits = 5, fbits = 10) or bfloat16
// (ebits = 8, fbits = 7) bits h from the definition of the format, in
// float64: an independent reference for the converters.
func halfRef(h uint16, ebits, fbits uint) float64 {
	sign := 1.0
	if h>>15 != 0 {
		sign = -1
	}
	e := int(h>>fbits) & (1<<ebits - 1)
	frac := float64(h & (1<<fbits - 1))
	bias := 1<<(ebits-1) - 1
	switch {
	case e == 1<<ebits-1 && frac == 0:
		return math.Inf(int(sign))
	case e == 1<<ebits-1:
		return math.NaN()
	case e == 0:
		return sign * math.Ldexp(frac, 1-bias-int(fbits))
	}
	return sign * math.Ldexp(1+frac/float64(int(1)<<fbits), e-bias)
}

// TestHalfExhaustive converts every one of the 65536 F16 and BF16 values
// and compares with the definition: the conversions are exact, and zeros
// keep their sign.
func TestHalfExhaustive(t *testing.T) {
	for _, c := range []struct {
		dtype        string
		ebits, fbits uint
	}{{"F16", 5, 10}, {"BF16", 8, 7}} {
		src := make([]byte, 2<<16)
		for h := range 1 << 16 {
			binary.LittleEndian.PutUint16(src[2*h:], uint16(h))
		}
		dst := make([]float32, 1<<16)
		if j := convert(dst, src, c.dtype); j != -1 {
			t.Fatalf("%s: convert reported element %d", c.dtype, j)
		}
		for h, got := range dst {
			want := halfRef(uint16(h), c.ebits, c.fbits)
			switch {
			case math.IsNaN(want):
				if !math.IsNaN(float64(got)) {
					t.Errorf("%s %04x: got %v, want NaN", c.dtype, h, got)
				}
			case float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want):
				t.Errorf("%s %04x: got %v, want %v", c.dtype, h, got, want)
			}
		}
	}
}

// TestF64RoundsToNearestEven converts edge cases and random doubles of
// every magnitude float32 holds, and compares with math/big's rounding
// to float32 (nearest, ties to even).
func TestF64RoundsToNearestEven(t *testing.T) {
	vs := []float64{
		1 + 0x1p-24, 1 + 3*0x1p-24, 1 + 0x1p-24 + 0x1p-52, 0x1p-150, 3 * 0x1p-150, 0x1p-150 + 0x1p-200,
		math.SmallestNonzeroFloat32, math.MaxFloat32, math.MaxFloat32 * (1 + 0x1p-25), -math.MaxFloat32 * (1 + 0x1p-25),
		0x1p-126 * (1 - 0x1p-30), 1e-50, -1e-50, 0, math.Copysign(0, -1),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		bits := r.Uint64()
		v := math.Float64frombits(bits)
		if math.Abs(v) < math.MaxFloat32 && v == v {
			vs = append(vs, v)
		}
		// A 25-bit odd significand is halfway between two float32s: ties,
		// and the doubles either side of them, from the subnormals up.
		m := math.Ldexp(float64(r.Uint32()>>8|1<<23)*2+1, r.IntN(250)-180)
		vs = append(vs, m, math.Nextafter(m, 0), math.Nextafter(m, math.Inf(1)))
	}
	src := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		src = binary.LittleEndian.AppendUint64(src, math.Float64bits(v))
	}
	dst := make([]float32, len(vs))
	if j := convert(dst, src, "F64"); j != -1 {
		t.Fatalf("convert refused element %d, %v", j, vs[j])
	}
	for i, v := range vs {
		want, _ := new(big.Float).SetFloat64(v).Float32()
		if math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Errorf("%v (%016x): got %v, math/big %v", v, math.Float64bits(v), dst[i], want)
		}
	}
}

// TestF64Overflow checks that only finite values beyond float32's range
// are refused: infinities and NaN convert as themselves.
func TestF64Overflow(t *testing.T) {
	for _, c := range []struct {
		v    float64
		bad  bool
		want float32
	}{
		{math.MaxFloat32 * (1 + 0x1p-24), true, 0}, // max + half an ulp: the tie goes to infinity
		{-1e300, true, 0},
		{math.MaxFloat64, true, 0},
		{math.Inf(-1), false, float32(math.Inf(-1))},
	} {
		dst := make([]float32, 2)
		j := convert(dst, f64s(1, c.v), "F64")
		switch {
		case c.bad && j != 1:
			t.Errorf("%v: convert returned %d, want 1 (refused)", c.v, j)
		case !c.bad && (j != -1 || dst[1] != c.want):
			t.Errorf("%v: convert returned %d, %v", c.v, j, dst[1])
		}
	}
}

// TestConvertedChecksums checks that a file's checksums are verified
// against its bytes whatever the dtype, and that the File read from an F16
// file records its float32 data's checksum, so that Encode writes it as is.
func TestConvertedChecksums(t *testing.T) {
	data := []byte{0x00, 0x3c, 0x00, 0xc0} // F16 1 and -2
	crc := formatChecksum(crcOf(data))
	hdr := `{"__metadata__":{"crc32c.w":"` + crc + `"},` + ent("w", "F16", "[2]", "[0,4]") + "}"
	f, err := Decode(build(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := f.Get("w"); w.Data[0] != 1 || w.Data[1] != -2 {
		t.Fatalf("got %v, want [1 -2]", w.Data)
	}
	if got, want := f.Metadata["crc32c.w"], formatChecksum(Checksum([]float32{1, -2})); got != want || !f.HasChecksums() {
		t.Errorf("metadata checksum %s, want the float32 data's %s", got, want)
	}
	if err := WriteFile(filepath.Join(t.TempDir(), "f32.safetensors"), f); err != nil {
		t.Errorf("Encode refused the converted File: %v", err)
	}
	bad := append([]byte(nil), data...)
	bad[3] ^= 0x80
	_, err = Decode(build(hdr, bad))
	mustContain(t, err, `tensor "w": its data has CRC-32C`)
}

// TestReadFileMaxConverted checks that ReadFileMax bounds the float32 data
// an F16 file becomes, twice its bytes, as well as its bytes.
func TestReadFileMaxConverted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.safetensors")
	if err := os.WriteFile(path, build("{"+ent("w", "F16", "[4]", "[0,8]")+"}", make([]byte, 8)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileMax(path, 16); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFileMax(path, 15)
	mustContain(t, err, "its tensors hold 16 bytes, more than the 15 expected")
}

// crcOf is the CRC-32C of b, computed by hash/crc32 directly.
func crcOf(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
