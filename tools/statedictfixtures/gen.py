#!/usr/bin/python3
"""Writes the fixtures that hold vecgrad's saved names to PyTorch's:

train/state/testdata/torch_state_dicts.json
    for the model of train/state's tests, Sequential(Linear(4, 8),
    BatchNorm1d(8), ReLU(), Linear(8, 3)), the names, shapes and dtypes of
    its state_dict; for SGD, Adam and AdamW built over it as the tests build
    them, after one step, the keys and shapes of optimizer.state_dict()'s
    per-parameter state and the keys of its param_groups (in torch's order,
    less the implementation switches foreach, differentiable, capturable and
    fused, which change no number); and the keys of every scheduler's
    state_dict.

train/testdata/tutorial_state_dict.json
    the names, shapes and dtypes of the state_dict of the PyTorch
    quickstart tutorial's NeuralNetwork class, which `vecgrad train`'s
    model.safetensors must match for load_state_dict(strict=True).

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/statedictfixtures/gen.py
The tests only read the JSON; they need no Python.

    /usr/bin/python3 tools/statedictfixtures/gen.py --check OUT/model.safetensors

instead loads a model.safetensors written by `vecgrad train` into the
tutorial's class with strict=True and prints the first test logits (a
check by hand that the file is what PyTorch accepts; the safetensors Python
package is not in Debian, so the file is read with struct and json).
"""
import json
import os
import struct
import sys

import torch
from torch import nn

torch.manual_seed(20261207)
torch.set_num_threads(1)

IMPL = {"foreach", "differentiable", "capturable", "fused"}
DTYPES = {torch.float32: "F32", torch.int64: "I64"}


class NeuralNetwork(nn.Module):
    """The model of the PyTorch quickstart tutorial, verbatim."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def names(sd):
    return [{"name": k, "shape": list(v.shape), "dtype": DTYPES[v.dtype]} for k, v in sd.items()]


def optimizer_fixture(opt):
    sd = opt.state_dict()
    state = {str(i): {k: list(v.shape) for k, v in s.items()} for i, s in sd["state"].items()}
    groups = [[k for k in g if k not in IMPL] for g in sd["param_groups"]]
    return {"state": state, "param_groups": groups}


def state_fixture():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    ps = list(model.parameters())
    opts = {
        "SGD": torch.optim.SGD([{"params": ps[:2], "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
                                {"params": ps[2:], "lr": 0.1, "momentum": 0.5, "dampening": 0.3}]),
        "Adam": torch.optim.Adam([{"params": ps[:3]}, {"params": ps[3:], "amsgrad": True, "weight_decay": 0.1, "lr": 0.01}]),
        "AdamW": torch.optim.AdamW(ps, amsgrad=True, maximize=True),
    }
    out = {"model": names(model.state_dict()), "optimizers": {}, "schedulers": {}}
    for name, opt in opts.items():
        opt.zero_grad()
        model(torch.randn(6, 4)).sum().backward()
        opt.step()
        out["optimizers"][name] = optimizer_fixture(opt)
    o = opts["SGD"]
    S = torch.optim.lr_scheduler
    for s in (S.StepLR(o, 2, 0.5), S.ExponentialLR(o, 0.9), S.CosineAnnealingLR(o, 4, 1e-4), S.LinearLR(o, 0.25, 1, 5)):
        out["schedulers"][type(s).__name__] = list(s.state_dict().keys())
    return out


def write(path, v):
    with open(path, "w") as f:
        json.dump(v, f, indent=1)
        f.write("\n")


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    data = b[8 + n:]
    out = {}
    for k, e in header.items():
        if k == "__metadata__":
            continue
        assert e["dtype"] == "F32", (k, e["dtype"])
        lo, hi = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[lo:hi]), dtype=torch.float32)
        out[k] = t.reshape(e["shape"])
    return out


def check(path):
    model = NeuralNetwork()
    model.load_state_dict(read_safetensors(path), strict=True)
    model.eval()
    print("loaded", path, "into NeuralNetwork with strict=True; logits of zeros:", model(torch.zeros(1, 28, 28))[0].tolist())


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    write(os.path.join("train", "state", "testdata", "torch_state_dicts.json"), state_fixture())
    write(os.path.join("train", "testdata", "tutorial_state_dict.json"), {"model": names(NeuralNetwork().state_dict())})


if __name__ == "__main__":
    main()
