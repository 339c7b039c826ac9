#!/bin/sh
# run.sh: time OpenBLAS cblas_sgemm on the shapes of `vecgrad bench gemm`, one
# thread and all threads, for comparison with vecgrad's table.
#
# Usage: bench/openblas/run.sh [-quick] [-reps N] [-mintime 10ms] [SHAPES]
#   SHAPES as `vecgrad bench gemm -shapes` takes them (default all): all,
#   square, train, or MxKxN[_NT|_TN|_TT], comma-separated.
# Environment: CC (default cc); OPENBLAS_CORETYPE is passed through (e.g.
# Haswell to force OpenBLAS's AVX2 kernel); OPENBLAS_NUM_THREADS and
# OMP_NUM_THREADS are unset, so that the thread pool covers every CPU and the
# program switches between 1 and all threads with openblas_set_num_threads.
#
# Without OpenBLAS (header and -lopenblas) it prints a note and exits 0. This
# directory holds no .go file on purpose: a .c file in a Go package directory
# would be compiled by cgo.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CC=${CC:-cc}
GO=${GO:-go}

opts=""
shapes=all
while [ $# -gt 0 ]; do
	case $1 in
	-quick) opts="$opts -quick" ;;
	-reps|-mintime)
		[ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
		opts="$opts $1 $2"; shift ;;
	-h|-help|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown flag $1 (accepted: -quick, -reps, -mintime)" >&2; exit 2 ;;
	*) shapes=$1 ;;
	esac
	shift
done

skip() { echo "OpenBLAS not installed (apt-get install libopenblas-dev): skipped${1:+ ($1)}"; exit 0; }

inc=""
for h in /usr/include/x86_64-linux-gnu/cblas.h /usr/include/openblas/cblas.h \
	"/usr/include/$($CC -dumpmachine 2>/dev/null || echo none)/cblas.h"; do
	if [ -f "$h" ]; then inc=$(dirname "$h"); break; fi
done
[ -n "$inc" ] || skip "no cblas.h"
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler $CC"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'char *openblas_get_config(void);\nint main(void) { return !openblas_get_config(); }\n' >"$tmp/probe.c"
"$CC" "$tmp/probe.c" -o "$tmp/probe" -lopenblas >/dev/null 2>&1 || skip "cannot link -lopenblas"

"$CC" -O2 -std=c11 -Wall -I"$inc" "$here/sgemm_bench.c" -o "$tmp/sgemm_bench" -lopenblas -lm
list=$(cd "$root" && "$GO" run ./cmd/vecgrad bench gemm -list -shapes "$shapes")
unset OPENBLAS_NUM_THREADS OMP_NUM_THREADS GOTO_NUM_THREADS
# shellcheck disable=SC2086 # opts and list are word lists
"$tmp/sgemm_bench" $opts $list
