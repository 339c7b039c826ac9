#!/usr/bin/python3
"""Writes tensor/testdata/torch_fixtures.json: PyTorch's values for package
tensor's tests (broadcast shapes, every op's forward and the gradients of
sum(out * upstream) with respect to each input, printing, arange).

Run from the repository root with Debian's python3 (apt-get install
python3-torch):   /usr/bin/python3 tools/torchfixtures/gen.py
The tests only read the JSON; they need no Python.
"""
import json
import math
import os
import sys

import torch

torch.manual_seed(20261201)
torch.set_num_threads(1)
F = torch.float32


def randn(*shape):
    return torch.randn(tuple(shape), dtype=F)


def away(*shape):
    """Normal values kept at least 0.1 from 0 (for relu, abs, min/max kinks)."""
    x = randn(*shape)
    return torch.sign(x) * (x.abs() + 0.1)


def positive(*shape):
    return randn(*shape).abs() + 0.5


def num(v):
    """A JSON number, or "nan", "inf", "-inf" (JSON has no non-finite numbers)."""
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def enc(t):
    t = t.detach().to(F).contiguous()
    return {"shape": list(t.shape), "data": [num(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, op, inputs, fn, args=None, grad=True, prep=None):
    """prep names how the Go test transforms input 0 before the op:
    "t" = transpose(0, 1) of a 2-D input (a non-contiguous operand)."""
    ins = [x.clone().requires_grad_(grad) for x in inputs]
    used = list(ins)
    if prep == "t":
        used[0] = used[0].t()
    out = fn(*used)
    rec = {"name": name, "op": op, "args": args or {}, "inputs": [enc(x) for x in inputs], "out": enc(out)}
    if prep:
        rec["prep"] = prep
    if grad and out.dtype.is_floating_point:
        up = torch.rand(out.shape, dtype=F) * 2 - 1
        gs = torch.autograd.grad((out * up).sum(), ins, allow_unused=True)
        rec["upstream"] = enc(up)
        rec["grads"] = [enc(g if g is not None else torch.zeros_like(x)) for g, x in zip(gs, ins)]
    cases.append(rec)


# --- broadcasting ------------------------------------------------------------
broadcast = []
for a, b in [([5, 1, 4, 1], [3, 1, 1]), ([5, 7, 3], [5, 7, 3]), ([4, 3, 2], [4, 3]), ([4, 3, 2], [2, 3]),
             ([4, 3, 2], [0]), ([5, 2, 4, 1], [3, 1, 1]), ([], [2, 3]), ([0], [1]), ([0, 3], [1, 3]),
             ([2, 0], [2, 1]), ([1], [0]), ([3, 0], [3, 2]), ([], []), ([1, 1], [4]), ([8, 1, 6, 1], [7, 1, 5])]:
    rec = {"a": a, "b": b}
    try:
        rec["result"] = list((torch.empty(a) + torch.empty(b)).shape)
    except RuntimeError as e:
        rec["error"] = str(e)
    broadcast.append(rec)

# --- binary ops ----------------------------------------------------------------
binops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
          "maximum": torch.maximum, "minimum": torch.minimum}
shapes = [("same", [3, 4], [3, 4]), ("row", [3, 4], [4]), ("col", [3, 4], [3, 1]), ("scalar", [3, 4], []),
          ("left_row", [4], [3, 4]), ("left_col", [3, 1], [3, 4]), ("doc", [5, 1, 4, 1], [3, 1, 1]),
          ("mid", [2, 3, 4], [2, 1, 4]), ("outer", [3, 1], [1, 4])]
for opname, fn in binops.items():
    for sname, sa, sb in shapes:
        a = away(*sa)
        b = positive(*sb) if opname == "div" else away(*sb)
        case(f"{opname}_{sname}", opname, [a, b], fn)
    a, b = away(4, 3), away(3, 4)
    if opname == "div":
        b = positive(3, 4)
    case(f"{opname}_transposed", opname, [a, b], fn, prep="t")
# ties for maximum/minimum: gradient split evenly
a = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
b = torch.tensor([[1., 0., 3.], [5., 5., 0.]])
case("maximum_ties", "maximum", [a, b], torch.maximum)
case("minimum_ties", "minimum", [a, b], torch.minimum)

for opname in ["eq", "ne", "lt", "le", "gt", "ge"]:
    a = torch.round(randn(3, 4))
    b = torch.round(randn(4))
    case(f"{opname}_row", opname, [a, b], getattr(torch, opname), grad=False)

# --- scalar ops ----------------------------------------------------------------
for opname, fn in [("add_scalar", lambda x: x + 1.5), ("sub_scalar", lambda x: x - 1.5),
                   ("rsub_scalar", lambda x: 1.5 - x), ("mul_scalar", lambda x: x * 1.5),
                   ("div_scalar", lambda x: x / 1.5)]:
    case(opname, opname, [randn(3, 4)], fn, {"s": 1.5})

# --- unary ops ------------------------------------------------------------------
unary = {"neg": (torch.neg, randn), "exp": (torch.exp, randn), "log": (torch.log, positive),
         "sqrt": (torch.sqrt, positive), "relu": (torch.relu, away), "sigmoid": (torch.sigmoid, randn),
         "tanh": (torch.tanh, randn), "abs": (torch.abs, away)}
for opname, (fn, gen) in unary.items():
    case(opname, opname, [gen(3, 5)], fn)
    case(opname + "_transposed", opname, [gen(5, 3)], fn, prep="t")
for p in [2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 1.7, 0.0]:
    case(f"pow_{p}", "pow", [positive(3, 4)], lambda x, p=p: torch.pow(x, p), {"p": p})

# --- reductions -----------------------------------------------------------------
x3 = lambda: randn(2, 3, 4)
case("sum_all", "sum", [x3()], lambda x: x.sum(), {"dims": []})
for dims in [[0], [1], [2], [-1], [0, 2], [1, 2]]:
    for keep in [False, True]:
        case(f"sum_{dims}_{keep}", "sum", [x3()], lambda x: x.sum(dims, keepdim=keep), {"dims": dims, "keepdim": keep})
        case(f"mean_{dims}_{keep}", "mean", [x3()], lambda x: x.mean(dims, keepdim=keep), {"dims": dims, "keepdim": keep})
        case(f"amax_{dims}_{keep}", "max", [x3()], lambda x: torch.amax(x, dims, keepdim=keep), {"dims": dims, "keepdim": keep})
        case(f"amin_{dims}_{keep}", "min", [x3()], lambda x: torch.amin(x, dims, keepdim=keep), {"dims": dims, "keepdim": keep})
        for unb in [True, False]:
            case(f"var_{dims}_{keep}_{unb}", "var", [x3()], lambda x: torch.var(x, dims, unbiased=unb, keepdim=keep),
                 {"dims": dims, "keepdim": keep, "correction": 1 if unb else 0})
case("mean_all", "mean", [x3()], lambda x: x.mean(), {"dims": []})
case("max_all", "max", [x3()], lambda x: x.max(), {"dims": []})
case("min_all", "min", [x3()], lambda x: x.min(), {"dims": []})
case("var_all", "var", [x3()], lambda x: x.var(), {"dims": [], "correction": 1})
ties = torch.tensor([[3., 1., 3.], [2., 2., 0.]])
case("amax_ties", "max", [ties], lambda x: torch.amax(x, [1]), {"dims": [1], "keepdim": False})
case("max_all_ties", "max", [ties], lambda x: x.max(), {"dims": []})
case("sum_transposed", "sum", [randn(4, 3)], lambda x: x.sum(0), {"dims": [0]}, prep="t")
case("argmax_all", "argmax", [x3()], lambda x: torch.argmax(x), {}, grad=False)
case("argmin_all", "argmin", [x3()], lambda x: torch.argmin(x), {}, grad=False)
for d in [0, 1, 2]:
    for keep in [False, True]:
        case(f"argmax_{d}_{keep}", "argmax", [x3()], lambda x: torch.argmax(x, d, keepdim=keep), {"dim": d, "keepdim": keep}, grad=False)
        case(f"argmin_{d}_{keep}", "argmin", [x3()], lambda x: torch.argmin(x, d, keepdim=keep), {"dim": d, "keepdim": keep}, grad=False)

# --- softmax ---------------------------------------------------------------------
for d in [0, 1, 2, -1]:
    case(f"softmax_{d}", "softmax", [randn(2, 3, 4) * 3], lambda x: torch.softmax(x, d), {"dim": d})
    case(f"log_softmax_{d}", "log_softmax", [randn(2, 3, 4) * 3], lambda x: torch.log_softmax(x, d), {"dim": d})
case("log_softmax_large", "log_softmax", [torch.tensor([[1000., 0., -1000.], [50., 51., 52.]])],
     lambda x: torch.log_softmax(x, 1), {"dim": 1})
case("softmax_large", "softmax", [torch.tensor([[1000., 0., -1000.], [50., 51., 52.]])],
     lambda x: torch.softmax(x, 1), {"dim": 1})

# --- matmul ----------------------------------------------------------------------
for name, sa, sb in [("dot", [5], [5]), ("mm", [3, 4], [4, 5]), ("vm", [4], [4, 5]), ("mv", [3, 4], [4]),
                     ("bmm", [2, 3, 4], [2, 4, 5]), ("b_m", [2, 3, 4], [4, 5]), ("m_b", [3, 4], [2, 4, 5]),
                     ("bcast", [2, 1, 3, 4], [3, 4, 5]), ("bv", [2, 3, 4], [4]), ("vb", [4], [2, 4, 5]),
                     ("k1", [3, 1], [1, 5]), ("n1", [1, 4], [4, 5]), ("big", [17, 33], [33, 9])]:
    case(f"matmul_{name}", "matmul", [randn(*sa), randn(*sb)], torch.matmul)
case("matmul_transposed", "matmul", [randn(4, 3), randn(4, 5)], torch.matmul, prep="t")

# --- views -----------------------------------------------------------------------
w = lambda *s: randn(*s)
case("reshape", "reshape", [w(2, 3, 4)], lambda x: x.reshape(4, -1), {"shape": [4, -1]})
case("reshape_copy", "reshape", [w(3, 4)], lambda x: x.reshape(12), {"shape": [12]}, prep="t")
case("view", "view", [w(2, 3, 4)], lambda x: x.view(6, 4), {"shape": [6, 4]})
case("permute", "permute", [w(2, 3, 4)], lambda x: x.permute(2, 0, 1), {"dims": [2, 0, 1]})
case("transpose", "transpose", [w(2, 3, 4)], lambda x: x.transpose(0, 2), {"d0": 0, "d1": 2})
case("slice_step", "slice", [w(4, 7)], lambda x: x[:, 1:6:2], {"dim": 1, "start": 1, "end": 6, "step": 2})
case("slice_neg", "slice", [w(5, 3)], lambda x: x[-3:], {"dim": 0, "start": -3, "end": 5, "step": 1})
case("narrow", "narrow", [w(4, 6)], lambda x: x.narrow(1, 2, 3), {"dim": 1, "start": 2, "length": 3})
case("expand", "expand", [w(3, 1)], lambda x: x.expand(2, 3, 4), {"sizes": [2, 3, 4]})
case("expand_keep", "expand", [w(1, 4)], lambda x: x.expand(3, -1), {"sizes": [3, -1]})
case("squeeze_all", "squeeze", [w(1, 3, 1, 2)], lambda x: x.squeeze(), {"dims": []})
case("squeeze_dim", "squeeze", [w(1, 3, 1, 2)], lambda x: x.squeeze(2), {"dims": [2]})
case("unsqueeze", "unsqueeze", [w(3, 2)], lambda x: x.unsqueeze(1), {"dim": 1})
case("unsqueeze_end", "unsqueeze", [w(3, 2)], lambda x: x.unsqueeze(-1), {"dim": -1})
case("flatten", "flatten", [w(2, 3, 4, 5)], lambda x: x.flatten(1, 2), {"start": 1, "end": 2})
case("contiguous", "contiguous", [w(3, 4)], lambda x: x.contiguous(), {}, prep="t")

# --- einsum ----------------------------------------------------------------------
for name, eq, shapes in [("matmul", "ij,jk->ik", [[3, 4], [4, 5]]), ("trace", "ii->", [[4, 4]]),
                         ("diagonal", "ii->i", [[4, 4]]), ("outer", "i,j->ij", [[3], [4]]),
                         ("bmm", "bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]),
                         ("bilinear", "bn,anm,bm->ba", [[2, 3], [4, 3, 5], [2, 5]]),
                         ("transpose", "ij->ji", [[3, 4]]), ("sum", "ij->", [[3, 4]]),
                         ("ellipsis", "...ij,...jk->...ik", [[2, 3, 4], [4, 5]]), ("implicit", "ij,jk", [[3, 4], [4, 5]])]:
    ins = [randn(*s) for s in shapes]
    case(f"einsum_{name}", "einsum", ins, lambda *xs, eq=eq: torch.einsum(eq, *xs), {"eq": eq})

# --- empty tensors and infinities ------------------------------------------------
case("add_empty", "add", [randn(0, 3), randn(3)], torch.add)
case("sum_empty", "sum", [randn(0, 3)], lambda x: x.sum(0), {"dims": [0]})
case("mean_empty", "mean", [randn(0, 3)], lambda x: x.mean(0), {"dims": [0]}, grad=False)
case("matmul_k0", "matmul", [randn(2, 0), randn(0, 3)], torch.matmul)
inf = float("inf")
case("softmax_neg_inf", "softmax", [torch.tensor([[0., -inf, 1.], [-inf, 2., -inf]])], lambda x: torch.softmax(x, 1), {"dim": 1}, grad=False)
case("log_softmax_neg_inf", "log_softmax", [torch.tensor([[0., -inf, 1.], [-inf, 2., -inf]])], lambda x: torch.log_softmax(x, 1), {"dim": 1}, grad=False)
case("exp_inf", "exp", [torch.tensor([-inf, inf, 0., 100., -100.])], torch.exp, grad=False)
case("log_edge", "log", [torch.tensor([0., -1., inf, 1e-30])], torch.log, grad=False)

# --- printing --------------------------------------------------------------------
prints = []
for t in [torch.tensor([1., 2., 3.]), torch.tensor([[1.5, -2.25], [3.125, 4.0]]), torch.tensor(3.),
          torch.tensor(0.12345), torch.tensor([1e-5, 1.0, 100.]), torch.tensor([1e9, 1.]),
          torch.tensor([[0., float("nan")], [float("inf"), -float("inf")]]), torch.tensor([0., 0.]),
          torch.tensor([-0.5, 12345.678]), torch.arange(24, dtype=F).reshape(2, 3, 4),
          torch.arange(2000, dtype=F) / 7, torch.arange(3000, dtype=F).reshape(30, 100),
          torch.arange(40, dtype=F) * 1.25, torch.zeros(2, 0), torch.zeros(0),
          torch.randn(4, 2, 3, dtype=F), torch.tensor([1e-3, 2e-3]), torch.tensor([123456789.0, 1.0])]:
    prints.append({"shape": list(t.shape), "data": [num(v) for v in t.reshape(-1).tolist()], "str": repr(t)})

# --- arange ------------------------------------------------------------------------
aranges = []
for start, end, step in [(0, 5, 1), (1, 2.5, 0.5), (5, 0, -1.5), (0, 1, 0.1), (-3, 3, 0.7), (2, 2, 1)]:
    t = torch.arange(start, end, step, dtype=F)
    aranges.append({"start": start, "end": end, "step": step, "out": enc(t)})

doc = {"torch_version": torch.__version__, "broadcast": broadcast, "cases": cases, "print": prints, "arange": aranges}
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
path = os.path.join(root, "tensor", "testdata", "torch_fixtures.json")
with open(path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases, {len(broadcast)} broadcast, {len(prints)} print fixtures to {path}", file=sys.stderr)
