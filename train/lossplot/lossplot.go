package lossplot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one training curve: the loss after Samples[i] training samples.
type Series struct {
	Label    string    // legend entry, e.g. "bs-16" or "lr-0.1"; empty: no legend entry
	Samples  []float64 // x: number of samples seen (increasing)
	Loss     []float64 // y: training loss; same length as Samples
	Diverged bool      // the run stopped because the loss became NaN or Inf: the curve ends at its last finite point, marked with an X, and the legend says "(diverged)"
	// Smooth, when above 1, draws the centred moving average of the
	// plotted losses over Smooth points (see [MovingAverage]) as a thicker
	// line in the series' colour, over the raw curve drawn lighter.
	Smooth int
	// TestSamples and TestLoss, when given, are the test loss after each
	// epoch and the samples seen then: dots joined by a dashed line in the
	// series' colour (non-finite losses are dropped).
	TestSamples, TestLoss []float64
	// ValSamples and ValLoss are the same for the validation loss: squares
	// joined by a dotted line.
	ValSamples, ValLoss []float64
}

// Options are the drawing options of [WritePNG]. The zero value gives the
// defaults.
type Options struct {
	// Width and Height are the image size as vg lengths (vg.Inch,
	// vg.Centimeter, vg.Points); zero: 8 by 5 inches.
	Width, Height vg.Length
	// DPI is the resolution in pixels per inch; zero: 96, so that the
	// default image is 768x480 pixels. Neither side may exceed 16384 pixels.
	DPI int
	// LogY draws the loss on a logarithmic axis; non-positive losses are
	// then dropped like non-finite ones.
	LogY bool
	// YMax, when positive, caps the loss axis (points above it are clipped
	// at the top edge; a diverged run's X is drawn on the edge): for plots
	// where a run that blew up before diverging would squash the others.
	// Zero: the axis covers every plotted loss.
	YMax float64
	// XLabel and YLabel name the axes; empty: "samples seen" and
	// "training loss" ("loss" where a series has test losses).
	XLabel, YLabel string
}

// Defaults of [Options].
const (
	DefaultWidth  = 8 * vg.Inch
	DefaultHeight = 5 * vg.Inch
	DefaultDPI    = 96
	maxPixels     = 16384 // per side
)

// WritePNG draws the series on one plot titled title (e.g. "Optimizer-SGD
// lr-0.001 mt-0.5 bs-16", see [Title]), x axis "samples seen", y axis
// "training loss", one colour per series (matplotlib's ten default colours,
// then the same colours dashed), with a legend when there is more than one
// series or a label, placed in the corner of the plot with the least data
// under it. It writes the PNG atomically to path: to a temporary file in the
// same directory, then renamed over path, so that a failure leaves no
// temporary file and an existing file at path untouched.
//
// Non-finite points are dropped: a diverged run's curve ends at its last
// finite loss (marked with an X when Series.Diverged is set). A series with
// no finite point still gets its legend entry. Invalid input is an error
// saying what is wrong: no series, Samples and Loss of different lengths,
// a non-finite or decreasing Samples value, a negative or oversized image
// size, a negative DPI or YMax.
func WritePNG(path, title string, series []Series, opt Options) error {
	buf, err := renderPNG(title, series, opt)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, buf)
}

// renderPNG validates the input and returns the encoded PNG.
func renderPNG(title string, series []Series, opt Options) (png []byte, err error) {
	opt = defaultYLabel(opt, series)
	opt, err = opt.withDefaults()
	if err != nil {
		return nil, err
	}
	curves, err := prepare(series, opt.LogY)
	if err != nil {
		return nil, err
	}
	// gonum/plot panics on some inputs (its log scale on non-positive
	// ranges, its canvas on zero sizes); everything is validated above, so
	// a panic here is a bug of this package, reported rather than crashing
	// a training run that only wanted a picture.
	defer func() {
		if r := recover(); r != nil {
			png, err = nil, fmt.Errorf("lossplot: drawing %q failed: %v", title, r)
		}
	}()
	p, legend := build(title, curves, opt)
	c := vgimg.NewWith(vgimg.UseWH(opt.Width, opt.Height), vgimg.UseDPI(opt.DPI))
	dc := draw.New(c)
	p.Draw(dc)
	if legend != nil {
		drawLegend(p.DataCanvas(dc), legend, p, curves)
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("lossplot: encoding PNG: %w", err)
	}
	return b.Bytes(), nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.DPI == 0 {
		o.DPI = DefaultDPI
	}
	if o.DPI < 0 {
		return o, fmt.Errorf("lossplot: DPI = %d is negative (want > 0, or 0 for %d)", o.DPI, DefaultDPI)
	}
	for _, d := range []struct {
		name string
		v    vg.Length
	}{{"Width", o.Width}, {"Height", o.Height}} {
		if !(d.v > 0) || math.IsInf(float64(d.v), 0) {
			return o, fmt.Errorf("lossplot: %s = %v points is not a positive size (want > 0, or 0 for the default)", d.name, d.v)
		}
		if px := d.v.Dots(float64(o.DPI)); px > maxPixels {
			return o, fmt.Errorf("lossplot: %s = %v points at %d dpi is %.0f pixels, more than %d", d.name, d.v, o.DPI, px, maxPixels)
		}
	}
	if !(o.YMax >= 0) || math.IsInf(o.YMax, 0) {
		return o, fmt.Errorf("lossplot: YMax = %v is not a finite value >= 0 (0: no cap)", o.YMax)
	}
	if o.XLabel == "" {
		o.XLabel = "samples seen"
	}
	if o.YLabel == "" {
		o.YLabel = "training loss"
	}
	return o, nil
}

// curve is a validated series: its plotted points and legend text.
type curve struct {
	legend   string      // legend entry; empty: none
	diverged bool        // Series.Diverged
	xys      plotter.XYs // the finite points (positive too with a log axis), in order
	marker   *plotter.XY // where the X of a diverged run goes; nil: none
	color    color.Color // line colour
	dashes   []vg.Length // line dashes; nil: solid

	heldOut      []heldOut   // the test and validation losses after each epoch, as given
	smooth       plotter.XYs // the moving average of xys; nil: none
	smoothWindow int         // its window, odd
}

// prepare validates the series and drops the points that cannot be drawn.
func prepare(series []Series, logY bool) ([]curve, error) {
	if len(series) == 0 {
		return nil, errors.New("lossplot: no series to plot (want at least one)")
	}
	curves := make([]curve, len(series))
	for i, s := range series {
		name := fmt.Sprintf("series %d", i)
		if s.Label != "" {
			name = fmt.Sprintf("series %d (%q)", i, s.Label)
		}
		if len(s.Samples) != len(s.Loss) {
			return nil, fmt.Errorf("lossplot: %s: len(Samples) = %d != len(Loss) = %d (want one loss per sample count)", name, len(s.Samples), len(s.Loss))
		}
		c := &curves[i]
		for j, x := range s.Samples {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("lossplot: %s: Samples[%d] = %v is not finite", name, j, x)
			}
			if j > 0 && x < s.Samples[j-1] {
				return nil, fmt.Errorf("lossplot: %s: Samples[%d] = %v < Samples[%d] = %v (want an increasing sample count)", name, j, x, j-1, s.Samples[j-1])
			}
			y := s.Loss[j]
			if math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
				continue
			}
			c.xys = append(c.xys, plotter.XY{X: x, Y: y})
		}
		if err := c.extras(name, s, logY); err != nil {
			return nil, err
		}
		c.legend = s.Label
		c.diverged = s.Diverged
		if s.Diverged {
			if c.legend == "" {
				c.legend = "(diverged)"
			} else {
				c.legend += " (diverged)"
			}
			if n := len(c.xys); n > 0 {
				m := c.xys[n-1]
				c.marker = &m
			}
		}
		c.color = palette[i%len(palette)]
		if k := i / len(palette); k > 0 {
			c.dashes = dashes[(k-1)%len(dashes)]
		}
	}
	return curves, nil
}

// palette is matplotlib's default colour cycle ("tab10"), the colours of the
// tutorial's own plots.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, // blue
	color.RGBA{0xff, 0x7f, 0x0e, 0xff}, // orange
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, // green
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, // red
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, // purple
	color.RGBA{0x8c, 0x56, 0x4b, 0xff}, // brown
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, // pink
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, // grey
	color.RGBA{0xbc, 0xbd, 0x22, 0xff}, // olive
	color.RGBA{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// dashes tell apart the series beyond the first len(palette).
var dashes = [][]vg.Length{
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)},
}

const (
	lineWidth    = vg.Length(1.5)
	markerRadius = vg.Length(5)
)

// build lays out the plot of validated curves, and the legend that
// drawLegend draws over it (nil: none).
func build(title string, curves []curve, opt Options) (*plot.Plot, *plot.Legend) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(13)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(12)
		a.Tick.Label.Font = sans(10)
		a.Padding = 0
	}
	p.X.Label.Text = opt.XLabel
	p.Y.Label.Text = opt.YLabel
	p.X.Tick.Marker = linearTicks{count: true}
	p.Y.Tick.Marker = linearTicks{}
	if opt.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe0}
	grid.Horizontal.Color = color.Gray{Y: 0xe0}
	p.Add(grid)

	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = axisRanges(curves, opt)

	showLegend := len(curves) > 1
	for _, c := range curves {
		showLegend = showLegend || c.legend != "" || len(c.extraLegends()) > 0
	}
	var legend *plot.Legend
	if showLegend {
		l := plot.NewLegend()
		l.TextStyle.Font = sans(11)
		l.ThumbnailWidth = vg.Points(24)
		l.Top, l.Left = true, true
		legend = &l
	}
	for _, c := range curves {
		line := &plotter.Line{XYs: c.xys, LineStyle: draw.LineStyle{Color: c.rawColor(), Width: lineWidth, Dashes: c.dashes}}
		thumbs := []plot.Thumbnailer{line}
		if len(c.xys) > 0 {
			p.Add(line)
		}
		if len(c.xys) == 1 && c.marker == nil { // a lone point draws no line
			dot := &plotter.Scatter{XYs: c.xys, GlyphStyle: draw.GlyphStyle{Color: c.color, Radius: 3, Shape: draw.CircleGlyph{}}}
			p.Add(dot)
		}
		if c.diverged && c.marker == nil {
			thumbs = append(thumbs, crossThumb(c.color)) // diverged before its first finite loss
		}
		if c.marker != nil {
			m := *c.marker
			m.Y = math.Min(m.Y, p.Y.Max) // on the edge when YMax clips it
			x := &plotter.Scatter{XYs: plotter.XYs{m}, GlyphStyle: crossStyle(c.color)}
			p.Add(x)
			thumbs = append(thumbs, x)
		}
		if legend != nil && c.legend != "" {
			legend.Add(c.legend, thumbs...)
		}
		addExtras(p, legend, c)
	}
	if legend != nil && len(legendTexts(curves)) == 0 {
		legend = nil // several series, none labelled
	}
	return p, legend
}

// sans is Liberation Sans (metric-compatible with Arial) at size points:
// closer to matplotlib's DejaVu Sans than gonum's default serif.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

func legendTexts(curves []curve) []string {
	var ts []string
	for _, c := range curves {
		if c.legend != "" {
			ts = append(ts, c.legend)
		}
		ts = append(ts, c.extraLegends()...)
	}
	return ts
}

// axisRanges returns the axes' extent: x from 0 (or the smallest count,
// if negative) to the largest count; y over the plotted losses with 4%
// room on either side (of the log range with a log axis), capped at YMax.
func axisRanges(curves []curve, opt Options) (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = dataRange(curves)
	if xmin <= xmax {
		xmin = math.Min(xmin, 0)
	}
	xmin, xmax = sanitize(xmin, xmax, false)
	if ymin <= ymax {
		if opt.LogY {
			f := math.Pow(ymax/ymin, 0.04)
			ymin, ymax = ymin/f, ymax*f
		} else {
			d := 0.04 * (ymax - ymin)
			ymin, ymax = ymin-d, ymax+d
		}
	}
	if opt.YMax > 0 {
		if ymin > ymax { // no data
			ymin = opt.YMax
		}
		ymax = opt.YMax
		if ymin >= ymax {
			ymin = ymax - 1
			if opt.LogY {
				ymin = ymax / 10
			}
		}
	}
	ymin, ymax = sanitize(ymin, ymax, opt.LogY)
	return xmin, xmax, ymin, ymax
}

func crossStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: markerRadius, Shape: thickCross{}}
}

func crossThumb(c color.Color) plot.Thumbnailer {
	return &plotter.Scatter{GlyphStyle: crossStyle(c)}
}

// thickCross is draw.CrossGlyph with a stroke wide enough to see.
type thickCross struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (thickCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: 2 * lineWidth})
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	c.Stroke(p)
	p = vg.Path{}
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}

// dataRange is the bounding box of the plotted points; min > max when
// there are none.
func dataRange(curves []curve) (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, c := range curves {
		for _, pt := range c.allPoints() {
			xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
	}
	return xmin, xmax, ymin, ymax
}

// sanitize turns an empty or one-point range into one the axis can draw.
func sanitize(lo, hi float64, log bool) (float64, float64) {
	switch {
	case lo > hi && log:
		return 0.1, 10
	case lo > hi:
		return 0, 1
	case lo == hi && log:
		return lo / 2, hi * 2
	case lo == hi:
		d := math.Max(math.Abs(lo)*0.1, 1)
		return lo - d, hi + d
	}
	return lo, hi
}
