package train

import (
	"encoding/json"
	"fmt"
	"hash/crc32"

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
	split := func(d *data.Dataset) splitID {
		labels := make([]byte, len(d.Labels))
		for i, l := range d.Labels {
			labels[i] = byte(l) // classes are 0..9
		}
		return splitID{Examples: d.Len(),
			Images: fmt.Sprintf("%08x", safetensors.Checksum(d.Images)),
			Labels: fmt.Sprintf("%08x", crc32.Checksum(labels, crc32.MakeTable(crc32.Castagnoli)))}
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
