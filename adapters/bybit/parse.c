/* SPDX-License-Identifier: MIT */
/*
 * Bybit v5 private stream: payload -> normalised events (reference §4).
 *
 * Topics: "order" (and order.spot/.linear/...): order updates, several
 * per message (data[]), no last-fill fields; "execution" (and
 * execution.<category>, execution.fast): one OSE_EV_FILL per trade with
 * execId as trade_id and seq as venue_seq.  Values are strings with ""
 * and null standing for "none" (trap 4); positionIdx and friends are
 * numbers and are not read.  Session: {"op":"auth"|"subscribe"|"pong"|
 * "ping",...} with either ret_msg/conn_id or retMsg/connId spellings.
 */
#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"
#include "adapters/json/swar.h"
#include "adapters/plain/plain.h"

#define likely(x) __builtin_expect(!!(x), 1)

enum { K_TOPIC, K_DATA, K_OP, K_SUCCESS, K_RETMSG, K_CTIME, K_OSE_TS, K_COUNT };
static const struct ose_json_key top_keys[K_COUNT] = {
	[K_TOPIC] = OSE_JSON_KEY("topic"),
	[K_DATA] = OSE_JSON_KEY_F("data", OSE_JSON_EACH), /* normalised during the scan */
	[K_OP] = OSE_JSON_KEY("op"),
	[K_SUCCESS] = OSE_JSON_KEY("success"),
	[K_RETMSG] = OSE_JSON_KEY("ret_msg"),
	[K_CTIME] = OSE_JSON_KEY("creationTime"),
	[K_OSE_TS] = OSE_JSON_KEY("ose_ts"), /* simulator's send stamp (docs/sim.md) */
};
static struct ose_json_keyset top_ks = OSE_JSON_KEYSET(top_keys);
/* The wire's key orders (the order topic's, the execution topic's), for
 * the plain walk's expectations (adapters/plain/plain.h): they only make
 * it faster, never change what it finds.  ose_ts is the simulator's. */
static const char *const top_order[] = { "id", "topic", "creationTime", "data", "ose_ts", NULL };
static const char *const top_order2[] = { "topic", "id", "creationTime", "data", "ose_ts", NULL };
static struct ose_plain_keyset top_pks = OSE_PLAIN_KEYSET_ORDER2(top_keys, top_order, top_order2);

/* Both topics' element keys in one set (execution uses a subset plus
 * its own). */
enum {
	B_SYMBOL, B_ORDERID, B_LINKID, B_SIDE, B_ORDTYPE, B_TIF, B_STATUS, B_PRICE, B_QTY,
	B_CUMQTY, B_AVGPX, B_UTIME, B_REJECT, B_STOPTYPE,
	/* execution */
	B_EXECID, B_EXECQTY, B_EXECPX, B_EXECFEE, B_FEECCY, B_EXECTIME, B_SEQ, B_EXECTYPE,
	B_ORDPRICE, B_ORDQTY,
	B_COUNT
};
static const struct ose_json_key el_keys[B_COUNT] = {
	[B_SYMBOL] = OSE_JSON_KEY("symbol"),
	[B_ORDERID] = OSE_JSON_KEY("orderId"),
	[B_LINKID] = OSE_JSON_KEY("orderLinkId"),
	[B_SIDE] = OSE_JSON_KEY("side"),
	[B_ORDTYPE] = OSE_JSON_KEY("orderType"),
	[B_TIF] = OSE_JSON_KEY("timeInForce"),
	[B_STATUS] = OSE_JSON_KEY("orderStatus"),
	[B_PRICE] = OSE_JSON_KEY("price"),
	[B_QTY] = OSE_JSON_KEY("qty"),
	[B_CUMQTY] = OSE_JSON_KEY("cumExecQty"),
	[B_AVGPX] = OSE_JSON_KEY("avgPrice"),
	[B_UTIME] = OSE_JSON_KEY("updatedTime"),
	[B_REJECT] = OSE_JSON_KEY("rejectReason"),
	[B_STOPTYPE] = OSE_JSON_KEY("stopOrderType"),
	[B_EXECID] = OSE_JSON_KEY("execId"),
	[B_EXECQTY] = OSE_JSON_KEY("execQty"),
	[B_EXECPX] = OSE_JSON_KEY("execPrice"),
	[B_EXECFEE] = OSE_JSON_KEY("execFee"),
	[B_FEECCY] = OSE_JSON_KEY("feeCurrency"),
	[B_EXECTIME] = OSE_JSON_KEY("execTime"),
	[B_SEQ] = OSE_JSON_KEY("seq"),
	[B_EXECTYPE] = OSE_JSON_KEY("execType"),
	[B_ORDPRICE] = OSE_JSON_KEY("orderPrice"),
	[B_ORDQTY] = OSE_JSON_KEY("orderQty"),
};
static struct ose_json_keyset el_ks = OSE_JSON_KEYSET(el_keys);
/* data[] elements: every key of an order push (bybit-docs order.mdx and
 * the linear/spot pushes in the reference; closedPnl and the rpi and
 * cumFeeDetail keys are not in every category, createType is newer),
 * then of an execution push (execution.mdx). */
static const char *const el_order[] = {
	"symbol", "orderId", "side", "orderType", "cancelType", "price", "qty", "orderIv",
	"timeInForce", "orderStatus", "orderLinkId", "lastPriceOnCreated", "reduceOnly",
	"leavesQty", "leavesValue", "cumExecQty", "cumExecValue", "avgPrice", "blockTradeId",
	"positionIdx", "cumExecFee", "closedPnl", "createdTime", "updatedTime", "rejectReason",
	"stopOrderType", "tpslMode", "triggerPrice", "takeProfit", "stopLoss", "tpTriggerBy",
	"slTriggerBy", "tpLimitPrice", "slLimitPrice", "triggerDirection", "triggerBy",
	"closeOnTrigger", "category", "placeType", "smpType", "smpGroup", "smpOrderId",
	"feeCurrency", "createType", "cumFeeDetail", "rpiTakerAccess", "rpiMatchedQty", NULL,
};
static const char *const el_order2[] = {
	"category", "symbol", "closedSize", "execFee", "execId", "execPrice", "execQty",
	"execType", "execValue", "feeRate", "tradeIv", "markIv", "blockTradeId", "markPrice",
	"indexPrice", "underlyingPrice", "leavesQty", "orderId", "orderLinkId", "orderPrice",
	"orderQty", "orderType", "stopOrderType", "side", "execTime", "isLeverage", "isMaker",
	"seq", "marketUnit", "execPnl", "createType", "extraFees", "feeCurrency", NULL,
};
static struct ose_plain_keyset el_pks = OSE_PLAIN_KEYSET_ORDER2(el_keys, el_order, el_order2);

/* orderStatus (bybit-docs enum.mdx). */
static const struct ose_wire_map by_status[] = {
	OSE_WIRE("New", OSE_ST_NEW),
	OSE_WIRE("PartiallyFilled", OSE_ST_PARTIALLY_FILLED),
	OSE_WIRE("Untriggered", OSE_ST_NEW), /* conditional order, waiting */
	OSE_WIRE("Triggered", OSE_ST_NEW),   /* momentary, on its way to New */
	OSE_WIRE("Filled", OSE_ST_FILLED),
	OSE_WIRE("Cancelled", OSE_ST_CANCELED),
	OSE_WIRE("PartiallyFilledCanceled", OSE_ST_CANCELED), /* spot; cum kept */
	OSE_WIRE("Rejected", OSE_ST_REJECTED),                /* may carry fills */
	OSE_WIRE("Deactivated", OSE_ST_CANCELED), /* TP/SL/OCO cancelled before trigger */
};

static const struct ose_wire_map by_side[] = {
	OSE_WIRE("Buy", OSE_SIDE_BUY),
	OSE_WIRE("Sell", OSE_SIDE_SELL),
};

static const struct ose_wire_map by_type[] = {
	OSE_WIRE("Limit", OSE_OT_LIMIT),
	OSE_WIRE("Market", OSE_OT_MARKET),
};

#define TT(t, f) ((t) | ((f) << 8))
static const struct ose_wire_map by_tif[] = {
	OSE_WIRE("GTC", TT(0, OSE_TIF_GTC)),
	OSE_WIRE("IOC", TT(0, OSE_TIF_IOC)),
	OSE_WIRE("FOK", TT(0, OSE_TIF_FOK)),
	OSE_WIRE("PostOnly", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC)),
	OSE_WIRE("RPI", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_OTHER)),
};

/* execType values that are not trades on an order. */
static const struct ose_wire_map by_nontrade[] = {
	OSE_WIRE("Funding", 1),
	OSE_WIRE("Settle", 1),
};

#define FAIL(rc, why) return ose_ev_fail(out, (rc), (why))

#define CHECK(expr, name)              \
	do {                           \
		if ((rc = (expr)) < 0) { \
			*why = (name); \
			return rc;     \
		}                      \
	} while (0)

/*
 * ose_json_read_ts(v, OSE_TS_MS, ns, NULL) with Bybit's usual value, a
 * string of 13 digits (epoch ms), read as two words; the rest (and every
 * error) is the reader's.
 */
static inline int by_ts_ms(const struct ose_json_val *v, int64_t *ns, const char *end)
{
#if OSE_SWAR
	if (likely(v->type == OSE_JSON_STRING && v->len == 13 && !v->esc && end - v->p >= 16)) {
		uint64_t x = ose_swar_load(v->p), y = ose_swar_load(v->p + 8), ms;
		if (likely(ose_swar_ndigits(x) == 8 && ose_swar_ndigits(y) >= 5)) {
			ms = ose_swar_value(x - OSE_SWAR_ZEROS) * 100000u + ose_swar_value_n(y, 5);
			/* ose_ts_parse_epoch's limit: beyond it, its error. */
			if (likely(ms <= (uint64_t)INT64_MAX / 1000000u)) {
				*ns = (int64_t)(ms * 1000000u);
				return 0;
			}
		}
	}
#else
	(void)end;
#endif
	return ose_json_read_ts(v, OSE_TS_MS, ns, NULL);
}

/* Fields both topics share: ids, symbol, side, type. */
static int by_common(const struct ose_json_val *o, struct ose_event *ev, const char *topic,
		     const char **why)
{
	int rc, v;

	v = OSE_WIRE_LOOKUP(&o[B_SIDE], by_side);
	if (v < 0) {
		*why = topic[0] == 'o' ? "order.side" : "execution.side";
		return o[B_SIDE].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD
							 : -OSE_PERR_WRONG_TYPE;
	}
	ev->side = (uint8_t)v;
	v = OSE_WIRE_LOOKUP(&o[B_ORDTYPE], by_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : ose_json_has(&o[B_ORDTYPE]) ? OSE_OT_OTHER : 0);
	/* A stop/TP/SL order says so in stopOrderType ("" or "UNKNOWN" if not). */
	if (ose_json_has(&o[B_STOPTYPE]) && !OSE_JSON_STR_EQ(&o[B_STOPTYPE], "UNKNOWN"))
		ev->ord_type = OSE_OT_STOP;

	CHECK(ose_ev_str_fast(&o[B_SYMBOL], ev->symbol, sizeof(ev->symbol), 0),
	      topic[0] == 'o' ? "order.symbol" : "execution.symbol");
	if (rc == 0) {
		*why = topic[0] == 'o' ? "order.symbol" : "execution.symbol";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[B_ORDERID], ev->order_id, sizeof(ev->order_id), 1),
	      topic[0] == 'o' ? "order.orderId" : "execution.orderId");
	if (rc == 0) {
		*why = topic[0] == 'o' ? "order.orderId" : "execution.orderId";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[B_LINKID], ev->client_id, sizeof(ev->client_id), 0),
	      topic[0] == 'o' ? "order.orderLinkId" : "execution.orderLinkId");
	return 0;
}

static int by_order(const struct ose_json_val *o, const struct ose_parse_ctx *ctx,
		    struct ose_event *ev, const char *end, const char **why)
{
	int rc, v;

	ose_ev_init(ev, OSE_EV_ORDER, OSE_VENUE_BYBIT, ctx);
	v = OSE_WIRE_LOOKUP(&o[B_STATUS], by_status);
	if (v < 0) {
		*why = "order.orderStatus";
		return o[B_STATUS].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD
							   : -OSE_PERR_UNKNOWN_STATUS;
	}
	ev->status = (uint8_t)v;
	if ((rc = by_common(o, ev, "order", why)))
		return rc;
	v = OSE_WIRE_LOOKUP(&o[B_TIF], by_tif);
	if (v >= 0) {
		ev->tif = (uint8_t)(v >> 8);
		if (v & 0xff)
			ev->ord_type = (uint8_t)(v & 0xff);
	} else if (ose_json_has(&o[B_TIF])) {
		ev->tif = OSE_TIF_OTHER;
	}

	CHECK(ose_ev_dec_fast(ev, &o[B_PRICE], &ev->price, OSE_EVF_HAS_PRICE, end), "order.price");
	CHECK(ose_ev_dec_fast(ev, &o[B_QTY], &ev->qty, OSE_EVF_HAS_QTY, end), "order.qty");
	CHECK(ose_ev_dec_fast(ev, &o[B_CUMQTY], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY, end), "order.cumExecQty");
	if (!(ev->flags & OSE_EVF_HAS_CUM_QTY)) {
		*why = "order.cumExecQty";
		return -OSE_PERR_MISSING_FIELD;
	}
	/* avgPrice is "" (WS) or "0" (REST) before a fill. */
	if (ev->cum_qty != 0)
		CHECK(ose_ev_dec_fast(ev, &o[B_AVGPX], &ev->avg_px, OSE_EVF_HAS_AVG_PX, end), "order.avgPrice");
	CHECK(by_ts_ms(&o[B_UTIME], &ev->exch_ts_ns, end), "order.updatedTime");
	if (ose_json_has(&o[B_REJECT]) && !OSE_JSON_STR_EQ(&o[B_REJECT], "EC_NoError"))
		CHECK(ose_json_read_str_trunc(&o[B_REJECT], ev->reason, sizeof(ev->reason)),
		      "order.rejectReason");
	return 0;
}

/* Returns 1 if the element was a trade (ev filled), 0 to skip it. */
static int by_execution(const struct ose_json_val *o, const struct ose_parse_ctx *ctx,
			struct ose_event *ev, const char *end, const char **why)
{
	int rc;
	int64_t seq = 0;
	enum ose_json_got got = OSE_JGOT_ABSENT;

	if (OSE_WIRE_LOOKUP(&o[B_EXECTYPE], by_nontrade) > 0)
		return 0;
	ose_ev_init(ev, OSE_EV_FILL, OSE_VENUE_BYBIT, ctx);
	if ((rc = by_common(o, ev, "execution", why)))
		return rc;
	CHECK(ose_ev_str_fast(&o[B_EXECID], ev->trade_id, sizeof(ev->trade_id), 1),
	      "execution.execId");
	if (rc == 0) {
		*why = "execution.execId";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_dec_fast(ev, &o[B_EXECQTY], &ev->last_qty, OSE_EVF_HAS_LAST, end), "execution.execQty");
	if (!(ev->flags & OSE_EVF_HAS_LAST)) {
		*why = "execution.execQty";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_dec_fast(ev, &o[B_EXECPX], &ev->last_px, OSE_EVF_HAS_LAST_PX, end), "execution.execPrice");
	CHECK(ose_ev_dec_fast(ev, &o[B_EXECFEE], &ev->fee, OSE_EVF_HAS_FEE, end), "execution.execFee");
	CHECK(ose_ev_str_fast(&o[B_FEECCY], ev->fee_asset, sizeof(ev->fee_asset), 0),
	      "execution.feeCurrency");
	CHECK(ose_ev_dec_fast(ev, &o[B_ORDPRICE], &ev->price, OSE_EVF_HAS_PRICE, end), "execution.orderPrice");
	CHECK(ose_ev_dec_fast(ev, &o[B_ORDQTY], &ev->qty, OSE_EVF_HAS_QTY, end), "execution.orderQty");
	CHECK(by_ts_ms(&o[B_EXECTIME], &ev->exch_ts_ns, end), "execution.execTime");
	CHECK(ose_json_read_i64(&o[B_SEQ], &seq, &got), "execution.seq");
	if ((got == OSE_JGOT_NUMBER || got == OSE_JGOT_STRING) && seq >= 0) {
		ev->venue_seq = (uint64_t)seq;
		ev->flags |= OSE_EVF_HAS_SEQ;
	}
	return 1;
}

/* Which topic a data[] element belongs to. */
static int by_topic(const struct ose_json_val *t)
{
	if (t->type != OSE_JSON_STRING)
		return -1;
	if (t->len >= 5 && !memcmp(t->p, "order", 5) && (t->len == 5 || t->p[5] == '.'))
		return 0;
	if (t->len >= 9 && !memcmp(t->p, "execution", 9) && (t->len == 9 || t->p[9] == '.'))
		return 1;
	return -1;
}

struct by_each {
	const struct ose_parse_ctx *ctx;
	struct ose_parse_out *out;
	const struct ose_json_val *k; /* the outer vals, filled so far */
	const char *end;              /* the message's end (ose_ev_dec_fast, by_ts_ms) */
	uint32_t n;
	int guessed[2]; /* elements taken as order / execution before topic */
};

/* flatten: ose_swar_dec_short (static inline, which gcc otherwise calls
 * out of line) goes inline at its sites, as in Coinbase's cb_order_fn. */
static __attribute__((flatten)) int by_each_fn(void *arg, const struct ose_json_val *o,
					       const char **why)
{
	struct by_each *e = arg;
	int rc, exec;

	if (e->n >= e->out->cap) {
		*why = "bybit: more events than out->cap";
		return -OSE_PERR_TOO_MANY;
	}
	/* topic normally precedes data; if not, the element's own keys
	 * tell (checked against topic after the scan). */
	exec = by_topic(&e->k[K_TOPIC]);
	if (exec < 0) {
		if (e->k[K_TOPIC].type != OSE_JSON_ABSENT) {
			*why = "bybit: topic is neither order nor execution";
			return -OSE_PERR_UNKNOWN_MSG;
		}
		exec = o[B_EXECID].type != OSE_JSON_ABSENT;
		e->guessed[exec] = 1;
	}
	if (exec) {
		rc = by_execution(o, e->ctx, &e->out->ev[e->n], e->end, why);
		if (rc < 0)
			return rc;
		e->n += (uint32_t)rc;
	} else {
		rc = by_order(o, e->ctx, &e->out->ev[e->n], e->end, why);
		if (rc < 0)
			return rc;
		/* No updatedTime: the message's creationTime (a number) is
		 * the best event time we have. */
		if (e->out->ev[e->n].exch_ts_ns == 0 &&
		    ose_json_read_ts(&e->k[K_CTIME], OSE_TS_MS, &e->out->ev[e->n].exch_ts_ns, NULL) < 0) {
			*why = "bybit: creationTime";
			return -OSE_PERR_TIMESTAMP;
		}
		e->n++;
	}
	return 0;
}

/* Every key set this file indexes (venues.h). */
void ose_bybit_prepare(void)
{
	ose_json_keyset_prepare(&top_ks);
	ose_json_keyset_prepare(&el_ks);
	ose_plain_keyset_prepare(&top_pks);
	ose_plain_keyset_prepare(&el_pks);
}

enum ose_parse_res ose_bybit_parse(const char *msg, size_t len, int binary,
				   const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_json_val k[K_COUNT], o[B_COUNT];
	struct by_each each;
	struct ose_json_each ex;
	const char *why = "";
	uint32_t n = 0;
	int rc, is_exec;

	ose_ev_out_reset(out);
	if (binary)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "bybit: binary (SBE) frames are not supported");
	memset(&each, 0, sizeof(each));
	each.ctx = ctx;
	each.out = out;
	each.k = k;
	each.end = msg + len;
	ex.ks = &el_ks;
	ex.vals = o;
	ex.fn = by_each_fn;
	ex.arg = &each;
	ex.inner = NULL;
	{
		/* The plain walk first (a compact printable-ASCII frame, as
		 * Bybit sends); anything it declines - escapes, a callback's
		 * error, bad JSON - starts over with the scanner, which gives
		 * the same events and names the error.  Same callback, same
		 * views (tests/adapters/v2/test_plain.c, fuzz_bybit). */
		const struct ose_plain_each pe = { .ks = &el_pks, .vals = o, .fn = by_each_fn,
						   .arg = &each };
		if (ose_plain_obj_get_each(msg, len, &top_pks, k, &pe) != 0) {
			ose_ev_out_reset(out);
			each.n = 0;
			each.guessed[0] = each.guessed[1] = 0;
			rc = ose_json_obj_get_each(msg, len, &top_ks, k, &ex, &why);
			if (rc)
				FAIL(rc, why);
		}
	}

	if (k[K_OP].type != OSE_JSON_ABSENT && k[K_TOPIC].type == OSE_JSON_ABSENT) {
		const struct ose_json_val *op = &k[K_OP];
		int ok = 1;
		if (k[K_SUCCESS].type != OSE_JSON_ABSENT &&
		    ose_json_read_bool(&k[K_SUCCESS], &ok, NULL) < 0)
			FAIL(-OSE_PERR_WRONG_TYPE, "bybit: success");
		if (OSE_JSON_STR_EQ(op, "auth"))
			return ok ? ose_ev_session(out, OSE_SESS_AUTH_OK, "bybit: auth")
				  : ose_ev_session(out, OSE_SESS_AUTH_FAIL, "bybit: auth refused");
		if (OSE_JSON_STR_EQ(op, "subscribe"))
			return ok ? ose_ev_session(out, OSE_SESS_SUBSCRIBED, "bybit: subscribed")
				  : ose_ev_session(out, OSE_SESS_ERROR, "bybit: subscribe refused");
		if (OSE_JSON_STR_EQ(op, "pong"))
			return ose_ev_session(out, OSE_SESS_PONG, "bybit: pong");
		/* The public-style answer to our ping echoes op "ping" with
		 * ret_msg "pong"; a bare op "ping" is the venue asking. */
		if (OSE_JSON_STR_EQ(op, "ping"))
			return OSE_JSON_STR_EQ(&k[K_RETMSG], "pong")
				       ? ose_ev_session(out, OSE_SESS_PONG, "bybit: pong")
				       : ose_ev_session(out, OSE_SESS_PING, "bybit: ping");
		if (OSE_JSON_STR_EQ(op, "unsubscribe"))
			return ose_ev_session(out, OSE_SESS_OTHER, "bybit: unsubscribed");
		FAIL(-OSE_PERR_UNKNOWN_MSG, "bybit: unknown op");
	}

	if (k[K_TOPIC].type != OSE_JSON_STRING)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "bybit: neither op nor topic");
	is_exec = by_topic(&k[K_TOPIC]);
	if (is_exec < 0)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "bybit: topic is neither order nor execution");
	if (each.guessed[!is_exec])
		FAIL(-OSE_PERR_WRONG_TYPE, "bybit: data[] does not match the topic");
	if (k[K_DATA].type != OSE_JSON_ARRAY)
		FAIL(k[K_DATA].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD : -OSE_PERR_WRONG_TYPE,
		     "bybit: data");
	n = each.n;
	out->n = n;
	return ose_ev_done_json(out, ctx, &k[K_OSE_TS]);
}
