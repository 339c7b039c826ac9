#!/usr/bin/python3
"""Writes tensor/testdata/ops_fixtures.json: PyTorch's values for the
indexing and selection operations of package tensor (cat, stack, where,
clamp, gather, index_select, masked_fill): each case's inputs, its result,
a random upstream gradient and the gradients of sum(out * upstream) with
respect to the differentiable inputs.

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/opsfixtures/gen.py
The tests only read the JSON; they need no Python.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fixturejson import F, enc, setup, write  # noqa: E402

setup(20261207)


def randn(*shape):
    return torch.randn(tuple(shape), dtype=F)


def mask(*shape):
    return (torch.rand(tuple(shape)) < 0.5).to(F)


cases = []


def case(name, op, inputs, grad, fn, args=None):
    """inputs: float32 tensors; grad[i] says whether input i is
    differentiable (masks and indices are not). fn gets the inputs with
    masks as bool and indices as int64, as torch wants them."""
    ins = [x.clone().requires_grad_(g) for x, g in zip(inputs, grad)]
    out = fn(*ins)
    up = torch.rand(out.shape, dtype=F) * 2 - 1
    diff = [x for x, g in zip(ins, grad) if g]
    gs = torch.autograd.grad((out * up).sum(), diff)
    cases.append({"name": name, "op": op, "args": args or {}, "inputs": [enc(x) for x in inputs],
                  "diff": grad, "out": enc(out), "upstream": enc(up), "grads": [enc(g) for g in gs]})


a, b, c = randn(2, 3, 4), randn(2, 1, 4), randn(2, 5, 4)
case("cat_dim1", "cat", [a, b, c], [True] * 3, lambda *t: torch.cat(t, 1), {"dim": 1})
case("cat_dim-1", "cat", [randn(3, 2), randn(3, 1)], [True, True], lambda *t: torch.cat(t, -1), {"dim": -1})
case("cat_dim0_empty", "cat", [randn(2, 3), randn(0, 3), randn(1, 3)], [True] * 3, lambda *t: torch.cat(t, 0), {"dim": 0})
case("cat_transposed", "cat_t", [randn(3, 2), randn(4, 3)], [True, True], lambda x, y: torch.cat([x.t(), y], 0), {"dim": 0})
case("stack_dim0", "stack", [randn(2, 3), randn(2, 3), randn(2, 3)], [True] * 3, lambda *t: torch.stack(t, 0), {"dim": 0})
case("stack_dim-1", "stack", [randn(4), randn(4)], [True, True], lambda *t: torch.stack(t, -1), {"dim": -1})
case("stack_dim1", "stack", [randn(2, 3), randn(2, 3)], [True, True], lambda *t: torch.stack(t, 1), {"dim": 1})

case("where_same", "where", [mask(3, 4), randn(3, 4), randn(3, 4)], [False, True, True],
     lambda m, x, y: torch.where(m.bool(), x, y))
case("where_broadcast", "where", [mask(3, 1), randn(1, 4), randn(2, 3, 4)], [False, True, True],
     lambda m, x, y: torch.where(m.bool(), x, y))
case("masked_fill", "masked_fill", [randn(3, 4), mask(3, 4)], [True, False],
     lambda x, m: x.masked_fill(m.bool(), -2.5), {"v": -2.5})
case("masked_fill_row", "masked_fill", [randn(3, 4), mask(4)], [True, False],
     lambda x, m: x.masked_fill(m.bool(), float("-inf")), {"v": "-inf"})

x = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, float("nan"), float("inf")], dtype=F)
case("clamp_bounds", "clamp", [x], [True], lambda t: torch.clamp(t, -1.0, 1.0), {"lo": -1.0, "hi": 1.0})
case("clamp_min", "clamp", [randn(3, 4)], [True], lambda t: torch.clamp(t, min=0.25), {"lo": 0.25, "hi": "inf"})
case("clamp_max", "clamp", [randn(3, 4)], [True], lambda t: torch.clamp(t, max=-0.25), {"lo": "-inf", "hi": -0.25})
case("clamp_crossed", "clamp", [randn(5)], [True], lambda t: torch.clamp(t, 1.0, -1.0), {"lo": 1.0, "hi": -1.0})


def idx(high, *shape):
    return torch.randint(0, high, tuple(shape)).to(F)


case("gather_dim1", "gather", [randn(3, 4), idx(4, 3, 6)], [True, False],
     lambda t, i: torch.gather(t, 1, i.long()), {"dim": 1})
case("gather_dim0_small", "gather", [randn(4, 5), idx(4, 2, 3)], [True, False],
     lambda t, i: torch.gather(t, 0, i.long()), {"dim": 0})
case("gather_3d", "gather", [randn(2, 3, 4), idx(3, 2, 5, 4)], [True, False],
     lambda t, i: torch.gather(t, -2, i.long()), {"dim": -2})
case("index_select_dim0", "index_select", [randn(5, 3), torch.tensor([4, 0, 4, 2], dtype=F)], [True, False],
     lambda t, i: torch.index_select(t, 0, i.long()), {"dim": 0})
case("index_select_dim1", "index_select", [randn(2, 5, 3), torch.tensor([1, 1, 3], dtype=F)], [True, False],
     lambda t, i: torch.index_select(t, 1, i.long()), {"dim": 1})
case("index_select_empty", "index_select", [randn(3, 2), torch.tensor([], dtype=F)], [True, False],
     lambda t, i: torch.index_select(t, 0, i.long()), {"dim": 0})

write(os.path.join("tensor", "testdata", "ops_fixtures.json"), {"torch_version": torch.__version__, "cases": cases})
