/* SPDX-License-Identifier: MIT */
/*
 * OKX v5 private stream: payload -> normalised events (reference §5).
 *
 * Push data: {"arg":{"channel":"orders",..},"data":[{order},...]}, every
 * value a JSON string, "" for "no value" (trap 4), several orders per
 * message (trap 20).  Documented duplicates (trap 18) are emitted as they
 * come: the engine deduplicates.  Session traffic: the text frame "pong"
 * (answer to our text "ping"), {"event":"login"|"subscribe"|"error"|
 * "notice"|"channel-conn-count"|...}.
 */
#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"

/* One pass: arg is walked in place (its channel lands in k[K_CHANNEL]),
 * each data[] element is normalised as the scan reaches it. */
enum { K_EVENT, K_CODE, K_ARG, K_CHANNEL, K_DATA, K_OSE_TS, K_COUNT };
static const struct ose_json_key top_keys[K_COUNT] = {
	[K_EVENT] = OSE_JSON_KEY("event"),
	[K_CODE] = OSE_JSON_KEY("code"),
	[K_ARG] = OSE_JSON_KEY_F("arg", OSE_JSON_DESCEND),
	[K_CHANNEL] = OSE_JSON_KEY("channel"),
	[K_DATA] = OSE_JSON_KEY_F("data", OSE_JSON_EACH),
	[K_OSE_TS] = OSE_JSON_KEY("ose_ts"), /* simulator's send stamp (docs/sim.md) */
};
static struct ose_json_keyset top_ks = OSE_JSON_KEYSET(top_keys);

enum {
	O_INSTID, O_ORDID, O_CLORDID, O_SIDE, O_ORDTYPE, O_STATE, O_PX, O_SZ, O_ACCFILLSZ,
	O_FILLSZ, O_FILLPX, O_TRADEID, O_FILLFEE, O_FILLFEECCY, O_AVGPX, O_UTIME, O_CODE, O_MSG,
	O_COUNT
};
static const struct ose_json_key ord_keys[O_COUNT] = {
	[O_INSTID] = OSE_JSON_KEY("instId"),
	[O_ORDID] = OSE_JSON_KEY("ordId"),
	[O_CLORDID] = OSE_JSON_KEY("clOrdId"),
	[O_SIDE] = OSE_JSON_KEY("side"),
	[O_ORDTYPE] = OSE_JSON_KEY("ordType"),
	[O_STATE] = OSE_JSON_KEY("state"),
	[O_PX] = OSE_JSON_KEY("px"),
	[O_SZ] = OSE_JSON_KEY("sz"),
	[O_ACCFILLSZ] = OSE_JSON_KEY("accFillSz"),
	[O_FILLSZ] = OSE_JSON_KEY("fillSz"),
	[O_FILLPX] = OSE_JSON_KEY("fillPx"),
	[O_TRADEID] = OSE_JSON_KEY("tradeId"),
	[O_FILLFEE] = OSE_JSON_KEY("fillFee"),
	[O_FILLFEECCY] = OSE_JSON_KEY("fillFeeCcy"),
	[O_AVGPX] = OSE_JSON_KEY("avgPx"),
	[O_UTIME] = OSE_JSON_KEY("uTime"),
	[O_CODE] = OSE_JSON_KEY("code"),
	[O_MSG] = OSE_JSON_KEY("msg"),
};
static struct ose_json_keyset ord_ks = OSE_JSON_KEYSET(ord_keys);

/* state (docs orders channel). */
static const struct ose_wire_map okx_status[] = {
	OSE_WIRE("live", OSE_ST_NEW),
	OSE_WIRE("partially_filled", OSE_ST_PARTIALLY_FILLED),
	OSE_WIRE("filled", OSE_ST_FILLED),
	OSE_WIRE("canceled", OSE_ST_CANCELED),
	OSE_WIRE("mmp_canceled", OSE_ST_CANCELED), /* market-maker protection */
};

static const struct ose_wire_map okx_side[] = {
	OSE_WIRE("buy", OSE_SIDE_BUY),
	OSE_WIRE("sell", OSE_SIDE_SELL),
};

/* ordType carries both the type and the time in force: val = type | tif << 8. */
#define TT(t, f) ((t) | ((f) << 8))
static const struct ose_wire_map okx_type[] = {
	OSE_WIRE("limit", TT(OSE_OT_LIMIT, OSE_TIF_GTC)),
	OSE_WIRE("market", TT(OSE_OT_MARKET, OSE_TIF_NONE)),
	OSE_WIRE("post_only", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC)),
	OSE_WIRE("fok", TT(OSE_OT_LIMIT, OSE_TIF_FOK)),
	OSE_WIRE("ioc", TT(OSE_OT_LIMIT, OSE_TIF_IOC)),
	OSE_WIRE("optimal_limit_ioc", TT(OSE_OT_MARKET, OSE_TIF_IOC)),
	OSE_WIRE("mmp", TT(OSE_OT_LIMIT, OSE_TIF_GTC)),
	OSE_WIRE("mmp_and_post_only", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC)),
	OSE_WIRE("op_fok", TT(OSE_OT_LIMIT, OSE_TIF_FOK)),
};

/* Login error codes (60004..60009 timestamp/key/sign/passphrase,
 * 60024 wrong passphrase, 60032 key expired). */
static int okx_auth_code(const struct ose_json_val *code)
{
	int64_t c = 0;
	if (ose_json_read_i64(code, &c, NULL))
		return 0;
	return (c >= 60004 && c <= 60009) || c == 60024 || c == 60032;
}

#define FAIL(rc, why) return ose_ev_fail(out, (rc), (why))

static int okx_order(const struct ose_json_val *o, const struct ose_parse_ctx *ctx,
		     struct ose_event *ev, const char **why)
{
	int rc, v;

#define CHECK(expr, name)              \
	do {                           \
		if ((rc = (expr)) < 0) { \
			*why = (name); \
			return rc;     \
		}                      \
	} while (0)

	ose_ev_init(ev, OSE_EV_ORDER, OSE_VENUE_OKX, ctx);
	v = OSE_WIRE_LOOKUP(&o[O_STATE], okx_status);
	if (v < 0) {
		*why = "orders.state";
		return o[O_STATE].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD
							  : -OSE_PERR_UNKNOWN_STATUS;
	}
	ev->status = (uint8_t)v;
	v = OSE_WIRE_LOOKUP(&o[O_SIDE], okx_side);
	if (v < 0) {
		*why = "orders.side";
		return o[O_SIDE].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD
							 : -OSE_PERR_WRONG_TYPE;
	}
	ev->side = (uint8_t)v;
	v = OSE_WIRE_LOOKUP(&o[O_ORDTYPE], okx_type);
	if (v >= 0) {
		ev->ord_type = (uint8_t)(v & 0xff);
		ev->tif = (uint8_t)(v >> 8);
	} else if (ose_json_has(&o[O_ORDTYPE])) {
		ev->ord_type = OSE_OT_OTHER;
	}

	CHECK(ose_json_read_str(&o[O_INSTID], ev->symbol, sizeof(ev->symbol), NULL), "orders.instId");
	if (rc == 0) {
		*why = "orders.instId";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_json_read_id(&o[O_ORDID], ev->order_id, sizeof(ev->order_id), NULL), "orders.ordId");
	if (rc == 0) {
		*why = "orders.ordId";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_json_read_str(&o[O_CLORDID], ev->client_id, sizeof(ev->client_id), NULL),
	      "orders.clOrdId");

	CHECK(ose_ev_dec(ev, &o[O_PX], &ev->price, OSE_EVF_HAS_PRICE), "orders.px");
	CHECK(ose_ev_dec(ev, &o[O_SZ], &ev->qty, OSE_EVF_HAS_QTY), "orders.sz");
	CHECK(ose_ev_dec(ev, &o[O_ACCFILLSZ], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY), "orders.accFillSz");
	if (!(ev->flags & OSE_EVF_HAS_CUM_QTY)) {
		*why = "orders.accFillSz";
		return -OSE_PERR_MISSING_FIELD;
	}
	/* fillSz/fillPx/fillFee describe this update's fill on the WS
	 * channel ("" when there is none). */
	CHECK(ose_ev_dec(ev, &o[O_FILLSZ], &ev->last_qty, OSE_EVF_HAS_LAST), "orders.fillSz");
	CHECK(ose_ev_dec(ev, &o[O_FILLPX], &ev->last_px, OSE_EVF_HAS_LAST_PX), "orders.fillPx");
	CHECK(ose_ev_dec(ev, &o[O_FILLFEE], &ev->fee, OSE_EVF_HAS_FEE), "orders.fillFee");
	/* OKX signs fees as balance changes (negative = charged); ose_event
	 * counts a charge as positive, like Binance n and Bybit execFee. */
	ev->fee = -ev->fee;
	CHECK(ose_json_read_str(&o[O_FILLFEECCY], ev->fee_asset, sizeof(ev->fee_asset), NULL),
	      "orders.fillFeeCcy");
	CHECK(ose_json_read_id(&o[O_TRADEID], ev->trade_id, sizeof(ev->trade_id), NULL),
	      "orders.tradeId");
	/* avgPx is "0" before any fill: only meaningful with accFillSz > 0. */
	if (ev->cum_qty != 0)
		CHECK(ose_ev_dec(ev, &o[O_AVGPX], &ev->avg_px, OSE_EVF_HAS_AVG_PX), "orders.avgPx");

	CHECK(ose_json_read_ts(&o[O_UTIME], OSE_TS_MS, &ev->exch_ts_ns, NULL), "orders.uTime");
	if (!OSE_JSON_STR_EQ(&o[O_CODE], "0") && ose_json_has(&o[O_MSG]))
		CHECK(ose_json_read_str_trunc(&o[O_MSG], ev->reason, sizeof(ev->reason)), "orders.msg");
	return 0;
#undef CHECK
}

struct okx_each {
	const struct ose_parse_ctx *ctx;
	struct ose_parse_out *out;
	const struct ose_json_val *k; /* the outer vals, filled so far */
	uint32_t n;
};

static int okx_each(void *arg, const struct ose_json_val *o, const char **why)
{
	struct okx_each *e = arg;
	int rc;

	/* arg normally precedes data: refuse other channels early. */
	if (e->k[K_CHANNEL].type != OSE_JSON_ABSENT && !OSE_JSON_STR_EQ(&e->k[K_CHANNEL], "orders")) {
		*why = "okx: arg.channel is not orders";
		return -OSE_PERR_UNKNOWN_MSG;
	}
	if (e->n >= e->out->cap) {
		*why = "okx: more orders than out->cap";
		return -OSE_PERR_TOO_MANY;
	}
	rc = okx_order(o, e->ctx, &e->out->ev[e->n], why);
	if (rc)
		return rc;
	e->n++;
	return 0;
}

/* Every key set this file indexes (venues.h). */
void ose_okx_prepare(void)
{
	ose_json_keyset_prepare(&top_ks);
	ose_json_keyset_prepare(&ord_ks);
}

enum ose_parse_res ose_okx_parse(const char *msg, size_t len, int binary,
				 const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_json_val k[K_COUNT], o[O_COUNT];
	struct okx_each each;
	struct ose_json_each ex;
	const char *why = "";
	uint32_t n = 0;
	int rc;

	ose_ev_out_reset(out);
	if (binary)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "okx: binary frame");
	/* Heartbeats are bare text, not JSON (trap 23). */
	if (len == 4 && !memcmp(msg, "pong", 4))
		return ose_ev_session(out, OSE_SESS_PONG, "okx: pong");
	if (len == 4 && !memcmp(msg, "ping", 4))
		return ose_ev_session(out, OSE_SESS_PING, "okx: ping");

	each.ctx = ctx;
	each.out = out;
	each.k = k;
	each.n = 0;
	ex.ks = &ord_ks;
	ex.vals = o;
	ex.fn = okx_each;
	ex.arg = &each;
	ex.inner = NULL;
	rc = ose_json_obj_get_each(msg, len, &top_ks, k, &ex, &why);
	if (rc)
		FAIL(rc, why);

	if (k[K_EVENT].type != OSE_JSON_ABSENT) {
		const struct ose_json_val *e = &k[K_EVENT];
		if (OSE_JSON_STR_EQ(e, "login"))
			return OSE_JSON_STR_EQ(&k[K_CODE], "0") || k[K_CODE].type == OSE_JSON_ABSENT
				       ? ose_ev_session(out, OSE_SESS_AUTH_OK, "okx: login")
				       : ose_ev_session(out, OSE_SESS_AUTH_FAIL, "okx: login refused");
		if (OSE_JSON_STR_EQ(e, "subscribe"))
			return ose_ev_session(out, OSE_SESS_SUBSCRIBED, "okx: subscribed");
		if (OSE_JSON_STR_EQ(e, "error"))
			return okx_auth_code(&k[K_CODE])
				       ? ose_ev_session(out, OSE_SESS_AUTH_FAIL, "okx: login refused")
				       : ose_ev_session(out, OSE_SESS_ERROR, "okx: error event");
		if (OSE_JSON_STR_EQ(e, "notice"))
			return ose_ev_session(out, OSE_SESS_SHUTDOWN, "okx: notice (service upgrade)");
		if (OSE_JSON_STR_EQ(e, "channel-conn-count-error"))
			return ose_ev_session(out, OSE_SESS_ERROR, "okx: channel-conn-count-error");
		if (OSE_JSON_STR_EQ(e, "unsubscribe") || OSE_JSON_STR_EQ(e, "channel-conn-count"))
			return ose_ev_session(out, OSE_SESS_OTHER, "okx: informational event");
		FAIL(-OSE_PERR_UNKNOWN_MSG, "okx: unknown event");
	}

	if (k[K_ARG].type != OSE_JSON_OBJECT || k[K_DATA].type == OSE_JSON_ABSENT)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "okx: neither event nor push data");
	if (!OSE_JSON_STR_EQ(&k[K_CHANNEL], "orders"))
		FAIL(-OSE_PERR_UNKNOWN_MSG, "okx: arg.channel is not orders");
	if (k[K_DATA].type != OSE_JSON_ARRAY)
		FAIL(-OSE_PERR_WRONG_TYPE, "okx: data");
	n = each.n;
	out->n = n;
	return ose_ev_done_json(out, ctx, &k[K_OSE_TS]);
}
