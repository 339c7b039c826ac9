#!/usr/bin/python3
"""Writes train/nn/testdata/layer_fixtures.json: PyTorch's values for the
layers of package train/nn (Tanh, Sigmoid, GELU, LeakyReLU, Softmax,
LogSoftmax, Embedding, LayerNorm, BatchNorm1d): each case's parameters
(random, not the initial ones, so that they matter), input, output, a random
upstream gradient, the gradients of sum(out * upstream) with respect to the
input and every parameter, and for BatchNorm1d the running statistics after
the training steps and the output in evaluation mode.

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/nnfixtures/gen.py
The tests only read the JSON; they need no Python.
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fixturejson import F, enc, setup, write  # noqa: E402

setup(20261208)
cases = []


def randn(*shape):
    return torch.randn(tuple(shape), dtype=F)


def case(name, layer, module, x, args=None, warmup=None, index_input=False):
    """warmup: inputs run through the module in training mode first (for
    BatchNorm1d's running statistics)."""
    for k, p in module.named_parameters():  # norm layers' weights near 1, the rest near 0
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, dtype=F) * 0.5 + (1.0 if k == "weight" and "norm" in layer else 0.0))
    params = {k: enc(v) for k, v in module.named_parameters()}
    buffers_before = {k: enc(v) for k, v in module.named_buffers()}
    module.train()
    for w in warmup or []:
        module(w)
    xi = x.clone() if index_input else x.clone().requires_grad_(True)
    out = module(xi.long() if index_input else xi)
    up = torch.rand(out.shape, dtype=F) * 2 - 1
    diff = ([] if index_input else [xi]) + list(module.parameters())
    gs = torch.autograd.grad((out * up).sum(), diff)
    rec = {"name": name, "layer": layer, "args": args or {}, "params": params, "buffers_before": buffers_before,
           "warmup": [enc(w) for w in warmup or []], "x": enc(x), "out": enc(out), "upstream": enc(up),
           "grads": {}, "buffers": {k: enc(v) for k, v in module.named_buffers()}}
    if not index_input:
        rec["grad_x"] = enc(gs[0])
        gs = gs[1:]
    for (k, _), g in zip(module.named_parameters(), gs):
        rec["grads"][k] = enc(g)
    if list(module.named_buffers()):
        module.eval()
        with torch.no_grad():
            rec["eval_out"] = enc(module(x))
    cases.append(rec)


x = randn(4, 6) * 2
x[0, :3] = torch.tensor([0.0, -0.0, 1e-3])
case("tanh", "tanh", nn.Tanh(), x)
case("sigmoid", "sigmoid", nn.Sigmoid(), x)
case("gelu", "gelu", nn.GELU(), x, {"approximate": "none"})
case("gelu_tanh", "gelu", nn.GELU(approximate="tanh"), randn(3, 5) * 3, {"approximate": "tanh"})
case("leaky_relu", "leaky_relu", nn.LeakyReLU(), x, {"slope": 0.01})
case("leaky_relu_0.2", "leaky_relu", nn.LeakyReLU(0.2), randn(2, 3, 4), {"slope": 0.2})
case("softmax", "softmax", nn.Softmax(dim=1), randn(3, 5), {"dim": 1})
case("log_softmax", "log_softmax", nn.LogSoftmax(dim=-1), randn(2, 3, 4), {"dim": -1})
case("log_softmax_dim0", "log_softmax", nn.LogSoftmax(dim=0), randn(3, 4), {"dim": 0})
case("embedding", "embedding", nn.Embedding(7, 3), torch.tensor([[1, 4, 1], [0, 6, 4]], dtype=F),
     {"num": 7, "dim": 3}, index_input=True)
case("layer_norm", "layer_norm", nn.LayerNorm(6), x, {"shape": [6]})
case("layer_norm_2d", "layer_norm", nn.LayerNorm([3, 4]), randn(2, 3, 4) * 3 + 1, {"shape": [3, 4]})
case("batch_norm_2d", "batch_norm", nn.BatchNorm1d(6), x, {"c": 6}, warmup=[randn(5, 6) + 2])
case("batch_norm_3d", "batch_norm", nn.BatchNorm1d(3), randn(4, 3, 5) * 2 - 1, {"c": 3}, warmup=[randn(2, 3, 5), randn(3, 3, 2) * 3])

write(os.path.join("train", "nn", "testdata", "layer_fixtures.json"), {"torch_version": torch.__version__, "cases": cases})
