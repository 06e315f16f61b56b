/* SPDX-License-Identifier: MIT */
/*
 * Malformed corpus: truncation at every byte, invalid UTF-8, 1 MB strings,
 * 10,000-deep nesting, 40-digit numbers, wrong types, unknown statuses and
 * random mutations.  Each must give a counted error (a reason in range
 * and a non-empty why) and never a half-filled event (out->n == 0).
 * Inputs sit at the end of a guard page, so over-reads fault too.
 */
#include "tests/adapters/guard.h"

static struct ose_event ev[8];
static struct ose_parse_out out;

static enum ose_parse_res parse_at(ose_adapter_parse_fn fn, struct guard *g, const char *msg,
				   size_t len)
{
	struct ose_parse_ctx ctx = { .account = "m" };
	const char *m = guard_put(g, msg, len);
	memset(&out, 0, sizeof(out));
	out.ev = ev;
	out.cap = 8;
	out.n = 12345;
	return fn(m, len, 0, &ctx, &out);
}

static void expect_error(enum ose_parse_res r, const char *what)
{
	cr_assert_eq(r, OSE_PARSE_ERROR, "%s: accepted", what);
	cr_assert_eq(out.n, 0, "%s: %u events on error", what, out.n);
	cr_assert(out.err > OSE_PERR_NONE && out.err < OSE_PERR_COUNT, "%s: err %d", what, out.err);
	cr_assert(out.why && out.why[0], "%s: no reason", what);
}

static void expect_error_is(enum ose_parse_res r, enum ose_parse_err err, const char *what)
{
	expect_error(r, what);
	cr_expect_eq(out.err, err, "%s: err %d (%s), want %d", what, out.err, out.why, err);
}

/* Length of the message without trailing whitespace. */
static size_t trimmed(const char *m, size_t len)
{
	while (len && (m[len - 1] == '\n' || m[len - 1] == ' ' || m[len - 1] == '\r'))
		len--;
	return len;
}

Test(malformed, every_fixture_truncated_at_every_byte, .timeout = 240)
{
	struct guard g;
	guard_init(&g, 1 << 16);
	for (size_t i = 0; i < N_FX_FILES; i++) {
		size_t len;
		char *msg = fx_read(fx_files[i].path, &len);
		size_t full = trimmed(msg, len);
		for (size_t cut = 0; cut < full; cut++) {
			enum ose_parse_res r = parse_at(fx_files[i].parse, &g, msg, cut);
			char what[128];
			snprintf(what, sizeof(what), "%s cut at %zu", fx_files[i].path, cut);
			expect_error(r, what);
		}
		free(msg);
	}
	guard_free(&g);
}

Test(malformed, invalid_utf8_inside_strings)
{
	static const char *const bad[] = { "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
					   "\xe2\x82", "\x80" };
	struct guard g;
	guard_init(&g, 1 << 16);
	for (size_t i = 0; i < N_FX_FILES; i++) {
		size_t len;
		char *msg = fx_read(fx_files[i].path, &len);
		char *buf = malloc(len + 8);
		int in = 0, done = 0;
		/* Put each bad sequence right after the first few opening
		 * quotes of string values and keys. */
		for (size_t p = 0; p < len && done < 6; p++) {
			if (msg[p] == '\\') {
				p++;
				continue;
			}
			if (msg[p] != '"')
				continue;
			in = !in;
			if (!in)
				continue;
			const char *b = bad[done % 6];
			size_t bl = strlen(b);
			memcpy(buf, msg, p + 1);
			memcpy(buf + p + 1, b, bl);
			memcpy(buf + p + 1 + bl, msg + p + 1, len - p - 1);
			char what[128];
			snprintf(what, sizeof(what), "%s utf8 at %zu", fx_files[i].path, p);
			expect_error_is(parse_at(fx_files[i].parse, &g, buf, len + bl), OSE_PERR_UTF8, what);
			done++;
		}
		free(buf);
		free(msg);
	}
	guard_free(&g);
}

Test(malformed, one_megabyte_strings)
{
	const size_t big = 1 << 20;
	struct guard g;
	char *m = malloc(big + 256);
	size_t o;
	cr_assert(m);
	guard_init(&g, big + 256);

	/* 1 MB client id: too long for the field, refused. */
	o = (size_t)sprintf(m, "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"S\":\"BUY\","
			       "\"X\":\"NEW\",\"i\":1,\"z\":\"0\",\"c\":\"");
	memset(m + o, 'a', big);
	o += big;
	o += (size_t)sprintf(m + o, "\"}");
	expect_error_is(parse_at(ose_binance_parse, &g, m, o), OSE_PERR_TOO_LONG, "1MB c");
	cr_expect_str_eq(out.why, "executionReport.c");

	/* 1 MB string in a key nobody reads: fine. */
	o = (size_t)sprintf(m, "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"S\":\"BUY\","
			       "\"X\":\"NEW\",\"i\":1,\"z\":\"0\",\"c\":\"a\",\"junk\":\"");
	memset(m + o, 'b', big);
	o += big;
	o += (size_t)sprintf(m + o, "\"}");
	cr_expect_eq(parse_at(ose_binance_parse, &g, m, o), OSE_PARSE_EVENTS);
	cr_expect_eq(out.n, 1);

	/* ... but unterminated: truncated. */
	expect_error_is(parse_at(ose_binance_parse, &g, m, o - 2), OSE_PERR_TRUNCATED, "1MB open");

	/* 1 MB OKX instId and Bybit symbol. */
	o = (size_t)sprintf(m, "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"ordId\":\"1\","
			       "\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\",\"instId\":\"");
	memset(m + o, 'c', big);
	o += big;
	o += (size_t)sprintf(m + o, "\"}]}");
	expect_error_is(parse_at(ose_okx_parse, &g, m, o), OSE_PERR_TOO_LONG, "1MB instId");
	o = (size_t)sprintf(m, "{\"topic\":\"order\",\"data\":[{\"orderId\":\"1\",\"side\":\"Buy\","
			       "\"orderStatus\":\"New\",\"cumExecQty\":\"0\",\"symbol\":\"");
	memset(m + o, 'd', big);
	o += big;
	o += (size_t)sprintf(m + o, "\"}]}");
	expect_error_is(parse_at(ose_bybit_parse, &g, m, o), OSE_PERR_TOO_LONG, "1MB symbol");
	free(m);
	guard_free(&g);
}

Test(malformed, ten_thousand_deep_in_every_adapter)
{
	const size_t depth = 10000;
	static const struct {
		ose_adapter_parse_fn fn;
		const char *head, *tail;
	} cases[] = {
		{ ose_binance_parse, "{\"e\":\"executionReport\",\"x\":", "}" },
		{ ose_binance_parse, "{\"subscriptionId\":0,\"event\":", "}" },
		{ ose_okx_parse, "{\"arg\":{\"channel\":\"orders\"},\"data\":", "}" },
		{ ose_okx_parse, "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"x\":", "}]}" },
		{ ose_bybit_parse, "{\"topic\":\"order\",\"data\":", "}" },
		{ ose_bybit_parse, "{\"topic\":\"order\",\"data\":[{\"x\":", "}]}" },
	};
	struct guard g;
	char *m = malloc(2 * depth + 256);
	guard_init(&g, 2 * depth + 256);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int obj = 0; obj < 2; obj++) {
			size_t o = (size_t)sprintf(m, "%s", cases[c].head);
			for (size_t i = 0; i < depth; i++)
				m[o++] = '[';
			if (obj)
				o += (size_t)sprintf(m + o, "{\"a\":1}");
			for (size_t i = 0; i < depth; i++)
				m[o++] = ']';
			o += (size_t)sprintf(m + o, "%s", cases[c].tail);
			char what[96];
			snprintf(what, sizeof(what), "deep case %zu", c);
			enum ose_parse_res r = parse_at(cases[c].fn, &g, m, o);
			expect_error(r, what);
			cr_expect(out.err == OSE_PERR_TOO_DEEP || out.err == OSE_PERR_WRONG_TYPE,
				  "%s: err %d (%s)", what, out.err, out.why);
		}
	}
	free(m);
	guard_free(&g);
}

struct bad_msg {
	ose_adapter_parse_fn fn;
	const char *msg;
	enum ose_parse_err err;
	const char *why; /* NULL: any */
};

#define BN_ER(fields)                                                                       \
	"{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\",\"X\":\"NEW\"," \
	"\"x\":\"NEW\",\"i\":1,\"z\":\"0\"," fields "}"
#define OKX_ORD(fields)                                                                     \
	"{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","       \
	"\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\"," fields "}]}"
#define BY_ORD(fields)                                                                      \
	"{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":\"Buy\","  \
	"\"orderStatus\":\"New\",\"cumExecQty\":\"0\"," fields "}]}"

static const struct bad_msg bad_msgs[] = {
	/* 40-digit numbers */
	{ ose_binance_parse, BN_ER("\"q\":\"1234567890123456789012345678901234567890\""),
	  OSE_PERR_NUMBER, "executionReport.q" },
	{ ose_binance_parse, BN_ER("\"p\":1234567890123456789012345678901234567890"),
	  OSE_PERR_NUMBER, "executionReport.p" },
	{ ose_okx_parse, OKX_ORD("\"px\":\"0.1234567890123456789012345678901234567890\""),
	  OSE_PERR_NUMBER, "orders.px" },
	{ ose_bybit_parse, BY_ORD("\"price\":\"1234567890123456789012345678901234567890\""),
	  OSE_PERR_NUMBER, "order.price" },
	/* wrong types */
	{ ose_binance_parse, BN_ER("\"p\":{\"a\":1}"), OSE_PERR_WRONG_TYPE, "executionReport.p" },
	{ ose_binance_parse, BN_ER("\"N\":{}"), OSE_PERR_WRONG_TYPE, "executionReport.N" },
	{ ose_binance_parse, BN_ER("\"C\":[1]"), OSE_PERR_WRONG_TYPE, "executionReport.C" },
	{ ose_binance_parse,
	  "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\",\"X\":\"NEW\","
	  "\"i\":true,\"z\":\"0\"}",
	  OSE_PERR_WRONG_TYPE, "executionReport.i" },
	{ ose_binance_parse, "{\"e\":5}", OSE_PERR_WRONG_TYPE, NULL },
	{ ose_binance_parse, "{\"subscriptionId\":0,\"event\":\"x\"}", OSE_PERR_WRONG_TYPE, NULL },
	{ ose_okx_parse, OKX_ORD("\"sz\":true"), OSE_PERR_WRONG_TYPE, "orders.sz" },
	{ ose_okx_parse, "{\"arg\":{\"channel\":\"orders\"},\"data\":{\"a\":1}}",
	  OSE_PERR_WRONG_TYPE, NULL },
	{ ose_okx_parse, "{\"arg\":{\"channel\":\"orders\"},\"data\":[1]}", OSE_PERR_WRONG_TYPE,
	  NULL },
	{ ose_bybit_parse, BY_ORD("\"qty\":[]"), OSE_PERR_WRONG_TYPE, "order.qty" },
	{ ose_bybit_parse, "{\"topic\":\"order\",\"data\":\"x\"}", OSE_PERR_WRONG_TYPE, NULL },
	{ ose_bybit_parse, "[1,2,3]", OSE_PERR_WRONG_TYPE, NULL },
	/* unknown statuses */
	{ ose_binance_parse,
	  "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\","
	  "\"X\":\"SORT_OF_FILLED\",\"i\":1,\"z\":\"0\"}",
	  OSE_PERR_UNKNOWN_STATUS, "executionReport.X" },
	{ ose_okx_parse,
	  "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
	  "\"side\":\"buy\",\"state\":\"Live\",\"accFillSz\":\"0\"}]}",
	  OSE_PERR_UNKNOWN_STATUS, "orders.state" },
	{ ose_bybit_parse,
	  "{\"topic\":\"order\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":\"Buy\","
	  "\"orderStatus\":\"FILLED\",\"cumExecQty\":\"0\"}]}",
	  OSE_PERR_UNKNOWN_STATUS, "order.orderStatus" },
	/* missing fields */
	{ ose_binance_parse,
	  "{\"e\":\"executionReport\",\"E\":1,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\",\"X\":\"NEW\","
	  "\"z\":\"0\"}",
	  OSE_PERR_MISSING_FIELD, "executionReport.i" },
	{ ose_okx_parse,
	  "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"side\":\"buy\","
	  "\"state\":\"live\",\"accFillSz\":\"0\"}]}",
	  OSE_PERR_MISSING_FIELD, "orders.ordId" },
	{ ose_bybit_parse,
	  "{\"topic\":\"execution\",\"data\":[{\"symbol\":\"X\",\"orderId\":\"o\",\"side\":\"Buy\","
	  "\"execQty\":\"1\"}]}",
	  OSE_PERR_MISSING_FIELD, "execution.execId" },
	/* a bad second order spoils the message: nothing half-done escapes */
	{ ose_okx_parse,
	  "{\"arg\":{\"channel\":\"orders\"},\"data\":[{\"instId\":\"A\",\"ordId\":\"1\","
	  "\"side\":\"buy\",\"state\":\"live\",\"accFillSz\":\"0\"},{\"instId\":\"A\","
	  "\"ordId\":\"2\",\"side\":\"buy\",\"state\":\"??\",\"accFillSz\":\"0\"}]}",
	  OSE_PERR_UNKNOWN_STATUS, "orders.state" },
	/* unknown messages */
	{ ose_binance_parse, "{\"e\":\"somethingNew\",\"E\":1}", OSE_PERR_UNKNOWN_MSG, NULL },
	{ ose_okx_parse, "{\"arg\":{\"channel\":\"account\"},\"data\":[]}", OSE_PERR_UNKNOWN_MSG,
	  NULL },
	{ ose_okx_parse, "ping pong", OSE_PERR_SYNTAX, NULL },
	{ ose_bybit_parse, "{\"topic\":\"wallet\",\"data\":[]}", OSE_PERR_UNKNOWN_MSG, NULL },
	{ ose_bybit_parse, "{}", OSE_PERR_UNKNOWN_MSG, NULL },
	/* timestamps */
	{ ose_binance_parse,
	  "{\"e\":\"executionReport\",\"E\":-5,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\",\"X\":\"NEW\","
	  "\"i\":1,\"z\":\"0\"}",
	  OSE_PERR_TIMESTAMP, "executionReport.E" },
	{ ose_binance_parse,
	  "{\"e\":\"executionReport\",\"E\":true,\"s\":\"X\",\"c\":\"a\",\"S\":\"BUY\",\"X\":\"NEW\","
	  "\"i\":1,\"z\":\"0\"}",
	  OSE_PERR_TIMESTAMP, "executionReport.E" },
	{ ose_bybit_parse, BY_ORD("\"updatedTime\":\"12:00\""), OSE_PERR_TIMESTAMP,
	  "order.updatedTime" },
};

Test(malformed, numbers_types_statuses_fields)
{
	struct guard g;
	guard_init(&g, 1 << 14);
	for (size_t i = 0; i < sizeof(bad_msgs) / sizeof(bad_msgs[0]); i++) {
		const struct bad_msg *b = &bad_msgs[i];
		char what[64];
		snprintf(what, sizeof(what), "bad_msgs[%zu]", i);
		expect_error_is(parse_at(b->fn, &g, b->msg, strlen(b->msg)), b->err, what);
		if (b->why)
			cr_expect_str_eq(out.why, b->why, "%s", what);
	}
	guard_free(&g);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random flips, inserts and deletes: never a crash, never a half event,
 * and accepted events carry NUL-terminated strings. */
Test(malformed, random_mutations, .timeout = 240)
{
	struct guard g;
	guard_init(&g, 1 << 16);
	for (size_t i = 0; i < N_FX_FILES; i++) {
		size_t len;
		char *msg = fx_read(fx_files[i].path, &len);
		char *buf = malloc(len + 64);
		for (int it = 0; it < 1500; it++) {
			size_t n = len;
			memcpy(buf, msg, len);
			for (int k = 1 + (int)(rnd() % 3); k > 0 && n > 1; k--) {
				size_t at = rnd() % n;
				switch (rnd() % 3) {
				case 0:
					buf[at] = (char)rnd();
					break;
				case 1:
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = "\"{}[],:\\0e-.\x80 "[rnd() % 15];
					n++;
					break;
				default:
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
					break;
				}
			}
			enum ose_parse_res r = parse_at(fx_files[i].parse, &g, buf, n);
			if (r == OSE_PARSE_ERROR) {
				cr_assert_eq(out.n, 0);
				cr_assert(out.err > OSE_PERR_NONE && out.err < OSE_PERR_COUNT);
			} else if (r == OSE_PARSE_EVENTS) {
				for (uint32_t e = 0; e < out.n; e++) {
					cr_assert(memchr(ev[e].order_id, 0, sizeof(ev[e].order_id)));
					cr_assert(memchr(ev[e].client_id, 0, sizeof(ev[e].client_id)));
					cr_assert(memchr(ev[e].symbol, 0, sizeof(ev[e].symbol)));
					cr_assert(memchr(ev[e].trade_id, 0, sizeof(ev[e].trade_id)));
					cr_assert(memchr(ev[e].reason, 0, sizeof(ev[e].reason)));
					cr_assert(memchr(ev[e].fee_asset, 0, sizeof(ev[e].fee_asset)));
				}
			} else {
				cr_assert_eq(r, OSE_PARSE_SESSION);
			}
		}
		free(buf);
		free(msg);
	}
	guard_free(&g);
}
