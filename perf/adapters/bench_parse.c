/* SPDX-License-Identifier: MIT */
/*
 * Parse benchmarks (issue 4): ns per message for each of the json
 * author's venues over its sample set (the reference fixtures, minified
 * to one line as they arrive on the wire), and, in the same run, simdjson
 * On-Demand extracting the same fields into the same struct
 * (bench_simdjson.cpp, built when simdjson is available).
 *
 * Method: each figure is the median over ROUNDS rounds of the mean time
 * per message of one round (every sample parsed BATCH times), timed with
 * CLOCK_MONOTONIC.  parse.binance.execution_report.p50 is the median of
 * per-batch means for the Binance US executionReport alone.
 *
 * Output (DESIGN §12): BENCH <name> <value> <unit>.
 * Usage: bench_parse [fixture-dir]   (default $OSE_FIXTURES)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"
#include "perf/adapters/bench_common.h"
#include "perf/adapters/bench_util.h"

#define ROUNDS_MAX 301
#define BATCH_MAX 200
/* BENCH_QUICK=1 in the environment: a few rounds only (for running under
 * valgrind --tool=callgrind to count instructions per message). */
static int ROUNDS = ROUNDS_MAX, BATCH = BATCH_MAX;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static const char *const bn_files[] = {
	"binance/execution_report_documented.json",
	"binance/execution_report_binance_us.json",
	"binance/execution_report_trade_prevention.json",
	"binance/execution_report_pending_cancel.json",
	"binance/execution_report_trade_l_zero_partial.json",
	"binance/outbound_account_position.json",
	"binance/balance_update.json",
};
static const char *const okx_files[] = {
	"okx/orders_docs_push.json",
	"okx/orders_swap_filled.json",
	"okx/orders_ioc_partial.json",
};
static const char *const by_files[] = {
	"bybit/order_docs_option_filled.json",
	"bybit/order_filled.json",
	"bybit/order_partially_filled_rejected.json",
	"bybit/execution_docs.json",
};

struct venue_set {
	const char *name;
	enum ose_venue venue;
	ose_adapter_parse_fn parse;
	const char *const *files;
	size_t nfiles;
};

static volatile uint64_t sink;

/* Median ns per message of fn (and of fn2 if given, timed in alternate
 * rounds so both see the same machine noise) over the samples; *ratio
 * gets the median of per-round fn2/fn ratios. */
static double time_set(struct bench_sample *s, size_t n, bench_fn fn, void *arg, bench_fn fn2,
		       double *ns2, double *ratio)
{
	static double rounds[ROUNDS_MAX], rounds2[ROUNDS_MAX], ratios[ROUNDS_MAX];
	struct ose_event ev[8];

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int b = 0; b < BATCH; b++)
			for (size_t i = 0; i < n; i++)
				sink += (uint64_t)fn(arg, s[i].msg, s[i].len, ev, 8);
		rounds[r] = (now_ns() - t0) / (double)(BATCH * n);
		if (fn2) {
			t0 = now_ns();
			for (int b = 0; b < BATCH; b++)
				for (size_t i = 0; i < n; i++)
					sink += (uint64_t)fn2(NULL, s[i].msg, s[i].len, ev, 8);
			rounds2[r] = (now_ns() - t0) / (double)(BATCH * n);
			ratios[r] = rounds2[r] / rounds[r];
		}
	}
	if (fn2) {
		*ns2 = bench_median(rounds2, ROUNDS);
		*ratio = bench_median(ratios, ROUNDS);
	}
	return bench_median(rounds, ROUNDS);
}

struct ose_arg {
	ose_adapter_parse_fn parse;
	enum ose_venue venue;
};

static int run_ose(void *arg, const char *msg, size_t len, struct ose_event *ev, unsigned cap)
{
	struct ose_arg *a = arg;
	struct ose_parse_ctx ctx = { .account = "bench", .venue = a->venue };
	struct ose_parse_out out = { .ev = ev, .cap = cap };
	enum ose_parse_res r = a->parse(msg, len, 0, &ctx, &out);
	if (r == OSE_PARSE_ERROR) {
		fprintf(stderr, "bench_parse: parse error %d (%s)\n", out.err, out.why);
		exit(1);
	}
	return (int)out.n;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("OSE_FIXTURES");
	const struct venue_set sets[] = {
		{ "binance", OSE_VENUE_BINANCE, ose_binance_parse, bn_files,
		  sizeof(bn_files) / sizeof(bn_files[0]) },
		{ "okx", OSE_VENUE_OKX, ose_okx_parse, okx_files,
		  sizeof(okx_files) / sizeof(okx_files[0]) },
		{ "bybit", OSE_VENUE_BYBIT, ose_bybit_parse, by_files,
		  sizeof(by_files) / sizeof(by_files[0]) },
	};

	if (getenv("BENCH_QUICK")) {
		ROUNDS = 3;
		BATCH = 10;
	}
	if (!dir) {
		fprintf(stderr, "usage: bench_parse FIXTURE_DIR (or set OSE_FIXTURES)\n");
		return 1;
	}
	printf("# json scanner path: %s\n", ose_json_simd_name(ose_json_simd_active()));
	for (size_t v = 0; v < sizeof(sets) / sizeof(sets[0]); v++) {
		struct bench_sample s[8];
		size_t bytes = 0;
		struct ose_arg a = { sets[v].parse, sets[v].venue };
		double ose_ns, sj_ns;

		for (size_t i = 0; i < sets[v].nfiles; i++) {
			char *m = bench_load(dir, sets[v].files[i], &s[i].len);
			s[i].len = bench_minify(m, s[i].len);
			s[i].msg = m;
			bytes += s[i].len;
		}
		printf("# %s: %zu messages, %zu bytes (minified)\n", sets[v].name, sets[v].nfiles,
		       bytes);
		bench_fn sj = bench_simdjson_available() ? bench_simdjson_fn(sets[v].venue) : NULL;
		double ratio = 0;
		if (sj) {
			/* Same fields, same struct: check once that both agree. */
			for (size_t i = 0; i < sets[v].nfiles; i++) {
				struct ose_event e1[8], e2[8];
				int n1 = run_ose(&a, s[i].msg, s[i].len, e1, 8);
				int n2 = sj(NULL, s[i].msg, s[i].len, e2, 8);
				if (n1 != n2 || (n1 > 0 && memcmp(e1, e2, sizeof(e1[0]) * (size_t)n1))) {
					fprintf(stderr, "bench_parse: simdjson harness disagrees on %s\n",
						sets[v].files[i]);
					return 1;
				}
			}
		}
		ose_ns = time_set(s, sets[v].nfiles, run_ose, &a, sj, &sj_ns, &ratio);
		printf("BENCH parse.%s.ose %.1f ns/msg\n", sets[v].name, ose_ns);
		if (sj) {
			printf("BENCH parse.%s.simdjson %.1f ns/msg\n", sets[v].name, sj_ns);
			/* Median of per-round ratios (rounds alternate). */
			printf("BENCH parse.%s.speedup.ose_over_simdjson %.2f x\n", sets[v].name, ratio);
		}
		if (sets[v].venue == OSE_VENUE_BINANCE) {
			/* One executionReport (a fill, Binance US) on its own. */
			struct bench_sample one = s[1];
			static double per[ROUNDS_MAX * 4];
			size_t nper = (size_t)ROUNDS * 4;
			struct ose_event ev[8];
			for (size_t r = 0; r < nper; r++) {
				double t0 = now_ns();
				for (int b = 0; b < 50; b++)
					sink += (uint64_t)run_ose(&a, one.msg, one.len, ev, 8);
				per[r] = (now_ns() - t0) / 50.0;
			}
			printf("BENCH parse.binance.execution_report.p50 %.1f ns\n",
			       bench_median(per, nper));
			if (sj) {
				for (size_t r = 0; r < nper; r++) {
					double t0 = now_ns();
					for (int b = 0; b < 50; b++)
						sink += (uint64_t)sj(NULL, one.msg, one.len, ev, 8);
					per[r] = (now_ns() - t0) / 50.0;
				}
				printf("BENCH parse.binance.execution_report.p50.simdjson %.1f ns\n",
				       bench_median(per, nper));
			}
		}
		for (size_t i = 0; i < sets[v].nfiles; i++)
			free((void *)s[i].msg);
	}
	return 0;
}
