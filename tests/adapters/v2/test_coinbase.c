/* SPDX-License-Identifier: MIT */
/*
 * Coinbase adapter: the reference's samples (docs user-channel example,
 * nautilus ws_user.json verbatim, the hummingbot Python literal as given
 * - not JSON: a trailing comma - and as JSON with that comma removed),
 * constructed heartbeats/subscriptions/error frames (shapes from §6),
 * a generated multi-event update, traps 6, 7, 9, 10, 12, 17, 19, 20, and
 * malformed input.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"
#include "v2_util.h"
#include "tests/adapters/stamp_check.h"
#include "tests/adapters/dec_cases.h"

#define SEQ OSE_EVF_HAS_SEQ
#define SNAP OSE_EVF_SNAPSHOT

static const struct v2_exp_ev ev_docs[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_FILLED, .side = OSE_SIDE_BUY,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC,
	.flags = OSE_EVF_HAS_PRICE | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ | SNAP,
	.symbol = "BTC-USD", .order_id = "YYY", .client_id = "XXX",
	.price = "50000", .cum_qty = "0.01", .avg_px = "50000",
	.exch_ts_ns = 1675974837609931463LL, .venue_seq = 0,
} };
static const struct v2_exp_ev ev_nautilus[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_NEW, .side = OSE_SIDE_BUY,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC,
	.flags = OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ | SNAP,
	.symbol = "BTC-USD", .order_id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
	.client_id = "11111-000000-000001", .qty = "0.001", .cum_qty = "0", .avg_px = "0",
	.exch_ts_ns = 1775572206000000000LL, .venue_seq = 1,
} };
static const struct v2_exp_ev ev_hb_fixed[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_NEW, .side = OSE_SIDE_BUY,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_NONE,
	.flags = OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ | SNAP,
	.symbol = "BTC-USD", .order_id = "XXX", .client_id = "YYY",
	.qty = "0.000994", .cum_qty = "0", .avg_px = "0",
	.exch_ts_ns = 1675974837609931463LL, .venue_seq = 0,
} };
#define TS_MULTI 1718994553123456789LL
static const struct v2_exp_ev ev_multi[] = {
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_PARTIALLY_FILLED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_LIMIT_MAKER, .tif = OSE_TIF_GTC,
	  .flags = OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ,
	  .symbol = "BTC-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000001", .client_id = "c-1",
	  .price = "64001", .qty = "1", .cum_qty = "0.5", .avg_px = "64000.5",
	  .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_CANCELED, .side = OSE_SIDE_SELL,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTD,
	  .flags = OSE_EVF_HAS_PRICE | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ,
	  .symbol = "ETH-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000002", .client_id = "c-2",
	  .price = "3100", .cum_qty = "0.2", .avg_px = "3100", .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_REJECTED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_MARKET, .tif = OSE_TIF_IOC,
	  .flags = OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_AVG_PX | SEQ,
	  .symbol = "SOL-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000003", .client_id = "c-3",
	  .cum_qty = "0", .avg_px = "0", .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_PENDING_NEW, .side = OSE_SIDE_SELL,
	  .ord_type = OSE_OT_STOP, .tif = OSE_TIF_FOK,
	  .flags = OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | SEQ,
	  .symbol = "SOL-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000004", .client_id = "c-4",
	  .price = "140.25", .qty = "2", .cum_qty = "0", .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_PENDING_CANCEL, .side = OSE_SIDE_SELL,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_NONE,
	  .flags = OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | SEQ,
	  .symbol = "BTC-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000005", .client_id = "c-5",
	  .price = "65000", .qty = "2", .cum_qty = "1", .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_NONE, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_OTHER, .tif = OSE_TIF_NONE, .flags = OSE_EVF_HAS_CUM_QTY | SEQ,
	  .symbol = "BTC-USD", .order_id = "0f1e2d3c-0000-4000-8000-000000000006",
	  .cum_qty = "0", .exch_ts_ns = TS_MULTI, .venue_seq = 42 },
};

#define EVC(f, e) { f, 0, OSE_PARSE_EVENTS, OSE_PERR_NONE, OSE_SESS_NONE, NULL, sizeof(e) / sizeof((e)[0]), e }
#define SESS(f, k) { f, 0, OSE_PARSE_SESSION, OSE_PERR_NONE, k, NULL, 0, NULL }
#define ERR(f, e) { f, 0, OSE_PARSE_ERROR, e, OSE_SESS_NONE, NULL, 0, NULL }

static const struct v2_case cb_cases[] = {
	EVC("coinbase/user_snapshot_docs.json", ev_docs),
	EVC("coinbase/user_snapshot_nautilus.json", ev_nautilus),
	ERR("coinbase/user_snapshot_hummingbot.py.txt", OSE_PERR_SYNTAX),
	EVC("coinbase/user_snapshot_hummingbot_fixed_gen.json", ev_hb_fixed),
	EVC("coinbase/user_update_multi_gen.json", ev_multi),
	SESS("coinbase/heartbeats_constructed.json", OSE_SESS_OTHER),
	SESS("coinbase/subscriptions_constructed.json", OSE_SESS_SUBSCRIBED),
	SESS("coinbase/error_auth_constructed.json", OSE_SESS_AUTH_FAIL),
};
#define NCASES (sizeof(cb_cases) / sizeof(cb_cases[0]))

ParameterizedTestParameters(coinbase, fixture)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, coinbase, fixture)
{
	v2_check_case(ose_coinbase_parse, OSE_VENUE_COINBASE, &cb_cases[*i]);
}

ParameterizedTestParameters(coinbase, truncated_and_corrupted)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, coinbase, truncated_and_corrupted, .timeout = 90)
{
	v2_check_truncations(ose_coinbase_parse, OSE_VENUE_COINBASE, &cb_cases[*i]);
}

static struct ose_event evs[8];

static enum ose_parse_res run(const char *m, struct ose_parse_out *out)
{
	struct v2_guard g;
	size_t n = strlen(m);
	const char *gm = v2_guard_put(&g, m, n);
	enum ose_parse_res r = v2_parse(ose_coinbase_parse, OSE_VENUE_COINBASE, gm, n, 0, evs, 8, out);
	v2_guard_free(&g);
	return r;
}

static enum ose_parse_res run_order(const char *ts, const char *fields, struct ose_parse_out *out)
{
	char m[2048];
	snprintf(m, sizeof(m),
		 "{\"channel\":\"user\",\"timestamp\":\"%s\",\"sequence_num\":7,\"events\":[{\"type\":\"update\","
		 "\"orders\":[{\"order_id\":\"o1\",\"product_id\":\"BTC-USD\",%s}]}]}", ts, fields);
	return run(m, out);
}

/* Trap 6: booleans as strings ("post_only":"false"/"true"). */
Test(coinbase, trap6_post_only_string)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"order_type\":\"Limit\",\"post_only\":\"true\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].ord_type, OSE_OT_LIMIT_MAKER);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"order_type\":\"Limit\",\"post_only\":\"false\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].ord_type, OSE_OT_LIMIT);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"order_type\":\"Limit\",\"post_only\":{}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);
}

/* Trap 7: RFC 3339 with nanoseconds, and the zero sentinel = unknown. */
Test(coinbase, trap7_rfc3339_ns_and_zero_sentinel)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2023-02-09T20:33:57.609931463Z", "\"status\":\"OPEN\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].exch_ts_ns, 1675974837609931463LL);
	cr_assert_eq(run_order("0001-01-01T00:00:00Z", "\"status\":\"OPEN\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].exch_ts_ns, 0);
	cr_assert_eq(run_order("2023-02-09 20:33:57", "\"status\":\"OPEN\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TIMESTAMP);
}

/* Traps 9 and 10: CANCELLED (double l); no partially-filled status. */
Test(coinbase, trap9_trap10_cancelled_and_derived_partial)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"CANCELLED\",\"cumulative_quantity\":\"0.3\",\"leaves_quantity\":\"0\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_CANCELED);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"CANCELED\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"cumulative_quantity\":\"0\",\"leaves_quantity\":\"1\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_NEW);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"cumulative_quantity\":\"0.00000001\",\"leaves_quantity\":\"1\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_PARTIALLY_FILLED);
	char buf[OSE_DEC_STRMAX];
	ose_dec_format(evs[0].qty, buf);
	cr_assert_str_eq(buf, "1.00000001");
}

/* Trap 12: the odd states each map to a decision, none crashes. */
Test(coinbase, trap12_odd_states)
{
	static const struct { const char *w; uint8_t st; } tab[] = {
		{ "PENDING", OSE_ST_PENDING_NEW }, { "QUEUED", OSE_ST_PENDING_NEW },
		{ "CANCEL_QUEUED", OSE_ST_PENDING_CANCEL }, { "EDIT_QUEUED", OSE_ST_NEW },
		{ "FAILED", OSE_ST_REJECTED }, { "EXPIRED", OSE_ST_EXPIRED },
		{ "UNKNOWN_ORDER_STATUS", OSE_ST_NONE }, { "FILLED", OSE_ST_FILLED },
	};
	struct ose_parse_out out;
	char f[128];
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		snprintf(f, sizeof(f), "\"status\":\"%s\"", tab[i].w);
		cr_assert_eq(run_order("2024-01-01T00:00:00Z", f, &out), OSE_PARSE_EVENTS, "%s", tab[i].w);
		cr_assert_eq(evs[0].status, tab[i].st, "%s", tab[i].w);
	}
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"open\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":3", &out), OSE_PARSE_ERROR);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"cumulative_quantity\":\"1\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_MISSING_FIELD);
	/* reject / cancel reasons land in ev.reason */
	size_t n;
	struct v2_case c = { .file = "coinbase/user_update_multi_gen.json" };
	char *m = v2_load_msg(&c, &n);
	cr_assert_eq(v2_parse(ose_coinbase_parse, OSE_VENUE_COINBASE, m, n, 0, evs, 8, &out), OSE_PARSE_EVENTS);
	cr_assert_str_eq(evs[1].reason, "User requested cancel");
	cr_assert_str_eq(evs[2].reason, "INSUFFICIENT_FUNDS");
	free(m);
}

/* Trap 17: sequence_num is the venue sequence; absent means no flag. */
Test(coinbase, trap17_sequence_num)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].venue_seq, 7);
	cr_assert(evs[0].flags & OSE_EVF_HAS_SEQ);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"events\":[{\"type\":\"update\","
			 "\"orders\":[{\"order_id\":\"o1\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}]}]}", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & OSE_EVF_HAS_SEQ, 0);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":-1,\"events\":[]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1.5,\"events\":[]}", &out),
		     OSE_PARSE_ERROR);
}

/* Trap 19: only Coinbase snapshots; its events are flagged. */
Test(coinbase, trap19_snapshot_flag)
{
	struct ose_parse_out out;
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1,\"events\":["
			 "{\"type\":\"snapshot\",\"orders\":[{\"order_id\":\"a\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}]},"
			 "{\"type\":\"update\",\"orders\":[{\"order_id\":\"b\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}]}]}", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 2);
	cr_assert(evs[0].flags & OSE_EVF_SNAPSHOT);
	cr_assert_eq(evs[1].flags & OSE_EVF_SNAPSHOT, 0);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1,\"events\":["
			 "{\"type\":\"replay\",\"orders\":[]}]}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_MSG);
}

/* Trap 20: several events, orders and products per message. */
Test(coinbase, trap20_several_orders_and_products)
{
	size_t n;
	struct v2_case c = { .file = "coinbase/user_update_multi_gen.json" };
	char *m = v2_load_msg(&c, &n);
	struct ose_parse_out out;
	cr_assert_eq(v2_parse(ose_coinbase_parse, OSE_VENUE_COINBASE, m, n, 0, evs, 8, &out), OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 6);
	cr_assert_str_eq(evs[0].symbol, "BTC-USD");
	cr_assert_str_eq(evs[1].symbol, "ETH-USD");
	cr_assert_str_eq(evs[2].symbol, "SOL-USD");
	cr_assert_eq(v2_parse(ose_coinbase_parse, OSE_VENUE_COINBASE, m, n, 0, evs, 5, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_MANY);
	cr_assert_eq(out.n, 0);
	free(m);
}

Test(coinbase, malformed_values)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"cumulative_quantity\":[1]", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"limit_price\":\"12345678901234567890123456789012345678901\"", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_NUMBER);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1,\"events\":[{\"type\":\"update\","
			 "\"orders\":[{\"order_id\":\"o-123456789012345678901234567890123456789012345678\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}]}]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_LONG);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1,\"events\":{}}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);
	cr_assert_eq(run("{\"channel\":\"level2\",\"events\":[]}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_MSG);
	cr_assert_eq(run("{\"type\":\"error\",\"message\":\"rate limit\"}", &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_ERROR);
	cr_assert_eq(run("{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":1,\"events\":[{\"type\":\"update\",\"orders\":[]}]}", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 0);
}

/* sequence_num and timestamp after events: patched in after the scan. */
Test(coinbase, key_order_does_not_matter)
{
	struct ose_parse_out out;
	cr_assert_eq(run("{\"events\":[{\"orders\":[{\"order_id\":\"a\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}],"
			 "\"type\":\"snapshot\"}],\"sequence_num\":9,\"timestamp\":\"2023-02-09T20:33:57.609931463Z\","
			 "\"channel\":\"user\"}", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(evs[0].venue_seq, 9);
	cr_assert(evs[0].flags & OSE_EVF_HAS_SEQ);
	cr_assert(evs[0].flags & OSE_EVF_SNAPSHOT);
	cr_assert_eq(evs[0].exch_ts_ns, 1675974837609931463LL);
	/* heartbeats whose events look nothing like orders */
	cr_assert_eq(run("{\"events\":[{\"current_time\":\"x\",\"heartbeat_counter\":1}],\"channel\":\"heartbeats\"}", &out),
		     OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_OTHER);
}

/* Trap 4: "" stands in for numbers (stop_price, leaves_quantity). */
Test(coinbase, trap4_empty_string_numbers)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"cumulative_quantity\":\"0\",\"leaves_quantity\":\"\","
			       "\"limit_price\":\"\",\"avg_price\":\"\",\"stop_price\":\"\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & (OSE_EVF_HAS_QTY | OSE_EVF_HAS_PRICE | OSE_EVF_HAS_AVG_PX), 0);
	cr_assert(evs[0].flags & OSE_EVF_HAS_CUM_QTY);
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"limit_price\":null", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & OSE_EVF_HAS_PRICE, 0);
}

/* Trap 14: no last fill on the user channel; the engine diffs cum_qty. */
Test(coinbase, trap14_no_last_fill)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("2024-01-01T00:00:00Z", "\"status\":\"OPEN\",\"cumulative_quantity\":\"0.5\",\"leaves_quantity\":\"0.5\","
			       "\"total_fees\":\"1.2\",\"number_of_fills\":\"3\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX | OSE_EVF_HAS_FEE), 0);
}

/* The simulator's "ose_ts" stamp (docs/sim.md) lands in send_ts_ns of
 * every event (several orders and products per message), on the one-pass
 * and the slow path, and changes nothing else; fixtures keep 0
 * (v2_check_case). */
Test(coinbase, ose_ts_stamp)
{
	v2_check_json_stamps(ose_coinbase_parse, OSE_VENUE_COINBASE, cb_cases, NCASES);
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated
 * (both paths). */
Test(coinbase, account_too_long)
{
	v2_check_json_account(ose_coinbase_parse, OSE_VENUE_COINBASE, &cb_cases[4]); /* several orders */
}

/* ---- the inline readers (cb_ts, cb_dec, cb_i64) against the reference ---- */

#include "adapters/json/json.h"
#include "shm/dec.h"

/* A random RFC 3339 string around Coinbase's shape: fields in and just
 * out of range, 0..10 fraction digits, sometimes one byte replaced by
 * something near (another separator, case, a space, an offset sign). */
static void cb_rand_ts(char *b, size_t cap)
{
	static const char near[] = "0123456789-:.TtZz +x";
	int nf = rand() % 11;
	int n = snprintf(b, cap, "%04d-%02d-%02dT%02d:%02d:%02d", 1968 + rand() % 4 + (rand() % 3 ? 0 : rand() % 300),
			 rand() % 14, rand() % 33, rand() % 25, rand() % 61, rand() % 61);
	if (rand() % 8 == 0)
		n = snprintf(b, cap, "%04d-%02d-29T23:59:59", 1896 + rand() % 512, 2); /* leap years */
	if (nf) {
		b[n++] = '.';
		for (int i = 0; i < nf; i++)
			b[n++] = (char)(rand() % 4 ? '0' + rand() % 10 : '0');
	}
	b[n++] = 'Z';
	b[n] = 0;
	if (rand() % 3 == 0)
		b[rand() % n] = near[rand() % (sizeof(near) - 1)];
	if (rand() % 16 == 0)
		b[n - 1] = 0; /* no zone */
}

/* Envelope timestamps through ose_coinbase_parse: the event time is
 * ose_ts_parse_rfc3339's, and the message is refused (timestamp) exactly
 * when it refuses. */
Test(coinbase, inline_time_matches_ose_ts_parse_rfc3339)
{
	static const char *const fixed[] = {
		"2024-06-21T18:29:13.123456789Z", "2024-06-21T18:29:13.1Z", "2024-06-21T18:29:13.1234567890Z",
		"2024-06-21T18:29:13.1234567891Z", "2024-06-21T18:29:13Z", "2024-06-21T18:29:13.Z",
		"1970-01-01T00:00:00.000000001Z", "1969-12-31T23:59:59.999999999Z", "2261-12-31T23:59:59.9Z",
		"2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:17.0Z", "2000-02-29T00:00:00.5Z",
		"1900-02-29T00:00:00.5Z", "2100-02-29T00:00:00.5Z", "2024-02-30T00:00:00.5Z",
		"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0Z", "2024-13-01T00:00:00.5Z",
		"2024-06-21t18:29:13.5z", "2024-06-21T18:29:13.5+01:00", "2024-06-21T24:00:00.5Z",
		"2024-06-21T18:60:13.5Z", "2024-06-21T18:29:60.5Z", "2024-00-21T18:29:13.5Z",
		"2024-06-00T18:29:13.5Z", "2024-06-21T18:29:13.5ZZ", "2024-06-21T18:29:1x.5Z",
		"",
	};
	char b[64], m[512];
	unsigned fast = 0, refused = 0;

	srand(7);
	for (int i = 0; i < 30000; i++) {
		struct ose_parse_out out;
		int64_t want = 0;
		const char *ts = b;
		int ok;
		if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
			ts = fixed[i];
		else
			cb_rand_ts(b, sizeof(b));
		ok = !*ts || ose_ts_parse_rfc3339(ts, strlen(ts), &want) == 0;
		snprintf(m, sizeof(m),
			 "{\"channel\":\"user\",\"timestamp\":\"%s\",\"sequence_num\":7,\"events\":[{\"type\":"
			 "\"update\",\"orders\":[{\"order_id\":\"o1\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\"}]}]}",
			 ts);
		if (ok) {
			cr_assert_eq(run(m, &out), OSE_PARSE_EVENTS, "\"%s\"", ts);
			cr_assert_eq(evs[0].exch_ts_ns, want, "\"%s\"", ts);
			fast += strlen(ts) >= 22 && want > 0;
		} else {
			cr_assert_eq(run(m, &out), OSE_PARSE_ERROR, "\"%s\"", ts);
			cr_assert_eq(out.err, OSE_PERR_TIMESTAMP, "\"%s\"", ts);
			refused++;
		}
	}
	/* Both sides were exercised. */
	cr_assert_gt(fast, 1000);
	cr_assert_gt(refused, 1000);
}

/* One decimal string as limit_price and as leaves_quantity (size = cum +
 * leaves on an OPEN order), the value last in its object (within the 18
 * bytes cb_dec's loads need: the reader takes it) or followed by a long
 * member: the values (and flags) are ose_dec_parse's, and the message is
 * refused exactly when it refuses.  Returns 1 if taken. */
static int cb_check_dec(const char *v)
{
	ose_dec want = 0;
	int ok = ose_dec_parse(v, strlen(v), &want) == OSE_DEC_OK;

	for (int field = 0; field < 2; field++)
		for (int tail = 0; tail < 2; tail++) {
			struct ose_parse_out out;
			char m[512];
			snprintf(m, sizeof(m),
				 "{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":7,"
				 "\"events\":[{\"type\":\"update\",\"orders\":[{\"order_id\":\"o1\",\"product_id\":"
				 "\"BTC-USD\",\"status\":\"OPEN\",\"cumulative_quantity\":\"2\",\"%s\":\"%s\"%s}]}]}",
				 field ? "leaves_quantity" : "limit_price", v,
				 tail ? ",\"time_in_force\":\"GOOD_UNTIL_CANCELLED\"" : "");
			enum ose_parse_res r = run(m, &out);
			if (!*v) {
				/* "" is no value: no flag, no size. */
				cr_assert_eq(r, OSE_PARSE_EVENTS);
				cr_assert(!(evs[0].flags & (field ? OSE_EVF_HAS_QTY : OSE_EVF_HAS_PRICE)));
				continue;
			}
			cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "\"%s\": parse %d, ose_dec_parse %d", v, r, ok);
			if (!ok) {
				cr_assert_eq(out.err, OSE_PERR_NUMBER, "\"%s\"", v);
			} else if (field) {
				cr_assert(evs[0].flags & OSE_EVF_HAS_QTY);
				cr_assert(evs[0].qty == 2 * OSE_DEC_ONE + want, "\"%s\": qty differs", v);
			} else {
				cr_assert(evs[0].flags & OSE_EVF_HAS_PRICE);
				cr_assert(evs[0].price == want, "\"%s\": price differs", v);
			}
		}
	return ok;
}

/* Every string of up to 5 bytes over digits, '.', '-' and a letter, and
 * random digit runs with a point up to 20 bytes. */
Test(coinbase, inline_decimal_matches_ose_dec_parse)
{
	unsigned tried, taken = dc_each(5, 5000, 5, cb_check_dec, &tried);

	/* Both sides were exercised. */
	cr_assert_gt(taken, 1000);
	cr_assert_gt(tried - taken, 1000);
}

/* sequence_num: bare numbers of 1..18 digits are read inline, the rest
 * by ose_json_read_i64 (same values, same refusals). */
Test(coinbase, inline_sequence_num)
{
	static const struct {
		const char *v;
		int ok, has;
		uint64_t seq;
	} c[] = {
		{ "0", 1, 1, 0 },
		{ "7", 1, 1, 7 },
		{ "007", 0, 0, 0 }, /* not JSON: the scan refuses it */
		{ "123456789012345678", 1, 1, 123456789012345678ULL },
		{ "9223372036854775807", 1, 1, 9223372036854775807ULL },
		{ "9223372036854775808", 0, 0, 0 },
		{ "\"42\"", 1, 1, 42 },
		{ "\"\"", 1, 0, 0 },
		{ "null", 1, 0, 0 },
		{ "-1", 0, 0, 0 },
		{ "-0", 1, 1, 0 },
		{ "1.5", 0, 0, 0 },
		{ "1e3", 0, 0, 0 },
		{ "true", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ose_parse_out out;
		char m[512];
		snprintf(m, sizeof(m),
			 "{\"channel\":\"user\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"sequence_num\":%s,"
			 "\"events\":[{\"type\":\"update\",\"orders\":[{\"order_id\":\"o1\",\"product_id\":"
			 "\"BTC-USD\",\"status\":\"OPEN\"}]}]}",
			 c[i].v);
		cr_assert_eq(run(m, &out), c[i].ok ? OSE_PARSE_EVENTS : OSE_PARSE_ERROR, "%s", c[i].v);
		if (!c[i].ok)
			continue;
		cr_assert_eq(!!(evs[0].flags & OSE_EVF_HAS_SEQ), c[i].has, "%s", c[i].v);
		cr_assert_eq(evs[0].venue_seq, c[i].seq, "%s", c[i].v);
	}
}

/*
 * OSE_WIRE_LOOKUP_K (the unrolled status/side/type/tif lookup Coinbase
 * and Gate use) against a plain memcmp search of the same table: every
 * entry, every one-byte change of it, every prefix and one-byte
 * extension, and the views it must refuse.  Lengths cover each branch
 * of the word compare (1-3 bytes, 4-7, 8-16, 17-24, memcmp past 24) and
 * entries sharing a length, a prefix or a suffix.
 */
static const struct ose_wire_map wk_map[] = {
	OSE_WIRE("A", 1), OSE_WIRE("BB", 2), OSE_WIRE("BUY", 3), OSE_WIRE("OPEN", 4),
	OSE_WIRE("FILLED", 5), OSE_WIRE("FAILED", 6), OSE_WIRE("QUEUED", 7), OSE_WIRE("PENDING", 8),
	OSE_WIRE("CANCELLED", 9), OSE_WIRE("EDIT_QUEUED", 10), OSE_WIRE("CANCEL_QUEUED", 11),
	OSE_WIRE("GOOD_UNTIL_CANCELLED", 12), OSE_WIRE("GOOD_UNTIL_DATE_TIME", 13),
	OSE_WIRE("UNKNOWN_ORDER_STATUS_XYZ", 14), OSE_WIRE("THIS_ONE_IS_LONGER_THAN_24", 15),
	OSE_WIRE("EXPIRED", 16),
};

static int wk_ref(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(wk_map) / sizeof(wk_map[0]); i++)
		if (wk_map[i].len == n && memcmp(wk_map[i].wire, p, n) == 0)
			return wk_map[i].val;
	return -1;
}

static void wk_check(const char *p, size_t n)
{
	char buf[64];
	struct ose_json_val v = { buf, (uint32_t)n, OSE_JSON_STRING, 0 };

	memcpy(buf, p, n);
	memset(buf + n, '"', sizeof(buf) - n); /* what follows a value on the wire */
	cr_assert_eq(OSE_WIRE_LOOKUP_K(&v, wk_map), n ? wk_ref(buf, n) : -1, "%.*s", (int)n, p);
	cr_assert_eq(OSE_WIRE_LOOKUP_K(&v, wk_map), OSE_WIRE_LOOKUP(&v, wk_map), "%.*s", (int)n, p);
}

Test(coinbase, wire_lookup_k_matches_table_search)
{
	for (size_t i = 0; i < sizeof(wk_map) / sizeof(wk_map[0]); i++) {
		char s[64];
		size_t n = wk_map[i].len;
		struct ose_json_val v = { wk_map[i].wire, (uint32_t)n, OSE_JSON_STRING, 0 };

		cr_assert_eq(OSE_WIRE_LOOKUP_K(&v, wk_map), wk_map[i].val, "%s", wk_map[i].wire);
		v.esc = 1;
		cr_assert_eq(OSE_WIRE_LOOKUP_K(&v, wk_map), -1, "escaped %s", wk_map[i].wire);
		v.esc = 0;
		v.type = OSE_JSON_NUMBER;
		cr_assert_eq(OSE_WIRE_LOOKUP_K(&v, wk_map), -1, "number %s", wk_map[i].wire);
		for (size_t k = 0; k <= n; k++)
			wk_check(wk_map[i].wire, k);
		memcpy(s, wk_map[i].wire, n);
		s[n] = 'X';
		wk_check(s, n + 1);
		for (size_t k = 0; k < n; k++) {
			memcpy(s, wk_map[i].wire, n);
			s[k] ^= 0x01;
			wk_check(s, n);
			s[k] = wk_map[i].wire[k] ^ 0x20; /* case */
			wk_check(s, n);
		}
	}
}
