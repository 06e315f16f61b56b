/* SPDX-License-Identifier: MIT */
/*
 * The JSON scanner: one pass over an object, validating as it goes and
 * collecting the values of wanted keys (see json.h for the contract and
 * docs/adapters.md for the design).
 *
 * The body lives in scan_impl.h and is compiled here three times: a scalar
 * build, an SSE4.2 build and an AVX2 build, each with function-level
 * target attributes so the rest of the project needs no -mavx2.  In the
 * general walk the vector code speeds up the run of plain bytes inside a
 * string and runs of whitespace; the SIMD builds add the indexed walk
 * for clean messages (one pass records the quote positions, then string
 * ends are popped from a bitmask: see scan_impl.h).  Grammar, escapes,
 * UTF-8 and numbers are shared scalar helpers and both walks are one
 * body (scan_walk.h), so the three builds give the same answers by
 * construction (and the tests check it).
 */
#include "adapters/json/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && !defined(OSE_JSON_NO_SIMD)
#define JSON_X86 1
#include <immintrin.h>
#else
#define JSON_X86 0
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Bytes that end a plain string run: '"', '\\', controls, non-ASCII. */
static inline int json_str_special(unsigned char c)
{
	/* c < 0x20 || c >= 0x80 folds into one unsigned compare. */
	return (unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\';
}
/* '"', '[', ']', '{', '}': what OSE_JSON_LAZY's extent scan looks at. */
static inline int json_structural(unsigned char c)
{
	return c == '"' || c == '[' || c == ']' || c == '{' || c == '}';
}
/* The two bytes a, b as the 16-bit word a load of them gives (x86 and
 * other little-endian hosts; elsewhere the byte order flips). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_PAIR(a, b) ((uint16_t)((unsigned char)(a) | (unsigned char)(b) << 8))
#else
#define JSON_PAIR(a, b) ((uint16_t)((unsigned char)(a) << 8 | (unsigned char)(b)))
#endif
/* p[0..2), which the caller knows lie inside the message. */
static inline uint16_t json_load16(const char *p)
{
	uint16_t w;
	memcpy(&w, p, 2);
	return w;
}
static const uint8_t json_ws[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
};

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller). */
static inline int hex4(const char *p)
{
	int a = hexval((unsigned char)p[0]), b = hexval((unsigned char)p[1]);
	int c = hexval((unsigned char)p[2]), d = hexval((unsigned char)p[3]);
	if ((a | b | c | d) < 0)
		return -1;
	return (a << 12) | (b << 8) | (c << 4) | d;
}

/* *pp at a backslash: validate one escape (a \uD800-\uDBFF must be
 * followed by a \uDC00-\uDFFF; lone surrogates are refused, as simdjson
 * does) and advance past it. */
static int json_escape(const char **pp, const char *end, const char **why)
{
	const char *p = *pp;
	if (end - p < 2)
		goto truncated;
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		*pp = p + 2;
		return 0;
	case 'u': {
		int cp;
		if (end - p < 6)
			goto truncated;
		cp = hex4(p + 2);
		if (cp < 0)
			goto bad;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			goto bad;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			int lo;
			if ((end - p > 6 && p[6] != '\\') || (end - p > 7 && p[7] != 'u'))
				goto bad;
			if (end - p < 12)
				goto truncated;
			lo = hex4(p + 8);
			if (lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			*pp = p + 12;
			return 0;
		}
		*pp = p + 6;
		return 0;
	}
	default:
		goto bad;
	}
truncated:
	*why = "json: truncated escape";
	return -OSE_PERR_TRUNCATED;
bad:
	*why = "json: bad escape";
	return -OSE_PERR_SYNTAX;
}

/* *pp at a byte >= 0x80 inside a string: validate one UTF-8 sequence
 * (shortest form, no surrogates, <= U+10FFFF) and advance past it. */
static int json_utf8(const char **pp, const char *end, const char **why)
{
	const unsigned char *p = (const unsigned char *)*pp;
	const unsigned char *e = (const unsigned char *)end;
	unsigned c = p[0], n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		goto bad;
	}
	for (unsigned i = 1; i <= n; i++) {
		if (p + i >= e) {
			*why = "json: truncated UTF-8 sequence";
			return -OSE_PERR_TRUNCATED;
		}
		unsigned char b = p[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			goto bad;
	}
	*pp = (const char *)(p + n + 1);
	return 0;
bad:
	*why = "json: invalid UTF-8 in string";
	return -OSE_PERR_UTF8;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static inline __attribute__((always_inline)) int json_number(const char **pp, const char *end, const char **why)
{
	const char *p = *pp;
#define DIG(q) ((q) < end && (unsigned char)(*(q) - '0') < 10)
	if (*p == '-')
		p++;
	if (p >= end)
		goto truncated;
	if (*p == '0') {
		p++;
	} else if (DIG(p)) {
		while (DIG(p))
			p++;
	} else {
		goto bad;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end)
			goto truncated;
		if (!DIG(p))
			goto bad;
		while (DIG(p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end)
			goto truncated;
		if (!DIG(p))
			goto bad;
		while (DIG(p))
			p++;
	}
	/* "01", "1a": a number must end at a delimiter. */
	if (p < end && !(json_ws[(unsigned char)*p] || *p == ',' || *p == '}' || *p == ']'))
		goto bad;
	*pp = p;
	return 0;
#undef DIG
truncated:
	*why = "json: truncated number";
	return -OSE_PERR_TRUNCATED;
bad:
	*why = "json: bad number";
	return -OSE_PERR_SYNTAX;
}

static int json_literal(const char **pp, const char *end, const char **why)
{
	const char *p = *pp;
	/* The three literals as 4-byte words ("fals" + 'e' for false). */
	uint32_t w = 0, want;
	size_t n, have = (size_t)(end - p);

	switch (*p) {
	case 't': want = 0x65757274u; n = 4; break; /* "true" little-endian */
	case 'f': want = 0x736c6166u; n = 5; break; /* "fals" */
	default: want = 0x6c6c756eu; n = 4; break;  /* "null" */
	}
	if (have < n) {
		const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
		if (memcmp(p, lit, have) == 0) {
			*why = "json: truncated literal";
			return -OSE_PERR_TRUNCATED;
		}
		goto bad;
	}
	memcpy(&w, p, 4);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	if (w != want || (n == 5 && p[4] != 'e'))
		goto bad;
	p += n;
	if (p < end && !(json_ws[(unsigned char)*p] || *p == ',' || *p == '}' || *p == ']'))
		goto bad;
	*pp = p;
	return 0;
bad:
	*why = "json: bad literal";
	return -OSE_PERR_SYNTAX;
}

/* ---- key sets ------------------------------------------------------ */

/* Bucket of a key from its first 8 bytes (zero-padded) and its length:
 * one multiply, and no load beyond the word the lookup needs anyway. */
static inline unsigned key_hash(uint64_t w, size_t len)
{
	return (unsigned)(((w ^ (uint64_t)len) * 0x9E3779B97F4A7C15ULL) >> 56);
}

static pthread_mutex_t keyset_lock = PTHREAD_MUTEX_INITIALIZER;
/* Indexes built so far (ose_json_keyset_builds); written under keyset_lock. */
static uint64_t keyset_builds;

void ose_json_keyset_prepare(struct ose_json_keyset *ks)
{
	pthread_mutex_lock(&keyset_lock);
	if (!__atomic_load_n(&ks->ready, __ATOMIC_RELAXED)) {
		__atomic_store_n(&keyset_builds, keyset_builds + 1, __ATOMIC_RELAXED);
		uint32_t n = ks->n < OSE_JSON_KEYS_MAX ? ks->n : OSE_JSON_KEYS_MAX;
		memset(ks->bucket, 0, sizeof(ks->bucket));
		memset(ks->next, 0, sizeof(ks->next));
		memset(ks->one, 0, sizeof(ks->one));
		/* Insert in reverse so each chain lists keys in table order. */
		for (uint32_t i = n; i-- > 0;) {
			uint64_t w = 0;
			unsigned h;
			memcpy(&w, ks->keys[i].name, ks->keys[i].len < 8 ? ks->keys[i].len : 8);
			h = key_hash(w, ks->keys[i].len);
			ks->word[i] = w;
			ks->tail[i] = 0;
			if (ks->keys[i].len > 8)
				memcpy(&ks->tail[i], ks->keys[i].name + ks->keys[i].len - 8, 8);
			if (ks->keys[i].len == 1)
				ks->one[(unsigned char)ks->keys[i].name[0]] = (uint8_t)(i + 1);
			ks->next[i] = ks->bucket[h];
			ks->bucket[h] = (uint8_t)(i + 1);
		}
		ks->n = n;
		/* K1: publishes bucket[]/next[]; pairs with the acquire load
		 * at K2 in json_keyset_ready(). */
		__atomic_store_n(&ks->ready, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&keyset_lock);
}

uint64_t ose_json_keyset_builds(void)
{
	/* A count, ordered with nothing else. */
	return __atomic_load_n(&keyset_builds, __ATOMIC_RELAXED);
}

static inline void json_keyset_ready(struct ose_json_keyset *ks)
{
	/* K2: pairs with the release store at K1. */
	if (unlikely(!__atomic_load_n(&ks->ready, __ATOMIC_ACQUIRE)))
		ose_json_keyset_prepare(ks);
}

static int json_unescape(const char *s, size_t len, char *dst, size_t cap);

/*
 * Index of key k[0..len) in ks, or -1.  The key's bytes end before end
 * (the closing quote is inside the buffer).  Compares the first 8 bytes as
 * one word: an 8-byte load when the buffer has room, else a short copy.
 */
static inline __attribute__((always_inline)) int key_find(const struct ose_json_keyset *ks, const char *k, size_t len,
			   const char *end)
{
	unsigned i;
	uint64_t w = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (likely(end - k >= 8)) {
		memcpy(&w, k, 8);
		if (len < 8)
			w &= (1ULL << (8 * len)) - 1;
	} else
#endif
	{
		(void)end;
		memcpy(&w, k, len < 8 ? len : 8);
	}
	i = ks->bucket[key_hash(w, len)];
	if (likely(!i))
		return -1;
	if (len > 8) {
		/* Keys of 9..16 bytes: first and last 8 bytes cover them (the
		 * two loads overlap); longer keys add a memcmp. */
		uint64_t t;
		memcpy(&t, k + len - 8, 8);
		do {
			const struct ose_json_key *key = &ks->keys[i - 1];
			if (key->len == len && ks->word[i - 1] == w && ks->tail[i - 1] == t &&
			    (len <= 16 || memcmp(key->name + 8, k + 8, len - 16) == 0))
				return (int)i - 1;
			i = ks->next[i - 1];
		} while (i);
		return -1;
	}
	do {
		if (ks->keys[i - 1].len == len && ks->word[i - 1] == w)
			return (int)i - 1;
		i = ks->next[i - 1];
	} while (i);
	return -1;
}

/* Index of key k[0..len) (raw, possibly escaped) in ks, or -1. */
static inline __attribute__((always_inline)) int json_key_lookup(const struct ose_json_keyset *ks, const char *k, size_t len,
				  uint8_t esc, const char *end)
{
	if (likely(!esc))
		return key_find(ks, k, len, end);
	char buf[OSE_JSON_KEYS_MAX * 2];
	int n = json_unescape(k, len, buf, sizeof(buf));
	if (n < 0)
		return -1; /* longer than any key we could want */
	return key_find(ks, buf, (size_t)n, buf + sizeof(buf));
}

/* ---- the three builds ---------------------------------------------- */

#define SCAN_TARGET
#define SCAN_VEC 0
#define F(x) x##_scalar
#include "adapters/json/scan_impl.h"
#undef SCAN_TARGET
#undef SCAN_VEC
#undef F

#if JSON_X86
#define SCAN_TARGET __attribute__((target("sse4.2")))
#define SCAN_VEC 16
#define F(x) x##_sse42
#include "adapters/json/scan_impl.h"
#undef SCAN_TARGET
#undef SCAN_VEC
#undef F

#define SCAN_TARGET __attribute__((target("avx2")))
#define SCAN_VEC 32
#define F(x) x##_avx2
#include "adapters/json/scan_impl.h"
#undef SCAN_TARGET
#undef SCAN_VEC
#undef F
#endif

struct json_impl {
	enum ose_json_simd level;
	int (*obj_get)(const char *, const char *, struct ose_json_keyset *, struct ose_json_val *,
		       struct ose_json_each *, const char **);
	int (*whole)(const char *, const char *, struct ose_json_val *, const char **);
	int (*arr_next)(const char **, const char *, int, struct ose_json_val *, const char **);
	int (*arr_next_obj)(const char **, const char *, int, struct ose_json_keyset *,
			    struct ose_json_val *, const char **);
};

static const struct json_impl impl_scalar = {
	OSE_JSON_SIMD_SCALAR, obj_get_scalar, whole_value_scalar, arr_next_scalar,
	arr_next_obj_scalar,
};
#if JSON_X86
static const struct json_impl impl_sse42 = {
	OSE_JSON_SIMD_SSE42, obj_get_sse42, whole_value_sse42, arr_next_sse42,
	arr_next_obj_sse42,
};
static const struct json_impl impl_avx2 = {
	OSE_JSON_SIMD_AVX2, obj_get_avx2, whole_value_avx2, arr_next_avx2,
	arr_next_obj_avx2,
};
#endif

static const struct json_impl *json_active;

int ose_json_simd_supported(enum ose_json_simd level)
{
	switch (level) {
	case OSE_JSON_SIMD_AUTO:
	case OSE_JSON_SIMD_SCALAR:
		return 1;
#if JSON_X86
	case OSE_JSON_SIMD_SSE42:
		return __builtin_cpu_supports("sse4.2");
	case OSE_JSON_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
	default:
		return 0;
	}
}

static const struct json_impl *impl_for(enum ose_json_simd level)
{
	switch (level) {
#if JSON_X86
	case OSE_JSON_SIMD_AVX2:
		return &impl_avx2;
	case OSE_JSON_SIMD_SSE42:
		return &impl_sse42;
#endif
	case OSE_JSON_SIMD_SCALAR:
		return &impl_scalar;
	default:
		break;
	}
	if (ose_json_simd_supported(OSE_JSON_SIMD_AVX2))
		return impl_for(OSE_JSON_SIMD_AVX2);
	if (ose_json_simd_supported(OSE_JSON_SIMD_SSE42))
		return impl_for(OSE_JSON_SIMD_SSE42);
	return &impl_scalar;
}

static const struct json_impl *json_select(void)
{
	enum ose_json_simd want = OSE_JSON_SIMD_AUTO;
	const char *env = getenv("OSE_JSON_SIMD");

	if (env) {
		if (!strcmp(env, "scalar"))
			want = OSE_JSON_SIMD_SCALAR;
		else if (!strcmp(env, "sse42"))
			want = OSE_JSON_SIMD_SSE42;
		else if (!strcmp(env, "avx2"))
			want = OSE_JSON_SIMD_AVX2;
	}
	if (!ose_json_simd_supported(want))
		want = OSE_JSON_SIMD_AUTO;
	return impl_for(want);
}

static inline const struct json_impl *json_impl(void)
{
	/* A relaxed load is enough: the tables it points to are static
	 * const data, initialised before main. */
	const struct json_impl *im = __atomic_load_n(&json_active, __ATOMIC_RELAXED);
	if (unlikely(!im)) {
		im = json_select();
		__atomic_store_n(&json_active, im, __ATOMIC_RELAXED);
	}
	return im;
}

int ose_json_simd_force(enum ose_json_simd level)
{
	if (!ose_json_simd_supported(level))
		return -ENOTSUP;
	__atomic_store_n(&json_active, impl_for(level), __ATOMIC_RELAXED);
	return 0;
}

enum ose_json_simd ose_json_simd_active(void)
{
	return json_impl()->level;
}

const char *ose_json_simd_name(enum ose_json_simd level)
{
	switch (level) {
	case OSE_JSON_SIMD_SCALAR:
		return "scalar";
	case OSE_JSON_SIMD_SSE42:
		return "sse42";
	case OSE_JSON_SIMD_AVX2:
		return "avx2";
	default:
		return "auto";
	}
}

/* ---- public scanner API -------------------------------------------- */

int ose_json_obj_get(const char *p, size_t len, struct ose_json_keyset *ks,
		     struct ose_json_val *vals, const char **why)
{
	if (unlikely(len > OSE_JSON_MAX_LEN)) {
		*why = "json: message too long";
		return -OSE_PERR_TOO_LONG;
	}
	json_keyset_ready(ks);
	return json_impl()->obj_get(p, p + len, ks, vals, NULL, why);
}

int ose_json_obj_get_each(const char *p, size_t len, struct ose_json_keyset *ks,
			  struct ose_json_val *vals, struct ose_json_each *each, const char **why)
{
	if (unlikely(len > OSE_JSON_MAX_LEN)) {
		*why = "json: message too long";
		return -OSE_PERR_TOO_LONG;
	}
	json_keyset_ready(ks);
	for (struct ose_json_each *e = each; e; e = e->inner) {
		json_keyset_ready(e->ks);
		e->count = 0;
	}
	return json_impl()->obj_get(p, p + len, ks, vals, each, why);
}

int ose_json_obj_get_val(const struct ose_json_val *v, struct ose_json_keyset *ks,
			 struct ose_json_val *vals, const char **why)
{
	if (v->type != OSE_JSON_OBJECT) {
		*why = "json: expected an object";
		return -OSE_PERR_WRONG_TYPE;
	}
	return ose_json_obj_get(v->p, v->len, ks, vals, why);
}

int ose_json_value(const char *p, size_t len, struct ose_json_val *v, const char **why)
{
	if (unlikely(len > OSE_JSON_MAX_LEN)) {
		*why = "json: message too long";
		return -OSE_PERR_TOO_LONG;
	}
	return json_impl()->whole(p, p + len, v, why);
}

void ose_json_iter_init(struct ose_json_iter *it, const struct ose_json_val *arr)
{
	if (arr->type == OSE_JSON_ARRAY && arr->len >= 2) {
		it->p = arr->p + 1;
		it->end = arr->p + arr->len;
	} else {
		it->p = it->end = NULL;
	}
	it->first = 1;
}

int ose_json_iter_next(struct ose_json_iter *it, struct ose_json_val *elem, const char **why)
{
	int rc;
	if (!it->p) {
		*why = "json: not an array";
		return -OSE_PERR_WRONG_TYPE;
	}
	if (it->p >= it->end)
		return 0;
	rc = json_impl()->arr_next(&it->p, it->end, it->first, elem, why);
	it->first = 0;
	if (rc == 0)
		it->p = it->end;
	return rc;
}

int ose_json_iter_next_obj(struct ose_json_iter *it, struct ose_json_keyset *ks,
			   struct ose_json_val *vals, const char **why)
{
	int rc;
	if (!it->p) {
		*why = "json: not an array";
		return -OSE_PERR_WRONG_TYPE;
	}
	if (it->p >= it->end)
		return 0;
	json_keyset_ready(ks);
	rc = json_impl()->arr_next_obj(&it->p, it->end, it->first, ks, vals, why);
	it->first = 0;
	if (rc == 0)
		it->p = it->end;
	return rc;
}

/* ---- strings ------------------------------------------------------- */

static size_t utf8_put(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the raw string s[0..len) (already validated by the scanner)
 * into dst[cap] with a NUL.  Returns the length or -OSE_PERR_TOO_LONG. */
static int json_unescape(const char *s, size_t len, char *dst, size_t cap)
{
	const char *p = s, *end = s + len;
	size_t o = 0;

	while (p < end) {
		char tmp[4];
		size_t n = 1;
		if (*p != '\\') {
			tmp[0] = *p++;
		} else if (end - p >= 2 && p[1] != 'u') {
			switch (p[1]) {
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			default: tmp[0] = p[1]; break;
			}
			p += 2;
		} else if (end - p >= 6) {
			int cp = hex4(p + 2);
			if (cp < 0)
				return -OSE_PERR_SYNTAX;
			p += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				int lo = hex4(p + 2);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			n = utf8_put(tmp, (unsigned)cp);
		} else {
			return -OSE_PERR_SYNTAX;
		}
		if (o + n >= cap)
			return -OSE_PERR_TOO_LONG;
		memcpy(dst + o, tmp, n);
		o += n;
	}
	if (o >= cap)
		return -OSE_PERR_TOO_LONG;
	dst[o] = '\0';
	return (int)o;
}

int ose_json_str_copy(const struct ose_json_val *v, char *dst, size_t cap)
{
	if (v->type != OSE_JSON_STRING)
		return -OSE_PERR_WRONG_TYPE;
	if (cap == 0)
		return -OSE_PERR_TOO_LONG;
	if (likely(!v->esc)) {
		if (v->len >= cap)
			return -OSE_PERR_TOO_LONG;
		memcpy(dst, v->p, v->len);
		dst[v->len] = '\0';
		return (int)v->len;
	}
	return json_unescape(v->p, v->len, dst, cap);
}

int ose_json_str_eq(const struct ose_json_val *v, const char *s, size_t n)
{
	return v->type == OSE_JSON_STRING && !v->esc && v->len == n && memcmp(v->p, s, n) == 0;
}
