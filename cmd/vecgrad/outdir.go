package main

import (
	"errors"
	"fmt"
	"os"
)

// checkOutDir makes sure that dir exists (creating it and its parents) and
// that a file can be created in it, by creating and removing a probe file:
// a run whose outputs cannot be written fails here, in a second, instead of
// after its first epoch. The probe's name starts with a dot, like the
// temporaries of internal/atomicfile, and it is removed before returning.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: cannot create the directory (%v); want a writable directory, or a path where one can be created", dir, err)
	}
	f, err := os.CreateTemp(dir, ".vecgrad-probe-*")
	if err != nil {
		return fmt.Errorf("-out %s: cannot create a file in it (%v); want a writable directory", dir, unwrapPath(err))
	}
	name := f.Name()
	cerr := f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("-out %s: cannot remove the probe file %s (%v); want a writable directory", dir, name, unwrapPath(err))
	}
	if cerr != nil {
		return fmt.Errorf("-out %s: writing the probe file failed (%v); want a writable directory", dir, unwrapPath(cerr))
	}
	return nil
}

// unwrapPath drops the path of an *os.PathError, which the caller's message
// already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
