#!/usr/bin/python3
"""Writes optim/testdata/optim_fixtures.json: PyTorch's trajectories for
package optim's tests.

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/optimfixtures/gen.py
The tests only read the JSON; they need no Python.

The model: two parameter tensors W [5, 7] and b [7] (35 and 7 elements, so
that the kernels' vector bodies and their tails both run) of a small smooth
loss, mean((tanh(X @ W + b) - Y)^2) on fixed X [6, 5], Y [6, 7]. Each case
records the initial parameters and, for each of 20 steps, the gradient torch
computed at that step and the parameters after optimizer.step(), so the Go
test feeds the same gradients and compares after every step (its rounding
differences do not feed back into the gradients). Scheduler cases also record
every group's learning rate after each scheduler.step() as Python's repr of
the float64 value (exact).

Every optimizer runs torch 1.13's single-tensor CPU path (foreach=False),
which the fused kernels of package kernels mirror operation by operation.
float32 values are written in numpy's shortest round-trip form.
"""
import itertools
import json
import os

import numpy as np
import torch

torch.manual_seed(20261205)
torch.set_num_threads(1)
F = torch.float32
STEPS = 20

X = torch.randn(6, 5, dtype=F)
Y = torch.rand(6, 7, dtype=F) * 1.6 - 0.8
W0 = torch.randn(5, 7, dtype=F) * 0.5
B0 = torch.randn(7, dtype=F) * 0.5


class F32:
    """A float32 list that json writes as shortest round-trip decimals."""

    def __init__(self, t):
        self.v = t.detach().to(F).reshape(-1).numpy().copy()  # not a view of t


def dumps(obj):
    def enc(o):
        if isinstance(o, F32):
            return "[" + ",".join(repr(np.float32(x)) for x in o.v) + "]"
        if isinstance(o, dict):
            return "{" + ",".join(json.dumps(k) + ":" + enc(v) for k, v in o.items()) + "}"
        if isinstance(o, (list, tuple)):
            return "[" + ",\n".join(enc(v) for v in o) + "]"
        return json.dumps(o)
    return enc(obj)


def loss_fn(w, b):
    return ((torch.tanh(X @ w + b) - Y) ** 2).mean()


def make(kind, groups):
    """groups: list of (param indices, hyper-parameter dict)."""
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    params = [w, b]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    if len(groups) == 1:
        # The constructor's arguments, which torch validates (it does not
        # check a group's own values).
        return params, cls([params[i] for i in groups[0][0]], foreach=False, **groups[0][1])
    pg = [dict(params=[params[i] for i in idx], **h) for idx, h in groups]
    if kind == "sgd":
        return params, cls(pg, lr=0.1, foreach=False)
    return params, cls(pg, foreach=False)


def run(name, kind, groups, lr_change=None, sched=None):
    try:
        params, opt = make(kind, groups)
    except ValueError as e:
        return {"name": name, "kind": kind, "groups": [{"params": i, "hyper": h} for i, h in groups],
                "error": str(e)}
    s = None
    if sched is not None:
        sname, sargs = sched
        s = getattr(torch.optim.lr_scheduler, sname)(opt, **sargs)
    rec = {"name": name, "kind": kind, "groups": [{"params": i, "hyper": h} for i, h in groups],
           "init": [F32(p) for p in params], "grads": [], "after": [], "lrs": []}
    if lr_change:
        rec["lr_change"] = lr_change
    if sched is not None:
        rec["sched"] = {"name": sname, "args": sargs}
    for step in range(STEPS):
        if lr_change and step == lr_change["step"]:
            for g, lr in zip(opt.param_groups, lr_change["lrs"]):
                g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss_fn(*params).backward()
        rec["grads"].append([F32(p.grad) for p in params])
        opt.step()
        rec["after"].append([F32(p) for p in params])
        if s is not None:
            s.step()
        rec["lrs"].append([g["lr"] for g in opt.param_groups])
    return rec


both = [0, 1]
cases = []
# SGD: every combination of its flags (the invalid Nesterov ones record
# torch's error).
for mom, damp, nest, wd, mx in itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.1], [False, True]):
    h = dict(lr=0.1, momentum=mom, dampening=damp, nesterov=nest, weight_decay=wd, maximize=mx)
    name = "sgd_m%g_d%g_n%d_wd%g_max%d" % (mom, damp, nest, wd, mx)
    cases.append(run(name, "sgd", [(both, h)]))
# Adam and AdamW: weight decay, amsgrad, maximize.
for kind in ["adam", "adamw"]:
    for wd, ams, mx in itertools.product([0.0, 0.1], [False, True], [False, True]):
        h = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd, amsgrad=ams, maximize=mx)
        cases.append(run("%s_wd%g_ams%d_max%d" % (kind, wd, ams, mx), kind, [(both, h)]))
    # Other betas and eps (and AdamW's default weight decay).
    h = dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3)
    cases.append(run("%s_betas_eps" % kind, kind, [(both, h)]))
# Two parameter groups with their own hyper-parameters.
cases.append(run("sgd_groups", "sgd", [([0], dict(lr=0.1, momentum=0.9)),
                                       ([1], dict(lr=0.03, momentum=0.5, dampening=0.5, weight_decay=0.1))]))
cases.append(run("adam_groups", "adam", [([0], dict(lr=0.01)), ([1], dict(lr=0.003, weight_decay=0.1, amsgrad=True))]))
cases.append(run("adamw_groups", "adamw", [([0], dict(lr=0.01)), ([1], dict(lr=0.02, weight_decay=0.5))]))
# A learning-rate change between steps.
cases.append(run("sgd_lr_change", "sgd", [([0], dict(lr=0.1, momentum=0.9, nesterov=True)), ([1], dict(lr=0.05))],
                 lr_change={"step": 10, "lrs": [0.02, 0.2]}))
cases.append(run("adam_lr_change", "adam", [(both, dict(lr=0.01, amsgrad=True))], lr_change={"step": 7, "lrs": [0.001]}))
cases.append(run("adamw_lr_change", "adamw", [(both, dict(lr=0.01))], lr_change={"step": 12, "lrs": [0.04]}))
# Schedulers, on two groups.
g2 = [([0], dict(lr=0.1, momentum=0.9)), ([1], dict(lr=0.05))]
for sname, sargs in [("StepLR", {"step_size": 3, "gamma": 0.5}),
                     ("ExponentialLR", {"gamma": 0.9}),
                     ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
                     ("CosineAnnealingLR", {"T_max": 20}),
                     ("LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 5}),
                     ("LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 30})]:
    cases.append(run("sgd_%s_%s" % (sname, "_".join("%s%g" % kv for kv in sargs.items())), "sgd", g2, sched=(sname, sargs)))
cases.append(run("adam_CosineAnnealingLR", "adam", [(both, dict(lr=0.01))], sched=("CosineAnnealingLR", {"T_max": 10})))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "optim", "testdata", "optim_fixtures.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write(dumps({"torch": torch.__version__, "steps": STEPS, "cases": cases}))
    f.write("\n")
print("wrote", os.path.normpath(out), len(cases), "cases")
