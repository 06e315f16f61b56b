/* SPDX-License-Identifier: MIT */
/*
 * ose_fk: fixed-width key helpers shared by the engine (tbl.c) and libose
 * (reader/ose.c).  Keys live in fixed arrays whose size is a multiple of 16
 * (account 16, symbol 32, ids 48 bytes): every helper here reads the whole
 * array, never past it, so a string is measured and compared in a few
 * 16-byte vector steps instead of a libc call and a byte loop.
 *
 * Callers guarantee that `p` points at an array of exactly `max` readable
 * bytes (max a compile-time multiple of 16, at most 64); a caller string of
 * unknown size is first copied into such an array (ose_fk_put; libose does).
 * The SSE2 path and the scalar twin (non-x86 builds) return the same
 * values: tests/engine/test_keys.c checks both against strnlen/memcmp over
 * every length, with garbage after the NUL.
 */
#ifndef OSE_ENGINE_KEYS_H
#define OSE_ENGINE_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bit i set if byte i of the 16 bytes at p is NUL. */
static inline uint32_t ose_fk_nul16(const char *p)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
#else
	uint32_t m = 0;
	for (unsigned i = 0; i < 16; i++)
		m |= (uint32_t)(p[i] == 0) << i;
	return m;
#endif
}

/* Bit i set if byte i of the 16 bytes at a and b differ. */
static inline uint32_t ose_fk_ne16(const char *a, const char *b)
{
#ifdef __SSE2__
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)a);
	__m128i y = _mm_loadu_si128((const __m128i *)(const void *)b);
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) ^ 0xffffu;
#else
	uint32_t m = 0;
	for (unsigned i = 0; i < 16; i++)
		m |= (uint32_t)(a[i] != b[i]) << i;
	return m;
#endif
}

/* Length of the string in the fixed array p[max], or max if it has no NUL
 * (such a field is refused by the caller). */
static inline size_t ose_fk_len(const char *p, size_t max)
{
	for (size_t i = 0; i < max; i += 16) {
		uint32_t z = ose_fk_nul16(p + i);
		if (z)
			return i + (size_t)__builtin_ctz(z);
	}
	return max;
}

/* 1 if the fixed arrays a[max] and b[max] hold the same string of length
 * n < max, i.e. their first n + 1 bytes are equal (bytes after the NUL may
 * differ: an event's arrays need not be zero-filled). */
static inline int ose_fk_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0;; i += 16) {
		uint32_t ne = ose_fk_ne16(a + i, b + i);
		size_t r = n - i; /* the NUL is byte r of this chunk if r < 16 */
		if (r < 15)
			ne &= (2u << r) - 1;
		if (ne)
			return 0;
		if (r < 16)
			return 1;
	}
}

/* Copies the string in the fixed array src[max] into dst[max] and zeroes
 * every byte after it (slot and book strings are zero-filled: compared and
 * hashed as whole words).  A src without a NUL is cut at max - 1 bytes. */
static inline void ose_fk_copy(char *dst, const char *src, size_t max)
{
	size_t n = ose_fk_len(src, max);
	if (n >= max)
		n = max - 1;
	for (size_t i = 0; i < max; i += 16) {
		size_t r = n > i ? n - i : 0; /* bytes of this chunk kept */
		if (r > 16)
			r = 16;
#ifdef __SSE2__
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		__m128i at = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
		__m128i keep = _mm_cmplt_epi8(at, _mm_set1_epi8((char)r));
		_mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_and_si128(v, keep));
#else
		for (size_t j = 0; j < 16; j++)
			dst[i + j] = j < r ? src[i + j] : 0;
#endif
	}
}

/* Copies a caller's string src (NULL = "", any size: measured with
 * strnlen, never read past its NUL) into the zero-filled fixed array
 * dst[max].  Returns its length, or max if it cannot be in a field of that
 * size (dst then holds no copy). */
static inline size_t ose_fk_put(char *dst, const char *src, size_t max)
{
	memset(dst, 0, max);
	if (!src)
		return 0;
	size_t n = strnlen(src, max);
	if (n < max)
		memcpy(dst, src, n);
	return n;
}

#endif /* OSE_ENGINE_KEYS_H */
