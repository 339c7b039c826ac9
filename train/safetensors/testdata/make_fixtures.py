#!/usr/bin/env python3
"""Writes the reference fixtures in this directory.

With the reference implementation installed (pip install safetensors numpy)
the files come from safetensors.numpy.save_file. Without it, they are written
byte for byte the way the reference writer lays them out (safetensors
tensor.rs, serialize): compact JSON, "__metadata__" first, tensors sorted by
dtype alignment then name, offsets in that order, header padded with spaces
to a multiple of 8. The committed files were made by the fallback path,
because the reference package was not installable where they were made; the
two paths produce identical bytes for these inputs.

Run from this directory: python3 make_fixtures.py
"""
import json
import struct

NAN = struct.unpack("<f", struct.pack("<I", 0x7FC00000))[0]

# name -> (dtype, shape, values)
F32_TENSORS = {
    "a": ("F32", [2, 3], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
    "b": ("F32", [], [3.5]),
    "c": ("F32", [0], []),
    "d": ("F32", [3], [-0.0, NAN, float("inf")]),
}
F32_METADATA = {"format": "np"}
F64_TENSORS = {"x": ("F64", [2], [1.0, 2.0])}

PACK = {"F32": "<f", "F64": "<d"}


def by_hand(tensors, metadata, path):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    data = b""
    for name in sorted(tensors):  # one dtype per file: name order
        dtype, shape, values = tensors[name]
        raw = b"".join(struct.pack(PACK[dtype], v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def with_reference(tensors, metadata, path):
    import numpy as np
    from safetensors.numpy import save_file
    dt = {"F32": np.float32, "F64": np.float64}
    arrays = {n: np.array(v, dtype=dt[d]).reshape(s) for n, (d, s, v) in tensors.items()}
    save_file(arrays, path, metadata=metadata or None)


def main():
    try:
        import safetensors.numpy  # noqa: F401
        write = with_reference
    except ImportError:
        write = by_hand
    write(F32_TENSORS, F32_METADATA, "reference_f32.safetensors")
    write(F64_TENSORS, None, "reference_f64.safetensors")


if __name__ == "__main__":
    main()
