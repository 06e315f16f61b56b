/* SPDX-License-Identifier: MIT */
/*
 * Gate.io adapter: the reference's verbatim samples (spot.orders,
 * spot.usertrades, spot.balances), constructed session replies (shape
 * from §2.1), generated multi-order frames, traps 2, 7, 9, 10, 11, 15, 20,
 * and malformed input.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "v2_util.h"
#include "tests/adapters/stamp_check.h"
#include "tests/adapters/dec_cases.h"

#define MS(x) ((int64_t)(x) * 1000000)
#define S_(x) ((int64_t)(x) * 1000000000)
#define OF (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY)

/* Doc example: put, filled_amount "812.8" (a doc quirk, copied as is:
 * cum_qty follows filled_amount), status NEW from event=put. */
static const struct v2_exp_ev ev_orders_doc[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_NEW, .side = OSE_SIDE_SELL,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC, .flags = OF | OSE_EVF_HAS_AVG_PX,
	.symbol = "BTC_USDT", .order_id = "399123456", .client_id = "t-testtext",
	.price = "26253.3", .qty = "0.0001", .cum_qty = "812.8", .avg_px = "0",
	.exch_ts_ns = MS(1694655225315),
} };
static const struct v2_exp_ev ev_trades_doc[] = { {
	.kind = OSE_EV_FILL, .status = OSE_ST_NONE, .side = OSE_SIDE_SELL,
	.flags = OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX | OSE_EVF_HAS_FEE,
	.symbol = "BTC_USDT", .order_id = "30784428", .client_id = "apiv4", .trade_id = "5736713",
	.last_qty = "1", .last_px = "10000", .fee = "0.002",
	.exch_ts_ns = 1605176741123456000LL,
} };
static const struct v2_exp_ev ev_multi[] = {
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_PARTIALLY_FILLED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC, .flags = OF | OSE_EVF_HAS_AVG_PX,
	  .symbol = "BTC_USDT", .order_id = "399123457", .client_id = "t-abc",
	  .price = "26000.1", .qty = "0.5", .cum_qty = "0.3", .avg_px = "26000.1",
	  .exch_ts_ns = MS(1694655299001) },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_FILLED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_MARKET, .tif = OSE_TIF_IOC,
	  .flags = OF | OSE_EVF_HAS_AVG_PX | OSE_EVF_QTY_IN_QUOTE,
	  .symbol = "ETH_USDT", .order_id = "399123458", .client_id = "apiv4",
	  .price = "0", .qty = "100", .cum_qty = "99.99", .avg_px = "1650.2",
	  .exch_ts_ns = MS(1694655300110) },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_EXPIRED, .side = OSE_SIDE_SELL,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_IOC, .flags = OF | OSE_EVF_HAS_AVG_PX,
	  .symbol = "ETH_USDT", .order_id = "399123459", .client_id = "t-ioc",
	  .price = "1650", .qty = "2", .cum_qty = "0.75", .avg_px = "1650",
	  .exch_ts_ns = MS(1694655300112) },
};
static const struct v2_exp_ev ev_old[] = {
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_NEW, .side = OSE_SIDE_SELL,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC, .flags = OF,
	  .symbol = "BTC_USDT", .order_id = "30784435", .client_id = "t-abc",
	  .price = "10001", .qty = "1", .cum_qty = "0", .exch_ts_ns = MS(1605175506123) },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_CANCELED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_LIMIT_MAKER, .tif = OSE_TIF_GTC, .flags = OF,
	  .symbol = "BTC_USDT", .order_id = "30784436", .client_id = "t-abd",
	  .price = "10000", .qty = "1", .cum_qty = "0.6", .exch_ts_ns = S_(1605175507) },
	{ .kind = OSE_EV_ORDER, .status = OSE_ST_FILLED, .side = OSE_SIDE_BUY,
	  .ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC, .flags = OF,
	  .symbol = "BTC_USDT", .order_id = "30784437", .client_id = "t-abe",
	  .price = "10000", .qty = "1", .cum_qty = "1", .exch_ts_ns = S_(1605175508) },
};

#define EVC(f, e) { f, 0, OSE_PARSE_EVENTS, OSE_PERR_NONE, OSE_SESS_NONE, NULL, sizeof(e) / sizeof((e)[0]), e }
#define SESS(f, k) { f, 0, OSE_PARSE_SESSION, OSE_PERR_NONE, k, NULL, 0, NULL }
#define ERR(f, e) { f, 0, OSE_PARSE_ERROR, e, OSE_SESS_NONE, NULL, 0, NULL }

static const struct v2_case gate_cases[] = {
	EVC("gate/spot_orders_doc.json", ev_orders_doc),
	EVC("gate/spot_usertrades_doc.json", ev_trades_doc),
	ERR("gate/spot_balances_doc.json", OSE_PERR_UNKNOWN_MSG),
	EVC("gate/spot_orders_multi_gen.json", ev_multi),
	EVC("gate/spot_orders_old_style_gen.json", ev_old),
	SESS("gate/sub_ack_constructed.json", OSE_SESS_SUBSCRIBED),
	SESS("gate/sub_auth_fail_constructed.json", OSE_SESS_AUTH_FAIL),
	SESS("gate/pong_constructed.json", OSE_SESS_PONG),
	SESS("gate/upgrade_notice.json", OSE_SESS_SHUTDOWN),
};
#define NCASES (sizeof(gate_cases) / sizeof(gate_cases[0]))

ParameterizedTestParameters(gate, fixture)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, gate, fixture)
{
	v2_check_case(ose_gate_parse, OSE_VENUE_GATE, &gate_cases[*i]);
}

ParameterizedTestParameters(gate, truncated_and_corrupted)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, gate, truncated_and_corrupted, .timeout = 90)
{
	v2_check_truncations(ose_gate_parse, OSE_VENUE_GATE, &gate_cases[*i]);
}

static struct ose_event evs[8];

static enum ose_parse_res run(const char *m, struct ose_parse_out *out)
{
	struct v2_guard g;
	size_t n = strlen(m);
	const char *gm = v2_guard_put(&g, m, n);
	enum ose_parse_res r = v2_parse(ose_gate_parse, OSE_VENUE_GATE, gm, n, 0, evs, 8, out);
	v2_guard_free(&g);
	return r;
}

/* One order wrapped in a spot.orders envelope. */
static enum ose_parse_res run_order(const char *fields, struct ose_parse_out *out)
{
	char m[2048];
	snprintf(m, sizeof(m),
		 "{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
		 "\"id\":\"1\",\"currency_pair\":\"BTC_USDT\",\"side\":\"buy\",\"type\":\"limit\",%s}]}",
		 fields);
	return run(m, out);
}

/* Trap 2: user is an int in spot.orders; usertrades ids and create_time
 * are ints; both accepted. */
Test(gate, trap2_numbers_as_ints_or_strings)
{
	struct ose_parse_out out;
	cr_assert_eq(run("{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":["
			 "{\"id\":5736713,\"order_id\":\"30784428\",\"currency_pair\":\"BTC_USDT\",\"create_time\":1605176741,"
			 "\"side\":\"buy\",\"amount\":\"1\",\"price\":\"2\"}]}", &out), OSE_PARSE_EVENTS);
	cr_assert_str_eq(evs[0].trade_id, "5736713");
	cr_assert_eq(evs[0].exch_ts_ns, S_(1605176741));
	cr_assert_eq(run_order("\"event\":\"put\",\"amount\":\"1\",\"left\":\"1\",\"user\":\"3497082\"", &out),
		     OSE_PARSE_EVENTS);
}

/* Trap 7: fractional-millisecond string timestamps, to the ns. */
Test(gate, trap7_fractional_ms_timestamp)
{
	struct ose_parse_out out;
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":["
			 "{\"id\":1,\"order_id\":\"2\",\"currency_pair\":\"BTC_USDT\",\"create_time_ms\":\"1605176741123.456\","
			 "\"amount\":\"1\",\"price\":\"2\"}]}", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].exch_ts_ns, 1605176741123456000LL);
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":["
			 "{\"id\":1,\"order_id\":\"2\",\"currency_pair\":\"BTC_USDT\",\"create_time_ms\":\"16051767x1123.456\","
			 "\"amount\":\"1\",\"price\":\"2\"}]}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TIMESTAMP);
}

/* Traps 9 and 10: no status field; "cancelled" (double l) via finish_as. */
Test(gate, trap9_trap10_status_from_event_and_finish_as)
{
	static const struct { const char *fa; uint8_t st; } tab[] = {
		{ "filled", OSE_ST_FILLED }, { "cancelled", OSE_ST_CANCELED },
		{ "liquidate_cancelled", OSE_ST_CANCELED }, { "ioc", OSE_ST_EXPIRED },
		{ "fok", OSE_ST_EXPIRED }, { "poc", OSE_ST_EXPIRED }, { "stp", OSE_ST_EXPIRED },
		{ "small", OSE_ST_EXPIRED }, { "depth_not_enough", OSE_ST_EXPIRED },
		{ "trader_not_enough", OSE_ST_REJECTED },
	};
	struct ose_parse_out out;
	char f[256];
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		snprintf(f, sizeof(f), "\"event\":\"finish\",\"amount\":\"1\",\"left\":\"0.5\",\"finish_as\":\"%s\"", tab[i].fa);
		cr_assert_eq(run_order(f, &out), OSE_PARSE_EVENTS, "%s", tab[i].fa);
		cr_assert_eq(evs[0].status, tab[i].st, "%s", tab[i].fa);
	}
	/* "canceled" (one l) is not Gate's word: counted, not guessed. */
	const char *bad[] = { "canceled", "-", "unknown", "open", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(f, sizeof(f), "\"event\":\"finish\",\"amount\":\"1\",\"left\":\"0.5\",\"finish_as\":\"%s\"", bad[i]);
		cr_assert_eq(run_order(f, &out), OSE_PARSE_ERROR, "%s", bad[i]);
		cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
		cr_assert_eq(out.n, 0);
	}
	cr_assert_eq(run_order("\"event\":\"amend\",\"amount\":\"1\",\"left\":\"1\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
	cr_assert_eq(run_order("\"event\":\"update\",\"amount\":\"1\",\"left\":\"1\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_NEW);
	cr_assert_eq(run_order("\"event\":\"update\",\"amount\":\"1\",\"left\":\"0.9\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_PARTIALLY_FILLED);
}

/* Trap 11: finish + cancelled with left < amount keeps the fills. */
Test(gate, trap11_partial_then_cancelled_keeps_fills)
{
	struct ose_parse_out out;
	char buf[OSE_DEC_STRMAX];
	cr_assert_eq(run_order("\"event\":\"finish\",\"amount\":\"2\",\"left\":\"0.5\",\"finish_as\":\"cancelled\"", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].status, OSE_ST_CANCELED);
	ose_dec_format(evs[0].cum_qty, buf);
	cr_assert_str_eq(buf, "1.5");
}

/* Trap 15: market buys count amount/left in quote currency. */
Test(gate, trap15_market_buy_in_quote)
{
	struct ose_parse_out out;
	char buf[OSE_DEC_STRMAX];
	cr_assert_eq(run("{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
			 "\"id\":\"1\",\"currency_pair\":\"BTC_USDT\",\"side\":\"buy\",\"type\":\"market\",\"event\":\"update\","
			 "\"amount\":\"100\",\"left\":\"40\",\"filled_amount\":\"0.002\"}]}", &out), OSE_PARSE_EVENTS);
	cr_assert(evs[0].flags & OSE_EVF_QTY_IN_QUOTE);
	ose_dec_format(evs[0].cum_qty, buf);
	cr_assert_str_eq(buf, "60"); /* quote, like qty; base filled_amount not mixed in */
	/* Market sell: base currency, no flag. */
	cr_assert_eq(run("{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
			 "\"id\":\"1\",\"currency_pair\":\"BTC_USDT\",\"side\":\"sell\",\"type\":\"market\",\"event\":\"update\","
			 "\"amount\":\"0.5\",\"left\":\"0.2\"}]}", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & OSE_EVF_QTY_IN_QUOTE, 0);
	ose_dec_format(evs[0].cum_qty, buf);
	cr_assert_str_eq(buf, "0.3");
}

/* Trap 20: several orders, several pairs, in one result[]. */
Test(gate, trap20_several_orders_per_frame)
{
	size_t n;
	struct v2_case c = { .file = "gate/spot_orders_multi_gen.json" };
	char *m = v2_load_msg(&c, &n);
	struct ose_parse_out out;
	cr_assert_eq(v2_parse(ose_gate_parse, OSE_VENUE_GATE, m, n, 0, evs, 8, &out), OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 3);
	cr_assert_str_eq(evs[0].symbol, "BTC_USDT");
	cr_assert_str_eq(evs[2].symbol, "ETH_USDT");
	/* Room for two: refused whole. */
	cr_assert_eq(v2_parse(ose_gate_parse, OSE_VENUE_GATE, m, n, 0, evs, 2, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_MANY);
	cr_assert_eq(out.n, 0);
	free(m);
}

Test(gate, malformed_values)
{
	struct ose_parse_out out;
	/* wrong types */
	cr_assert_eq(run_order("\"event\":\"put\",\"amount\":{\"x\":1},\"left\":\"1\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);
	cr_assert_eq(run_order("\"event\":\"put\",\"amount\":\"1\",\"left\":\"2\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_NUMBER);
	cr_assert_eq(run_order("\"event\":\"put\",\"amount\":\"1.000000000000000000001\"", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_NUMBER);
	/* oversized id */
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\""
			 "1234567890123456789012345678901234567890123456789\",\"currency_pair\":\"BTC_USDT\",\"event\":\"put\"}]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_LONG);
	/* missing id / pair */
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"currency_pair\":\"BTC_USDT\",\"event\":\"put\"}]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_MISSING_FIELD);
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\"1\",\"event\":\"put\"}]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_MISSING_FIELD);
	/* result as an object, side unknown */
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":{}}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\"1\",\"currency_pair\":\"X\",\"side\":\"up\",\"event\":\"put\"}]}", &out),
		     OSE_PARSE_ERROR);
	/* empty result: zero events is fine */
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[]}", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 0);
	/* not JSON, binary frame */
	cr_assert_eq(run("spot.pong", &out), OSE_PARSE_ERROR);
	cr_assert_eq(v2_parse(ose_gate_parse, OSE_VENUE_GATE, "{}", 2, 1, evs, 8, &out), OSE_PARSE_ERROR);
	/* 10,000-deep nesting inside a value we skip */
	size_t depth = 10000;
	char *deep = malloc(depth * 2 + 200);
	int k = sprintf(deep, "{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[k++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[k++] = ']';
	strcpy(deep + k, ",\"result\":[]}");
	cr_assert_eq(run(deep, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_DEEP);
	free(deep);
	/* 1 MB string id */
	size_t big = 1 << 20;
	char *m = malloc(big + 200);
	k = sprintf(m, "{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\"");
	memset(m + k, 'a', big);
	k += (int)big;
	strcpy(m + k, "\",\"currency_pair\":\"X\",\"event\":\"put\"}]}");
	cr_assert_eq(run(m, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_LONG);
	free(m);
	/* invalid UTF-8 in a string */
	cr_assert_eq(run("{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\"\xc3\x28\",\"currency_pair\":\"X\",\"event\":\"put\"}]}", &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UTF8);
}

/* The one-pass path guesses the channel from the first bytes and patches
 * the envelope time in afterwards; key order must not change results. */
Test(gate, key_order_does_not_matter)
{
	struct ose_parse_out out;
	/* channel and time_ms after result; the order has no own time. */
	cr_assert_eq(run("{\"event\":\"update\",\"result\":[{\"id\":\"7\",\"currency_pair\":\"BTC_USDT\",\"side\":\"buy\","
			 "\"type\":\"limit\",\"event\":\"put\",\"amount\":\"1\",\"left\":\"1\"}],\"channel\":\"spot.orders\","
			 "\"time_ms\":1694655225315}", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(evs[0].kind, OSE_EV_ORDER);
	cr_assert_eq(evs[0].exch_ts_ns, MS(1694655225315));
	/* usertrades named only after a long result: the guess is wrong,
	 * the slow path must still produce the fills. */
	char m[2048];
	int k = snprintf(m, sizeof(m), "{\"time_ms\":1000,\"event\":\"update\",\"result\":[");
	for (int i = 0; i < 4; i++)
		k += snprintf(m + k, sizeof(m) - (size_t)k,
			      "%s{\"id\":%d,\"order_id\":\"30784428\",\"currency_pair\":\"BTC_USDT\",\"side\":\"sell\","
			      "\"amount\":\"1.5\",\"price\":\"10000\",\"fee\":\"0.002\",\"text\":\"apiv4\"}",
			      i ? "," : "", 100 + i);
	snprintf(m + k, sizeof(m) - (size_t)k, "],\"channel\":\"spot.usertrades\"}");
	cr_assert_eq(run(m, &out), OSE_PARSE_EVENTS, "%s", out.why);
	cr_assert_eq(out.n, 4);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(evs[i].kind, OSE_EV_FILL);
		cr_assert_eq(evs[i].exch_ts_ns, MS(1000));
	}
	cr_assert_str_eq(evs[3].trade_id, "103");
	/* An error inside an element on the one-pass path is still named. */
	cr_assert_eq(run("{\"time_ms\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":\"1\","
			 "\"currency_pair\":\"X\",\"event\":\"finish\",\"finish_as\":\"weird\"}]}", &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
	cr_assert_str_eq(out.why, "gate spot.orders.finish_as");
}

/* Trap 3: no scientific notation seen, but a re-serialised float is
 * still read exactly, never through a double. */
Test(gate, trap3_exponent_read_exactly)
{
	struct ose_parse_out out;
	char buf[OSE_DEC_STRMAX];
	cr_assert_eq(run_order("\"event\":\"put\",\"amount\":\"1e-05\",\"price\":\"2.6253E+4\",\"left\":\"1e-05\"", &out),
		     OSE_PARSE_EVENTS);
	ose_dec_format(evs[0].qty, buf);
	cr_assert_str_eq(buf, "0.00001");
	ose_dec_format(evs[0].price, buf);
	cr_assert_str_eq(buf, "26253");
}

/* Trap 14: spot.orders carries no last fill; only spot.usertrades does. */
Test(gate, trap14_last_fill_only_from_usertrades)
{
	struct ose_parse_out out;
	cr_assert_eq(run_order("\"event\":\"update\",\"amount\":\"1\",\"left\":\"0.5\"", &out), OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX | OSE_EVF_HAS_FEE), 0);
	cr_assert_eq(run("{\"time_ms\":1,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":[{\"id\":1,"
			 "\"order_id\":\"2\",\"currency_pair\":\"BTC_USDT\",\"amount\":\"0.5\",\"price\":\"3\"}]}", &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(evs[0].flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX),
		     OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX);
}

/* Trap 24: Gate's announced maintenance disconnect. */
Test(gate, trap24_upgrade_notice_is_shutdown)
{
	struct ose_parse_out out;
	cr_assert_eq(run("{\"type\":\"upgrade\",\"msg\":\"The connection will soon be closed for a service upgrade. Please reconnect.\"}", &out),
		     OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_SHUTDOWN);
}

/* The simulator's "ose_ts" stamp (docs/sim.md) lands in send_ts_ns of
 * every event, on the one-pass and the slow path, and changes nothing
 * else; fixtures keep 0 (v2_check_case). */
Test(gate, ose_ts_stamp)
{
	v2_check_json_stamps(ose_gate_parse, OSE_VENUE_GATE, gate_cases, NCASES);
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated
 * (both paths). */
Test(gate, account_too_long)
{
	size_t len;
	char *msg;
	v2_check_json_account(ose_gate_parse, OSE_VENUE_GATE, &gate_cases[3]); /* several orders */
	msg = v2_load_msg(&gate_cases[1], &len); /* usertrades */
	st_check_account(ose_gate_parse, OSE_VENUE_GATE, msg, len, 0);
	free(msg);
}

/* ---- the inline readers (ose_ev_dec_fast, gate_ts, ose_ev_str_fast) against the
 * reference readers ---- */

#include "shm/dec.h"

/* One decimal string as a spot.orders price, amount and left, cut right
 * after it (the value ends within the word loads' reach, so the reader
 * takes it) or with a long tail: price and qty are ose_dec_parse's
 * value, cum_qty = amount - left = 0, and the message is refused exactly
 * when ose_dec_parse refuses the string.  Returns 1 if taken. */
static int gate_check_dec(const char *v)
{
	char m[512];
	ose_dec want = 0;
	int ok = ose_dec_parse(v, strlen(v), &want) == OSE_DEC_OK;

	for (int tail = 0; tail < 2; tail++) {
		struct ose_parse_out out;
		enum ose_parse_res r;
		snprintf(m, sizeof(m),
			 "{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\","
			 "\"result\":[{\"id\":\"1\",\"currency_pair\":\"BTC_USDT\",\"type\":\"limit\","
			 "\"side\":\"sell\",\"event\":\"put\",\"amount\":\"%s\",\"left\":\"%s\",\"price\":\"%s\"%s}]}",
			 v, v, v, tail ? ",\"account\":\"spot\",\"user\":3497082,\"biz_info\":\"-\"" : "");
		r = run(m, &out);
		if (!*v) {
			/* "" is no value: no flags, no cum_qty. */
			cr_assert_eq(r, OSE_PARSE_EVENTS);
			cr_assert(!(evs[0].flags & (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY)));
			continue;
		}
		cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "\"%s\": parse %d, ose_dec_parse %d", v, r, ok);
		if (ok) {
			cr_assert(evs[0].flags & OSE_EVF_HAS_PRICE);
			cr_assert(evs[0].flags & OSE_EVF_HAS_CUM_QTY);
			cr_assert(evs[0].price == want && evs[0].qty == want, "\"%s\": value differs", v);
			cr_assert(evs[0].cum_qty == 0, "\"%s\": left differs from amount", v);
		}
	}
	return ok;
}

/* Every string of up to 6 bytes over digits, '.', '-' and a letter, and
 * random digit runs with a point up to 20 bytes: the inline shapes
 * ("[-]I[.F]", 1..8 digits each) and everything around them. */
Test(gate, inline_decimal_matches_ose_dec_parse)
{
	unsigned taken = dc_each(6, 20000, 4, gate_check_dec, NULL);

	cr_assert_gt(taken, 1000);
}

/* Time strings around the inline shapes (13 digits ms, 13 digits and
 * 1..6 decimals ms, 10 digits s) and past ose_ts_parse_epoch's limits. */
static const char *const gate_ts_cases[] = {
	"1694655225315", "0000000000000", "9223372036854", "9223372036855", "9999999999999",
	"169465522531x", "-694655225315", "1694655225.31", "169465522531", "16946552253150",
	"1605176741123.456", "1605176741123.4", "1605176741123.456789", "1605176741123.4567890",
	"1605176741123.4567891", "1605176741123.", "1605176741123.45x", "1605176741123x456",
	"9223372036854.775", "9223372036854.775807", "9223372036854.775808", "9223372036853.999999",
	"1694655225", "9223372036", "9223372037", "9999999999", "169465522x", "0000000000",
	"169465522", "16946552251", "1694655225.5", "1", "", "1x", "16946552 5315",
};

/* ms (unit OSE_TS_MS) or s: the parse takes the value exactly when
 * ose_ts_parse_epoch does, and gives its ns; "" stands for none. */
static void gate_check_ts(const char *fmt, const char *v, enum ose_ts_unit unit, int64_t none)
{
	char m[768];
	struct ose_parse_out out;
	int64_t want = none;
	int ok = *v ? ose_ts_parse_epoch(v, strlen(v), unit, &want) == 0 : 1;
	enum ose_parse_res r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(m, sizeof(m), fmt, v); /* fmt: one of the templates below */
#pragma GCC diagnostic pop
	r = run(m, &out);
	cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "%s: \"%s\" parse %d, epoch %d", fmt, v, r, ok);
	if (ok)
		cr_assert_eq(evs[0].exch_ts_ns, want, "%s: \"%s\"", fmt, v);
}

Test(gate, inline_time_matches_ose_ts_parse_epoch)
{
	static const char ord_ms[] =
		"{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
		"\"id\":\"1\",\"currency_pair\":\"B\",\"event\":\"put\",\"update_time\":\"7\","
		"\"update_time_ms\":\"%s\",\"user\":3497082,\"finish_as\":\"open\",\"biz_info\":\"-\"}]}";
	static const char ord_s[] =
		"{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
		"\"id\":\"1\",\"currency_pair\":\"B\",\"event\":\"put\","
		"\"update_time\":\"%s\",\"user\":3497082,\"finish_as\":\"open\",\"biz_info\":\"-\"}]}";
	static const char trade_ms[] =
		"{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":[{"
		"\"id\":1,\"order_id\":\"2\",\"currency_pair\":\"B\",\"create_time\":7,"
		"\"create_time_ms\":\"%s\",\"side\":\"buy\",\"amount\":\"1\",\"price\":\"2\",\"text\":\"apiv4\"}]}";
	/* The value last: its end within the word loads' reach. */
	static const char trade_ms_end[] =
		"{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":[{"
		"\"id\":1,\"order_id\":\"2\",\"currency_pair\":\"B\",\"create_time\":7,"
		"\"amount\":\"1\",\"price\":\"2\",\"create_time_ms\":\"%s\"}]}";

	for (size_t i = 0; i < sizeof(gate_ts_cases) / sizeof(gate_ts_cases[0]); i++) {
		const char *v = gate_ts_cases[i];
		gate_check_ts(ord_ms, v, OSE_TS_MS, 7000000000LL);
		gate_check_ts(ord_s, v, OSE_TS_S, 1000000000LL);
		gate_check_ts(trade_ms, v, OSE_TS_MS, 7000000000LL);
		gate_check_ts(trade_ms_end, v, OSE_TS_MS, 7000000000LL);
	}
}

/* The envelope's time_ms, a bare number: the fallback time of an order
 * without its own, taken exactly when ose_ts_parse_epoch takes it. */
Test(gate, inline_envelope_time_ms)
{
	static const char *const nums[] = {
		"1694655225315", "9223372036854", "9223372036855", "9999999999999", "169465522531",
		"16946552253150", "1605176741123.456", "1605176741123.4567891", "0", "1000",
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char m[512];
		struct ose_parse_out out;
		int64_t want = 0;
		int ok = ose_ts_parse_epoch(nums[i], strlen(nums[i]), OSE_TS_MS, &want) == 0;
		enum ose_parse_res r;

		snprintf(m, sizeof(m),
			 "{\"time\":1,\"time_ms\":%s,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
			 "\"id\":\"1\",\"currency_pair\":\"B\",\"event\":\"put\",\"user\":3497082,\"biz_info\":\"-\"}]}",
			 nums[i]);
		r = run(m, &out);
		cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "time_ms %s", nums[i]);
		if (ok)
			cr_assert_eq(evs[0].exch_ts_ns, want, "time_ms %s", nums[i]);
	}
}

/* Strings copied inline: every length up to the field's capacity, one
 * past it (refused as the reader refuses), and an escaped one (the
 * reader's copy). */
Test(gate, inline_string_copy)
{
	char m[1024], s[OSE_ID_MAX + 2];
	struct ose_parse_out out;

	for (size_t n = 1; n <= sizeof(evs[0].client_id); n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		s[n] = 0;
		snprintf(m, sizeof(m),
			 "{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
			 "\"id\":\"%s\",\"text\":\"%s\",\"currency_pair\":\"%.*s\",\"event\":\"put\"}]}",
			 s, s, (int)(n < sizeof(evs[0].symbol) ? n : 1), s);
		if (n >= sizeof(evs[0].client_id) || n >= sizeof(evs[0].order_id)) {
			cr_assert_eq(run(m, &out), OSE_PARSE_ERROR, "length %zu", n);
			continue;
		}
		cr_assert_eq(run(m, &out), OSE_PARSE_EVENTS, "length %zu", n);
		cr_assert_str_eq(evs[0].client_id, s);
		cr_assert_str_eq(evs[0].order_id, s);
	}
	cr_assert_eq(run("{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{"
			 "\"id\":\"1\",\"text\":\"t-\\u0041b\",\"currency_pair\":\"BTC_USDT\",\"event\":\"put\"}]}",
			 &out), OSE_PARSE_EVENTS);
	cr_assert_str_eq(evs[0].client_id, "t-Ab");
}
