/* SPDX-License-Identifier: MIT */
/*
 * Field readers: views from the scanner -> exact decimals, ids, integers,
 * booleans and nanosecond timestamps.  No floating point anywhere.
 * Semantics are in json.h; docs/adapters.md has the table of what each
 * reader accepts.
 */
#include "adapters/json/json.h"
#include "adapters/json/swar.h"

#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Absent, null and "" are "no value" for every reader: report which. */
static inline int no_value(const struct ose_json_val *v, enum ose_json_got *got)
{
	enum ose_json_got g;
	if (v->type == OSE_JSON_ABSENT)
		g = OSE_JGOT_ABSENT;
	else if (v->type == OSE_JSON_NULL)
		g = OSE_JGOT_NULL;
	else if (v->type == OSE_JSON_STRING && v->len == 0)
		g = OSE_JGOT_EMPTY;
	else
		return 0;
	if (got)
		*got = g;
	return 1;
}

static inline void set_got(enum ose_json_got *got, const struct ose_json_val *v)
{
	if (got)
		*got = v->type == OSE_JSON_STRING ? OSE_JGOT_STRING : OSE_JGOT_NUMBER;
}

/* ---- decimals ------------------------------------------------------ */

/* 8 ASCII digits at p: 1 and their value, or 0 if any byte is not a
 * digit (or the host is big-endian).  The caller guarantees p + 8 is
 * inside the token. */
static inline int swar8(const char *p, uint64_t *out)
{
#if OSE_SWAR
	uint64_t v = ose_swar_load(p);
	if (ose_swar_nondigit(v))
		return 0;
	*out = ose_swar_value(v - OSE_SWAR_ZEROS);
	return 1;
#else
	(void)p;
	(void)out;
	return 0;
#endif
}

/* n (<= 19) bytes at p that must all be ASCII digits: 0 and their value
 * in *out, or -1.  Eight at a time while eight are left. */
static inline int digits_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t acc = 0, eight;
#if OSE_SWAR
	if (n > 8 && n <= 16) {
		/* Epoch ms and µs (13, 16 digits): the first eight, then the
		 * word that ends the token, whose top r bytes are the rest (the
		 * bytes below them are digits already checked: no borrows). */
		unsigned r = (unsigned)n - 8;
		uint64_t w = ose_swar_load(p + n - 8), keep = ~0ULL << (8 * (8 - r));
		if (!swar8(p, &eight) || (ose_swar_nondigit(w) & keep))
			return -1;
		*out = eight * ose_p10[r] + ose_swar_value((w - OSE_SWAR_ZEROS) & keep);
		return 0;
	}
#endif
	while (n >= 8) {
		if (!swar8(p, &eight))
			return -1;
		acc = acc * 100000000ULL + eight;
		p += 8;
		n -= 8;
	}
	for (; n; n--, p++) {
		unsigned d = (unsigned)(unsigned char)(*p - '0');
		if (d >= 10)
			return -1;
		acc = acc * 10 + d;
	}
	*out = acc;
	return 0;
}

/*
 * Fast path for the shape every venue sends, [-]d{1,18}[.d{1,19}]: two
 * 64-bit accumulators and one 128-bit multiply-add.  Anything else
 * (exponents, '+', ".5", "5.", long digit runs) goes to ose_dec_parse, so
 * the semantics are ose_dec_parse's by construction; tests compare both
 * on random and edge inputs.
 */
#if OSE_SWAR
/*
 * "[-]I.F" with 1..8 digits each and at least 8 bytes in all (most venue
 * prices and quantities): two 8-byte loads inside the token, no loop.
 * Returns 1 with *out set, or 0 (nothing written) for any other shape.
 */
static inline int dec_short(const char *s, size_t len, ose_dec *out)
{
	const char *p = s + (*s == '-'), *end = s + len;
	uint64_t x, y, mask, acc;
	unsigned ni, nf;

	if (end - p < 8)
		return 0;
	x = ose_swar_load(p);
	ni = ose_swar_ndigits(x);
	if (ni == 0 || p + ni >= end || p[ni] != '.')
		return 0;
	nf = (unsigned)(end - (p + ni + 1));
	if (nf == 0 || nf > 8)
		return 0;
	y = ose_swar_load(end - 8);
	/* The fraction is the top nf bytes of y. */
	if (ose_swar_nondigit(y) >> (8 * (8 - nf)))
		return 0;
	mask = ~0ULL << (8 * (8 - nf));
	y = (y & mask) | (OSE_SWAR_ZEROS & ~mask);
	acc = ose_swar_value_n(x, ni) * ose_p10[nf] + ose_swar_value(y - OSE_SWAR_ZEROS);
	{
		__extension__ typedef unsigned __int128 u128;
		ose_dec v = (ose_dec)((u128)acc * ose_p10[20 - nf]);
		*out = *s == '-' ? -v : v;
	}
	return 1;
}
#endif

#if OSE_SWAR
/*
 * Tokens of 1..7 bytes ("0", "0.0001", "26253.3", "-1.5"): Gate's and
 * Coinbase's usual decimals, too short for dec_short's loads.  The token
 * is gathered into one word with loads inside it (two overlapping 4-byte
 * loads, or three bytes), the point removed with a shift, and the digits
 * checked and valued eight at a time: no per-digit branch.  Takes
 * [-]D+ and [-]D+.D+ only; returns 1 with *out set, or 0 (nothing
 * written) for any other shape, which the caller parses the long way.
 */
static inline int dec_tiny(const char *s, size_t len, ose_dec *out)
{
	uint64_t x, y, t, dot, low;
	unsigned neg = *s == '-', n, d, nf = 0, m;

	s += neg;
	len -= neg;
	if (len == 0)
		return 0;
	if (len >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + len - 4, 4);
		/* The overlap holds the same bytes in both: OR keeps them. */
		x = lo | ((uint64_t)hi << (8 * (len - 4)));
	} else {
		x = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << (8 * (len / 2)) |
		    (uint64_t)(unsigned char)s[len - 1] << (8 * (len - 1));
	}
	n = (unsigned)len; /* bytes of x in use; those above are 0 */
	low = (1ULL << (8 * n)) - 1;
	/* Zero bytes of t are points; the lowest flag is exact. */
	t = x ^ (0x2e * OSE_SWAR_ONES);
	dot = (t - OSE_SWAR_ONES) & ~t & OSE_SWAR_HIGH & low;
	y = x;
	m = n;
	if (dot) {
		uint64_t below;
		d = (unsigned)__builtin_ctzll(dot) >> 3;
		nf = n - d - 1;
		if (d == 0 || nf == 0)
			return 0;
		below = (1ULL << (8 * d)) - 1;
		/* Drop the point: a second one stays and fails the digit test. */
		y = (x & below) | ((x >> 8) & ~below);
		m = n - 1;
	}
	/* '0' above the m digits, so only a real non-digit is flagged. */
	if (ose_swar_nondigit(y | (OSE_SWAR_ZEROS & ~((1ULL << (8 * m)) - 1))))
		return 0;
	{
		__extension__ typedef unsigned __int128 u128;
		/* value * 10^(20 - nf), with ose_p10's largest index 19. */
		ose_dec v = (ose_dec)((u128)(ose_swar_value_n(y, m) * 10) * ose_p10[19 - nf]);
		*out = neg ? -v : v;
	}
	return 1;
}
#endif

/* Everything dec_tiny does not take.  Out of line: its registers would
 * otherwise be saved and restored on the short path too. */
static __attribute__((noinline)) enum ose_dec_err dec_parse_rest(const char *s, size_t len,
								 ose_dec *out)
{
	const char *p = s, *end = s + len, *q;
	uint64_t ip = 0, fp = 0;
	unsigned nf;
	int neg = 0;

#if OSE_SWAR
	if (len >= 8 && dec_short(s, len, out))
		return OSE_DEC_OK;
#endif

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	/* Lengths are checked once, not per digit: at most 18 integral
	 * and 19 fractional digits take the fast path. */
	{
		const char *lim = end - p > 18 ? p + 18 : end;
		q = p;
		while (p < lim && (unsigned char)(*p - '0') < 10)
			ip = ip * 10 + (uint64_t)(*p++ - '0');
	}
	if (p == q)
		goto slow;
	if (p == end)
		goto done_int;
	if (*p != '.')
		goto slow;
	q = ++p;
	if (end - p > 19 || p == end)
		goto slow;
	{
		uint64_t eight;
		if (end - p >= 8 && swar8(p, &eight)) {
			fp = eight;
			p += 8;
			if (end - p >= 8 && swar8(p, &eight)) {
				fp = fp * 100000000ULL + eight;
				p += 8;
			}
		}
	}
	while (p < end && (unsigned char)(*p - '0') < 10)
		fp = fp * 10 + (uint64_t)(*p++ - '0');
	nf = (unsigned)(p - q);
	if (p != end)
		goto slow;
	{
		__extension__ typedef __int128 i128;
		i128 v = (i128)ip * (i128)OSE_DEC_ONE + (i128)fp * (i128)ose_p10[20 - nf];
		*out = neg ? -v : v;
		return OSE_DEC_OK;
	}
done_int:
	*out = neg ? -((ose_dec)ip * OSE_DEC_ONE) : (ose_dec)ip * OSE_DEC_ONE;
	return OSE_DEC_OK;
slow:
	return ose_dec_parse(s, len, out);
}

enum ose_dec_err ose_json_dec_parse(const char *s, size_t len, ose_dec *out)
{
	/* "0": Gate's and Coinbase's most frequent value. */
	if (len == 1 && (unsigned char)(*s - '0') < 10) {
		*out = (ose_dec)(*s - '0') * OSE_DEC_ONE;
		return OSE_DEC_OK;
	}
#if OSE_SWAR
	if (len - 1 < 7 && dec_tiny(s, len, out))
		return OSE_DEC_OK;
#endif
	return dec_parse_rest(s, len, out);
}

int ose_json_read_dec(const struct ose_json_val *v, ose_dec *out, enum ose_json_got *got)
{
	if (no_value(v, got))
		return 0;
	if (unlikely(v->type != OSE_JSON_STRING && v->type != OSE_JSON_NUMBER))
		return -OSE_PERR_WRONG_TYPE;
	/* An escaped string cannot be a plain number; let the parser say so. */
	if (ose_json_dec_parse(v->p, v->len, out) != OSE_DEC_OK)
		return -OSE_PERR_NUMBER;
	set_got(got, v);
	return 0;
}

/* ---- ids and strings ----------------------------------------------- */

int ose_json_read_id(const struct ose_json_val *v, char *dst, size_t cap, enum ose_json_got *got)
{
	if (cap)
		dst[0] = '\0';
	if (no_value(v, got))
		return 0;
	if (likely(v->type == OSE_JSON_STRING && !v->esc && v->len < cap && v->len < 48)) {
		/* ose_json_str_copy's plain case without its two calls. */
		ose_swar_copy48(dst, v->p, v->len);
		dst[v->len] = '\0';
		set_got(got, v);
		return (int)v->len;
	}
	if (v->type == OSE_JSON_STRING) {
		int n = ose_json_str_copy(v, dst, cap);
		if (n < 0) {
			if (cap)
				dst[0] = '\0';
			return n;
		}
		set_got(got, v);
		return n;
	}
	if (v->type != OSE_JSON_NUMBER)
		return -OSE_PERR_WRONG_TYPE;
	for (uint32_t i = 0; i < v->len; i++)
		if (!((unsigned char)(v->p[i] - '0') < 10 || (i == 0 && v->p[i] == '-')))
			return -OSE_PERR_WRONG_TYPE;
	if (v->len >= cap)
		return -OSE_PERR_TOO_LONG;
	memcpy(dst, v->p, v->len);
	dst[v->len] = '\0';
	set_got(got, v);
	return (int)v->len;
}

int ose_json_read_str(const struct ose_json_val *v, char *dst, size_t cap, enum ose_json_got *got)
{
	if (v->type == OSE_JSON_NUMBER) {
		if (cap)
			dst[0] = '\0';
		return -OSE_PERR_WRONG_TYPE;
	}
	return ose_json_read_id(v, dst, cap, got);
}

int ose_json_read_str_trunc(const struct ose_json_val *v, char *dst, size_t cap)
{
	int n;
	if (cap == 0)
		return 0;
	dst[0] = '\0';
	if (v->type == OSE_JSON_ABSENT || v->type == OSE_JSON_NULL)
		return 0;
	if (v->type != OSE_JSON_STRING)
		return -OSE_PERR_WRONG_TYPE;
	n = ose_json_str_copy(v, dst, cap);
	if (n >= 0)
		return n;
	/* Too long: keep a prefix that ends on a UTF-8 boundary. */
	{
		char big[1024];
		size_t k;
		n = ose_json_str_copy(v, big, sizeof(big));
		k = n >= 0 ? (size_t)n : sizeof(big) - 1;
		if (n < 0) {
			/* Longer than 1 KiB: raw prefix, escapes undecoded. */
			memcpy(big, v->p, k);
		}
		if (k >= cap)
			k = cap - 1;
		while (k > 0 && ((unsigned char)big[k] & 0xc0) == 0x80)
			k--;
		memcpy(dst, big, k);
		dst[k] = '\0';
		return (int)k;
	}
}

/* ---- integers and booleans ----------------------------------------- */

static int parse_i64(const char *s, size_t len, int64_t *out)
{
	const char *p = s, *end = s + len;
	uint64_t acc = 0, lim = (uint64_t)INT64_MAX;
	int neg = 0;

	if (p < end && *p == '-') {
		neg = 1;
		lim++;
		p++;
	}
	if (p == end)
		return -1;
	if (end - p <= 18) {
		/* 18 digits cannot overflow: no per-digit range check. */
		if (digits_u64(p, (size_t)(end - p), &acc))
			return -1;
		*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
		return 0;
	}
	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)(*p - '0');
		if (d >= 10)
			return -1;
		if (acc > (lim - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

int ose_json_read_i64(const struct ose_json_val *v, int64_t *out, enum ose_json_got *got)
{
	if (no_value(v, got))
		return 0;
	if (v->type != OSE_JSON_STRING && v->type != OSE_JSON_NUMBER)
		return -OSE_PERR_WRONG_TYPE;
	if (parse_i64(v->p, v->len, out))
		return -OSE_PERR_NUMBER;
	set_got(got, v);
	return 0;
}

int ose_json_read_bool(const struct ose_json_val *v, int *out, enum ose_json_got *got)
{
	if (no_value(v, got))
		return 0;
	switch (v->type) {
	case OSE_JSON_TRUE:
	case OSE_JSON_FALSE:
		*out = v->type == OSE_JSON_TRUE;
		if (got)
			*got = OSE_JGOT_NUMBER; /* a JSON literal: not a string */
		return 0;
	case OSE_JSON_STRING:
	case OSE_JSON_NUMBER:
		if ((v->len == 4 && !memcmp(v->p, "true", 4)) || (v->len == 1 && v->p[0] == '1'))
			*out = 1;
		else if ((v->len == 5 && !memcmp(v->p, "false", 5)) || (v->len == 1 && v->p[0] == '0'))
			*out = 0;
		else
			return -OSE_PERR_WRONG_TYPE;
		set_got(got, v);
		return 0;
	default:
		return -OSE_PERR_WRONG_TYPE;
	}
}

/* ---- timestamps ---------------------------------------------------- */

int ose_ts_parse_epoch(const char *s, size_t len, enum ose_ts_unit unit, int64_t *ns)
{
	static const uint64_t mult[4] = { 1000000000ULL, 1000000ULL, 1000ULL, 1ULL };
	/* INT64_MAX / mult[unit], without a division per call. */
	static const uint64_t lim[4] = { (uint64_t)INT64_MAX / 1000000000ULL,
					 (uint64_t)INT64_MAX / 1000000ULL,
					 (uint64_t)INT64_MAX / 1000ULL, (uint64_t)INT64_MAX };
	static const unsigned fdig[4] = { 9, 6, 3, 0 };
	const char *p = s, *end = s + len;
	uint64_t ip = 0, fp = 0;
	unsigned nf = 0;

	if ((unsigned)unit > OSE_TS_NS || p == end)
		return -OSE_PERR_TIMESTAMP;
	/* The usual shape, an integer that cannot overflow uint64: no
	 * per-digit range check (the product check below stays). */
	if (len <= 18 && digits_u64(s, len, &ip) == 0) {
		p = end;
		goto scale;
	}
	ip = 0;
	for (; p < end && (unsigned char)(*p - '0') < 10; p++) {
		if (ip > (uint64_t)INT64_MAX / 10)
			return -OSE_PERR_TIMESTAMP;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -OSE_PERR_TIMESTAMP;
	if (p < end) {
		const char *q;
		if (*p != '.')
			return -OSE_PERR_TIMESTAMP;
		q = ++p;
		for (; p < end && (unsigned char)(*p - '0') < 10; p++) {
			if (nf < fdig[unit]) {
				fp = fp * 10 + (uint64_t)(*p - '0');
				nf++;
			} else if (*p != '0') {
				return -OSE_PERR_TIMESTAMP; /* finer than 1 ns */
			}
		}
		if (p != end || p == q)
			return -OSE_PERR_TIMESTAMP;
	}
scale:
	if (ip > lim[unit])
		return -OSE_PERR_TIMESTAMP;
	ip *= mult[unit];
	fp *= ose_p10[fdig[unit] - nf];
	if (ip > (uint64_t)INT64_MAX - fp)
		return -OSE_PERR_TIMESTAMP;
	*ns = (int64_t)(ip + fp);
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *p, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)(p[i] - '0');
		if (d >= 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int ose_ts_parse_rfc3339(const char *s, size_t len, int64_t *ns)
{
	static const unsigned mdays[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec;
	const char *p, *end = s + len;
	uint64_t frac = 0;
	unsigned nf = 0;
	int64_t off = 0, days, t;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -OSE_PERR_TIMESTAMP;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -OSE_PERR_TIMESTAMP;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo] || h > 23 || mi > 59 || sec > 59)
		return -OSE_PERR_TIMESTAMP;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -OSE_PERR_TIMESTAMP;
	p = s + 19;
	if (p < end && *p == '.') {
		const char *q = ++p;
		for (; p < end && (unsigned char)(*p - '0') < 10; p++) {
			if (nf < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nf++;
			} else if (*p != '0') {
				return -OSE_PERR_TIMESTAMP;
			}
		}
		if (p == q)
			return -OSE_PERR_TIMESTAMP;
		while (nf < 9) {
			frac *= 10;
			nf++;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z') && p + 1 == end) {
		off = 0;
	} else if (end - p == 6 && (*p == '+' || *p == '-') && p[3] == ':') {
		unsigned oh, om;
		if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -OSE_PERR_TIMESTAMP;
		off = ((int64_t)oh * 60 + om) * 60;
		if (*p == '-')
			off = -off;
	} else {
		return -OSE_PERR_TIMESTAMP;
	}
	/* Coinbase writes year 1, midnight, for "not set": 0 = unknown. */
	if (y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && sec == 0 && frac == 0 && off == 0) {
		*ns = 0;
		return 0;
	}
	days = days_from_civil((int64_t)y, mo, d);
	t = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec - off;
	/* int64 ns covers 1677-09-21 .. 2262-04-11; before 1970 is refused. */
	if (t < 0 || t > INT64_MAX / 1000000000 - 1)
		return -OSE_PERR_TIMESTAMP;
	*ns = t * 1000000000 + (int64_t)frac;
	return 0;
}

int ose_json_read_ts(const struct ose_json_val *v, enum ose_ts_unit unit, int64_t *ns,
		     enum ose_json_got *got)
{
	int rc;
	if (no_value(v, got))
		return 0;
	if (v->type != OSE_JSON_STRING && v->type != OSE_JSON_NUMBER)
		return -OSE_PERR_WRONG_TYPE;
	rc = ose_ts_parse_epoch(v->p, v->len, unit, ns);
	if (rc == 0)
		set_got(got, v);
	return rc;
}

int ose_json_read_rfc3339(const struct ose_json_val *v, int64_t *ns, enum ose_json_got *got)
{
	int rc;
	if (no_value(v, got))
		return 0;
	if (v->type != OSE_JSON_STRING)
		return -OSE_PERR_WRONG_TYPE;
	rc = ose_ts_parse_rfc3339(v->p, v->len, ns);
	if (rc == 0)
		set_got(got, v);
	return rc;
}
