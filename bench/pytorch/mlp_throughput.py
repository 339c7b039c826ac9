"""Training throughput of the PyTorch tutorial's MLP: the peer for vecgrad.

README: run `bench/pytorch/run.sh [flags]` (or `/usr/bin/python3
bench/pytorch/mlp_throughput.py [flags]`; Debian's python3-torch is installed
for the system Python only). It measures training samples per second of the
optimization tutorial's model (Flatten, Linear 784-512, ReLU, Linear 512-512,
ReLU, Linear 512-10; CrossEntropyLoss; SGD lr 1e-3 momentum 0.5, or Adam
with --optimizer adam) on fixed random MNIST-shaped data, for batch sizes 16,
64 and 256, with one thread and with all threads: the best of several timed
passes after a warm-up. --json prints the same as JSON. Without an
importable torch it says so and exits 0.

One step is the tutorial's train_loop body: forward, loss, zero_grad,
backward, optimizer step, with the batch already in memory as a tensor slice
(no DataLoader, no data conversion: this times the model and the optimizer,
as vecgrad's training benchmark does). GFLOP/s counts 6 flops per
multiply-add of the forward pass per sample (forward, and backward for the
inputs and the weights): 6 * 668,672 = 4.01 MFLOP per sample for the
tutorial's MLP (--widths picks another).
"""

import argparse
import json
import os
import platform
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Training throughput (samples/s) of the PyTorch tutorial's MLP 784-512-512-10.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd",
                   help="sgd: lr 1e-3 momentum 0.5 (the tutorial's); adam: lr 1e-3")
    p.add_argument("--batch-sizes", default="16,64,256", help="comma-separated batch sizes")
    p.add_argument("--widths", default="784,512,512,10",
                   help="the MLP's layer widths, input first (784,2048,2048,10: vecgrad bench train's wide MLP)")
    p.add_argument("--threads", default="1,all",
                   help="comma-separated thread counts; 'all' is every CPU this process may use")
    p.add_argument("--samples", type=int, default=4096,
                   help="samples per timed pass (rounded down to whole batches)")
    p.add_argument("--passes", type=int, default=3, help="timed passes; the best is reported")
    p.add_argument("--warmup", type=int, default=1, help="untimed passes first")
    p.add_argument("--quick", action="store_true", help="--samples 1024 --passes 2")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    a = p.parse_args(argv)
    if a.quick:
        a.samples, a.passes = 1024, 2
    try:
        a.batch_sizes = [int(b) for b in a.batch_sizes.split(",")]
    except ValueError:
        p.error(f"--batch-sizes {a.batch_sizes!r}: want comma-separated positive integers")
    try:
        a.widths = [int(w) for w in a.widths.split(",")]
    except ValueError:
        p.error(f"--widths {a.widths!r}: want comma-separated positive integers")
    if len(a.widths) < 2 or any(w <= 0 for w in a.widths):
        p.error(f"--widths {a.widths}: want at least two positive widths")
    if any(b <= 0 for b in a.batch_sizes):
        p.error(f"--batch-sizes {a.batch_sizes}: want positive integers")
    all_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = []
    for t in a.threads.split(","):
        if t == "all":
            threads.append(all_cpus)
        elif t.isdigit() and int(t) > 0:
            threads.append(int(t))
        else:
            p.error(f"--threads: {t!r} is not a positive integer or 'all'")
    a.threads = list(dict.fromkeys(threads))  # 'all' may equal 1
    a.all_cpus = all_cpus
    if a.passes <= 0 or a.warmup < 0 or a.samples < max(a.batch_sizes):
        p.error(f"want --passes > 0, --warmup >= 0 and --samples >= the largest batch ({max(a.batch_sizes)})")
    return a


def main(argv):
    a = parse_args(argv)
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"PyTorch not importable by {sys.executable} ({e}): skipped "
              "(apt-get install python3-torch, then run with /usr/bin/python3)")
        return 0

    def model_and_optimizer():
        torch.manual_seed(0)
        layers = [nn.Flatten()]
        for i in range(len(a.widths) - 1):
            if i > 0:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(a.widths[i], a.widths[i + 1]))
        model = nn.Sequential(*layers)
        if a.optimizer == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.5)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        return model, opt

    gen = torch.Generator().manual_seed(1)
    n = a.samples
    images = torch.rand(n, a.widths[0], generator=gen)  # like ToTensor(): [0, 1)
    labels = torch.randint(0, a.widths[-1], (n,), generator=gen)
    flop_per_sample = 6 * sum(a.widths[i] * a.widths[i + 1] for i in range(len(a.widths) - 1))
    loss_fn = nn.CrossEntropyLoss()

    def run_pass(model, opt, bs):
        steps = n // bs
        t0 = time.perf_counter()
        for i in range(steps):
            x = images[i * bs:(i + 1) * bs]
            y = labels[i * bs:(i + 1) * bs]
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        last = loss.item()  # the tutorial reads the loss every 100 batches
        return steps * bs, time.perf_counter() - t0, last

    results = []
    for threads in a.threads:
        torch.set_num_threads(threads)
        blas = set_blas_threads(threads)
        for bs in a.batch_sizes:
            model, opt = model_and_optimizer()
            for _ in range(a.warmup):
                run_pass(model, opt, bs)
            best = 0.0
            for _ in range(a.passes):
                samples, secs, last = run_pass(model, opt, bs)
                best = max(best, samples / secs)
            if last != last:  # NaN would mean a broken step, not a slow one
                print(f"warning: loss became NaN at batch {bs}", file=sys.stderr)
            results.append({
                "batch": bs,
                "threads": threads,
                "samples_per_s": round(best, 1),
                "gflops": round(best * flop_per_sample / 1e9, 2),
            })

    info = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "optimizer": "SGD lr 1e-3 momentum 0.5" if a.optimizer == "sgd" else "Adam lr 1e-3",
        "cpus": a.all_cpus,
        "samples_per_pass": n,
        "passes": a.passes,
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "blas_threads": blas,
        "widths": a.widths,
        "flop_per_sample": flop_per_sample,
        "results": results,
    }
    if a.json:
        json.dump(info, sys.stdout, indent=1)
        print()
        return 0

    print(f"PyTorch {info['torch']} (Python {info['python']}), MLP {'-'.join(map(str, a.widths))}, {info['optimizer']}, "
          f"random MNIST-shaped data; best of {a.passes} passes of {n} samples; BLAS threads: {blas}")
    one = {r["batch"]: r["samples_per_s"] for r in results if r["threads"] == 1}
    print(f"{'batch':>5}  {'threads':>7}  {'samples/s':>10}  {'GFLOP/s':>8}  vs 1 thread")
    for r in results:
        ratio = f"{r['samples_per_s'] / one[r['batch']]:.2f}x" if r["batch"] in one else "-"
        print(f"{r['batch']:>5}  {r['threads']:>7}  {r['samples_per_s']:>10.0f}  {r['gflops']:>8.1f}  {ratio}")
    return 0


def set_blas_threads(n):
    """Sets the thread count of the BLAS torch calls, where it has its own.

    Debian's torch does its matrix products in the system BLAS
    (libblas.so.3, an alternative: OpenBLAS where libopenblas0 is installed,
    else the reference BLAS). OpenBLAS's pthread build keeps its own thread
    pool, sized by OPENBLAS_NUM_THREADS at load, which torch.set_num_threads
    does not touch: without this, the "one thread" rows ran the products on
    every core (on a 2-vCPU Zen 4, batch 256 at 40-43k samples/s, above one
    core's FMA roof, against 24k with one BLAS thread). Returns how the
    count was set, for the report.
    """
    import ctypes
    for name in ("libblas.so.3", "libopenblas.so.0", "libopenblas.so"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        fn = getattr(lib, "openblas_set_num_threads", None)
        if fn is not None:
            fn(int(n))
            return f"openblas_set_num_threads in {name}"
    return "not set (no OpenBLAS found: its own setting, or torch's)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
