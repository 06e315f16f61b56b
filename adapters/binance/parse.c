/* SPDX-License-Identifier: MIT */
/*
 * Binance spot user data: payload -> normalised events (reference §1).
 *
 * Accepts the three envelopes (trap 22): WS API {"subscriptionId":N,
 * "event":{...}}, legacy combined {"stream":..,"data":{...}} and the bare
 * event; plus WS API responses {"id":..,"status":..,"result"|"error"}.
 * Events: executionReport (order update), outboundAccountPosition and
 * balanceUpdate (balances), listenKeyExpired, eventStreamTerminated and
 * serverShutdown (session), listStatus / externalLockUpdate (known, no
 * event).  Binary (SBE) frames are refused with OSE_PERR_UNKNOWN_MSG.
 *
 * Keys are single case-sensitive letters that overlap two-letter ones
 * (trap 8): the key set matches exact bytes and length, so "C" never
 * matches "Cs" and "p" never matches "pL".
 *
 * Time unit: Binance sends ms, or µs when the session asked for
 * timeUnit=MICROSECOND.  Epoch ms have 13 digits until the year 2286 and
 * epoch µs 16, so a value >= 1e14 is read as µs.
 */
#include <string.h>

#include "adapters/binance/binance.h"
#include "adapters/core/venues.h"

/* Keys of one level: envelope, response and event keys in one set, so a
 * bare event costs a single pass. */
enum {
	K_SUBID, K_EVENT, K_STREAM, K_DATA, K_ID, K_STATUS, K_RESULT, K_ERROR,
	K_e, K_E, K_s, K_c, K_S, K_o, K_f, K_q, K_p, K_C, K_x, K_X, K_r, K_i, K_l, K_z,
	K_L, K_n, K_N, K_T, K_t, K_B, K_a, K_d, K_OSE_TS,
	K_COUNT
};
static const struct ose_json_key bn_keys[K_COUNT] = {
	[K_SUBID] = OSE_JSON_KEY("subscriptionId"),
	/* Envelopes are walked in the same pass into the same vals. */
	[K_EVENT] = OSE_JSON_KEY_F("event", OSE_JSON_DESCEND),
	[K_STREAM] = OSE_JSON_KEY("stream"),
	[K_DATA] = OSE_JSON_KEY_F("data", OSE_JSON_DESCEND),
	[K_ID] = OSE_JSON_KEY("id"),
	[K_STATUS] = OSE_JSON_KEY("status"),
	[K_RESULT] = OSE_JSON_KEY("result"),
	[K_ERROR] = OSE_JSON_KEY("error"),
	[K_e] = OSE_JSON_KEY("e"), [K_E] = OSE_JSON_KEY("E"), [K_s] = OSE_JSON_KEY("s"),
	[K_c] = OSE_JSON_KEY("c"), [K_S] = OSE_JSON_KEY("S"), [K_o] = OSE_JSON_KEY("o"),
	[K_f] = OSE_JSON_KEY("f"), [K_q] = OSE_JSON_KEY("q"), [K_p] = OSE_JSON_KEY("p"),
	[K_C] = OSE_JSON_KEY("C"), [K_x] = OSE_JSON_KEY("x"), [K_X] = OSE_JSON_KEY("X"),
	[K_r] = OSE_JSON_KEY("r"), [K_i] = OSE_JSON_KEY("i"), [K_l] = OSE_JSON_KEY("l"),
	[K_z] = OSE_JSON_KEY("z"), [K_L] = OSE_JSON_KEY("L"), [K_n] = OSE_JSON_KEY("n"),
	[K_N] = OSE_JSON_KEY("N"), [K_T] = OSE_JSON_KEY("T"), [K_t] = OSE_JSON_KEY("t"),
	[K_B] = OSE_JSON_KEY_F("B", OSE_JSON_EACH), [K_a] = OSE_JSON_KEY("a"), [K_d] = OSE_JSON_KEY("d"),
	/* The simulator's send stamp, last key of the outermost object
	 * (docs/sim.md); never sent by Binance. */
	[K_OSE_TS] = OSE_JSON_KEY("ose_ts"),
};
static struct ose_json_keyset bn_ks = OSE_JSON_KEYSET(bn_keys);

int ose_binance_generic_key(const char *k, size_t n)
{
	for (size_t i = 0; i < K_COUNT; i++)
		if (bn_keys[i].len == n && memcmp(bn_keys[i].name, k, n) == 0)
			return 1;
	return 0;
}

/* outboundAccountPosition B[] entries. */
enum { KB_a, KB_f, KB_l, KB_COUNT };
static const struct ose_json_key bal_keys[KB_COUNT] = {
	[KB_a] = OSE_JSON_KEY("a"), [KB_f] = OSE_JSON_KEY("f"), [KB_l] = OSE_JSON_KEY("l"),
};
static struct ose_json_keyset bal_ks = OSE_JSON_KEYSET(bal_keys);

/* WS API result / error objects. */
enum { KR_SUBID, KR_APIKEY, KR_CODE, KR_COUNT };
static const struct ose_json_key res_keys[KR_COUNT] = {
	[KR_SUBID] = OSE_JSON_KEY("subscriptionId"),
	[KR_APIKEY] = OSE_JSON_KEY("apiKey"),
	[KR_CODE] = OSE_JSON_KEY("code"),
};
static struct ose_json_keyset res_ks = OSE_JSON_KEYSET(res_keys);

/* E/T: ms, or µs under timeUnit=MICROSECOND (see the file comment):
 * 1e14 is the first 15-digit value. */
static int bn_ts(const struct ose_json_val *v, int64_t *ns)
{
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int rc;

	if (v->type != OSE_JSON_NUMBER && v->type != OSE_JSON_STRING)
		return v->type == OSE_JSON_ABSENT || v->type == OSE_JSON_NULL ? -OSE_PERR_MISSING_FIELD
									       : -OSE_PERR_TIMESTAMP;
	rc = ose_json_read_ts(v, v->len >= 15 ? OSE_TS_US : OSE_TS_MS, ns, &got);
	if (rc)
		return -OSE_PERR_TIMESTAMP;
	if (got != OSE_JGOT_NUMBER && got != OSE_JGOT_STRING)
		return -OSE_PERR_MISSING_FIELD;
	return 0;
}

#define FAIL(rc, why) return ose_ev_fail(out, (rc), (why))

static enum ose_parse_res bn_execution_report(const struct ose_json_val *k,
					      const struct ose_parse_ctx *ctx,
					      struct ose_parse_out *out)
{
	struct ose_event *ev;
	int rc, v;

	if (out->cap < 1)
		FAIL(-OSE_PERR_TOO_MANY, "binance: no room for an event");
	ev = &out->ev[0];
	ose_ev_init(ev, OSE_EV_ORDER, OSE_VENUE_BINANCE, ctx);

	v = OSE_WIRE_LOOKUP(&k[K_X], bn_status);
	if (v < 0)
		FAIL(k[K_X].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD
						    : -OSE_PERR_UNKNOWN_STATUS,
		     "executionReport.X");
	ev->status = (uint8_t)v;
	v = OSE_WIRE_LOOKUP(&k[K_S], bn_side);
	if (v < 0)
		FAIL(k[K_S].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD : -OSE_PERR_WRONG_TYPE,
		     "executionReport.S");
	ev->side = (uint8_t)v;
	v = OSE_WIRE_LOOKUP(&k[K_o], bn_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : ose_json_has(&k[K_o]) ? OSE_OT_OTHER : OSE_OT_NONE);
	v = OSE_WIRE_LOOKUP(&k[K_f], bn_tif);
	ev->tif = (uint8_t)(v >= 0 ? v : ose_json_has(&k[K_f]) ? OSE_TIF_OTHER : OSE_TIF_NONE);

	rc = ose_json_read_str(&k[K_s], ev->symbol, sizeof(ev->symbol), NULL);
	if (rc < 0)
		FAIL(rc, "executionReport.s");
	if (rc == 0)
		FAIL(-OSE_PERR_MISSING_FIELD, "executionReport.s");
	rc = ose_json_read_id(&k[K_i], ev->order_id, sizeof(ev->order_id), NULL);
	if (rc < 0)
		FAIL(rc, "executionReport.i");
	if (rc == 0)
		FAIL(-OSE_PERR_MISSING_FIELD, "executionReport.i");
	/* Trap 16: on cancels c is the cancel request's id and C the
	 * order's own; C is "" otherwise. */
	if (ose_json_has(&k[K_C])) {
		rc = ose_json_read_str(&k[K_C], ev->client_id, sizeof(ev->client_id), NULL);
		if (rc < 0)
			FAIL(rc, "executionReport.C");
	} else {
		rc = ose_json_read_str(&k[K_c], ev->client_id, sizeof(ev->client_id), NULL);
		if (rc < 0)
			FAIL(rc, "executionReport.c");
	}

	if ((rc = ose_ev_dec(ev, &k[K_p], &ev->price, OSE_EVF_HAS_PRICE)))
		FAIL(rc, "executionReport.p");
	if ((rc = ose_ev_dec(ev, &k[K_q], &ev->qty, OSE_EVF_HAS_QTY)))
		FAIL(rc, "executionReport.q");
	if ((rc = ose_ev_dec(ev, &k[K_z], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY)))
		FAIL(rc, "executionReport.z");
	if (!(ev->flags & OSE_EVF_HAS_CUM_QTY))
		FAIL(-OSE_PERR_MISSING_FIELD, "executionReport.z");

	/* Trap 13: l is a fill only when x=TRADE (TRADE_PREVENTION carries
	 * l > 0 with t = -1).  The engine drives fills from z anyway. */
	{
		ose_dec lq = 0, lp = 0;
		uint16_t fl = 0;
		struct ose_event tmp;
		tmp.flags = 0;
		if ((rc = ose_ev_dec(&tmp, &k[K_l], &lq, OSE_EVF_HAS_LAST)))
			FAIL(rc, "executionReport.l");
		if ((rc = ose_ev_dec(&tmp, &k[K_L], &lp, OSE_EVF_HAS_LAST_PX)))
			FAIL(rc, "executionReport.L");
		fl = tmp.flags;
		if (OSE_JSON_STR_EQ(&k[K_x], "TRADE")) {
			int64_t tid = -1;
			ev->last_qty = lq;
			ev->last_px = lp;
			ev->flags |= fl;
			rc = ose_json_read_i64(&k[K_t], &tid, NULL);
			if (rc)
				FAIL(rc, "executionReport.t");
			if (tid >= 0) {
				rc = ose_json_read_id(&k[K_t], ev->trade_id, sizeof(ev->trade_id), NULL);
				if (rc < 0)
					FAIL(rc, "executionReport.t");
			}
		} else if (k[K_x].type != OSE_JSON_STRING && k[K_x].type != OSE_JSON_ABSENT) {
			FAIL(-OSE_PERR_WRONG_TYPE, "executionReport.x");
		}
	}

	/* Commission: n in asset N (N is null when nothing was charged). */
	{
		ose_dec fee = 0;
		struct ose_event tmp;
		tmp.flags = 0;
		if ((rc = ose_ev_dec(&tmp, &k[K_n], &fee, OSE_EVF_HAS_FEE)))
			FAIL(rc, "executionReport.n");
		rc = ose_json_read_str(&k[K_N], ev->fee_asset, sizeof(ev->fee_asset), NULL);
		if (rc < 0)
			FAIL(rc, "executionReport.N");
		if ((tmp.flags & OSE_EVF_HAS_FEE) && (rc > 0 || fee != 0)) {
			ev->fee = fee;
			ev->flags |= OSE_EVF_HAS_FEE;
		}
	}

	rc = bn_ts(&k[K_E], &ev->exch_ts_ns);
	if (rc)
		FAIL(rc, "executionReport.E");

	/* Reject reason, informational ("NONE" when fine). */
	if (ose_json_has(&k[K_r]) && !OSE_JSON_STR_EQ(&k[K_r], "NONE")) {
		rc = ose_json_read_str_trunc(&k[K_r], ev->reason, sizeof(ev->reason));
		if (rc < 0)
			FAIL(rc, "executionReport.r");
	}

	out->n = 1;
	return OSE_PARSE_EVENTS;
}

/*
 * outboundAccountPosition B[] entries, taken one by one during the one
 * walk of the message (OSE_JSON_EACH), before the event type is known:
 * each entry becomes a balance event, and the first entry's refusal is
 * kept rather than returned, so the walk still validates the rest and
 * a message of another type is not refused for its B.  Only
 * bn_account_position reports n and err, after the walk succeeded.
 */
struct bn_bal {
	const struct ose_parse_ctx *ctx;
	struct ose_parse_out *out;
	uint32_t n;      /* events written */
	int err;         /* first refusal (negative), or 0 */
	const char *why; /* its field */
};

static int bn_bal_entry(void *arg, const struct ose_json_val *b, const char **why)
{
	struct bn_bal *s = arg;
	struct ose_event *ev;
	int rc;

	(void)why;
	if (s->err)
		return 0;
	if (s->n >= s->out->cap) {
		s->err = -OSE_PERR_TOO_MANY;
		s->why = "outboundAccountPosition.B";
		return 0;
	}
	ev = &s->out->ev[s->n];
	ose_ev_init(ev, OSE_EV_BALANCE, OSE_VENUE_BINANCE, s->ctx);
	rc = ose_json_read_str(&b[KB_a], ev->symbol, sizeof(ev->symbol), NULL);
	if (rc <= 0) {
		s->err = rc < 0 ? rc : -OSE_PERR_MISSING_FIELD;
		s->why = "outboundAccountPosition.B[].a";
		return 0;
	}
	/* Balance snapshot of one asset: qty = free, cum_qty = locked. */
	if ((rc = ose_ev_dec(ev, &b[KB_f], &ev->qty, OSE_EVF_HAS_QTY))) {
		s->err = rc;
		s->why = "outboundAccountPosition.B[].f";
		return 0;
	}
	if ((rc = ose_ev_dec(ev, &b[KB_l], &ev->cum_qty, OSE_EVF_HAS_CUM_QTY))) {
		s->err = rc;
		s->why = "outboundAccountPosition.B[].l";
		return 0;
	}
	s->n++;
	return 0;
}

static enum ose_parse_res bn_account_position(const struct ose_json_val *k,
					      const struct bn_bal *bal,
					      struct ose_parse_out *out)
{
	int64_t ts = 0;
	int rc;

	if (k[K_B].type != OSE_JSON_ARRAY)
		FAIL(k[K_B].type == OSE_JSON_ABSENT ? -OSE_PERR_MISSING_FIELD : -OSE_PERR_WRONG_TYPE,
		     "outboundAccountPosition.B");
	rc = bn_ts(&k[K_E], &ts);
	if (rc)
		FAIL(rc, "outboundAccountPosition.E");
	if (bal->err)
		FAIL(bal->err, bal->why);
	for (uint32_t i = 0; i < bal->n; i++)
		out->ev[i].exch_ts_ns = ts;
	out->n = bal->n;
	return OSE_PARSE_EVENTS;
}

static enum ose_parse_res bn_balance_update(const struct ose_json_val *k,
					    const struct ose_parse_ctx *ctx,
					    struct ose_parse_out *out)
{
	struct ose_event *ev;
	int rc;

	if (out->cap < 1)
		FAIL(-OSE_PERR_TOO_MANY, "binance: no room for an event");
	ev = &out->ev[0];
	ose_ev_init(ev, OSE_EV_BALANCE, OSE_VENUE_BINANCE, ctx);
	rc = ose_json_read_str(&k[K_a], ev->symbol, sizeof(ev->symbol), NULL);
	if (rc <= 0)
		FAIL(rc < 0 ? rc : -OSE_PERR_MISSING_FIELD, "balanceUpdate.a");
	/* A signed change of one asset: last_qty = delta. */
	if ((rc = ose_ev_dec(ev, &k[K_d], &ev->last_qty, OSE_EVF_HAS_LAST)))
		FAIL(rc, "balanceUpdate.d");
	if (!(ev->flags & OSE_EVF_HAS_LAST))
		FAIL(-OSE_PERR_MISSING_FIELD, "balanceUpdate.d");
	rc = bn_ts(&k[K_E], &ev->exch_ts_ns);
	if (rc)
		FAIL(rc, "balanceUpdate.E");
	out->n = 1;
	return OSE_PARSE_EVENTS;
}

/* {"id":..,"status":200,"result":{..}} or {"id":..,"status":4xx,"error":{"code":..}} */
static enum ose_parse_res bn_response(const struct ose_json_val *k, struct ose_parse_out *out)
{
	struct ose_json_val r[KR_COUNT];
	const char *why = "";
	int64_t status = 0, code = 0;
	int rc;

	rc = ose_json_read_i64(&k[K_STATUS], &status, NULL);
	if (rc)
		FAIL(rc, "response.status");
	if (status == 200) {
		if (k[K_RESULT].type == OSE_JSON_OBJECT) {
			rc = ose_json_obj_get_val(&k[K_RESULT], &res_ks, r, &why);
			if (rc)
				FAIL(rc, why);
			if (r[KR_SUBID].type == OSE_JSON_NUMBER)
				return ose_ev_session(out, OSE_SESS_SUBSCRIBED, "binance: subscribed");
			if (r[KR_APIKEY].type == OSE_JSON_STRING)
				return ose_ev_session(out, OSE_SESS_AUTH_OK, "binance: logged on");
		}
		return ose_ev_session(out, OSE_SESS_OTHER, "binance: response 200");
	}
	if (k[K_ERROR].type == OSE_JSON_OBJECT) {
		rc = ose_json_obj_get_val(&k[K_ERROR], &res_ks, r, &why);
		if (rc)
			FAIL(rc, why);
		(void)ose_json_read_i64(&r[KR_CODE], &code, NULL);
	}
	/* -1022 bad signature, -2014/-2015 bad key or permissions,
	 * -1021 timestamp outside recvWindow: a credentials problem. */
	if (code == -1022 || code == -2014 || code == -2015 || code == -1021 || status == 401)
		return ose_ev_session(out, OSE_SESS_AUTH_FAIL, "binance: authentication refused");
	return ose_ev_session(out, OSE_SESS_ERROR, "binance: error response");
}

static enum ose_parse_res bn_event(const struct ose_json_val *k, const struct bn_bal *bal,
				   const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	const struct ose_json_val *e = &k[K_e];

	if (e->type != OSE_JSON_STRING)
		FAIL(e->type == OSE_JSON_ABSENT ? -OSE_PERR_UNKNOWN_MSG : -OSE_PERR_WRONG_TYPE,
		     "binance: event type e");
	if (OSE_JSON_STR_EQ(e, "executionReport"))
		return bn_execution_report(k, ctx, out);
	if (OSE_JSON_STR_EQ(e, "outboundAccountPosition"))
		return bn_account_position(k, bal, out);
	if (OSE_JSON_STR_EQ(e, "balanceUpdate"))
		return bn_balance_update(k, ctx, out);
	if (OSE_JSON_STR_EQ(e, "listenKeyExpired"))
		return ose_ev_session(out, OSE_SESS_EXPIRED, "binance: listenKeyExpired");
	if (OSE_JSON_STR_EQ(e, "eventStreamTerminated"))
		return ose_ev_session(out, OSE_SESS_EXPIRED, "binance: eventStreamTerminated");
	if (OSE_JSON_STR_EQ(e, "serverShutdown"))
		return ose_ev_session(out, OSE_SESS_SHUTDOWN, "binance: serverShutdown");
	/* Order lists report their legs through executionReport; external
	 * locks move no order.  Known, nothing to emit. */
	if (OSE_JSON_STR_EQ(e, "listStatus") || OSE_JSON_STR_EQ(e, "externalLockUpdate")) {
		out->n = 0;
		return OSE_PARSE_EVENTS;
	}
	FAIL(-OSE_PERR_UNKNOWN_MSG, "binance: unknown event type");
}

enum ose_parse_res ose_binance_parse_generic(const char *msg, size_t len, int binary,
					     const struct ose_parse_ctx *ctx,
					     struct ose_parse_out *out)
{
	struct ose_json_val k[K_COUNT], b[KB_COUNT];
	struct bn_bal bal = { .ctx = ctx, .out = out };
	/* B[] is walked in the same pass as the rest (no second walk). */
	struct ose_json_each each = { .ks = &bal_ks, .vals = b, .fn = bn_bal_entry, .arg = &bal };
	const char *why = "";
	enum ose_parse_res res;
	int rc;

	ose_ev_out_reset(out);
	if (binary)
		FAIL(-OSE_PERR_UNKNOWN_MSG, "binance: binary (SBE) frames are not supported");
	rc = ose_json_obj_get_each(msg, len, &bn_ks, k, &each, &why);
	if (rc)
		FAIL(rc, why);

	/* WS API wrapper and legacy combined stream were descended into by
	 * the pass above: their event keys are in k as for a bare event. */
	if (k[K_e].type == OSE_JSON_ABSENT && k[K_STATUS].type != OSE_JSON_ABSENT &&
	    k[K_ID].type != OSE_JSON_ABSENT)
		return bn_response(k, out);
	if ((k[K_EVENT].type != OSE_JSON_ABSENT && k[K_EVENT].type != OSE_JSON_OBJECT) ||
	    (k[K_DATA].type != OSE_JSON_ABSENT && k[K_DATA].type != OSE_JSON_OBJECT))
		FAIL(-OSE_PERR_WRONG_TYPE, "binance: event/data is not an object");
	res = bn_event(k, &bal, ctx, out);
	if (res != OSE_PARSE_EVENTS)
		return res;
	return ose_ev_done_json(out, ctx, &k[K_OSE_TS]);
}

/* Every key set this file indexes (venues.h). */
void ose_binance_prepare(void)
{
	ose_json_keyset_prepare(&bn_ks);
	ose_json_keyset_prepare(&bal_ks);
	ose_json_keyset_prepare(&res_ks);
}

enum ose_parse_res ose_binance_parse(const char *msg, size_t len, int binary,
				     const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	ose_ev_out_reset(out);
	if (!binary && ose_binance_parse_fast(msg, len, ctx, out))
		return OSE_PARSE_EVENTS;
	return ose_binance_parse_generic(msg, len, binary, ctx, out);
}
