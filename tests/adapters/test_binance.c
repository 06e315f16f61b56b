/* SPDX-License-Identifier: MIT */
/* Binance fixtures (reference §1, copied verbatim; the docs' // comments
 * stripped where the reference marks them as the docs' own). */
#include "tests/adapters/fixture_check.h"
#include "tests/adapters/stamp_check.h"

#define ORD OSE_PARSE_EVENTS, 0, 1, OSE_EV_ORDER
#define BAL OSE_PARSE_EVENTS, 0, 1, OSE_EV_BALANCE

static const struct fx_expect bn_fx[] = {
	{ .file = "binance/ws_api_subscribe_response.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_SUBSCRIBED },
	{ .file = "binance/listen_key_expired.json", .res = OSE_PARSE_SESSION, .session = OSE_SESS_EXPIRED },
	{ "binance/execution_report_documented.json", ORD, OSE_ST_NEW, OSE_SIDE_BUY, OSE_OT_LIMIT,
	  OSE_TIF_GTC, "ETHBTC", "4293153", "mUvoqJxFIILMdfAW5iGSOW", NULL, NULL, NULL,
	  "0.1026441", "1", "0", NULL, NULL, NULL, NULL, FX_MS(1499405658658LL), 0 },
	{ "binance/execution_report_binance_us.json", ORD, OSE_ST_FILLED, OSE_SIDE_SELL,
	  OSE_OT_LIMIT, OSE_TIF_GTC, "BTCUSD", "2281896601", "T0ESHzso0banw0QiPFZYgj", "88685053",
	  "USD", NULL, "117290.77", "0.00042", "0.00042", "0.00042", "117290.77", "0.00492621",
	  NULL, FX_MS(1759347763167LL), 0 },
	/* x=TRADE_PREVENTION with l=0.5 and t=-1: not a fill (trap 13). */
	{ "binance/execution_report_trade_prevention.json", ORD, OSE_ST_EXPIRED, OSE_SIDE_BUY,
	  OSE_OT_LIMIT, OSE_TIF_GTC, "ETHUSDT", "1234567890", "O-12345-test-stp", NULL, NULL,
	  "SELF_TRADE_PREVENTION", "2500", "1", "0", NULL, NULL, NULL, NULL,
	  FX_MS(1759347763167LL), 0 },
	{ "binance/execution_report_pending_cancel.json", ORD, OSE_ST_PENDING_CANCEL,
	  OSE_SIDE_SELL, OSE_OT_LIMIT, OSE_TIF_GTC, "ETHUSDT", "9876543210", "O-12345-test-cancel",
	  NULL, NULL, NULL, "2500", "0.5", "0.1", NULL, NULL, NULL, NULL, FX_MS(1759347763167LL), 0 },
	/* x=TRADE with l=0: a zero last fill, cumulative z = 0.5 drives it. */
	{ "binance/execution_report_trade_l_zero_partial.json", ORD, OSE_ST_PARTIALLY_FILLED,
	  OSE_SIDE_BUY, OSE_OT_LIMIT, OSE_TIF_GTC, "ETHUSDT", "1234567890",
	  "O-12345-test-l-zero-partial", "12345678", NULL, NULL, "2500", "1", "0.5", "0", "0",
	  NULL, NULL, FX_MS(1759347763167LL), 0 },
	{ "binance/outbound_account_position.json", BAL, 0, 0, 0, 0, "ETH", "", "", NULL, NULL,
	  NULL, NULL, "10000", "0", NULL, NULL, NULL, NULL, FX_MS(1564034571105LL), 0 },
	{ "binance/balance_update.json", BAL, 0, 0, 0, 0, "BTC", "", "", NULL, NULL, NULL, NULL,
	  NULL, NULL, "100", NULL, NULL, NULL, FX_MS(1573200697110LL), 0 },
};
#define N_BN (sizeof(bn_fx) / sizeof(bn_fx[0]))

ParameterizedTestParameters(binance, fixtures)
{
	static int idx[N_BN];
	for (size_t i = 0; i < N_BN; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, N_BN);
}

ParameterizedTest(int *i, binance, fixtures)
{
	fx_check(ose_binance_parse, OSE_VENUE_BINANCE, &bn_fx[*i]);
}

/* Every fixture file in the directory has an expectation. */
Test(binance, fixture_count)
{
	cr_expect_eq(N_BN, 9);
}

/* The simulator's "ose_ts" stamp (docs/sim.md) lands in send_ts_ns of
 * every event, in each envelope (WS API wrapper, combined stream), and
 * changes nothing else; fixtures without it keep 0 (fx_check_one). */
Test(binance, ose_ts_stamp)
{
	static const char *files[] = {
		"binance/execution_report_documented.json",   /* {"subscriptionId","event"} */
		"binance/execution_report_pending_cancel.json", /* {"stream","data"} */
		"binance/outbound_account_position.json",
		"binance/balance_update.json",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *msg = fx_load(files[i], &len);
		st_check_json_fixture(ose_binance_parse, OSE_VENUE_BINANCE, msg, len, 1);
		free(msg);
	}
	/* A bare event as compact as the simulator writes it. */
	static const char bare[] =
		"{\"e\":\"executionReport\",\"E\":1499405658658,\"s\":\"ETHBTC\",\"c\":\"x\","
		"\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1\",\"p\":\"0.1\",\"x\":\"NEW\","
		"\"X\":\"NEW\",\"i\":4293153,\"z\":\"0\"}";
	st_check_json_fixture(ose_binance_parse, OSE_VENUE_BINANCE, bare, sizeof(bare) - 1, 1);
}

/* A session reply carrying a stamp is still the same session reply. */
Test(binance, ose_ts_on_session_reply)
{
	size_t len, n;
	char *msg = fx_load("binance/ws_api_subscribe_response.json", &len);
	char *s = st_stamp_json(msg, len, "1795386154366123456", &n);
	struct ose_event ev[ST_CAP];
	struct ose_parse_out out;
	cr_expect_eq(st_parse(ose_binance_parse, OSE_VENUE_BINANCE, "acct1", s, n, 0, ev, &out),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_SUBSCRIBED);
	free(s);
	free(msg);
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated. */
Test(binance, account_too_long)
{
	size_t len;
	char *msg = fx_load("binance/execution_report_documented.json", &len);
	st_check_account(ose_binance_parse, OSE_VENUE_BINANCE, msg, len, 0);
	free(msg);
	msg = fx_load("binance/outbound_account_position.json", &len);
	st_check_account(ose_binance_parse, OSE_VENUE_BINANCE, msg, len, 0);
	free(msg);
}

static enum ose_parse_res bn_parse_str(const char *msg, struct ose_event *ev, uint32_t cap,
				       struct ose_parse_out *out)
{
	struct ose_parse_ctx ctx = { .account = "acct1", .venue = OSE_VENUE_BINANCE };
	memset(out, 0, sizeof(*out));
	out->ev = ev;
	out->cap = cap;
	return ose_binance_parse(msg, strlen(msg), 0, &ctx, out);
}

/* outboundAccountPosition's B[] is read in the one walk of the message
 * (OSE_JSON_EACH): every entry an event with E's time even when E comes
 * after B, the first bad entry refuses the message with its field, too
 * many entries are OSE_PERR_TOO_MANY, and a B in another event type is
 * not read. */
Test(binance, account_position_entries)
{
	struct ose_event ev[4];
	struct ose_parse_out out;
	char buf[OSE_DEC_STRMAX];

	cr_assert_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"B\":[{\"a\":\"ETH\","
				  "\"f\":\"1.5\",\"l\":\"0\"},{\"a\":\"BTC\",\"f\":\"2\",\"l\":"
				  "\"0.25\"},{\"l\":\"3\",\"a\":\"USDT\"}],\"E\":1564034571105}",
				  ev, 4, &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 3);
	cr_expect_str_eq(ev[0].symbol, "ETH");
	cr_expect_str_eq(ev[1].symbol, "BTC");
	cr_expect_str_eq(ev[2].symbol, "USDT");
	ose_dec_format(ev[1].cum_qty, buf);
	cr_expect_str_eq(buf, "0.25");
	cr_expect(!(ev[2].flags & OSE_EVF_HAS_QTY));
	cr_expect(ev[2].flags & OSE_EVF_HAS_CUM_QTY);
	for (int i = 0; i < 3; i++) {
		cr_expect_eq(ev[i].exch_ts_ns, 1564034571105LL * 1000000);
		cr_expect_eq(ev[i].kind, OSE_EV_BALANCE);
		cr_expect_str_eq(ev[i].account, "acct1");
	}
	cr_expect_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"E\":1,\"B\":[{\"a\":\"A\"},"
				  "{\"a\":\"B\"},{\"a\":\"C\"}]}",
				  ev, 2, &out),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_TOO_MANY);
	cr_expect_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"E\":1,\"B\":[{\"a\":\"A\"},"
				  "{\"a\":\"B\",\"f\":\"x\"},{\"f\":\"1\"}]}",
				  ev, 4, &out),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_NUMBER);
	cr_expect_str_eq(out.why, "outboundAccountPosition.B[].f");
	cr_expect_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"E\":1,\"B\":[{\"f\":\"1\"}]}",
				  ev, 4, &out),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_MISSING_FIELD);
	cr_expect_str_eq(out.why, "outboundAccountPosition.B[].a");
	/* A syntax error after a bad entry is still a syntax error. */
	cr_expect_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"E\":1,\"B\":[{\"f\":\"1\"}],"
				  "\"x\":tru}",
				  ev, 4, &out),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_SYNTAX);
	cr_expect_eq(bn_parse_str("{\"e\":\"outboundAccountPosition\",\"E\":1,\"B\":[]}", ev, 4, &out),
		     OSE_PARSE_EVENTS);
	cr_expect_eq(out.n, 0);
	/* B in a balanceUpdate: not read, even with more entries than cap. */
	cr_expect_eq(bn_parse_str("{\"e\":\"balanceUpdate\",\"E\":1,\"a\":\"BTC\",\"d\":\"1\","
				  "\"B\":[{\"a\":\"A\"},{\"f\":\"x\"}]}",
				  ev, 1, &out),
		     OSE_PARSE_EVENTS);
	cr_expect_eq(out.n, 1);
	cr_expect_str_eq(ev[0].symbol, "BTC");
}
