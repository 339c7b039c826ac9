package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/vecgrad/vecgrad/tensor"
)

// MaxCSVBytes bounds the size of a CSV file ReadCSV reads: 1 GiB.
const MaxCSVBytes = 1 << 30

// CSVOptions configures ReadCSV.
type CSVOptions struct {
	// LabelColumn picks the label (target) column: a header name, or, if
	// no header cell has that name, a 0-based column index ("0", "-1" for
	// the last). Empty: no label column (features only, as for predict).
	LabelColumn string
}

// Table is a CSV file's numbers: the features in file order without the
// label column, and the label column.
type Table struct {
	// Columns names the feature columns, from the header, in file order.
	Columns []string
	// Label is the label column's header name ("" without one).
	Label string
	// X holds one row per data row: [rows, len(Columns)].
	X *tensor.Tensor
	// Y holds the label column: [rows]; nil without LabelColumn. Pass it to
	// NewTensorDataset with a class count for class indices, or 0 for
	// regression targets.
	Y *tensor.Tensor
}

// ReadCSV reads a CSV file (RFC 4180, comma-separated) whose first row is
// a header naming the columns and whose other rows hold one number each
// per column (float32, as strconv.ParseFloat reads them; surrounding spaces
// allowed). Every row must have the header's number of cells, every cell
// must be a finite number, and there must be at least one data row. The
// file may be at most MaxCSVBytes. Errors are one line naming the file and
// the line and column at fault (*FormatError).
func ReadCSV(path string, opt CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := DecodeCSV(f, opt)
	return t, withFile(err, path)
}

// DecodeCSV is ReadCSV on a stream; its errors are *FormatError values
// without a file name.
func DecodeCSV(r io.Reader, opt CSVOptions) (*Table, error) {
	lr := &io.LimitedReader{R: r, N: MaxCSVBytes + 1}
	cr := csv.NewReader(lr)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, csvErr("empty file (want a header row naming the columns, then data rows)")
		}
		return nil, csvReadErr(err, lr)
	}
	head = append([]string(nil), head...)
	label := -1
	if opt.LabelColumn != "" {
		if label, err = labelIndex(head, opt.LabelColumn); err != nil {
			return nil, err
		}
	}
	t := &Table{}
	for j, name := range head {
		if j == label {
			t.Label = name
		} else {
			t.Columns = append(t.Columns, strings.TrimSpace(name))
		}
	}
	if len(t.Columns) == 0 {
		return nil, csvErr("no feature columns (the header has only the label column %q)", t.Label)
	}
	var x, y []float32
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadErr(err, lr)
		}
		line, _ := cr.FieldPos(0)
		for j, cell := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, csvErr("line %d, column %s: %s is not a finite number", line, quoteShort(strings.TrimSpace(head[j])), quoteShort(cell))
			}
			if j == label {
				y = append(y, float32(v))
			} else {
				x = append(x, float32(v))
			}
		}
		rows++
	}
	if lr.N <= 0 { // the limit cut the file: encoding/csv saw an early end
		return nil, csvReadErr(io.ErrUnexpectedEOF, lr)
	}
	if rows == 0 {
		return nil, csvErr("no data rows after the header")
	}
	t.X = tensor.New(x, rows, len(t.Columns))
	if label >= 0 {
		t.Y = tensor.New(y, rows)
	}
	return t, nil
}

// labelIndex finds the label column by header name, else by index.
func labelIndex(head []string, col string) (int, error) {
	for j, name := range head {
		if strings.TrimSpace(name) == col {
			return j, nil
		}
	}
	j, err := strconv.Atoi(col)
	if err != nil {
		return 0, csvErr("no column named %q in the header %s (give a header name or a 0-based index)", col, quoteShort(strings.Join(head, ",")))
	}
	if j < 0 {
		j += len(head)
	}
	if j < 0 || j >= len(head) {
		return 0, csvErr("label column index %s is out of range for %d columns (accepted: 0 to %d, or negative from the end)", col, len(head), len(head)-1)
	}
	return j, nil
}

func csvErr(format string, args ...any) error {
	return &FormatError{Format: "csv", Msg: fmt.Sprintf(format, args...)}
}

// csvReadErr reports a reader error: the size limit, or encoding/csv's
// complaint (which names the line and column).
func csvReadErr(err error, lr *io.LimitedReader) error {
	if lr.N <= 0 {
		return csvErr("larger than %d bytes (accepted: at most MaxCSVBytes)", MaxCSVBytes)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return csvErr("line %d has a different number of cells than the header (every row needs one per column)", pe.Line)
		}
		return csvErr("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return &FormatError{Format: "csv", Msg: "reading: " + err.Error(), Err: err}
}
