/* SPDX-License-Identifier: MIT */
/*
 * Shared by the venue fixture tests: load a fixture file (the directory
 * comes from $OSE_FIXTURES, set by meson), parse it on every SIMD path the
 * CPU has, and compare each path's result with the hand-written
 * expectation.
 */
#ifndef OSE_TESTS_ADAPTERS_FIXTURE_CHECK_H
#define OSE_TESTS_ADAPTERS_FIXTURE_CHECK_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/core/venues.h"
#include "adapters/json/json.h"

/* Expected normalised fields.  Decimal strings are canonical
 * (ose_dec_format); NULL means "the HAS flag must be clear". */
struct fx_expect {
	const char *file;
	int res;     /* enum ose_parse_res */
	int session; /* enum ose_session_kind when res == SESSION */
	unsigned n;  /* events */
	int kind, status, side, ord_type, tif;
	const char *symbol, *order_id, *client_id, *trade_id, *fee_asset, *reason;
	const char *price, *qty, *cum, *last_qty, *last_px, *fee, *avg_px;
	int64_t ts;
	uint64_t seq; /* 0: OSE_EVF_HAS_SEQ clear */
};

static inline char *fx_load(const char *rel, size_t *len)
{
	const char *dir = getenv("OSE_FIXTURES");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	cr_assert(dir, "OSE_FIXTURES not set (run through meson test)");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static inline void fx_dec(const char *what, const char *file, const struct ose_event *ev,
			  uint16_t flag, ose_dec v, const char *want)
{
	char buf[OSE_DEC_STRMAX];
	if (!want) {
		cr_expect(!(ev->flags & flag), "%s: %s flag set but not expected", file, what);
		return;
	}
	cr_expect(ev->flags & flag, "%s: %s flag clear, expected %s", file, what, want);
	ose_dec_format(v, buf);
	cr_expect_str_eq(buf, want, "%s: %s = %s, expected %s", file, what, buf, want);
}

static inline void fx_check_one(ose_adapter_parse_fn parse, enum ose_venue venue,
				const struct fx_expect *x, const char *msg, size_t len)
{
	struct ose_event ev[8];
	struct ose_parse_ctx ctx = { .account = "acct1", .venue = venue };
	struct ose_parse_out out = { .ev = ev, .cap = 8 };
	enum ose_parse_res res = parse(msg, len, 0, &ctx, &out);

	/* Error/session names are printed as numbers: the name tables live in
	 * the registry, which needs every venue linked. */
	cr_assert_eq((int)res, x->res, "%s: result %d (err %d: %s), expected %d", x->file, res,
		     (int)out.err, out.why, x->res);
	cr_assert_not_null(out.why);
	if (res == OSE_PARSE_SESSION) {
		cr_expect_eq((int)out.session, x->session, "%s: session %d", x->file, (int)out.session);
		cr_expect_eq(out.n, 0);
		return;
	}
	cr_assert_eq(out.n, x->n, "%s: %u events, expected %u", x->file, out.n, x->n);
	if (x->n == 0)
		return;
	const struct ose_event *e = &ev[0];
	cr_expect_eq(e->kind, x->kind, "%s: kind %d", x->file, e->kind);
	cr_expect_eq(e->venue, venue);
	cr_expect_str_eq(e->account, "acct1");
	cr_expect_eq(e->status, x->status, "%s: status %s", x->file, ose_status_name(e->status));
	cr_expect_eq(e->side, x->side, "%s: side %d", x->file, e->side);
	cr_expect_eq(e->ord_type, x->ord_type, "%s: ord_type %d", x->file, e->ord_type);
	cr_expect_eq(e->tif, x->tif, "%s: tif %d", x->file, e->tif);
	cr_expect_str_eq(e->symbol, x->symbol, "%s: symbol %s", x->file, e->symbol);
	cr_expect_str_eq(e->order_id, x->order_id, "%s: order_id %s", x->file, e->order_id);
	cr_expect_str_eq(e->client_id, x->client_id, "%s: client_id %s", x->file, e->client_id);
	cr_expect_str_eq(e->trade_id, x->trade_id ? x->trade_id : "", "%s: trade_id %s", x->file,
			 e->trade_id);
	cr_expect_str_eq(e->fee_asset, x->fee_asset ? x->fee_asset : "", "%s: fee_asset %s",
			 x->file, e->fee_asset);
	cr_expect_str_eq(e->reason, x->reason ? x->reason : "", "%s: reason %s", x->file,
			 e->reason);
	fx_dec("price", x->file, e, OSE_EVF_HAS_PRICE, e->price, x->price);
	fx_dec("qty", x->file, e, OSE_EVF_HAS_QTY, e->qty, x->qty);
	fx_dec("cum_qty", x->file, e, OSE_EVF_HAS_CUM_QTY, e->cum_qty, x->cum);
	fx_dec("last_qty", x->file, e, OSE_EVF_HAS_LAST, e->last_qty, x->last_qty);
	fx_dec("last_px", x->file, e, OSE_EVF_HAS_LAST_PX, e->last_px, x->last_px);
	fx_dec("fee", x->file, e, OSE_EVF_HAS_FEE, e->fee, x->fee);
	fx_dec("avg_px", x->file, e, OSE_EVF_HAS_AVG_PX, e->avg_px, x->avg_px);
	cr_expect_eq(e->exch_ts_ns, x->ts, "%s: exch_ts_ns %lld", x->file, (long long)e->exch_ts_ns);
	if (x->seq) {
		cr_expect(e->flags & OSE_EVF_HAS_SEQ);
		cr_expect_eq(e->venue_seq, x->seq);
	} else {
		cr_expect(!(e->flags & OSE_EVF_HAS_SEQ));
	}
	cr_expect_eq(e->feed_id, 0);
	cr_expect_eq(e->seq, 0);
	cr_expect_eq(e->recv_ts_ns, 0);
	/* No fixture carries the simulator's ose_ts stamp: every event of
	 * the message keeps send_ts_ns 0. */
	for (unsigned i = 0; i < out.n; i++)
		cr_expect_eq(ev[i].send_ts_ns, 0, "%s: ev%u send_ts_ns %lld", x->file, i,
			     (long long)ev[i].send_ts_ns);
}

/* Run the expectation on every SIMD path this CPU has. */
static inline void fx_check(ose_adapter_parse_fn parse, enum ose_venue venue,
			    const struct fx_expect *x)
{
	static const enum ose_json_simd levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						     OSE_JSON_SIMD_AVX2 };
	size_t len;
	char *msg = fx_load(x->file, &len);
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (ose_json_simd_force(levels[i]) != 0)
			continue;
		fx_check_one(parse, venue, x, msg, len);
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
	free(msg);
}

#define FX_MS(ms) ((int64_t)(ms) * 1000000)

#endif /* OSE_TESTS_ADAPTERS_FIXTURE_CHECK_H */
