// Command amd64 generates the AVX-512 and AVX2+FMA assembly of package asm
// (github.com/vecgrad/vecgrad/asm) with avo, for every kernel of the contract
// in gen/KERNELS.md. Run it from the repository root:
//
//	go run ./gen/amd64 -out asm
//
// Every kernel group is written once against the isa parameters of isa.go
// and emitted twice, into asm/<group>_avx512_amd64.{s,go} and
// asm/<group>_avx2_amd64.{s,go}: binary.go, axpy.go, unary.go, reduce.go,
// peak.go, optim.go, and the gemm group: its micro-kernels in gemm.go and
// gemmtn.go (the narrow TN tile), its packers in pack.go (B and transposed
// B), packa.go (A) and transpose.go (GemmTranspose). isa.go holds the loop
// skeletons, masks and dispatch every group shares; math.go and group.go
// the vector exp, log, tanh, sigmoid, sin and cos, interleaved across
// vectors. Op and variant codes come from internal/abi. The output depends
// only on this program, so running it twice gives identical files.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
)

const pkgPath = "github.com/vecgrad/vecgrad/asm"

// cfg is fixed (not taken from os.Args) so that the headers are stable.
var cfg = printer.Config{
	Name: "gen/amd64",
	Argv: []string{"go", "run", "./gen/amd64"},
	Pkg:  "asm",
}

// A group is one pair of output files per ISA.
type group struct {
	name string
	emit func(g *gen)
}

var groups = []group{
	{"binary", binaryGroup},
	{"axpy", axpyGroup},
	{"unary", unaryGroup},
	{"reduce", reduceGroup},
	{"peak", peakGroup},
	{"gemm", gemmGroup},
	{"optim", optimGroup},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen/amd64: ")
	// Own flag set: avo's build package registers its flags (-out among them)
	// on flag.CommandLine.
	fs := flag.NewFlagSet("gen/amd64", flag.ExitOnError)
	out := fs.String("out", "asm", "output directory (package asm)")
	fs.Parse(os.Args[1:])

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := removeStale(*out); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "doc.go"), []byte(docGo), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, grp := range groups {
		for _, is := range isas {
			if err := generate(*out, grp, is); err != nil {
				log.Fatalf("%s_%s: %v", grp.name, is.file, err)
			}
		}
	}
	writeCPUID(*out)
}

// removeStale deletes the *_amd64.s and *_amd64.go files of dir that this
// program wrote earlier (recognised by their header), so that a kernel group
// that was renamed or removed leaves nothing behind.
func removeStale(dir string) error {
	header := []byte("// " + cfg.GeneratedWarning())
	for _, pat := range []string{"*_amd64.s", "*_amd64.go"} {
		files, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if !bytes.HasPrefix(b, header) {
				continue
			}
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

func generate(dir string, grp group, is isa) error {
	ctx := build.NewContext()
	ctx.Package(pkgPath)
	ctx.ConstraintExpr("amd64,!purego")
	g := newGen(ctx, is)
	grp.emit(g)

	f, err := ctx.Result()
	if err != nil {
		return err
	}
	if err := pass.Compile.Execute(f); err != nil {
		return err
	}
	base := filepath.Join(dir, fmt.Sprintf("%s_%s_amd64", grp.name, is.file))
	for _, o := range []struct {
		ext string
		p   printer.Printer
	}{
		{".s", printer.NewGoAsm(cfg)},
		{".go", printer.NewStubs(cfg)},
	} {
		b, err := o.p.Print(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(base+o.ext, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

var docGo = "// " + cfg.GeneratedWarning() + `

// Package asm holds only generated assembly: the AVX-512 and AVX2+FMA kernels
// (from gen/amd64, avo) and the NEON kernels (from gen/arm64), with their Go
// declarations. The kernels and their exact semantics are listed in
// gen/KERNELS.md.
//
// Nothing here checks its arguments: a bad pointer or count reads or writes
// out of bounds. Callers must go through package kernels, which validates
// every argument, splits long loops into chunks and picks the level the CPU
// supports.
package asm
`
