/* SPDX-License-Identifier: MIT */
/*
 * Reference §8 traps that concern the scanner, numbers, timestamps and
 * the Binance/OKX/Bybit adapters, one test per trap, named by number.
 * (Gate, Coinbase and MEXC traps are venues2's: tests/adapters/v2/.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"

static struct ose_event ev[8];
static struct ose_parse_out out;

static enum ose_parse_res parse(ose_adapter_parse_fn fn, const char *msg)
{
	struct ose_parse_ctx ctx = { .account = "t", .venue = OSE_VENUE_NONE };
	memset(ev, 0xab, sizeof(ev));
	memset(&out, 0, sizeof(out));
	out.ev = ev;
	out.cap = 8;
	return fn(msg, strlen(msg), 0, &ctx, &out);
}

static const char *dec(ose_dec v)
{
	static char buf[4][OSE_DEC_STRMAX];
	static int i;
	i = (i + 1) % 4;
	ose_dec_format(v, buf[i]);
	return buf[i];
}

#define EXPECT_EVENTS(fn, msg, n_)                                                             \
	do {                                                                                   \
		enum ose_parse_res r_ = parse(fn, msg);                                        \
		cr_assert_eq(r_, OSE_PARSE_EVENTS, "rc %d err %d (%s)", r_, out.err, out.why); \
		cr_assert_eq(out.n, (n_));                                                     \
	} while (0)

/* A Binance executionReport with fields replaced by the caller. */
static const char *bn_er(const char *x, const char *X, const char *l, const char *z,
			 const char *t, const char *c, const char *C)
{
	static char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"e\":\"executionReport\",\"E\":1759347763167,\"s\":\"ETHUSDT\",\"c\":\"%s\","
		 "\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\","
		 "\"p\":\"2500.00000000\",\"P\":\"0.00000000\",\"g\":-1,\"C\":\"%s\",\"x\":\"%s\","
		 "\"X\":\"%s\",\"r\":\"NONE\",\"i\":1234567890,\"l\":\"%s\",\"z\":\"%s\","
		 "\"L\":\"2500.00000000\",\"n\":\"0\",\"N\":null,\"T\":1759347763167,\"t\":%s}",
		 c, C, x, X, l, z, t);
	return buf;
}

/* 1: decimals are strings, trailing zeros vary, 19 fractional digits. */
Test(traps, trap_01_decimal_strings_exact)
{
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A-B\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"live\",\"px\":\"0.10000000\",\"sz\":\"0\","
		      "\"accFillSz\":\"0.0\",\"fillFee\":\"-0.0003998377369698171\"}]}",
		      1);
	cr_expect_str_eq(dec(ev[0].price), "0.1");
	cr_expect_str_eq(dec(ev[0].qty), "0");
	cr_expect_str_eq(dec(ev[0].cum_qty), "0");
	cr_expect_str_eq(dec(ev[0].fee), "0.0003998377369698171");
}

/* 2: numeric fields arrive as strings or bare numbers. */
Test(traps, trap_02_string_or_number)
{
	EXPECT_EVENTS(ose_binance_parse,
		      "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"SELL\","
		      "\"X\":\"NEW\",\"x\":\"NEW\",\"i\":5,\"q\":8.0,\"p\":0.8,\"z\":0}",
		      1);
	cr_expect_str_eq(dec(ev[0].qty), "8");
	cr_expect_str_eq(dec(ev[0].price), "0.8");
	cr_expect_str_eq(dec(ev[0].cum_qty), "0");
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"creationTime\":1672364262474,\"data\":[{\"symbol\":\"X\","
		      "\"orderId\":\"o\",\"side\":\"Buy\",\"orderStatus\":\"New\",\"price\":1.5,"
		      "\"qty\":\"2\",\"cumExecQty\":0,\"positionIdx\":0,\"updatedTime\":1672364262457}]}",
		      1);
	cr_expect_str_eq(dec(ev[0].price), "1.5");
	cr_expect_eq(ev[0].exch_ts_ns, 1672364262457000000LL);
	/* Without updatedTime the message's creationTime (a number) is used. */
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"creationTime\":1672364262474,\"data\":[{\"symbol\":\"X\","
		      "\"orderId\":\"o\",\"side\":\"Buy\",\"orderStatus\":\"New\",\"cumExecQty\":\"0\"}]}",
		      1);
	cr_expect_eq(ev[0].exch_ts_ns, 1672364262474000000LL);
}

/* 3: scientific notation accepted defensively when reading. */
Test(traps, trap_03_scientific_notation)
{
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"New\",\"price\":\"1e-05\",\"qty\":1E2,"
		      "\"cumExecQty\":\"0\"}]}",
		      1);
	cr_expect_str_eq(dec(ev[0].price), "0.00001");
	cr_expect_str_eq(dec(ev[0].qty), "100");
}

/* 4: "" and null stand in for numbers: flag stays clear. */
Test(traps, trap_04_empty_and_null)
{
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"PartiallyFilled\",\"price\":\"\",\"qty\":null,"
		      "\"cumExecQty\":\"0.5\",\"avgPrice\":null,\"leavesQty\":\"\"}]}",
		      1);
	cr_expect_eq(ev[0].flags & (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_AVG_PX), 0);
	cr_expect(ev[0].flags & OSE_EVF_HAS_CUM_QTY);
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"live\",\"px\":\"\",\"sz\":\"1\",\"accFillSz\":\"0\","
		      "\"fillSz\":\"\",\"fillPx\":\"\",\"avgPx\":\"\",\"tradeId\":\"\"}]}",
		      1);
	cr_expect_eq(ev[0].flags & (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX), 0);
	cr_expect_str_eq(ev[0].trade_id, "");
	/* Binance "N": null with n "0": no fee. */
	EXPECT_EVENTS(ose_binance_parse, bn_er("NEW", "NEW", "0", "0", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].flags & OSE_EVF_HAS_FEE, 0);
	cr_expect_str_eq(ev[0].fee_asset, "");
}

/* 5: large ids stay exact strings. */
Test(traps, trap_05_large_ids)
{
	EXPECT_EVENTS(ose_binance_parse,
		      "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\","
		      "\"X\":\"NEW\",\"x\":\"NEW\",\"i\":18446744073709551615,\"z\":\"0\"}",
		      1);
	cr_expect_str_eq(ev[0].order_id, "18446744073709551615");
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":"
		      "\"2497956918703120384\",\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\"}]}",
		      1);
	cr_expect_str_eq(ev[0].order_id, "2497956918703120384");
	/* Longer than OSE_ID_MAX - 1: refused, not truncated. */
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":"
			   "\"0123456789012345678901234567890123456789012345678\",\"side\":\"buy\","
			   "\"state\":\"live\",\"accFillSz\":\"0\"}]}"),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_TOO_LONG);
	cr_expect_eq(out.n, 0);
}

/* 6: booleans as strings. */
Test(traps, trap_06_boolean_strings)
{
	cr_expect_eq(parse(ose_bybit_parse, "{\"op\":\"auth\",\"success\":\"false\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_FAIL);
	cr_expect_eq(parse(ose_bybit_parse, "{\"op\":\"auth\",\"success\":true}"), OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_OK);
}

/* 7: timestamps: Binance ms ints (and µs), Bybit/OKX ms strings. */
Test(traps, trap_07_timestamps)
{
	EXPECT_EVENTS(ose_binance_parse,
		      "{\"e\":\"balanceUpdate\",\"E\":1573200697110123,\"a\":\"BTC\",\"d\":\"1\"}", 1);
	cr_expect_eq(ev[0].exch_ts_ns, 1573200697110123000LL); /* timeUnit=MICROSECOND */
	EXPECT_EVENTS(ose_binance_parse,
		      "{\"e\":\"balanceUpdate\",\"E\":1573200697110,\"a\":\"BTC\",\"d\":\"1\"}", 1);
	cr_expect_eq(ev[0].exch_ts_ns, 1573200697110000000LL);
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\",\"uTime\":\"1654084353264\"}]}",
		      1);
	cr_expect_eq(ev[0].exch_ts_ns, 1654084353264000000LL);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
			   "\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\",\"uTime\":\"soon\"}]}"),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_TIMESTAMP);
	cr_expect_str_eq(out.why, "orders.uTime");
}

/* 8: Binance one-letter keys are case-sensitive and overlap longer ones. */
Test(traps, trap_08_exact_keys)
{
	EXPECT_EVENTS(ose_binance_parse,
		      "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"Cs\":\"WRONG\",\"c\":\"req\","
		      "\"S\":\"BUY\",\"pL\":\"9\",\"pl\":\"9\",\"pY\":\"9\",\"p\":\"1.5\",\"gP\":\"9\","
		      "\"gOT\":\"x\",\"g\":-1,\"C\":\"orig\",\"X\":\"CANCELED\",\"x\":\"CANCELED\","
		      "\"i\":5,\"z\":\"0\",\"q\":\"2\",\"Z\":\"77\",\"I\":99,\"T\":2,\"O\":3}",
		      1);
	cr_expect_str_eq(ev[0].client_id, "orig");
	cr_expect_str_eq(dec(ev[0].price), "1.5");
	cr_expect_str_eq(dec(ev[0].cum_qty), "0");
	cr_expect_str_eq(ev[0].order_id, "5");
	cr_expect_eq(ev[0].exch_ts_ns, 1000000);
}

/* 9: CANCELED / Cancelled / canceled. */
Test(traps, trap_09_cancel_spellings)
{
	EXPECT_EVENTS(ose_binance_parse, bn_er("CANCELED", "CANCELED", "0", "0", "-1", "x", "o"), 1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"Cancelled\",\"cumExecQty\":\"0\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"canceled\",\"accFillSz\":\"0\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
	/* The other spellings are not silently accepted. */
	cr_expect_eq(parse(ose_bybit_parse,
			   "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\","
			   "\"side\":\"Buy\",\"orderStatus\":\"Canceled\",\"cumExecQty\":\"0\"}]}"),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
			   "\"side\":\"buy\",\"state\":\"cancelled\",\"accFillSz\":\"0\"}]}"),
		     OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
}

/* 10: partial-fill spellings. */
Test(traps, trap_10_partial_fill_spellings)
{
	EXPECT_EVENTS(ose_binance_parse,
		      bn_er("TRADE", "PARTIALLY_FILLED", "0.5", "0.5", "7", "a", ""), 1);
	cr_expect_eq(ev[0].status, OSE_ST_PARTIALLY_FILLED);
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"PartiallyFilled\",\"cumExecQty\":\"1\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_PARTIALLY_FILLED);
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"partially_filled\",\"accFillSz\":\"1\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_PARTIALLY_FILLED);
}

/* 11: partially-filled-then-cancelled keeps its filled quantity; a
 * Rejected Bybit order can carry fills. */
Test(traps, trap_11_cancel_after_partial)
{
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Sell\",\"orderStatus\":\"PartiallyFilledCanceled\",\"qty\":\"2\","
		      "\"cumExecQty\":\"0.7\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
	cr_expect_str_eq(dec(ev[0].cum_qty), "0.7");
	EXPECT_EVENTS(ose_binance_parse, bn_er("EXPIRED", "EXPIRED", "0", "0.3", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].status, OSE_ST_EXPIRED);
	cr_expect_str_eq(dec(ev[0].cum_qty), "0.3");
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"canceled\",\"accFillSz\":\"0.25\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
	cr_expect_str_eq(dec(ev[0].cum_qty), "0.25");
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"Rejected\",\"cumExecQty\":\"50.0\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_REJECTED);
	cr_expect_str_eq(dec(ev[0].cum_qty), "50");
}

/* 12: odd states map to the §5 names. */
Test(traps, trap_12_odd_states)
{
	EXPECT_EVENTS(ose_binance_parse, bn_er("NEW", "PENDING_NEW", "0", "0", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].status, OSE_ST_PENDING_NEW);
	EXPECT_EVENTS(ose_binance_parse,
		      bn_er("TRADE_PREVENTION", "EXPIRED_IN_MATCH", "0", "0", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].status, OSE_ST_EXPIRED);
	static const char *const by[][2] = {
		{ "Untriggered", "2" }, { "Triggered", "2" }, { "Deactivated", "6" } };
	for (int i = 0; i < 3; i++) {
		char m[512];
		snprintf(m, sizeof(m),
			 "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
			 "\"Buy\",\"orderStatus\":\"%s\",\"cumExecQty\":\"0\"}]}",
			 by[i][0]);
		EXPECT_EVENTS(ose_bybit_parse, m, 1);
		cr_expect_eq(ev[0].status, by[i][1][0] - '0', "%s", by[i][0]);
	}
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"state\":\"mmp_canceled\",\"accFillSz\":\"0\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_CANCELED);
}

/* 13: x=TRADE with l=0 (even with X=NEW); TRADE_PREVENTION with l>0 is
 * not a fill; OKX filled with fillSz "0".  Cumulative drives fills. */
Test(traps, trap_13_exec_type_vs_last_qty)
{
	EXPECT_EVENTS(ose_binance_parse, bn_er("TRADE", "NEW", "0", "0", "5", "a", ""), 1);
	cr_expect(ev[0].flags & OSE_EVF_HAS_LAST);
	cr_expect_str_eq(dec(ev[0].last_qty), "0");
	cr_expect_str_eq(ev[0].trade_id, "5");
	EXPECT_EVENTS(ose_binance_parse,
		      bn_er("TRADE_PREVENTION", "EXPIRED_IN_MATCH", "0.5", "0", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].flags & OSE_EVF_HAS_LAST, 0);
	cr_expect_str_eq(ev[0].trade_id, "");
	EXPECT_EVENTS(ose_okx_parse,
		      "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
		      "\"side\":\"buy\",\"ordType\":\"market\",\"state\":\"filled\",\"sz\":\"1\","
		      "\"accFillSz\":\"1\",\"fillSz\":\"0\"}]}",
		      1);
	cr_expect_eq(ev[0].status, OSE_ST_FILLED);
	cr_expect_str_eq(dec(ev[0].cum_qty), "1");
	cr_expect_str_eq(dec(ev[0].last_qty), "0");
}

/* 14: Bybit order topic has no last fill; fills come from execution. */
Test(traps, trap_14_bybit_fills_from_execution)
{
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":"
		      "\"Buy\",\"orderStatus\":\"Filled\",\"cumExecQty\":\"1\"}]}",
		      1);
	cr_expect_eq(ev[0].flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX), 0);
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"execution\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\","
		      "\"side\":\"Buy\",\"execId\":\"e1\",\"execQty\":\"0.4\",\"execPrice\":\"10\","
		      "\"execType\":\"Trade\",\"seq\":7},{\"symbol\":\"X\",\"orderId\":\"o\","
		      "\"side\":\"Buy\",\"execId\":\"f1\",\"execQty\":\"0\",\"execType\":\"Funding\"}]}",
		      1);
	cr_expect_eq(ev[0].kind, OSE_EV_FILL);
	cr_expect_eq(ev[0].status, OSE_ST_NONE);
	cr_expect_str_eq(ev[0].trade_id, "e1");
	cr_expect_str_eq(dec(ev[0].last_qty), "0.4");
	cr_expect_str_eq(dec(ev[0].last_px), "10");
}

/* 16: Binance cancels: C (the order's own id) wins over c. */
Test(traps, trap_16_binance_cancel_client_id)
{
	EXPECT_EVENTS(ose_binance_parse,
		      bn_er("CANCELED", "CANCELED", "0", "0", "-1", "cancelMyOrder1", "myOrder1"), 1);
	cr_expect_str_eq(ev[0].client_id, "myOrder1");
	EXPECT_EVENTS(ose_binance_parse, bn_er("NEW", "NEW", "0", "0", "-1", "myOrder1", ""), 1);
	cr_expect_str_eq(ev[0].client_id, "myOrder1");
}

/* 17: only Bybit execution carries a sequence (seq -> venue_seq). */
Test(traps, trap_17_sequence_numbers)
{
	EXPECT_EVENTS(ose_bybit_parse,
		      "{\"topic\":\"execution\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\","
		      "\"side\":\"Sell\",\"execId\":\"e\",\"execQty\":\"1\",\"seq\":140612148849382}]}",
		      1);
	cr_expect(ev[0].flags & OSE_EVF_HAS_SEQ);
	cr_expect_eq(ev[0].venue_seq, 140612148849382ULL);
	EXPECT_EVENTS(ose_binance_parse, bn_er("NEW", "NEW", "0", "0", "-1", "a", ""), 1);
	cr_expect_eq(ev[0].flags & OSE_EVF_HAS_SEQ, 0);
}

/* 18: documented duplicates are emitted as they come (engine dedups). */
Test(traps, trap_18_duplicates_emitted)
{
	const char *m = "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
			"\"side\":\"buy\",\"state\":\"filled\",\"accFillSz\":\"1\",\"tradeId\":\"9\"},"
			"{\"instId\":\"A\",\"ordId\":\"1\",\"side\":\"buy\",\"state\":\"filled\","
			"\"accFillSz\":\"1\",\"tradeId\":\"9\"}]}";
	EXPECT_EVENTS(ose_okx_parse, m, 2);
	cr_expect_str_eq(ev[0].trade_id, ev[1].trade_id);
	cr_expect_eq(ev[0].cum_qty == ev[1].cum_qty, 1);
}

/* 20: several orders (and symbols) per frame; cap respected. */
Test(traps, trap_20_several_orders_per_frame)
{
	char m[4096];
	size_t o = (size_t)snprintf(m, sizeof(m), "{\"topic\":\"order\",\"data\":[");
	for (int i = 0; i < 9; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o,
				      "%s{\"symbol\":\"S%d\",\"orderId\":\"o%d\",\"side\":\"Buy\","
				      "\"orderStatus\":\"New\",\"cumExecQty\":\"0\"}",
				      i ? "," : "", i, i);
	snprintf(m + o, sizeof(m) - o, "]}");
	/* 9 orders, room for 8: refused whole, no partial output. */
	cr_expect_eq(parse(ose_bybit_parse, m), OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_TOO_MANY);
	cr_expect_eq(out.n, 0);
	strcpy(strstr(m, ",{\"symbol\":\"S8\""), "]}");
	EXPECT_EVENTS(ose_bybit_parse, m, 8);
	cr_expect_str_eq(ev[7].symbol, "S7");
	cr_expect_str_eq(ev[7].order_id, "o7");
}

/* 22: Binance wrapped, combined and bare envelopes give the same event. */
Test(traps, trap_22_binance_envelopes)
{
	const char *inner = bn_er("TRADE", "FILLED", "1", "1", "3", "a", "");
	char bare[2048], wrapped[2200], combined[2200];
	struct ose_event e0;
	snprintf(bare, sizeof(bare), "%s", inner);
	snprintf(wrapped, sizeof(wrapped), "{\"subscriptionId\":0,\"event\":%s}", bare);
	snprintf(combined, sizeof(combined), "{\"stream\":\"abc\",\"data\":%s}", bare);
	EXPECT_EVENTS(ose_binance_parse, bare, 1);
	e0 = ev[0];
	EXPECT_EVENTS(ose_binance_parse, wrapped, 1);
	cr_expect_eq(memcmp(&e0, &ev[0], sizeof(e0)), 0);
	EXPECT_EVENTS(ose_binance_parse, combined, 1);
	cr_expect_eq(memcmp(&e0, &ev[0], sizeof(e0)), 0);
	/* Binary (SBE) frames are refused with a reason. */
	{
		struct ose_parse_ctx ctx = { .account = "t" };
		out.ev = ev;
		out.cap = 8;
		cr_expect_eq(ose_binance_parse(bare, strlen(bare), 1, &ctx, &out), OSE_PARSE_ERROR);
		cr_expect_eq(out.err, OSE_PERR_UNKNOWN_MSG);
	}
}

/* 23: app-level pings: OKX text pong, Bybit op pong / ping. */
Test(traps, trap_23_app_pings)
{
	cr_expect_eq(parse(ose_okx_parse, "pong"), OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_PONG);
	cr_expect_eq(parse(ose_bybit_parse,
			   "{\"req_id\":\"test\",\"op\":\"pong\",\"args\":[\"1675418560633\"],\"conn_id\":\"x\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_PONG);
	cr_expect_eq(parse(ose_bybit_parse,
			   "{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"x\",\"op\":\"ping\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_PONG);
	cr_expect_eq(parse(ose_bybit_parse, "{\"op\":\"ping\"}"), OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_PING);
	/* "pong" as JSON text is not the OKX heartbeat. */
	cr_expect_eq(parse(ose_okx_parse, "\"pong\""), OSE_PARSE_ERROR);
}

/* 24: announced shutdowns. */
Test(traps, trap_24_shutdown_notices)
{
	cr_expect_eq(parse(ose_binance_parse,
			   "{\"subscriptionId\":0,\"event\":{\"e\":\"serverShutdown\",\"E\":1}}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_SHUTDOWN);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"event\":\"notice\",\"code\":\"64008\",\"msg\":\"The connection will "
			   "soon be closed for a service upgrade.\",\"connId\":\"a4d3ae55\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_SHUTDOWN);
	cr_expect_eq(parse(ose_binance_parse, "{\"e\":\"listenKeyExpired\",\"E\":1,\"listenKey\":\"k\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_EXPIRED);
}

/* Session acks of each venue. */
Test(traps, session_acks)
{
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\",\"connId\":\"a4d3ae55\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_OK);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"event\":\"error\",\"code\":\"60009\",\"msg\":\"Login failed.\",\"connId\":\"a\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_FAIL);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"orders\",\"instType\":\"ANY\"},"
			   "\"connId\":\"a\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_SUBSCRIBED);
	cr_expect_eq(parse(ose_okx_parse,
			   "{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_ERROR);
	cr_expect_eq(parse(ose_binance_parse,
			   "{\"id\":\"x\",\"status\":401,\"error\":{\"code\":-1022,\"msg\":\"Signature\"}}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_FAIL);
	cr_expect_eq(parse(ose_binance_parse,
			   "{\"id\":\"x\",\"status\":200,\"result\":{\"apiKey\":\"k\",\"authorizedSince\":1}}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_AUTH_OK);
	cr_expect_eq(parse(ose_binance_parse,
			   "{\"id\":\"x\",\"status\":400,\"error\":{\"code\":-1100,\"msg\":\"bad\"}}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_ERROR);
	cr_expect_eq(parse(ose_bybit_parse,
			   "{\"success\":false,\"ret_msg\":\"x\",\"op\":\"subscribe\",\"conn_id\":\"y\"}"),
		     OSE_PARSE_SESSION);
	cr_expect_eq(out.session, OSE_SESS_ERROR);
}
