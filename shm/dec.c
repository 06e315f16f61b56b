/* SPDX-License-Identifier: MIT */
/*
 * Exact decimal text <-> ose_dec.  See dec.h for the scale and its reasons.
 *
 * The parser accumulates digits into a 64-bit integer while it can (19
 * digits always fit), which covers every realistic price and quantity with
 * one multiply per digit, and only then widens to 128 bits.
 */
#include "dec.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* Largest integral part we accept: 1.7e18 - 1 keeps |v| < 2^127. */
#define DEC_INT_LIMIT 1700000000000000000ULL

/* 10^n for n <= 20 as a 128-bit value. */
static inline u128 pow10_dec(unsigned n)
{
	if (n < 20)
		return ose_p10[n];
	return (u128)ose_p10[19] * 10;
}

enum ose_dec_err ose_dec_parse(const char *s, size_t len, ose_dec *out)
{
	const char *p = s, *end = s + len;
	int neg = 0, exp10 = 0;
	uint64_t ip = 0;          /* integral part, at most 19 digits */
	u128 fp = 0; /* first 20 fractional digits */
	unsigned nint = 0, nfrac = 0, ndig = 0;
	int lost = 0; /* a non-zero digit beyond 10^-20 was seen */

	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	for (; p < end && (unsigned char)(*p - '0') < 10; p++, ndig++) {
		if (nint == 0 && *p == '0')
			continue; /* leading zero */
		if (nint == 19)
			return OSE_DEC_RANGE; /* 20 significant digits >= 1e19 */
		ip = ip * 10 + (uint64_t)(*p - '0');
		nint++;
	}
	if (p < end && *p == '.') {
		uint64_t acc = 0;
		unsigned nacc = 0;
		for (p++; p < end && (unsigned char)(*p - '0') < 10; p++, ndig++) {
			unsigned d = (unsigned)(*p - '0');
			if (nfrac == OSE_DEC_FRAC_DIGITS) {
				lost |= d != 0;
				continue;
			}
			if (nacc == 19) { /* keep acc within 64 bits */
				fp = fp * ose_p10[19] + acc;
				acc = 0;
				nacc = 0;
			}
			acc = acc * 10 + d;
			nacc++;
			nfrac++;
		}
		fp = fp * ose_p10[nacc] + acc;
	}
	if (ndig == 0)
		return p == end ? OSE_DEC_EMPTY : OSE_DEC_SYNTAX;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0, nexp = 0;
		if (++p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && (unsigned char)(*p - '0') < 10; p++, nexp++) {
			if (nexp == 4)
				return OSE_DEC_RANGE;
			e = e * 10 + (*p - '0');
		}
		if (nexp == 0)
			return OSE_DEC_SYNTAX;
		exp10 = eneg ? -e : e;
	}
	if (p != end)
		return OSE_DEC_SYNTAX;
	/* Digits past the scale are rejected before the exponent is applied:
	 * "1.000000000000000000001e5" is refused although it would fit.  No
	 * venue sends such text; saying so is simpler than carrying them. */
	if (lost)
		return OSE_DEC_PRECISION;

	const u128 limit = (u128)DEC_INT_LIMIT * pow10_dec(20);
	u128 units = (u128)ip * pow10_dec(OSE_DEC_FRAC_DIGITS) +
				  fp * pow10_dec(OSE_DEC_FRAC_DIGITS - nfrac);
	for (; exp10 > 0; exp10--) {
		if (units >= limit / 10 + 1)
			return OSE_DEC_RANGE;
		units *= 10;
	}
	for (; exp10 < 0; exp10++) {
		if (units % 10 != 0)
			return OSE_DEC_PRECISION;
		units /= 10;
	}
	if (units >= limit)
		return OSE_DEC_RANGE;
	*out = neg ? -(ose_dec)units : (ose_dec)units;
	return OSE_DEC_OK;
}

size_t ose_dec_format(ose_dec v, char *buf)
{
	char tmp[OSE_DEC_STRMAX];
	u128 u = v < 0 ? -(u128)v : (u128)v;
	u128 one = (u128)OSE_DEC_ONE;
	u128 ip = u / one, fp = u % one;
	size_t n = 0, i;

	if (v < 0)
		buf[n++] = '-';
	/* Integral digits, reversed into tmp. */
	i = 0;
	do {
		tmp[i++] = (char)('0' + (int)(ip % 10));
		ip /= 10;
	} while (ip);
	while (i)
		buf[n++] = tmp[--i];
	if (fp) {
		char frac[OSE_DEC_FRAC_DIGITS];
		int last = -1;
		for (int k = OSE_DEC_FRAC_DIGITS - 1; k >= 0; k--) {
			frac[k] = (char)('0' + (int)(fp % 10));
			fp /= 10;
		}
		for (int k = 0; k < OSE_DEC_FRAC_DIGITS; k++)
			if (frac[k] != '0')
				last = k;
		buf[n++] = '.';
		memcpy(buf + n, frac, (size_t)last + 1);
		n += (size_t)last + 1;
	}
	buf[n] = '\0';
	return n;
}

const char *ose_dec_strerror(enum ose_dec_err err)
{
	switch (err) {
	case OSE_DEC_OK:
		return "ok";
	case OSE_DEC_EMPTY:
		return "empty number";
	case OSE_DEC_SYNTAX:
		return "not a decimal number";
	case OSE_DEC_PRECISION:
		return "more than 20 fractional digits";
	case OSE_DEC_RANGE:
		return "magnitude too large (>= 1.7e18)";
	}
	return "unknown decimal error";
}
