package lossplot

import (
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMovingAverage(t *testing.T) {
	in := []float64{1, 2, 3, 4, 5}
	for _, tc := range []struct {
		window int
		want   []float64
	}{
		{0, in}, {1, in},
		{3, []float64{1.5, 2, 3, 4, 4.5}}, // (1+2)/2, (1+2+3)/3, ...
		{4, []float64{2, 2.5, 3, 3.5, 4}}, // as 5: (1+2+3)/3, (1+2+3+4)/4, ...
		{5, []float64{2, 2.5, 3, 3.5, 4}}, //
		{99, []float64{3, 3, 3, 3, 3}},    // every point in every window
		{2, []float64{1.5, 2, 3, 4, 4.5}}, // as 3
		{-1, in},                          // as 0
		{3, []float64{}},                  // no points
	} {
		src := in
		if len(tc.want) == 0 {
			src = nil
		}
		got := MovingAverage(src, tc.window)
		if !slices.Equal(got, tc.want) {
			t.Errorf("MovingAverage(%v, %d) = %v, want %v", src, tc.window, got, tc.want)
		}
	}
	// Noise around a line: the interior of a centred average of a line is
	// the line itself, and the average of the noise is smaller than it.
	var loss, line []float64
	for i := range 200 {
		line = append(line, 3-0.01*float64(i))
		loss = append(loss, line[i]+0.5*math.Sin(float64(i)*2.1))
	}
	sm := MovingAverage(loss, 21)
	for i := 10; i < 190; i++ {
		if d := math.Abs(sm[i] - line[i]); d > 0.05 {
			t.Fatalf("point %d: smoothed %v, line %v: off by %v, want under 0.05", i, sm[i], line[i], d)
		}
	}
}

// TestWritePNGExtras draws a noisy curve with its moving average and test
// losses and checks what prepare made of them, the axis range, the legend,
// and the colours in the image.
func TestWritePNGExtras(t *testing.T) {
	s := curveSeries("Optimizer-SGD", 64, 60, 0.1)
	for i := range s.Loss {
		s.Loss[i] += 0.2 * math.Sin(float64(i))
	}
	s.Smooth = 10
	s.TestSamples = []float64{2000, 4000, 6000}
	s.TestLoss = []float64{3.5, math.NaN(), 0.5} // 3.5: above every training loss
	curves, err := prepare([]Series{s}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := curves[0]
	if test := c.heldOutPoints(); len(c.heldOut) != 1 || len(test) != 2 || test[0].Y != 3.5 || test[1].X != 6000 {
		t.Errorf("test points %v, want (2000, 3.5) and (6000, 0.5)", test)
	}
	if c.smoothWindow != 11 || len(c.smooth) != len(s.Loss) {
		t.Fatalf("smoothed %d points with window %d, want %d with 11", len(c.smooth), c.smoothWindow, len(s.Loss))
	}
	want := MovingAverage(s.Loss, 11)
	for i, pt := range c.smooth {
		if pt.X != s.Samples[i] || pt.Y != want[i] {
			t.Fatalf("smoothed point %d = %v, want (%v, %v)", i, pt, s.Samples[i], want[i])
		}
	}
	if got := legendTexts(curves); !slices.Equal(got, []string{"Optimizer-SGD", "test loss after each epoch", "moving average of 11 points"}) {
		t.Errorf("legend %q", got)
	}
	if _, _, _, ymax := dataRange(curves); ymax != 3.5 {
		t.Errorf("data range up to %v, want the test loss 3.5", ymax)
	}
	if got := defaultYLabel(Options{}, []Series{s}).YLabel; got != "loss" {
		t.Errorf("y label %q with test losses, want \"loss\"", got)
	}
	if got := defaultYLabel(Options{YLabel: "nll"}, []Series{s}).YLabel; got != "nll" {
		t.Errorf("y label %q, want the one given", got)
	}
	if got := defaultYLabel(Options{}, []Series{{}}).YLabel; got != "" {
		t.Errorf("y label %q without test losses, want the default", got)
	}
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := WritePNG(path, "t", []Series{s}, Options{}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	light := c.rawColor()
	if light == palette[0] || light.(color.RGBA).R <= palette[0].(color.RGBA).R {
		t.Errorf("raw colour %v under a smoothed curve, want lighter than %v", light, palette[0])
	}
	if n := countNear(img, light, 12); n < 100 {
		t.Errorf("%d pixels of the raw curve's lighter colour, want a drawn curve", n)
	}
	if n := countNear(img, palette[0], 12); n < 300 {
		t.Errorf("%d pixels of the series' colour, want the smoothed curve and the test dots", n)
	}
	// Without smoothing, the raw curve keeps the series' colour.
	s.Smooth = 0
	if curves, err := prepare([]Series{s}, false); err != nil || curves[0].rawColor() != palette[0] || curves[0].smooth != nil {
		t.Errorf("Smooth 0: %v, raw colour %v, smoothed %v", err, curves[0].rawColor(), curves[0].smooth)
	}
}

// TestValidationLosses: validation losses become a second held-out curve
// with its legend entry and widen the axis range; mismatched lengths and
// decreasing sample counts are errors naming ValSamples and ValLoss.
func TestValidationLosses(t *testing.T) {
	s := Series{Label: "run", Samples: []float64{0, 1000, 2000}, Loss: []float64{2, 1, 0.8},
		TestSamples: []float64{1000, 2000}, TestLoss: []float64{1.1, 0.9},
		ValSamples: []float64{1000, 2000}, ValLoss: []float64{1.2, 4.5}}
	curves, err := prepare([]Series{s}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := curves[0]
	if len(c.heldOut) != 2 || c.heldOut[1].legend != valLegend || len(c.heldOut[1].xys) != 2 {
		t.Fatalf("held-out curves %+v, want the test and the validation losses", c.heldOut)
	}
	if got := c.extraLegends(); len(got) != 2 || got[1] != valLegend {
		t.Errorf("legends %q, want the test and validation entries", got)
	}
	if _, _, _, ymax := dataRange(curves); ymax != 4.5 {
		t.Errorf("y range ends at %v, want 4.5 (a validation loss)", ymax)
	}
	if err := WritePNG(filepath.Join(t.TempDir(), "val.png"), "val", []Series{s}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Series{
		{Label: "a", Samples: []float64{0}, Loss: []float64{1}, ValSamples: []float64{1, 2}, ValLoss: []float64{1}},
		{Label: "b", Samples: []float64{0}, Loss: []float64{1}, ValSamples: []float64{2, 1}, ValLoss: []float64{1, 1}},
	} {
		if _, err := prepare([]Series{bad}, false); err == nil || !strings.Contains(err.Error(), "ValSamples") {
			t.Errorf("%s: %v, want an error naming ValSamples", bad.Label, err)
		}
	}
}
