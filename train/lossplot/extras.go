package lossplot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MovingAverage returns the centred moving average of loss over the logged
// points: point i is the mean of the points within half = window/2 of it
// on either side, fewer near the ends (an even window counts as the next
// odd one). A window below 2 returns a copy of loss. The sums are float64
// and taken over each window afresh, so no rounding error accumulates.
func MovingAverage(loss []float64, window int) []float64 {
	out := make([]float64, len(loss))
	half := max(window, 1) / 2
	for i := range loss {
		lo, hi := max(i-half, 0), min(i+half+1, len(loss))
		var sum float64
		for _, v := range loss[lo:hi] {
			sum += v
		}
		out[i] = sum / float64(hi-lo)
	}
	return out
}

// testLegend is the legend entry of a series' test losses.
const testLegend = "test loss after each epoch"

func smoothLegend(window int) string { return fmt.Sprintf("moving average of %d points", window) }

// extras validates a series' test losses and smoothing into c: the finite
// test points, and the moving average of c's plotted points.
func (c *curve) extras(name string, s Series, logY bool) error {
	if s.Smooth < 0 {
		return fmt.Errorf("lossplot: %s: Smooth = %d is negative (want 0 for none, or a window of points)", name, s.Smooth)
	}
	if len(s.TestSamples) != len(s.TestLoss) {
		return fmt.Errorf("lossplot: %s: len(TestSamples) = %d != len(TestLoss) = %d (want one test loss per sample count)", name, len(s.TestSamples), len(s.TestLoss))
	}
	for j, x := range s.TestSamples {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("lossplot: %s: TestSamples[%d] = %v is not finite", name, j, x)
		}
		if j > 0 && x < s.TestSamples[j-1] {
			return fmt.Errorf("lossplot: %s: TestSamples[%d] = %v < TestSamples[%d] = %v (want an increasing sample count)", name, j, x, j-1, s.TestSamples[j-1])
		}
		if y := s.TestLoss[j]; !math.IsNaN(y) && !math.IsInf(y, 0) && !(logY && y <= 0) {
			c.test = append(c.test, plotter.XY{X: x, Y: y})
		}
	}
	c.hasTest = len(s.TestSamples) > 0
	if s.Smooth > 1 && len(c.xys) > 1 {
		ys := make([]float64, len(c.xys))
		for i, pt := range c.xys {
			ys[i] = pt.Y
		}
		for i, y := range MovingAverage(ys, s.Smooth) {
			c.smooth = append(c.smooth, plotter.XY{X: c.xys[i].X, Y: y})
		}
		c.smoothWindow = 2*(s.Smooth/2) + 1
	}
	return nil
}

// extraLegends are the legend entries of c's test losses and smoothed
// curve, in the order addExtras adds them.
func (c *curve) extraLegends() []string {
	var ts []string
	if c.hasTest {
		ts = append(ts, testLegend)
	}
	if c.smooth != nil {
		ts = append(ts, smoothLegend(c.smoothWindow))
	}
	return ts
}

// defaultYLabel names the loss axis "loss" rather than "training loss"
// when test losses share it, unless opt names it.
func defaultYLabel(opt Options, series []Series) Options {
	for _, s := range series {
		if opt.YLabel == "" && len(s.TestSamples) > 0 {
			opt.YLabel = "loss"
		}
	}
	return opt
}

// rawColor is the colour of c's logged points: c's own, or a lighter one
// under a smoothed curve, which then carries the colour.
func (c *curve) rawColor() color.Color {
	if c.smooth == nil {
		return c.color
	}
	r, g, b, _ := c.color.RGBA()
	mix := func(v uint32) uint8 { return uint8(0xff - (0xff-v>>8)*2/5) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
}

// addExtras adds c's test losses (dots joined by a dashed line) and its
// smoothed curve (a thicker line), both in c's colour, to p, and their
// entries to legend unless it is nil.
func addExtras(p *plot.Plot, legend *plot.Legend, c curve) {
	if c.hasTest {
		line := &plotter.Line{XYs: c.test, LineStyle: draw.LineStyle{Color: c.color, Width: lineWidth, Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}}
		dots := &plotter.Scatter{XYs: c.test, GlyphStyle: draw.GlyphStyle{Color: c.color, Radius: 3.5, Shape: draw.CircleGlyph{}}}
		if len(c.test) > 0 {
			p.Add(line, dots)
		}
		if legend != nil {
			legend.Add(testLegend, line, dots)
		}
	}
	if c.smooth != nil {
		line := &plotter.Line{XYs: c.smooth, LineStyle: draw.LineStyle{Color: c.color, Width: 2 * lineWidth, Dashes: c.dashes}}
		p.Add(line)
		if legend != nil {
			legend.Add(smoothLegend(c.smoothWindow), line)
		}
	}
}
