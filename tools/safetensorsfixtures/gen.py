#!/usr/bin/python3
"""Writes train/safetensors/testdata/torch_dtypes.safetensors: tensors of
dtype F64, F16 and BF16 made by PyTorch, each beside torch's own float32
conversion of it (.float()), so that the Go tests check the reader's
conversions against PyTorch's, bit for bit, with no Python.

For every dtype D the file holds "x.D" (the tensor in dtype D) and
"x.D.float" (x.D.float(), dtype F32). The values are random normals at
several scales plus the hard cases: zeros of both signs, infinities, NaN,
subnormals of the source dtype and of float32, the largest finite values,
and for F64 the ties of rounding to float32 (which go to even). F64
values beyond float32's range are left out: torch makes them infinite, the
reader refuses them (a Go test checks that).

The safetensors Python package is not in Debian, so the file is written by
hand in the reference writer's layout (compact JSON header padded with
spaces to a multiple of 8, tensors ordered by alignment then name); the
format is simple enough that this is a few lines (see the package doc of
train/safetensors).

Run from the repository root:   /usr/bin/python3 tools/safetensorsfixtures/gen.py
"""
import json
import struct

import torch

torch.manual_seed(20261207)
torch.set_num_threads(1)

DTYPES = {"F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def values(dtype):
    x = torch.cat([torch.randn(40, dtype=torch.float64) * s for s in (1e-3, 1.0, 1e3)])
    fi = torch.finfo(dtype)
    special = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), fi.tiny, fi.tiny / 4, -fi.tiny / 2]
    if dtype != torch.float64:
        # float64's largest values are beyond float32's range, which the
        # reader refuses (tested in Go): only the half types have theirs here.
        special += [fi.max, -fi.max]
    else:
        f32 = torch.finfo(torch.float32)
        special += [
            1 + 2**-24,  # a tie: rounds down to 1 (even)
            1 + 3 * 2**-24,  # a tie: rounds up to 1 + 2^-22 (even)
            1 + 2**-24 + 2**-52,  # just above a tie: rounds up
            2**-150,  # half the smallest float32 subnormal: a tie, to 0
            3 * 2**-150,  # a tie between subnormals: to 2^-148 (even)
            f32.tiny * (1 - 2**-30),  # just below float32's smallest normal
            f32.max,  # float32's largest finite value, exactly
            f32.max * (1 + 2**-25),  # below max + half an ulp: rounds to max
            1e-50,  # below float32's range: rounds to 0
        ]
    return torch.cat([x, torch.tensor(special, dtype=torch.float64)]).to(dtype)


def raw(t):
    """The little-endian bytes of t (this machine is little-endian; checked)."""
    assert struct.pack("=H", 1) == b"\x01\x00"
    # bfloat16 has no numpy dtype: go through its bits as int16.
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def main():
    tensors = {}
    for name, dtype in DTYPES.items():
        x = values(dtype)
        tensors["x." + name] = (name, x)
        tensors["x." + name + ".float"] = ("F32", x.float())
    size = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}
    header, data = {}, b""
    for n in sorted(tensors, key=lambda n: (-size[tensors[n][0]], n)):
        dt, t = tensors[n]
        b = raw(t.contiguous())
        header[n] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open("train/safetensors/testdata/torch_dtypes.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


if __name__ == "__main__":
    main()
