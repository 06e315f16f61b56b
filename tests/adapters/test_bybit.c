/* SPDX-License-Identifier: MIT */
/* Bybit fixtures (reference §4, copied verbatim; the one-line session
 * samples are quoted from the reference's prose). */
#include "tests/adapters/fixture_check.h"
#include "tests/adapters/stamp_check.h"

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
