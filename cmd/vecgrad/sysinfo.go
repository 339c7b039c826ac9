package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// cpuModel returns the processor's name from /proc/cpuinfo: "model name" on
// x86, else "Hardware"/"Model", else arm64's implementer and part codes.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown (no /proc/cpuinfo)"
	}
	defer f.Close()
	fields := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if ok && v != "" && fields[k] == "" {
			fields[k] = v
		}
	}
	for _, k := range []string{"model name", "Hardware", "Model"} {
		if v := fields[k]; v != "" {
			return v
		}
	}
	if impl, part := fields["CPU implementer"], fields["CPU part"]; impl != "" {
		return fmt.Sprintf("CPU implementer %s, part %s", impl, part)
	}
	return "unknown"
}

// feature is a CPU feature relevant to the kernels' instruction-set levels.
type feature struct {
	name string
	has  bool
}

// features returns the x/sys/cpu features the kernels' levels depend on for
// this GOARCH (none on other architectures).
func features() []feature {
	switch runtime.GOARCH {
	case "amd64":
		return []feature{
			{"AVX2", cpu.X86.HasAVX2}, {"FMA", cpu.X86.HasFMA},
			{"AVX512F", cpu.X86.HasAVX512F}, {"AVX512VL", cpu.X86.HasAVX512VL},
			{"AVX512BW", cpu.X86.HasAVX512BW}, {"AVX512DQ", cpu.X86.HasAVX512DQ},
		}
	case "arm64":
		return []feature{{"ASIMD", cpu.ARM64.HasASIMD}, {"FP", cpu.ARM64.HasFP}}
	}
	return nil
}

func formatFeatures(fs []feature) string {
	if len(fs) == 0 {
		return "(none relevant on " + runtime.GOARCH + ")"
	}
	var parts []string
	for _, f := range fs {
		mark := "yes"
		if !f.has {
			mark = "no"
		}
		parts = append(parts, f.name+" "+mark)
	}
	return strings.Join(parts, ", ")
}

// loadNote returns the 1-minute load average from /proc/loadavg as a note
// for the reader of a measurement ("load 1.92 on 2 CPUs"): other work on the
// machine lowers every figure, and best-of-N only partly hides it.
func loadNote() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load unknown"
	}
	avg, _, _ := strings.Cut(string(b), " ")
	return fmt.Sprintf("load %s on %d CPUs", avg, runtime.NumCPU())
}
