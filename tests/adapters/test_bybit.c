/* SPDX-License-Identifier: MIT */
/* Bybit fixtures (reference §4, copied verbatim; the one-line session
 * samples are quoted from the reference's prose). */
#include "tests/adapters/fixture_check.h"
#include "tests/adapters/stamp_check.h"
#include "tests/adapters/dec_cases.h"

#define ORD OSE_PARSE_EVENTS, 0, 1, OSE_EV_ORDER
#define FILL OSE_PARSE_EVENTS, 0, 1, OSE_EV_FILL

static const struct fx_expect by_fx[] = {
	{ .file = "bybit/auth_ok.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_AUTH_OK },
	{ .file = "bybit/auth_fail.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_AUTH_FAIL },
	{ .file = "bybit/subscribe_ack.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_SUBSCRIBED },
	{ .file = "bybit/pong.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_PONG },
	{ "bybit/order_docs_option_filled.json", ORD, OSE_ST_FILLED, OSE_SIDE_SELL, OSE_OT_MARKET,
	  OSE_TIF_IOC, "ETH-30DEC22-1400-C", "5cf98598-39a7-459e-97bf-76ca765ee020", "", NULL, NULL,
	  NULL, "72.5", "1", "1", NULL, NULL, NULL, "75", FX_MS(1672364262457LL), 0 },
	/* stopOrderType "Stop" makes it a stop order. */
	{ "bybit/order_filled.json", ORD, OSE_ST_FILLED, OSE_SIDE_BUY, OSE_OT_STOP, OSE_TIF_GTC,
	  "BTCUSDT", "5cf98598-39a7-459e-97bf-76ca765ee020", "test-client-order-001", NULL, NULL,
	  NULL, "30000.5", "0.1", "0.1", NULL, NULL, NULL, "30000.5", FX_MS(1672364262457LL), 0 },
	/* Rejected with cumExecQty 50 (trap 11): fills kept. */
	{ "bybit/order_partially_filled_rejected.json", ORD, OSE_ST_REJECTED, OSE_SIDE_BUY,
	  OSE_OT_LIMIT, OSE_TIF_GTC, "APEXUSDT", "5cf98598-39a7-459e-97bf-76ca765ee021",
	  "O-20251001-164609-APEX-000-49", NULL, NULL, "UNKNOWN", "1.5", "100", "50", NULL, NULL,
	  NULL, "1.5", FX_MS(1672364262457LL), 0 },
	{ "bybit/execution_docs.json", FILL, OSE_ST_NONE, OSE_SIDE_SELL, OSE_OT_MARKET, OSE_TIF_NONE,
	  "BTCUSDT", "9aac161b-8ed6-450d-9cab-c5cc67c21784", "",
	  "0ab1bdf7-4219-438b-b30a-32ec863018f7", "USDT", NULL, "94942.5", "0.5", NULL, "0.5",
	  "95900.1", "26.3725275", NULL, FX_MS(1746270400353LL), 140612148849382ULL },
};
#define N_BY (sizeof(by_fx) / sizeof(by_fx[0]))

ParameterizedTestParameters(bybit, fixtures)
{
	static int idx[N_BY];
	for (size_t i = 0; i < N_BY; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, N_BY);
}

ParameterizedTest(int *i, bybit, fixtures)
{
	fx_check(ose_bybit_parse, OSE_VENUE_BYBIT, &by_fx[*i]);
}

/* The simulator's "ose_ts" stamp (docs/sim.md) lands in send_ts_ns of
 * every event of both topics and changes nothing else; fixtures keep 0
 * (fx_check_one). */
Test(bybit, ose_ts_stamp)
{
	for (size_t i = 0; i < N_BY; i++) {
		size_t len;
		char *msg;
		if (by_fx[i].res != OSE_PARSE_EVENTS)
			continue;
		msg = fx_load(by_fx[i].file, &len);
		st_check_json_fixture(ose_bybit_parse, OSE_VENUE_BYBIT, msg, len, 1);
		free(msg);
	}
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated. */
Test(bybit, account_too_long)
{
	size_t len;
	char *msg = fx_load("bybit/order_filled.json", &len);
	st_check_account(ose_bybit_parse, OSE_VENUE_BYBIT, msg, len, 0);
	free(msg);
	msg = fx_load("bybit/execution_docs.json", &len);
	st_check_account(ose_bybit_parse, OSE_VENUE_BYBIT, msg, len, 0);
	free(msg);
}

/* ---- the inline readers (ose_ev_dec_fast, by_ts_ms) against the reference ---- */

#include "adapters/json/swar.h"
#include "shm/dec.h"

/* The Bybit order message with price v, cut after its "price" member when
 * short (so the value ends within the 18 bytes ose_ev_dec_try's loads need and
 * the reader takes it), or with a long tail. */
static size_t by_msg_price(char *buf, size_t cap, const char *v, int short_tail)
{
	int n = snprintf(buf, cap,
			 "{\"topic\":\"order\",\"creationTime\":1672364262474,\"data\":[{\"symbol\":"
			 "\"BTCUSDT\",\"orderId\":\"1\",\"side\":\"Buy\",\"orderStatus\":\"New\",\"cumExecQty\":\"0\","
			 "\"updatedTime\":\"1672364262457\",\"price\":\"%s\"%s}]}",
			 v, short_tail ? "" : ",\"orderIv\":\"\",\"positionIdx\":0");
	cr_assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* One decimal string through ose_bybit_parse, both tails: the price (and
 * its flag) is ose_dec_parse's value, and the message is refused exactly
 * when ose_dec_parse refuses the string.  Returns 1 if taken. */
static int by_check_price(const char *v)
{
	char buf[512];
	ose_dec want = 0;
	int ok = ose_dec_parse(v, strlen(v), &want) == OSE_DEC_OK;

	for (int tail = 0; tail < 2; tail++) {
		struct ose_event ev[4];
		struct ose_parse_out out = { .ev = ev, .cap = 4 };
		struct ose_parse_ctx ctx = { .venue = OSE_VENUE_BYBIT };
		size_t len = by_msg_price(buf, sizeof(buf), v, tail);
		enum ose_parse_res r = ose_bybit_parse(buf, len, 0, &ctx, &out);

		if (!*v) {
			/* "" is no price: no flag. */
			cr_assert_eq(r, OSE_PARSE_EVENTS);
			cr_assert(!(ev[0].flags & OSE_EVF_HAS_PRICE));
			continue;
		}
		cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "\"%s\": parse %d, ose_dec_parse %d", v, r, ok);
		if (ok) {
			cr_assert(ev[0].flags & OSE_EVF_HAS_PRICE);
			cr_assert(ev[0].price == want, "\"%s\": price differs", v);
		}
	}
	return ok;
}

/* Every string of up to 6 bytes over digits, '.', '-' and a letter, and
 * random digit runs with a point up to 20 bytes: the inline shapes
 * ("[-]I[.F]", 1..8 digits each) and everything around them. */
Test(bybit, inline_decimal_matches_ose_dec_parse)
{
	unsigned taken = dc_each(6, 20000, 4, by_check_price, NULL), fast = 0;

	/* The helper itself: whenever it answers, it is ose_dec_parse. */
	for (int i = 0; i < 20000; i++) {
		char b[40] = { 0 };
		unsigned n = (unsigned)rand() % 19, k = 0;
		ose_dec a = 0, want = 0;
		if (rand() % 4 == 0)
			b[k++] = '-';
		for (; k < n; k++)
			b[k] = rand() % 7 ? (char)('0' + rand() % 10) : '.';
		memcpy(b + n, "\",\"x\":\"yyyyyyyyyyyy", 19);
		if (ose_swar_dec_short(b, n, &a)) {
			fast++;
			cr_assert_eq(ose_dec_parse(b, n, &want), OSE_DEC_OK, "%.*s", (int)n, b);
			cr_assert(a == want, "%.*s", (int)n, b);
		}
	}
	/* Both sides were exercised. */
	cr_assert_gt(taken, 1000);
	cr_assert_gt(fast, 1000);
}

/* updatedTime strings of 13 bytes (the inline path) and others: the
 * event time is ose_ts_parse_epoch's (ms), and the message is refused
 * exactly when it refuses. */
Test(bybit, inline_time_matches_ose_ts_parse_epoch)
{
	static const char *const ts[] = {
		"1672364262457", "0000000000000", "9223372036854", "9223372036855", "9999999999999",
		"167236426245x", "-672364262457", "1672364262.45", "167236426245", "16723642624570",
		"1", "", "1672364262457.5", "0000000000001", "1x72364262457", "16723642 2457",
	};
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		char buf[512];
		struct ose_event ev[4];
		struct ose_parse_out out = { .ev = ev, .cap = 4 };
		struct ose_parse_ctx ctx = { .venue = OSE_VENUE_BYBIT };
		int64_t want = 0;
		int ok = *ts[i] ? ose_ts_parse_epoch(ts[i], strlen(ts[i]), OSE_TS_MS, &want) == 0 : 1;
		int n = snprintf(buf, sizeof(buf),
				 "{\"topic\":\"order\",\"creationTime\":1,\"data\":[{\"symbol\":\"B\","
				 "\"orderId\":\"1\",\"side\":\"Buy\",\"orderStatus\":\"New\",\"cumExecQty\":\"0\","
				 "\"updatedTime\":\"%s\",\"orderIv\":\"\",\"positionIdx\":0}]}",
				 ts[i]);
		enum ose_parse_res r = ose_bybit_parse(buf, (size_t)n, 0, &ctx, &out);
		cr_assert_eq(r == OSE_PARSE_EVENTS, ok, "\"%s\"", ts[i]);
		/* 0 (or none) is no time: creationTime (1 ms) stands in. */
		if (ok)
			cr_assert_eq(ev[0].exch_ts_ns, want ? want : 1000000, "\"%s\"", ts[i]);
	}
}
