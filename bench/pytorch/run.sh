#!/bin/sh
# run.sh: training throughput (samples/s) of the PyTorch tutorial's MLP
# 784-512-512-10 at batch 16, 64 and 256, one thread and all threads: the
# peer figures for vecgrad's training benchmark.
#
# Usage: bench/pytorch/run.sh [--optimizer sgd|adam] [--quick] [--json] [...]
#   Flags go to mlp_throughput.py (--help lists them with their defaults).
# Environment: PYTHON, a Python with torch, tried before /usr/bin/python3
# (where Debian's python3-torch installs) and python3 on PATH.
# OMP_NUM_THREADS and MKL_NUM_THREADS are unset, so that the script's
# torch.set_num_threads picks the thread count (and, for an OpenBLAS
# system BLAS, its openblas_set_num_threads).
#
# Without a Python that imports torch it prints a note and exits 0. This
# directory holds no .go file on purpose.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

case ${1:-} in
-h|-help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

py=""
for cand in ${PYTHON:+"$PYTHON"} /usr/bin/python3 python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "PyTorch not installed for ${PYTHON:+$PYTHON, }/usr/bin/python3 or python3 (apt-get install python3-torch): skipped"
	exit 0
fi
unset OMP_NUM_THREADS MKL_NUM_THREADS
exec "$py" "$here/mlp_throughput.py" "$@"
