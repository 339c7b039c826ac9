#!/usr/bin/python3
"""Writes optim/testdata/lbfgs_fixtures.json: torch.optim.LBFGS trajectories
for package optim's L-BFGS tests.

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/lbfgsfixtures/gen.py
The tests only read the JSON; they need no Python.

Problems (float32, fixed data written to the JSON, so the Go test builds the
same loss with package tensor and lets its autograd compute the gradient):
  rosen:   Rosenbrock sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)
  lstsq:   mean((X @ w + b - y)**2), X [8, 4], w [4, 1], b [1], y [8, 1]
  logreg:  mean(-(y*log(sigmoid(z)) + (1-y)*log(1 - sigmoid(z)))) + 0.05*sum(w**2),
           z = X @ w + b, X [12, 3], w [3, 1], b [1], y [12, 1] in {0, 1}
Each case records, after every call of step(closure): the returned loss,
the parameters, and the state's func_evals and n_iter. float32 values are
written in numpy's shortest round-trip form, losses as Python floats.
"""
import json

import numpy as np
import torch

torch.manual_seed(20261207)
torch.set_num_threads(1)
F = torch.float32

LS_X = torch.randn(8, 4, dtype=F)
LS_Y = torch.randn(8, 1, dtype=F)
LR_X = torch.randn(12, 3, dtype=F)
LR_Y = (torch.rand(12, 1) < 0.5).to(F)


def f32(t):
    return [float(repr(np.float32(x))) for x in t.detach().reshape(-1).numpy()]


def init(problem, n):
    if problem == "rosen":
        x0 = [-1.2 if i % 2 == 0 else 1.0 for i in range(n)]
        if n == 2:
            x0 = [-1.5, 2.0]
        return [torch.tensor(x0, dtype=F)]
    if problem == "lstsq":
        return [torch.full((4, 1), 0.5, dtype=F), torch.zeros(1, dtype=F)]
    return [torch.tensor([[0.3], [-0.2], [0.1]], dtype=F), torch.tensor([0.05], dtype=F)]


def loss_fn(problem, ps):
    if problem == "rosen":
        x = ps[0]
        return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    if problem == "lstsq":
        w, b = ps
        return ((LS_X @ w + b - LS_Y) ** 2).mean()
    w, b = ps
    s = torch.sigmoid(LR_X @ w + b)
    return (-(LR_Y * torch.log(s) + (1 - LR_Y) * torch.log(1 - s))).mean() + 0.05 * (w ** 2).sum()


def run(name, problem, n, steps, **opts):
    ps = [p.clone().requires_grad_(True) for p in init(problem, n)]
    opt = torch.optim.LBFGS(ps, **opts)

    def closure():
        opt.zero_grad()
        loss = loss_fn(problem, ps)
        loss.backward()
        return loss

    rec = {"name": name, "problem": problem, "n": n, "opts": opts,
           "init": [f32(p) for p in ps], "steps": []}
    for _ in range(steps):
        loss = opt.step(closure)
        st = opt.state[ps[0]]
        rec["steps"].append({"loss": float(loss), "params": [f32(p) for p in ps],
                             "func_evals": st["func_evals"], "n_iter": st["n_iter"]})
    return rec


SW = "strong_wolfe"
cases = [
    run("rosen2_sw_default", "rosen", 2, 4, line_search_fn=SW),
    run("rosen2_sw_h3_it5", "rosen", 2, 6, line_search_fn=SW, history_size=3, max_iter=5),
    run("rosen6_sw_h5_it10", "rosen", 6, 1, line_search_fn=SW, history_size=5, max_iter=10),
    run("rosen4_sw_h1_it4_eval6", "rosen", 4, 6, line_search_fn=SW, history_size=1, max_iter=4, max_eval=6),
    run("rosen2_fixed_lr0.05_it5", "rosen", 2, 5, lr=0.05, max_iter=5),
    run("rosen2_fixed_lr0.1_h2_it3", "rosen", 2, 6, lr=0.1, history_size=2, max_iter=3),
    run("lstsq_fixed_default", "lstsq", 0, 3),
    run("lstsq_fixed_h2_it4", "lstsq", 0, 4, history_size=2, max_iter=4),
    run("lstsq_fixed_lr0.5_it1", "lstsq", 0, 6, lr=0.5, max_iter=1),
    run("lstsq_sw_default", "lstsq", 0, 3, line_search_fn=SW),
    run("lstsq_sw_h2_it3", "lstsq", 0, 5, line_search_fn=SW, history_size=2, max_iter=3),
    run("lstsq_sw_tolgrad1e-2", "lstsq", 0, 3, line_search_fn=SW, tolerance_grad=1e-2),
    run("lstsq_fixed_tolchange1e-3", "lstsq", 0, 3, tolerance_change=1e-3),
    run("logreg_sw_it4", "logreg", 0, 1, line_search_fn=SW, max_iter=4),
    run("lstsq_fixed_lr1e-3_tolchange1e-3", "lstsq", 0, 2, lr=1e-3, tolerance_change=1e-3),
    run("logreg_fixed_h3_it5", "logreg", 0, 5, history_size=3, max_iter=5),
    run("logreg_sw_h2_it4_tolchange1e-4", "logreg", 0, 4, line_search_fn=SW, history_size=2, max_iter=4, tolerance_change=1e-4),
    run("logreg_fixed_tolgrad1e-3", "logreg", 0, 3, tolerance_grad=1e-3),
]

out = {"torch": torch.__version__,
       "data": {"ls_x": f32(LS_X), "ls_y": f32(LS_Y), "lr_x": f32(LR_X), "lr_y": f32(LR_Y)},
       "cases": cases}
with open("optim/testdata/lbfgs_fixtures.json", "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
