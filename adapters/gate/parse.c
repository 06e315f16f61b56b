/* SPDX-License-Identifier: MIT */
/*
 * Gate.io spot v4 private stream (reference §2): payload -> events.
 *
 * Push: {"time":s,"time_ms":ms,"channel":"spot.orders"|"spot.usertrades",
 * "event":"update","result":[...]}; result[] may hold several orders or
 * trades, for several pairs (trap 20).
 *
 * spot.orders -> OSE_EV_ORDER.  There is no status field (trap 10): the
 * status comes from the order's own `event` and `finish_as` (table
 * gate_finish below):
 *   put            NEW (creation; fills arrive as `update`)
 *   update         PARTIALLY_FILLED once cum_qty > 0, else NEW
 *   finish         by finish_as: filled FILLED; cancelled and
 *                  liquidate_cancelled CANCELED (fills kept); ioc, fok,
 *                  poc, stp, small, depth_not_enough EXPIRED (the venue
 *                  removed the rest by the order's own rule, Binance's
 *                  EXPIRED / EXPIRED_IN_MATCH); trader_not_enough
 *                  REJECTED (balance).  finish without finish_as (older
 *                  streams): FILLED if left is 0, else CANCELED.  Other
 *                  values ("-", "unknown", "open") are counted
 *                  OSE_PERR_UNKNOWN_STATUS.
 * Quantities: qty = amount, cum_qty = filled_amount when present, else
 * amount - left.  Market BUY orders count amount and left in QUOTE
 * currency (trap 15): the event then carries OSE_EVF_QTY_IN_QUOTE, with
 * qty = amount and cum_qty = amount - left, both quote (filled_amount,
 * base, is not mixed in).  No last fill here: fills come from
 * spot.usertrades.  The order's fee is cumulative and is not copied (the
 * event's fee is one fill's fee).  Time: update_time_ms, else
 * update_time, else the envelope's time_ms.
 *
 * spot.usertrades -> OSE_EV_FILL: last_qty = amount, last_px = price,
 * fee/fee_currency, trade_id = id_market (per-market id, added 2025-01)
 * else id (global, being deprecated), time = create_time_ms, a
 * fractional-ms string ("1605176741123.456": trap 7), else create_time.
 *
 * Session: subscribe/unsubscribe acks (error.code 4 = auth failure),
 * spot.pong, {"type":"upgrade"} maintenance notice (SHUTDOWN), anything
 * else with an error object.  spot.balances and other channels are not
 * subscribed by our session: counted OSE_PERR_UNKNOWN_MSG.
 */
#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"
#include "adapters/json/swar.h"
#include "adapters/plain/plain.h"

#include <stdint.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)

enum { K_TIME_MS, K_CHANNEL, K_EVENT, K_RESULT, K_ERROR, K_TYPE, K_OSE_TS, K_COUNT };
static const struct ose_json_key top_keys[K_COUNT] = {
	[K_TIME_MS] = OSE_JSON_KEY("time_ms"),
	[K_CHANNEL] = OSE_JSON_KEY("channel"),
	[K_EVENT] = OSE_JSON_KEY("event"),
	[K_RESULT] = OSE_JSON_KEY_F("result", OSE_JSON_EACH),
	[K_ERROR] = OSE_JSON_KEY("error"),
	[K_TYPE] = OSE_JSON_KEY("type"),
	[K_OSE_TS] = OSE_JSON_KEY("ose_ts"), /* simulator's send stamp (docs/sim.md) */
};
static struct ose_json_keyset top_ks = OSE_JSON_KEYSET(top_keys);
/* The key orders Gate writes (reference §2 samples; the simulator's
 * too), for the plain walk's expectation (adapters/plain/plain.h). */
static const char *const top_order[] = { "time", "time_ms", "channel", "event", "result", NULL };
static struct ose_plain_keyset top_pks = OSE_PLAIN_KEYSET_ORDER(top_keys, top_order);

enum { KE_CODE, KE_COUNT };
static const struct ose_json_key err_keys[KE_COUNT] = {
	[KE_CODE] = OSE_JSON_KEY("code"),
};
static struct ose_json_keyset err_ks = OSE_JSON_KEYSET(err_keys);

enum {
	O_ID, O_TEXT, O_PAIR, O_TYPE, O_SIDE, O_AMOUNT, O_PRICE, O_TIF, O_LEFT, O_FILLED_AMOUNT,
	O_AVG, O_UPDATE_MS, O_UPDATE, O_EVENT, O_FINISH_AS, O_COUNT
};
static const struct ose_json_key ord_keys[O_COUNT] = {
	[O_ID] = OSE_JSON_KEY("id"),
	[O_TEXT] = OSE_JSON_KEY("text"),
	[O_PAIR] = OSE_JSON_KEY("currency_pair"),
	[O_TYPE] = OSE_JSON_KEY("type"),
	[O_SIDE] = OSE_JSON_KEY("side"),
	[O_AMOUNT] = OSE_JSON_KEY("amount"),
	[O_PRICE] = OSE_JSON_KEY("price"),
	[O_TIF] = OSE_JSON_KEY("time_in_force"),
	[O_LEFT] = OSE_JSON_KEY("left"),
	[O_FILLED_AMOUNT] = OSE_JSON_KEY("filled_amount"),
	[O_AVG] = OSE_JSON_KEY("avg_deal_price"),
	[O_UPDATE_MS] = OSE_JSON_KEY("update_time_ms"),
	[O_UPDATE] = OSE_JSON_KEY("update_time"),
	[O_EVENT] = OSE_JSON_KEY("event"),
	[O_FINISH_AS] = OSE_JSON_KEY("finish_as"),
};
static struct ose_json_keyset ord_ks = OSE_JSON_KEYSET(ord_keys);
static const char *const ord_order[] = {
	"id", "text", "create_time", "update_time", "currency_pair", "type", "account", "side",
	"amount", "price", "time_in_force", "left", "filled_total", "filled_amount",
	"avg_deal_price", "fee", "fee_currency", "point_fee", "gt_fee", "rebated_fee",
	"rebated_fee_currency", "create_time_ms", "update_time_ms", "user", "event", "stp_id",
	"stp_act", "finish_as", "biz_info", "amend_text", NULL,
};
/* The older documentation's order (its spot.orders example, before
 * 2023: user, times and event first, no filled_amount). */
static const char *const ord_order2[] = {
	"id", "user", "text", "create_time", "create_time_ms", "update_time", "update_time_ms",
	"event", "currency_pair", "type", "account", "side", "amount", "price", "time_in_force",
	"left", "filled_total", "fee", "fee_currency", "point_fee", "gt_fee", "gt_discount",
	"rebated_fee", "rebated_fee_currency", "finish_as", NULL,
};
static struct ose_plain_keyset ord_pks = OSE_PLAIN_KEYSET_ORDER2(ord_keys, ord_order, ord_order2);

enum {
	T_ID, T_ID_MARKET, T_ORDER_ID, T_PAIR, T_SIDE, T_AMOUNT, T_PRICE, T_FEE, T_FEE_CCY, T_TEXT,
	T_CREATE_MS, T_CREATE, T_COUNT
};
static const struct ose_json_key trade_keys[T_COUNT] = {
	[T_ID] = OSE_JSON_KEY("id"),
	[T_ID_MARKET] = OSE_JSON_KEY("id_market"),
	[T_ORDER_ID] = OSE_JSON_KEY("order_id"),
	[T_PAIR] = OSE_JSON_KEY("currency_pair"),
	[T_SIDE] = OSE_JSON_KEY("side"),
	[T_AMOUNT] = OSE_JSON_KEY("amount"),
	[T_PRICE] = OSE_JSON_KEY("price"),
	[T_FEE] = OSE_JSON_KEY("fee"),
	[T_FEE_CCY] = OSE_JSON_KEY("fee_currency"),
	[T_TEXT] = OSE_JSON_KEY("text"),
	[T_CREATE_MS] = OSE_JSON_KEY("create_time_ms"),
	[T_CREATE] = OSE_JSON_KEY("create_time"),
};
static struct ose_json_keyset trade_ks = OSE_JSON_KEYSET(trade_keys);
static const char *const trade_order[] = {
	"id", "user_id", "order_id", "currency_pair", "create_time", "create_time_ms", "side",
	"amount", "role", "price", "fee", "fee_currency", "point_fee", "gt_fee", "text",
	"id_market", NULL,
};
static struct ose_plain_keyset trade_pks = OSE_PLAIN_KEYSET_ORDER(trade_keys, trade_order);

/* The status table: finish_as of a `finish` event. */
static const struct ose_wire_map gate_finish[] = {
	OSE_WIRE("filled", OSE_ST_FILLED),
	OSE_WIRE("cancelled", OSE_ST_CANCELED),
	OSE_WIRE("liquidate_cancelled", OSE_ST_CANCELED),
	OSE_WIRE("ioc", OSE_ST_EXPIRED),
	OSE_WIRE("fok", OSE_ST_EXPIRED),
	OSE_WIRE("poc", OSE_ST_EXPIRED),
	OSE_WIRE("stp", OSE_ST_EXPIRED),
	OSE_WIRE("small", OSE_ST_EXPIRED),
	OSE_WIRE("depth_not_enough", OSE_ST_EXPIRED),
	OSE_WIRE("trader_not_enough", OSE_ST_REJECTED),
};

enum { GE_PUT = 1, GE_UPDATE, GE_FINISH };
static const struct ose_wire_map gate_event[] = {
	OSE_WIRE("put", GE_PUT),
	OSE_WIRE("update", GE_UPDATE),
	OSE_WIRE("finish", GE_FINISH),
};

static const struct ose_wire_map gate_side[] = {
	OSE_WIRE("buy", OSE_SIDE_BUY),
	OSE_WIRE("sell", OSE_SIDE_SELL),
};

/* type: margin variants trade like their base type. */
static const struct ose_wire_map gate_type[] = {
	OSE_WIRE("limit", OSE_OT_LIMIT),
	OSE_WIRE("market", OSE_OT_MARKET),
	OSE_WIRE("limit_repay", OSE_OT_LIMIT),
	OSE_WIRE("market_repay", OSE_OT_MARKET),
	OSE_WIRE("limit_borrow", OSE_OT_LIMIT),
	OSE_WIRE("market_borrow", OSE_OT_MARKET),
	OSE_WIRE("limit_borrow_repay", OSE_OT_LIMIT),
};

/* poc (pending-or-cancelled) is post-only: LIMIT_MAKER, GTC.  GATE_POC
 * marks it in the table value (the low byte is the tif). */
#define GATE_POC 0x100
static const struct ose_wire_map gate_tif[] = {
	OSE_WIRE("gtc", OSE_TIF_GTC),
	OSE_WIRE("ioc", OSE_TIF_IOC),
	OSE_WIRE("fok", OSE_TIF_FOK),
	OSE_WIRE("poc", OSE_TIF_GTC | GATE_POC),
};

#define FAIL(rc_, why_) return ose_ev_fail(out, (rc_), (why_))
#define CHECK(expr, w)                  \
	do {                            \
		int rc_ = (expr);       \
		if (rc_ < 0) {          \
			*why = (w);     \
			return rc_;     \
		}                       \
	} while (0)


/*
 * Inline readers for the values Gate writes most (as Bybit's parse.c):
 * each takes the common shape without a call and gives exactly what the
 * general reader would; anything else (null, "", escapes, long or odd
 * tokens, a value within a word of the message's end) goes to the
 * reader, which also says what is wrong.  end: the end of the message,
 * so that the word loads stay inside it.
 */

/* ose_json_read_dec(v, dst, &got) that says only whether a value was
 * there (*have: a string or a number). */
static inline __attribute__((always_inline)) int
gate_dec_have(const struct ose_json_val *v, ose_dec *dst, int *have, const char *end)
{
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int rc;

	if (ose_ev_dec_try(v, dst, end)) {
		*have = 1;
		return 0;
	}
	rc = ose_json_read_dec(v, dst, &got);
	*have = got == OSE_JGOT_STRING || got == OSE_JGOT_NUMBER;
	return rc;
}

/*
 * ose_json_read_ts(v, unit, ns, &got) that says only whether a value was
 * there (*have), with Gate's shapes inline: ms as 13 digits (a string in
 * results, a number in the envelope), ms with 1..6 decimals ("...123.456",
 * trap 7), seconds as 10 digits.  The limits are ose_ts_parse_epoch's
 * (a value at or past them goes to it, and its error).
 */
static inline __attribute__((always_inline)) int
gate_ts(const struct ose_json_val *v, enum ose_ts_unit unit, int64_t *ns, int *have,
	const char *end)
{
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int rc;

#if OSE_SWAR
	if (likely((v->type == OSE_JSON_STRING || v->type == OSE_JSON_NUMBER) && !v->esc &&
		   end - v->p >= 24)) {
		uint64_t x = ose_swar_load(v->p), y = ose_swar_load(v->p + 8), t;
		unsigned nf;

		if (unit == OSE_TS_MS && v->len >= 13 && ose_swar_ndigits(x) == 8 &&
		    ose_swar_ndigits(y) >= 5) {
			t = ose_swar_value(x - OSE_SWAR_ZEROS) * 100000u + ose_swar_value_n(y, 5);
			if (v->len == 13 && likely(t <= (uint64_t)INT64_MAX / 1000000u)) {
				*ns = (int64_t)(t * 1000000u);
				*have = 1;
				return 0;
			}
			/* Strictly below the limit: the fraction cannot overflow. */
			nf = (unsigned)(v->len - 14);
			if (v->p[13] == '.' && nf - 1 < 6 && t < (uint64_t)INT64_MAX / 1000000u) {
				uint64_t z = ose_swar_load(v->p + 14);
				if (ose_swar_ndigits(z) >= nf) {
					*ns = (int64_t)(t * 1000000u +
							ose_swar_value_n(z, nf) * ose_p10[6 - nf]);
					*have = 1;
					return 0;
				}
			}
		} else if (unit == OSE_TS_S && v->len == 10 && ose_swar_ndigits(x) == 8 &&
			   ose_swar_ndigits(y) >= 2) {
			t = ose_swar_value(x - OSE_SWAR_ZEROS) * 100u + ose_swar_value_n(y, 2);
			if (likely(t <= (uint64_t)INT64_MAX / 1000000000u)) {
				*ns = (int64_t)(t * 1000000000u);
				*have = 1;
				return 0;
			}
		}
	}
#else
	(void)end;
#endif
	rc = ose_json_read_ts(v, unit, ns, &got);
	*have = got == OSE_JGOT_STRING || got == OSE_JGOT_NUMBER;
	return rc;
}

/* alen: ose_ev_account_len(ctx), taken once per message. */
static __attribute__((flatten)) int gate_order(const struct ose_json_val *o, const struct ose_parse_ctx *ctx, size_t alen,
		      int64_t env_ts, struct ose_event *ev, const char *end, const char **why)
{
	int v, evkind, have;
	ose_dec left = 0;
	int have_left = 0;

	ose_ev_init_n(ev, OSE_EV_ORDER, OSE_VENUE_GATE, ctx, alen);
	if (!ose_json_has(&o[O_ID])) {
		*why = "gate spot.orders.id";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[O_ID], ev->order_id, sizeof(ev->order_id), 1), "gate spot.orders.id");
	CHECK(ose_ev_str_fast(&o[O_TEXT], ev->client_id, sizeof(ev->client_id), 1), "gate spot.orders.text");
	if (!ose_json_has(&o[O_PAIR])) {
		*why = "gate spot.orders.currency_pair";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[O_PAIR], ev->symbol, sizeof(ev->symbol), 0), "gate spot.orders.currency_pair");

	v = OSE_WIRE_LOOKUP_K(&o[O_SIDE], gate_side);
	if (v < 0 && o[O_SIDE].type != OSE_JSON_ABSENT) {
		*why = "gate spot.orders.side";
		return -OSE_PERR_WRONG_TYPE;
	}
	ev->side = (uint8_t)(v < 0 ? OSE_SIDE_NONE : v);
	v = OSE_WIRE_LOOKUP_K(&o[O_TYPE], gate_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : o[O_TYPE].type == OSE_JSON_ABSENT ? OSE_OT_NONE : OSE_OT_OTHER);
	v = OSE_WIRE_LOOKUP_K(&o[O_TIF], gate_tif);
	ev->tif = (uint8_t)(v >= 0 ? v & 0xff : o[O_TIF].type == OSE_JSON_ABSENT ? OSE_TIF_NONE : OSE_TIF_OTHER);
	if (v >= 0 && (v & GATE_POC) && ev->ord_type == OSE_OT_LIMIT)
		ev->ord_type = OSE_OT_LIMIT_MAKER;

	CHECK(ose_ev_dec_fast(ev, &o[O_PRICE], &ev->price, OSE_EVF_HAS_PRICE, end), "gate spot.orders.price");
	CHECK(ose_ev_dec_fast(ev, &o[O_AMOUNT], &ev->qty, OSE_EVF_HAS_QTY, end), "gate spot.orders.amount");
	CHECK(ose_ev_dec_fast(ev, &o[O_AVG], &ev->avg_px, OSE_EVF_HAS_AVG_PX, end),
	      "gate spot.orders.avg_deal_price");
	CHECK(gate_dec_have(&o[O_LEFT], &left, &have_left, end), "gate spot.orders.left");

	if (ev->side == OSE_SIDE_BUY && ev->ord_type == OSE_OT_MARKET) {
		/* Trap 15: amount and left count quote currency. */
		ev->flags |= OSE_EVF_QTY_IN_QUOTE;
		if (have_left && (ev->flags & OSE_EVF_HAS_QTY)) {
			ev->cum_qty = ev->qty - left;
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
		}
	} else {
		CHECK(ose_ev_dec_fast(ev, &o[O_FILLED_AMOUNT], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY, end),
		      "gate spot.orders.filled_amount");
		if (!(ev->flags & OSE_EVF_HAS_CUM_QTY) && have_left && (ev->flags & OSE_EVF_HAS_QTY)) {
			ev->cum_qty = ev->qty - left;
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
		}
	}
	if ((ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty < 0) {
		*why = "gate spot.orders.left > amount";
		return -OSE_PERR_NUMBER;
	}

	evkind = OSE_WIRE_LOOKUP_K(&o[O_EVENT], gate_event);
	if (evkind < 0) {
		*why = "gate spot.orders.event";
		return -OSE_PERR_UNKNOWN_STATUS;
	}
	if (evkind == GE_FINISH) {
		if (o[O_FINISH_AS].type == OSE_JSON_ABSENT) {
			if (!have_left) {
				*why = "gate spot.orders.finish without finish_as or left";
				return -OSE_PERR_MISSING_FIELD;
			}
			v = left == 0 ? OSE_ST_FILLED : OSE_ST_CANCELED;
		} else {
			v = OSE_WIRE_LOOKUP_K(&o[O_FINISH_AS], gate_finish);
			if (v < 0) {
				*why = "gate spot.orders.finish_as";
				return -OSE_PERR_UNKNOWN_STATUS;
			}
		}
		ev->status = (uint8_t)v;
	} else if (evkind == GE_UPDATE) {
		ev->status = (ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty > 0
				     ? OSE_ST_PARTIALLY_FILLED : OSE_ST_NEW;
	} else {
		ev->status = OSE_ST_NEW; /* put: created; fills come as update */
	}

	CHECK(gate_ts(&o[O_UPDATE_MS], OSE_TS_MS, &ev->exch_ts_ns, &have, end),
	      "gate spot.orders.update_time_ms");
	if (!have) {
		CHECK(gate_ts(&o[O_UPDATE], OSE_TS_S, &ev->exch_ts_ns, &have, end),
		      "gate spot.orders.update_time");
		if (!have)
			ev->exch_ts_ns = env_ts;
	}
	return 0;
}

static __attribute__((flatten)) int gate_trade(const struct ose_json_val *t, const struct ose_parse_ctx *ctx, size_t alen,
		      int64_t env_ts, struct ose_event *ev, const char *end, const char **why)
{
	int v, have;

	ose_ev_init_n(ev, OSE_EV_FILL, OSE_VENUE_GATE, ctx, alen);
	if (!ose_json_has(&t[T_ORDER_ID])) {
		*why = "gate spot.usertrades.order_id";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&t[T_ORDER_ID], ev->order_id, sizeof(ev->order_id), 1),
	      "gate spot.usertrades.order_id");
	if (ose_json_has(&t[T_ID_MARKET]))
		CHECK(ose_ev_str_fast(&t[T_ID_MARKET], ev->trade_id, sizeof(ev->trade_id), 1),
		      "gate spot.usertrades.id_market");
	else if (ose_json_has(&t[T_ID]))
		CHECK(ose_ev_str_fast(&t[T_ID], ev->trade_id, sizeof(ev->trade_id), 1),
		      "gate spot.usertrades.id");
	else {
		*why = "gate spot.usertrades.id";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&t[T_TEXT], ev->client_id, sizeof(ev->client_id), 1),
	      "gate spot.usertrades.text");
	if (!ose_json_has(&t[T_PAIR])) {
		*why = "gate spot.usertrades.currency_pair";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&t[T_PAIR], ev->symbol, sizeof(ev->symbol), 0),
	      "gate spot.usertrades.currency_pair");
	CHECK(ose_ev_str_fast(&t[T_FEE_CCY], ev->fee_asset, sizeof(ev->fee_asset), 0),
	      "gate spot.usertrades.fee_currency");
	v = OSE_WIRE_LOOKUP_K(&t[T_SIDE], gate_side);
	if (v < 0 && t[T_SIDE].type != OSE_JSON_ABSENT) {
		*why = "gate spot.usertrades.side";
		return -OSE_PERR_WRONG_TYPE;
	}
	ev->side = (uint8_t)(v < 0 ? OSE_SIDE_NONE : v);
	CHECK(ose_ev_dec_fast(ev, &t[T_AMOUNT], &ev->last_qty, OSE_EVF_HAS_LAST, end),
	      "gate spot.usertrades.amount");
	CHECK(ose_ev_dec_fast(ev, &t[T_PRICE], &ev->last_px, OSE_EVF_HAS_LAST_PX, end),
	      "gate spot.usertrades.price");
	if ((ev->flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX)) != (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX)) {
		*why = "gate spot.usertrades.amount/price";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_dec_fast(ev, &t[T_FEE], &ev->fee, OSE_EVF_HAS_FEE, end), "gate spot.usertrades.fee");

	CHECK(gate_ts(&t[T_CREATE_MS], OSE_TS_MS, &ev->exch_ts_ns, &have, end),
	      "gate spot.usertrades.create_time_ms");
	if (!have) {
		CHECK(gate_ts(&t[T_CREATE], OSE_TS_S, &ev->exch_ts_ns, &have, end),
		      "gate spot.usertrades.create_time");
		if (!have)
			ev->exch_ts_ns = env_ts;
	}
	return 0;
}

enum { CH_ORDERS = 1, CH_TRADES, CH_PONG, CH_BALANCES };
static const struct ose_wire_map gate_channel[] = {
	OSE_WIRE("spot.orders", CH_ORDERS),
	OSE_WIRE("spot.orders_v2", CH_ORDERS),
	OSE_WIRE("spot.usertrades", CH_TRADES),
	OSE_WIRE("spot.usertrades_v2", CH_TRADES),
	OSE_WIRE("spot.pong", CH_PONG),
	OSE_WIRE("spot.balances", CH_BALANCES),
};


/*
 * One-pass paths for push data (the hot path).  Each result[] element is
 * normalised as soon as it has been walked (OSE_JSON_EACH).  The envelope
 * time (fallback timestamp) may follow result on the wire, so it is
 * patched in after the walk.  Both return 0 with out->n set, or -1: the
 * caller tries the next path (whose events replace these).
 *
 * gate_plain: the plain fast path (adapters/plain/plain.h).  The element
 * key set is picked when result[] starts, from the channel already seen
 * (Gate sends channel before result); otherwise it declines.
 * gate_fast: the full scanner, for messages that are not plain.  The
 * element key set is guessed from the frame's first bytes and checked
 * after the scan.
 */
#define GATE_TS_PENDING INT64_MIN

struct gate_each {
	const struct ose_parse_ctx *ctx;
	struct ose_parse_out *out;
	const struct ose_json_val *top; /* gate_plain: the top-level views */
	uint32_t n;
	int trades;
	int ch;          /* gate_pick's channel, 0 before (gate_fast) */
	size_t alen;     /* ose_ev_account_len(ctx) */
	const char *end; /* the message's end (ose_ev_dec_fast and the inline readers) */
};

static int gate_each_fn(void *arg, const struct ose_json_val *vals, const char **why)
{
	struct gate_each *g = arg;
	int rc;

	if (!g->out->ev || g->n >= g->out->cap) {
		*why = "gate result[] beyond out->cap";
		return -OSE_PERR_TOO_MANY;
	}
	rc = g->trades ? gate_trade(vals, g->ctx, g->alen, GATE_TS_PENDING, &g->out->ev[g->n], g->end, why)
		       : gate_order(vals, g->ctx, g->alen, GATE_TS_PENDING, &g->out->ev[g->n], g->end, why);
	if (rc)
		return rc;
	g->n++;
	return 0;
}

/* Checks after either one-pass walk: a push of the channel the elements
 * were read as; then the envelope time goes where none was found. */
static int gate_fast_done(struct gate_each *g, const struct ose_json_val *k)
{
	int64_t env_ts = 0;
	int have;
	/* The walk keeps a key's first value, so the channel gate_pick
	 * looked up is still k[K_CHANNEL]. */
	int ch = g->ch ? g->ch : OSE_WIRE_LOOKUP_K(&k[K_CHANNEL], gate_channel);
	const struct ose_json_val *ev = &k[K_EVENT];

	/* OSE_JSON_STR_EQ(ev, "update") without its call. */
	if (ev->type != OSE_JSON_STRING || ev->esc || ev->len != 6 || memcmp(ev->p, "update", 6) != 0 ||
	    k[K_RESULT].type != OSE_JSON_ARRAY || k[K_ERROR].type == OSE_JSON_OBJECT ||
	    k[K_TYPE].type != OSE_JSON_ABSENT || ch != (g->trades ? CH_TRADES : CH_ORDERS))
		return -1;
	if (gate_ts(&k[K_TIME_MS], OSE_TS_MS, &env_ts, &have, g->end) != 0)
		return -1;
	for (uint32_t i = 0; i < g->n; i++)
		if (g->out->ev[i].exch_ts_ns == GATE_TS_PENDING)
			g->out->ev[i].exch_ts_ns = env_ts;
	g->out->n = g->n;
	return 0;
}

static struct ose_plain_keyset *gate_pick(void *arg)
{
	struct gate_each *g = arg;
	int ch = OSE_WIRE_LOOKUP_K(&g->top[K_CHANNEL], gate_channel);

	g->ch = ch;
	g->trades = ch == CH_TRADES;
	return ch == CH_ORDERS ? &ord_pks : ch == CH_TRADES ? &trade_pks : NULL;
}

static int gate_plain(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
		      struct ose_parse_out *out, struct ose_json_val *k, size_t alen)
{
	struct ose_json_val f[(int)O_COUNT > (int)T_COUNT ? (int)O_COUNT : (int)T_COUNT];
	struct gate_each g = { ctx, out, k, 0, 0, 0, alen, msg + len };
	const struct ose_plain_each ex = { .pick = gate_pick, .vals = f, .fn = gate_each_fn, .arg = &g };

	if (ose_plain_obj_get_each(msg, len, &top_pks, k, &ex) != 0)
		return -1;
	return gate_fast_done(&g, k);
}

static int gate_fast(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
		     struct ose_parse_out *out, struct ose_json_val *k, size_t alen)
{
	struct ose_json_val f[(int)O_COUNT > (int)T_COUNT ? (int)O_COUNT : (int)T_COUNT];
	struct gate_each g = { ctx, out, k, 0, 0, 0, alen, msg + len };
	struct ose_json_each ex;
	const char *why = "";
	size_t peek = len < 256 ? len : 256;
	static const char tr[] = "\"spot.usertrades";

	g.trades = memmem(msg, peek, tr, sizeof(tr) - 1) != NULL;
	ex.ks = g.trades ? &trade_ks : &ord_ks;
	ex.vals = f;
	ex.fn = gate_each_fn;
	ex.arg = &g;
	ex.inner = NULL;
	if (ose_json_obj_get_each(msg, len, &top_ks, k, &ex, &why) != 0)
		return -1;
	return gate_fast_done(&g, k);
}

/* Every key set this file indexes (venues.h). */
void ose_gate_prepare(void)
{
	ose_json_keyset_prepare(&top_ks);
	ose_json_keyset_prepare(&err_ks);
	ose_json_keyset_prepare(&ord_ks);
	ose_json_keyset_prepare(&trade_ks);
	ose_plain_keyset_prepare(&top_pks);
	ose_plain_keyset_prepare(&ord_pks);
	ose_plain_keyset_prepare(&trade_pks);
}

enum ose_parse_res ose_gate_parse(const char *msg, size_t len, int binary,
				  const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_json_val k[K_COUNT], e[KE_COUNT];
	struct ose_json_val f[(int)O_COUNT > (int)T_COUNT ? (int)O_COUNT : (int)T_COUNT];
	struct ose_json_iter it;
	const char *why = "";
	int64_t env_ts = 0, code = 0;
	uint32_t n = 0;
	size_t alen;
	int rc, ch;

	ose_ev_out_reset(out);
	if (binary)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "gate binary frame");
	alen = ose_ev_account_len(ctx);
	if (gate_plain(msg, len, ctx, out, k, alen) == 0)
		return ose_ev_done_json_n(out, ctx, &k[K_OSE_TS], alen);
	ose_ev_out_reset(out);
	if (gate_fast(msg, len, ctx, out, k, alen) == 0)
		return ose_ev_done_json_n(out, ctx, &k[K_OSE_TS], alen);
	/* Slow path: sessions, errors, or a frame the one-pass guess got
	 * wrong.  Starts over with a plain validating scan. */
	ose_ev_out_reset(out);
	rc = ose_json_obj_get(msg, len, &top_ks, k, &why);
	if (rc)
		FAIL(rc, why);
	if (OSE_JSON_STR_EQ(&k[K_TYPE], "upgrade"))
		return ose_ev_session(out, OSE_SESS_SHUTDOWN, "gate upgrade notice");
	ch = OSE_WIRE_LOOKUP_K(&k[K_CHANNEL], gate_channel);
	if (ch == CH_PONG)
		return ose_ev_session(out, OSE_SESS_PONG, "gate spot.pong");

	/* An error object (not null) on any reply. */
	if (k[K_ERROR].type == OSE_JSON_OBJECT) {
		rc = ose_json_obj_get_val(&k[K_ERROR], &err_ks, e, &why);
		if (rc)
			FAIL(rc, why);
		rc = ose_json_read_i64(&e[KE_CODE], &code, NULL);
		if (rc)
			FAIL(rc, "gate error.code");
		if (code == 4)
			return ose_ev_session(out, OSE_SESS_AUTH_FAIL, "gate authentication failed");
		return ose_ev_session(out, OSE_SESS_ERROR, "gate error reply");
	}
	if (k[K_ERROR].type != OSE_JSON_ABSENT && k[K_ERROR].type != OSE_JSON_NULL)
		FAIL(-OSE_PERR_WRONG_TYPE, "gate error");
	if (OSE_JSON_STR_EQ(&k[K_EVENT], "subscribe"))
		return ose_ev_session(out, OSE_SESS_SUBSCRIBED, "gate subscribed");
	if (OSE_JSON_STR_EQ(&k[K_EVENT], "unsubscribe"))
		return ose_ev_session(out, OSE_SESS_OTHER, "gate unsubscribed");
	if (!OSE_JSON_STR_EQ(&k[K_EVENT], "update"))
		FAIL(-OSE_PERR_UNKNOWN_MSG, "gate event");
	if (ch != CH_ORDERS && ch != CH_TRADES)
		FAIL(-OSE_PERR_UNKNOWN_MSG, ch == CH_BALANCES ? "gate spot.balances not subscribed"
							       : "gate channel");
	if (k[K_RESULT].type != OSE_JSON_ARRAY)
		FAIL(k[K_RESULT].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD : -OSE_PERR_WRONG_TYPE,
		     "gate result");
	rc = ose_json_read_ts(&k[K_TIME_MS], OSE_TS_MS, &env_ts, NULL);
	if (rc)
		FAIL(rc, "gate time_ms");

	/* The one-pass path did not apply: result was validated by the
	 * scan above, walk it. */
	ose_json_iter_init(&it, &k[K_RESULT]);
	while ((rc = ose_json_iter_next_obj(&it, ch == CH_ORDERS ? &ord_ks : &trade_ks, f, &why)) > 0) {
		if (!out->ev || n >= out->cap)
			FAIL(-OSE_PERR_TOO_MANY, "gate result[] beyond out->cap");
		if (ch == CH_ORDERS)
			rc = gate_order(f, ctx, alen, env_ts, &out->ev[n], msg + len, &why);
		else
			rc = gate_trade(f, ctx, alen, env_ts, &out->ev[n], msg + len, &why);
		if (rc)
			FAIL(rc, why);
		n++;
	}
	if (rc < 0)
		FAIL(rc, why);
	out->n = n;
	return ose_ev_done_json(out, ctx, &k[K_OSE_TS]);
}
