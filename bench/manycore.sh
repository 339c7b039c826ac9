#!/bin/sh
# manycore.sh: the training step's thread-scaling curve on a many-core
# machine: `vecgrad cpu` (caches and FMA roofs), then `vecgrad bench train`
# at 1, 2, 4, 8, 16, ... threads (the powers of two up to the machine's
# CPUs, and the CPU count itself), the tutorial and wide MLPs at batch 16,
# 64 and 256, with PyTorch at the same thread counts where a Python
# imports torch ($PYTHON first; see vecgrad bench train -h).
#
# Usage: bench/manycore.sh [vecgrad binary [bench train flags...]]
#   Run from the repository root (bench train finds bench/pytorch there).
#   Without a binary (or with "") it builds one with go, or runs ./vecgrad;
#   flags after it go to bench train after the script's own (e.g. --quick,
#   --pytorch=false, --models wide).
#   With OUT set (a folder), the output is also written to $OUT/manycore.txt.
#
# For a machine without Go, build a static binary first and take it along:
#   CGO_ENABLED=0 go build -o .device/vecgrad ./cmd/vecgrad
#   sh bench/manycore.sh .device/vecgrad
# On 16 cores it takes about 5 minutes, most of them PyTorch's.
set -eu

bin=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$bin" ]; then
	if command -v go >/dev/null 2>&1; then
		bin=$(mktemp -d)/vecgrad
		CGO_ENABLED=0 go build -o "$bin" ./cmd/vecgrad
	else
		bin=./vecgrad
	fi
fi
if [ ! -x "$bin" ]; then
	echo "manycore.sh: no vecgrad binary at $bin (build one: CGO_ENABLED=0 go build -o $bin ./cmd/vecgrad)" >&2
	exit 2
fi

cpus=$(getconf _NPROCESSORS_ONLN)
threads=""
t=1
while [ "$t" -lt "$cpus" ]; do
	threads="$threads$t,"
	t=$((t * 2))
done
threads="$threads$cpus"

run() {
	"$bin" cpu
	echo
	"$bin" bench train --threads "$threads" --reps 3 --mintime 300ms "$@"
}
if [ -n "${OUT:-}" ]; then
	mkdir -p "$OUT"
	run "$@" 2>&1 | tee "$OUT/manycore.txt"
else
	run "$@"
fi
