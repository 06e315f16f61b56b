/* SPDX-License-Identifier: MIT */
/*
 * ose_dec: exact fixed-point decimals for prices, quantities and fees.
 *
 * A value is a signed 128-bit integer counting units of 10^-20.  Why this
 * scale: the venues' decimal strings must round-trip exactly and the widest
 * fraction in the reference samples is a 19-digit MEXC fee
 * ("0.0003998377369698171"); 20 fractional digits leave one spare.  The
 * integral range is then +-1.7e18, enough for quantities of 1e11, prices of
 * 1e7 and quote-currency amounts of their product.  Every value of a given
 * scale compares with plain integer operators; no floating point is used
 * anywhere in the conversion, in either direction.
 *
 * What does not fit (more than 20 fractional digits that are not zeros, or
 * an integral part of 1.7e18 or more) is rejected with a reason, never
 * rounded.
 */
#ifndef OSE_SHM_DEC_H
#define OSE_SHM_DEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

__extension__ typedef __int128 ose_dec;

#define OSE_DEC_FRAC_DIGITS 20
/* 10^20 does not fit in 64 bits: build it from two factors. */
#define OSE_DEC_ONE ((ose_dec)100000000000000000ULL * 1000)

/* 10^0 .. 10^19, every power of ten that fits 64 bits: the one table the
 * decimal parser, the JSON field readers and the simulator's writers
 * share.  Static in the header so that a constant index folds (a divide
 * by ose_p10[k] with k known becomes a multiply). */
static const uint64_t ose_p10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

/* Longest text ose_dec_format writes, including the terminating NUL:
 * sign, 19 integral digits, point, 20 fractional digits. */
#define OSE_DEC_STRMAX 48

/* Why a parse failed.  OSE_DEC_OK is 0; everything else is a reason. */
enum ose_dec_err {
	OSE_DEC_OK = 0,
	OSE_DEC_EMPTY,     /* no digits at all ("", "-", ".") */
	OSE_DEC_SYNTAX,    /* a character that is not part of a number */
	OSE_DEC_PRECISION, /* non-zero digits beyond 10^-20 */
	OSE_DEC_RANGE,     /* magnitude of 1.7e18 or more */
};

/*
 * Parse the decimal text s[0..len) into *out.  Accepts an optional leading
 * '-' or '+', digits with at most one '.', and an optional exponent
 * ('e'/'E', sign, up to 4 digits), because some libraries re-serialise
 * floats that way (reference trap 3).  Trailing zeros beyond 20 fractional
 * digits are allowed; any other digit there is OSE_DEC_PRECISION.
 * Reads exactly len bytes and never past them.  On error *out is untouched.
 * Returns OSE_DEC_OK or the reason.
 */
enum ose_dec_err ose_dec_parse(const char *s, size_t len, ose_dec *out);

/*
 * Write v in canonical form into buf (at least OSE_DEC_STRMAX bytes): no
 * exponent, no trailing fractional zeros, no '.' for integers, "0" for zero.
 * Returns the length written, excluding the NUL.
 */
size_t ose_dec_format(ose_dec v, char *buf);

/* Human-readable name of an error code ("precision", ...); never NULL. */
const char *ose_dec_strerror(enum ose_dec_err err);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_DEC_H */
