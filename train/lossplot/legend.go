package lossplot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawLegend draws the legend in a white box in the corner of the data
// area da that the curves cross least: top right, bottom left, bottom right,
// top left, in that order of preference among equals (loss curves start
// high on the left and fall, so the top right is usually free).
func drawLegend(da draw.Canvas, l *plot.Legend, p *plot.Plot, curves []curve) {
	const (
		inset = vg.Length(8) // box to the frame
		pad   = vg.Length(5) // box to the entries
	)
	boxW, boxH := legendSize(l, legendTexts(curves), pad)
	areaW, areaH := da.Max.X-da.Min.X, da.Max.Y-da.Min.Y
	if areaW <= 0 || areaH <= 0 {
		return
	}
	hits := cornerHits{p: p, fw: float64((boxW + inset) / areaW), fh: float64((boxH + inset) / areaH)}
	hits.countCurves(curves)
	corner := hits.best()
	var box vg.Rectangle
	if corner.left {
		box.Min.X = da.Min.X + inset
	} else {
		box.Min.X = da.Max.X - inset - boxW
	}
	if corner.top {
		box.Min.Y = da.Max.Y - inset - boxH
	} else {
		box.Min.Y = da.Min.Y + inset
	}
	box.Max = vg.Point{X: box.Min.X + boxW, Y: box.Min.Y + boxH}
	da.SetColor(color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe0})
	da.Fill(box.Path())
	da.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 0xcc}, Width: 0.8})
	da.Stroke(box.Path())
	inner := draw.Canvas{Canvas: da.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: box.Min.X + pad, Y: box.Min.Y + pad},
		Max: vg.Point{X: box.Max.X - pad, Y: box.Max.Y - pad},
	}}
	l.Draw(inner)
}

// legendSize is the size of the legend's box: its entries, one line per
// text with its thumbnail, and pad around them.
func legendSize(l *plot.Legend, texts []string, pad vg.Length) (w, h vg.Length) {
	sty := l.TextStyle
	var entryH vg.Length
	for _, t := range texts {
		w = max(w, l.ThumbnailWidth+sty.Rectangle(" "+t).Max.X)
		entryH = max(entryH, sty.Rectangle(t).Max.Y)
	}
	h = entryH*vg.Length(len(texts)) + sty.FontExtents().Descent
	return w + 2*pad, h + 2*pad
}

// legendCorner is a corner of the data area.
type legendCorner struct{ top, left bool }

// legendCorners are the corners in drawLegend's order of preference.
var legendCorners = [...]legendCorner{{true, false}, {false, true}, {false, false}, {true, true}}

// cornerHits counts, for each of legendCorners, how much of the curves a
// legend box there would hide: the box covers the fraction fw of the data
// area's width and fh of its height, in p's normalised axis coordinates.
type cornerHits struct {
	p      *plot.Plot
	fw, fh float64
	hits   [len(legendCorners)]int
}

// norm returns the point (x, y) in normalised axis coordinates, with y
// first clamped to the axis range.
func (h *cornerHits) norm(x, y float64) (float64, float64) {
	p := h.p
	return p.X.Scale.Normalize(p.X.Min, p.X.Max, x),
		p.Y.Scale.Normalize(p.Y.Min, p.Y.Max, math.Min(math.Max(y, p.Y.Min), p.Y.Max))
}

// count adds weight to every corner whose box covers the normalised point
// (x, y).
func (h *cornerHits) count(x, y float64, weight int) {
	for k, c := range legendCorners {
		inX := x >= 1-h.fw
		if c.left {
			inX = x <= h.fw
		}
		inY := y <= h.fh
		if c.top {
			inY = y >= 1-h.fh
		}
		if inX && inY {
			h.hits[k] += weight
		}
	}
}

// countCurves counts the curves' points, 7 points along each segment
// between them, the test losses, and each divergence marker a thousand
// times.
func (h *cornerHits) countCurves(curves []curve) {
	for _, c := range curves {
		for i, pt := range c.xys {
			x, y := h.norm(pt.X, pt.Y)
			h.count(x, y, 1)
			if i > 0 { // the segment from the previous point too
				px, py := h.norm(c.xys[i-1].X, c.xys[i-1].Y)
				for t := 0.125; t < 1; t += 0.125 {
					h.count(px+t*(x-px), py+t*(y-py), 1)
				}
			}
		}
		for _, pt := range c.heldOutPoints() {
			x, y := h.norm(pt.X, pt.Y)
			h.count(x, y, 1)
		}
		if c.marker != nil { // an X under the legend is worse than a line
			x, y := h.norm(c.marker.X, c.marker.Y)
			h.count(x, y, 1000)
		}
	}
}

// best is the corner with the fewest hits, the first in legendCorners
// among equals.
func (h *cornerHits) best() legendCorner {
	best := 0
	for k := range legendCorners {
		if h.hits[k] < h.hits[best] {
			best = k
		}
	}
	return legendCorners[best]
}
