/* SPDX-License-Identifier: MIT */
/*
 * MEXC adapter: every reference sample as a fixture (protobuf bytes from
 * the reference for orders; the deals example encoded by hand from the
 * reference's decoded form by fixtures/mexc/encode.py, which also checks
 * that it reproduces the reference's orders bytes exactly), generated
 * protobuf frames, JSON acks, the retired JSON format, traps 1/21, and
 * malformed input.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "v2_util.h"
#include "tests/adapters/stamp_check.h"

#define MS(x) ((int64_t)(x) * 1000000)
#define ORDER_F (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY)

static const struct v2_exp_ev ev_orders_doc[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_FILLED, .side = OSE_SIDE_SELL,
	.ord_type = OSE_OT_MARKET, .tif = OSE_TIF_NONE,
	.flags = ORDER_F | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_LAST | OSE_EVF_HAS_AVG_PX,
	.symbol = "MXUSDT", .order_id = "C02__505979017439002624115",
	.price = "3.5121", .qty = "1", .cum_qty = "1", .last_qty = "1", .avg_px = "3.6962",
	.exch_ts_ns = MS(1736417034281),
} };
static const struct v2_exp_ev ev_deals_doc[] = { {
	.kind = OSE_EV_FILL, .status = OSE_ST_NONE, .side = OSE_SIDE_SELL,
	.flags = OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX | OSE_EVF_HAS_FEE,
	.symbol = "MXUSDT", .order_id = "C02__505979017439002624115",
	.trade_id = "505979017439002624X1", .fee_asset = "MX",
	.last_qty = "1", .last_px = "3.6962", .fee = "0.0003998377369698171",
	.exch_ts_ns = MS(1736417034280),
} };
static const struct v2_exp_ev ev_partial[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_PARTIALLY_FILLED, .side = OSE_SIDE_SELL,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC,
	.flags = ORDER_F | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_LAST | OSE_EVF_HAS_AVG_PX,
	.symbol = "VPTUSDT", .order_id = "C02__523792577250553856035",
	.price = "0.01099", .qty = "702.23", .cum_qty = "100.09", .last_qty = "100.09",
	.avg_px = "0.01099", .exch_ts_ns = MS(1740664120600),
} };
static const struct v2_exp_ev ev_new_client[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_NEW, .side = OSE_SIDE_BUY,
	.ord_type = OSE_OT_LIMIT, .tif = OSE_TIF_GTC, .flags = ORDER_F,
	.symbol = "ATNUSDT", .order_id = "C02__531314991060594689035",
	.client_id = "ATNUSDT-00000195b290f7f0", .price = "0.5", .qty = "20",
	.exch_ts_ns = MS(1742457601133),
} };
static const struct v2_exp_ev ev_partcancel[] = { {
	.kind = OSE_EV_ORDER, .status = OSE_ST_CANCELED, .side = OSE_SIDE_BUY,
	.ord_type = OSE_OT_LIMIT_MAKER, .tif = OSE_TIF_GTC, .flags = ORDER_F | OSE_EVF_HAS_CUM_QTY,
	.symbol = "ATNUSDT", .order_id = "C02__531314991060594689036",
	.price = "0.5", .qty = "20", .cum_qty = "7.5", .exch_ts_ns = MS(1742457609999),
} };

#define EVC(f, e) { f, 1, OSE_PARSE_EVENTS, OSE_PERR_NONE, OSE_SESS_NONE, NULL, 1, e }
#define SESS(f, k) { f, 0, OSE_PARSE_SESSION, OSE_PERR_NONE, k, NULL, 0, NULL }
#define RETIRED(f) { f, 0, OSE_PARSE_ERROR, OSE_PERR_UNKNOWN_MSG, OSE_SESS_NONE, "mexc json v3 retired", 0, NULL }

static const struct v2_case mexc_cases[] = {
	EVC("mexc/orders_doc.hex", ev_orders_doc),
	EVC("mexc/deals_doc.hex", ev_deals_doc),
	EVC("mexc/orders_partial_gen.hex", ev_partial),
	EVC("mexc/orders_new_client_gen.hex", ev_new_client),
	EVC("mexc/orders_partcancel_shuffled_gen.hex", ev_partcancel),
	SESS("mexc/ack_orders_pb.json", OSE_SESS_SUBSCRIBED),
	SESS("mexc/pong.json", OSE_SESS_PONG),
	SESS("mexc/blocked_ack.json", OSE_SESS_ERROR),
	RETIRED("mexc/json_v3_order_doc.json"),
	RETIRED("mexc/json_v3_order_tralon1.json"),
	RETIRED("mexc/json_v3_order_tralon2.json"),
	RETIRED("mexc/json_v3_stop_doc.json"),
	RETIRED("mexc/json_v3_deals_doc.json"),
};
#define NCASES (sizeof(mexc_cases) / sizeof(mexc_cases[0]))

ParameterizedTestParameters(mexc, fixture)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, mexc, fixture)
{
	v2_check_case(ose_mexc_parse, OSE_VENUE_MEXC, &mexc_cases[*i]);
}

ParameterizedTestParameters(mexc, truncated_and_corrupted)
{
	static int idx[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, NCASES);
}

ParameterizedTest(int *i, mexc, truncated_and_corrupted, .timeout = 60)
{
	v2_check_truncations(ose_mexc_parse, OSE_VENUE_MEXC, &mexc_cases[*i]);
}

/* ---- a tiny encoder for hand-made frames ---- */
struct pbw {
	uint8_t b[1024];
	size_t n;
};
static void w_varint(struct pbw *w, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		w->b[w->n++] = (uint8_t)(c | (v ? 0x80 : 0));
	} while (v);
}
static void w_str(struct pbw *w, uint32_t num, const void *s, size_t len)
{
	w_varint(w, (uint64_t)num << 3 | 2);
	w_varint(w, len);
	memcpy(w->b + w->n, s, len);
	w->n += len;
}
static void w_cstr(struct pbw *w, uint32_t num, const char *s)
{
	w_str(w, num, s, strlen(s));
}
static void w_int(struct pbw *w, uint32_t num, uint64_t v)
{
	w_varint(w, (uint64_t)num << 3);
	w_varint(w, v);
}
/* Wrapper around an order body. */
static void wrap(struct pbw *out, uint32_t body_num, const struct pbw *body)
{
	out->n = 0;
	w_cstr(out, 1, "spot@private.orders.v3.api.pb");
	w_cstr(out, 3, "MXUSDT");
	w_int(out, 6, 1736417034281);
	w_str(out, body_num, body->b, body->n);
}
static struct pbw order_body(const char *id, int64_t status, const char *price)
{
	struct pbw b = { .n = 0 };
	w_cstr(&b, 1, id);
	w_cstr(&b, 3, price);
	w_cstr(&b, 4, "1");
	w_int(&b, 7, 1);
	w_int(&b, 8, 1);
	if (status)
		w_int(&b, 15, (uint64_t)status);
	return b;
}

static enum ose_parse_res run(const void *p, size_t n, int binary, struct ose_parse_out *out)
{
	static struct ose_event ev[4];
	struct v2_guard g;
	const char *gm = v2_guard_put(&g, p, n);
	enum ose_parse_res r = v2_parse(ose_mexc_parse, OSE_VENUE_MEXC, gm, n, binary, ev, 4, out);
	v2_guard_free(&g);
	return r;
}

Test(mexc, status_table)
{
	static const uint8_t want[] = { 0, OSE_ST_NEW, OSE_ST_FILLED, OSE_ST_PARTIALLY_FILLED,
					OSE_ST_CANCELED, OSE_ST_CANCELED };
	struct pbw w;
	struct ose_parse_out out;
	for (int s = 1; s <= 5; s++) {
		struct pbw b = order_body("C02__1", s, "1.5");
		wrap(&w, 304, &b);
		cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_EVENTS, "status %d", s);
		cr_assert_eq(out.ev[0].status, want[s]);
	}
	/* 0 (absent in proto3), 6, negative: counted unknown status. */
	int64_t bad[] = { 0, 6, 99, -1 };
	for (size_t i = 0; i < 4; i++) {
		struct pbw b = order_body("C02__1", bad[i], "1.5");
		wrap(&w, 304, &b);
		cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
		cr_assert_eq(out.err, OSE_PERR_UNKNOWN_STATUS);
		cr_assert_eq(out.n, 0);
	}
}

/* Trap 21: binary protobuf data and JSON text acks on one socket; the
 * opcode decides, and a "Blocked!" ack with code 0 is not a success. */
Test(mexc, trap21_binary_and_text_on_one_socket)
{
	size_t n;
	struct v2_case c = { .file = "mexc/orders_doc.hex" };
	char *bin = v2_load_msg(&c, &n);
	struct ose_parse_out out;
	cr_assert_eq(run(bin, n, 1, &out), OSE_PARSE_EVENTS);
	cr_assert_eq(run(bin, n, 0, &out), OSE_PARSE_ERROR); /* protobuf is not JSON */
	free(bin);
	const char *ack = "{\"id\":0,\"code\":0,\"msg\":\"spot@private.orders.v3.api.pb\"}";
	cr_assert_eq(run(ack, strlen(ack), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_SUBSCRIBED);
	cr_assert_eq(run(ack, strlen(ack), 1, &out), OSE_PARSE_ERROR); /* JSON is not protobuf */
	const char *two = "{\"id\":0,\"code\":0,\"msg\":\"spot@private.orders.v3.api.pb,spot@private.deals.v3.api.pb\"}";
	cr_assert_eq(run(two, strlen(two), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_SUBSCRIBED);
	const char *blocked = "{\"id\":0,\"code\":0,\"msg\":\"Not Subscribed successfully! [spot@private.orders.v3.api].  Reason\xef\xbc\x9a Blocked! \"}";
	cr_assert_eq(run(blocked, strlen(blocked), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_ERROR);
	/* code 0 echoing a JSON (non-.pb) topic: no data will come. */
	const char *json_topic = "{\"id\":0,\"code\":0,\"msg\":\"spot@private.orders.v3.api\"}";
	cr_assert_eq(run(json_topic, strlen(json_topic), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_ERROR);
	const char *err = "{\"id\":0,\"code\":1,\"msg\":\"Invalid listen key\"}";
	cr_assert_eq(run(err, strlen(err), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_ERROR);
	const char *ping = "{\"method\":\"PING\"}";
	cr_assert_eq(run(ping, strlen(ping), 0, &out), OSE_PARSE_SESSION);
	cr_assert_eq(out.session, OSE_SESS_PING);
}

/* Trap 1: decimals are strings, exact to 19 fractional digits. */
Test(mexc, trap1_exact_decimals)
{
	struct pbw w;
	struct ose_parse_out out;
	struct pbw b = order_body("C02__1", 1, "0.0003998377369698171");
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_EVENTS);
	char buf[OSE_DEC_STRMAX];
	ose_dec_format(out.ev[0].price, buf);
	cr_assert_str_eq(buf, "0.0003998377369698171");
	/* not a number, more than 20 fractional digits, huge: counted. */
	const char *bad[] = { "abc", "0.000000000000000000001", "99999999999999999999", "1..2" };
	for (size_t i = 0; i < 4; i++) {
		b = order_body("C02__1", 1, bad[i]);
		wrap(&w, 304, &b);
		cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR, "%s", bad[i]);
		cr_assert_eq(out.err, OSE_PERR_NUMBER);
	}
}

Test(mexc, malformed_wire)
{
	struct pbw w, b;
	struct ose_parse_out out;

	/* Order id too long for the event. */
	char id[80];
	memset(id, 'A', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	b = order_body(id, 1, "1");
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_LONG);

	/* id as a varint: wrong wire type. */
	b.n = 0;
	w_int(&b, 1, 5);
	w_int(&b, 15, 1);
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_WRONG_TYPE);

	/* Missing order id. */
	b.n = 0;
	w_int(&b, 15, 1);
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_MISSING_FIELD);

	/* A public channel body on the private feed. */
	b = order_body("x", 1, "1");
	wrap(&w, 301, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_MSG);

	/* Overlong varint (11 bytes). */
	static const uint8_t overlong[] = { 0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	cr_assert_eq(run(overlong, sizeof(overlong), 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_SYNTAX);

	/* Length prefix beyond the buffer (huge, and just one byte over). */
	static const uint8_t huge[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a' };
	cr_assert_eq(run(huge, sizeof(huge), 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TRUNCATED);
	static const uint8_t over1[] = { 0x0a, 0x02, 'a' };
	cr_assert_eq(run(over1, sizeof(over1), 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TRUNCATED);

	/* Field number 0, group wire type. */
	static const uint8_t f0[] = { 0x02, 0x00 };
	cr_assert_eq(run(f0, sizeof(f0), 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_SYNTAX);
	static const uint8_t grp[] = { 0x0b, 0x0c };
	cr_assert_eq(run(grp, sizeof(grp), 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_SYNTAX);

	/* Empty frames, a wrapper with no body, no room for the event. */
	cr_assert_eq(run("", 0, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(run("", 0, 0, &out), OSE_PARSE_ERROR);
	w.n = 0;
	w_cstr(&w, 1, "spot@private.orders.v3.api.pb");
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_UNKNOWN_MSG);
	b = order_body("x", 1, "1");
	wrap(&w, 304, &b);
	static struct ose_event one;
	cr_assert_eq(v2_parse(ose_mexc_parse, OSE_VENUE_MEXC, (const char *)w.b, w.n, 1, &one, 0, &out),
		     OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TOO_MANY);

	/* A negative sendTime is no timestamp. */
	w.n = 0;
	w_cstr(&w, 1, "spot@private.orders.v3.api.pb");
	w_cstr(&w, 3, "MXUSDT");
	w_int(&w, 6, (uint64_t)-5);
	w_str(&w, 304, b.b, b.n);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_TIMESTAMP);
}

/* Trap 5: MEXC order ids are strings like C02__523792577250553856035
 * (far above 2^64 if read as a number): kept byte for byte. */
Test(mexc, trap5_large_ids_as_strings)
{
	struct pbw w;
	struct ose_parse_out out;
	struct pbw b = order_body("C02__523792577250553856035", 1, "1");
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_EVENTS);
	cr_assert_str_eq(out.ev[0].order_id, "C02__523792577250553856035");
	/* An id with a NUL inside would hide its tail: refused. */
	b.n = 0;
	w_str(&b, 1, "C02__5\0x", 8);
	w_cstr(&b, 3, "1");
	w_int(&b, 15, 1);
	wrap(&w, 304, &b);
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_ERROR);
	cr_assert_eq(out.err, OSE_PERR_SYNTAX);
}

/* msg followed by field 99 written as the simulator writes it (tag
 * 0x98 0x06, varint), or with another wire type (LEN) when as_len. */
static char *mx_stamped(const char *msg, size_t len, uint64_t v, int as_len, size_t *n)
{
	struct pbw w = { .n = 0 };
	char *s = malloc(len + 16);
	cr_assert(s);
	if (as_len)
		w_str(&w, 99, "12345", 5);
	else
		w_int(&w, 99, v);
	memcpy(s, msg, len);
	memcpy(s + len, w.b, w.n);
	*n = len + w.n;
	return s;
}

/* The simulator's stamp, wrapper field 99 (docs/sim.md), lands in
 * send_ts_ns of orders and deals and changes nothing else; fixtures keep
 * 0 (v2_check_case); a non-varint or negative stamp is refused. */
Test(mexc, ose_ts_stamp)
{
	static const char *files[] = { "mexc/orders_doc.hex", "mexc/deals_doc.hex",
				       "mexc/orders_partcancel_shuffled_gen.hex" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct v2_case c = { .file = files[i] };
		size_t len, n;
		char *msg = v2_load_msg(&c, &len), *s;

		s = mx_stamped(msg, len, 1795386154366123456ULL, 0, &n);
		cr_assert_eq((unsigned char)s[len], 0x98); /* the tag docs/sim.md names */
		cr_assert_eq((unsigned char)s[len + 1], 0x06);
		st_check_stamp(ose_mexc_parse, OSE_VENUE_MEXC, msg, len, s, n, 1,
			       1795386154366123456LL, 1);
		free(s);
		s = mx_stamped(msg, len, (uint64_t)INT64_MAX, 0, &n);
		st_check_stamp(ose_mexc_parse, OSE_VENUE_MEXC, msg, len, s, n, 1, INT64_MAX, 1);
		free(s);
		s = mx_stamped(msg, len, 0, 1, &n);
		st_check_refused(ose_mexc_parse, OSE_VENUE_MEXC, s, n, 1, OSE_PERR_WRONG_TYPE,
				 "mexc wrapper.ose_ts");
		free(s);
		s = mx_stamped(msg, len, (uint64_t)INT64_MAX + 1, 0, &n); /* negative as int64 */
		st_check_refused(ose_mexc_parse, OSE_VENUE_MEXC, s, n, 1, OSE_PERR_NUMBER,
				 "mexc wrapper.ose_ts");
		free(s);
		free(msg);
	}
	/* Fields come in any order: a stamp before the body counts too. */
	struct pbw w, b = order_body("C02__1", 1, "1");
	w.n = 0;
	w_int(&w, 99, 42);
	w_cstr(&w, 1, "spot@private.orders.v3.api.pb");
	w_cstr(&w, 3, "MXUSDT");
	w_str(&w, 304, b.b, b.n);
	struct ose_parse_out out;
	cr_assert_eq(run(w.b, w.n, 1, &out), OSE_PARSE_EVENTS);
	cr_expect_eq(out.ev[0].send_ts_ns, 42);
}

/* ctx->account beyond OSE_ACCOUNT_MAX - 1 bytes: refused, not truncated. */
Test(mexc, account_too_long)
{
	static const char *files[] = { "mexc/orders_doc.hex", "mexc/deals_doc.hex" };
	for (size_t i = 0; i < 2; i++) {
		struct v2_case c = { .file = files[i] };
		size_t len;
		char *msg = v2_load_msg(&c, &len);
		st_check_account(ose_mexc_parse, OSE_VENUE_MEXC, msg, len, 1);
		free(msg);
	}
}
