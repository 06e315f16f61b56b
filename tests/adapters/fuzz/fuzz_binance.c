/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: ose_binance_parse (see docs/adapters.md), plus the
 * executionReport fast path against the generic parser: on every input
 * the fast path declines or gives byte for byte the generic answer
 * (abort otherwise).  Each input is also tried in compact form (its
 * whitespace outside strings dropped), since the fixture seeds are
 * pretty-printed and the fast path takes only compact messages.
 */
#include "adapters/binance/binance.h"
#include "perf/adapters/bench_util.h"
#include "tests/adapters/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fast (each form the CPU runs: ose_binance_fast_form) and generic on
 * msg[0..len) (an exact-size heap copy); every form answers alike. */
static void fuzz_fast_vs_generic(const char *data, size_t len)
{
	struct ose_event ef[4], eg[4];
	struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_BINANCE };
	struct ose_parse_out of = { .ev = ef, .cap = 4 }, og = { .ev = eg, .cap = 4 };
	char *msg = malloc(len ? len : 1);
	enum ose_parse_res rg;
	int took = -1;

	if (!msg)
		return;
	memcpy(msg, data, len);
	for (int form = OSE_BN_FAST_BASE; form <= OSE_BN_FAST_SSSE3; form++) {
		if (ose_binance_fast_form(form) != form)
			continue;
		ose_ev_out_reset(&of);
		int t = ose_binance_parse_fast(msg, len, &ctx, &of);
		if (took >= 0 && t != took)
			__builtin_trap(); /* the forms disagree */
		took = t;
		if (t) {
			rg = ose_binance_parse_generic(msg, len, 0, &ctx, &og);
			if (rg != OSE_PARSE_EVENTS || of.n != 1 || og.n != 1 || of.err != og.err ||
			    of.session != og.session || strcmp(of.why, og.why) ||
			    memcmp(&ef[0], &eg[0], sizeof(ef[0])))
				__builtin_trap(); /* the fast path is not exact */
		} else if (of.n != 0) {
			__builtin_trap();
		}
	}
	ose_binance_fast_form(OSE_BN_FAST_AUTO);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *compact;
	size_t n;

	fuzz_adapter(ose_binance_parse, data, size);
	fuzz_fast_vs_generic((const char *)data, size);
	compact = malloc(size ? size : 1);
	if (!compact)
		return 0;
	memcpy(compact, data, size);
	n = bench_minify(compact, size);
	if (n != size)
		fuzz_fast_vs_generic(compact, n);
	free(compact);
	return 0;
}
