"""Shared helpers of the fixture generators under tools/ (imported by
tools/opsfixtures/gen.py and tools/nnfixtures/gen.py): the JSON encoding
that internal/fixture decodes, and the seeded, single-threaded torch setup
that makes the files reproducible."""
import json
import math
import os

import torch

F = torch.float32


def setup(seed):
    torch.manual_seed(seed)
    torch.set_num_threads(1)


def num(v):
    """A JSON number, or "nan", "inf", "-inf" (JSON has no non-finite numbers)."""
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def enc(t):
    """{"shape": [...], "data": [...]} of a tensor, as float32 in row-major order."""
    t = t.detach().to(F).contiguous()
    return {"shape": list(t.shape), "data": [num(v) for v in t.reshape(-1).tolist()]}


def write(path, obj):
    """Writes obj as compact JSON to path atomically (a temporary file renamed)."""
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)
