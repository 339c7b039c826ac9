package train

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/safetensors"
)

// splitID identifies one split of a data set by content: its size and the
// CRC-32C of its images (as the float32s training reads) and labels.
type splitID struct {
	Examples int    `json:"examples"`
	Images   string `json:"images_crc32c"`
	Labels   string `json:"labels_crc32c"`
}

// dataID is the identity of the data a run trains and tests on, recorded
// in its checkpoint as "data" (JSON) so that a resume on other data (a
// different directory, or files changed since) is noticed.
type dataID struct {
	Train splitID `json:"train"`
	Test  splitID `json:"test"`
}

func identify(sets Data) string {
	split := func(d data.Source) splitID {
		x, ls := data.Contents(d)
		return splitID{Examples: d.Len(),
			Images: fmt.Sprintf("%08x", safetensors.Checksum(x)),
			Labels: fmt.Sprintf("%08x", crc32.Checksum(labelBytes(ls), crc32.MakeTable(crc32.Castagnoli)))}
	}
	b, _ := json.Marshal(dataID{Train: split(sets.Train), Test: split(sets.Test)}) // fixed struct: cannot fail
	return string(b)
}

// checkDataID compares the data identity a checkpoint recorded with the
// run's. A checkpoint without one (written before it was recorded) is
// accepted with a note; a different one is an error unless changed says
// the change is intended.
func checkDataID(path string, md map[string]string, id string, changed bool) (note string, err error) {
	rec, ok := md["data"]
	switch {
	case !ok:
		return fmt.Sprintf("Note: %s does not record which data it was trained on (written before it did); the data could not be compared", path), nil
	case rec == id:
		return "", nil
	case changed:
		return fmt.Sprintf("Note: %s was trained on other data (%s); continuing on this run's (%s) as asked", path, rec, id), nil
	}
	return "", checkpointError(path, "it was trained on other data: %s, this run's is %s; resume on the same data, or say the change is intended (--data-changed)", rec, id)
}

// labelBytes is the labels as one byte each when all are below 256 (IDX
// classes, and MNIST's identity as it always was), else as two bytes each,
// little-endian (classes are below MaxClasses = 2^16).
func labelBytes(ls []int) []byte {
	wide := slices.ContainsFunc(ls, func(l int) bool { return l > 255 })
	b := make([]byte, 0, len(ls)*(1+btoi(wide)))
	for _, l := range ls {
		b = append(b, byte(l))
		if wide {
			b = append(b, byte(l>>8))
		}
	}
	return b
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
