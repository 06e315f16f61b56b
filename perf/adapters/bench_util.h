/* SPDX-License-Identifier: MIT */
/*
 * Helpers every adapter parse benchmark needs, in one place: load a
 * fixture with simdjson's padding, turn it into its wire form (compact
 * JSON, or the bytes of a hex dump), a monotonic clock and a median.
 * Header-only (static inline) so any benchmark or test can include it
 * without a build change; perf/adapters/bench_parse.c,
 * perf/adapters/v2/bench_v2.c, tests/adapters/v2/test_plain.c and
 * tests/adapters/test_prepare.c use it.
 * Benchmark and test code only: bench_load prints and exits on a missing
 * fixture.
 */
#ifndef OSE_PERF_ADAPTERS_BENCH_UTIL_H
#define OSE_PERF_ADAPTERS_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Spare zero bytes after every loaded fixture: >= SIMDJSON_PADDING (64),
 * so the simdjson harnesses need no copy.  The ose parsers never read
 * them (no padding contract). */
#define BENCH_PAD 128

/* dir/rel into a calloc'd buffer with BENCH_PAD zero bytes after it;
 * *len = file size.  Exits with a message if the file cannot be read.
 * The caller frees the buffer. */
static inline char *bench_load(const char *dir, const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench: cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + BENCH_PAD);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Drop whitespace outside strings in place (the wire form is one compact
 * line); the freed tail is zeroed.  Returns the new length. */
static inline size_t bench_minify(char *s, size_t len)
{
	size_t o = 0;
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			s[o++] = c;
			if (c == '\\' && i + 1 < len)
				s[o++] = s[++i];
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
			s[o++] = c;
		} else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			s[o++] = c;
		}
	}
	memset(s + o, 0, len - o);
	return o;
}

/* Decode lower-case hex text in place (other bytes ignored); the freed
 * tail is zeroed.  Returns the number of bytes. */
static inline size_t bench_unhex(char *s, size_t len)
{
	size_t o = 0;
	int hi = -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			s[o++] = (char)(hi << 4 | v);
			hi = -1;
		}
	}
	memset(s + o, 0, len - o);
	return o;
}

/* CLOCK_MONOTONIC in ns. */
static inline double bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static inline double bench_median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_d);
	return v[n / 2];
}

#endif
