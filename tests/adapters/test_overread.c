/* SPDX-License-Identifier: MIT */
/*
 * Over-read: every fixture (as stored and minified to one line) is parsed
 * from the end of a page followed by a PROT_NONE page, on each SIMD path,
 * whole and truncated at every byte.  Any read past the message faults.
 * The whole message must give the same result as from a normal buffer.
 */
#include "perf/adapters/bench_util.h"
#include "tests/adapters/guard.h"

static void run(const struct fx_file *fx, const char *msg, size_t len, struct guard *g)
{
	struct ose_event ev_ref[8], ev[8];
	struct ose_parse_ctx ctx = { .account = "g" };
	struct ose_parse_out ref = { .ev = ev_ref, .cap = 8 }, out = { .ev = ev, .cap = 8 };
	enum ose_parse_res rr = fx->parse(msg, len, 0, &ctx, &ref);

	for (size_t l = 0; l < sizeof(guard_levels) / sizeof(guard_levels[0]); l++) {
		if (ose_json_simd_force(guard_levels[l]))
			continue;
		/* Whole message at the page end. */
		const char *m = guard_put(g, msg, len);
		enum ose_parse_res r = fx->parse(m, len, 0, &ctx, &out);
		cr_assert_eq(r, rr, "%s [%s]", fx->path, ose_json_simd_name(guard_levels[l]));
		cr_assert_eq(out.n, ref.n);
		cr_assert_eq(memcmp(ev, ev_ref, sizeof(ev[0]) * out.n), 0, "%s", fx->path);
		/* Every prefix at the page end. */
		for (size_t cut = 0; cut < len; cut++) {
			m = guard_put(g, msg, cut);
			r = fx->parse(m, cut, 0, &ctx, &out);
			if (r == OSE_PARSE_ERROR)
				cr_assert_eq(out.n, 0);
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

Test(overread, fixtures_at_page_end_every_path_every_prefix, .timeout = 240)
{
	struct guard g;
	guard_init(&g, 1 << 16);
	for (size_t i = 0; i < N_FX_FILES; i++) {
		size_t len;
		char *msg = fx_read(fx_files[i].path, &len);
		char *mini = malloc(len + 1);
		size_t mlen;

		cr_assert_not_null(mini);
		memcpy(mini, msg, len);
		mlen = bench_minify(mini, len);
		run(&fx_files[i], msg, len, &g);
		run(&fx_files[i], mini, mlen, &g);
		free(mini);
		free(msg);
	}
	guard_free(&g);
}

/* The guard really faults (the test above would otherwise prove nothing). */
#if defined(__SANITIZE_ADDRESS__)
#define OSE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSE_ASAN 1
#endif
#endif

#ifdef OSE_ASAN
Test(overread, guard_page_faults)
{
	/* ASan turns the fault into its own report and exit. */
	cr_skip_test("AddressSanitizer intercepts SIGSEGV");
}
#else
Test(overread, guard_page_faults, .signal = SIGSEGV)
{
	struct guard g;
	guard_init(&g, 64);
	const char *m = guard_put(&g, "x", 1);
	volatile char c = m[1];
	(void)c;
}
#endif
