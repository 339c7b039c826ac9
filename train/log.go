package train

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/vecgrad/vecgrad/internal/atomicfile"
)

// LossLog is the training loss against the number of samples seen: one
// point per optimizer step (Samples[i] counts the examples of steps 0..i).
type LossLog struct {
	Samples []int64   `json:"samples"`
	Loss    []float32 `json:"loss"`
}

// Len returns the number of points.
func (l *LossLog) Len() int { return len(l.Loss) }

// add appends one point (amortized: the slices are grown ahead by Run).
func (l *LossLog) add(samples int64, loss float32) {
	l.Samples = append(l.Samples, samples)
	l.Loss = append(l.Loss, loss)
}

// WriteCSV writes the log as CSV with the header "samples,loss"; the loss
// is written with the fewest digits that read back as the same float32
// (NaN and ±Inf as "NaN", "+Inf", "-Inf", which spreadsheets and pandas
// read).
func (l *LossLog) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("samples,loss\n")
	var buf []byte
	for i := range l.Loss {
		buf = strconv.AppendInt(buf[:0], l.Samples[i], 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(l.Loss[i]), 'g', -1, 32)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// writeCSVFile writes the log to path atomically.
func (l *LossLog) writeCSVFile(path string) error {
	return writeAtomic(path, l.WriteCSV)
}

// finite returns the points up to the last finite loss, as float64 for
// plotting.
func (l *LossLog) finite() (samples, loss []float64) {
	for i, v := range l.Loss {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			break
		}
		samples = append(samples, float64(l.Samples[i]))
		loss = append(loss, float64(v))
	}
	return samples, loss
}

// The tutorial's output lines, from its Python format strings
// f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]" and
// f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"
// (print adds the final newline).
const (
	trainLine = "loss: %7f  [%5d/%5d]\n"
	testLines = "Test Error: \n Accuracy: %.1f%%, Avg loss: %8f \n\n"
)

// writeAtomic writes a file through write into a temporary file in path's
// directory and renames it into place, so that readers never see a part.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
