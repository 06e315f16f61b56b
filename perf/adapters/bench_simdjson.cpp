// SPDX-License-Identifier: MIT
//
// The comparison harness: simdjson On-Demand (Debian libsimdjson 3.0.1)
// extracting the same fields as adapters/{binance,okx,bybit}/parse.c into
// the same struct ose_event, with the same normalisation (status tables,
// flags, fee sign, client id rules).  bench_parse.c checks once per
// sample that both produce byte-identical events before timing.
// Benchmark code only: never linked into the product.
//
// Input padding: simdjson needs SIMDJSON_PADDING readable bytes after the
// message; bench_parse.c allocates them, so no copy is timed here.
#include <simdjson.h>

// shm/event.h uses C11 _Static_assert, which C++ spells static_assert.
#ifndef _Static_assert
#define _Static_assert static_assert
#endif

#include <cstring>
#include <string_view>

#include "adapters/json/json.h"
#include "perf/adapters/bench_common.h"

using namespace simdjson;
using sv = std::string_view;

namespace {

ondemand::parser parser;

// One captured field: type and text (strings unescaped by simdjson).
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
		while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' ||
					tok.back() == '\t'))
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
	std::memcpy(ev->account, "bench", 5);
}

inline bool copy(char *dst, size_t cap, const F &f)
{
	if (!has(f))
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

inline bool ts_ms(const F &f, int64_t *ns)
{
	if (!has(f))
		return true;
	return ose_ts_parse_epoch(f.s.data(), f.s.size(), OSE_TS_MS, ns) == 0;
}

// ---- Binance ----------------------------------------------------------

const Map bn_status[] = {
	{ "NEW", OSE_ST_NEW }, { "PARTIALLY_FILLED", OSE_ST_PARTIALLY_FILLED },
	{ "FILLED", OSE_ST_FILLED }, { "CANCELED", OSE_ST_CANCELED },
	{ "PENDING_CANCEL", OSE_ST_PENDING_CANCEL }, { "REJECTED", OSE_ST_REJECTED },
	{ "EXPIRED", OSE_ST_EXPIRED }, { "EXPIRED_IN_MATCH", OSE_ST_EXPIRED },
	{ "PENDING_NEW", OSE_ST_PENDING_NEW },
};
const Map bn_side[] = { { "BUY", OSE_SIDE_BUY }, { "SELL", OSE_SIDE_SELL } };
const Map bn_type[] = {
	{ "LIMIT", OSE_OT_LIMIT }, { "MARKET", OSE_OT_MARKET }, { "LIMIT_MAKER", OSE_OT_LIMIT_MAKER },
	{ "STOP_LOSS", OSE_OT_STOP }, { "STOP_LOSS_LIMIT", OSE_OT_STOP }, { "TAKE_PROFIT", OSE_OT_STOP },
	{ "TAKE_PROFIT_LIMIT", OSE_OT_STOP },
};
const Map bn_tif[] = { { "GTC", OSE_TIF_GTC }, { "IOC", OSE_TIF_IOC }, { "FOK", OSE_TIF_FOK },
		       { "GTD", OSE_TIF_GTD } };

struct BnFields {
	F e, E, s, c, S, o, f, q, p, C, x, X, r, i, l, z, L, n, N, t, a, d;
	bool has_B = false;
	ose_event *bal = nullptr; // B[] entries parsed in place
	unsigned nbal = 0;
};

bool bn_ts(const F &f, int64_t *ns)
{
	if (f.t != 2 && f.t != 1)
		return false;
	int64_t raw = 0;
	for (char ch : f.s)
		raw = raw * 10 + (ch - '0');
	return ose_ts_parse_epoch(f.s.data(), f.s.size(),
				  raw >= 100000000000000LL ? OSE_TS_US : OSE_TS_MS, ns) == 0;
}

void bn_collect(ondemand::object obj, BnFields &b, ose_event *ev, unsigned cap, int depth)
{
	for (auto field : obj) {
		sv k = field.unescaped_key().value_unsafe();
		ondemand::value v = field.value().value_unsafe();
		if (k.size() == 1) {
			switch (k[0]) {
			case 'e': b.e = grab(v); break;
			case 'E': b.E = grab(v); break;
			case 's': b.s = grab(v); break;
			case 'c': b.c = grab(v); break;
			case 'S': b.S = grab(v); break;
			case 'o': b.o = grab(v); break;
			case 'f': b.f = grab(v); break;
			case 'q': b.q = grab(v); break;
			case 'p': b.p = grab(v); break;
			case 'C': b.C = grab(v); break;
			case 'x': b.x = grab(v); break;
			case 'X': b.X = grab(v); break;
			case 'r': b.r = grab(v); break;
			case 'i': b.i = grab(v); break;
			case 'l': b.l = grab(v); break;
			case 'z': b.z = grab(v); break;
			case 'L': b.L = grab(v); break;
			case 'n': b.n = grab(v); break;
			case 'N': b.N = grab(v); break;
			case 't': b.t = grab(v); break;
			case 'a': b.a = grab(v); break;
			case 'd': b.d = grab(v); break;
			case 'B': {
				b.has_B = true;
				for (auto el : v.get_array().value_unsafe()) {
					ose_event *be = &ev[b.nbal++];
					init(be, OSE_EV_BALANCE, OSE_VENUE_BINANCE);
					F fa, ff, fl;
					for (auto bf : el.get_object().value_unsafe()) {
						sv bk = bf.unescaped_key().value_unsafe();
						if (bk == "a")
							fa = grab(bf.value().value_unsafe());
						else if (bk == "f")
							ff = grab(bf.value().value_unsafe());
						else if (bk == "l")
							fl = grab(bf.value().value_unsafe());
					}
					copy(be->symbol, sizeof(be->symbol), fa);
					dec(be, ff, &be->qty, OSE_EVF_HAS_QTY);
					dec(be, fl, &be->cum_qty, OSE_EVF_HAS_CUM_QTY);
					if (b.nbal >= cap)
						return;
				}
				break;
			}
			default: break;
			}
		} else if (depth == 0 && (k == "event" || k == "data")) {
			bn_collect(v.get_object().value_unsafe(), b, ev, cap, 1);
		}
	}
}

int sj_binance(void *, const char *msg, size_t len, ose_event *ev, unsigned cap)
{
	ondemand::document doc = parser.iterate(msg, len, len + SIMDJSON_PADDING).value_unsafe();
	BnFields b;
	bn_collect(doc.get_object().value_unsafe(), b, ev, cap, 0);
	if (b.e.s == "executionReport") {
		init(ev, OSE_EV_ORDER, OSE_VENUE_BINANCE);
		ev->status = (uint8_t)lookup(b.X, bn_status);
		ev->side = (uint8_t)lookup(b.S, bn_side);
		int v = lookup(b.o, bn_type);
		ev->ord_type = (uint8_t)(v >= 0 ? v : has(b.o) ? OSE_OT_OTHER : OSE_OT_NONE);
		v = lookup(b.f, bn_tif);
		ev->tif = (uint8_t)(v >= 0 ? v : has(b.f) ? OSE_TIF_OTHER : OSE_TIF_NONE);
		copy(ev->symbol, sizeof(ev->symbol), b.s);
		copy(ev->order_id, sizeof(ev->order_id), b.i);
		copy(ev->client_id, sizeof(ev->client_id), has(b.C) ? b.C : b.c);
		dec(ev, b.p, &ev->price, OSE_EVF_HAS_PRICE);
		dec(ev, b.q, &ev->qty, OSE_EVF_HAS_QTY);
		dec(ev, b.z, &ev->cum_qty, OSE_EVF_HAS_CUM_QTY);
		if (b.x.t == 1 && b.x.s == "TRADE") {
			dec(ev, b.l, &ev->last_qty, OSE_EVF_HAS_LAST);
			dec(ev, b.L, &ev->last_px, OSE_EVF_HAS_LAST_PX);
			if (b.t.t == 2 && b.t.s[0] != '-')
				copy(ev->trade_id, sizeof(ev->trade_id), b.t);
		}
		ose_dec fee = 0;
		copy(ev->fee_asset, sizeof(ev->fee_asset), b.N);
		if (has(b.n) && ose_json_dec_parse(b.n.s.data(), b.n.s.size(), &fee) == OSE_DEC_OK &&
		    (has(b.N) || fee != 0)) {
			ev->fee = fee;
			ev->flags |= OSE_EVF_HAS_FEE;
		}
		bn_ts(b.E, &ev->exch_ts_ns);
		if (has(b.r) && b.r.s != "NONE")
			copy(ev->reason, sizeof(ev->reason), b.r);
		return 1;
	}
	if (b.e.s == "outboundAccountPosition") {
		int64_t ts = 0;
		bn_ts(b.E, &ts);
		for (unsigned i = 0; i < b.nbal; i++)
			ev[i].exch_ts_ns = ts;
		return (int)b.nbal;
	}
	if (b.e.s == "balanceUpdate") {
		init(ev, OSE_EV_BALANCE, OSE_VENUE_BINANCE);
		copy(ev->symbol, sizeof(ev->symbol), b.a);
		dec(ev, b.d, &ev->last_qty, OSE_EVF_HAS_LAST);
		bn_ts(b.E, &ev->exch_ts_ns);
		return 1;
	}
	return 0;
}

// ---- OKX --------------------------------------------------------------

const Map okx_status[] = {
	{ "live", OSE_ST_NEW }, { "partially_filled", OSE_ST_PARTIALLY_FILLED },
	{ "filled", OSE_ST_FILLED }, { "canceled", OSE_ST_CANCELED },
	{ "mmp_canceled", OSE_ST_CANCELED },
};
const Map okx_side[] = { { "buy", OSE_SIDE_BUY }, { "sell", OSE_SIDE_SELL } };
#define TT(t, f) ((t) | ((f) << 8))
const Map okx_type[] = {
	{ "limit", TT(OSE_OT_LIMIT, OSE_TIF_GTC) }, { "market", TT(OSE_OT_MARKET, OSE_TIF_NONE) },
	{ "post_only", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC) }, { "fok", TT(OSE_OT_LIMIT, OSE_TIF_FOK) },
	{ "ioc", TT(OSE_OT_LIMIT, OSE_TIF_IOC) },
	{ "optimal_limit_ioc", TT(OSE_OT_MARKET, OSE_TIF_IOC) },
	{ "mmp", TT(OSE_OT_LIMIT, OSE_TIF_GTC) },
	{ "mmp_and_post_only", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC) },
	{ "op_fok", TT(OSE_OT_LIMIT, OSE_TIF_FOK) },
};

int sj_okx(void *, const char *msg, size_t len, ose_event *ev, unsigned cap)
{
	ondemand::document doc = parser.iterate(msg, len, len + SIMDJSON_PADDING).value_unsafe();
	unsigned n = 0;
	for (auto field : doc.get_object().value_unsafe()) {
		sv k = field.unescaped_key().value_unsafe();
		if (k == "arg") {
			sv ch = field.value().find_field_unordered("channel").get_string().value_unsafe();
			if (ch != "orders")
				return 0;
		} else if (k == "data") {
			for (auto el : field.value().get_array().value_unsafe()) {
				F instId, ordId, clOrdId, side, ordType, state, px, sz, acc, fsz, fpx, tid,
					ffee, fccy, avg, utime, code, msgf;
				for (auto of : el.get_object().value_unsafe()) {
					sv ok = of.unescaped_key().value_unsafe();
					ondemand::value v = of.value().value_unsafe();
					switch (ok.size()) {
					case 2:
						if (ok == "px") px = grab(v);
						else if (ok == "sz") sz = grab(v);
						break;
					case 3:
						if (ok == "msg") msgf = grab(v);
						break;
					case 4:
						if (ok == "side") side = grab(v);
						else if (ok == "code") code = grab(v);
						break;
					case 5:
						if (ok == "ordId") ordId = grab(v);
						else if (ok == "state") state = grab(v);
						else if (ok == "avgPx") avg = grab(v);
						else if (ok == "uTime") utime = grab(v);
						break;
					case 6:
						if (ok == "instId") instId = grab(v);
						else if (ok == "fillSz") fsz = grab(v);
						else if (ok == "fillPx") fpx = grab(v);
						break;
					case 7:
						if (ok == "clOrdId") clOrdId = grab(v);
						else if (ok == "ordType") ordType = grab(v);
						else if (ok == "tradeId") tid = grab(v);
						else if (ok == "fillFee") ffee = grab(v);
						break;
					case 9:
						if (ok == "accFillSz") acc = grab(v);
						break;
					case 10:
						if (ok == "fillFeeCcy") fccy = grab(v);
						break;
					default:
						break;
					}
				}
				ose_event *e = &ev[n++];
				init(e, OSE_EV_ORDER, OSE_VENUE_OKX);
				e->status = (uint8_t)lookup(state, okx_status);
				e->side = (uint8_t)lookup(side, okx_side);
				int v = lookup(ordType, okx_type);
				if (v >= 0) {
					e->ord_type = (uint8_t)(v & 0xff);
					e->tif = (uint8_t)(v >> 8);
				} else if (has(ordType)) {
					e->ord_type = OSE_OT_OTHER;
				}
				copy(e->symbol, sizeof(e->symbol), instId);
				copy(e->order_id, sizeof(e->order_id), ordId);
				copy(e->client_id, sizeof(e->client_id), clOrdId);
				dec(e, px, &e->price, OSE_EVF_HAS_PRICE);
				dec(e, sz, &e->qty, OSE_EVF_HAS_QTY);
				dec(e, acc, &e->cum_qty, OSE_EVF_HAS_CUM_QTY);
				dec(e, fsz, &e->last_qty, OSE_EVF_HAS_LAST);
				dec(e, fpx, &e->last_px, OSE_EVF_HAS_LAST_PX);
				dec(e, ffee, &e->fee, OSE_EVF_HAS_FEE);
				e->fee = -e->fee;
				copy(e->fee_asset, sizeof(e->fee_asset), fccy);
				copy(e->trade_id, sizeof(e->trade_id), tid);
				if (e->cum_qty != 0)
					dec(e, avg, &e->avg_px, OSE_EVF_HAS_AVG_PX);
				ts_ms(utime, &e->exch_ts_ns);
				if (!(code.t == 1 && code.s == "0") && has(msgf))
					copy(e->reason, sizeof(e->reason), msgf);
				if (n >= cap)
					return (int)n;
			}
		}
	}
	return (int)n;
}

// ---- Bybit ------------------------------------------------------------

const Map by_status[] = {
	{ "New", OSE_ST_NEW }, { "PartiallyFilled", OSE_ST_PARTIALLY_FILLED },
	{ "Untriggered", OSE_ST_NEW }, { "Triggered", OSE_ST_NEW }, { "Filled", OSE_ST_FILLED },
	{ "Cancelled", OSE_ST_CANCELED }, { "PartiallyFilledCanceled", OSE_ST_CANCELED },
	{ "Rejected", OSE_ST_REJECTED }, { "Deactivated", OSE_ST_CANCELED },
};
const Map by_side[] = { { "Buy", OSE_SIDE_BUY }, { "Sell", OSE_SIDE_SELL } };
const Map by_type[] = { { "Limit", OSE_OT_LIMIT }, { "Market", OSE_OT_MARKET } };
const Map by_tif[] = {
	{ "GTC", TT(0, OSE_TIF_GTC) }, { "IOC", TT(0, OSE_TIF_IOC) }, { "FOK", TT(0, OSE_TIF_FOK) },
	{ "PostOnly", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_GTC) },
	{ "RPI", TT(OSE_OT_LIMIT_MAKER, OSE_TIF_OTHER) },
};

int sj_bybit(void *, const char *msg, size_t len, ose_event *ev, unsigned cap)
{
	ondemand::document doc = parser.iterate(msg, len, len + SIMDJSON_PADDING).value_unsafe();
	unsigned n = 0;
	bool exec = false;
	F ctime;
	for (auto field : doc.get_object().value_unsafe()) {
		sv k = field.unescaped_key().value_unsafe();
		if (k == "creationTime") {
			ctime = grab(field.value().value_unsafe());
		} else if (k == "topic") {
			exec = field.value().get_string().value_unsafe().substr(0, 9) == "execution";
		} else if (k == "data") {
			for (auto el : field.value().get_array().value_unsafe()) {
				F symbol, orderId, linkId, side, ordType, tif, status, price, qty, cum, avg,
					utime, reject, stype, execId, execQty, execPx, execFee, feeCcy,
					execTime, seq, execType, ordPrice, ordQty;
				for (auto of : el.get_object().value_unsafe()) {
					sv ok = of.unescaped_key().value_unsafe();
					ondemand::value v = of.value().value_unsafe();
					if (ok == "symbol") symbol = grab(v);
					else if (ok == "orderId") orderId = grab(v);
					else if (ok == "orderLinkId") linkId = grab(v);
					else if (ok == "side") side = grab(v);
					else if (ok == "orderType") ordType = grab(v);
					else if (ok == "timeInForce") tif = grab(v);
					else if (ok == "orderStatus") status = grab(v);
					else if (ok == "price") price = grab(v);
					else if (ok == "qty") qty = grab(v);
					else if (ok == "cumExecQty") cum = grab(v);
					else if (ok == "avgPrice") avg = grab(v);
					else if (ok == "updatedTime") utime = grab(v);
					else if (ok == "rejectReason") reject = grab(v);
					else if (ok == "stopOrderType") stype = grab(v);
					else if (ok == "execId") execId = grab(v);
					else if (ok == "execQty") execQty = grab(v);
					else if (ok == "execPrice") execPx = grab(v);
					else if (ok == "execFee") execFee = grab(v);
					else if (ok == "feeCurrency") feeCcy = grab(v);
					else if (ok == "execTime") execTime = grab(v);
					else if (ok == "seq") seq = grab(v);
					else if (ok == "execType") execType = grab(v);
					else if (ok == "orderPrice") ordPrice = grab(v);
					else if (ok == "orderQty") ordQty = grab(v);
				}
				ose_event *e = &ev[n];
				if (exec && execType.t == 1 && (execType.s == "Funding" || execType.s == "Settle"))
					continue;
				n++;
				init(e, exec ? OSE_EV_FILL : OSE_EV_ORDER, OSE_VENUE_BYBIT);
				if (!exec)
					e->status = (uint8_t)lookup(status, by_status);
				e->side = (uint8_t)lookup(side, by_side);
				int v = lookup(ordType, by_type);
				e->ord_type = (uint8_t)(v >= 0 ? v : has(ordType) ? OSE_OT_OTHER : 0);
				if (has(stype) && stype.s != "UNKNOWN")
					e->ord_type = OSE_OT_STOP;
				copy(e->symbol, sizeof(e->symbol), symbol);
				copy(e->order_id, sizeof(e->order_id), orderId);
				copy(e->client_id, sizeof(e->client_id), linkId);
				if (!exec) {
					v = lookup(tif, by_tif);
					if (v >= 0) {
						e->tif = (uint8_t)(v >> 8);
						if (v & 0xff)
							e->ord_type = (uint8_t)(v & 0xff);
					} else if (has(tif)) {
						e->tif = OSE_TIF_OTHER;
					}
					dec(e, price, &e->price, OSE_EVF_HAS_PRICE);
					dec(e, qty, &e->qty, OSE_EVF_HAS_QTY);
					dec(e, cum, &e->cum_qty, OSE_EVF_HAS_CUM_QTY);
					if (e->cum_qty != 0)
						dec(e, avg, &e->avg_px, OSE_EVF_HAS_AVG_PX);
					ts_ms(utime, &e->exch_ts_ns);
					if (e->exch_ts_ns == 0)
						ts_ms(ctime, &e->exch_ts_ns);
					if (has(reject) && reject.s != "EC_NoError")
						copy(e->reason, sizeof(e->reason), reject);
				} else {
					copy(e->trade_id, sizeof(e->trade_id), execId);
					dec(e, execQty, &e->last_qty, OSE_EVF_HAS_LAST);
					dec(e, execPx, &e->last_px, OSE_EVF_HAS_LAST_PX);
					dec(e, execFee, &e->fee, OSE_EVF_HAS_FEE);
					copy(e->fee_asset, sizeof(e->fee_asset), feeCcy);
					dec(e, ordPrice, &e->price, OSE_EVF_HAS_PRICE);
					dec(e, ordQty, &e->qty, OSE_EVF_HAS_QTY);
					ts_ms(execTime, &e->exch_ts_ns);
					if (seq.t == 2) {
						uint64_t s = 0;
						for (char ch : seq.s)
							s = s * 10 + (uint64_t)(ch - '0');
						e->venue_seq = s;
						e->flags |= OSE_EVF_HAS_SEQ;
					}
				}
				if (n >= cap)
					return (int)n;
			}
		}
	}
	return (int)n;
}

} // namespace

extern "C" int bench_simdjson_available(void)
{
	return 1;
}

extern "C" bench_fn bench_simdjson_fn(enum ose_venue venue)
{
	switch (venue) {
	case OSE_VENUE_BINANCE:
		return sj_binance;
	case OSE_VENUE_OKX:
		return sj_okx;
	case OSE_VENUE_BYBIT:
		return sj_bybit;
	default:
		return nullptr;
	}
}
