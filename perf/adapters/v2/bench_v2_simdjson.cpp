// SPDX-License-Identifier: MIT
//
// The Gate and Coinbase comparison harness: simdjson On-Demand (Debian
// libsimdjson) extracting the same fields as adapters/gate/parse.c and
// adapters/coinbase/parse.c into the same struct ose_event with the same
// normalisation (status tables, quote-currency market buys, derived
// partial fills, snapshot/sequence flags).  bench_v2.c checks that both
// produce byte-identical events before timing.  Benchmark code only.
// Input padding: bench_load() (bench_util.h) allocates BENCH_PAD >=
// SIMDJSON_PADDING spare zero bytes after every message.
#include <simdjson.h>

#ifndef _Static_assert
#define _Static_assert static_assert
#endif

#include <cstring>
#include <string_view>

#include "adapters/json/json.h"
#include "perf/adapters/v2/bench_v2.h"

using namespace simdjson;
using sv = std::string_view;

namespace {

ondemand::parser parser;

struct F {
	int t = 0; // 0 absent, 1 string, 2 number, 3 null, 4 other
	sv s;
};

inline F grab(ondemand::value v)
{
	F f;
	switch (v.type().value_unsafe()) {
	case ondemand::json_type::string:
		f.t = 1;
		f.s = v.get_string().value_unsafe();
		break;
	case ondemand::json_type::number: {
		sv tok = v.raw_json_token();
		while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n'))
			tok.remove_suffix(1);
		f.t = 2;
		f.s = tok;
		break;
	}
	case ondemand::json_type::null:
		f.t = 3;
		break;
	default:
		f.t = 4;
		break;
	}
	return f;
}

inline bool has(const F &f) { return (f.t == 1 && !f.s.empty()) || f.t == 2; }

inline void init(ose_event *ev, int kind, int venue)
{
	std::memset(ev, 0, sizeof(*ev));
	ev->kind = (uint8_t)kind;
	ev->venue = (uint8_t)venue;
	std::memcpy(ev->account, V2_ACCOUNT, sizeof(V2_ACCOUNT) - 1);
}

inline bool copy(char *dst, size_t cap, const F &f)
{
	if (f.t == 0 || f.t == 3)
		return true;
	if (f.s.size() >= cap)
		return false;
	std::memcpy(dst, f.s.data(), f.s.size());
	dst[f.s.size()] = 0;
	return true;
}

inline bool dec(ose_event *ev, const F &f, ose_dec *dst, uint16_t flag)
{
	if (!has(f))
		return true;
	if (ose_json_dec_parse(f.s.data(), f.s.size(), dst) != OSE_DEC_OK)
		return false;
	ev->flags |= flag;
	return true;
}

struct Map {
	sv wire;
	int val;
};

template <size_t N> inline int lookup(const F &f, const Map (&m)[N])
{
	if (f.t != 1)
		return -1;
	for (const Map &e : m)
		if (e.wire == f.s)
			return e.val;
	return -1;
}

inline bool ts(const F &f, ose_ts_unit u, int64_t *ns)
{
	if (!has(f))
		return true;
	return ose_ts_parse_epoch(f.s.data(), f.s.size(), u, ns) == 0;
}

// ---- Gate -------------------------------------------------------------

const Map g_finish[] = {
	{ "filled", OSE_ST_FILLED }, { "cancelled", OSE_ST_CANCELED },
	{ "liquidate_cancelled", OSE_ST_CANCELED }, { "ioc", OSE_ST_EXPIRED },
	{ "fok", OSE_ST_EXPIRED }, { "poc", OSE_ST_EXPIRED }, { "stp", OSE_ST_EXPIRED },
	{ "small", OSE_ST_EXPIRED }, { "depth_not_enough", OSE_ST_EXPIRED },
	{ "trader_not_enough", OSE_ST_REJECTED },
};
const Map g_event[] = { { "put", 1 }, { "update", 2 }, { "finish", 3 } };
const Map g_side[] = { { "buy", OSE_SIDE_BUY }, { "sell", OSE_SIDE_SELL } };
const Map g_type[] = {
	{ "limit", OSE_OT_LIMIT }, { "market", OSE_OT_MARKET }, { "limit_repay", OSE_OT_LIMIT },
	{ "market_repay", OSE_OT_MARKET }, { "limit_borrow", OSE_OT_LIMIT },
	{ "market_borrow", OSE_OT_MARKET }, { "limit_borrow_repay", OSE_OT_LIMIT },
};
const Map g_tif[] = { { "gtc", OSE_TIF_GTC }, { "ioc", OSE_TIF_IOC }, { "fok", OSE_TIF_FOK },
		      { "poc", OSE_TIF_GTC } };

bool gate_order(ondemand::object obj, int64_t env_ts, ose_event *ev)
{
	F id, text, pair, type, side, amount, price, tif, left, filled, avg, ums, ut, event, fin;
	for (auto field : obj) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k == "id") id = grab(v);
		else if (k == "text") text = grab(v);
		else if (k == "currency_pair") pair = grab(v);
		else if (k == "type") type = grab(v);
		else if (k == "side") side = grab(v);
		else if (k == "amount") amount = grab(v);
		else if (k == "price") price = grab(v);
		else if (k == "time_in_force") tif = grab(v);
		else if (k == "left") left = grab(v);
		else if (k == "filled_amount") filled = grab(v);
		else if (k == "avg_deal_price") avg = grab(v);
		else if (k == "update_time_ms") ums = grab(v);
		else if (k == "update_time") ut = grab(v);
		else if (k == "event") event = grab(v);
		else if (k == "finish_as") fin = grab(v);
	}
	init(ev, OSE_EV_ORDER, OSE_VENUE_GATE);
	if (!has(id) || !copy(ev->order_id, sizeof(ev->order_id), id) ||
	    !copy(ev->client_id, sizeof(ev->client_id), text) || !has(pair) ||
	    !copy(ev->symbol, sizeof(ev->symbol), pair))
		return false;
	int v = lookup(side, g_side);
	if (v < 0 && side.t != 0)
		return false;
	ev->side = (uint8_t)(v < 0 ? 0 : v);
	v = lookup(type, g_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : type.t == 0 ? OSE_OT_NONE : OSE_OT_OTHER);
	v = lookup(tif, g_tif);
	ev->tif = (uint8_t)(v >= 0 ? v : tif.t == 0 ? OSE_TIF_NONE : OSE_TIF_OTHER);
	if (tif.t == 1 && tif.s == "poc" && ev->ord_type == OSE_OT_LIMIT)
		ev->ord_type = OSE_OT_LIMIT_MAKER;
	if (!dec(ev, price, &ev->price, OSE_EVF_HAS_PRICE) || !dec(ev, amount, &ev->qty, OSE_EVF_HAS_QTY) ||
	    !dec(ev, avg, &ev->avg_px, OSE_EVF_HAS_AVG_PX))
		return false;
	ose_dec lv = 0;
	bool have_left = has(left);
	if (have_left && ose_json_dec_parse(left.s.data(), left.s.size(), &lv) != OSE_DEC_OK)
		return false;
	if (ev->side == OSE_SIDE_BUY && ev->ord_type == OSE_OT_MARKET) {
		ev->flags |= OSE_EVF_QTY_IN_QUOTE;
		if (have_left && (ev->flags & OSE_EVF_HAS_QTY)) {
			ev->cum_qty = ev->qty - lv;
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
		}
	} else {
		if (!dec(ev, filled, &ev->cum_qty, OSE_EVF_HAS_CUM_QTY))
			return false;
		if (!(ev->flags & OSE_EVF_HAS_CUM_QTY) && have_left && (ev->flags & OSE_EVF_HAS_QTY)) {
			ev->cum_qty = ev->qty - lv;
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
		}
	}
	if ((ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty < 0)
		return false;
	int e = lookup(event, g_event);
	if (e < 0)
		return false;
	if (e == 3) {
		if (fin.t == 0) {
			if (!have_left)
				return false;
			v = lv == 0 ? OSE_ST_FILLED : OSE_ST_CANCELED;
		} else if ((v = lookup(fin, g_finish)) < 0) {
			return false;
		}
		ev->status = (uint8_t)v;
	} else if (e == 2) {
		ev->status = (ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty > 0 ? OSE_ST_PARTIALLY_FILLED
										   : OSE_ST_NEW;
	} else {
		ev->status = OSE_ST_NEW;
	}
	if (has(ums))
		return ts(ums, OSE_TS_MS, &ev->exch_ts_ns);
	if (has(ut))
		return ts(ut, OSE_TS_S, &ev->exch_ts_ns);
	ev->exch_ts_ns = env_ts;
	return true;
}

bool gate_trade(ondemand::object obj, int64_t env_ts, ose_event *ev)
{
	F id, idm, oid, pair, side, amount, price, fee, feec, text, cms, ct;
	for (auto field : obj) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k == "id") id = grab(v);
		else if (k == "id_market") idm = grab(v);
		else if (k == "order_id") oid = grab(v);
		else if (k == "currency_pair") pair = grab(v);
		else if (k == "side") side = grab(v);
		else if (k == "amount") amount = grab(v);
		else if (k == "price") price = grab(v);
		else if (k == "fee") fee = grab(v);
		else if (k == "fee_currency") feec = grab(v);
		else if (k == "text") text = grab(v);
		else if (k == "create_time_ms") cms = grab(v);
		else if (k == "create_time") ct = grab(v);
	}
	init(ev, OSE_EV_FILL, OSE_VENUE_GATE);
	if (!has(oid) || !copy(ev->order_id, sizeof(ev->order_id), oid))
		return false;
	if (!copy(ev->trade_id, sizeof(ev->trade_id), has(idm) ? idm : id) || (!has(idm) && !has(id)))
		return false;
	if (!copy(ev->client_id, sizeof(ev->client_id), text) || !has(pair) ||
	    !copy(ev->symbol, sizeof(ev->symbol), pair) || !copy(ev->fee_asset, sizeof(ev->fee_asset), feec))
		return false;
	int v = lookup(side, g_side);
	if (v < 0 && side.t != 0)
		return false;
	ev->side = (uint8_t)(v < 0 ? 0 : v);
	if (!dec(ev, amount, &ev->last_qty, OSE_EVF_HAS_LAST) ||
	    !dec(ev, price, &ev->last_px, OSE_EVF_HAS_LAST_PX) || !dec(ev, fee, &ev->fee, OSE_EVF_HAS_FEE))
		return false;
	if (has(cms))
		return ts(cms, OSE_TS_MS, &ev->exch_ts_ns);
	if (has(ct))
		return ts(ct, OSE_TS_S, &ev->exch_ts_ns);
	ev->exch_ts_ns = env_ts;
	return true;
}

int run_gate(const char *msg, size_t len, ose_event *ev, unsigned cap)
{
	ondemand::document doc;
	if (parser.iterate(msg, len, len + SIMDJSON_PADDING).get(doc))
		return -1;
	ondemand::object top;
	if (doc.get_object().get(top))
		return -1;
	int ch = 0;
	int64_t env_ts = 0;
	unsigned n = 0;
	for (auto field : top) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k == "time_ms") {
			F f = grab(v);
			if (!ts(f, OSE_TS_MS, &env_ts))
				return -1;
		} else if (k == "channel") {
			sv c = v.get_string().value_unsafe();
			ch = c == "spot.orders" ? 1 : c == "spot.usertrades" ? 2 : 0;
		} else if (k == "result") {
			if (!ch)
				return -1;
			for (auto el : v.get_array().value_unsafe()) {
				if (n >= cap)
					return -1;
				ondemand::object o = el.get_object().value_unsafe();
				if (!(ch == 1 ? gate_order(o, env_ts, &ev[n]) : gate_trade(o, env_ts, &ev[n])))
					return -1;
				n++;
			}
		}
	}
	return (int)n;
}

// ---- Coinbase ---------------------------------------------------------

const int CB_LIVE = 100;
const Map c_status[] = {
	{ "OPEN", CB_LIVE }, { "FILLED", OSE_ST_FILLED }, { "CANCELLED", OSE_ST_CANCELED },
	{ "EXPIRED", OSE_ST_EXPIRED }, { "FAILED", OSE_ST_REJECTED }, { "PENDING", OSE_ST_PENDING_NEW },
	{ "QUEUED", OSE_ST_PENDING_NEW }, { "CANCEL_QUEUED", OSE_ST_PENDING_CANCEL },
	{ "EDIT_QUEUED", CB_LIVE }, { "UNKNOWN_ORDER_STATUS", OSE_ST_NONE },
};
const Map c_side[] = { { "BUY", OSE_SIDE_BUY }, { "SELL", OSE_SIDE_SELL } };
const Map c_type[] = {
	{ "Limit", OSE_OT_LIMIT }, { "Market", OSE_OT_MARKET }, { "Stop Limit", OSE_OT_STOP },
	{ "StopLimit", OSE_OT_STOP }, { "Stop", OSE_OT_STOP }, { "LIMIT", OSE_OT_LIMIT },
	{ "MARKET", OSE_OT_MARKET }, { "STOP_LIMIT", OSE_OT_STOP },
};
const Map c_tif[] = {
	{ "GOOD_UNTIL_CANCELLED", OSE_TIF_GTC }, { "GOOD_UNTIL_DATE_TIME", OSE_TIF_GTD },
	{ "IMMEDIATE_OR_CANCEL", OSE_TIF_IOC }, { "FILL_OR_KILL", OSE_TIF_FOK },
};

inline void trunc_copy(char *dst, size_t cap, const F &f)
{
	size_t n = f.s.size() < cap - 1 ? f.s.size() : cap - 1;
	std::memcpy(dst, f.s.data(), n);
	dst[n] = 0;
}

bool cb_order(ondemand::object obj, bool snap, int64_t seq, bool have_seq, int64_t tsns, ose_event *ev)
{
	F oid, cid, prod, side, type, status, tif, cum, leaves, avg, lpx, post, rej, can;
	for (auto field : obj) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k == "order_id") oid = grab(v);
		else if (k == "client_order_id") cid = grab(v);
		else if (k == "product_id") prod = grab(v);
		else if (k == "order_side") side = grab(v);
		else if (k == "order_type") type = grab(v);
		else if (k == "status") status = grab(v);
		else if (k == "time_in_force") tif = grab(v);
		else if (k == "cumulative_quantity") cum = grab(v);
		else if (k == "leaves_quantity") leaves = grab(v);
		else if (k == "avg_price") avg = grab(v);
		else if (k == "limit_price") lpx = grab(v);
		else if (k == "post_only") post = grab(v);
		else if (k == "reject_reason") rej = grab(v);
		else if (k == "cancel_reason") can = grab(v);
	}
	init(ev, OSE_EV_ORDER, OSE_VENUE_COINBASE);
	if (!has(oid) || !copy(ev->order_id, sizeof(ev->order_id), oid) ||
	    !copy(ev->client_id, sizeof(ev->client_id), cid) || !has(prod) ||
	    !copy(ev->symbol, sizeof(ev->symbol), prod))
		return false;
	int v = lookup(side, c_side);
	if (v < 0 && side.t != 0)
		return false;
	ev->side = (uint8_t)(v < 0 ? 0 : v);
	v = lookup(type, c_type);
	ev->ord_type = (uint8_t)(v >= 0 ? v : type.t == 0 ? OSE_OT_NONE : OSE_OT_OTHER);
	v = lookup(tif, c_tif);
	ev->tif = (uint8_t)(v >= 0 ? v : tif.t == 0 ? OSE_TIF_NONE : OSE_TIF_OTHER);
	if (post.t == 1 && post.s == "true" && ev->ord_type == OSE_OT_LIMIT)
		ev->ord_type = OSE_OT_LIMIT_MAKER;
	if (!dec(ev, lpx, &ev->price, OSE_EVF_HAS_PRICE) || !dec(ev, cum, &ev->cum_qty, OSE_EVF_HAS_CUM_QTY) ||
	    !dec(ev, avg, &ev->avg_px, OSE_EVF_HAS_AVG_PX))
		return false;
	ose_dec lv = 0;
	bool have_leaves = has(leaves);
	if (have_leaves && ose_json_dec_parse(leaves.s.data(), leaves.s.size(), &lv) != OSE_DEC_OK)
		return false;
	if (status.t == 0 || (v = lookup(status, c_status)) < 0)
		return false;
	if (v == CB_LIVE)
		v = (ev->flags & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty > 0 ? OSE_ST_PARTIALLY_FILLED : OSE_ST_NEW;
	ev->status = (uint8_t)v;
	if (!ose_status_terminal((ose_status)v) && v != OSE_ST_NONE && have_leaves &&
	    (ev->flags & OSE_EVF_HAS_CUM_QTY)) {
		ev->qty = ev->cum_qty + lv;
		ev->flags |= OSE_EVF_HAS_QTY;
	}
	if (v == OSE_ST_REJECTED && has(rej))
		trunc_copy(ev->reason, sizeof(ev->reason), rej);
	else if (v == OSE_ST_CANCELED && has(can))
		trunc_copy(ev->reason, sizeof(ev->reason), can);
	if (snap)
		ev->flags |= OSE_EVF_SNAPSHOT;
	if (have_seq) {
		ev->venue_seq = (uint64_t)seq;
		ev->flags |= OSE_EVF_HAS_SEQ;
	}
	ev->exch_ts_ns = tsns;
	return true;
}

int run_coinbase(const char *msg, size_t len, ose_event *ev, unsigned cap)
{
	ondemand::document doc;
	if (parser.iterate(msg, len, len + SIMDJSON_PADDING).get(doc))
		return -1;
	ondemand::object top;
	if (doc.get_object().get(top))
		return -1;
	bool user = false, have_seq = false;
	int64_t seq = 0, tsns = 0;
	unsigned n = 0;
	for (auto field : top) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k == "channel") {
			user = v.get_string().value_unsafe() == "user";
		} else if (k == "timestamp") {
			sv t = v.get_string().value_unsafe();
			if (ose_ts_parse_rfc3339(t.data(), t.size(), &tsns))
				return -1;
		} else if (k == "sequence_num") {
			seq = v.get_int64().value_unsafe();
			have_seq = true;
		} else if (k == "events") {
			if (!user)
				return -1;
			for (auto e : v.get_array().value_unsafe()) {
				bool snap = false;
				for (auto ef : e.get_object().value_unsafe()) {
					sv ek = ef.unescaped_key().value_unsafe();
					if (ek == "type") {
						sv t = ef.value().get_string().value_unsafe();
						if (t == "snapshot")
							snap = true;
						else if (t != "update")
							return -1;
					} else if (ek == "orders") {
						for (auto o : ef.value().get_array().value_unsafe()) {
							if (n >= cap)
								return -1;
							if (!cb_order(o.get_object().value_unsafe(), snap, seq, have_seq,
								      tsns, &ev[n]))
								return -1;
							n++;
						}
					}
				}
			}
		}
	}
	return (int)n;
}

} // namespace

extern "C" v2_fn v2_simdjson_fn(enum ose_venue venue)
{
	switch (venue) {
	case OSE_VENUE_GATE: return run_gate;
	case OSE_VENUE_COINBASE: return run_coinbase;
	default: return nullptr;
	}
}
