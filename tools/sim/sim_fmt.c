/* SPDX-License-Identifier: MIT */
/*
 * Venue dialects: order updates, snapshots and REST order objects, written
 * the way each venue writes them (exchange-formats.md sections 1-6 and the
 * section 8 traps): decimals as strings (Binance padded to 8 places, Bybit
 * padded to the symbol's tick, the rest canonical), "" and null where the
 * venue leaves a value empty, Binance's c/C on cancels, Gate's quote-currency
 * market buys and missing status, Coinbase's OPEN-with-fills and
 * sequence_num, Bybit's PartiallyFilledCanceled, MEXC's protobuf frames, and
 * several orders per frame where the venue batches.
 *
 * Every JSON push carries "ose_ts":<CLOCK_REALTIME ns> as the last key of the
 * top-level object (protobuf: wrapper field 99, varint) unless --no-stamp.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tools/sim/sim.h"

#define S(lit) sim_buf_put(b, lit, sizeof(lit) - 1)

static void q(struct sim_buf *b, const char *s)
{
	S("\"");
	sim_buf_jstr(b, s, strlen(s));
	S("\"");
}

/* A quoted decimal. */
static void qd(struct sim_buf *b, sim_i128 v, int scale, int pad)
{
	S("\"");
	sim_buf_dec(b, v, scale, pad);
	S("\"");
}

/* An epoch time in ms through a two-entry memo: a
 * Binance update carries four (E, T, O, W), nearly always one or two
 * distinct values within a tick, 13 digits each. */
static void put_time(struct sim_buf *b, int64_t v)
{
	static __thread int64_t mv[2] = { -1, -1 };
	static __thread char mt[2][24];
	static __thread size_t ml[2];
	static __thread unsigned next;
	if (v < 0) {
		sim_buf_i64(b, v);
		return;
	}
	for (unsigned i = 0; i < 2; i++)
		if (mv[i] == v) {
			sim_buf_put(b, mt[i], ml[i]);
			return;
		}
	next ^= 1;
	mv[next] = v;
	ml[next] = sim_u64_put(mt[next], (uint64_t)v);
	sim_buf_put(b, mt[next], ml[next]);
}

static void stamp(struct sim_buf *b, const struct sim_fmt_ctx *c)
{
	if (c->stamp) {
		S(",\"ose_ts\":");
		sim_buf_i64(b, c->now_ns);
	}
}

void sim_fmt_rfc3339(char out[40], int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%09lldZ", (long long)(ns % 1000000000));
}

static void rfc3339_ms(char out[40], int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03lldZ", (long long)(ms % 1000));
}

static const struct sim_symbol *sym_of(const struct sim_fmt_ctx *c, const struct sim_order *o)
{
	return &c->gen->sym[o->sym];
}

static bool open_status(int st)
{
	return st == SIM_ST_NEW || st == SIM_ST_PARTIALLY_FILLED;
}

/* Current state of an order as a step (for REST and snapshots). */
static struct sim_step state_step(const struct sim_order *o)
{
	struct sim_step st;
	memset(&st, 0, sizeof(st));
	st.o = (struct sim_order *)o;
	st.status = o->status;
	st.filled = o->filled;
	st.quote_filled = o->quote_filled;
	st.utime_ms = o->utime_ms;
	st.exec = o->status == SIM_ST_CANCELED ? SIM_X_CANCEL
		: o->status == SIM_ST_EXPIRED ? SIM_X_EXPIRE
		: o->status == SIM_ST_REJECTED ? SIM_X_REJECT
		: o->nfills ? SIM_X_TRADE : SIM_X_NEW;
	return st;
}

/* Average fill price: every fill of an order is at one price (the limit
 * price, or the reference price for a Gate market buy), so it is exact. */
static int64_t avg_px(const struct sim_step *st, const struct sim_symbol *s)
{
	return st->o->market ? s->ref_px : st->o->price;
}

/* ---------------- Binance: executionReport in a WS-API envelope -------- */

static const char *bn_status(int st)
{
	static const char *const n[] = { "NEW", "PARTIALLY_FILLED", "FILLED",
					 "CANCELED", "EXPIRED", "REJECTED" };
	return n[st];
}

/*
 * Per-order pre-rendered text of a Binance update: what is the same in
 * every update of one order (symbol, client id, side, time in force,
 * quantity, price) is formatted once, at the order's first update, and
 * copied after that (a burst steps up to 32 live orders, so a small
 * direct-mapped memo keeps all of them).  An entry is used only if the
 * order's fields still match it.  Output is byte-identical to formatting
 * every field each time.
 */
struct bn_memo {
	const struct sim_order *o; /* NULL: empty */
	int64_t price, qty;
	uint8_t side, sym, outcome;
	char client_id[40];
	uint16_t sc_len, mid_len, px_len;
	char sc[96];   /* ,"s":"SYM","c":"CLIENT_ID" */
	char mid[192]; /* ,"S":...,"p":"P","P":"0.00000000","F":"0.00000000","g":-1,"C": */
	char px[48];   /* "P" (quoted), the last price of a fill at the order's price */
};

#define BN_MEMO_N 256

/* ,"s":"SYM","c":"ID" */
static void bn_sc(struct sim_buf *b, const struct sim_symbol *s, const char *id)
{
	S(",\"s\":"); q(b, s->name);
	S(",\"c\":"); q(b, id);
}

/* ,"S":...,"q":"Q","p":"P",...,"C": and where the quoted price is in b. */
static void bn_mid(struct sim_buf *b, const struct sim_order *o, const struct sim_symbol *s,
		   size_t *p0, size_t *p1)
{
	S(",\"S\":"); S("\""); sim_buf_str(b, o->side ? "SELL" : "BUY"); S("\"");
	S(",\"o\":\"LIMIT\",\"f\":");
	S("\""); sim_buf_str(b, o->outcome == SIM_ST_EXPIRED ? "IOC" : "GTC"); S("\"");
	S(",\"q\":"); qd(b, o->qty, s->qsc, 8);
	S(",\"p\":");
	*p0 = b->len;
	qd(b, o->price, s->psc, 8);
	*p1 = b->len;
	S(",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":");
}

/* The memo of o (filled in now if it is not o's). */
static const struct bn_memo *bn_memo_of(const struct sim_fmt_ctx *c, const struct sim_order *o)
{
	static __thread struct bn_memo memo[BN_MEMO_N];
	static __thread struct sim_buf tb;
	struct bn_memo *m = &memo[o->idx % BN_MEMO_N];
	const struct sim_symbol *s = sym_of(c, o);
	struct sim_buf *b = &tb;

	if (m->o == o && m->price == o->price && m->qty == o->qty && m->side == o->side &&
	    m->sym == o->sym && m->outcome == o->outcome &&
	    strcmp(m->client_id, o->client_id) == 0)
		return m;
	m->o = NULL;
	b->len = 0;
	bn_sc(b, s, o->client_id);
	size_t sc = b->len, p0, p1;
	bn_mid(b, o, s, &p0, &p1);
	if (sc > sizeof(m->sc) || b->len - sc > sizeof(m->mid) || p1 - p0 > sizeof(m->px) ||
	    strlen(o->client_id) >= sizeof(m->client_id))
		return NULL; /* does not fit: format field by field */
	memcpy(m->sc, b->p, sc);
	memcpy(m->mid, b->p + sc, b->len - sc);
	memcpy(m->px, b->p + p0, p1 - p0);
	m->sc_len = (uint16_t)sc;
	m->mid_len = (uint16_t)(b->len - sc);
	m->px_len = (uint16_t)(p1 - p0);
	m->price = o->price;
	m->qty = o->qty;
	m->side = o->side;
	m->sym = o->sym;
	m->outcome = o->outcome;
	strcpy(m->client_id, o->client_id);
	m->o = o;
	return m;
}

static void binance_update(struct sim_buf *b, const struct sim_fmt_ctx *c,
			   const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	const struct sim_symbol *s = sym_of(c, o);
	static const char *const xn[] = { "NEW", "TRADE", "CANCELED", "EXPIRED", "REJECTED" };
	bool trade = st->exec == SIM_X_TRADE;
	int qs = s->psc + s->qsc;
	const struct bn_memo *m = bn_memo_of(c, o);

	S("{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":");
	put_time(b, c->now_ns / 1000000);
	/* Trap 16: on a cancel c is the cancel request's id, C the order's. */
	if (m && st->exec != SIM_X_CANCEL)
		sim_buf_put(b, m->sc, m->sc_len);
	else
		bn_sc(b, s, st->exec == SIM_X_CANCEL ? o->cancel_id : o->client_id);
	if (m) {
		sim_buf_put(b, m->mid, m->mid_len);
	} else {
		size_t p0, p1;
		bn_mid(b, o, s, &p0, &p1);
	}
	q(b, st->exec == SIM_X_CANCEL ? o->client_id : "");
	S(",\"x\":\""); sim_buf_str(b, xn[st->exec]);
	S("\",\"X\":\""); sim_buf_str(b, bn_status(st->status));
	S("\",\"r\":\""); sim_buf_str(b, st->exec == SIM_X_REJECT ? "INSUFFICIENT_BALANCES" : "NONE");
	S("\",\"i\":"); sim_buf_str(b, o->order_id);
	S(",\"l\":"); qd(b, st->last_qty, s->qsc, 8);
	S(",\"z\":"); qd(b, st->filled, s->qsc, 8);
	S(",\"L\":");
	if (m && st->last_px == o->price)
		sim_buf_put(b, m->px, m->px_len);
	else
		qd(b, st->last_px, s->psc, 8);
	S(",\"n\":\"0\",\"N\":");
	if (trade)
		S("\"BNB\"");
	else
		S("null");
	S(",\"T\":"); put_time(b, st->utime_ms);
	S(",\"t\":");
	if (trade)
		sim_buf_u64(b, st->trade_id);
	else
		S("-1");
	S(",\"I\":");
	sim_buf_u64(b, 5000000000ULL + (uint64_t)o->idx * 64 + (uint64_t)st->exec * 8 + o->nfills);
	S(",\"w\":"); sim_buf_str(b, open_status(st->status) ? "true" : "false");
	S(",\"m\":false,\"M\":false,\"O\":"); put_time(b, o->ctime_ms);
	S(",\"Z\":"); qd(b, st->quote_filled, qs, 8);
	S(",\"Y\":"); qd(b, (sim_i128)st->last_qty * st->last_px, qs, 8);
	S(",\"Q\":\"0.00000000\"");
	if (st->exec != SIM_X_REJECT) {
		S(",\"W\":"); put_time(b, o->ctime_ms);
	}
	S(",\"V\":\"NONE\"}");
	stamp(b, c);
	S("}");
}

static void binance_rest(struct sim_buf *b, const struct sim_gen *g, const struct sim_order *o)
{
	const struct sim_symbol *s = &g->sym[o->sym];
	S("{\"symbol\":"); q(b, s->name);
	S(",\"orderId\":"); sim_buf_str(b, o->order_id);
	S(",\"orderListId\":-1,\"clientOrderId\":"); q(b, o->client_id);
	S(",\"price\":"); qd(b, o->price, s->psc, 8);
	S(",\"origQty\":"); qd(b, o->qty, s->qsc, 8);
	S(",\"executedQty\":"); qd(b, o->filled, s->qsc, 8);
	S(",\"cummulativeQuoteQty\":"); qd(b, o->quote_filled, s->psc + s->qsc, 8);
	S(",\"status\":\""); sim_buf_str(b, bn_status(o->status));
	S("\",\"timeInForce\":\""); sim_buf_str(b, o->outcome == SIM_ST_EXPIRED ? "IOC" : "GTC");
	S("\",\"type\":\"LIMIT\",\"side\":\""); sim_buf_str(b, o->side ? "SELL" : "BUY");
	S("\",\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\",\"time\":");
	sim_buf_i64(b, o->ctime_ms);
	S(",\"updateTime\":"); sim_buf_i64(b, o->utime_ms);
	S(",\"isWorking\":"); sim_buf_str(b, o->status == SIM_ST_REJECTED ? "false" : "true");
	S(",\"workingTime\":"); sim_buf_i64(b, o->ctime_ms);
	S(",\"origQuoteOrderQty\":\"0.00000000\",\"selfTradePreventionMode\":\"NONE\"}");
}

/* ---------------- OKX: orders channel ------------------------------------ */

static const char *okx_state(int st)
{
	static const char *const n[] = { "live", "partially_filled", "filled",
					 "canceled", "canceled", "canceled" };
	return n[st];
}

static void okx_order(struct sim_buf *b, const struct sim_symbol *s, const struct sim_step *st,
		      bool rest)
{
	const struct sim_order *o = st->o;
	bool trade = st->exec == SIM_X_TRADE;
	S("{\"accFillSz\":"); qd(b, st->filled, s->qsc, -1);
	S(",\"algoClOrdId\":\"\",\"algoId\":\"\",\"attachAlgoClOrdId\":\"\",\"attachAlgoOrds\":[],\"avgPx\":");
	if (st->filled)
		qd(b, avg_px(st, s), s->psc, -1);
	else if (rest)
		S("\"\"");
	else
		S("\"0\"");
	S(",\"cTime\":\""); sim_buf_i64(b, o->ctime_ms);
	S("\",\"cancelSource\":\"\",\"cancelSourceReason\":\"\",\"category\":\"normal\",\"ccy\":\"\",\"clOrdId\":");
	q(b, o->client_id);
	S(",\"code\":\"0\",\"execType\":\""); sim_buf_str(b, trade ? "T" : "");
	S("\",\"fee\":\"0\",\"feeCcy\":"); q(b, o->side ? s->quote : s->base);
	S(",\"fillFee\":\"0\",\"fillFeeCcy\":\"\",\"fillNotionalUsd\":\"\",\"fillPx\":");
	if (trade)
		qd(b, st->last_px, s->psc, -1);
	else
		S("\"\"");
	S(",\"fillSz\":"); qd(b, st->last_qty, s->qsc, -1);
	S(",\"fillTime\":\"");
	if (trade)
		sim_buf_i64(b, st->utime_ms);
	S("\",\"instId\":"); q(b, s->name);
	S(",\"instType\":\"SPOT\",\"isTpLimit\":\"false\",\"lever\":\"\",\"linkedAlgoOrd\":{\"algoId\":\"\"},\"msg\":\"\",\"ordId\":");
	q(b, o->order_id);
	S(",\"ordType\":\"limit\",\"pnl\":\"0\",\"posSide\":\"net\",\"px\":"); qd(b, o->price, s->psc, -1);
	S(",\"pxType\":\"\",\"pxUsd\":\"\",\"pxVol\":\"\",\"quickMgnType\":\"\",\"rebate\":\"0\",\"rebateCcy\":");
	q(b, o->side ? s->base : s->quote);
	S(",\"reduceOnly\":\"false\",\"reqId\":\"\",\"side\":\""); sim_buf_str(b, o->side ? "sell" : "buy");
	S("\",\"slOrdPx\":\"\",\"slTriggerPx\":\"\",\"slTriggerPxType\":\"\",\"source\":\"\",\"state\":\"");
	sim_buf_str(b, okx_state(st->status));
	S("\",\"stpId\":\"\",\"stpMode\":\"\",\"sz\":"); qd(b, o->qty, s->qsc, -1);
	S(",\"tag\":\"\",\"tdMode\":\"cash\",\"tgtCcy\":\"\",\"tpOrdPx\":\"\",\"tpTriggerPx\":\"\",\"tpTriggerPxType\":\"\",\"tradeId\":\"");
	if (trade)
		sim_buf_u64(b, st->trade_id);
	S("\",\"uTime\":\""); sim_buf_i64(b, st->utime_ms);
	S("\"}");
}

/* ---------------- Bybit: order and execution topics ---------------------- */

static const char *bybit_status(const struct sim_step *st)
{
	switch (st->status) {
	case SIM_ST_NEW: return "New";
	case SIM_ST_PARTIALLY_FILLED: return "PartiallyFilled";
	case SIM_ST_FILLED: return "Filled";
	case SIM_ST_REJECTED: return "Rejected";
	default: /* spot only: a cancel after fills has its own status */
		return st->filled ? "PartiallyFilledCanceled" : "Cancelled";
	}
}

static void bybit_order(struct sim_buf *b, const struct sim_symbol *s, const struct sim_step *st,
			bool rest)
{
	const struct sim_order *o = st->o;
	int qs = s->psc + s->qsc;
	bool open = open_status(st->status);
	S("{\"category\":\"spot\",\"symbol\":"); q(b, s->name);
	S(",\"orderId\":"); q(b, o->order_id);
	S(",\"orderLinkId\":"); q(b, o->client_id);
	S(",\"blockTradeId\":\"\",\"side\":\""); sim_buf_str(b, o->side ? "Sell" : "Buy");
	S("\",\"positionIdx\":0,\"orderStatus\":\""); sim_buf_str(b, bybit_status(st));
	S("\",\"cancelType\":\""); sim_buf_str(b, st->exec == SIM_X_CANCEL ? "CancelByUser" : "UNKNOWN");
	S("\",\"rejectReason\":\""); sim_buf_str(b, st->exec == SIM_X_REJECT ? "EC_InsufficientBalance" : "EC_NoError");
	S("\",\"avgPrice\":");
	if (st->filled)
		qd(b, avg_px(st, s), s->psc, s->psc);
	else
		sim_buf_str(b, rest ? "\"0\"" : "\"\"");
	S(",\"leavesQty\":"); qd(b, open ? o->qty - st->filled : 0, s->qsc, s->qsc);
	S(",\"leavesValue\":");
	qd(b, open ? (sim_i128)(o->qty - st->filled) * o->price : 0, qs, -1);
	S(",\"cumExecQty\":"); qd(b, st->filled, s->qsc, s->qsc);
	S(",\"cumExecValue\":"); qd(b, st->quote_filled, qs, -1);
	S(",\"cumExecFee\":\"0\",\"closedPnl\":\"0\",\"feeCurrency\":\"\",\"timeInForce\":\"GTC\",\"orderType\":\"Limit\","
	  "\"stopOrderType\":\"\",\"orderIv\":\"\",\"triggerPrice\":\"0\",\"takeProfit\":\"0\",\"stopLoss\":\"0\","
	  "\"tpTriggerBy\":\"\",\"slTriggerBy\":\"\",\"triggerDirection\":0,\"triggerBy\":\"\",\"lastPriceOnCreated\":\"\","
	  "\"reduceOnly\":false,\"closeOnTrigger\":false,\"placeType\":\"\",\"smpType\":\"None\",\"smpGroup\":0,"
	  "\"smpOrderId\":\"\",\"tpslMode\":\"\",\"tpLimitPrice\":\"\",\"slLimitPrice\":\"\",\"createdTime\":\"");
	sim_buf_i64(b, o->ctime_ms);
	S("\",\"updatedTime\":\""); sim_buf_i64(b, st->utime_ms);
	S("\",\"price\":"); qd(b, o->price, s->psc, s->psc);
	S(",\"qty\":"); qd(b, o->qty, s->qsc, s->qsc);
	S(",\"isLeverage\":\"0\",\"cumFeeDetail\":{},\"createType\":\"CreateByUser\"}");
}

static void bybit_execution(struct sim_buf *b, const struct sim_fmt_ctx *c, const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	const struct sim_symbol *s = sym_of(c, o);
	S("{\"topic\":\"execution\",\"id\":\"sim_"); sim_buf_u64(b, st->trade_id);
	S("\",\"creationTime\":"); sim_buf_i64(b, c->now_ns / 1000000);
	S(",\"data\":[{\"category\":\"spot\",\"symbol\":"); q(b, s->name);
	S(",\"closedSize\":\"\",\"execFee\":\"0\",\"execId\":\"e");
	sim_buf_u64(b, st->trade_id);
	S("\",\"execPrice\":"); qd(b, st->last_px, s->psc, s->psc);
	S(",\"execQty\":"); qd(b, st->last_qty, s->qsc, s->qsc);
	S(",\"execType\":\"Trade\",\"execValue\":");
	qd(b, (sim_i128)st->last_qty * st->last_px, s->psc + s->qsc, -1);
	S(",\"feeRate\":\"0.001\",\"tradeIv\":\"\",\"markIv\":\"\",\"blockTradeId\":\"\",\"markPrice\":\"\","
	  "\"indexPrice\":\"\",\"underlyingPrice\":\"\",\"leavesQty\":");
	qd(b, o->qty - st->filled, s->qsc, s->qsc);
	S(",\"orderId\":"); q(b, o->order_id);
	S(",\"orderLinkId\":"); q(b, o->client_id);
	S(",\"orderPrice\":"); qd(b, o->price, s->psc, s->psc);
	S(",\"orderQty\":"); qd(b, o->qty, s->qsc, s->qsc);
	S(",\"orderType\":\"Limit\",\"stopOrderType\":\"UNKNOWN\",\"side\":\"");
	sim_buf_str(b, o->side ? "Sell" : "Buy");
	S("\",\"execTime\":\""); sim_buf_i64(b, st->utime_ms);
	S("\",\"isLeverage\":\"0\",\"isMaker\":false,\"seq\":"); sim_buf_u64(b, st->trade_id);
	S(",\"marketUnit\":\"\",\"execPnl\":\"0\",\"createType\":\"CreateByUser\",\"feeCurrency\":");
	q(b, s->quote);
	S("}]");
	stamp(b, c);
	S("}");
}

/* ---------------- Gate: spot.orders and spot.usertrades ------------------ */

static void gate_order(struct sim_buf *b, const struct sim_symbol *s, const struct sim_step *st,
		       bool rest)
{
	const struct sim_order *o = st->o;
	int qs = s->psc + s->qsc;
	/* Trap 15: a market buy's amount and left are quote currency. */
	int asc = o->market ? qs : s->qsc;
	sim_i128 left = o->market ? (sim_i128)o->qty - st->quote_filled
				    : (sim_i128)(o->qty - st->filled);
	const char *finish = "open";
	if (st->status == SIM_ST_FILLED)
		finish = "filled";
	else if (st->status == SIM_ST_CANCELED)
		finish = "cancelled";
	else if (st->status == SIM_ST_EXPIRED)
		finish = "ioc";
	S("{\"id\":"); q(b, o->order_id);
	S(",\"text\":"); q(b, o->client_id);
	S(",\"create_time\":\""); sim_buf_i64(b, o->ctime_ms / 1000);
	S("\",\"update_time\":\""); sim_buf_i64(b, st->utime_ms / 1000);
	if (rest) { /* REST: ms times are integers and there is a status */
		S("\",\"create_time_ms\":"); sim_buf_i64(b, o->ctime_ms);
		S(",\"update_time_ms\":"); sim_buf_i64(b, st->utime_ms);
		S(",\"status\":\"");
		sim_buf_str(b, open_status(st->status) ? "open"
			    : st->status == SIM_ST_FILLED ? "closed" : "cancelled");
		S("\",\"currency_pair\":");
	} else {
		S("\",\"currency_pair\":");
	}
	q(b, s->name);
	S(",\"type\":\""); sim_buf_str(b, o->market ? "market" : "limit");
	S("\",\"account\":\"spot\",\"side\":\""); sim_buf_str(b, o->side ? "sell" : "buy");
	S("\",\"amount\":"); qd(b, o->qty, asc, -1);
	S(",\"price\":"); qd(b, o->price, s->psc, -1);
	S(",\"time_in_force\":\"");
	sim_buf_str(b, o->market || o->outcome == SIM_ST_EXPIRED ? "ioc" : "gtc");
	S("\",\"left\":"); qd(b, left, asc, -1);
	S(",\"filled_total\":"); qd(b, st->quote_filled, qs, -1);
	S(",\"filled_amount\":"); qd(b, st->filled, s->qsc, -1);
	S(",\"avg_deal_price\":");
	if (st->filled)
		qd(b, avg_px(st, s), s->psc, -1);
	else
		S("\"0\"");
	S(",\"fee\":\"0\",\"fee_currency\":"); q(b, o->side ? s->quote : s->base);
	S(",\"point_fee\":\"0\",\"gt_fee\":\"0\",\"rebated_fee\":\"0\",\"rebated_fee_currency\":");
	q(b, s->quote);
	if (rest) {
		S(",\"gt_discount\":false,\"finish_as\":\""); sim_buf_str(b, finish); S("\"}");
		return;
	}
	S(",\"create_time_ms\":\""); sim_buf_i64(b, o->ctime_ms);
	S("\",\"update_time_ms\":\""); sim_buf_i64(b, st->utime_ms);
	S("\",\"user\":3497082,\"event\":\"");
	sim_buf_str(b, st->exec == SIM_X_NEW ? "put" : open_status(st->status) ? "update" : "finish");
	S("\",\"stp_id\":0,\"stp_act\":\"-\",\"finish_as\":\""); sim_buf_str(b, finish);
	S("\",\"biz_info\":\"-\",\"amend_text\":\"-\"}");
}

static void gate_usertrade(struct sim_buf *b, const struct sim_fmt_ctx *c, const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	const struct sim_symbol *s = sym_of(c, o);
	int64_t ms = c->now_ns / 1000000;
	S("{\"time\":"); sim_buf_i64(b, ms / 1000);
	S(",\"time_ms\":"); sim_buf_i64(b, ms);
	S(",\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":[{\"id\":");
	sim_buf_u64(b, st->trade_id);
	S(",\"user_id\":3497082,\"order_id\":"); q(b, o->order_id);
	S(",\"currency_pair\":"); q(b, s->name);
	S(",\"create_time\":"); sim_buf_i64(b, st->utime_ms / 1000);
	S(",\"create_time_ms\":\""); sim_buf_i64(b, st->utime_ms);
	S(".000\",\"side\":\""); sim_buf_str(b, o->side ? "sell" : "buy");
	S("\",\"amount\":"); qd(b, st->last_qty, s->qsc, -1);
	S(",\"role\":\"taker\",\"price\":"); qd(b, st->last_px, s->psc, -1);
	S(",\"fee\":\"0\",\"fee_currency\":"); q(b, s->quote);
	S(",\"point_fee\":\"0\",\"gt_fee\":\"0\",\"text\":"); q(b, o->client_id);
	S(",\"id_market\":"); sim_buf_u64(b, st->trade_id);
	S("}]");
	stamp(b, c);
	S("}");
}

/* ---------------- Coinbase: user channel --------------------------------- */

static const char *cb_status(int st)
{
	static const char *const n[] = { "OPEN", "OPEN", "FILLED", "CANCELLED", "EXPIRED", "FAILED" };
	return n[st];
}

static void cb_order(struct sim_buf *b, const struct sim_symbol *s, const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	char t[40];
	int qs = s->psc + s->qsc;
	S("{\"avg_price\":");
	if (st->filled)
		qd(b, avg_px(st, s), s->psc, -1);
	else
		S("\"0\"");
	S(",\"cancel_reason\":\"");
	if (st->exec == SIM_X_CANCEL)
		S("User requested cancel");
	S("\",\"client_order_id\":"); q(b, o->client_id);
	S(",\"completion_percentage\":");
	qd(b, o->qty ? (sim_i128)st->filled * 10000 / o->qty : 0, 2, 2);
	S(",\"contract_expiry_type\":\"UNKNOWN_CONTRACT_EXPIRY_TYPE\",\"cumulative_quantity\":");
	qd(b, st->filled, s->qsc, -1);
	S(",\"filled_value\":"); qd(b, st->quote_filled, qs, -1);
	/* Coinbase has no order-quantity field on this channel: leaves +
	 * cumulative gives it while the order is open (or was never opened). */
	S(",\"leaves_quantity\":");
	qd(b, open_status(st->status) || st->status == SIM_ST_REJECTED ? o->qty - st->filled : 0, s->qsc, -1);
	S(",\"limit_price\":"); qd(b, o->price, s->psc, -1);
	S(",\"number_of_fills\":\""); sim_buf_u64(b, o->nfills);
	S("\",\"order_id\":"); q(b, o->order_id);
	S(",\"order_side\":\""); sim_buf_str(b, o->side ? "SELL" : "BUY");
	S("\",\"order_type\":\"Limit\",\"outstanding_hold_amount\":\"0\",\"post_only\":\"false\",\"product_id\":");
	q(b, s->name);
	S(",\"product_type\":\"SPOT\",\"reject_reason\":\"");
	if (st->exec == SIM_X_REJECT)
		S("INSUFFICIENT_FUND");
	S("\",\"retail_portfolio_id\":\"\",\"risk_managed_by\":\"UNKNOWN_RISK_MANAGEMENT_TYPE\",\"status\":\"");
	sim_buf_str(b, cb_status(st->status));
	S("\",\"stop_price\":\"\",\"time_in_force\":\"");
	sim_buf_str(b, o->outcome == SIM_ST_EXPIRED ? "GOOD_UNTIL_DATE_TIME" : "GOOD_UNTIL_CANCELLED");
	S("\",\"total_fees\":\"0\",\"total_value_after_fees\":"); qd(b, st->quote_filled, qs, -1);
	S(",\"trigger_status\":\"INVALID_ORDER_TYPE\",\"creation_time\":\"");
	rfc3339_ms(t, o->ctime_ms);
	sim_buf_str(b, t);
	S("\",\"end_time\":\"0001-01-01T00:00:00Z\",\"start_time\":\"0001-01-01T00:00:00Z\"}");
}

static void cb_envelope(struct sim_buf *b, const struct sim_fmt_ctx *c, const char *channel)
{
	char t[40];
	sim_fmt_rfc3339(t, c->now_ns);
	S("{\"channel\":\""); sim_buf_str(b, channel);
	S("\",\"client_id\":\"\",\"timestamp\":\""); sim_buf_str(b, t);
	S("\",\"sequence_num\":");
	sim_buf_u64(b, c->seq ? (*c->seq)++ : 0);
}

void sim_fmt_coinbase_snapshot(const struct sim_fmt_ctx *c, sim_emit_fn emit, void *arg)
{
	struct sim_buf buf = { 0 }, *b = &buf;
	const struct sim_gen *g = c->gen;
	uint32_t i = 0;
	do { /* batches of 50 open orders; one empty snapshot if none */
		b->len = 0;
		cb_envelope(b, c, "user");
		S(",\"events\":[{\"type\":\"snapshot\",\"orders\":[");
		uint32_t n = 0;
		for (; i < g->started && n < 50; i++) {
			const struct sim_order *o = &g->orders[i];
			if (!open_status(o->status) || o->terminal)
				continue;
			struct sim_step st = state_step(o);
			if (n++)
				S(",");
			cb_order(b, &g->sym[o->sym], &st);
		}
		S("],\"positions\":{\"perpetual_futures_positions\":[],\"expiring_futures_positions\":[]}}]");
		stamp(b, c);
		S("}");
		emit(arg, b->p, b->len, false);
	} while (i < g->started);
	sim_buf_free(b);
}

static void cb_rest(struct sim_buf *b, const struct sim_gen *g, const struct sim_order *o)
{
	const struct sim_symbol *s = &g->sym[o->sym];
	char t[40];
	int qs = s->psc + s->qsc;
	rfc3339_ms(t, o->ctime_ms);
	S("{\"order_id\":"); q(b, o->order_id);
	S(",\"product_id\":"); q(b, s->name);
	S(",\"user_id\":\"sim-user\",\"order_configuration\":{\"limit_limit_gtc\":{\"base_size\":");
	qd(b, o->qty, s->qsc, -1);
	S(",\"limit_price\":"); qd(b, o->price, s->psc, -1);
	S(",\"post_only\":false}},\"side\":\""); sim_buf_str(b, o->side ? "SELL" : "BUY");
	S("\",\"client_order_id\":"); q(b, o->client_id);
	S(",\"status\":\""); sim_buf_str(b, cb_status(o->status));
	S("\",\"time_in_force\":\"GOOD_UNTIL_CANCELLED\",\"created_time\":\""); sim_buf_str(b, t);
	S("\",\"completion_percentage\":");
	qd(b, o->qty ? (sim_i128)o->filled * 100 / o->qty : 0, 0, -1);
	S(",\"filled_size\":"); qd(b, o->filled, s->qsc, -1);
	S(",\"average_filled_price\":");
	if (o->filled)
		qd(b, o->price, s->psc, -1);
	else
		S("\"0\"");
	S(",\"fee\":\"\",\"number_of_fills\":\""); sim_buf_u64(b, o->nfills);
	S("\",\"filled_value\":"); qd(b, o->quote_filled, qs, -1);
	S(",\"pending_cancel\":false,\"size_in_quote\":false,\"total_fees\":\"0\",\"size_inclusive_of_fees\":false,"
	  "\"total_value_after_fees\":");
	qd(b, o->quote_filled, qs, -1);
	S(",\"trigger_status\":\"INVALID_ORDER_TYPE\",\"order_type\":\"LIMIT\",\"reject_reason\":\"");
	sim_buf_str(b, o->status == SIM_ST_REJECTED ? "INSUFFICIENT_FUND" : "REJECT_REASON_UNSPECIFIED");
	S("\",\"settled\":"); sim_buf_str(b, open_status(o->status) ? "false" : "true");
	S(",\"product_type\":\"SPOT\",\"reject_message\":\"\",\"cancel_message\":\"\","
	  "\"order_placement_source\":\"RETAIL_ADVANCED\",\"outstanding_hold_amount\":\"0\","
	  "\"is_liquidation\":false,\"last_fill_time\":null,\"leverage\":\"\",\"margin_type\":\"CROSS\","
	  "\"retail_portfolio_id\":\"\",\"originating_order_id\":\"\",\"attached_order_id\":\"\"}");
}

/* ---------------- MEXC: protobuf push frames ----------------------------- */

static int mexc_status(const struct sim_step *st)
{
	switch (st->status) {
	case SIM_ST_NEW: return 1;
	case SIM_ST_FILLED: return 2;
	case SIM_ST_PARTIALLY_FILLED: return 3;
	default: return st->filled ? 5 : 4;
	}
}

static void pb_dec(struct sim_pb *pb, uint32_t field, sim_i128 v, int scale)
{
	char t[64];
	size_t n = sim_dec(t, v, scale, -1);
	sim_pb_bytes_field(pb, field, t, n);
}

static size_t mexc_order_pb(uint8_t *out, size_t cap, const struct sim_fmt_ctx *c,
			    const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	const struct sim_symbol *s = sym_of(c, o);
	int qs = s->psc + s->qsc;
	struct sim_pb pb = { out, 0, cap, false };
	sim_i128 amount = (sim_i128)o->qty * o->price;
	bool open = open_status(st->status);

	sim_pb_str_field(&pb, 1, "spot@private.orders.v3.api.pb");
	sim_pb_str_field(&pb, 3, s->name);
	sim_pb_varint_field(&pb, 6, (uint64_t)(c->now_ns / 1000000));
	size_t m = sim_pb_begin(&pb, 304);
	sim_pb_str_field(&pb, 1, o->order_id);
	sim_pb_str_field(&pb, 2, o->client_id);
	pb_dec(&pb, 3, o->price, s->psc);
	pb_dec(&pb, 4, o->qty, s->qsc);
	pb_dec(&pb, 5, amount, qs);
	pb_dec(&pb, 6, st->filled ? avg_px(st, s) : 0, s->psc);
	sim_pb_varint_field(&pb, 7, 1);
	sim_pb_varint_field(&pb, 8, o->side ? 2 : 1);
	pb_dec(&pb, 10, open ? amount - st->quote_filled : 0, qs);
	pb_dec(&pb, 11, open ? o->qty - st->filled : 0, s->qsc);
	if (st->exec == SIM_X_TRADE)
		pb_dec(&pb, 12, st->last_qty, s->qsc);
	pb_dec(&pb, 13, st->filled, s->qsc);
	pb_dec(&pb, 14, st->quote_filled, qs);
	sim_pb_varint_field(&pb, 15, (uint64_t)mexc_status(st));
	sim_pb_varint_field(&pb, 16, (uint64_t)o->ctime_ms);
	sim_pb_end(&pb, m);
	if (c->stamp)
		sim_pb_varint_field(&pb, 99, (uint64_t)c->now_ns);
	return pb.overflow ? 0 : pb.len;
}

static size_t mexc_deal_pb(uint8_t *out, size_t cap, const struct sim_fmt_ctx *c,
			   const struct sim_step *st)
{
	const struct sim_order *o = st->o;
	const struct sim_symbol *s = sym_of(c, o);
	struct sim_pb pb = { out, 0, cap, false };
	char tid[32];

	sim_pb_str_field(&pb, 1, "spot@private.deals.v3.api.pb");
	sim_pb_str_field(&pb, 3, s->name);
	sim_pb_varint_field(&pb, 6, (uint64_t)(c->now_ns / 1000000));
	size_t m = sim_pb_begin(&pb, 306);
	pb_dec(&pb, 1, st->last_px, s->psc);
	pb_dec(&pb, 2, st->last_qty, s->qsc);
	pb_dec(&pb, 3, (sim_i128)st->last_px * st->last_qty, s->psc + s->qsc);
	sim_pb_varint_field(&pb, 4, o->side ? 2 : 1);
	snprintf(tid, sizeof(tid), "%lluX1", (unsigned long long)st->trade_id);
	sim_pb_str_field(&pb, 7, tid);
	sim_pb_str_field(&pb, 8, o->client_id);
	sim_pb_str_field(&pb, 9, o->order_id);
	sim_pb_str_field(&pb, 10, "0");
	sim_pb_str_field(&pb, 11, s->quote);
	sim_pb_varint_field(&pb, 12, (uint64_t)st->utime_ms);
	sim_pb_end(&pb, m);
	if (c->stamp)
		sim_pb_varint_field(&pb, 99, (uint64_t)c->now_ns);
	return pb.overflow ? 0 : pb.len;
}

static const char *mexc_rest_status(const struct sim_order *o)
{
	switch (o->status) {
	case SIM_ST_NEW: return "NEW";
	case SIM_ST_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
	case SIM_ST_FILLED: return "FILLED";
	default: return o->filled ? "PARTIALLY_CANCELED" : "CANCELED";
	}
}

static void mexc_rest(struct sim_buf *b, const struct sim_gen *g, const struct sim_order *o)
{
	const struct sim_symbol *s = &g->sym[o->sym];
	S("{\"symbol\":"); q(b, s->name);
	S(",\"orderId\":"); q(b, o->order_id);
	S(",\"orderListId\":-1,\"clientOrderId\":"); q(b, o->client_id);
	S(",\"price\":"); qd(b, o->price, s->psc, -1);
	S(",\"origQty\":"); qd(b, o->qty, s->qsc, -1);
	S(",\"executedQty\":"); qd(b, o->filled, s->qsc, -1);
	S(",\"cummulativeQuoteQty\":"); qd(b, o->quote_filled, s->psc + s->qsc, -1);
	S(",\"status\":\""); sim_buf_str(b, mexc_rest_status(o));
	S("\",\"timeInForce\":\"\",\"type\":\"LIMIT\",\"side\":\""); sim_buf_str(b, o->side ? "SELL" : "BUY");
	S("\",\"stopPrice\":\"\",\"time\":"); sim_buf_i64(b, o->ctime_ms);
	S(",\"updateTime\":"); sim_buf_i64(b, o->utime_ms);
	S(",\"isWorking\":true,\"origQuoteOrderQty\":");
	qd(b, (sim_i128)o->qty * o->price, s->psc + s->qsc, -1);
	S("}");
}

/* ---------------- dispatch ----------------------------------------------- */

void sim_fmt_updates(int venue, const struct sim_fmt_ctx *c, const struct sim_step *st,
		     size_t n, size_t batch, sim_emit_fn emit, void *arg)
{
	static __thread struct sim_buf buf;
	struct sim_buf *b = &buf;
	int64_t ms = c->now_ns / 1000000;

	if (batch < 1)
		batch = 1;
	if (venue == SIM_MEXC) {
		uint8_t pbuf[2048];
		for (size_t i = 0; i < n; i++) {
			size_t len;
			if (c->want_trades && st[i].exec == SIM_X_TRADE &&
			    (len = mexc_deal_pb(pbuf, sizeof(pbuf), c, &st[i])))
				emit(arg, (const char *)pbuf, len, true);
			if ((len = mexc_order_pb(pbuf, sizeof(pbuf), c, &st[i])))
				emit(arg, (const char *)pbuf, len, true);
		}
		return;
	}
	if (venue == SIM_BINANCE) {
		for (size_t i = 0; i < n; i++) {
			b->len = 0;
			binance_update(b, c, &st[i]);
			emit(arg, b->p, b->len, false);
		}
		return;
	}
	for (size_t i = 0; i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;
		if (c->want_trades && (venue == SIM_BYBIT || venue == SIM_GATE)) {
			for (size_t j = i; j < i + k; j++) {
				if (st[j].exec != SIM_X_TRADE)
					continue;
				b->len = 0;
				if (venue == SIM_BYBIT)
					bybit_execution(b, c, &st[j]);
				else
					gate_usertrade(b, c, &st[j]);
				emit(arg, b->p, b->len, false);
			}
		}
		b->len = 0;
		switch (venue) {
		case SIM_OKX:
			S("{\"arg\":{\"channel\":\"orders\",\"instType\":\"SPOT\",\"uid\":\"614488474791936\"},\"data\":[");
			break;
		case SIM_BYBIT:
			S("{\"id\":\"sim");
			sim_buf_u64(b, (uint64_t)c->now_ns);
			S("\",\"topic\":\"order\",\"creationTime\":");
			sim_buf_i64(b, ms);
			S(",\"data\":[");
			break;
		case SIM_GATE:
			S("{\"time\":");
			sim_buf_i64(b, ms / 1000);
			S(",\"time_ms\":");
			sim_buf_i64(b, ms);
			S(",\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[");
			break;
		default:
			cb_envelope(b, c, "user");
			S(",\"events\":[{\"type\":\"update\",\"orders\":[");
			break;
		}
		for (size_t j = i; j < i + k; j++) {
			const struct sim_symbol *s = sym_of(c, st[j].o);
			if (j > i)
				S(",");
			if (venue == SIM_OKX)
				okx_order(b, s, &st[j], false);
			else if (venue == SIM_BYBIT)
				bybit_order(b, s, &st[j], false);
			else if (venue == SIM_GATE)
				gate_order(b, s, &st[j], false);
			else
				cb_order(b, s, &st[j]);
		}
		if (venue == SIM_COINBASE)
			S("]}]");
		else
			S("]");
		stamp(b, c);
		S("}");
		emit(arg, b->p, b->len, false);
	}
}

void sim_fmt_rest_order(int venue, const struct sim_gen *g, const struct sim_order *o,
			struct sim_buf *b)
{
	struct sim_step st = state_step(o);
	const struct sim_symbol *s = &g->sym[o->sym];
	switch (venue) {
	case SIM_BINANCE: binance_rest(b, g, o); break;
	case SIM_OKX:
		/* REST fillPx/fillSz mean "last fill"; this sim reports none. */
		if (st.exec == SIM_X_TRADE)
			st.exec = SIM_X_NEW;
		okx_order(b, s, &st, true);
		break;
	case SIM_BYBIT: bybit_order(b, s, &st, true); break;
	case SIM_GATE: gate_order(b, s, &st, true); break;
	case SIM_COINBASE: cb_rest(b, g, o); break;
	default: mexc_rest(b, g, o); break;
	}
}
