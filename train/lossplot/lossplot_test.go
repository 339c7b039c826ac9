package lossplot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// curveSeries is a falling loss logged every 100 batches of batch samples.
func curveSeries(label string, batch, points int, rate float64) Series {
	s := Series{Label: label}
	for i := range points {
		s.Samples = append(s.Samples, float64((i+1)*100*batch))
		s.Loss = append(s.Loss, 0.3+2*math.Exp(-rate*float64(i)))
	}
	return s
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return img
}

// countNear counts the pixels of img within tol per channel of c.
func countNear(img image.Image, c color.Color, tol int) int {
	r0, g0, b0, _ := c.RGBA()
	near := func(a, b uint32) bool { d := int(a>>8) - int(b>>8); return -tol <= d && d <= tol }
	n := 0
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(r, r0) && near(g, g0) && near(b, b0) {
				n++
			}
		}
	}
	return n
}

func TestWritePNGDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	series := []Series{curveSeries("bs-16", 16, 80, 0.1), curveSeries("bs-64", 64, 20, 0.3)}
	if err := WritePNG(path, Title("SGD", 0.001, 0.5, 16), series, Options{}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	if got := img.Bounds().Size(); got != (image.Point{768, 480}) {
		t.Errorf("default size = %v, want 768x480 (8x5 inches at 96 dpi)", got)
	}
	total := img.Bounds().Dx() * img.Bounds().Dy()
	if n := countNear(img, color.White, 0); n < total/2 {
		t.Errorf("%d of %d pixels white, want a white background", n, total)
	}
	// The data area (the middle of the image) holds both curves' colours.
	for i := range series {
		if n := countNear(img, palette[i], 40); n < 100 {
			t.Errorf("series %d: %d pixels of its colour %v, want a drawn curve", i, n, palette[i])
		}
	}
	mid := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(100, 60, 700, 420))
	if n := countNear(mid, color.White, 0); n == mid.Bounds().Dx()*mid.Bounds().Dy() {
		t.Error("the plot area is blank")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode = %v (%v), want 0644", fi.Mode().Perm(), err)
	}
}

func TestWritePNGOptions(t *testing.T) {
	dir := t.TempDir()
	s := curveSeries("", 256, 30, 0.2)
	s.Loss[3] = 0  // dropped with LogY
	s.Loss[4] = -1 // dropped with LogY
	for _, tc := range []struct {
		name string
		opt  Options
		want image.Point
	}{
		{"small", Options{Width: 4 * vg.Inch, Height: 3 * vg.Inch, DPI: 50}, image.Point{200, 150}},
		{"log", Options{LogY: true}, image.Point{768, 480}},
		{"ymax", Options{YMax: 1, DPI: 72}, image.Point{576, 360}},
		{"labels", Options{XLabel: "batches", YLabel: "loss", Width: 10 * vg.Centimeter, Height: 10 * vg.Centimeter}, image.Point{378, 378}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".png")
			if err := WritePNG(path, "t", []Series{s}, tc.opt); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path)
			if got := img.Bounds().Size(); got != tc.want {
				t.Errorf("size = %v, want %v", got, tc.want)
			}
			if n := countNear(img, palette[0], 40); n < 20 {
				t.Errorf("%d pixels of the curve's colour, want a drawn curve", n)
			}
		})
	}
}

// A series that diverged before its first finite loss, or a log axis
// that drops every point, still draws: the legend (and its colour) stays.
func TestWritePNGNoFinitePoint(t *testing.T) {
	dir := t.TempDir()
	nan := Series{Label: "lr-10", Samples: []float64{1600, 3200}, Loss: []float64{math.NaN(), math.Inf(1)}, Diverged: true}
	for _, tc := range []struct {
		name   string
		series []Series
		opt    Options
	}{
		{"with-others", []Series{curveSeries("lr-0.1", 16, 40, 0.2), nan}, Options{}},
		{"alone", []Series{nan}, Options{}},
		{"alone-log", []Series{nan}, Options{LogY: true}},
		{"log-drops-all", []Series{{Label: "zero", Samples: []float64{1, 2}, Loss: []float64{0, -1}}}, Options{LogY: true}},
		{"empty-series", []Series{{Label: "none"}}, Options{}},
		{"one-point", []Series{{Label: "one", Samples: []float64{5}, Loss: []float64{2}}}, Options{LogY: true, YMax: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".png")
			if err := WritePNG(path, "t", tc.series, tc.opt); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path)
			last := len(tc.series) - 1
			if n := countNear(img, palette[last], 40); n < 10 {
				t.Errorf("%d pixels of the last series' colour, want at least its legend entry", n)
			}
		})
	}
}

func TestPrepareDiverged(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	curves, err := prepare([]Series{
		{Label: "lr-10", Samples: []float64{100, 200, 300, 400}, Loss: []float64{2.3, 5, nan, nan}, Diverged: true},
		{Samples: []float64{100, 200, 300}, Loss: []float64{2.3, inf, nan}, Diverged: true},
		{Label: "all-nan", Samples: []float64{100}, Loss: []float64{nan}, Diverged: true},
		{Label: "gap", Samples: []float64{100, 200, 300}, Loss: []float64{2.3, nan, 1}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		legend string
		n      int
		marker *[2]float64
	}{
		{"lr-10 (diverged)", 2, &[2]float64{200, 5}},
		{"(diverged)", 1, &[2]float64{100, 2.3}},
		{"all-nan (diverged)", 0, nil},
		{"gap", 2, nil},
	} {
		c := curves[i]
		if c.legend != want.legend || len(c.xys) != want.n {
			t.Errorf("series %d: legend %q with %d points, want %q with %d", i, c.legend, len(c.xys), want.legend, want.n)
		}
		switch {
		case want.marker == nil && c.marker != nil:
			t.Errorf("series %d: marker at %v, want none", i, *c.marker)
		case want.marker != nil && (c.marker == nil || c.marker.X != want.marker[0] || c.marker.Y != want.marker[1]):
			t.Errorf("series %d: marker %v, want at %v (the last finite loss)", i, c.marker, *want.marker)
		}
		for _, pt := range c.xys {
			if math.IsNaN(pt.Y) || math.IsInf(pt.Y, 0) {
				t.Errorf("series %d: non-finite point %v kept", i, pt)
			}
		}
	}
	// With a log axis non-positive losses go too, and the marker moves back.
	curves, err = prepare([]Series{{Samples: []float64{1, 2, 3}, Loss: []float64{1, 0, nan}, Diverged: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c := curves[0]; len(c.xys) != 1 || c.marker == nil || c.marker.X != 1 {
		t.Errorf("log axis: %d points, marker %v; want 1 point and the marker at x=1", len(c.xys), c.marker)
	}
}

func TestWritePNGInvalid(t *testing.T) {
	ok := []Series{{Samples: []float64{1, 2}, Loss: []float64{2, 1}}}
	for _, tc := range []struct {
		name   string
		series []Series
		opt    Options
		want   string
	}{
		{"no series", nil, Options{}, "no series"},
		{"lengths", []Series{{Label: "bs-16", Samples: []float64{1, 2}, Loss: []float64{1}}}, Options{}, `series 0 ("bs-16"): len(Samples) = 2 != len(Loss) = 1`},
		{"lengths second", append(ok, Series{Samples: []float64{1}}), Options{}, "series 1: len(Samples) = 1 != len(Loss) = 0"},
		{"nan samples", []Series{{Samples: []float64{1, math.NaN()}, Loss: []float64{1, 1}}}, Options{}, "Samples[1] = NaN is not finite"},
		{"decreasing", []Series{{Samples: []float64{2, 1}, Loss: []float64{1, 1}}}, Options{}, "Samples[1] = 1 < Samples[0] = 2"},
		{"width", ok, Options{Width: -1}, "Width = -1 points is not a positive size"},
		{"height nan", ok, Options{Height: vg.Length(math.NaN())}, "Height = NaN points is not a positive size"},
		{"dpi", ok, Options{DPI: -3}, "DPI = -3 is negative"},
		{"huge", ok, Options{Width: 1000 * vg.Inch}, "more than 16384"},
		{"ymax", ok, Options{YMax: -1}, "YMax = -1"},
		{"ymax inf", ok, Options{YMax: math.Inf(1)}, "YMax = +Inf"},
		{"smooth", []Series{{Samples: []float64{1}, Loss: []float64{1}, Smooth: -2}}, Options{}, "Smooth = -2 is negative"},
		{"test lengths", []Series{{TestSamples: []float64{1, 2}, TestLoss: []float64{1}}}, Options{}, "len(TestSamples) = 2 != len(TestLoss) = 1"},
		{"test nan", []Series{{TestSamples: []float64{math.Inf(1)}, TestLoss: []float64{1}}}, Options{}, "TestSamples[0] = +Inf is not finite"},
		{"test decreasing", []Series{{TestSamples: []float64{2, 1}, TestLoss: []float64{1, 1}}}, Options{}, "TestSamples[1] = 1 < TestSamples[0] = 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.png")
			err := WritePNG(path, "t", tc.series, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "lossplot: ") {
				t.Fatalf("err = %v, want one starting \"lossplot: \" and containing %q", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("invalid input left %d files in the directory", len(ents))
			}
		})
	}
}

func TestWritePNGAtomic(t *testing.T) {
	ok := []Series{curveSeries("a", 16, 10, 0.3)}
	old := []byte("old content")
	setup := func(t *testing.T) (dir, path string) {
		dir = t.TempDir()
		path = filepath.Join(dir, "loss.png")
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir, path
	}
	untouched := func(t *testing.T, dir, path string) {
		t.Helper()
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, old) {
			t.Errorf("existing file now %q (%v), want it untouched", b, err)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Name() != "loss.png" {
				t.Errorf("left %s behind", e.Name())
			}
		}
	}

	t.Run("invalid input", func(t *testing.T) {
		dir, path := setup(t)
		if err := WritePNG(path, "t", nil, Options{}); err == nil {
			t.Fatal("no error for no series")
		}
		untouched(t, dir, path)
	})
	t.Run("write fails midway", func(t *testing.T) {
		dir, path := setup(t)
		saved := write
		defer func() { write = saved }()
		boom := errors.New("disk full")
		write = func(w io.Writer, data []byte) error {
			w.Write(data[:len(data)/2])
			return boom
		}
		err := WritePNG(path, "t", ok, Options{})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the write error", err)
		}
		untouched(t, dir, path)
	})
	t.Run("rename fails", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "loss.png")
		if err := os.Mkdir(path, 0o755); err != nil { // path is a directory
			t.Fatal(err)
		}
		if err := WritePNG(path, "t", ok, Options{}); err == nil {
			t.Fatal("no error writing over a directory")
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			t.Errorf("directory holds %d entries, want only loss.png", len(ents))
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no", "such", "loss.png")
		if err := WritePNG(path, "t", ok, Options{}); err == nil {
			t.Fatal("no error for a missing directory")
		}
	})
	t.Run("replaces", func(t *testing.T) {
		dir, path := setup(t)
		if err := WritePNG(path, "t", ok, Options{}); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, path)
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want the replaced file's 0600", fi.Mode().Perm())
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("directory holds %d entries, want only loss.png", len(ents))
		}
	})
}

func TestTicks(t *testing.T) {
	got := func(lo, hi float64, log, count bool) string {
		var ls []string
		var ts = linearTicks{count: count}.Ticks(lo, hi)
		if log {
			ts = logTicks{}.Ticks(lo, hi)
		}
		for _, tk := range ts {
			if tk.Label != "" {
				ls = append(ls, tk.Label)
			}
		}
		return strings.Join(ls, " ")
	}
	for _, tc := range []struct {
		lo, hi     float64
		log, count bool
		want       string
	}{
		{0, 96000, false, true, "0 20k 40k 60k 80k"},
		{0, 3.75e6, false, true, "0 1M 2M 3M"},
		{0, 1.28e6, false, true, "0 0.25M 0.50M 0.75M 1.00M 1.25M"},
		{0, 1.2e5, false, true, "0 20k 40k 60k 80k 100k 120k"},
		{0, 2.2e4, false, true, "0 5k 10k 15k 20k"},
		{0, 1.4e4, false, true, "0 2.5k 5.0k 7.5k 10.0k 12.5k"},
		{0, 600, false, true, "0 100 200 300 400 500 600"},
		{0.21, 2.41, false, false, "0.5 1.0 1.5 2.0"},
		{2.25, 2.31, false, false, "2.25 2.26 2.27 2.28 2.29 2.30 2.31"},
		{0.25, 2.4, true, false, "0.5 1 2"},
		{0.01, 3, true, false, "0.01 0.1 1"},
		{2.1, 2.3, true, false, "2.10 2.15 2.20 2.25 2.30"},
	} {
		if g := got(tc.lo, tc.hi, tc.log, tc.count); g != tc.want {
			t.Errorf("ticks(%v, %v, log %v, count %v) = %q, want %q", tc.lo, tc.hi, tc.log, tc.count, g, tc.want)
		}
	}
}
