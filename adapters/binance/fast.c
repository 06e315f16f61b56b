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
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "adapters/binance/binance.h"
#include "adapters/json/swar.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

__extension__ typedef unsigned __int128 u128;

/* One bit per one-letter key 'A'..'z' (58 bits). */
#define BIT(k) (1ULL << ((k) - 'A'))
/* The keys of the ordered chain (Binance's own order, reference §1). */
#define BF_CHAIN                                                                          \
	(BIT('E') | BIT('s') | BIT('c') | BIT('S') | BIT('o') | BIT('f') | BIT('q') |       \
	 BIT('p') | BIT('P') | BIT('F') | BIT('g') | BIT('C') | BIT('x') | BIT('X') |       \
	 BIT('r') | BIT('i') | BIT('l') | BIT('z') | BIT('L') | BIT('n') | BIT('N') |       \
	 BIT('T') | BIT('t') | BIT('v') | BIT('I') | BIT('w') | BIT('m') | BIT('M') |       \
	 BIT('O') | BIT('Z') | BIT('Y') | BIT('Q') | BIT('W') | BIT('V'))

/* The four bytes at p (inside the message, or a literal). */
static inline uint32_t bf_load32(const char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

#ifdef __SSE2__
/* Bit i set where s[i] (0 <= i < 16) is not an ASCII digit, and bits
 * 16..31 set (so its ctz is at most 16).  x + 0x46 maps '0'..'9' onto
 * 0x76..0x7f, the top of the signed range, and every other byte below
 * it: one add and one compare find the digits.  (Asked for the
 * non-digits directly, gcc 12 spends two more instructions.) */
static inline __attribute__((always_inline)) unsigned bf_nondigit16(const char *s)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	return ~(unsigned)_mm_movemask_epi8(
		_mm_cmpgt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x46)), _mm_set1_epi8(0x75)));
}

/* Bit i set where s[i] (0 <= i < 16) is '"', '\\', a control (< 0x20)
 * or non-ASCII (>= 0x80), and bits 16..31 set.  x ^ 2 maps '"' to 0x20
 * and keeps the controls below it and the bytes >= 0x80 negative, so
 * one signed compare with 0x20 finds the plain bytes, a second the
 * backslash; the complement is the answer.  ctz of it is 16 when all
 * 16 bytes are plain. */
static inline __attribute__((always_inline)) unsigned bf_special16(const char *s)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i plain = _mm_cmpgt_epi8(_mm_xor_si128(x, _mm_set1_epi8(0x02)), _mm_set1_epi8(0x20));
	return ~(unsigned)_mm_movemask_epi8(
		_mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')), plain));
}

/* bf_str past its first 16 bytes (or for a string that starts within
 * 16 bytes of end): out of line, as strings that long are rare. */
static __attribute__((noinline)) const char *bf_str_long(const char *s, const char *end)
{
	unsigned bits;

	for (; end - s >= 16; s += 16) {
		bits = bf_special16(s) & 0xffffu;
		if (bits) {
			s += __builtin_ctz(bits);
			return *s == '"' ? s : NULL;
		}
	}
	if (s >= end)
		return NULL;
	/* The last 16 bytes of the message, which the callers' messages
	 * of 24 bytes and more hold: drop those before s. */
	bits = (bf_special16(end - 16) & 0xffffu) >> (16 - (end - s));
	if (!bits)
		return NULL;
	s += __builtin_ctz(bits);
	return *s == '"' ? s : NULL;
}
#endif

#ifndef __SSE2__
/* bf_str without SSE2: 8 bytes at a time with SWAR, then bytes. */
static const char *bf_str_any(const char *s, const char *end)
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
#endif

/* s just after an opening quote: its closing quote, or NULL if the
 * string holds an escape, a control or non-ASCII byte, or does not end
 * inside the message (the generic path judges those).  16 bytes at a
 * time with SSE2 (x86-64's baseline; the first 16 inline, the rest in
 * bf_str_long), 8 with SWAR, then bytes.  The SSE2 tail reads the 16
 * bytes before end: callers guarantee they lie inside the message
 * (ose_binance_parse_fast takes 24 bytes and more). */
static inline __attribute__((always_inline)) const char *bf_strn(const char *s, const char *end,
								     int safe, int two)
{
#ifdef __SSE2__
	if (likely(safe || end - s >= 16)) {
		unsigned i = (unsigned)__builtin_ctz(bf_special16(s));
		if (likely(i < 16)) {
			s += i;
			return *s == '"' ? s : NULL;
		}
		s += 16;
		if (two && likely(end - s >= 16)) {
			/* The client ids (c, C), usually 16 to 36 bytes
			 * long: their second 16 bytes inline too. */
			i = (unsigned)__builtin_ctz(bf_special16(s));
			if (likely(i < 16)) {
				s += i;
				return *s == '"' ? s : NULL;
			}
			s += 16;
		}
	} else if (s < end) {
		/* Within 16 bytes of the end (the last value, V, usually
		 * is): the 16 bytes before end, as bf_str_long does. */
		unsigned bits = (bf_special16(end - 16) & 0xffffu) >> (16 - (end - s));
		if (!bits)
			return NULL;
		s += __builtin_ctz(bits);
		return *s == '"' ? s : NULL;
	}
	return bf_str_long(s, end);
#else
	(void)safe;
	(void)two;
	return bf_str_any(s, end);
#endif
}
#define bf_str(s, end, safe) bf_strn((s), (end), (safe), 0)

/* v at a value that must be a string: its closing quote, or NULL. */
static inline __attribute__((always_inline)) const char *bf_strv(const char *v, const char *end,
								     int safe)
{
	return *v == '"' ? bf_str(v + 1, end, safe) : NULL;
}

/* The end of the JSON integer -?(0|[1-9][0-9]*) at p, or NULL.  Whatever
 * follows is the caller's to check (the member loop wants ',' or '}',
 * so "01" and "1.5" are declined there). */
static inline __attribute__((always_inline)) const char *bf_int(const char *p, const char *end,
								    int safe)
{
#ifdef __SSE2__
	/* The common case in one load: 1..15 digits, no sign, no leading
	 * zero (a lone "0" is fine).  Anything else takes the steps below,
	 * which give the same answer for these. */
	if (likely(safe || end - p >= 16)) {
		unsigned n = (unsigned)__builtin_ctz(bf_nondigit16(p));
		if (likely(n - 1 < 15) && likely(*p != '0' || n == 1))
			return p + n;
	}
#else
	(void)safe;
#endif
	if (p < end && *p == '-')
		p++;
	if (p >= end || (unsigned char)(*p - '0') >= 10)
		return NULL;
	if (*p++ == '0')
		return p;
#ifdef __SSE2__
	if (likely(end - p >= 16)) {
		unsigned n = (unsigned)__builtin_ctz(bf_nondigit16(p));
		if (likely(n < 16))
			return p + n;
		p += 16;
	}
#endif
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

	p = bf_int(p, end, 0);
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
		q = bf_str(v + 1, end, 0);
		return q ? q + 1 : NULL;
	case 't':
		return end - v > 4 && ose_wire_eq_k(v, "true", 4) ? v + 4 : NULL;
	case 'n':
		return end - v > 4 && ose_wire_eq_k(v, "null", 4) ? v + 4 : NULL;
	case 'f':
		return end - v > 5 && ose_wire_eq_k(v, "false", 5) ? v + 5 : NULL;
	default:
		return bf_num(v, end);
	}
}

/* The shape Binance writes decimals in, "[-]I.F" with 1..8 digits
 * each: found with two loads (end - v >= 19 puts both inside), no loop. */
struct bf_decw {
	uint64_t x, y;   /* the words at I and at F */
	unsigned ni, nf; /* their digit counts */
	int neg;
};

/* v at '"': the closing quote of a string of that shape, with *w set;
 * NULL for any other value (the caller takes the general way). */
static inline __attribute__((always_inline)) const char *
bf_dec_shape(const char *v, const char *end, struct bf_decw *w)
{
#if OSE_SWAR
	if (likely(*v == '"' && end - v >= 19)) {
		const char *d = v + 1 + (v[1] == '-');

		w->neg = d != v + 1;
		w->x = ose_swar_load(d);
#ifdef __SSE2__
		{
			/* Both non-digits (the point and the closing quote)
			 * from one 16-byte load at d: d + 16 <= v + 18 < end. */
			unsigned nd = bf_nondigit16(d), qi;

			w->ni = (unsigned)__builtin_ctz(nd | 0x10000);
			qi = (unsigned)__builtin_ctz((nd & (nd - 1)) | 0x10000);
			w->nf = qi - w->ni - 1;
			if (likely(w->ni - 1 < 8 && w->nf - 1 < 8 && qi < 16 && d[w->ni] == '.' &&
				   d[qi] == '"')) {
				w->y = ose_swar_load(d + w->ni + 1);
				return d + qi;
			}
		}
#else
		w->ni = ose_swar_ndigits(w->x);
		if (likely(w->ni - 1 < 8 && d[w->ni] == '.')) {
			const char *f = d + w->ni + 1;
			w->y = ose_swar_load(f);
			w->nf = ose_swar_ndigits(w->y);
			if (likely(w->nf && f + w->nf < end && f[w->nf] == '"'))
				return f + w->nf;
		}
#endif
	}
#else
	(void)v;
	(void)end;
	(void)w;
#endif
	return NULL;
}

#ifdef __SSE2__
/* For bf_dec8: the bytes of the 16 before the closing quote that hold
 * digits of "I.FFFFFFFF" when I has ni digits (row ni): I's at
 * 7 - ni..6, F's at 8..15; the point (7) and what precedes I are
 * dropped. */
#define BF_K8(ni)                                                                      \
	{ (7 - (ni)) <= 0 ? -1 : 0, (7 - (ni)) <= 1 ? -1 : 0, (7 - (ni)) <= 2 ? -1 : 0,   \
	  (7 - (ni)) <= 3 ? -1 : 0, (7 - (ni)) <= 4 ? -1 : 0, (7 - (ni)) <= 5 ? -1 : 0,   \
	  -1, 0, -1, -1, -1, -1, -1, -1, -1, -1 }
static const int8_t bf_keep8[7][16] __attribute__((aligned(16))) = {
	{ 0 } /* ni = 0: never used */, BF_K8(1), BF_K8(2), BF_K8(3), BF_K8(4), BF_K8(5), BF_K8(6),
};

/* For bf_dec8's SSSE3 form: row ni (1..6) moves the 16 bytes at the
 * digits into the same places (I's digits to 7 - ni..6, F's from
 * d + ni + 1 to 8..15) and zeroes the others (index 0x80). */
#define BF_S8J(ni, j)                                                                  \
	((j) < 7 - (ni) || (j) == 7 ? -128 : (j) < 7 ? (j) - (7 - (ni)) : (ni) + 1 + (j) - 8)
#define BF_S8(ni)                                                                      \
	{ BF_S8J(ni, 0),  BF_S8J(ni, 1),  BF_S8J(ni, 2),  BF_S8J(ni, 3),                       \
	  BF_S8J(ni, 4),  BF_S8J(ni, 5),  BF_S8J(ni, 6),  BF_S8J(ni, 7),                       \
	  BF_S8J(ni, 8),  BF_S8J(ni, 9),  BF_S8J(ni, 10), BF_S8J(ni, 11),                      \
	  BF_S8J(ni, 12), BF_S8J(ni, 13), BF_S8J(ni, 14), BF_S8J(ni, 15) }
static const int8_t bf_shuf8[7][16] __attribute__((aligned(16))) = {
	{ 0 } /* ni = 0: never used */, BF_S8(1), BF_S8(2), BF_S8(3), BF_S8(4), BF_S8(5), BF_S8(6),
};

/*
 * pshufb and pmaddubsw (SSSE3), for the code that runs only where the
 * CPU has them (ose_binance_parse_fast's dispatch, below).  Without
 * -mssse3 the compiler refuses their intrinsics in a function that is
 * not itself built for SSSE3, and bf_dec8 is inlined into both forms,
 * so the instructions are written out (one each, operands in
 * registers or memory).  Built with SSSE3 anyway, the intrinsics.
 */
static inline __attribute__((always_inline)) __m128i bf_pshufb(__m128i a, __m128i idx)
{
#ifdef __SSSE3__
	return _mm_shuffle_epi8(a, idx);
#else
	__asm__("pshufb %1, %0" : "+x"(a) : "xm"(idx));
	return a;
#endif
}

/* Unsigned bytes of a times signed bytes of b, adjacent pairs summed. */
static inline __attribute__((always_inline)) __m128i bf_maddubs(__m128i a, __m128i b)
{
#ifdef __SSSE3__
	return _mm_maddubs_epi16(a, b);
#else
	__asm__("pmaddubsw %1, %0" : "+x"(a) : "xm"(b));
	return a;
#endif
}

/*
 * The shape Binance prints prices and quantities in, "I.FFFFFFFF":
 * I of 1..6 digits and exactly 8 fraction digits (no sign: Binance's
 * prices and quantities are never negative, so a '-' costs bf_dec's
 * general way, not two instructions on every value), so that everything
 * from I to the closing quote lies in the 16 bytes at the digits.  v
 * at the opening quote, with v[-5..18] inside the message (every value
 * follows {"e":"executionReport", and end - v >= 19 is the caller's).
 * Returns the closing quote with *out = ose_dec_parse's value
 * (I * 10^20 + F * 10^12), or NULL for any other bytes (bf_dec then
 * takes its general way).  The value without a loop: the 16 bytes that
 * end at the quote hold I right-aligned before the point and F after
 * it; with the point and the bytes before I zeroed, one pass of
 * multiply-adds gives I * 10 (the point's byte is I's units place
 * times ten) and F as two 32-bit lanes.
 */
static inline __attribute__((always_inline)) const char *bf_dec8(const char *v, ose_dec *out,
								    const int x3)
{
	const char *d = v + 1;
	unsigned nd = bf_nondigit16(d);
	unsigned ni = (unsigned)__builtin_ctz(nd);
	__m128i r;

	/* A non-digit at ni (1..6), eight digits, a non-digit at ni + 9:
	 * the point and the quote, checked by value. */
	if (unlikely(((nd >> ni) & 0x3ffu) != 0x201u || ni - 1 >= 6 || d[ni] != '.' ||
		     d[ni + 9] != '"'))
		return NULL;
	if (x3) {
		/* SSSE3: the bytes at d moved into place by one shuffle,
		 * pairs of digits by one multiply-add. */
		r = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)d), _mm_set1_epi8('0'));
		r = bf_pshufb(r, _mm_load_si128((const __m128i *)(const void *)bf_shuf8[ni]));
		r = bf_maddubs(r, _mm_set1_epi16(0x010a));
	} else {
		r = _mm_loadu_si128((const __m128i *)(const void *)(d + ni - 7));
		r = _mm_and_si128(_mm_sub_epi8(r, _mm_set1_epi8('0')),
				  _mm_load_si128((const __m128i *)(const void *)bf_keep8[ni]));
		/* Pairs of digits, then fours, then eights (every lane < 2^15). */
		r = _mm_add_epi16(
			_mm_mullo_epi16(_mm_and_si128(r, _mm_set1_epi16(0xff)), _mm_set1_epi16(10)),
			_mm_srli_epi16(r, 8));
	}
	r = _mm_madd_epi16(r, _mm_set_epi16(1, 100, 1, 100, 1, 100, 1, 100));
	r = _mm_packs_epi32(r, r);
	r = _mm_madd_epi16(r, _mm_set_epi16(1, 10000, 1, 10000, 1, 10000, 1, 10000));
	uint64_t w = (uint64_t)_mm_cvtsi128_si64(r);
	/* (I * 10) * 10^7 + F = I * 10^8 + F < 10^14. */
	uint64_t acc = (uint64_t)(uint32_t)w * 10000000u + (w >> 32);
	*out = (ose_dec)((u128)acc * 1000000000000u);
	return d + ni + 9;
}
#endif

/*
 * v at a decimal string: its closing quote, with *out and *has = 1, or
 * *has = 0 for "" (no value, as the readers say).  NULL to decline
 * (not a string, or a decimal ose_json_dec_parse refuses).
 * bf_dec_shape's values take one multiply; the result is
 * ose_dec_parse's: I * 10^20 + F * 10^(20 - nf) = (I * 10^nf + F) *
 * 10^(20 - nf).  Binance's 8 fraction digits get constants.  Everything
 * else goes through ose_json_dec_parse, which the generic reader calls.
 */
static inline __attribute__((always_inline)) const char *
bf_dec(const char *v, const char *end, ose_dec *out, unsigned *has, int safe, const int x3)
{
	struct bf_decw w;
	const char *q;

	(void)x3;
#ifdef __SSE2__
	if (likely(*v == '"' && (safe || end - v >= 19)) && likely((q = bf_dec8(v, out, x3)) != NULL)) {
		*has = 1;
		return q;
	}
#endif
	q = bf_dec_shape(v, end, &w);
	if (likely(q != NULL)) {
		uint64_t acc;
		ose_dec val;

		if (likely(w.nf == 8)) {
			acc = ose_swar_value_n(w.x, w.ni) * 100000000u +
			      ose_swar_value(w.y - OSE_SWAR_ZEROS);
			val = (ose_dec)((u128)acc * 1000000000000u);
		} else {
			acc = ose_swar_value_n(w.x, w.ni) * ose_p10[w.nf] +
			      ose_swar_value_n(w.y, w.nf);
			val = (ose_dec)((u128)acc * ose_p10[20 - w.nf]);
		}
		*out = w.neg ? -val : val;
		*has = 1;
		return q;
	}
	if (unlikely(*v != '"') || !(q = bf_str(v + 1, end, 0)))
		return NULL;
	*has = q != v + 1;
	if (*has && ose_json_dec_parse(v + 1, (size_t)(q - v - 1), out) != OSE_DEC_OK)
		return NULL;
	return q;
}

/*
 * The table value for the string s[0..n) (BN_WIRE_FIND's answer), with
 * the table walk unrolled: every entry's length and bytes are then
 * constants, so a wrong length costs one compare and the right one a
 * word compare or two, instead of a loop that loads each entry.
 */
#define BF_FIND(s, n, map) bf_find((s), (n), (map), sizeof(map) / sizeof((map)[0]))
static inline __attribute__((always_inline)) int bf_find(const char *s, size_t n,
							  const struct ose_wire_map *map,
							  size_t count)
{
#pragma GCC unroll 16
	for (size_t i = 0; i < count; i++)
		if (map[i].len == n && ose_wire_eq_k(map[i].wire, s, n))
			return map[i].val;
	return -1;
}

/* n (< 48) bytes into the zeroed dst (the event's string fields). */
#define bf_copy ose_swar_copy48

/*
 * The event time E, the integer token t[0..n), as parse.c's bn_ts reads
 * it: ms, or µs from 15 characters up; 0 with *ns set, or -1.  Epoch ms
 * and µs have 13 and 16 digits: two loads inside the message (a comma
 * and more follow the token) and no loop; anything else (fewer than 9
 * digits, a sign, the end of the message close) is left to
 * ose_ts_parse_epoch, whose limits both branches apply.
 */
static inline __attribute__((always_inline)) int bf_time(const char *t, size_t n, const char *end,
							 int64_t *ns, int safe)
{
	enum ose_ts_unit unit = n >= 15 ? OSE_TS_US : OSE_TS_MS;
#if OSE_SWAR
	uint64_t v;

	/* bf_int checked the digits; the bytes after them are dropped. */
	if (likely(n == 13 && (safe || end - t >= 16) && *t != '-')) {
		/* Epoch ms as Binance sends it: the same sum with constant
		 * shifts and scales. */
		v = ose_swar_value(ose_swar_load(t) - OSE_SWAR_ZEROS) * 100000u +
		    ose_swar_value_n(ose_swar_load(t + 8), 5);
		*ns = (int64_t)(v * 1000000u);
		return v <= (uint64_t)INT64_MAX / 1000000u ? 0 : -1;
	}
	if (likely(n >= 9 && n <= 16 && (safe || end - t >= 16) && *t != '-')) {
		v = ose_swar_value(ose_swar_load(t) - OSE_SWAR_ZEROS) * ose_p10[n - 8] +
		    ose_swar_value_n(ose_swar_load(t + 8), (unsigned)(n - 8));
		/* 16 digits stay below 2^63 / 10^3: the products cannot wrap.
		 * Each bound a constant (one selected by unit is a division). */
		if (unit == OSE_TS_US) {
			*ns = (int64_t)(v * 1000u);
			return v <= (uint64_t)INT64_MAX / 1000u ? 0 : -1;
		}
		*ns = (int64_t)(v * 1000000u);
		return v <= (uint64_t)INT64_MAX / 1000000u ? 0 : -1;
	}
#else
	(void)safe;
#endif
	(void)end;
	return ose_ts_parse_epoch(t, n, unit, ns) ? -1 : 0;
}

/* A zeroed event in 28 vector stores: the library memset of 448 bytes
 * (rep stos here) costs more to start than to run.  Unrolled: the loop
 * control was 21 of the 49 instructions. */
static inline void bf_zero(struct ose_event *ev)
{
#if defined(__SSE2__) && defined(__GNUC__)
	__m128i z = _mm_setzero_si128();
#pragma GCC unroll 8
	for (size_t i = 0; i < sizeof(*ev); i += 64) {
		/* Keeps the compiler from turning the loop back into memset. */
		__asm__("" : "+x"(z));
		_mm_store_si128((__m128i *)(void *)((char *)ev + i), z);
		_mm_store_si128((__m128i *)(void *)((char *)ev + i + 16), z);
		_mm_store_si128((__m128i *)(void *)((char *)ev + i + 32), z);
		_mm_store_si128((__m128i *)(void *)((char *)ev + i + 48), z);
	}
#else
	memset(ev, 0, sizeof(*ev));
#endif
}

/* p at ',': the simulator's ,"ose_ts":<int> stamp, which must close
 * its object.  Returns the '}' after it with *ns set, or NULL.  The
 * integer token is read by ose_json_read_stamp, as the generic path
 * reads it (a non-negative integer within int64). */
static const char *bf_stamp(const char *p, const char *end, int64_t *ns)
{
	const char *d = p + 10, *q;

	if (end - p < 12 || memcmp(p, ",\"ose_ts\":", 10))
		return NULL;
	q = bf_int(d, end, 0);
	/* 20 characters hold any int64 with its sign: longer ones fail the
	 * reader anyway, and the bound keeps the view's length in range. */
	if (!q || q - d > 20 || q >= end || *q != '}')
		return NULL;
	struct ose_json_val v = { .p = d, .len = (uint32_t)(q - d), .type = OSE_JSON_NUMBER };
	return ose_json_read_stamp(&v, ns) ? NULL : q;
}

/* What the members leave for after the walk: which id is the order's
 * own (trap 16), the fill only x=TRADE keeps (trap 13), fee and reason. */
struct bf_state {
	struct ose_event *ev;
	/* BIT(k) for every key the member loop met; after a chain, also
	 * every key of the chain (which does not count its own). */
	uint64_t seen;
	const char *cs, *Cs, *ts, *Ns, *rs; /* each valid when its length is set */
	uint32_t cn, Cn, tn, Nn, rn;
	unsigned has_l, has_L, has_n, trade, has_E;
	ose_dec lq, lp, fee; /* fee valid when has_n */
};

/* The event and st before a walk: ev zeroed but for kind, venue and
 * account (alen bytes of ctx->account, which fit); seen as given. */
static inline __attribute__((always_inline)) void
bf_start(struct ose_event *ev, struct bf_state *st, const struct ose_parse_ctx *ctx, size_t alen,
	 uint64_t seen)
{
	bf_zero(ev);
	ev->kind = OSE_EV_ORDER;
	ev->venue = OSE_VENUE_BINANCE;
	if (alen)
		ose_swar_copy48(ev->account, ctx->account, alen);
	/* Field by field: a memset of st would be a rep stos too. */
	st->ev = ev;
	st->seen = seen;
	st->cn = st->Cn = st->tn = st->Nn = st->rn = 0;
	st->has_l = st->has_L = st->has_n = st->trade = st->has_E = 0;
	st->lq = st->lp = 0;
}

/* The first n (1..8) bytes of a word loaded from text, and the literal
 * s (at most 8 bytes, quotes included) as such a word: constants once
 * folded.  BF_IS: the text whose first 8 bytes are w begins with s. */
#define BF_MASK(n) (~0ULL >> (64 - 8 * (n)))
#define BF_W(s) (ose_swar_load(s "\0\0\0\0\0\0\0") & BF_MASK(sizeof(s) - 1))
#define BF_IS(w, s) (((w) & BF_MASK(sizeof(s) - 1)) == BF_W(s))

/*
 * The values Binance sends most for the enumerated keys (S o f x X r),
 * matched with their quotes as whole words: for these, one or two word
 * compares instead of the string end search and the table walk.  val at
 * the value, val[0..19) inside the message (the caller's).  Returns the
 * byte after the closing quote, having set what bf_value's general code
 * would set for the same bytes (the tables' values; x: TRADE or not; r:
 * "NONE" leaves no reason); NULL for any other value, which the general
 * code then reads.  A literal holds no byte the string reader refuses,
 * so what is matched here is what that reader would take.
 */
static inline __attribute__((always_inline)) const char *
bf_enum(unsigned k, const char *val, struct bf_state *st)
{
	struct ose_event *ev = st->ev;
	uint64_t w = ose_swar_load(val), w1;

	switch (k) {
	case 'S':
		if (BF_IS(w, "\"SELL\"")) {
			ev->side = OSE_SIDE_SELL;
			return val + 6;
		}
		if (BF_IS(w, "\"BUY\"")) {
			ev->side = OSE_SIDE_BUY;
			return val + 5;
		}
		return NULL;
	case 'o':
		if (BF_IS(w, "\"LIMIT\"")) {
			ev->ord_type = OSE_OT_LIMIT;
			return val + 7;
		}
		if (BF_IS(w, "\"MARKET\"")) {
			ev->ord_type = OSE_OT_MARKET;
			return val + 8;
		}
		return NULL;
	case 'f':
		if (BF_IS(w, "\"GTC\"")) {
			ev->tif = OSE_TIF_GTC;
			return val + 5;
		}
		if (BF_IS(w, "\"IOC\"")) {
			ev->tif = OSE_TIF_IOC;
			return val + 5;
		}
		return NULL;
	case 'x':
		if (BF_IS(w, "\"TRADE\"")) {
			st->trade = 1;
			return val + 7;
		}
		if (BF_IS(w, "\"NEW\"")) {
			st->trade = 0;
			return val + 5;
		}
		return NULL;
	case 'r':
		return BF_IS(w, "\"NONE\"") ? val + 6 : NULL;
	case 'X':
		if (BF_IS(w, "\"NEW\"")) {
			ev->status = OSE_ST_NEW;
			return val + 5;
		}
		if (w == BF_W("\"FILLED\"")) {
			ev->status = OSE_ST_FILLED;
			return val + 8;
		}
		w1 = ose_swar_load(val + 8);
		if (w == BF_W("\"CANCELE") && BF_IS(w1, "D\"")) {
			ev->status = OSE_ST_CANCELED;
			return val + 10;
		}
		if (w == BF_W("\"PARTIAL") && w1 == BF_W("LY_FILLE") && val[16] == 'D' &&
		    val[17] == '"') {
			ev->status = OSE_ST_PARTIALLY_FILLED;
			return val + 18;
		}
		return NULL;
	default:
		return NULL;
	}
}

/*
 * The value of key k at val: parsed into the event or st.  Returns the
 * byte after it (the member loop wants ',' or '}' there) or NULL to
 * decline.  Always inlined: called with a constant k from the ordered
 * chain, the switch folds away.
 */
static inline __attribute__((always_inline)) const char *
bf_value(unsigned k, const char *val, const char *end, struct bf_state *st, int safe,
	 const int x3)
{
	struct ose_event *ev = st->ev;
	const char *q;
	unsigned has;
	int v;

	switch (k) {
	case 'E': /* ms, or µs from 15 digits up (parse.c bn_ts) */
		q = bf_int(val, end, safe);
		if (!q || bf_time(val, (size_t)(q - val), end, &ev->exch_ts_ns, safe))
			return NULL;
		st->has_E = 1;
		return q;
	case 's':
		q = bf_strv(val, end, safe);
		if (!q || q - val - 1 == 0 || q - val - 1 >= OSE_SYMBOL_MAX)
			return NULL;
		bf_copy(ev->symbol, val + 1, (size_t)(q - val - 1));
		return q + 1;
	case 'c':
	case 'C':
	case 'N':
	case 'r':
	case 'x':
		if ((k == 'r' || k == 'x') && (safe || end - val >= 19) &&
		    likely((q = bf_enum(k, val, st)) != NULL))
			return q;
		/* Strings used after the walk (N may be null). */
		if (k == 'N' && end - val > 4 && ose_wire_eq_k(val, "null", 4))
			return val + 4;
		/* C (the original client id) is "" but on cancels. */
		if (k == 'C' && (safe || end - val >= 2) && val[0] == '"' && val[1] == '"')
			return val + 2;
		if (k == 'c' || k == 'C')
			q = *val == '"' ? bf_strn(val + 1, end, safe, 1) : NULL;
		else
			q = bf_strv(val, end, safe);
		if (!q)
			return NULL;
		++val;
		if (k == 'c') {
			st->cs = val;
			st->cn = (uint32_t)(q - val);
		} else if (k == 'C') {
			st->Cs = val;
			st->Cn = (uint32_t)(q - val);
		} else if (k == 'N') {
			st->Ns = val;
			st->Nn = (uint32_t)(q - val);
		} else if (k == 'r') {
			st->rs = val;
			st->rn = (uint32_t)(q - val);
		} else {
			st->trade = q - val == 5 && ose_wire_eq_k(val, "TRADE", 5);
		}
		return q + 1;
	case 'X':
	case 'S':
	case 'o':
	case 'f':
		if ((safe || end - val >= 19) && likely((q = bf_enum(k, val, st)) != NULL))
			return q;
		q = bf_strv(val, end, safe);
		if (!q)
			return NULL;
		++val;
		if (k == 'X') {
			v = BF_FIND(val, (size_t)(q - val), bn_status);
			if (v < 0)
				return NULL;
			ev->status = (uint8_t)v;
		} else if (k == 'S') {
			v = BF_FIND(val, (size_t)(q - val), bn_side);
			if (v < 0)
				return NULL;
			ev->side = (uint8_t)v;
		} else if (q != val) { /* "" leaves NONE */
			if (k == 'o') {
				v = BF_FIND(val, (size_t)(q - val), bn_type);
				ev->ord_type = (uint8_t)(v >= 0 ? v : OSE_OT_OTHER);
			} else {
				v = BF_FIND(val, (size_t)(q - val), bn_tif);
				ev->tif = (uint8_t)(v >= 0 ? v : OSE_TIF_OTHER);
			}
		}
		return q + 1;
	case 'p':
		if (!(q = bf_dec(val, end, &ev->price, &has, safe, x3)))
			return NULL;
		ev->flags |= (uint16_t)(has ? OSE_EVF_HAS_PRICE : 0);
		return q + 1;
	case 'q':
		if (!(q = bf_dec(val, end, &ev->qty, &has, safe, x3)))
			return NULL;
		ev->flags |= (uint16_t)(has ? OSE_EVF_HAS_QTY : 0);
		return q + 1;
	case 'z': /* required: "" is refused by the generic path */
		if (!(q = bf_dec(val, end, &ev->cum_qty, &has, safe, x3)) || !has)
			return NULL;
		ev->flags |= OSE_EVF_HAS_CUM_QTY;
		return q + 1;
	case 'l':
		q = bf_dec(val, end, &st->lq, &st->has_l, safe, x3);
		return q ? q + 1 : NULL;
	case 'L':
		q = bf_dec(val, end, &st->lp, &st->has_L, safe, x3);
		return q ? q + 1 : NULL;
	case 'n':
		q = bf_dec(val, end, &st->fee, &st->has_n, safe, x3);
		return q ? q + 1 : NULL;
	case 'i': /* the integer token is the id (ose_json_read_id) */
		q = bf_int(val, end, safe);
		if (!q || q - val >= OSE_ID_MAX)
			return NULL;
		bf_copy(ev->order_id, val, (size_t)(q - val));
		return q;
	case 't': /* up to 18 digits: ose_json_read_i64 cannot overflow */
		q = bf_int(val, end, safe);
		if (!q || q - val - (*val == '-') > 18)
			return NULL;
		st->ts = val;
		st->tn = (uint32_t)(q - val);
		return q;
	/* Keys the event does not use, with the types Binance gives them:
	 * the cheap check first, the whole grammar when it does not fit. */
	case 'P':
	case 'F':
	case 'Z':
	case 'Y':
	case 'Q':
	case 'V':
		/* Stop price, iceberg and quote quantities are zero on most
		 * orders: that string in two compares. */
		if (k != 'V' && (safe || end - val >= 12) &&
		    ose_swar_load(val) == ose_swar_load("\"0.00000") && bf_load32(val + 8) == bf_load32("000\""))
			return val + 12;
		q = bf_strv(val, end, safe);
		return q ? q + 1 : bf_skip(val, end);
	case 'g':
	case 'I':
	case 'O':
	case 'W':
	case 'T':
	case 'v':
		/* A fraction or exponent after the digits ends the chain
		 * and the member loop declines: Binance sends integers.
		 * g (the order list id) is -1 on most orders. */
		if (k == 'g' && (safe || end - val >= 3) && val[0] == '-' && val[1] == '1' &&
		    (unsigned char)(val[2] - '0') >= 10)
			return val + 2;
		q = bf_int(val, end, safe);
		return q ? q : bf_skip(val, end);
	case 'w':
	case 'm':
	case 'M':
		if ((safe || end - val > 5) && ose_wire_eq_k(val, "true", 4))
			return val + 4;
		if ((safe || end - val > 5) && ose_wire_eq_k(val, "false", 5))
			return val + 5;
		return bf_skip(val, end);
	default: /* a, d, B and keys nobody reads */
		return bf_skip(val, end);
	}
}

/*
 * p at ',' before a member whose key is not one letter (newer Binance
 * fields such as "Cs", "pL" or "eR"): skipped like a one-letter key
 * nobody reads, unless the generic path's key set holds the key (its
 * envelope keys are looked for at every level, and "ose_ts" only ends
 * the outermost object): then NULL, to decline.  Returns the byte after
 * the value.
 */
static const char *bf_other(const char *p, const char *end)
{
	const char *k = p + 2, *q;

	if (end - p < 4 || p[1] != '"' || !(q = bf_str(k, end, 0)) || end - q < 3 || q[1] != ':' ||
	    ose_binance_generic_key(k, (size_t)(q - k)))
		return NULL;
	return bf_skip(q + 2, end);
}

/* "k": of a one-letter key as a little-endian word. */
#define BF_KW(k) (0x22u | (uint32_t)(k) << 8 | 0x22u << 16 | 0x3au << 24)

/*
 * The ordered chain: Binance's own key order (reference §1), each key
 * optional.  A key that is next takes a byte and a word compare and its
 * inlined value code; one that is missing costs the word compare.  The
 * chain stops at the first member it does not expect and the loop takes
 * the rest.  (Big-endian hosts skip the chain: the loop takes them all.)
 */
#if OSE_SWAR
#define BF_STEPG(P, k, L, safe, fail)                                                      \
	do {                                                                               \
		if (likely((!(L) || P < (L)) && *P == ',' && bf_load32(P + 1) == BF_KW(k))) { \
			if (unlikely(!(P = bf_value((k), P + 5, end, &st, safe, x3))))          \
				fail;                                                      \
		}                                                                          \
	} while (0)
#else
#define BF_STEPG(P, k, L, safe, fail) ((void)0)
#endif
/* Members that start before slim (BF_SAFE bytes before the end) are
 * read without the end checks of the wide loads: every load their
 * value code makes on its first try lies in P[0..BF_SAFE).  The last
 * two of the chain, W and V, may end the message closer than that. */
#define BF_SAFE 24
#define BF_STEPX(P, k, fail) BF_STEPG(P, k, slim, 1, fail)
#define BF_STEPU(P, k, fail) BF_STEPG(P, k, lim, 0, fail)
/* A step known to start before slim (the first half below): no check. */
#define BF_STEPA(P, k, fail) BF_STEPG(P, k, (const char *)0, 1, fail)
#define BF_STEP(k) BF_STEPX(p, k, return 0)
/* seen when a walk starts with the chain: every key of the chain, so
 * that the member loop sends any of them back (see there). */
#define BF_SEEN0 (OSE_SWAR ? BIT('e') | BF_CHAIN : BIT('e'))
/* The two halves of the chain side by side (see bf_split): pa walks
 * E..i from the start, pb walks l..V from the split. */
#define BF_STEP2(ka, kb)                        \
	do {                                    \
		BF_STEPA(pa, ka, goto whole);   \
		BF_STEPX(pb, kb, goto whole);   \
	} while (0)

/*
 * Why two chains: each member's start is the end of the value before
 * it, so the ordered chain is one dependency chain (about 15 cycles a
 * member) and the out-of-order core, whose window holds only a few
 * members' code, cannot run far ahead of it.  Started again from the
 * member ,"l": (the executed quantity, in every executionReport, about
 * half-way), the second half runs in the same window as the first,
 * interleaved step by step.  bf_split finds that member: the first
 * ,"l": from BF_SPLIT_SKIP bytes into the members (fewer members than
 * that before l, which Binance never sends, only cost the whole walk
 * below).  The halves are used only if the first stops exactly at the
 * split; otherwise (a key out of order or unknown before l, an l found
 * inside a string, or none) the message is walked again from the start
 * by the one chain, so what is accepted and what comes out do not
 * depend on the split.
 */
/* The 16 members before l take at least about 207 bytes as Binance
 * writes them (a 1-byte client id, 6-byte symbol, 8-digit fractions,
 * 7-digit order id); the fixtures' l is 217-261 bytes in. */
#define BF_SPLIT_SKIP 184

static inline const char *bf_split(const char *p, const char *end)
{
#ifdef __SSE2__
	p += BF_SPLIT_SKIP;
	/* 16 candidates at p..p+15 need p + 20 <= end for the loads. */
	for (; end - p >= 20; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 2));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')),
				      _mm_cmpeq_epi8(y, _mm_set1_epi8('l'))));
		for (; m; m &= m - 1) {
			const char *c = p + __builtin_ctz(m);
			if (bf_load32(c + 1) == BF_KW('l'))
				return c;
		}
	}
#else
	(void)p;
	(void)end;
#endif
	return NULL;
}

/* The fast path, with x3 (a constant) saying whether SSSE3 may be
 * used: inlined into one function for each (see the dispatch below). */
static inline __attribute__((always_inline)) int bf_parse(const char *msg, size_t len,
							  const struct ose_parse_ctx *ctx,
							  struct ose_parse_out *out, const int x3)
{
	static const char rep[] = "{\"e\":\"executionReport\"";
	const char *p = msg, *end = msg + len, *q, *lim, *slim, *split, *first;
	struct bf_state st;
	struct ose_event *ev;
	size_t alen = 0;
	int bare = 0, chain = 1;
	unsigned k;
	int64_t stamp = 0;

	if (unlikely(out->cap < 1 || len < sizeof(rep) + 1 || len > OSE_JSON_MAX_LEN || *p != '{'))
		return 0;
	/* The envelope (trap 22): p ends at the event's '{'. */
	if (!memcmp(p, "{\"subscriptionId\":", 18)) {
		q = bf_int(p + 18, end, 0);
		if (!q || end - q < 10 || memcmp(q, ",\"event\":{", 10))
			return 0;
		p = q + 9;
	} else if (!memcmp(p, "{\"stream\":\"", 11)) {
		q = bf_str(p + 11, end, 0);
		if (!q || end - q < 10 || memcmp(q, "\",\"data\":{", 10))
			return 0;
		p = q + 9;
	} else {
		bare = 1;
	}
	if (end - p < (ptrdiff_t)sizeof(rep) || memcmp(p, rep, sizeof(rep) - 1))
		return 0;
	p += sizeof(rep) - 1;
	first = p;
	if (ctx && ctx->account) {
		/* ose_ev_done refuses an account that does not fit. */
		alen = strnlen(ctx->account, OSE_ACCOUNT_MAX);
		if (alen >= OSE_ACCOUNT_MAX)
			return 0;
	}

	ev = &out->ev[0];
	/* A member ,"k": fits before lim (len >= 24: inside msg). */
	lim = end - 5;
	slim = end - BF_SAFE;
	split = end - p > BF_SPLIT_SKIP + 20 ? bf_split(p, end) : NULL;
	/*
	 * The first half never passes split + 2, so with split + 2 before
	 * slim its steps need no end check: a member's value is a number,
	 * a literal or a string, and only a string can hold the bytes
	 * ,"l": at split, but then the quote after its comma (split + 1)
	 * ends it, and the walk stops there (no ',' follows).
	 */
	if (split && split + 2 >= slim)
		split = NULL;
	if (split) {
		const char *pa = p, *pb = split;

		bf_start(ev, &st, ctx, alen, BF_SEEN0);

		BF_STEP2('E', 'l'); BF_STEP2('s', 'z'); BF_STEP2('c', 'L'); BF_STEP2('S', 'n');
		BF_STEP2('o', 'N'); BF_STEP2('f', 'T'); BF_STEP2('q', 't'); BF_STEP2('p', 'v');
		BF_STEP2('P', 'I'); BF_STEP2('F', 'w'); BF_STEP2('g', 'm'); BF_STEP2('C', 'M');
		BF_STEP2('x', 'O'); BF_STEP2('X', 'Z'); BF_STEP2('r', 'Y'); BF_STEP2('i', 'Q');
		BF_STEPU(pb, 'W', goto whole);
		BF_STEPU(pb, 'V', goto whole);
		if (likely(pa == split)) {
			p = pb;
			goto members;
		}
	}
whole:
	bf_start(ev, &st, ctx, alen, BF_SEEN0);

	BF_STEP('E'); BF_STEP('s'); BF_STEP('c'); BF_STEP('S'); BF_STEP('o'); BF_STEP('f');
	BF_STEP('q'); BF_STEP('p'); BF_STEP('P'); BF_STEP('F'); BF_STEP('g'); BF_STEP('C');
	BF_STEP('x'); BF_STEP('X'); BF_STEP('r'); BF_STEP('i'); BF_STEP('l'); BF_STEP('z');
	BF_STEP('L'); BF_STEP('n'); BF_STEP('N'); BF_STEP('T'); BF_STEP('t'); BF_STEP('v');
	BF_STEP('I'); BF_STEP('w'); BF_STEP('m'); BF_STEP('M'); BF_STEP('O'); BF_STEP('Z');
	BF_STEP('Y'); BF_STEP('Q');
	BF_STEPU(p, 'W', return 0);
	BF_STEPU(p, 'V', return 0);

	/* The members the chain did not expect, in any order: p at the
	 * ',' or '}' after a value. */
members:
	for (;;) {
		if (unlikely(p >= end))
			return 0;
		if (likely(*p == '}'))
			break;
		if (unlikely(*p != ',' || end - p < 6))
			return 0;
		if (unlikely(p[1] != '"' || p[3] != '"' || p[4] != ':')) {
			/* Not a one-letter key: the stamp ending a bare
			 * event (an envelope's comes after its '}'), or a
			 * key the generic path does not look for. */
			if (bare && (q = bf_stamp(p, end, &stamp))) {
				p = q;
				break;
			}
			if (!(p = bf_other(p, end)))
				return 0;
			continue;
		}
		k = (unsigned char)p[2];
		if (unlikely((unsigned)((k | 0x20) - 'a') >= 26))
			return 0;
		if (unlikely(st.seen & BIT(k))) {
			/* A duplicate, or a key of the chain out of its
			 * order: the chain does not count the keys it
			 * takes, so walk the members again one by one,
			 * counting every key, to tell which. */
			if (!chain)
				return 0;
			chain = 0;
			bf_start(ev, &st, ctx, alen, BIT('e'));
			p = first;
			continue;
		}
		st.seen |= BIT(k);
		if (!(p = bf_value(k, p + 5, end, &st, 0, x3)))
			return 0;
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
	/* X S s i z E are required (the generic path refuses the message
	 * without them, or says why).  Each is present exactly when its
	 * value is set: a status or side the tables know is never NONE, s
	 * and i are never empty, z is never "" (see bf_value), E says so;
	 * and every key of the chain met by the member loop sent the walk
	 * back to count keys one by one, so none was skipped. */
	if (p != end || !st.has_E || !ev->status || !ev->side || !ev->symbol[0] ||
	    !ev->order_id[0] || !(ev->flags & OSE_EVF_HAS_CUM_QTY))
		return 0;

	/* Trap 16: C is the order's own id on cancels, "" otherwise. */
	if (st.Cn) {
		if (st.Cn >= OSE_ID_MAX)
			return 0;
		bf_copy(ev->client_id, st.Cs, st.Cn);
	} else if (st.cn) {
		if (st.cn >= OSE_ID_MAX)
			return 0;
		bf_copy(ev->client_id, st.cs, st.cn);
	}
	/* Trap 13: l and L are a fill only when x=TRADE; t = -1 is none. */
	if (st.trade) {
		ev->last_qty = st.lq;
		ev->last_px = st.lp;
		ev->flags |= (uint16_t)((st.has_l ? OSE_EVF_HAS_LAST : 0) |
					(st.has_L ? OSE_EVF_HAS_LAST_PX : 0));
		/* -0 is the only negative token whose value is >= 0. */
		if (st.tn && (*st.ts != '-' || (st.tn == 2 && st.ts[1] == '0')))
			bf_copy(ev->trade_id, st.ts, st.tn);
	}
	/* Commission n in asset N; N is null when nothing was charged. */
	if (st.Nn >= OSE_ASSET_MAX)
		return 0;
	bf_copy(ev->fee_asset, st.Ns, st.Nn);
	if (st.has_n && (st.Nn || st.fee != 0)) {
		ev->fee = st.fee;
		ev->flags |= OSE_EVF_HAS_FEE;
	}
	/* Reject reason, informational ("NONE" when fine), truncated. */
	if (st.rn && !(st.rn == 4 && bf_load32(st.rs) == bf_load32("NONE")))
		bf_copy(ev->reason, st.rs, st.rn < OSE_ID_MAX ? st.rn : OSE_ID_MAX - 1);
	if (stamp)
		ev->send_ts_ns = stamp;
	out->n = 1;
	return 1;
}

static int bf_parse_sse2(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			 struct ose_parse_out *out)
{
	return bf_parse(msg, len, ctx, out, 0);
}

#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#define BF_HAVE_SSSE3 1
__attribute__((target("ssse3"))) static int bf_parse_ssse3(const char *msg, size_t len,
							  const struct ose_parse_ctx *ctx,
							  struct ose_parse_out *out)
{
	return bf_parse(msg, len, ctx, out, 1);
}
#else
#define BF_HAVE_SSSE3 0
#endif

typedef int (*bf_parse_fn)(const char *, size_t, const struct ose_parse_ctx *,
			   struct ose_parse_out *);

/* The best form this CPU runs (cpuid, through the compiler's cached
 * copy): SSSE3 where it has it, the SSE2 (or scalar) form otherwise. */
static bf_parse_fn bf_best(void)
{
#if BF_HAVE_SSSE3
	__builtin_cpu_init();
	if (__builtin_cpu_supports("ssse3"))
		return bf_parse_ssse3;
#endif
	return bf_parse_sse2;
}

static int bf_parse_first(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			  struct ose_parse_out *out);

/*
 * The form in use: bf_parse_first until the first call chooses.  Any
 * thread may make that choice, more than one at once: each stores the
 * same pointer, so relaxed loads and stores are enough (a thread that
 * sees the old one chooses again).
 */
static bf_parse_fn bf_impl = bf_parse_first;

static int bf_parse_first(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			  struct ose_parse_out *out)
{
	bf_parse_fn fn = bf_best();

	/* Relaxed: the pointer is the only datum, and every value it
	 * takes is a complete function (see bf_impl). */
	__atomic_store_n(&bf_impl, fn, __ATOMIC_RELAXED);
	return fn(msg, len, ctx, out);
}

int ose_binance_parse_fast(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			   struct ose_parse_out *out)
{
	/* Relaxed: pairs with the store in bf_parse_first / the hook. */
	return __atomic_load_n(&bf_impl, __ATOMIC_RELAXED)(msg, len, ctx, out);
}

int ose_binance_fast_form(int form)
{
	bf_parse_fn fn;

	switch (form) {
	case OSE_BN_FAST_AUTO:
		fn = bf_best();
		break;
	case OSE_BN_FAST_BASE:
		fn = bf_parse_sse2;
		break;
	case OSE_BN_FAST_SSSE3:
#if BF_HAVE_SSSE3
		__builtin_cpu_init();
		if (!__builtin_cpu_supports("ssse3"))
			return -ENOTSUP;
		fn = bf_parse_ssse3;
		break;
#else
		return -ENOTSUP;
#endif
	default:
		return -EINVAL;
	}
	/* Relaxed: as in bf_parse_first. */
	__atomic_store_n(&bf_impl, fn, __ATOMIC_RELAXED);
	return fn == bf_parse_sse2 ? OSE_BN_FAST_BASE : OSE_BN_FAST_SSSE3;
}
