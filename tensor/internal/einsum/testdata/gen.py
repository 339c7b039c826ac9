#!/usr/bin/env python3
"""Writes torch.json: torch.einsum outputs and gradients on small seeded
inputs, and equations torch rejects, for the Go tests of package einsum.

Run from this directory with a python3 that has torch (Debian: apt-get
install python3-torch, then /usr/bin/python3 gen.py). The inputs are drawn
in float64, rounded to float32 (the Go side computes in float32 on exactly
these values), and torch computes in float64.
"""
import json

import torch

# (equation, shapes). The torch.einsum documentation's examples first, then
# the implicit-output order (ASCII: uppercase before lowercase), labelled
# size-1 broadcasting, ellipsis broadcasting, sizes 0 and 1, scalars,
# white space and longer chains.
CASES = [
    ("ii", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("i,j->ij", [(5,), (4,)]),
    ("bij,bjk->bik", [(3, 2, 5), (3, 5, 4)]),
    ("ij->ji", [(3, 4)]),
    ("bn,anm,bm->ba", [(2, 5), (3, 5, 4), (2, 4)]),
    ("...ij->...ji", [(2, 3, 4, 5)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("b...,b...->...", [(2, 3, 4), (2, 3, 4)]),
    ("i,i", [(3,), (3,)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    # implicit output
    ("ba", [(2, 3)]),
    ("Ba,aB", [(2, 3), (3, 2)]),
    ("bA,ab", [(2, 3), (3, 2)]),
    ("aB,bA", [(2, 3), (3, 2)]),
    ("zA,Az,yB", [(2, 3), (3, 2), (2, 2)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...", [(2, 3)]),
    # labelled size-1 broadcasting
    ("i,i->i", [(3,), (1,)]),
    ("ij,jk->ik", [(2, 1), (5, 4)]),
    ("ij,ij->ij", [(1, 3), (2, 1)]),
    ("ij,ij->", [(1, 3), (2, 1)]),
    ("ijk,ijk->ik", [(2, 3, 4), (2, 1, 4)]),
    ("i,ij->j", [(1,), (4, 3)]),
    # ellipsis broadcasting
    ("...,...->...", [(2, 1), (3,)]),
    ("a...b,...->...", [(2, 3, 4, 5), (1, 4)]),
    ("...ij,...jk->...ik", [(3, 1, 2, 3), (4, 3, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij->...", [(2, 3)]),
    ("...ij->ij", [(2, 3, 2, 2)]),
    ("...i,...i->i...", [(2, 1, 3), (4, 3)]),
    # diagonals
    ("iij->j", [(2, 2, 3)]),
    ("iji->ij", [(3, 2, 3)]),
    ("ii,ii->i", [(3, 3), (3, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    # sizes 0 and 1, scalars
    ("i->", [(0,)]),
    ("ii->", [(0, 0)]),
    ("i,i", [(0,), (1,)]),
    ("ij,jk->ik", [(3, 0), (0, 4)]),
    ("ij,jk->ik", [(3, 2), (2, 0)]),
    ("ij,jk->ik", [(1, 1), (1, 1)]),
    (",ij->ij", [(), (2, 3)]),
    ("->", [()]),
    ("", [()]),
    (",->", [(), ()]),
    ("i,->", [(3,), ()]),
    # white space, chains, attention-like shapes
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ("ab,bc,cd,de,ef->af", [(2, 3), (3, 4), (4, 2), (2, 5), (5, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("bhqk,bhkd->bqhd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    ("ijk,jkl,lm->im", [(2, 3, 4), (3, 4, 5), (5, 2)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
]

# Equations torch rejects (the Go side must reject them too).
ERRORS = [
    ("i..j", [(2, 3)]),
    ("i.j", [(2, 3)]),
    ("....i", [(2, 3)]),
    ("...i...", [(2, 3)]),
    ("ij->ii", [(2, 3)]),
    ("ij->k", [(2, 3)]),
    ("ij->i->j", [(2, 3)]),
    ("ij-i", [(2, 3)]),
    ("ij>i", [(2, 3)]),
    ("i1", [(2, 3)]),
    ("ij->j.", [(2, 3)]),
    ("...ij->...ij..", [(2, 3)]),
    ("ij", [(2, 3, 4)]),
    ("...ij", [(2,)]),
    ("ij,jk", [(2, 3)]),
    ("ij", [(2, 3), (3, 4)]),
    ("ij,->ij", [(2, 3)]),
    ("ij,jk", [(2, 3), (4, 5)]),
    ("ii", [(2, 3)]),
    ("ii->i", [(3, 1)]),
    ("...ij,...jk", [(2, 3, 3, 4), (5, 4, 2)]),
    ("i,i->i", [(2,), (3,)]),
]


def rounded(shape, gen):
    x = torch.rand(shape, dtype=torch.float64, generator=gen) * 2 - 1
    return x.float().double()


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def main():
    gen = torch.Generator().manual_seed(20240601)
    cases = []
    for eq, shapes in CASES:
        xs = [rounded(s, gen).requires_grad_(True) for s in shapes]
        out = torch.einsum(eq, *xs)
        g = rounded(tuple(out.shape), gen)
        grads = torch.autograd.grad(out, xs, g, allow_unused=True)
        cases.append({
            "eq": eq,
            "shapes": [list(s) for s in shapes],
            "inputs": [flat(x.detach()) for x in xs],
            "out_shape": list(out.shape),
            "out": flat(out.detach()),
            "grad_out": flat(g),
            "grads": [flat(gr) if gr is not None else [0.0] * x.numel() for gr, x in zip(grads, xs)],
        })
    errors = []
    for eq, shapes in ERRORS:
        try:
            torch.einsum(eq, *[torch.ones(s) for s in shapes])
        except RuntimeError as e:
            errors.append({"eq": eq, "shapes": [list(s) for s in shapes], "torch": str(e).split("\n")[0]})
            continue
        raise SystemExit(f"torch accepted {eq!r} {shapes}")
    # One case per line, so that a change to the cases reads as a diff.
    with open("torch.json", "w") as f:
        f.write('{"torch": %s,\n"cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write('\n],\n"errors": [\n')
        f.write(",\n".join(json.dumps(e) for e in errors))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
