/* SPDX-License-Identifier: MIT */
/* OKX fixtures (reference §5, copied verbatim). */
#include "tests/adapters/fixture_check.h"
#include "tests/adapters/stamp_check.h"

#define ORD OSE_PARSE_EVENTS, 0, 1, OSE_EV_ORDER

static const struct fx_expect okx_fx[] = {
	/* fillFee -0.02522168 (charged) is normalised to +0.02522168. */
	{ "okx/orders_docs_push.json", ORD, OSE_ST_FILLED, OSE_SIDE_SELL, OSE_OT_LIMIT, OSE_TIF_GTC,
	  "BTC-USDT", "452197707845865472", "", "242589207", "USDT", NULL, "31527.1", "0.001",
	  "0.001", "0.001", "31527.1", "0.02522168", "31527.1", FX_MS(1654084353264LL), 0 },
	/* px "" on a market order: no price. */
	{ "okx/orders_swap_filled.json", ORD, OSE_ST_FILLED, OSE_SIDE_BUY, OSE_OT_MARKET,
	  OSE_TIF_NONE, "BTC-USDT-SWAP", "2497956918703120384", "001BTCUSDT20250106001",
	  "1518905529", NULL, NULL, NULL, "0.03", "0.03", "0.03", "103698.9", NULL, "103698.9",
	  FX_MS(1746947317402LL), 0 },
	{ "okx/orders_ioc_partial.json", ORD, OSE_ST_PARTIALLY_FILLED, OSE_SIDE_SELL, OSE_OT_LIMIT,
	  OSE_TIF_IOC, "BTC-USDT", "2497956918703120386", "IOC-TEST-001", "1518905531", NULL, NULL,
	  "50100", "0.05", "0.02", "0.02", "50100.5", NULL, "50100.5", FX_MS(1746947318502LL), 0 },
};
#define N_OKX (sizeof(okx_fx) / sizeof(okx_fx[0]))

ParameterizedTestParameters(okx, fixtures)
{
	static int idx[N_OKX];
	for (size_t i = 0; i < N_OKX; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, N_OKX);
}

ParameterizedTest(int *i, okx, fixtures)
{
	fx_check(ose_okx_parse, OSE_VENUE_OKX, &okx_fx[*i]);
}

/* The simulator's "ose_ts" stamp (docs/sim.md) lands in send_ts_ns of
 * every event and changes nothing else; fixtures keep 0 (fx_check_one). */
Test(okx, ose_ts_stamp)
{
	for (size_t i = 0; i < N_OKX; i++) {
		size_t len;
		char *msg = fx_load(okx_fx[i].file, &len);
		st_check_json_fixture(ose_okx_parse, OSE_VENUE_OKX, msg, len, 1);
		free(msg);
	}
	/* Several orders in one message (trap 20), compact as the simulator
	 * writes it: all of them stamped. */
	static const char two[] =
		"{\"arg\":{\"channel\":\"orders\",\"instType\":\"SPOT\"},\"data\":["
		"{\"instId\":\"BTC-USDT\",\"ordId\":\"1\",\"clOrdId\":\"a\",\"side\":\"buy\","
		"\"ordType\":\"limit\",\"state\":\"live\",\"px\":\"1\",\"sz\":\"2\",\"accFillSz\":\"0\","
		"\"fillSz\":\"\",\"fillPx\":\"\",\"uTime\":\"1654084353264\"},"
		"{\"instId\":\"BTC-USDT\",\"ordId\":\"2\",\"clOrdId\":\"b\",\"side\":\"sell\","
		"\"ordType\":\"limit\",\"state\":\"filled\",\"px\":\"1\",\"sz\":\"2\",\"accFillSz\":\"2\","
		"\"fillSz\":\"2\",\"fillPx\":\"1\",\"uTime\":\"1654084353265\"}]}";
	st_check_json_fixture(ose_okx_parse, OSE_VENUE_OKX, two, sizeof(two) - 1, 2);
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated. */
Test(okx, account_too_long)
{
	size_t len;
	char *msg = fx_load("okx/orders_docs_push.json", &len);
	st_check_account(ose_okx_parse, OSE_VENUE_OKX, msg, len, 0);
	free(msg);
}
