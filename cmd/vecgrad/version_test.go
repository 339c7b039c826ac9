package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
)

func TestVersionText(t *testing.T) {
	isa := "ISA level: " + kernels.ISA() + " (supported here: " + strings.Join(kernels.Levels(), ", ") + ")\n"
	archVar := "GO" + strings.ToUpper(runtime.GOARCH)
	info := &debug.BuildInfo{
		GoVersion: "go1.99.1",
		Main:      debug.Module{Path: "github.com/vecgrad/vecgrad", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "-tags", Value: "purego"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.modified", Value: "true"},
			{Key: archVar, Value: "v9"},
		},
	}
	want := "vecgrad v1.2.3 (github.com/vecgrad/vecgrad, revision 0123456789ab, modified)\n" +
		"go1.99.1 " + runtime.GOOS + "/" + runtime.GOARCH + " " + archVar + "=v9\n" + isa
	if got := versionText(info); got != want {
		t.Errorf("versionText:\n got %q\nwant %q", got, want)
	}
	want = "vecgrad unknown (module version not recorded)\n" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n" + isa
	if got := versionText(nil); got != want {
		t.Errorf("versionText(nil):\n got %q\nwant %q", got, want)
	}
}

func TestVersionCommand(t *testing.T) {
	status, stdout, stderr := runArgs("version")
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this test binary")
	}
	if status != exitOK || stderr != "" || stdout != versionText(info) {
		t.Errorf("status %d, stderr %q, stdout %q; want %q", status, stderr, stdout, versionText(info))
	}
	for _, w := range []string{"vecgrad " + info.Main.Version, runtime.Version(), runtime.GOARCH, "ISA level: " + kernels.ISA()} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output does not mention %q: %q", w, stdout)
		}
	}
	if status, _, stderr := runArgs("version", "extra"); status != exitUsage || !strings.Contains(stderr, `"extra"`) {
		t.Errorf("version extra: status %d, stderr %q", status, stderr)
	}
}
