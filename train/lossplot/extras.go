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

// The legend entries of a series' test and validation losses.
const (
	testLegend = "test loss after each epoch"
	valLegend  = "validation loss after each epoch"
)

// heldOut is a series' loss after each epoch on a held-out split (the
// test or the validation set): its finite points, and how they are drawn.
type heldOut struct {
	legend string
	xys    plotter.XYs
	shape  draw.GlyphDrawer
	dashes []vg.Length
}

// heldOutPoints returns the points of c's held-out losses.
func (c *curve) heldOutPoints() plotter.XYs {
	var out plotter.XYs
	for _, h := range c.heldOut {
		out = append(out, h.xys...)
	}
	return out
}

// allPoints returns c's logged points and its held-out losses.
func (c *curve) allPoints() plotter.XYs {
	return append(c.xys[:len(c.xys):len(c.xys)], c.heldOutPoints()...)
}

// heldOutLosses validates one held-out split's sample counts and losses
// (named xName, yName in messages) and returns its finite points.
func heldOutLosses(name, xName, yName string, xs, ys []float64, logY bool) (plotter.XYs, error) {
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("lossplot: %s: len(%s) = %d != len(%s) = %d (want one loss per sample count)", name, xName, len(xs), yName, len(ys))
	}
	var out plotter.XYs
	for j, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("lossplot: %s: %s[%d] = %v is not finite", name, xName, j, x)
		}
		if j > 0 && x < xs[j-1] {
			return nil, fmt.Errorf("lossplot: %s: %s[%d] = %v < %s[%d] = %v (want an increasing sample count)", name, xName, j, x, xName, j-1, xs[j-1])
		}
		if y := ys[j]; !math.IsNaN(y) && !math.IsInf(y, 0) && !(logY && y <= 0) {
			out = append(out, plotter.XY{X: x, Y: y})
		}
	}
	return out, nil
}

func smoothLegend(window int) string { return fmt.Sprintf("moving average of %d points", window) }

// extras validates a series' held-out losses and smoothing into c: the
// finite test and validation points, and the moving average of c's
// plotted points.
func (c *curve) extras(name string, s Series, logY bool) error {
	if s.Smooth < 0 {
		return fmt.Errorf("lossplot: %s: Smooth = %d is negative (want 0 for none, or a window of points)", name, s.Smooth)
	}
	for _, h := range []struct {
		xName, yName, legend string
		xs, ys               []float64
		shape                draw.GlyphDrawer
		dashes               []vg.Length
	}{
		{"TestSamples", "TestLoss", testLegend, s.TestSamples, s.TestLoss, draw.CircleGlyph{}, []vg.Length{vg.Points(4), vg.Points(3)}},
		{"ValSamples", "ValLoss", valLegend, s.ValSamples, s.ValLoss, draw.SquareGlyph{}, []vg.Length{vg.Points(1), vg.Points(2)}},
	} {
		if len(h.xs) == 0 && len(h.ys) == 0 {
			continue
		}
		xys, err := heldOutLosses(name, h.xName, h.yName, h.xs, h.ys, logY)
		if err != nil {
			return err
		}
		c.heldOut = append(c.heldOut, heldOut{legend: h.legend, xys: xys, shape: h.shape, dashes: h.dashes})
	}
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

// extraLegends are the legend entries of c's held-out losses and smoothed
// curve, in the order addExtras adds them.
func (c *curve) extraLegends() []string {
	var ts []string
	for _, h := range c.heldOut {
		ts = append(ts, h.legend)
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
		if opt.YLabel == "" && (len(s.TestSamples) > 0 || len(s.ValSamples) > 0) {
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

// addExtras adds c's held-out losses (glyphs joined by a dashed line) and its
// smoothed curve (a thicker line), both in c's colour, to p, and their
// entries to legend unless it is nil.
func addExtras(p *plot.Plot, legend *plot.Legend, c curve) {
	for _, h := range c.heldOut {
		line := &plotter.Line{XYs: h.xys, LineStyle: draw.LineStyle{Color: c.color, Width: lineWidth, Dashes: h.dashes}}
		dots := &plotter.Scatter{XYs: h.xys, GlyphStyle: draw.GlyphStyle{Color: c.color, Radius: 3.5, Shape: h.shape}}
		if len(h.xys) > 0 {
			p.Add(line, dots)
		}
		if legend != nil {
			legend.Add(h.legend, line, dots)
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
