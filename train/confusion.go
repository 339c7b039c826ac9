package train

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
)

// maxLabelledClasses is the most classes whose cells get their counts
// written in the confusion plot (beyond, the numbers would not fit).
const maxLabelledClasses = 30

// WriteConfusion writes the confusion matrix as text: a header row of
// predicted classes, then one row per true class.
func (e Evaluation) WriteConfusion(w io.Writer) error {
	width := len(strconv.Itoa(max(e.Examples, len(e.Confusion))))
	var b strings.Builder
	fmt.Fprintf(&b, "%*s", width+6, "")
	for p := range e.Confusion {
		fmt.Fprintf(&b, " %*d", width, p)
	}
	b.WriteString("   (columns: predicted class; rows: true class)\n")
	for t, row := range e.Confusion {
		fmt.Fprintf(&b, "true %*d", width, t)
		for _, n := range row {
			fmt.Fprintf(&b, " %*d", width, n)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// confusionGrid is the matrix as a heat map's grid: column c is the
// predicted class, row r counts from the bottom, the last true class.
type confusionGrid [][]int

func (g confusionGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g confusionGrid) Z(c, r int) float64 { return float64(g[len(g)-1-r][c]) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }

// WriteConfusionPNG draws the confusion matrix as a heat map (the counts
// written in the cells for up to 30 classes) and writes it to path
// atomically.
func (e Evaluation) WriteConfusionPNG(path, title string) (err error) {
	k := len(e.Confusion)
	if k == 0 {
		return fmt.Errorf("train: confusion plot %s: no classes", path)
	}
	defer func() { // gonum/plot panics on inputs it cannot draw
		if r := recover(); r != nil {
			err = fmt.Errorf("train: confusion plot %s: drawing failed: %v", path, r)
		}
	}()
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	g := confusionGrid(e.Confusion)
	p.Add(plotter.NewHeatMap(g, palette.Heat(64, 1)))
	var ticksX, ticksY []plot.Tick
	step := max(1, k/20)
	for c := 0; c < k; c += step {
		ticksX = append(ticksX, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
		ticksY = append(ticksY, plot.Tick{Value: float64(k - 1 - c), Label: strconv.Itoa(c)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(ticksX), plot.ConstantTicks(ticksY)
	if k <= maxLabelledClasses {
		var xy plotter.XYLabels
		for t, row := range e.Confusion {
			for c, n := range row {
				xy.XYs = append(xy.XYs, plotter.XY{X: float64(c), Y: float64(k - 1 - t)})
				xy.Labels = append(xy.Labels, strconv.Itoa(n))
			}
		}
		labels, err := plotter.NewLabels(xy)
		if err != nil {
			return fmt.Errorf("train: confusion plot %s: %w", path, err)
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		}
		p.Add(labels)
	}
	side := vg.Length(max(320, min(1200, 40*k+160)))
	c := vgimg.New(side, side)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return fmt.Errorf("train: confusion plot %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, b.Bytes()); err != nil {
		return fmt.Errorf("train: confusion plot: %w", err)
	}
	return nil
}
