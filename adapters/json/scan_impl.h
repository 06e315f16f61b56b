/* SPDX-License-Identifier: MIT */
/*
 * The scanner body, compiled three times by scan.c (scalar, SSE4.2, AVX2)
 * with different SCAN_TARGET / SCAN_VEC / F() settings.  Internal to
 * adapters/json: include only from scan.c.
 *
 * Everything here is static and takes (p, end): no byte at or past end is
 * ever loaded.  Vector loads happen only while end - p >= vector width;
 * the remaining tail runs through the scalar tables.
 */

/* First byte in [p, end) that ends the plain run of a string: '"', '\\',
 * a control character (< 0x20) or a non-ASCII byte (>= 0x80, validated
 * separately).  Returns end if none. */
static SCAN_TARGET inline const char *F(str_end)(const char *p, const char *end)
{
#if SCAN_VEC >= 32
	{
		const __m256i q = _mm256_set1_epi8('"');
		const __m256i bs = _mm256_set1_epi8('\\');
		const __m256i lim = _mm256_set1_epi8(0x20);
		while (end - p >= 32) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
			/* Signed compare: bytes >= 0x80 are negative, so
			 * lim > v catches both control and non-ASCII bytes. */
			__m256i m = _mm256_or_si256(
				_mm256_or_si256(_mm256_cmpeq_epi8(v, q), _mm256_cmpeq_epi8(v, bs)),
				_mm256_cmpgt_epi8(lim, v));
			uint32_t bits = (uint32_t)_mm256_movemask_epi8(m);
			if (bits)
				return p + __builtin_ctz(bits);
			p += 32;
		}
	}
#endif
#if SCAN_VEC >= 16
	{
		const __m128i q = _mm_set1_epi8('"');
		const __m128i bs = _mm_set1_epi8('\\');
		const __m128i lim = _mm_set1_epi8(0x20);
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
						 _mm_cmplt_epi8(v, lim));
			uint32_t bits = (uint32_t)_mm_movemask_epi8(m);
			if (bits)
				return p + __builtin_ctz(bits);
			p += 16;
		}
	}
#endif
	while (p < end && !json_str_special((unsigned char)*p))
		p++;
	return p;
}

/* Skip JSON whitespace.  Compact messages have none, so test one byte
 * first; pretty-printed ones have runs of indentation worth a vector. */
static SCAN_TARGET inline const char *F(skip_ws)(const char *p, const char *end)
{
	if (likely(p < end && !json_ws[(unsigned char)*p]))
		return p;
#if SCAN_VEC >= 32
	while (end - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i m = _mm256_or_si256(
			_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')),
					_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))),
			_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')),
					_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'))));
		uint32_t notws = ~(uint32_t)_mm256_movemask_epi8(m);
		if (notws)
			return p + __builtin_ctz(notws);
		p += 32;
	}
#elif SCAN_VEC >= 16
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
						      _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
					 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
						      _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
		uint32_t notws = ~(uint32_t)_mm_movemask_epi8(m) & 0xffffu;
		if (notws)
			return p + __builtin_ctz(notws);
		p += 16;
	}
#endif
	while (p < end && json_ws[(unsigned char)*p])
		p++;
	return p;
}

/* p is just past the opening quote.  On success *pp points just past the
 * closing quote, *esc is set if a backslash occurred, and the string's
 * raw length is (*pp - 1) - p. */
static SCAN_TARGET inline __attribute__((always_inline)) int F(string)(const char **pp, const char *end, uint8_t *esc,
					const char **why)
{
	const char *p = *pp;
	for (;;) {
		p = F(str_end)(p, end);
		if (unlikely(p >= end)) {
			*why = "json: unterminated string";
			return -OSE_PERR_TRUNCATED;
		}
		unsigned char c = (unsigned char)*p;
		if (likely(c == '"')) {
			*pp = p + 1;
			return 0;
		}
		int rc;
		if (c == '\\') {
			*esc = 1;
			rc = json_escape(&p, end, why);
		} else if (c < 0x20) {
			*why = "json: control character in string";
			return -OSE_PERR_SYNTAX;
		} else {
			rc = json_utf8(&p, end, why);
		}
		if (rc)
			return rc;
	}
}

/*
 * Parse one value at *pp (whitespace already skipped, *pp < end) and leave
 * *pp just past it.  Describes it in *v (if v).  Containers are walked
 * iteratively with a bit stack (1 = object, 0 = array), so depth costs
 * no recursion; depth counts from depth0 (the caller's own nesting).
 */
static SCAN_TARGET int F(value)(const char **pp, const char *end, unsigned depth0,
				struct ose_json_val *v, const char **why)
{
	const char *p = *pp, *start = p;
	uint64_t stack = 0;
	unsigned d = 0;
	uint8_t esc = 0;
	int rc;
	enum ose_json_type top_type = OSE_JSON_ABSENT;

value:
	if (unlikely(p >= end)) {
		*why = "json: truncated";
		return -OSE_PERR_TRUNCATED;
	}
	switch (*p) {
	case '"':
		p++;
		rc = F(string)(&p, end, &esc, why);
		if (rc)
			return rc;
		if (!top_type)
			top_type = OSE_JSON_STRING;
		goto after_value;
	case '{':
	case '[':
		if (unlikely(depth0 + d + 1 > OSE_JSON_MAX_DEPTH)) {
			*why = "json: nesting too deep";
			return -OSE_PERR_TOO_DEEP;
		}
		if (!top_type)
			top_type = *p == '{' ? OSE_JSON_OBJECT : OSE_JSON_ARRAY;
		stack = (stack << 1) | (uint64_t)(*p == '{');
		d++;
		p = F(skip_ws)(p + 1, end);
		if (unlikely(p >= end)) {
			*why = "json: truncated";
			return -OSE_PERR_TRUNCATED;
		}
		if (*p == ((stack & 1) ? '}' : ']')) {
			p++;
			stack >>= 1;
			d--;
			goto after_value;
		}
		if (stack & 1)
			goto key;
		goto value;
	case 't':
	case 'f':
	case 'n':
		rc = json_literal(&p, end, why);
		if (rc)
			return rc;
		if (!top_type)
			top_type = *start == 't' ? OSE_JSON_TRUE
				   : *start == 'f' ? OSE_JSON_FALSE
						   : OSE_JSON_NULL;
		goto after_value;
	default:
		if (*p == '-' || (unsigned char)(*p - '0') < 10) {
			rc = json_number(&p, end, why);
			if (rc)
				return rc;
			if (!top_type)
				top_type = OSE_JSON_NUMBER;
			goto after_value;
		}
		*why = "json: unexpected character";
		return -OSE_PERR_SYNTAX;
	}

key:
	if (unlikely(*p != '"')) {
		*why = "json: expected a key";
		return -OSE_PERR_SYNTAX;
	}
	p++;
	rc = F(string)(&p, end, &esc, why);
	if (rc)
		return rc;
	p = F(skip_ws)(p, end);
	if (unlikely(p >= end)) {
		*why = "json: truncated";
		return -OSE_PERR_TRUNCATED;
	}
	if (unlikely(*p != ':')) {
		*why = "json: expected ':'";
		return -OSE_PERR_SYNTAX;
	}
	p = F(skip_ws)(p + 1, end);
	goto value;

after_value:
	if (d == 0) {
		if (v) {
			v->type = (uint8_t)top_type;
			v->esc = esc;
			if (top_type == OSE_JSON_STRING) {
				v->p = start + 1;
				v->len = (uint32_t)(p - start - 2);
			} else {
				v->p = start;
				v->len = (uint32_t)(p - start);
			}
		}
		*pp = p;
		return 0;
	}
	p = F(skip_ws)(p, end);
	if (unlikely(p >= end)) {
		*why = "json: truncated";
		return -OSE_PERR_TRUNCATED;
	}
	if (*p == ',') {
		p = F(skip_ws)(p + 1, end);
		if (unlikely(p >= end)) {
			*why = "json: truncated";
			return -OSE_PERR_TRUNCATED;
		}
		if (stack & 1)
			goto key;
		goto value;
	}
	if (*p == ((stack & 1) ? '}' : ']')) {
		p++;
		stack >>= 1;
		d--;
		goto after_value;
	}
	*why = (stack & 1) ? "json: expected ',' or '}'" : "json: expected ',' or ']'";
	return -OSE_PERR_SYNTAX;
}

/* Find the first '"', '[', ']', '{' or '}' in [p, end) (the vector
 * paths may also stop early at a few other bytes); end if none. */
static SCAN_TARGET inline const char *F(find_struct)(const char *p, const char *end)
{
#if SCAN_VEC >= 32
	while (end - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		/* '[' 0x5b, ']' 0x5d, '{' 0x7b, '}' 0x7d all become 0x59
		 * with bits 1, 2 and 5 cleared (so do 'Y', '_', 'y' and DEL:
		 * the caller re-checks the byte it stops at). */
		__m256i b = _mm256_andnot_si256(_mm256_set1_epi8(0x26), v);
		__m256i m = _mm256_or_si256(_mm256_cmpeq_epi8(b, _mm256_set1_epi8(0x59)),
					    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')));
		uint32_t bits = (uint32_t)_mm256_movemask_epi8(m);
		if (bits)
			return p + __builtin_ctz(bits);
		p += 32;
	}
#elif SCAN_VEC >= 16
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_andnot_si128(_mm_set1_epi8(0x26), v);
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8(0x59)),
					 _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
		uint32_t bits = (uint32_t)_mm_movemask_epi8(m);
		if (bits)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#endif
	while (p < end && !json_structural((unsigned char)*p))
		p++;
	return p;
}

/* OSE_JSON_LAZY's extent scan, defined after the quote index it can use. */
static SCAN_TARGET __attribute__((noinline)) int F(extent)(const char **pp, const char *end, void *qc,
							   const char **why);

/* 8 bytes at p (p + 8 <= end checked by the caller): the index of the
 * first byte that is not an ASCII digit, 8 if all are.  A byte above
 * 0xf9 may carry into the next byte's test, but only bytes after the
 * first non-digit are affected, and only the first is used. */
static inline unsigned F(digits8)(const char *p)
{
	uint64_t x, nd;
	memcpy(&x, p, 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	nd = ((x & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL) |
	     (((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL);
	return nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* v at 't', 'f' or 'n': the end of true/false/null there if it is
 * followed directly by ',' or '}' (what json_literal accepts too), else
 * NULL (json_literal decides).  Reads only [v, end). */
static inline const char *F(fast_literal)(const char *v, const char *end)
{
	uint32_t w;
	size_t n;

	if (end - v < 6)
		return NULL;
	memcpy(&w, v, 4);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	if (w == 0x65757274u || w == 0x6c6c756eu) /* "true", "null" */
		n = 4;
	else if (w == 0x736c6166u && v[4] == 'e') /* "fals" + 'e' */
		n = 5;
	else
		return NULL;
	return v[n] == ',' || v[n] == '}' ? v + n : NULL;
}

/* v at '-' or a digit: the end of the integer [-](0|[1-9][0-9]*) there
 * if it is one and is followed directly by ',' or '}' (what json_number
 * accepts too), else NULL (fractions, exponents, errors, too near end:
 * json_number decides).  Reads only [v, end). */
static inline const char *F(fast_int)(const char *v, const char *end)
{
	const char *d = v + (*v == '-'), *ve = d;
	unsigned n;

	do {
		if (unlikely(end - ve < 8))
			return NULL;
		n = F(digits8)(ve);
		ve += n;
	} while (n == 8);
	if (unlikely(ve == d || (*d == '0' && ve - d > 1) || (*ve != ',' && *ve != '}')))
		return NULL;
	return ve;
}

/*
 * One member of a compact object, the shape venue messages have:
 * p at the key's '"', no whitespace around ':', the key and a string
 * value free of escapes, control and non-ASCII bytes, or an integer
 * ([-](0|[1-9][0-9]*)) or true/false/null followed directly by ',' or
 * '}'.  Returns the position just past the value (at that ',' or '}')
 * after storing the value like the general path does, or NULL without
 * touching anything when the member is any other shape (nested values,
 * fractions, exponents, escapes, UTF-8, whitespace, errors, too near
 * end): the general path then reads it and gives every error its
 * reason.  Reads only [p, end).
 */
static SCAN_TARGET inline __attribute__((always_inline)) const char *
F(fast_member)(const char *p, const char *end, const struct ose_json_keyset *ks,
	       struct ose_json_val *vals)
{
	const char *q, *ke, *v, *ve;
	uint8_t type;
	int idx;

	if (unlikely(end - p < 8 || *p != '"'))
		return NULL;
	q = p + 1;
	ke = F(str_end)(q, end);
	/* The value needs its first byte and a delimiter after it. */
	if (unlikely(end - ke < 8 || *ke != '"' || ke[1] != ':'))
		return NULL;
	v = ke + 2;
	switch (*v) {
	case '"':
		ve = F(str_end)(v + 1, end);
		if (unlikely(ve >= end || *ve != '"'))
			return NULL;
		ve++;
		type = OSE_JSON_STRING;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		ve = F(fast_int)(v, end);
		if (unlikely(!ve))
			return NULL;
		type = OSE_JSON_NUMBER;
		break;
	case 't':
	case 'f':
	case 'n':
		ve = F(fast_literal)(v, end);
		if (!ve)
			return NULL;
		type = *v == 't' ? OSE_JSON_TRUE : *v == 'f' ? OSE_JSON_FALSE : OSE_JSON_NULL;
		break;
	default:
		return NULL;
	}
	if (unlikely(ve >= end || (*ve != ',' && *ve != '}')))
		return NULL;
	/* ke - q == 1: a one-byte key, and str_end proved it plain. */
	idx = ke - q == 1 ? (int)ks->one[(unsigned char)*q] - 1
			  : key_find(ks, q, (size_t)(ke - q), end);
	if (idx >= 0 && vals[idx].type == OSE_JSON_ABSENT) {
		if (type == OSE_JSON_STRING) {
			vals[idx].p = v + 1;
			vals[idx].len = (uint32_t)(ve - v - 2);
		} else {
			vals[idx].p = v;
			vals[idx].len = (uint32_t)(ve - v);
		}
		vals[idx].type = type;
		vals[idx].esc = 0;
	}
	return ve;
}

/* The general walk (F(members), F(each)). */
#define WALK_IDX 0
#define W(x) F(x)
#include "adapters/json/scan_walk.h"
#undef W
#undef WALK_IDX

/* Walk the object whose '{' is at *pp and collect wanted keys. */
static SCAN_TARGET int F(object)(const char **pp, const char *end, struct ose_json_keyset *ks,
				 struct ose_json_val *vals, struct ose_json_each *each,
				 const char **why)
{
	const char *p = *pp + 1;
	int rc;

	/* ABSENT is 0: one memset clears every view. */
	memset(vals, 0, ks->n * sizeof(vals[0]));
	rc = F(members)(&p, end, ks, vals, each, 1, why);
	if (rc)
		return rc;
	*pp = p;
	return 0;
}

/* Next element of an array, walked as an object with ks (iter_next_obj). */
static SCAN_TARGET int F(arr_next_obj)(const char **pp, const char *end, int first,
				       struct ose_json_keyset *ks, struct ose_json_val *vals,
				       const char **why)
{
	const char *p = F(skip_ws)(*pp, end);
	int rc;

	if (unlikely(p >= end))
		goto truncated;
	if (*p == ']') {
		*pp = p + 1;
		return 0;
	}
	if (!first) {
		if (unlikely(*p != ',')) {
			*why = "json: expected ',' or ']'";
			return -OSE_PERR_SYNTAX;
		}
		p = F(skip_ws)(p + 1, end);
		if (unlikely(p >= end))
			goto truncated;
	}
	if (*p != '{') {
		rc = F(value)(&p, end, 1, NULL, why);
		if (rc)
			return rc;
		*why = "json: array element is not an object";
		return -OSE_PERR_WRONG_TYPE;
	}
	rc = F(object)(&p, end, ks, vals, NULL, why);
	if (rc)
		return rc;
	*pp = p;
	return 1;
truncated:
	*why = "json: truncated";
	return -OSE_PERR_TRUNCATED;
}

#if SCAN_VEC >= 16
/*
 * The indexed walk (SIMD builds): for a "clean" message - no backslash,
 * no byte below 0x20 and none above 0x7f anywhere, which is what venues
 * send - every '"' delimits a string, so one vector pass can record the
 * quote positions as bitmasks (F(qindex)) and the walk then finds each
 * string's end by popping the next bit (one blsr per string) instead of
 * loading and comparing the string's bytes.  The walk is the general
 * walk's own body (scan_walk.h, compiled a second time with WALK_IDX 1):
 * same grammar checks through the same helpers, in the same order, so it
 * returns the same values and the same error codes; it hands nested
 * values it does not want to the general F(value) and re-seeks the quote
 * cursor after them.  Messages that are not clean or longer than
 * OSE_JSON_INDEX_MAX take the general path.
 */
#ifndef OSE_JSON_INDEX_WORDS
#define OSE_JSON_INDEX_MAX 8192
#define OSE_JSON_INDEX_WORDS (OSE_JSON_INDEX_MAX / 64)
struct json_qcur {
	const uint64_t *q;    /* quote bitmask per 64-byte block */
	const uint64_t *qw;   /* the current block's word in q[] */
	const uint64_t *qend; /* q + number of blocks (>= 1) */
	const char *base;     /* the byte of bit 0 of q[0] */
	const char *bb;       /* the byte of bit 0 of *qw */
	uint64_t cur;         /* quotes of the current block not yet taken */
};
#endif

/* Build the quote index of [p, end) (end - p <= OSE_JSON_INDEX_MAX) into
 * q[] and c.  Returns 1 if the message is clean, 0 if not (then q[] is
 * not to be used).  No load crosses end: the tail block is the last 64
 * bytes (shifted into place), or for messages under 64 bytes a copy
 * padded with spaces. */
static SCAN_TARGET int F(qindex)(const char *p, const char *end, uint64_t *q, struct json_qcur *c)
{
	size_t len = (size_t)(end - p), nfull = len / 64, rem = len % 64;
	size_t nw = nfull + (rem != 0);
	char tail[64];
#if SCAN_VEC >= 32
	const __m256i vq = _mm256_set1_epi8('"'), vb = _mm256_set1_epi8('\\');
	const __m256i lim = _mm256_set1_epi8(0x20);
	__m256i bad = _mm256_setzero_si256();
#define QBLOCK(src, i)                                                                             \
	do {                                                                                       \
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(src));              \
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)((src) + 32));       \
		/* Signed: bytes >= 0x80 are negative, so lim > x flags them too. */               \
		bad = _mm256_or_si256(bad, _mm256_or_si256(                                        \
			_mm256_or_si256(_mm256_cmpeq_epi8(a, vb), _mm256_cmpgt_epi8(lim, a)),      \
			_mm256_or_si256(_mm256_cmpeq_epi8(b, vb), _mm256_cmpgt_epi8(lim, b))));    \
		q[i] = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq)) |        \
		       ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vq)) << 32); \
	} while (0)
#define QBAD() _mm256_movemask_epi8(bad)
#else
	const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\');
	const __m128i lim = _mm_set1_epi8(0x20);
	__m128i bad = _mm_setzero_si128();
#define QBLOCK(src, i)                                                                          \
	do {                                                                                    \
		uint64_t m = 0;                                                                 \
		for (int j = 0; j < 4; j++) {                                                   \
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)((src) + 16 * j)); \
			bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(a, vb),             \
							     _mm_cmplt_epi8(a, lim)));          \
			m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vq)) << (16 * j); \
		}                                                                               \
		q[i] = m;                                                                       \
	} while (0)
#define QBAD() _mm_movemask_epi8(bad)
#endif
	for (size_t i = 0; i < nfull; i++)
		QBLOCK(p + 64 * i, i);
	if (rem && nfull) {
		/* The last 64 bytes, overlapping the block before: their
		 * first 64 - rem bytes were checked already. */
		QBLOCK(end - 64, nfull);
		q[nfull] >>= 64 - rem;
	} else if (rem) {
		memset(tail, ' ', sizeof(tail));
		memcpy(tail, p, rem);
		QBLOCK(tail, 0);
	}
	if (QBAD())
		return 0;
#undef QBLOCK
#undef QBAD
	if (!nw)
		q[nw++] = 0;
	c->q = c->qw = q;
	c->qend = q + nw;
	c->base = c->bb = p;
	c->cur = q[0];
	return 1;
}

/* The next quote not yet taken, or NULL if there is none. */
static inline __attribute__((always_inline)) const char *F(qpop)(struct json_qcur *c)
{
	const char *r;
	while (unlikely(c->cur == 0)) {
		if (c->qw + 1 >= c->qend)
			return NULL;
		c->cur = *++c->qw;
		c->bb += 64;
	}
	r = c->bb + (size_t)__builtin_ctzll(c->cur);
	c->cur &= c->cur - 1;
	return r;
}

/* Forget the quotes before p (after the general code skipped a value). */
static inline void F(qseek)(struct json_qcur *c, const char *p)
{
	size_t off = (size_t)(p - c->base), w = off >> 6;
	if (w >= (size_t)(c->qend - c->q)) {
		c->qw = c->qend - 1;
		c->bb = c->base + 64 * (size_t)(c->qw - c->q);
		c->cur = 0;
		return;
	}
	c->qw = c->q + w;
	c->bb = c->base + 64 * w;
	c->cur = *c->qw & (~0ULL << (off & 63));
}

/* p at a '"' that opens a string: its closing quote, or NULL if it is
 * not terminated.  The next quote not yet taken is p itself - the walk
 * takes every quote it passes, in order, and re-seeks after the general
 * code skipped a value - so it is dropped without computing where it is
 * (the differential tests compare this walk with the scalar one). */
static inline __attribute__((always_inline)) const char *F(qstring)(struct json_qcur *c,
								    const char *p)
{
	(void)p;
	while (unlikely(c->cur == 0)) {
		if (c->qw + 1 >= c->qend)
			return NULL;
		c->cur = *++c->qw;
		c->bb += 64;
	}
	c->cur &= c->cur - 1;
	return F(qpop)(c);
}

#endif /* SCAN_VEC >= 16 */

/* OSE_JSON_LAZY: the extent of the container at *p, without grammar
 * checks (strings are skipped so brackets inside them do not count).
 * qc: the indexed walk's quote cursor (SIMD builds, clean message), which
 * then skips each string in one step and stays in step; else NULL. */
static SCAN_TARGET __attribute__((noinline)) int F(extent)(const char **pp, const char *end, void *qc,
							   const char **why)
{
	const char *p = *pp;
	size_t depth = 0;

	(void)qc;
	for (;;) {
		p = F(find_struct)(p, end);
		if (unlikely(p >= end))
			goto truncated;
		char c = *p++;
#if SCAN_VEC >= 16
		if (c == '"' && qc) {
			const char *q = F(qstring)(qc, p - 1);
			if (unlikely(!q))
				goto truncated;
			p = q + 1;
			continue;
		}
#endif
		if (c == '"') {
			for (;;) {
				p = F(str_end)(p, end);
				if (unlikely(p >= end))
					goto truncated;
				if (*p == '"') {
					p++;
					break;
				}
				p += *p == '\\' ? 2 : 1;
			}
		} else if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			if (--depth == 0) {
				*pp = p;
				return 0;
			}
		}
	}
truncated:
	*why = "json: truncated";
	return -OSE_PERR_TRUNCATED;
}

#if SCAN_VEC >= 16
/* The indexed walk (F(imembers), F(ieach)): the same body. */
#define WALK_IDX 1
#define W(x) F(i##x)
#include "adapters/json/scan_walk.h"
#undef W
#undef WALK_IDX
#endif /* SCAN_VEC >= 16 */

/* Entry points of this build (see struct json_impl in scan.c). */
static SCAN_TARGET int F(obj_get)(const char *p, const char *end, struct ose_json_keyset *ks,
				  struct ose_json_val *vals, struct ose_json_each *each,
				  const char **why)
{
	int rc;

	p = F(skip_ws)(p, end);
	if (unlikely(p >= end)) {
		*why = "json: empty message";
		return -OSE_PERR_TRUNCATED;
	}
	if (unlikely(*p != '{')) {
		struct ose_json_val v;
		rc = F(value)(&p, end, 0, &v, why);
		if (rc)
			return rc;
		*why = "json: not an object";
		return -OSE_PERR_WRONG_TYPE;
	}
#if SCAN_VEC >= 16
	if ((size_t)(end - p) <= OSE_JSON_INDEX_MAX) {
		uint64_t q[OSE_JSON_INDEX_WORDS];
		struct json_qcur c;
		if (F(qindex)(p, end, q, &c)) {
			memset(vals, 0, ks->n * sizeof(vals[0]));
			p++;
			rc = F(imembers)(&p, end, ks, vals, each, 1, &c, why);
			goto done;
		}
	}
#endif
	rc = F(object)(&p, end, ks, vals, each, why);
#if SCAN_VEC >= 16
done:
#endif
	if (rc)
		return rc;
	p = F(skip_ws)(p, end);
	if (unlikely(p != end)) {
		*why = "json: trailing bytes after the value";
		return -OSE_PERR_SYNTAX;
	}
	return 0;
}

static SCAN_TARGET int F(whole_value)(const char *p, const char *end, struct ose_json_val *v,
				      const char **why)
{
	int rc;

	p = F(skip_ws)(p, end);
	if (unlikely(p >= end)) {
		*why = "json: empty message";
		return -OSE_PERR_TRUNCATED;
	}
	rc = F(value)(&p, end, 0, v, why);
	if (rc)
		return rc;
	p = F(skip_ws)(p, end);
	if (unlikely(p != end)) {
		*why = "json: trailing bytes after the value";
		return -OSE_PERR_SYNTAX;
	}
	return 0;
}

/* Next element of an array: *pp is after '[' or after the previous
 * element.  Returns 1, 0 at ']' or a negative reason. */
static SCAN_TARGET int F(arr_next)(const char **pp, const char *end, int first,
				   struct ose_json_val *v, const char **why)
{
	const char *p = F(skip_ws)(*pp, end);
	int rc;

	if (unlikely(p >= end))
		goto truncated;
	if (*p == ']') {
		*pp = p + 1;
		return 0;
	}
	if (!first) {
		if (unlikely(*p != ',')) {
			*why = "json: expected ',' or ']'";
			return -OSE_PERR_SYNTAX;
		}
		p = F(skip_ws)(p + 1, end);
		if (unlikely(p >= end))
			goto truncated;
	}
	rc = F(value)(&p, end, 1, v, why);
	if (rc)
		return rc;
	*pp = p;
	return 1;
truncated:
	*why = "json: truncated";
	return -OSE_PERR_TRUNCATED;
}
