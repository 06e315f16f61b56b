/* SPDX-License-Identifier: MIT */
/*
 * Eight bytes at a time (SWAR) over ASCII text: digit and string-byte
 * classification and the value of eight digits.  Shared by the field
 * readers (read.c) and the Binance fast path (adapters/binance/fast.c).
 * Internal to adapters/.  Little-endian hosts only: callers test
 * OSE_SWAR (1 there, 0 elsewhere) and keep a scalar path beside it.
 *
 * Every classifier below may flag a byte that does not belong to its
 * class, but only above (later in memory than) a byte that truly does:
 * its lowest flagged byte is always exact.  So "index of the first
 * non-digit" = ctz(mask) / 8 is exact, and a caller that only looks at
 * the lowest flag never needs a second check.
 */
#ifndef OSE_ADAPTERS_JSON_SWAR_H
#define OSE_ADAPTERS_JSON_SWAR_H

#include <stdint.h>
#include <string.h>

#include "shm/dec.h" /* ose_p10 */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OSE_SWAR 1
#else
#define OSE_SWAR 0
#endif

#define OSE_SWAR_ONES 0x0101010101010101ULL
#define OSE_SWAR_HIGH 0x8080808080808080ULL
#define OSE_SWAR_ZEROS 0x3030303030303030ULL /* eight '0' */

/* The eight bytes at p (the caller guarantees p + 8 is in bounds). */
static inline uint64_t ose_swar_load(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* Per byte of x: nonzero where the byte is not an ASCII digit.  A carry
 * out of a byte >= 0xfa can flag the (digit) byte above it: see the file
 * comment for why that never matters. */
static inline uint64_t ose_swar_nondigit(uint64_t x)
{
	return ((x & 0xF0F0F0F0F0F0F0F0ULL) ^ OSE_SWAR_ZEROS) |
	       (((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ^ OSE_SWAR_ZEROS);
}

/* Index (0..8) of the first non-digit byte of x; 8 if all are digits.
 * Cheaper than ose_swar_nondigit (four operations), and only its lowest
 * flag is exact: a byte below '0' borrows from the one above it. */
static inline unsigned ose_swar_ndigits(uint64_t x)
{
	/* b + 0x46 reaches 0x80 from ':' up, b - 0x30 wraps below '0';
	 * a byte >= 0x80 sets one of the two. */
	uint64_t nd = ((x + 0x46 * OSE_SWAR_ONES) | (x - OSE_SWAR_ZEROS)) & OSE_SWAR_HIGH;
	return nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* Value of eight digit values (bytes 0..9, byte 0 the most significant:
 * text order on a little-endian host). */
static inline uint64_t ose_swar_value(uint64_t v)
{
	v = (v * 10) + (v >> 8);
	return (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
		(((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
	       32;
}

/* Value of the first n (1..8) bytes of x, which the caller knows are
 * digits.  Shifting them to the top of the word drops the bytes after
 * them (and any borrow the subtraction made there) and puts zero digits
 * (leading zeros) in front. */
static inline uint64_t ose_swar_value_n(uint64_t x, unsigned n)
{
	return ose_swar_value((x - OSE_SWAR_ZEROS) << (8 * (8 - n)));
}

/* Per byte of x: high bit set where a JSON string cannot go on plainly:
 * '"', '\\', a control (< 0x20) or a non-ASCII byte (>= 0x80).  Borrows
 * only run upward from a flagged byte (the file comment's rule). */
static inline uint64_t ose_swar_str_special(uint64_t x)
{
	uint64_t q = x ^ (0x22 * OSE_SWAR_ONES), b = x ^ (0x5c * OSE_SWAR_ONES);
	return (((q - OSE_SWAR_ONES) & ~q) | ((b - OSE_SWAR_ONES) & ~b) |
		((x - 0x20 * OSE_SWAR_ONES) & ~x) | x) &
	       OSE_SWAR_HIGH;
}

/*
 * The exact decimal of the short shapes venues write most, without a
 * loop: s[0..n) = [-]I or [-]I.F with I and F of 1..8 ASCII digits each.
 * Returns 1 with *out = ose_dec_parse's value (I * 10^20 + F * 10^(20 -
 * nf)), or 0 for any other bytes (*out untouched): the caller then uses
 * the general reader, which also gives the errors.  Reads s[0..18),
 * which the caller guarantees are inside its buffer (n may be less).
 */
static inline int ose_swar_dec_short(const char *s, size_t n, ose_dec *out)
{
	__extension__ typedef unsigned __int128 u128;
	unsigned neg = *s == '-', ni, nf = 0;
	const char *d = s + neg;
	size_t m = n - neg; /* digits and point */
	uint64_t x, y, acc;
	ose_dec v;

	if (m - 1 >= 17)
		return 0;
	x = ose_swar_load(d);
	ni = ose_swar_ndigits(x);
	if (ni == 0)
		return 0;
	acc = ose_swar_value_n(x, ni);
	if (ni != m) {
		/* ni < 8 or a ninth byte: either way d[ni] is read. */
		if (d[ni] != '.')
			return 0;
		nf = (unsigned)(m - ni - 1);
		if (nf - 1 >= 8)
			return 0;
		y = ose_swar_load(d + ni + 1);
		if (ose_swar_ndigits(y) < nf)
			return 0;
		acc = acc * ose_p10[nf] + ose_swar_value_n(y, nf);
	}
	/* acc < 10^16: times 10 fits, and ose_p10 ends at 10^19. */
	v = (ose_dec)((u128)(acc * 10) * ose_p10[19 - nf]);
	*out = neg ? -v : v;
	return 1;
}

/*
 * n (< 48) bytes from src to dst, which must already hold zeros where
 * the copy is to end (a zeroed event's string field): overlapping
 * fixed-width moves that read only src[0..n) and write only dst[0..n),
 * no library call (a variable-size memcpy is one).
 */
static inline __attribute__((always_inline)) void ose_swar_copy48(char *dst, const char *src,
								size_t n)
{
	if (n >= 16) {
		/* Constant sizes only: a variable one becomes a loop. */
		if (n > 32)
			memcpy(dst, src, 32);
		else
			memcpy(dst, src, 16);
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

#endif /* OSE_ADAPTERS_JSON_SWAR_H */
