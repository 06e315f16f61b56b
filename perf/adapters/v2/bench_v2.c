/* SPDX-License-Identifier: MIT */
/*
 * venues2 parse benchmarks: ns per message over each venue's sample set
 * (the fixtures in tests/adapters/fixtures/<venue>/, JSON minified to one
 * line as it arrives on the wire; MEXC protobuf bytes as is), and in the
 * same run the comparison that extracts the same fields into the same
 * struct:
 *   parse.gate.ose / parse.gate.simdjson          (simdjson On-Demand)
 *   parse.coinbase.ose / parse.coinbase.simdjson
 *   parse.mexc.ose / parse.mexc.protobuf_c        (protobuf-c unpack)
 * Before timing, every sample is parsed by both and the events compared
 * byte for byte; a mismatch aborts the benchmark.
 *
 * Method: each figure is the median over ROUNDS rounds of the mean time
 * per message within one round (every sample parsed BATCH times),
 * CLOCK_MONOTONIC.  The two sides of a comparison alternate round by
 * round so that machine noise hits both alike; a comment line also gives
 * the median of the per-round ratios, steadier when the load drifts.
 *
 * Usage: bench_v2 FIXTURE_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "perf/adapters/bench_util.h"
#include "perf/adapters/v2/bench_v2.h"

#define ROUNDS_MAX 301
#define BATCH_MAX 100
/* BENCH_QUICK=1 in the environment: a few rounds only (for counting
 * instructions per message under valgrind --tool=callgrind). */
static int ROUNDS = ROUNDS_MAX, BATCH = BATCH_MAX;
#define MAXS 8

struct sample {
	char *msg;
	size_t len;
};

static ose_adapter_parse_fn cur_parse;
static enum ose_venue cur_venue;
static int cur_binary;

static int run_ose(const char *msg, size_t len, struct ose_event *ev, unsigned cap)
{
	struct ose_parse_ctx ctx = { .account = V2_ACCOUNT, .venue = cur_venue };
	struct ose_parse_out out = { .ev = ev, .cap = cap };
	if (cur_parse(msg, len, cur_binary, &ctx, &out) != OSE_PARSE_EVENTS)
		return -1;
	return (int)out.n;
}

static volatile int64_t sink;

static double one_round(const struct sample *s, size_t n, v2_fn fn)
{
	struct ose_event ev[8];
	double t0 = bench_now_ns();
	for (int b = 0; b < BATCH; b++)
		for (size_t i = 0; i < n; i++)
			sink += fn(s[i].msg, s[i].len, ev, 8);
	return (bench_now_ns() - t0) / (double)(BATCH * n);
}

struct set {
	const char *name;
	enum ose_venue venue;
	ose_adapter_parse_fn parse;
	int binary;
	const char *cmp_name;
	const char *files[MAXS];
};

int main(int argc, char **argv)
{
	const struct set sets[] = {
		{ "gate", OSE_VENUE_GATE, ose_gate_parse, 0, "simdjson",
		  { "gate/spot_orders_doc.json", "gate/spot_usertrades_doc.json",
		    "gate/spot_orders_multi_gen.json", "gate/spot_orders_old_style_gen.json" } },
		{ "coinbase", OSE_VENUE_COINBASE, ose_coinbase_parse, 0, "simdjson",
		  { "coinbase/user_snapshot_docs.json", "coinbase/user_snapshot_nautilus.json",
		    "coinbase/user_snapshot_hummingbot_fixed_gen.json",
		    "coinbase/user_update_multi_gen.json" } },
		{ "mexc", OSE_VENUE_MEXC, ose_mexc_parse, 1, "protobuf_c",
		  { "mexc/orders_doc.hex", "mexc/deals_doc.hex", "mexc/orders_partial_gen.hex",
		    "mexc/orders_new_client_gen.hex", "mexc/orders_partcancel_shuffled_gen.hex" } },
	};
	static double r_ose[ROUNDS_MAX], r_cmp[ROUNDS_MAX];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_v2 FIXTURE_DIR\n");
		return 1;
	}
	if (getenv("BENCH_QUICK")) {
		ROUNDS = 3;
		BATCH = 10;
	}
	for (size_t v = 0; v < sizeof(sets) / sizeof(sets[0]); v++) {
		const struct set *st = &sets[v];
		struct sample s[MAXS];
		size_t n = 0, bytes = 0;
		const char *only = getenv("BENCH_VENUE"); /* one venue (profiling) */

		if (only && strcmp(only, st->name) != 0)
			continue;
		v2_fn cmp = st->venue == OSE_VENUE_MEXC ? v2_protobuf_c_fn() : v2_simdjson_fn(st->venue);

		for (; n < MAXS && st->files[n]; n++) {
			s[n].msg = bench_load(argv[1], st->files[n], &s[n].len);
			s[n].len = st->binary ? bench_unhex(s[n].msg, s[n].len) : bench_minify(s[n].msg, s[n].len);
			bytes += s[n].len;
		}
		cur_parse = st->parse;
		cur_venue = st->venue;
		cur_binary = st->binary;
		printf("# %s: %zu messages, %zu bytes\n", st->name, n, bytes);
		for (size_t i = 0; i < n; i++) {
			struct ose_event e1[8], e2[8];
			int n1 = run_ose(s[i].msg, s[i].len, e1, 8);
			if (n1 <= 0) {
				fprintf(stderr, "bench_v2: ose parse failed on %s\n", st->files[i]);
				return 1;
			}
			if (!cmp)
				continue;
			int n2 = cmp(s[i].msg, s[i].len, e2, 8);
			if (n1 != n2 || memcmp(e1, e2, sizeof(e1[0]) * (size_t)n1) != 0) {
				fprintf(stderr, "bench_v2: %s harness disagrees on %s (%d vs %d events)\n",
					st->cmp_name, st->files[i], n1, n2);
				return 1;
			}
		}
		for (int r = 0; r < ROUNDS; r++) {
			r_ose[r] = one_round(s, n, run_ose);
			if (cmp)
				r_cmp[r] = one_round(s, n, cmp);
		}
		if (cmp) {
			/* Per-round ratios (taken before the medians sort the
			 * arrays): adjacent rounds see the same machine load, so
			 * this is the steadier comparison on a shared box. */
			static double ratio[ROUNDS_MAX];
			for (int r = 0; r < ROUNDS; r++)
				ratio[r] = r_cmp[r] / r_ose[r];
			double q = bench_median_of(ratio, ROUNDS);
			double ose_ns = bench_median_of(r_ose, ROUNDS);
			double cmp_ns = bench_median_of(r_cmp, ROUNDS);
			printf("BENCH parse.%s.ose %.1f ns/msg\n", st->name, ose_ns);
			printf("BENCH parse.%s.%s %.1f ns/msg\n", st->name, st->cmp_name, cmp_ns);
			printf("# %s: %s/ose median of per-round ratios %.2fx (ratio of medians %.2fx)\n",
			       st->name, st->cmp_name, q, cmp_ns / ose_ns);
		} else {
			printf("BENCH parse.%s.ose %.1f ns/msg\n", st->name, bench_median_of(r_ose, ROUNDS));
			printf("# %s: comparison harness not built\n", st->name);
		}
		for (size_t i = 0; i < n; i++)
			free(s[i].msg);
	}
	return 0;
}
