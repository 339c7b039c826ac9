#!/usr/bin/python3
"""Writes train/data/testdata/npy/: .npy and .npz files saved by NumPy itself
(np.save, np.savez, np.savez_compressed) in every element type and layout
package data reads, and expected.json with each array's shape and values as
float32 (what ReadNPY must return).

Run from the repository root with Debian's python3 (apt-get install
python3-numpy):   /usr/bin/python3 tools/npyfixtures/gen.py
The tests only read the files; they need no Python.
"""
import json
import os

import numpy as np

out = os.path.join("train", "data", "testdata", "npy")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261207)
arrays = {
    "f4": rng.standard_normal((3, 4)).astype("<f4"),
    "f8_big": rng.standard_normal((2, 3, 2)).astype(">f8"),
    "u1": rng.integers(0, 256, (5, 2)).astype("u1"),
    "i8": rng.integers(-(2**20), 2**20, (4,)).astype("<i8"),
    "fortran": np.asfortranarray(rng.standard_normal((3, 5)).astype("<f4")),
    "scalar": np.array(1.25, dtype="<f4"),
}
expected = {}
for name, a in arrays.items():
    np.save(os.path.join(out, name + ".npy"), a)
    expected[name] = {"shape": list(a.shape), "data": [float(v) for v in a.astype(np.float32).reshape(-1)]}
np.savez(os.path.join(out, "pair.npz"), x=arrays["f4"], y=arrays["i8"])
np.savez_compressed(os.path.join(out, "pair_compressed.npz"), x=arrays["f4"], y=arrays["i8"])
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, separators=(",", ":"))
    f.write("\n")
print("wrote", out)
