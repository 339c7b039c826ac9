package neon

import "fmt"

// The instructions Go's arm64 assembler lacks are emitted as WORD with the
// disassembly in a comment (checked by encode_test.go against
// golang.org/x/arch/arm64/arm64asm). All encodings live in this one table.

// form is the operand layout of an encoding.
type form int

const (
	f3same   form = iota // Vd.4S, Vn.4S, Vm.4S: base | m<<16 | n<<5 | d
	f3same16             // Vd.16B, Vn.16B, Vm.16B (bitwise): same fields
	f2misc               // Vd.4S, Vn.4S: base | n<<5 | d
	fcmpzero             // Vd.4S, Vn.4S, #0: base | n<<5 | d
	felem                // Vd.4S, Vn.4S, Vm.S[i]: base | L<<21 | M:Rm<<16 | H<<11 | n<<5 | d
	fshr                 // Vd.4S, Vn.4S, #s: base | (64-s)<<16 | n<<5 | d
	facross              // Sd, Vn.4S: base | n<<5 | d
	fpair2s              // Sd, Vn.2S: base | n<<5 | d
)

type encoding struct {
	base uint32
	form form
}

var encodings = map[string]encoding{
	// floating point, three same
	"fadd":  {0x4e20d400, f3same},
	"fsub":  {0x4ea0d400, f3same},
	"fmul":  {0x6e20dc00, f3same},
	"fdiv":  {0x6e20fc00, f3same},
	"fmax":  {0x4e20f400, f3same},
	"fmin":  {0x4ea0f400, f3same},
	"fcmeq": {0x4e20e400, f3same},
	"fcmge": {0x6e20e400, f3same},
	"fcmgt": {0x6ea0e400, f3same},
	// integer, three same
	"cmgt": {0x4ea03400, f3same},
	// bitwise, three same
	"bic": {0x4e601c00, f3same16},
	"orn": {0x4ee01c00, f3same16},
	// two-register miscellaneous
	"fabs":   {0x4ea0f800, f2misc},
	"fneg":   {0x6ea0f800, f2misc},
	"fsqrt":  {0x6ea1f800, f2misc},
	"frintn": {0x4e218800, f2misc},
	"fcvtzs": {0x4ea1b800, f2misc},
	"scvtf":  {0x4e21d800, f2misc},
	// compare with zero (the zero written #0 as arm64asm prints it)
	"fcmgt0": {0x4ea0c800, fcmpzero},
	"fcmge0": {0x6ea0c800, fcmpzero},
	"fcmeq0": {0x4ea0d800, fcmpzero},
	"fcmle0": {0x6ea0d800, fcmpzero},
	"fcmlt0": {0x4ea0e800, fcmpzero},
	// by element (single precision: M:Rm names any of V0-V31)
	"fmlae": {0x4f801000, felem},
	"fmule": {0x4f809000, felem},
	// shift by immediate
	"sshr": {0x4f000400, fshr},
	// across lanes, pairwise
	"fmaxv": {0x6e30f800, facross},
	"faddp": {0x7e30d800, fpair2s},
}

// mnemonic strips the table key's form suffix.
func mnemonic(key string) string {
	switch encodings[key].form {
	case fcmpzero, felem:
		return key[:len(key)-1]
	}
	return key
}

// enc emits table entry key with the given operands.
func (e *Emitter) enc(key string, d, n, m Vreg, imm int) {
	c, ok := encodings[key]
	if !ok {
		panic("no encoding " + key)
	}
	mn := mnemonic(key)
	w := c.base | uint32(n)<<5 | uint32(d)
	var text string
	switch c.form {
	case f3same:
		w |= uint32(m) << 16
		text = fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.4s", mn, d, n, m)
	case f3same16:
		w |= uint32(m) << 16
		text = fmt.Sprintf("%s v%d.16b, v%d.16b, v%d.16b", mn, d, n, m)
	case f2misc:
		text = fmt.Sprintf("%s v%d.4s, v%d.4s", mn, d, n)
	case fcmpzero:
		text = fmt.Sprintf("%s v%d.4s, v%d.4s, #0", mn, d, n)
	case felem:
		if imm < 0 || imm > 3 {
			panic("lane out of range")
		}
		w |= uint32(imm&1)<<21 | uint32(m)<<16 | uint32(imm>>1)<<11
		text = fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.s[%d]", mn, d, n, m, imm)
	case fshr:
		if imm < 1 || imm > 32 {
			panic("shift out of range")
		}
		w |= uint32(64-imm) << 16
		text = fmt.Sprintf("%s v%d.4s, v%d.4s, #%d", mn, d, n, imm)
	case facross:
		text = fmt.Sprintf("%s s%d, v%d.4s", mn, d, n)
	case fpair2s:
		text = fmt.Sprintf("%s s%d, v%d.2s", mn, d, n)
	}
	e.Word(w, text)
}

// FADD: d = n + m.
func (e *Emitter) FADD(d, n, m Vreg) { e.enc("fadd", d, n, m, 0) }

// FSUB: d = n - m.
func (e *Emitter) FSUB(d, n, m Vreg) { e.enc("fsub", d, n, m, 0) }

// FMUL: d = n * m.
func (e *Emitter) FMUL(d, n, m Vreg) { e.enc("fmul", d, n, m, 0) }

// FDIV: d = n / m.
func (e *Emitter) FDIV(d, n, m Vreg) { e.enc("fdiv", d, n, m, 0) }

// FMAX: d = max(n, m), NaN if either is NaN.
func (e *Emitter) FMAX(d, n, m Vreg) { e.enc("fmax", d, n, m, 0) }

// FMIN: d = min(n, m), NaN if either is NaN.
func (e *Emitter) FMIN(d, n, m Vreg) { e.enc("fmin", d, n, m, 0) }

// FCMEQ: d = n == m ? all ones : 0.
func (e *Emitter) FCMEQ(d, n, m Vreg) { e.enc("fcmeq", d, n, m, 0) }

// FCMGE: d = n >= m ? all ones : 0.
func (e *Emitter) FCMGE(d, n, m Vreg) { e.enc("fcmge", d, n, m, 0) }

// FCMGT: d = n > m ? all ones : 0.
func (e *Emitter) FCMGT(d, n, m Vreg) { e.enc("fcmgt", d, n, m, 0) }

// CMGT: d = n > m as signed int32 ? all ones : 0.
func (e *Emitter) CMGT(d, n, m Vreg) { e.enc("cmgt", d, n, m, 0) }

// BIC: d = n &^ m.
func (e *Emitter) BIC(d, n, m Vreg) { e.enc("bic", d, n, m, 0) }

// ORN: d = n | ^m.
func (e *Emitter) ORN(d, n, m Vreg) { e.enc("orn", d, n, m, 0) }

// FABS: d = |n|.
func (e *Emitter) FABS(d, n Vreg) { e.enc("fabs", d, n, 0, 0) }

// FNEG: d = -n.
func (e *Emitter) FNEG(d, n Vreg) { e.enc("fneg", d, n, 0, 0) }

// FSQRT: d = sqrt(n), correctly rounded.
func (e *Emitter) FSQRT(d, n Vreg) { e.enc("fsqrt", d, n, 0, 0) }

// FRINTN: d = n rounded to an integer, ties to even.
func (e *Emitter) FRINTN(d, n Vreg) { e.enc("frintn", d, n, 0, 0) }

// FCVTZS: d = int32(n), toward zero.
func (e *Emitter) FCVTZS(d, n Vreg) { e.enc("fcvtzs", d, n, 0, 0) }

// SCVTF: d = float32(int32 n).
func (e *Emitter) SCVTF(d, n Vreg) { e.enc("scvtf", d, n, 0, 0) }

// FCMGT0: d = n > 0.
func (e *Emitter) FCMGT0(d, n Vreg) { e.enc("fcmgt0", d, n, 0, 0) }

// FCMGE0: d = n >= 0.
func (e *Emitter) FCMGE0(d, n Vreg) { e.enc("fcmge0", d, n, 0, 0) }

// FCMEQ0: d = n == 0.
func (e *Emitter) FCMEQ0(d, n Vreg) { e.enc("fcmeq0", d, n, 0, 0) }

// FCMLE0: d = n <= 0.
func (e *Emitter) FCMLE0(d, n Vreg) { e.enc("fcmle0", d, n, 0, 0) }

// FCMLT0: d = n < 0.
func (e *Emitter) FCMLT0(d, n Vreg) { e.enc("fcmlt0", d, n, 0, 0) }

// FMLAE: d = fma(n, l, d), l one lane broadcast (FMLA by element).
func (e *Emitter) FMLAE(d, n Vreg, l Lane) { e.enc("fmlae", d, n, l.V, l.I) }

// FMULE: d = n * l, l one lane broadcast (FMUL by element).
func (e *Emitter) FMULE(d, n Vreg, l Lane) { e.enc("fmule", d, n, l.V, l.I) }

// SSHR: d = n >> s, arithmetic, int32 lanes.
func (e *Emitter) SSHR(d, n Vreg, s int) { e.enc("sshr", d, n, 0, s) }

// FMAXV: lane 0 of d = max over the lanes of n (NaN propagates); lanes 1-3 zeroed.
func (e *Emitter) FMAXV(d, n Vreg) { e.enc("fmaxv", d, n, 0, 0) }

// FADDP2: lane 0 of d = n[0] + n[1]; lanes 1-3 zeroed.
func (e *Emitter) FADDP2(d, n Vreg) { e.enc("faddp", d, n, 0, 0) }
