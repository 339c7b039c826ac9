package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/vecgrad/vecgrad/train"
)

// dataFlags choose the format of `vecgrad train`'s data directory.
type dataFlags struct {
	format, labelColumn string
}

func (d *dataFlags) register(fs *flagSet) {
	fs.StringVar(&d.format, "data-format", "idx", "format of the -data directory: idx (MNIST's four files, any image size), csv ("+
		train.TrainCSVFile+" and "+train.TestCSVFile+" with a header row) or npy ("+train.TrainXNPYFile+", "+train.TrainYNPYFile+", "+
		train.TestXNPYFile+", "+train.TestYNPYFile+"); csv and npy features are standardised with the training split's means and deviations")
	fs.StringVar(&d.labelColumn, "label-column", "label", "with -data-format csv: the label column, a header name or a 0-based index (-1: the last)")
}

// apply checks the flags against each other and sets cfg's data format.
// set holds the flags given.
func (d *dataFlags) apply(cfg *train.Config, tf *trainFlags, set map[string]bool) error {
	if !contains(train.DataFormats, d.format) {
		return fmt.Errorf("-data-format %q is unknown (accepted: %s)", d.format, strings.Join(train.DataFormats, ", "))
	}
	if d.format == "idx" {
		if set["label-column"] {
			return fmt.Errorf("-label-column is for -data-format csv (the IDX label files hold the labels)")
		}
		return nil
	}
	switch {
	case d.format == "npy" && set["label-column"]:
		return fmt.Errorf("-label-column is for -data-format csv (npy data has its labels in %s and %s)", train.TrainYNPYFile, train.TestYNPYFile)
	case set["dataset"]:
		return fmt.Errorf("-dataset names the IDX sets; with -data-format %s give the directory with -data", d.format)
	case !set["data"]:
		return fmt.Errorf("-data-format %s needs -data DIR, the directory holding %s", d.format, formatFiles(d.format))
	case strings.TrimSpace(d.labelColumn) == "":
		return fmt.Errorf("-label-column is empty: give a header name or a 0-based index")
	}
	if st, err := os.Stat(tf.dataDir); tf.dataDir != "" && (err != nil || !st.IsDir()) {
		return fmt.Errorf("-data %s: no such directory (want one holding %s)", tf.dataDir, formatFiles(d.format))
	}
	cfg.DataFormat, cfg.Dataset = d.format, train.CustomDataset
	if d.format == "csv" {
		cfg.LabelColumn = d.labelColumn
	}
	return nil
}

func formatFiles(format string) string {
	if format == "csv" {
		return train.TrainCSVFile + " and " + train.TestCSVFile
	}
	return strings.Join([]string{train.TrainXNPYFile, train.TrainYNPYFile, train.TestXNPYFile, train.TestYNPYFile}, ", ")
}
