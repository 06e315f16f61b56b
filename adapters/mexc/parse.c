/* SPDX-License-Identifier: MIT */
/*
 * MEXC spot v3 private stream (reference §3): protobuf data frames and
 * JSON text acks on one socket; the feed says which by `binary`.
 *
 * Binary: PushDataV3ApiWrapper { channel=1, symbol=3, symbolId=4,
 * createTime=5, sendTime=6, oneof body { privateOrders=304,
 * privateDeals=306, privateAccount=307, public*=301..315 } }, decoded with
 * the bounds-checked reader in pb.h.  Fields may come in any order,
 * unknown numbers are skipped, proto3 omits defaults (absent string =
 * "", absent int = 0), a repeated scalar keeps the last value.
 *   privateOrders -> OSE_EV_ORDER (status table below)
 *   privateDeals  -> OSE_EV_FILL  (last qty/price, trade id, fee)
 *   privateAccount and public bodies -> OSE_PERR_UNKNOWN_MSG (we never
 *   subscribe them; counted so a misrouted socket shows up).
 * Event time: the wrapper's sendTime (else createTime); deals use their
 * own trade `time` first.  No venue sequence number exists.
 *
 * Text: {"id":0,"code":0,"msg":"<topic>"} acks (SUBSCRIBED only if msg
 * echoes .pb topics: trap 21, "Blocked!" acks carry code 0), "PONG",
 * server {"method":"PING"}.  The old JSON push format (§3.4,
 * {"c":"spot@private.orders.v3.api","d":{...}}) was retired on
 * 2025-08-04: counted as OSE_PERR_UNKNOWN_MSG "mexc json v3 retired",
 * not parsed.
 */
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/json/evutil.h"
#include "adapters/json/json.h"
#include "adapters/mexc/pb.h"

/* A length-delimited view; present = the field occurred on the wire. */
struct mx_str {
	const uint8_t *p;
	uint32_t len;
	uint8_t present;
};

struct mx_order {
	struct mx_str id, client_id, price, qty, amount, avg_px, last_qty, cum_qty;
	int64_t order_type, trade_type, status, create_time;
};

struct mx_deal {
	struct mx_str price, qty, trade_id, client_id, order_id, fee, fee_ccy;
	int64_t trade_type, time;
};

/* MEXC status int -> §5 status.  5 is PARTIALLY_CANCELED: cancelled
 * with fills kept (DESIGN §5), i.e. CANCELED with cum_qty > 0. */
static const uint8_t mx_status[] = {
	[1] = OSE_ST_NEW,
	[2] = OSE_ST_FILLED,
	[3] = OSE_ST_PARTIALLY_FILLED,
	[4] = OSE_ST_CANCELED,
	[5] = OSE_ST_CANCELED,
};

/* orderType -> (type, tif). */
static void mx_order_type(int64_t t, struct ose_event *ev)
{
	switch (t) {
	case 1: ev->ord_type = OSE_OT_LIMIT; ev->tif = OSE_TIF_GTC; break;
	case 2: ev->ord_type = OSE_OT_LIMIT_MAKER; ev->tif = OSE_TIF_GTC; break;
	case 3: ev->ord_type = OSE_OT_LIMIT; ev->tif = OSE_TIF_IOC; break;
	case 4: ev->ord_type = OSE_OT_LIMIT; ev->tif = OSE_TIF_FOK; break;
	case 5: ev->ord_type = OSE_OT_MARKET; break;
	case 100: ev->ord_type = OSE_OT_STOP; break;
	case 0: break;
	default: ev->ord_type = OSE_OT_OTHER; break;
	}
}

static uint8_t mx_side(int64_t t)
{
	return t == 1 ? OSE_SIDE_BUY : t == 2 ? OSE_SIDE_SELL : OSE_SIDE_NONE;
}

static int mx_take_str(const struct ose_pb_field *f, struct mx_str *s)
{
	if (f->wire != OSE_PB_LEN)
		return -OSE_PERR_WRONG_TYPE;
	s->p = f->data;
	s->len = (uint32_t)f->u;
	s->present = 1;
	return 0;
}

static int mx_take_int(const struct ose_pb_field *f, int64_t *v)
{
	if (f->wire != OSE_PB_VARINT)
		return -OSE_PERR_WRONG_TYPE;
	*v = (int64_t)f->u; /* int32/int64: two's complement in 64 bits */
	return 0;
}

/* Copy an id: printable bytes only (no NUL can hide a suffix), must fit. */
static int mx_id(const struct mx_str *s, char *dst, size_t cap)
{
	if (!s->present)
		return 0;
	if (s->len >= cap)
		return -OSE_PERR_TOO_LONG;
	for (uint32_t i = 0; i < s->len; i++)
		if (s->p[i] < 0x20 || s->p[i] == 0x7f)
			return -OSE_PERR_SYNTAX;
	memcpy(dst, s->p, s->len);
	dst[s->len] = '\0';
	return 0;
}

/* Exact decimal; an empty or absent string leaves the flag clear. */
static int mx_dec(struct ose_event *ev, const struct mx_str *s, ose_dec *dst, uint16_t flag)
{
	if (!s->present || s->len == 0)
		return 0;
	if (ose_dec_parse((const char *)s->p, s->len, dst) != OSE_DEC_OK)
		return -OSE_PERR_NUMBER;
	ev->flags |= flag;
	return 0;
}

/* ms since the epoch -> ns; 0 stays "unknown". */
static int mx_ms(int64_t ms, int64_t *ns)
{
	if (ms < 0 || ms > INT64_MAX / 1000000)
		return -OSE_PERR_TIMESTAMP;
	*ns = ms * 1000000;
	return 0;
}

static int mx_parse_order(const uint8_t *p, size_t len, struct mx_order *o, const char **why)
{
	struct ose_pb r = { p, p + len };
	struct ose_pb_field f;
	int rc;

	memset(o, 0, sizeof(*o));
	while ((rc = ose_pb_next(&r, &f)) > 0) {
		switch (f.num) {
		case 1: rc = mx_take_str(&f, &o->id); *why = "mexc privateOrders.id"; break;
		case 2: rc = mx_take_str(&f, &o->client_id); *why = "mexc privateOrders.clientId"; break;
		case 3: rc = mx_take_str(&f, &o->price); *why = "mexc privateOrders.price"; break;
		case 4: rc = mx_take_str(&f, &o->qty); *why = "mexc privateOrders.quantity"; break;
		case 5: rc = mx_take_str(&f, &o->amount); *why = "mexc privateOrders.amount"; break;
		case 6: rc = mx_take_str(&f, &o->avg_px); *why = "mexc privateOrders.avgPrice"; break;
		case 7: rc = mx_take_int(&f, &o->order_type); *why = "mexc privateOrders.orderType"; break;
		case 8: rc = mx_take_int(&f, &o->trade_type); *why = "mexc privateOrders.tradeType"; break;
		case 12: rc = mx_take_str(&f, &o->last_qty); *why = "mexc privateOrders.lastDealQuantity"; break;
		case 13: rc = mx_take_str(&f, &o->cum_qty); *why = "mexc privateOrders.cumulativeQuantity"; break;
		case 15: rc = mx_take_int(&f, &o->status); *why = "mexc privateOrders.status"; break;
		case 16: rc = mx_take_int(&f, &o->create_time); *why = "mexc privateOrders.createTime"; break;
		default: rc = 0; break; /* isMaker, remain*, cumulativeAmount, 17-26, future */
		}
		if (rc)
			return rc;
	}
	if (rc)
		*why = "mexc privateOrders wire";
	return rc;
}

static int mx_parse_deal(const uint8_t *p, size_t len, struct mx_deal *d, const char **why)
{
	struct ose_pb r = { p, p + len };
	struct ose_pb_field f;
	int rc;

	memset(d, 0, sizeof(*d));
	while ((rc = ose_pb_next(&r, &f)) > 0) {
		switch (f.num) {
		case 1: rc = mx_take_str(&f, &d->price); *why = "mexc privateDeals.price"; break;
		case 2: rc = mx_take_str(&f, &d->qty); *why = "mexc privateDeals.quantity"; break;
		case 4: rc = mx_take_int(&f, &d->trade_type); *why = "mexc privateDeals.tradeType"; break;
		case 7: rc = mx_take_str(&f, &d->trade_id); *why = "mexc privateDeals.tradeId"; break;
		case 8: rc = mx_take_str(&f, &d->client_id); *why = "mexc privateDeals.clientOrderId"; break;
		case 9: rc = mx_take_str(&f, &d->order_id); *why = "mexc privateDeals.orderId"; break;
		case 10: rc = mx_take_str(&f, &d->fee); *why = "mexc privateDeals.feeAmount"; break;
		case 11: rc = mx_take_str(&f, &d->fee_ccy); *why = "mexc privateDeals.feeCurrency"; break;
		case 12: rc = mx_take_int(&f, &d->time); *why = "mexc privateDeals.time"; break;
		default: rc = 0; break; /* amount, isMaker, isSelfTrade, future */
		}
		if (rc)
			return rc;
	}
	if (rc)
		*why = "mexc privateDeals wire";
	return rc;
}

#define FAIL(rc_, why_) return ose_ev_fail(out, (rc_), (why_))

static enum ose_parse_res mx_binary(const uint8_t *msg, size_t len,
				    const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_pb r = { msg, msg + len };
	struct ose_pb_field f, body = { 0 };
	struct mx_str channel = { 0 }, symbol = { 0 };
	int64_t create_time = 0, send_time = 0, ts_ms, stamp = 0;
	const char *why = "mexc wrapper";
	struct ose_event *ev;
	int rc;

	while ((rc = ose_pb_next(&r, &f)) > 0) {
		switch (f.num) {
		case 1: rc = mx_take_str(&f, &channel); why = "mexc wrapper.channel"; break;
		case 3: rc = mx_take_str(&f, &symbol); why = "mexc wrapper.symbol"; break;
		case 5: rc = mx_take_int(&f, &create_time); why = "mexc wrapper.createTime"; break;
		case 6: rc = mx_take_int(&f, &send_time); why = "mexc wrapper.sendTime"; break;
		/* The simulator's send stamp (docs/sim.md): ns since the
		 * epoch, a varint that real MEXC never sends. */
		case 99:
			rc = mx_take_int(&f, &stamp);
			if (rc == 0 && stamp < 0)
				rc = -OSE_PERR_NUMBER;
			why = "mexc wrapper.ose_ts";
			break;
		default:
			if (f.num >= 301 && f.num <= 399) {
				/* oneof body: the last one on the wire wins */
				if (f.wire != OSE_PB_LEN)
					FAIL(-OSE_PERR_WRONG_TYPE, "mexc wrapper.body");
				body = f;
			}
			rc = 0;
			break;
		}
		if (rc)
			FAIL(rc, why);
	}
	if (rc)
		FAIL(rc, "mexc wrapper wire");
	if (!body.num) {
		if (!channel.present)
			FAIL(-OSE_PERR_SYNTAX, "mexc frame is not a PushDataV3ApiWrapper");
		FAIL(-OSE_PERR_UNKNOWN_MSG, "mexc wrapper without body");
	}
	if (body.num != 304 && body.num != 306)
		FAIL(-OSE_PERR_UNKNOWN_MSG, body.num == 307 ? "mexc privateAccount not handled"
							     : "mexc public channel on private feed");
	if (!out->ev || out->cap < 1)
		FAIL(-OSE_PERR_TOO_MANY, "mexc out->cap");
	if (!symbol.present || symbol.len == 0)
		FAIL(-OSE_PERR_MISSING_FIELD, "mexc wrapper.symbol");

	ev = &out->ev[0];
	ts_ms = send_time ? send_time : create_time;
	if (body.num == 304) {
		struct mx_order o;
		rc = mx_parse_order(body.data, (size_t)body.u, &o, &why);
		if (rc)
			FAIL(rc, why);
		ose_ev_init(ev, OSE_EV_ORDER, OSE_VENUE_MEXC, ctx);
		if (o.status <= 0 || (uint64_t)o.status >= sizeof(mx_status) || !mx_status[o.status])
			FAIL(-OSE_PERR_UNKNOWN_STATUS, "mexc privateOrders.status");
		ev->status = mx_status[o.status];
		ev->side = mx_side(o.trade_type);
		mx_order_type(o.order_type, ev);
		if (!o.id.present || o.id.len == 0)
			FAIL(-OSE_PERR_MISSING_FIELD, "mexc privateOrders.id");
		if ((rc = mx_id(&o.id, ev->order_id, sizeof(ev->order_id))))
			FAIL(rc, "mexc privateOrders.id");
		if ((rc = mx_id(&o.client_id, ev->client_id, sizeof(ev->client_id))))
			FAIL(rc, "mexc privateOrders.clientId");
		if ((rc = mx_dec(ev, &o.price, &ev->price, OSE_EVF_HAS_PRICE)))
			FAIL(rc, "mexc privateOrders.price");
		if ((rc = mx_dec(ev, &o.qty, &ev->qty, OSE_EVF_HAS_QTY)))
			FAIL(rc, "mexc privateOrders.quantity");
		if ((rc = mx_dec(ev, &o.avg_px, &ev->avg_px, OSE_EVF_HAS_AVG_PX)))
			FAIL(rc, "mexc privateOrders.avgPrice");
		if ((rc = mx_dec(ev, &o.cum_qty, &ev->cum_qty, OSE_EVF_HAS_CUM_QTY)))
			FAIL(rc, "mexc privateOrders.cumulativeQuantity");
		/* Quantity only: MEXC orders carry no last fill price
		 * (it comes with the deal), so HAS_LAST_PX stays clear. */
		if ((rc = mx_dec(ev, &o.last_qty, &ev->last_qty, OSE_EVF_HAS_LAST)))
			FAIL(rc, "mexc privateOrders.lastDealQuantity");
		/* amount (quote) is checked but not carried: the event's qty
		 * is base currency. */
		if (o.amount.present && o.amount.len) {
			ose_dec tmp;
			if (ose_dec_parse((const char *)o.amount.p, o.amount.len, &tmp) != OSE_DEC_OK)
				FAIL(-OSE_PERR_NUMBER, "mexc privateOrders.amount");
		}
		if (!ts_ms)
			ts_ms = o.create_time;
	} else {
		struct mx_deal d;
		rc = mx_parse_deal(body.data, (size_t)body.u, &d, &why);
		if (rc)
			FAIL(rc, why);
		ose_ev_init(ev, OSE_EV_FILL, OSE_VENUE_MEXC, ctx);
		ev->side = mx_side(d.trade_type);
		if (!d.order_id.present || d.order_id.len == 0)
			FAIL(-OSE_PERR_MISSING_FIELD, "mexc privateDeals.orderId");
		if (!d.trade_id.present || d.trade_id.len == 0)
			FAIL(-OSE_PERR_MISSING_FIELD, "mexc privateDeals.tradeId");
		if ((rc = mx_id(&d.order_id, ev->order_id, sizeof(ev->order_id))))
			FAIL(rc, "mexc privateDeals.orderId");
		if ((rc = mx_id(&d.trade_id, ev->trade_id, sizeof(ev->trade_id))))
			FAIL(rc, "mexc privateDeals.tradeId");
		if ((rc = mx_id(&d.client_id, ev->client_id, sizeof(ev->client_id))))
			FAIL(rc, "mexc privateDeals.clientOrderId");
		if ((rc = mx_id(&d.fee_ccy, ev->fee_asset, sizeof(ev->fee_asset))))
			FAIL(rc, "mexc privateDeals.feeCurrency");
		if ((rc = mx_dec(ev, &d.price, &ev->last_px, OSE_EVF_HAS_LAST_PX)))
			FAIL(rc, "mexc privateDeals.price");
		if ((rc = mx_dec(ev, &d.qty, &ev->last_qty, OSE_EVF_HAS_LAST)))
			FAIL(rc, "mexc privateDeals.quantity");
		if ((ev->flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX)) !=
		    (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX))
			FAIL(-OSE_PERR_MISSING_FIELD, "mexc privateDeals.price/quantity");
		if ((rc = mx_dec(ev, &d.fee, &ev->fee, OSE_EVF_HAS_FEE)))
			FAIL(rc, "mexc privateDeals.feeAmount");
		if (d.time)
			ts_ms = d.time;
	}
	if ((rc = mx_id(&symbol, ev->symbol, sizeof(ev->symbol))))
		FAIL(rc, "mexc wrapper.symbol");
	if ((rc = mx_ms(ts_ms, &ev->exch_ts_ns)))
		FAIL(rc, "mexc sendTime");
	out->n = 1;
	out->session = OSE_SESS_NONE;
	out->err = OSE_PERR_NONE;
	out->why = "";
	return ose_ev_done(out, ctx, stamp);
}

enum mx_jkey { MJ_ID, MJ_CODE, MJ_MSG, MJ_METHOD, MJ_C, MJ_D, MJ_N };
static const struct ose_json_key mx_jkeys[MJ_N] = {
	[MJ_ID] = OSE_JSON_KEY("id"),
	[MJ_CODE] = OSE_JSON_KEY("code"),
	[MJ_MSG] = OSE_JSON_KEY("msg"),
	[MJ_METHOD] = OSE_JSON_KEY("method"),
	[MJ_C] = OSE_JSON_KEY("c"),
	[MJ_D] = OSE_JSON_KEY("d"),
};
static struct ose_json_keyset mx_jks = OSE_JSON_KEYSET(mx_jkeys);

static int mx_contains(const struct ose_json_val *v, const char *needle)
{
	size_t n = strlen(needle);
	if (v->type != OSE_JSON_STRING || v->len < n)
		return 0;
	for (uint32_t i = 0; i + n <= v->len; i++)
		if (memcmp(v->p + i, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 if msg is a comma-separated list of protobuf topics ("...api.pb"),
 * i.e. the ack echoes what we subscribed. */
static int mx_pb_topics(const struct ose_json_val *v)
{
	static const char suffix[] = ".pb";
	uint32_t start = 0;

	if (v->type != OSE_JSON_STRING || v->esc || v->len == 0)
		return 0;
	for (uint32_t i = 0; i <= v->len; i++) {
		if (i == v->len || v->p[i] == ',') {
			uint32_t n = i - start;
			if (n < 8 || memcmp(v->p + start, "spot@", 5) != 0 ||
			    memcmp(v->p + i - 3, suffix, 3) != 0)
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

static enum ose_parse_res mx_text(const char *msg, size_t len, struct ose_parse_out *out)
{
	struct ose_json_val v[MJ_N];
	const char *why = NULL;
	int64_t code = 0;
	int rc;

	rc = ose_json_obj_get(msg, len, &mx_jks, v, &why);
	if (rc)
		return ose_ev_fail(out, rc, why);
	if (v[MJ_C].type != OSE_JSON_ABSENT && v[MJ_D].type != OSE_JSON_ABSENT)
		return ose_ev_fail(out, -OSE_PERR_UNKNOWN_MSG, "mexc json v3 retired");
	if (v[MJ_METHOD].type != OSE_JSON_ABSENT) {
		if (OSE_JSON_STR_EQ(&v[MJ_METHOD], "PING"))
			return ose_ev_session(out, OSE_SESS_PING, "mexc PING");
		if (OSE_JSON_STR_EQ(&v[MJ_METHOD], "PONG"))
			return ose_ev_session(out, OSE_SESS_PONG, "mexc PONG");
		return ose_ev_fail(out, -OSE_PERR_UNKNOWN_MSG, "mexc method");
	}
	if (v[MJ_MSG].type != OSE_JSON_STRING)
		return ose_ev_fail(out, v[MJ_MSG].type == OSE_JSON_ABSENT ? -OSE_PERR_UNKNOWN_MSG
									   : -OSE_PERR_WRONG_TYPE,
				   "mexc msg");
	rc = ose_json_read_i64(&v[MJ_CODE], &code, NULL);
	if (rc)
		return ose_ev_fail(out, rc, "mexc code");
	if (OSE_JSON_STR_EQ(&v[MJ_MSG], "PONG"))
		return ose_ev_session(out, OSE_SESS_PONG, "mexc PONG");
	/* Trap 21: retired topics are "acked" with code 0 and a Blocked!
	 * text, then the socket goes silent.  Never trust code alone. */
	if (mx_contains(&v[MJ_MSG], "Blocked") || mx_contains(&v[MJ_MSG], "Not Subscribed"))
		return ose_ev_session(out, OSE_SESS_ERROR, "mexc subscription blocked (retired JSON topic)");
	if (code != 0)
		return ose_ev_session(out, OSE_SESS_ERROR, "mexc error code");
	if (mx_pb_topics(&v[MJ_MSG]))
		return ose_ev_session(out, OSE_SESS_SUBSCRIBED, "mexc subscribed");
	if (mx_contains(&v[MJ_MSG], "spot@"))
		return ose_ev_session(out, OSE_SESS_ERROR, "mexc ack for a non-protobuf topic");
	return ose_ev_fail(out, -OSE_PERR_UNKNOWN_MSG, "mexc msg");
}

/* Every key set this file indexes (venues.h). */
void ose_mexc_prepare(void)
{
	ose_json_keyset_prepare(&mx_jks);
}

enum ose_parse_res ose_mexc_parse(const char *msg, size_t len, int binary,
				  const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	ose_ev_out_reset(out);
	if (!msg || len == 0)
		return ose_ev_fail(out, -OSE_PERR_TRUNCATED, "mexc empty frame");
	if (binary)
		return mx_binary((const uint8_t *)msg, len, ctx, out);
	return mx_text(msg, len, out);
}
