package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "version",
		"Print vecgrad's module version (and its VCS revision where the build recorded one),\n"+
			"the Go toolchain that built it, the architecture, and the ISA level the kernels use.")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(info))
	return exitOK
}

// versionText is the version report for info (nil: a binary built without
// module support):
//
//	vecgrad v0.3.0 (github.com/vecgrad/vecgrad, revision 0123abcd, modified)
//	go1.26.8 linux/amd64 GOAMD64=v3
//	ISA level: avx2 (supported here: avx512, avx2, generic)
func versionText(info *debug.BuildInfo) string {
	version, module := "unknown", "module version not recorded"
	var extra []string
	if info != nil {
		version, module = info.Main.Version, info.Main.Path
		if version == "" {
			version = "unknown"
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				module += ", revision " + s.Value[:min(len(s.Value), 12)]
			case s.Key == "vcs.modified" && s.Value == "true":
				module += ", modified"
			case s.Key == "GO"+strings.ToUpper(runtime.GOARCH):
				extra = append(extra, s.Key+"="+s.Value)
			}
		}
	}
	goVersion := runtime.Version()
	if info != nil && info.GoVersion != "" {
		goVersion = info.GoVersion
	}
	return fmt.Sprintf("vecgrad %s (%s)\n%s %s/%s%s\nISA level: %s (supported here: %s)\n",
		version, module, goVersion, runtime.GOOS, runtime.GOARCH, strings.Join(append([]string{""}, extra...), " "),
		kernels.ISA(), strings.Join(kernels.Levels(), ", "))
}
