/* SPDX-License-Identifier: MIT */
/*
 * Coinbase Advanced Trade user-data stream (reference §6): payload ->
 * events.
 *
 * Envelope: {"channel":..,"client_id":..,"timestamp":RFC 3339 ns,
 * "sequence_num":N,"events":[{"type":"snapshot"|"update","orders":[..],
 * "positions":{..}}]}.  Several events, orders and products per message
 * (trap 20).
 *
 * channel "user" -> one OSE_EV_ORDER per events[].orders[] element:
 *   venue_seq = sequence_num (OSE_EVF_HAS_SEQ; the only sequence field,
 *   trap 17), exch_ts = envelope timestamp (creation_time is the order's
 *   birth, not this update's), OSE_EVF_SNAPSHOT for "snapshot" events.
 *   price = limit_price, cum_qty = cumulative_quantity, avg_px =
 *   avg_price.  The WS message has no order size: while the order is
 *   live (OPEN, PENDING, QUEUED, EDIT_QUEUED, CANCEL_QUEUED) qty =
 *   cumulative_quantity + leaves_quantity, exact; for terminal orders
 *   leaves is 0 and the size is unknown, so qty is not flagged.  No last
 *   fill (trap 14): the engine diffs cumulative quantity.  total_fees is
 *   cumulative and is not copied into the per-fill fee.
 *   order_type is title case on WS ("Limit", "Market", "Stop Limit");
 *   post_only "true" (a string, trap 6) makes a limit LIMIT_MAKER.
 * Status table (coinbase_status), trap 10/12:
 *   PENDING, QUEUED     PENDING_NEW (accepted, not yet on the book)
 *   OPEN, EDIT_QUEUED   NEW, or PARTIALLY_FILLED when cum_qty > 0 (there
 *                       is no partially-filled status on the wire)
 *   CANCEL_QUEUED       PENDING_CANCEL
 *   FILLED              FILLED
 *   CANCELLED           CANCELED (fills kept)
 *   EXPIRED             EXPIRED
 *   FAILED              REJECTED
 *   UNKNOWN_ORDER_STATUS  OSE_ST_NONE: the venue's own "no status"; the
 *                       quantities still count.  (Refusing it would throw
 *                       away a whole 50-order snapshot batch.)
 *   anything else       counted OSE_PERR_UNKNOWN_STATUS (whole message).
 * channel "heartbeats" -> OSE_SESS_OTHER; "subscriptions" ->
 * OSE_SESS_SUBSCRIBED; {"type":"error","message":..} -> OSE_SESS_ERROR,
 * or OSE_SESS_AUTH_FAIL when the message says authentication.
 */
#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"
#include "adapters/json/swar.h"
#include "adapters/plain/plain.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

enum { K_CHANNEL, K_TIMESTAMP, K_SEQ, K_EVENTS, K_TYPE, K_MESSAGE, K_OSE_TS, K_COUNT };
static const struct ose_json_key top_keys[K_COUNT] = {
	[K_CHANNEL] = OSE_JSON_KEY("channel"),
	[K_TIMESTAMP] = OSE_JSON_KEY("timestamp"),
	[K_SEQ] = OSE_JSON_KEY("sequence_num"),
	[K_EVENTS] = OSE_JSON_KEY_F("events", OSE_JSON_EACH),
	[K_TYPE] = OSE_JSON_KEY("type"),
	[K_MESSAGE] = OSE_JSON_KEY("message"),
	[K_OSE_TS] = OSE_JSON_KEY("ose_ts"), /* simulator's send stamp (docs/sim.md) */
};
static struct ose_json_keyset top_ks = OSE_JSON_KEYSET(top_keys);
/* The key orders Coinbase writes (reference §6 samples; the
 * simulator's too), for the plain walk's expectation
 * (adapters/plain/plain.h). */
static const char *const top_order[] = {
	"channel", "client_id", "timestamp", "sequence_num", "events", NULL,
};
static struct ose_plain_keyset top_pks = OSE_PLAIN_KEYSET_ORDER(top_keys, top_order);

enum { E_TYPE, E_ORDERS, E_COUNT };
static const struct ose_json_key ev_keys[E_COUNT] = {
	[E_TYPE] = OSE_JSON_KEY("type"),
	/* EACH: orders[] is walked in the same pass (nested EACH, on both
	 * one-pass paths). */
	[E_ORDERS] = OSE_JSON_KEY_F("orders", OSE_JSON_EACH),
};
static struct ose_json_keyset ev_ks = OSE_JSON_KEYSET(ev_keys);
static const char *const ev_order[] = { "type", "orders", "positions", NULL };
static struct ose_plain_keyset ev_pks = OSE_PLAIN_KEYSET_ORDER(ev_keys, ev_order);

enum {
	O_ORDER_ID, O_CLIENT_ID, O_PRODUCT, O_SIDE, O_TYPE, O_STATUS, O_TIF, O_CUM, O_LEAVES,
	O_AVG, O_LIMIT_PX, O_POST_ONLY, O_REJECT, O_CANCEL, O_COUNT
};
static const struct ose_json_key ord_keys[O_COUNT] = {
	[O_ORDER_ID] = OSE_JSON_KEY("order_id"),
	[O_CLIENT_ID] = OSE_JSON_KEY("client_order_id"),
	[O_PRODUCT] = OSE_JSON_KEY("product_id"),
	[O_SIDE] = OSE_JSON_KEY("order_side"),
	[O_TYPE] = OSE_JSON_KEY("order_type"),
	[O_STATUS] = OSE_JSON_KEY("status"),
	[O_TIF] = OSE_JSON_KEY("time_in_force"),
	[O_CUM] = OSE_JSON_KEY("cumulative_quantity"),
	[O_LEAVES] = OSE_JSON_KEY("leaves_quantity"),
	[O_AVG] = OSE_JSON_KEY("avg_price"),
	[O_LIMIT_PX] = OSE_JSON_KEY("limit_price"),
	[O_POST_ONLY] = OSE_JSON_KEY("post_only"),
	[O_REJECT] = OSE_JSON_KEY("reject_reason"),
	[O_CANCEL] = OSE_JSON_KEY("cancel_reason"),
};
static struct ose_json_keyset ord_ks = OSE_JSON_KEYSET(ord_keys);
/* Orders: the wire's order (captured user-channel messages), then the
 * documentation's (alphabetical; the simulator writes it). */
static const char *const ord_order[] = {
	"order_id", "client_order_id", "cumulative_quantity", "leaves_quantity", "avg_price",
	"total_fees", "status", "product_id", "creation_time", "order_side", "order_type",
	"limit_price", "post_only", "cancel_reason", "reject_reason", "total_value_after_fees",
	"contract_expiry_type", "product_type", "risk_managed_by", "time_in_force",
	"trigger_status", "stop_price", NULL,
};
static const char *const ord_order2[] = {
	"avg_price", "cancel_reason", "client_order_id", "completion_percentage",
	"contract_expiry_type", "cumulative_quantity", "filled_value", "leaves_quantity",
	"limit_price", "number_of_fills", "order_id", "order_side", "order_type",
	"outstanding_hold_amount", "post_only", "product_id", "product_type", "reject_reason",
	"retail_portfolio_id", "risk_managed_by", "status", "stop_price", "time_in_force",
	"total_fees", "total_value_after_fees", "trigger_status", "creation_time", "end_time",
	"start_time", NULL,
};
static struct ose_plain_keyset ord_pks = OSE_PLAIN_KEYSET_ORDER2(ord_keys, ord_order, ord_order2);

/* Pseudo-status for "live: NEW or PARTIALLY_FILLED by cum_qty". */
#define CB_LIVE 100

static const struct ose_wire_map coinbase_status[] = {
	OSE_WIRE("OPEN", CB_LIVE),
	OSE_WIRE("FILLED", OSE_ST_FILLED),
	OSE_WIRE("CANCELLED", OSE_ST_CANCELED),
	OSE_WIRE("EXPIRED", OSE_ST_EXPIRED),
	OSE_WIRE("FAILED", OSE_ST_REJECTED),
	OSE_WIRE("PENDING", OSE_ST_PENDING_NEW),
	OSE_WIRE("QUEUED", OSE_ST_PENDING_NEW),
	OSE_WIRE("CANCEL_QUEUED", OSE_ST_PENDING_CANCEL),
	OSE_WIRE("EDIT_QUEUED", CB_LIVE),
	OSE_WIRE("UNKNOWN_ORDER_STATUS", OSE_ST_NONE),
};

static const struct ose_wire_map coinbase_side[] = {
	OSE_WIRE("BUY", OSE_SIDE_BUY),
	OSE_WIRE("SELL", OSE_SIDE_SELL),
};

static const struct ose_wire_map coinbase_type[] = {
	OSE_WIRE("Limit", OSE_OT_LIMIT),
	OSE_WIRE("Market", OSE_OT_MARKET),
	OSE_WIRE("Stop Limit", OSE_OT_STOP),
	OSE_WIRE("StopLimit", OSE_OT_STOP),
	OSE_WIRE("Stop", OSE_OT_STOP),
	/* REST spellings, in case the WS ever switches. */
	OSE_WIRE("LIMIT", OSE_OT_LIMIT),
	OSE_WIRE("MARKET", OSE_OT_MARKET),
	OSE_WIRE("STOP_LIMIT", OSE_OT_STOP),
};

static const struct ose_wire_map coinbase_tif[] = {
	OSE_WIRE("GOOD_UNTIL_CANCELLED", OSE_TIF_GTC),
	OSE_WIRE("GOOD_UNTIL_DATE_TIME", OSE_TIF_GTD),
	OSE_WIRE("IMMEDIATE_OR_CANCEL", OSE_TIF_IOC),
	OSE_WIRE("FILL_OR_KILL", OSE_TIF_FOK),
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
 * The common shapes read inline (the Bybit recipe, adapters/bybit/
 * parse.c): each helper returns exactly what the reader it stands in
 * for would, and hands every other shape (escapes, numbers, "", null,
 * long or odd tokens, a value within a word of the message's end) to
 * that reader, which also names the error.  end: the end of the
 * message, for the word loads.
 */

/* ose_ev_dec_fast, and an absent value answered without the reader's
 * call (its no_value: 0, no flag). */
static inline __attribute__((always_inline)) int
cb_dec(struct ose_event *ev, const struct ose_json_val *v, ose_dec *dst, uint16_t flag,
       const char *end)
{
	if (v->type == OSE_JSON_ABSENT)
		return 0;
	return ose_ev_dec_fast(ev, v, dst, flag, end);
}

/* ose_json_read_dec(v, dst, got) the same way. */
static inline __attribute__((always_inline)) int
cb_read_dec(const struct ose_json_val *v, ose_dec *dst, enum ose_json_got *got, const char *end)
{
	if (ose_ev_dec_try(v, dst, end)) {
		*got = OSE_JGOT_STRING;
		return 0;
	}
	return ose_json_read_dec(v, dst, got);
}

/* OSE_JSON_STR_EQ without the call. */
#define CB_STR_EQ(v, lit)                                                        \
	((v)->type == OSE_JSON_STRING && !(v)->esc && (v)->len == sizeof(lit) - 1 && \
	 memcmp((v)->p, (lit), sizeof(lit) - 1) == 0)

/* ose_json_read_bool(v, out, NULL) with "true" / "false" inline. */
static inline int cb_bool(const struct ose_json_val *v, int *out)
{
	if (CB_STR_EQ(v, "true")) {
		*out = 1;
		return 0;
	}
	if (CB_STR_EQ(v, "false") || v->type == OSE_JSON_ABSENT) {
		if (v->type != OSE_JSON_ABSENT)
			*out = 0;
		return 0;
	}
	return ose_json_read_bool(v, out, NULL);
}

/* ose_json_read_i64(v, out, got) with a bare number of 1..18 digits
 * (sequence_num) inline; the rest is the reader's. */
static inline int cb_i64(const struct ose_json_val *v, int64_t *out, enum ose_json_got *got)
{
	if (likely(v->type == OSE_JSON_NUMBER && v->len - 1u < 18u)) {
		uint64_t acc = 0;
		unsigned bad = 0;
		for (uint32_t i = 0; i < v->len; i++) {
			unsigned c = (unsigned)(unsigned char)v->p[i] - '0';
			bad |= c > 9;
			acc = acc * 10 + c;
		}
		if (likely(!bad)) {
			*out = (int64_t)acc;
			*got = OSE_JGOT_NUMBER;
			return 0;
		}
	}
	return ose_json_read_i64(v, out, got);
}

/* Byte i of a word (text order on a little-endian host). */
#define CB_B(c, i) ((uint64_t)(unsigned char)(c) << (8 * (i)))

/*
 * ose_json_read_rfc3339(v, ns, NULL) with Coinbase's shape,
 * "YYYY-MM-DDTHH:MM:SS.fZ" with 1..9 fraction digits and a year in
 * 1970..2261, read inline as four words: the same checks and the same
 * arithmetic as ose_ts_parse_rfc3339 (adapters/json/read.c); anything
 * else (offsets, lower case, no or long fractions, the year-1 sentinel,
 * a value within 28 bytes of the message's end, every error) is the
 * reader's.
 */
static inline int cb_ts(const struct ose_json_val *v, int64_t *ns, const char *end)
{
#if OSE_SWAR
	static const unsigned char mdays[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	/* The separators, and the same bytes as '0' (then every byte of the
	 * word must be a digit). */
	const uint64_t sep0 = CB_B('-', 4) | CB_B('-', 7), m0 = CB_B(0xff, 4) | CB_B(0xff, 7);
	const uint64_t sep1 = CB_B('T', 2) | CB_B(':', 5), m1 = CB_B(0xff, 2) | CB_B(0xff, 5);
	const uint64_t sep2 = CB_B(':', 0) | CB_B('.', 3), m2 = CB_B(0xff, 0) | CB_B(0xff, 3);
	const char *s = v->p;

	if (likely(v->type == OSE_JSON_STRING && !v->esc && v->len - 22u <= 8u && end - s >= 28 &&
		   s[v->len - 1] == 'Z')) {
		uint64_t w0 = ose_swar_load(s), w1 = ose_swar_load(s + 8), w2 = ose_swar_load(s + 16);
		uint64_t f = ose_swar_load(s + 20), frac;
		uint32_t a, b, c; /* < 10^8: 32-bit divisions by constants */
		unsigned k = v->len - 21, k8 = k < 8 ? k : 8; /* fraction digits */
		unsigned y, mo, d, h, mi, sec, yy, doy, doe;

		if (unlikely((w0 & m0) != sep0 || (w1 & m1) != sep1 || (w2 & m2) != sep2))
			goto reader;
		w0 ^= sep0 ^ (OSE_SWAR_ZEROS & m0);
		w1 ^= sep1 ^ (OSE_SWAR_ZEROS & m1);
		w2 ^= sep2 ^ (OSE_SWAR_ZEROS & m2);
		if (unlikely(ose_swar_ndigits(w0) != 8 || ose_swar_ndigits(w1) != 8 ||
			     ose_swar_ndigits(w2) < 4 || ose_swar_ndigits(f) < k8 ||
			     (k == 9 && (unsigned)(unsigned char)s[28] - '0' > 9)))
			goto reader;
		a = (uint32_t)ose_swar_value(w0 - OSE_SWAR_ZEROS); /* YYYY0MM0 */
		b = (uint32_t)ose_swar_value(w1 - OSE_SWAR_ZEROS); /* DD0HH0MM */
		c = (uint32_t)ose_swar_value_n(w2, 4);             /* 0SS0 */
		frac = ose_swar_value_n(f, k8);
		if (k == 9)
			frac = frac * 10 + (uint64_t)(s[28] - '0');
		y = a / 10000;
		mo = a / 10 % 100;
		d = b / 1000000;
		h = b / 1000 % 100;
		mi = b % 100;
		sec = c / 10;
		if (likely(y - 1970u <= 2261u - 1970u && mo - 1u < 12u && d - 1u < mdays[mo] && h <= 23 &&
			   mi <= 59 && sec <= 59 &&
			   (mo != 2 || d != 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))) {
			/* days_from_civil for years >= 1 (era >= 0). */
			yy = y - (mo <= 2);
			doy = (153 * (mo + (mo > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
			doe = (yy % 400) * 365 + (yy % 400) / 4 - (yy % 400) / 100 + doy;
			*ns = ((int64_t)(yy / 400) * 146097 + (int64_t)doe - 719468) * 86400000000000 +
			      ((int64_t)h * 3600 + (int64_t)mi * 60 + sec) * 1000000000 +
			      (int64_t)(frac * ose_p10[9 - k]);
			return 0;
		}
	}
reader:
#else
	(void)end;
#endif
	return ose_json_read_rfc3339(v, ns, NULL);
}

/* alen: ose_ev_account_len(ctx), taken once per message; end: the
 * message's end (cb_dec).  Inlined into both callers (one per path). */
static inline __attribute__((always_inline)) int
cb_order(const struct ose_json_val *o, const struct ose_parse_ctx *ctx, size_t alen, int snapshot,
	 uint64_t seq, int have_seq, int64_t ts, struct ose_event *ev, const char *end,
	 const char **why)
{
	enum ose_json_got got;
	ose_dec leaves = 0;
	int v, post_only = 0;

	ose_ev_init_n(ev, OSE_EV_ORDER, OSE_VENUE_COINBASE, ctx, alen);
	if (!ose_json_has(&o[O_ORDER_ID])) {
		*why = "coinbase orders[].order_id";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[O_ORDER_ID], ev->order_id, sizeof(ev->order_id), 0),
	      "coinbase orders[].order_id");
	CHECK(ose_ev_str_fast(&o[O_CLIENT_ID], ev->client_id, sizeof(ev->client_id), 0),
	      "coinbase orders[].client_order_id");
	if (!ose_json_has(&o[O_PRODUCT])) {
		*why = "coinbase orders[].product_id";
		return -OSE_PERR_MISSING_FIELD;
	}
	CHECK(ose_ev_str_fast(&o[O_PRODUCT], ev->symbol, sizeof(ev->symbol), 0),
	      "coinbase orders[].product_id");

	v = OSE_WIRE_LOOKUP_K(&o[O_SIDE], coinbase_side);
	if (v < 0 && o[O_SIDE].type != OSE_JSON_ABSENT) {
		*why = "coinbase orders[].order_side";
		return -OSE_PERR_WRONG_TYPE;
	}
	ev->side = (uint8_t)(v < 0 ? OSE_SIDE_NONE : v);
	v = OSE_WIRE_LOOKUP_K(&o[O_TYPE], coinbase_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : o[O_TYPE].type == OSE_JSON_ABSENT ? OSE_OT_NONE : OSE_OT_OTHER);
	v = OSE_WIRE_LOOKUP_K(&o[O_TIF], coinbase_tif);
	ev->tif = (uint8_t)(v >= 0 ? v : o[O_TIF].type == OSE_JSON_ABSENT ? OSE_TIF_NONE : OSE_TIF_OTHER);
	CHECK(cb_bool(&o[O_POST_ONLY], &post_only), "coinbase orders[].post_only");
	if (post_only && ev->ord_type == OSE_OT_LIMIT)
		ev->ord_type = OSE_OT_LIMIT_MAKER;

	CHECK(cb_dec(ev, &o[O_LIMIT_PX], &ev->price, OSE_EVF_HAS_PRICE, end), "coinbase orders[].limit_price");
	CHECK(cb_dec(ev, &o[O_CUM], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY, end),
	      "coinbase orders[].cumulative_quantity");
	CHECK(cb_dec(ev, &o[O_AVG], &ev->avg_px, OSE_EVF_HAS_AVG_PX, end), "coinbase orders[].avg_price");
	got = OSE_JGOT_ABSENT;
	CHECK(cb_read_dec(&o[O_LEAVES], &leaves, &got, end), "coinbase orders[].leaves_quantity");

	if (o[O_STATUS].type == OSE_JSON_ABSENT) {
		*why = "coinbase orders[].status";
		return -OSE_PERR_MISSING_FIELD;
	}
	v = OSE_WIRE_LOOKUP_K(&o[O_STATUS], coinbase_status);
	if (v < 0) {
		*why = "coinbase orders[].status";
		return -OSE_PERR_UNKNOWN_STATUS;
	}
	if (v == CB_LIVE)
		v = (ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty > 0 ? OSE_ST_PARTIALLY_FILLED
									 : OSE_ST_NEW;
	ev->status = (uint8_t)v;
	/* Size = filled + leaves, exact while the order lives. */
	if (!ose_status_terminal((enum ose_status)v) && v != OSE_ST_NONE &&
	    (got == OSE_JGOT_STRING || got == OSE_JGOT_NUMBER) && (ev->flags & OSE_EVF_HAS_CUM_QTY)) {
		ev->qty = ev->cum_qty + leaves;
		ev->flags |= OSE_EVF_HAS_QTY;
	}
	if (v == OSE_ST_REJECTED && ose_json_has(&o[O_REJECT]))
		CHECK(ose_json_read_str_trunc(&o[O_REJECT], ev->reason, sizeof(ev->reason)),
		      "coinbase orders[].reject_reason");
	else if (v == OSE_ST_CANCELED && ose_json_has(&o[O_CANCEL]))
		CHECK(ose_json_read_str_trunc(&o[O_CANCEL], ev->reason, sizeof(ev->reason)),
		      "coinbase orders[].cancel_reason");

	if (snapshot)
		ev->flags |= OSE_EVF_SNAPSHOT;
	if (have_seq) {
		ev->venue_seq = seq;
		ev->flags |= OSE_EVF_HAS_SEQ;
	}
	ev->exch_ts_ns = ts;
	return 0;
}

/*
 * The one-pass paths for user-channel data (the hot path).  Both walk
 * events[] (OSE_JSON_EACH) and, nested, each element's orders[] in one
 * pass, with the same two callbacks: each order is normalised as soon as
 * it has been walked (cb_order_fn); when its events[] element ends, the
 * element's type (which may come after orders) is checked and the
 * snapshot flag set on the orders it produced (cb_event_fn).
 * sequence_num and timestamp may follow events on the wire, so both are
 * patched into the events after the walk (cb_fast_done).  Both return 0
 * with out->n set, or -1: the caller tries the next path (whose events
 * replace these).
 *
 * cb_plain: the plain fast path (adapters/plain/plain.h), first.
 * cb_fast: the full scanner (nested EACH: ose_json_each.inner), for
 * messages that are not plain.
 */
struct cb_each {
	const struct ose_parse_ctx *ctx;
	struct ose_parse_out *out;
	uint32_t n;
	uint32_t first; /* first order of the current events[] element */
	size_t alen;    /* ose_ev_account_len(ctx) */
	const char *end; /* the message's end (cb_dec) */
};

/* events[].type: 1 snapshot, 0 update, -1 anything else. */
static int cb_ev_type(const struct ose_json_val *e)
{
	if (CB_STR_EQ(&e[E_TYPE], "snapshot"))
		return 1;
	if (CB_STR_EQ(&e[E_TYPE], "update"))
		return 0;
	return -1;
}

/* One orders[] element.  flatten: ose_swar_dec_short (static inline,
 * which gcc otherwise calls out of line) goes inline at its four sites. */
static __attribute__((flatten)) int cb_order_fn(void *arg, const struct ose_json_val *o, const char **why)
{
	struct cb_each *c = arg;
	int rc;

	if (!c->out->ev || c->n >= c->out->cap) {
		*why = "coinbase orders beyond out->cap";
		return -OSE_PERR_TOO_MANY;
	}
	rc = cb_order(o, c->ctx, c->alen, 0, 0, 0, 0, &c->out->ev[c->n], c->end, why);
	if (rc)
		return rc;
	c->n++;
	return 0;
}

/* The end of one events[] element (after its orders). */
static int cb_event_fn(void *arg, const struct ose_json_val *e, const char **why)
{
	struct cb_each *c = arg;
	int snapshot = cb_ev_type(e);

	if (snapshot < 0) {
		*why = "coinbase events[].type";
		return -OSE_PERR_UNKNOWN_MSG;
	}
	if (e[E_ORDERS].type != OSE_JSON_ABSENT && e[E_ORDERS].type != OSE_JSON_NULL &&
	    e[E_ORDERS].type != OSE_JSON_ARRAY) {
		*why = "coinbase events[].orders";
		return -OSE_PERR_WRONG_TYPE;
	}
	if (snapshot)
		for (uint32_t i = c->first; i < c->n; i++)
			c->out->ev[i].flags |= OSE_EVF_SNAPSHOT;
	c->first = c->n;
	return 0;
}

/* After either walk: a user-channel push; the envelope's timestamp and
 * sequence number go into every event. */
static int cb_fast_done(struct cb_each *c, const struct ose_json_val *k)
{
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int64_t ts = 0, seq = 0;

	if (!CB_STR_EQ(&k[K_CHANNEL], "user") || k[K_EVENTS].type != OSE_JSON_ARRAY ||
	    k[K_TYPE].type != OSE_JSON_ABSENT)
		return -1;
	if (cb_i64(&k[K_SEQ], &seq, &got) != 0 || seq < 0 ||
	    cb_ts(&k[K_TIMESTAMP], &ts, c->end) != 0)
		return -1;
	for (uint32_t i = 0; i < c->n; i++) {
		struct ose_event *ev = &c->out->ev[i];
		ev->exch_ts_ns = ts;
		if (got == OSE_JGOT_NUMBER || got == OSE_JGOT_STRING) {
			ev->venue_seq = (uint64_t)seq;
			ev->flags |= OSE_EVF_HAS_SEQ;
		}
	}
	c->out->n = c->n;
	return 0;
}

static int cb_plain(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
		    struct ose_parse_out *out, struct ose_json_val *k, size_t alen)
{
	struct ose_json_val e[E_COUNT], o[O_COUNT];
	struct cb_each c = { ctx, out, 0, 0, alen, msg + len };
	const struct ose_plain_each orders = { .ks = &ord_pks, .vals = o, .fn = cb_order_fn, .arg = &c };
	const struct ose_plain_each events = {
		.ks = &ev_pks, .vals = e, .fn = cb_event_fn, .arg = &c, .inner = &orders,
	};

	if (ose_plain_obj_get_each(msg, len, &top_pks, k, &events) != 0)
		return -1;
	return cb_fast_done(&c, k);
}

static int cb_fast(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
		   struct ose_parse_out *out, struct ose_json_val *k, size_t alen)
{
	struct ose_json_val e[E_COUNT], o[O_COUNT];
	struct cb_each c = { ctx, out, 0, 0, alen, msg + len };
	struct ose_json_each orders = { .ks = &ord_ks, .vals = o, .fn = cb_order_fn, .arg = &c };
	struct ose_json_each events = {
		.ks = &ev_ks, .vals = e, .fn = cb_event_fn, .arg = &c, .inner = &orders,
	};
	const char *why = "";

	if (ose_json_obj_get_each(msg, len, &top_ks, k, &events, &why) != 0)
		return -1;
	return cb_fast_done(&c, k);
}

/* Every key set this file indexes (venues.h). */
void ose_coinbase_prepare(void)
{
	ose_json_keyset_prepare(&top_ks);
	ose_json_keyset_prepare(&ev_ks);
	ose_json_keyset_prepare(&ord_ks);
	ose_plain_keyset_prepare(&top_pks);
	ose_plain_keyset_prepare(&ev_pks);
	ose_plain_keyset_prepare(&ord_pks);
}

enum ose_parse_res ose_coinbase_parse(const char *msg, size_t len, int binary,
				      const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_json_val k[K_COUNT], e[E_COUNT], o[O_COUNT];
	struct ose_json_iter eit, oit;
	const char *why = "";
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int64_t ts = 0, seq = 0;
	uint32_t n = 0;
	size_t alen;
	int rc, snapshot;

	ose_ev_out_reset(out);
	if (binary)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "coinbase binary frame");
	alen = ose_ev_account_len(ctx);
	if (cb_plain(msg, len, ctx, out, k, alen) == 0)
		return ose_ev_done_json_n(out, ctx, &k[K_OSE_TS], alen);
	ose_ev_out_reset(out);
	if (cb_fast(msg, len, ctx, out, k, alen) == 0)
		return ose_ev_done_json_n(out, ctx, &k[K_OSE_TS], alen);
	/* Slow path: heartbeats, acks, errors; starts over with a plain
	 * validating scan (which also names the error of a bad frame). */
	ose_ev_out_reset(out);
	rc = ose_json_obj_get(msg, len, &top_ks, k, &why);
	if (rc)
		FAIL(rc, why);
	if (OSE_JSON_STR_EQ(&k[K_TYPE], "error")) {
		const struct ose_json_val *m = &k[K_MESSAGE];
		if (m->type == OSE_JSON_STRING) {
			for (uint32_t i = 0; i + 4 <= m->len; i++)
				if (memcmp(m->p + i, "auth", 4) == 0)
					return ose_ev_session(out, OSE_SESS_AUTH_FAIL,
							      "coinbase authentication failure");
		}
		return ose_ev_session(out, OSE_SESS_ERROR, "coinbase error");
	}
	if (OSE_JSON_STR_EQ(&k[K_CHANNEL], "heartbeats"))
		return ose_ev_session(out, OSE_SESS_OTHER, "coinbase heartbeat");
	if (OSE_JSON_STR_EQ(&k[K_CHANNEL], "subscriptions"))
		return ose_ev_session(out, OSE_SESS_SUBSCRIBED, "coinbase subscriptions");
	if (!OSE_JSON_STR_EQ(&k[K_CHANNEL], "user"))
		FAIL(-OSE_PERR_UNKNOWN_MSG, "coinbase channel");

	rc = ose_json_read_i64(&k[K_SEQ], &seq, &got);
	if (rc)
		FAIL(rc, "coinbase sequence_num");
	if (seq < 0)
		FAIL(-OSE_PERR_NUMBER, "coinbase sequence_num");
	rc = ose_json_read_rfc3339(&k[K_TIMESTAMP], &ts, NULL);
	if (rc)
		FAIL(rc, "coinbase timestamp");
	if (k[K_EVENTS].type != OSE_JSON_ARRAY)
		FAIL(k[K_EVENTS].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD : -OSE_PERR_WRONG_TYPE,
		     "coinbase events");

	/* Slow path: the scan above validated everything; walk it. */
	ose_json_iter_init(&eit, &k[K_EVENTS]);
	while ((rc = ose_json_iter_next_obj(&eit, &ev_ks, e, &why)) > 0) {
		if (OSE_JSON_STR_EQ(&e[E_TYPE], "snapshot"))
			snapshot = 1;
		else if (OSE_JSON_STR_EQ(&e[E_TYPE], "update"))
			snapshot = 0;
		else
			FAIL(-OSE_PERR_UNKNOWN_MSG, "coinbase events[].type");
		if (e[E_ORDERS].type == OSE_JSON_ABSENT || e[E_ORDERS].type == OSE_JSON_NULL)
			continue;
		if (e[E_ORDERS].type != OSE_JSON_ARRAY)
			FAIL(-OSE_PERR_WRONG_TYPE, "coinbase events[].orders");
		ose_json_iter_init(&oit, &e[E_ORDERS]);
		while ((rc = ose_json_iter_next_obj(&oit, &ord_ks, o, &why)) > 0) {
			if (!out->ev || n >= out->cap)
				FAIL(-OSE_PERR_TOO_MANY, "coinbase orders beyond out->cap");
			rc = cb_order(o, ctx, alen, snapshot, (uint64_t)seq,
				      got == OSE_JGOT_NUMBER || got == OSE_JGOT_STRING, ts, &out->ev[n], msg + len,
				      &why);
			if (rc)
				FAIL(rc, why);
			n++;
		}
		if (rc < 0)
			FAIL(rc, why);
	}
	if (rc < 0)
		FAIL(rc, why);
	out->n = n;
	return ose_ev_done_json(out, ctx, &k[K_OSE_TS]);
}
