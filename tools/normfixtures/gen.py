#!/usr/bin/python3
"""Writes tensor/testdata/norm_fixtures.json: PyTorch's values for
tensor.Norm / NormDim (torch.linalg.vector_norm) and tensor.Sin / Cos, each
forward and the gradient of sum(out * upstream) with respect to the input.

Run from the repository root with Debian's python3 (python3-torch, 1.13):
    /usr/bin/python3 tools/normfixtures/gen.py
The tests (tensor/norm_test.go) only read the JSON; they need no Python.
"""
import json
import math

import torch

torch.manual_seed(20261207)
torch.set_num_threads(1)
F = torch.float32


def num(v):
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def enc(t):
    t = t.detach().to(F).contiguous()
    return {"shape": list(t.shape), "data": [num(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, op, x, fn, args):
    xi = x.clone().requires_grad_(True)
    out = fn(xi)
    up = torch.randn(out.shape, dtype=F)
    (out * up).sum().backward()
    cases.append({"name": name, "op": op, "args": args, "inputs": [enc(x)], "out": enc(out),
                  "upstream": enc(up), "grads": [enc(xi.grad)]})


def pname(p):
    return "inf" if math.isinf(p) else repr(p)


ties = torch.tensor([[3.0, -3.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 1.0, 2.0, -2.0]], dtype=F)
zeros_row = torch.tensor([[0.0, -1.5, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]], dtype=F)
for p in [1.0, 2.0, math.inf, 0.5, 1.5, 3.0, 4.5]:
    for shape, dims, keepdim in [((5,), None, False), ((3, 4), None, False), ((3, 4), [1], False),
                                 ((3, 4), [0], True), ((2, 3, 4), [0, 2], False), ((2, 3, 4), [-1], True),
                                 ((2, 3, 4), [2, 0, 1], True)]:
        x = torch.randn(shape, dtype=F) * 2
        args = {"p": pname(p), "dims": dims or [], "keepdim": keepdim}
        case("norm p=%s %s dims=%s keepdim=%s" % (pname(p), list(shape), dims, keepdim), "norm", x,
             lambda t, p=p, dims=dims, keepdim=keepdim: torch.linalg.vector_norm(t, p, dim=dims, keepdim=keepdim), args)
    case("norm p=%s ties and a zero row" % pname(p), "norm", ties,
         lambda t, p=p: torch.linalg.vector_norm(t, p, dim=[1]), {"p": pname(p), "dims": [1], "keepdim": False})
    case("norm p=%s zeros" % pname(p), "norm", zeros_row,
         lambda t, p=p: torch.linalg.vector_norm(t, p, dim=[1], keepdim=True), {"p": pname(p), "dims": [1], "keepdim": True})

for name, fn in [("sin", torch.sin), ("cos", torch.cos)]:
    x = torch.cat([torch.randn(40, dtype=F) * 3, torch.randn(20, dtype=F) * 1000,
                   torch.tensor([0.0, -0.0, 1e-30, -1e-30, math.pi / 2, -math.pi, 65536.0, 1e6, -3e7, 1e30], dtype=F)])
    case(name, name, x.reshape(5, 14), fn, {})

with open("tensor/testdata/norm_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(len(cases), "cases")
