#!/usr/bin/python3
"""Writes loss/testdata/loss_fixtures.json: PyTorch's values for package
loss's tests. Each case is one call of a torch.nn.functional loss (options,
input, target), its result, a random upstream gradient of the result's shape
and the gradients of sum(result * upstream) with respect to the input (and
the target where it requires grad).

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/lossfixtures/gen.py
The tests only read the JSON; they need no Python.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261205)
torch.set_num_threads(1)
DT = torch.float32


def num(v):
    """A JSON number with float32's 9 significant digits, or "nan", "inf", "-inf"."""
    v = float(v)
    if math.isfinite(v):
        return float("%.9g" % v)
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def enc(t):
    t = t.detach().to(DT).contiguous()
    return {"shape": list(t.shape), "data": [num(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, loss, opts, x, t, tgrad=False):
    """opts: reduction, weight, ignore_index, label_smoothing, log_target as
    torch takes them; the Go test maps them onto the options structs."""
    xi = x.clone().requires_grad_(True)
    ti = t.clone().requires_grad_(tgrad)
    kw = dict(opts)
    if loss == "cross_entropy":
        out = F.cross_entropy(xi, ti.long() if not t.is_floating_point() else ti, **kw)
    elif loss == "nll":
        out = F.nll_loss(xi, ti.long(), **kw)
    elif loss == "mse":
        out = F.mse_loss(xi, ti, **kw)
    elif loss == "l1":
        out = F.l1_loss(xi, ti, **kw)
    elif loss == "kl_div":
        out = F.kl_div(xi, ti, **kw)
    up = torch.rand(out.shape, dtype=DT) * 2 - 1
    wrt = [xi, ti] if tgrad else [xi]
    gs = torch.autograd.grad((out * up).sum(), wrt)
    o = {k: v for k, v in opts.items() if k != "weight"}
    if "weight" in opts:
        o["weight"] = enc(opts["weight"])
    rec = {"name": name, "loss": loss, "opts": o, "input": enc(x), "target": enc(t.to(DT)),
           "out": enc(out), "upstream": enc(up), "grad_input": enc(gs[0])}
    if tgrad:
        rec["grad_target"] = enc(gs[1])
    cases.append(rec)


REDS = ["mean", "sum", "none"]


def weights(c):
    return torch.rand(c, dtype=DT) * 1.5 + 0.25


def index_targets(shape, c, mode, ignore):
    t = torch.randint(0, c, shape)
    flat = t.view(-1)
    if mode == "some":
        flat[: max(1, flat.numel() // 3)] = ignore  # the first third ignored
        t = flat[torch.randperm(flat.numel())].view(shape)
    elif mode == "all":
        t.fill_(ignore)
    return t


def ce_index_cases(tag, xshape, cs, modes, smooths, reds=REDS, scale=3.0, x=None):
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    tshape = xshape[:1] + xshape[2:] if len(xshape) > 1 else []
    for mode in modes:
        for weighted in [False, True]:
            for ls in smooths:
                for red in reds:
                    xx = x if x is not None else torch.randn(xshape, dtype=DT) * scale
                    opts = {"reduction": red, "label_smoothing": ls}
                    ignore = -100
                    if mode == "custom":  # a valid class used as the ignore index
                        ignore = 1
                        opts["ignore_index"] = 1
                        t = index_targets(tshape, c, "none", ignore)
                        t.view(-1)[:2] = 1
                    else:
                        t = index_targets(tshape, c, mode, ignore)
                    if weighted:
                        opts["weight"] = weights(c)
                    case(f"{tag}/{mode}/w{int(weighted)}/ls{ls}/{red}", "cross_entropy", opts, xx, t)


def ce_prob_cases(tag, xshape, smooths, tgrads, scale=3.0, x=None):
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    cdim = 1 if len(xshape) > 1 else 0
    for weighted in [False, True]:
        for ls in smooths:
            for tg in tgrads:
                for red in REDS:
                    xx = x if x is not None else torch.randn(xshape, dtype=DT) * scale
                    t = torch.softmax(torch.randn(xshape, dtype=DT) * 2, dim=cdim)
                    opts = {"reduction": red, "label_smoothing": ls}
                    if weighted:
                        opts["weight"] = weights(c)
                    case(f"{tag}/w{int(weighted)}/ls{ls}/tg{int(tg)}/{red}", "cross_entropy", opts, xx, t, tgrad=tg)


def extreme(shape):
    """Logits of ±1e4, 0 and small values: no overflow, no NaN."""
    choices = torch.tensor([1e4, -1e4, 0.0, 1.5, -2.0], dtype=DT)
    return choices[torch.randint(0, 5, shape)]


# --- CrossEntropy with class indices -------------------------------------------
ce_index_cases("ce/2d", [6, 5], None, ["none", "some", "custom", "all"], [0.0, 0.1, 1.0])
ce_index_cases("ce/unbatched", [5], None, ["none", "all"], [0.0, 0.1])
ce_index_cases("ce/kdim", [3, 4, 2, 3], None, ["some"], [0.0, 0.1])
ce_index_cases("ce/extreme", [4, 5], None, ["none", "some"], [0.0, 0.1, 1.0], x=extreme([4, 5]))
ce_index_cases("ce/wide", [64, 10], None, ["some"], [0.1], reds=["mean", "none"])

# --- CrossEntropy with class probabilities -------------------------------------
ce_prob_cases("ceprob/2d", [6, 5], [0.0, 0.1, 1.0], [False, True])
ce_prob_cases("ceprob/unbatched", [5], [0.0, 0.1], [False])
ce_prob_cases("ceprob/kdim", [3, 4, 2, 3], [0.0, 0.1], [False, True])
ce_prob_cases("ceprob/extreme", [4, 5], [0.0, 0.1], [False], x=extreme([4, 5]))

# --- NLL ---------------------------------------------------------------------------
for tag, xshape in [("nll/2d", [6, 5]), ("nll/unbatched", [5]), ("nll/kdim", [3, 4, 2, 3])]:
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    tshape = xshape[:1] + xshape[2:] if len(xshape) > 1 else []
    modes = ["none", "some", "custom", "all"] if tag == "nll/2d" else ["none", "all"]
    for mode in modes:
        for weighted in [False, True]:
            for red in REDS:
                x = torch.log_softmax(torch.randn(xshape, dtype=DT) * 2, dim=1 if len(xshape) > 1 else 0)
                opts = {"reduction": red}
                if mode == "custom":
                    opts["ignore_index"] = 2
                    t = index_targets(tshape, c, "none", -100)
                    t.view(-1)[:2] = 2
                else:
                    t = index_targets(tshape, c, mode, -100)
                if weighted:
                    opts["weight"] = weights(c)
                case(f"{tag}/{mode}/w{int(weighted)}/{red}", "nll", opts, x, t)

# --- MSE and L1 ----------------------------------------------------------------
for loss in ["mse", "l1"]:
    for shape in [[4, 5], [2, 3, 4], []]:
        for red in REDS:
            x, t = torch.randn(shape, dtype=DT), torch.randn(shape, dtype=DT)
            case(f"{loss}/{shape}/{red}", loss, {"reduction": red}, x, t, tgrad=True)

# --- KLDiv ---------------------------------------------------------------------
for shape in [[4, 5], [2, 3, 4]]:
    for log_target in [False, True]:
        for red in ["mean", "sum", "none", "batchmean"]:
            x = torch.log_softmax(torch.randn(shape, dtype=DT), dim=-1)
            t = torch.softmax(torch.randn(shape, dtype=DT) * 2, dim=-1)
            if log_target:
                t = t.log()
            else:
                t.view(-1)[::7] = 0  # zeros: xlogy(0, 0) = 0
            case(f"kl/{shape}/log{int(log_target)}/{red}", "kl_div",
                 {"reduction": red, "log_target": log_target}, x, t, tgrad=True)

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "loss", "testdata", "loss_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.relpath(path)}")
