/*
 * sgemm_bench: OpenBLAS cblas_sgemm GFLOP/s on the shapes of vecgrad's
 * `vecgrad bench gemm`, for comparison with it. Built and run by run.sh, which
 * passes the shape names `vecgrad bench gemm -list` prints.
 *
 * Usage: sgemm_bench [-quick] [-reps N] [-mintime D] SHAPE...
 *   D as Go writes durations (10ms, 0.5s, 500us; a bare number is ms).
 *   SHAPE is MxKxN with an optional _NT, _TN or _TT suffix: C (M x N) =
 *   op(A) (M x K) * op(B) (K x N), row-major, alpha 1, beta 0 (as vecgrad's
 *   benchmark); with _TN A is stored K x M, with _NT B is stored N x K.
 *
 * Methodology (that of bench/timing.go's TimeCalls): one warm-up call, then
 * the calls per repetition are doubled until a repetition lasts about
 * -mintime; -reps rounds each time one repetition at one thread and one at
 * all threads (openblas_set_num_threads), interleaved so their ratio holds
 * under load; the best repetition of each is reported. A call longer than
 * -mintime gets fewer repetitions (at least 2 calls). Each result is checked
 * at 64 sampled entries against a float64 product before it is timed.
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* OpenBLAS extensions (declared here too in case cblas.h is another vendor's). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

typedef struct {
	int m, k, n, ta, tb;
	const char *name;
	float *a, *b, *c;
	int lda, ldb, ldc;
} shape;

static int reps = 20;
static double mintime = 0.010;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int parse_shape(const char *s, shape *sh) {
	char op[3] = "NN";
	int used = 0;
	memset(sh, 0, sizeof *sh);
	sh->name = s;
	if (sscanf(s, "%dx%dx%d%n", &sh->m, &sh->k, &sh->n, &used) != 3 || sh->m < 1 || sh->k < 1 || sh->n < 1)
		return -1;
	if (s[used] == '_') {
		if (strlen(s + used + 1) != 2)
			return -1;
		op[0] = s[used + 1], op[1] = s[used + 2];
	} else if (s[used] != 0) {
		return -1;
	}
	if ((op[0] != 'N' && op[0] != 'T') || (op[1] != 'N' && op[1] != 'T'))
		return -1;
	sh->ta = op[0] == 'T', sh->tb = op[1] == 'T';
	return 0;
}

static float *alloc_floats(size_t n) {
	void *p = NULL;
	if (posix_memalign(&p, 64, n * sizeof(float)) != 0) {
		fprintf(stderr, "sgemm_bench: out of memory (%zu floats)\n", n);
		exit(1);
	}
	return p;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static float uniform(void) { /* xorshift64*, in [-1, 1) */
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return (float)((rng * 0x2545f4914f6cdd1du) >> 40) / (float)(1 << 23) - 1.0f;
}

static void prepare(shape *s) {
	size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n;
	s->lda = s->ta ? s->m : s->k;
	s->ldb = s->tb ? s->k : s->n;
	s->ldc = s->n;
	s->a = alloc_floats(na), s->b = alloc_floats(nb), s->c = alloc_floats((size_t)s->m * s->n);
	for (size_t i = 0; i < na; i++)
		s->a[i] = uniform();
	for (size_t i = 0; i < nb; i++)
		s->b[i] = uniform();
	memset(s->c, 0, (size_t)s->m * s->n * sizeof(float));
}

static void call(const shape *s) {
	cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans,
		s->m, s->n, s->k, 1.0f, s->a, s->lda, s->b, s->ldb, 0.0f, s->c, s->ldc);
}

/* check compares C with a float64 product at 64 sampled entries (the corners
 * first), tolerance 2*K*eps32 (|a|, |b| < 1) plus a relative 1e-5. */
static int check(const shape *s) {
	double tol = 2.0 * s->k / (1 << 23);
	for (int t = 0; t < 64; t++) {
		int i = t < 4 ? (s->m - 1) * (t & 1) : (int)(((uint64_t)t * 2654435761u) % (uint64_t)s->m);
		int j = t < 4 ? (s->n - 1) * (t >> 1) : (int)(((uint64_t)t * 40503u + 7) % (uint64_t)s->n);
		double want = 0;
		for (int p = 0; p < s->k; p++) {
			double a = s->ta ? s->a[(size_t)p * s->lda + i] : s->a[(size_t)i * s->lda + p];
			double b = s->tb ? s->b[(size_t)j * s->ldb + p] : s->b[(size_t)p * s->ldb + j];
			want += a * b;
		}
		double got = s->c[(size_t)i * s->ldc + j], d = fabs(got - want);
		if (!(d <= tol + 1e-5 * fabs(want))) {
			fprintf(stderr, "sgemm_bench: %s: C[%d,%d] = %g, want %g (float64 reference)\n", s->name, i, j, got, want);
			return -1;
		}
	}
	return 0;
}

static double time_calls(const shape *s, long calls) {
	double t0 = now();
	for (long i = 0; i < calls; i++)
		call(s);
	return now() - t0;
}

typedef struct {
	long calls;
	int reps;
	double best; /* seconds per call */
} plan;

static plan calibrate(const shape *s) {
	plan p = {1, reps, INFINITY};
	double warm = time_calls(s, 1);
	if (warm > mintime) { /* reps*warm > the budget reps*mintime */
		int r = (int)(reps * mintime / warm);
		p.reps = r < 2 ? 2 : (r > reps ? reps : r);
		p.best = warm;
		return p;
	}
	for (;;) {
		double d = time_calls(s, p.calls);
		if (d >= mintime / 4) {
			p.calls = (long)ceil(p.calls * mintime / (d > 1e-9 ? d : 1e-9));
			return p;
		}
		p.calls *= 2;
	}
}

/* parse_duration reads 10ms, 0.5s, 500us or a bare number of milliseconds;
 * it returns seconds, or -1. */
static double parse_duration(const char *v) {
	char *end;
	double x = strtod(v, &end);
	if (end == v)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "ms"))
		return x / 1e3;
	if (!strcmp(end, "s"))
		return x;
	if (!strcmp(end, "us"))
		return x / 1e6;
	return -1;
}

int main(int argc, char **argv) {
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-quick")) {
			reps = 3, mintime = 0.005;
		} else if (!strcmp(argv[first], "-reps") && first + 1 < argc) {
			reps = atoi(argv[++first]);
		} else if (!strcmp(argv[first], "-mintime") && first + 1 < argc) {
			mintime = parse_duration(argv[++first]);
		} else {
			first = argc + 1;
		}
	}
	if (first >= argc || reps < 1 || !(mintime > 0)) {
		fprintf(stderr, "usage: sgemm_bench [-quick] [-reps N] [-mintime 10ms] MxKxN[_NT|_TN|_TT]...\n");
		return 2;
	}
	int all = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads[2] = {1, all};
	int nimpl = all > 1 ? 2 : 1;
	printf("OpenBLAS cblas_sgemm (%s; core %s), row-major, alpha 1, beta 0; best of %d x >= %.0f ms per figure\n",
		openblas_get_config(), openblas_get_corename(), reps, mintime * 1e3);
	char allcol[32];
	snprintf(allcol, sizeof allcol, "t%d GFLOP/s", all);
	printf("%-16s %-3s %12s %12s %8s\n", "shape (mxkxn)", "op", "t1 GFLOP/s", nimpl == 2 ? allcol : "-", "speedup");
	for (int i = first; i < argc; i++) {
		shape s;
		if (parse_shape(argv[i], &s) != 0) {
			fprintf(stderr, "sgemm_bench: shape %s: want MxKxN with an optional _NT, _TN or _TT suffix\n", argv[i]);
			return 2;
		}
		prepare(&s);
		plan p[2];
		for (int t = 0; t < nimpl; t++) {
			openblas_set_num_threads(nthreads[t]);
			memset(s.c, 0xff, (size_t)s.m * s.n * sizeof(float)); /* NaN: beta 0 must not read C */
			call(&s);
			if (check(&s) != 0)
				return 1;
			p[t] = calibrate(&s);
		}
		for (int r = 0; r < reps; r++) {
			for (int t = 0; t < nimpl; t++) {
				if (r < p[t].reps) {
					openblas_set_num_threads(nthreads[t]);
					double d = time_calls(&s, p[t].calls) / p[t].calls;
					if (d < p[t].best)
						p[t].best = d;
				}
			}
		}
		double flops = 2.0 * s.m * s.n * s.k, g1 = flops / p[0].best / 1e9;
		char op[3] = {s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', 0};
		if (nimpl == 2) {
			double g2 = flops / p[1].best / 1e9;
			printf("%-16s %-3s %12.2f %12.2f %7.2fx\n", s.name, op, g1, g2, g2 / g1);
		} else {
			printf("%-16s %-3s %12.2f %12s %8s\n", s.name, op, g1, "-", "-");
		}
		fflush(stdout);
		free(s.a), free(s.b), free(s.c);
	}
	return 0;
}
