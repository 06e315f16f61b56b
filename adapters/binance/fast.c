/* SPDX-License-Identifier: MIT */
/*
 * Binance executionReport fast path (contract in binance.h).
 *
 * Why: Binance writes every executionReport the same way: compact, one
 * letter per key, plain ASCII strings, decimals as "I.F" strings.  The
 * generic path walks the message with the general scanner (about 75
 * instructions per member, 36 members) and then re-reads each view with
 * a field reader.  Here one cursor walks the bytes once and parses each
 * value with code specialised for its key, straight into the event, the
 * way simdjson On-Demand is fastest when fields are read in order.
 *
 * What it takes: {"subscriptionId":<int>,"event":{R}},
 * {"stream":"<string>","data":{R}} or {R} itself, where R starts with
 * "e":"executionReport"; each optionally ends with the simulator's
 * ,"ose_ts":<int> as the last member of the outermost object
 * (docs/sim.md); no whitespace anywhere, nothing after the last brace.
 * R's other members have one-letter keys, in any order, each at most
 * once.  The keys the event uses must carry the types Binance sends
 * (decimals and ids as strings, i/t/E as integers); any other one-letter
 * key may hold a string, a number or a literal.
 *
 * Exactness: it declines (returns 0) on anything else: whitespace, an
 * escape, a control or non-ASCII byte, a nested value, a duplicate or
 * longer key, one of X S s i z E missing, an unknown status or side, a
 * value too long for its field, a decimal or time the readers refuse,
 * a too-long account.  What it accepts is a strict subset of what the
 * scanner accepts (every byte checked against the same JSON grammar),
 * without duplicates, so the generic path sees the same values; each
 * value then goes through the same conversion (the same tables,
 * ose_json_dec_parse or its exact two-word special case below,
 * ose_ts_parse_epoch) and the same rules (traps 13 and 16, fee, reason).
 * tests/adapters/test_binance_fast.c and fuzz_binance compare both paths
 * byte for byte.
 *
 * Bounds: no padding is assumed.  A wide load happens only when all its
 * bytes lie inside msg[0..len).
 */
#include <stdint.h>
#include <string.h>

#include "adapters/binance/binance.h"
#include "adapters/json/swar.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

__extension__ typedef unsigned __int128 u128;

/* One bit per one-letter key 'A'..'z' (58 bits). */
#define BIT(k) (1ULL << ((k) - 'A'))
/* Without these the generic path refuses the message or says why. */
#define BF_REQUIRED (BIT('X') | BIT('S') | BIT('s') | BIT('i') | BIT('z') | BIT('E'))

/* s just after an opening quote: its closing quote, or NULL if the
 * string holds an escape, a control or non-ASCII byte, or does not end
 * inside the message (the generic path judges those). */
static inline const char *bf_str(const char *s, const char *end)
{
#if OSE_SWAR
	for (; end - s >= 8; s += 8) {
		uint64_t m = ose_swar_str_special(ose_swar_load(s));
		if (m) {
			s += __builtin_ctzll(m) >> 3;
			return *s == '"' ? s : NULL;
		}
	}
#endif
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			return s;
		if (c < 0x20 || c >= 0x80 || c == '\\')
			return NULL;
	}
	return NULL;
}

/* v at a value that must be a string: its closing quote, or NULL. */
static inline const char *bf_strv(const char *v, const char *end)
{
	return *v == '"' ? bf_str(v + 1, end) : NULL;
}

/* The end of the JSON integer -?(0|[1-9][0-9]*) at p, or NULL.  Whatever
 * follows is the caller's to check (the member loop wants ',' or '}',
 * so "01" and "1.5" are declined there). */
static inline const char *bf_int(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end || (unsigned char)(*p - '0') >= 10)
		return NULL;
	if (*p++ == '0')
		return p;
#if OSE_SWAR
	for (; end - p >= 8; p += 8) {
		unsigned n = ose_swar_ndigits(ose_swar_load(p));
		if (n < 8)
			return p + n;
	}
#endif
	while (p < end && (unsigned char)(*p - '0') < 10)
		p++;
	return p;
}

/* Digits at p (possibly none): the first byte after them. */
static inline const char *bf_digits(const char *p, const char *end)
{
	while (p < end && (unsigned char)(*p - '0') < 10)
		p++;
	return p;
}

/* A whole JSON number (fraction and exponent too): its end, or NULL. */
static const char *bf_num(const char *p, const char *end)
{
	const char *d;

	p = bf_int(p, end);
	if (p && p < end && *p == '.') {
		d = ++p;
		p = bf_digits(p, end);
		if (p == d)
			return NULL;
	}
	if (p && p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		p = bf_digits(p, end);
		if (p == d)
			return NULL;
	}
	return p;
}

/* Any value but an object or array (a key the event does not use): its
 * end, or NULL. */
static const char *bf_skip(const char *v, const char *end)
{
	const char *q;

	switch (*v) {
	case '"':
		q = bf_str(v + 1, end);
		return q ? q + 1 : NULL;
	case 't':
		return end - v > 4 && !memcmp(v, "true", 4) ? v + 4 : NULL;
	case 'n':
		return end - v > 4 && !memcmp(v, "null", 4) ? v + 4 : NULL;
	case 'f':
		return end - v > 5 && !memcmp(v, "false", 5) ? v + 5 : NULL;
	default:
		return bf_num(v, end);
	}
}

/*
 * v at a decimal string: its closing quote, with *out and *has = 1, or
 * *has = 0 for "" (no value, as the readers say).  NULL to decline
 * (not a string, or a decimal ose_json_dec_parse refuses).
 * "[-]I.F" with 1..8 digits each, the shape Binance sends, takes two
 * loads and one multiply; its value is ose_dec_parse's: I * 10^20 +
 * F * 10^(20 - nf) = (I * 10^nf + F) * 10^(20 - nf).  Everything else
 * goes through ose_json_dec_parse, which the generic reader calls.
 */
static inline const char *bf_dec(const char *v, const char *end, ose_dec *out, unsigned *has)
{
	const char *s = v + 1, *q;

	if (unlikely(*v != '"'))
		return NULL;
#if OSE_SWAR
	if (likely(end - s >= 18)) {
		const char *d = s + (*s == '-'), *f;
		uint64_t x = ose_swar_load(d), y, acc;
		unsigned ni = ose_swar_ndigits(x), nf;

		/* d + 17 <= end: the loads at d and f lie inside. */
		if (likely(ni - 1 < 8 && d[ni] == '.')) {
			f = d + ni + 1;
			y = ose_swar_load(f);
			nf = ose_swar_ndigits(y);
			if (likely(nf && f + nf < end && f[nf] == '"')) {
				ose_dec val;
				acc = ose_swar_value_n(x, ni) * ose_p10[nf] + ose_swar_value_n(y, nf);
				val = (ose_dec)((u128)acc * ose_p10[20 - nf]);
				*out = d != s ? -val : val;
				*has = 1;
				return f + nf;
			}
		}
	}
#endif
	q = bf_str(s, end);
	if (!q)
		return NULL;
	*has = q != s;
	if (*has && ose_json_dec_parse(s, (size_t)(q - s), out) != OSE_DEC_OK)
		return NULL;
	return q;
}

/* n (< 48) bytes into the zeroed dst: overlapping fixed-width moves
 * that read only src[0..n), no call. */
static inline void bf_copy(char *dst, const char *src, size_t n)
{
	if (n >= 16) {
		memcpy(dst, src, n > 32 ? 32 : 16);
		memcpy(dst + n - 16, src + n - 16, 16);
	} else if (n >= 8) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else if (n) {
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

/* p at ',': the simulator's ,"ose_ts":<int> stamp, which must close
 * its object.  Returns the '}' after it with *ns set, or NULL.  As
 * ose_json_read_stamp: a non-negative integer within int64. */
static const char *bf_stamp(const char *p, const char *end, int64_t *ns)
{
	const char *d = p + 10, *q;
	uint64_t v = 0;

	if (end - p < 12 || memcmp(p, ",\"ose_ts\":", 10))
		return NULL;
	q = bf_int(d, end);
	/* 19 digits stay below 2^64: no overflow before the check. */
	if (!q || *d == '-' || q - d > 19 || q >= end || *q != '}')
		return NULL;
	for (; d < q; d++)
		v = v * 10 + (uint64_t)(*d - '0');
	if (v > (uint64_t)INT64_MAX)
		return NULL;
	*ns = (int64_t)v;
	return q;
}

int ose_binance_parse_fast(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			   struct ose_parse_out *out)
{
	static const char rep[] = "{\"e\":\"executionReport\"";
	const char *p = msg, *end = msg + len, *q;
	struct ose_event *ev;
	size_t alen = 0;
	int bare = 0, v;
	int64_t stamp = 0;
	uint64_t seen = BIT('e');
	/* Kept to the end: which id is the order's own (trap 16), the
	 * fill that only x=TRADE keeps (trap 13), fee and reason. */
	const char *cs = NULL, *Cs = NULL, *ts = NULL, *Ns = NULL, *rs = NULL;
	size_t cn = 0, Cn = 0, tn = 0, Nn = 0, rn = 0;
	ose_dec lq = 0, lp = 0, fee = 0;
	unsigned has_l = 0, has_L = 0, has_n = 0, has, trade = 0;

	if (unlikely(out->cap < 1 || len < sizeof(rep) + 1 || len > OSE_JSON_MAX_LEN || *p != '{'))
		return 0;
	if (ctx && ctx->account) {
		/* ose_ev_done refuses an account that does not fit. */
		alen = strnlen(ctx->account, OSE_ACCOUNT_MAX);
		if (alen >= OSE_ACCOUNT_MAX)
			return 0;
	}

	/* The envelope (trap 22): p ends at the event's '{'. */
	if (!memcmp(p, "{\"subscriptionId\":", 18)) {
		q = bf_int(p + 18, end);
		if (!q || end - q < 10 || memcmp(q, ",\"event\":{", 10))
			return 0;
		p = q + 9;
	} else if (!memcmp(p, "{\"stream\":\"", 11)) {
		q = bf_str(p + 11, end);
		if (!q || end - q < 10 || memcmp(q, "\",\"data\":{", 10))
			return 0;
		p = q + 9;
	} else {
		bare = 1;
	}
	if (end - p < (ptrdiff_t)sizeof(rep) || memcmp(p, rep, sizeof(rep) - 1))
		return 0;
	p += sizeof(rep) - 1;

	ev = &out->ev[0];
	memset(ev, 0, sizeof(*ev));
	ev->kind = OSE_EV_ORDER;
	ev->venue = OSE_VENUE_BINANCE;
	if (alen)
		memcpy(ev->account, ctx->account, alen);

	/* Members: p at the ',' or '}' after a value. */
	for (;;) {
		const char *val;
		unsigned k;

		if (unlikely(p >= end))
			return 0;
		if (*p == '}')
			break;
		if (unlikely(*p != ',' || end - p < 6))
			return 0;
		/* "k": quote, key, quote, colon (one word compare). */
		if (unlikely(p[1] != '"' || p[3] != '"' || p[4] != ':')) {
			/* Not a one-letter key: only the stamp may end a
			 * bare event (an envelope's comes after its '}'). */
			if (!bare || !(p = bf_stamp(p, end, &stamp)))
				return 0;
			break;
		}
		k = (unsigned char)p[2];
		val = p + 5;
		if (unlikely((unsigned)((k | 0x20) - 'a') >= 26 || (seen & BIT(k))))
			return 0;
		seen |= BIT(k);
		switch (k) {
		case 'E': /* ms, or µs from 15 digits up (parse.c bn_ts) */
			q = bf_int(val, end);
			if (!q || ose_ts_parse_epoch(val, (size_t)(q - val),
						     q - val >= 15 ? OSE_TS_US : OSE_TS_MS,
						     &ev->exch_ts_ns))
				return 0;
			p = q;
			break;
		case 's':
			q = bf_strv(val, end);
			if (!q || q - val - 1 == 0 || q - val - 1 >= OSE_SYMBOL_MAX)
				return 0;
			bf_copy(ev->symbol, val + 1, (size_t)(q - val - 1));
			p = q + 1;
			break;
		case 'c':
		case 'C':
		case 'N':
		case 'r':
		case 'x':
			/* Strings used after the loop (N may be null). */
			if (k == 'N' && end - val > 4 && !memcmp(val, "null", 4)) {
				p = val + 4;
				break;
			}
			q = bf_strv(val, end);
			if (!q)
				return 0;
			p = q + 1;
			++val;
			switch (k) {
			case 'c': cs = val; cn = (size_t)(q - val); break;
			case 'C': Cs = val; Cn = (size_t)(q - val); break;
			case 'N': Ns = val; Nn = (size_t)(q - val); break;
			case 'r': rs = val; rn = (size_t)(q - val); break;
			default: trade = q - val == 5 && !memcmp(val, "TRADE", 5); break;
			}
			break;
		case 'X':
		case 'S':
		case 'o':
		case 'f':
			q = bf_strv(val, end);
			if (!q)
				return 0;
			p = q + 1;
			++val;
			if (k == 'X') {
				v = BN_WIRE_FIND(val, (size_t)(q - val), bn_status);
				if (v < 0)
					return 0;
				ev->status = (uint8_t)v;
			} else if (k == 'S') {
				v = BN_WIRE_FIND(val, (size_t)(q - val), bn_side);
				if (v < 0)
					return 0;
				ev->side = (uint8_t)v;
			} else if (q != val) { /* "" leaves NONE */
				v = k == 'o' ? BN_WIRE_FIND(val, (size_t)(q - val), bn_type)
					     : BN_WIRE_FIND(val, (size_t)(q - val), bn_tif);
				if (k == 'o')
					ev->ord_type = (uint8_t)(v >= 0 ? v : OSE_OT_OTHER);
				else
					ev->tif = (uint8_t)(v >= 0 ? v : OSE_TIF_OTHER);
			}
			break;
		case 'p':
			if (!(q = bf_dec(val, end, &ev->price, &has)))
				return 0;
			ev->flags |= (uint16_t)(has ? OSE_EVF_HAS_PRICE : 0);
			p = q + 1;
			break;
		case 'q':
			if (!(q = bf_dec(val, end, &ev->qty, &has)))
				return 0;
			ev->flags |= (uint16_t)(has ? OSE_EVF_HAS_QTY : 0);
			p = q + 1;
			break;
		case 'z': /* required: "" is refused by the generic path */
			if (!(q = bf_dec(val, end, &ev->cum_qty, &has)) || !has)
				return 0;
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
			p = q + 1;
			break;
		case 'l':
			if (!(q = bf_dec(val, end, &lq, &has_l)))
				return 0;
			p = q + 1;
			break;
		case 'L':
			if (!(q = bf_dec(val, end, &lp, &has_L)))
				return 0;
			p = q + 1;
			break;
		case 'n':
			if (!(q = bf_dec(val, end, &fee, &has_n)))
				return 0;
			p = q + 1;
			break;
		case 'i': /* the integer token is the id (ose_json_read_id) */
			q = bf_int(val, end);
			if (!q || q - val >= OSE_ID_MAX)
				return 0;
			bf_copy(ev->order_id, val, (size_t)(q - val));
			p = q;
			break;
		case 't': /* up to 18 digits: ose_json_read_i64 cannot overflow */
			q = bf_int(val, end);
			if (!q || q - val - (*val == '-') > 18)
				return 0;
			ts = val;
			tn = (size_t)(q - val);
			p = q;
			break;
		default: /* T, a, d, B and keys the event does not use */
			if (!(p = bf_skip(val, end)))
				return 0;
			break;
		}
	}

	/* p at the event's '}'; then the envelope's stamp and '}'. */
	p++;
	if (!bare) {
		if (p < end && *p == ',' && !(p = bf_stamp(p, end, &stamp)))
			return 0;
		if (p >= end || *p != '}')
			return 0;
		p++;
	}
	if (p != end || (seen & BF_REQUIRED) != BF_REQUIRED)
		return 0;

	/* Trap 16: C is the order's own id on cancels, "" otherwise. */
	if (Cn) {
		if (Cn >= OSE_ID_MAX)
			return 0;
		bf_copy(ev->client_id, Cs, Cn);
	} else if (cn) {
		if (cn >= OSE_ID_MAX)
			return 0;
		bf_copy(ev->client_id, cs, cn);
	}
	/* Trap 13: l and L are a fill only when x=TRADE; t = -1 is none. */
	if (trade) {
		ev->last_qty = lq;
		ev->last_px = lp;
		ev->flags |= (uint16_t)((has_l ? OSE_EVF_HAS_LAST : 0) |
					(has_L ? OSE_EVF_HAS_LAST_PX : 0));
		/* -0 is the only negative token whose value is >= 0. */
		if (ts && (*ts != '-' || (tn == 2 && ts[1] == '0')))
			bf_copy(ev->trade_id, ts, tn);
	}
	/* Commission n in asset N; N is null when nothing was charged. */
	if (Nn >= OSE_ASSET_MAX)
		return 0;
	bf_copy(ev->fee_asset, Ns, Nn);
	if (has_n && (Nn || fee != 0)) {
		ev->fee = fee;
		ev->flags |= OSE_EVF_HAS_FEE;
	}
	/* Reject reason, informational ("NONE" when fine), truncated. */
	if (rn && !(rn == 4 && !memcmp(rs, "NONE", 4)))
		bf_copy(ev->reason, rs, rn < OSE_ID_MAX ? rn : OSE_ID_MAX - 1);
	if (stamp)
		ev->send_ts_ns = stamp;
	out->n = 1;
	return 1;
}
