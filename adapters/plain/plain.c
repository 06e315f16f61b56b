/* SPDX-License-Identifier: MIT */
/*
 * The plain-message fast path (see plain.h for the contract).
 *
 * Two passes over a message of n bytes:
 * 1. Classify: 32 bytes at a time (AVX2 when the CPU has it, else SSE2,
 *    else the scalar twin), one bit per quote into a bitmap on the stack,
 *    and one OR of "not plain" bytes (below 0x20, 0x80 and above,
 *    backslash) for the whole message.  Any such byte declines the
 *    message before anything else is read.  About 1 instruction per
 *    byte.
 * 2. Walk: in a plain message every '"' opens or closes a string, so the
 *    end of a string is the next '"': for a value of up to 31 bytes one
 *    or two 16-byte compares from its start, else the next set bit of
 *    the bitmap (a shift, a test, a count-trailing-zeros); the grammar
 *    between strings is a few byte compares.  With a key order
 *    (OSE_PLAIN_KEYSET_ORDER) the key expected next is checked as the
 *    bytes "key": with one or two 16-byte compares, which also settle its
 *    end and its colon; any other key (or spaces before it) takes the
 *    general way, its end from the bitmap and a hash lookup, and moves
 *    the expectation to the key after it in the order.  The keys met are
 *    a bit mask in a register (first occurrence wins); the ones not met
 *    are set absent when the object ends, and before an EACH array's
 *    callbacks run (they may read the enclosing object's views).
 * Bounds: the walk's end is the message's last non-space byte, which
 * must be '}' (else: declined).  That byte stops every scan that looks
 * for something else (digits, spaces, a quote's successor), so those
 * scans need no end test; only a closing bracket can be the last byte,
 * and the walk tests the end after each nested container.  The key
 * compare reads 32 bytes only where the message holds them (lim).
 */
#include "adapters/plain/plain.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && defined(__SSE2__) && !defined(OSE_JSON_NO_SIMD)
#define PLAIN_SSE2 1
#include <immintrin.h>
#else
#define PLAIN_SSE2 0
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static int plain_scalar_only;

void ose_plain_force_scalar(int on)
{
	plain_scalar_only = on;
}

/* ---- key sets --------------------------------------------------------- */

/* Bucket of a key from its first 8 bytes (zero-padded) and its length:
 * one multiply, top 8 bits.  The multiplier is picked per key set. */
static inline unsigned plain_hash(uint64_t w, size_t len, uint64_t mult)
{
	return (unsigned)(((w + len) * mult) >> 56);
}

static pthread_mutex_t plain_lock = PTHREAD_MUTEX_INITIALIZER;

/* Index ks's entries with multiplier mult.  Returns how far the index
 * is from one compare per lookup: 0 if no bucket holds two entries, else
 * the entries that share a bucket with an earlier one, a wanted key
 * counting as 64 (a wanted key with a bucket of its own is found with
 * one compare; it is first in its chain either way: chains list entries
 * in table order, wanted keys first). */
static unsigned plain_index(struct ose_plain_keyset *ks, uint64_t mult)
{
	unsigned cost = 0;

	memset(ks->bucket, 0, sizeof(ks->bucket));
	memset(ks->next, 0, sizeof(ks->next));
	ks->mult = mult;
	/* Insert in reverse so each chain lists entries in table order. */
	for (uint32_t i = ks->nent; i-- > 0;) {
		unsigned h;
		if (ks->ent[i].len == 0)
			continue; /* a message key is never empty here */
		h = plain_hash(ks->ent[i].word, ks->ent[i].len, mult);
		if (ks->bucket[h])
			cost += ks->ent[ks->bucket[h] - 1].idx >= 0 && ks->ent[i].idx >= 0 ? 64 : 1;
		ks->next[i] = ks->bucket[h];
		ks->bucket[h] = (uint8_t)(i + 1);
	}
	return cost;
}

/* Entry i for name[0..len). */
static void plain_ent(struct ose_plain_keyset *ks, uint32_t i, const char *name, uint32_t len,
		      int idx)
{
	uint64_t w = 0, t = 0;
	memcpy(&w, name, len < 8 ? len : 8);
	if (len > 8)
		memcpy(&t, name + len - 8, 8);
	ks->ent[i].word = w;
	ks->ent[i].tail = t;
	ks->ent[i].name = name;
	ks->ent[i].len = len;
	ks->ent[i].idx = (int8_t)idx;
	ks->ent[i].pos = -1;
	ks->ent[i].pos2 = -1;
}

/* The entry for name[0..len), added (not wanted) if it is not there. */
static uint32_t plain_ent_of(struct ose_plain_keyset *ks, const char *name, uint32_t len)
{
	uint32_t e;
	for (e = 0; e < ks->nent; e++)
		if (ks->ent[e].len == len && memcmp(ks->ent[e].name, name, len) == 0)
			return e;
	plain_ent(ks, ks->nent++, name, len, -1);
	return e;
}

/* ord[] from list, from entry base on, then its never-matching entry;
 * which = 0 for order (ent pos), 1 for order2 (ent pos2).  Returns the
 * index of the never-matching entry, or -1 if the list breaks a limit. */
static int plain_build_list(struct ose_plain_keyset *ks, const char *const *list, uint32_t base,
			    int which)
{
	uint32_t j;

	for (j = 0; list && list[j]; j++) {
		size_t len = strlen(list[j]);
		uint32_t e, k = base + j;

		if (j >= OSE_PLAIN_ORDER_MAX || len == 0 || len > OSE_PLAIN_ORDER_KEYLEN)
			return -1;
		e = plain_ent_of(ks, list[j], (uint32_t)len);
		/* A repeated name keeps its first place. */
		if (which == 0 && ks->ent[e].pos < 0)
			ks->ent[e].pos = (int8_t)k;
		if (which == 1 && ks->ent[e].pos2 < 0)
			ks->ent[e].pos2 = (int8_t)k;
		memset(ks->ord[k].pat, 0, sizeof(ks->ord[k].pat));
		ks->ord[k].pat[0] = '"';
		memcpy(ks->ord[k].pat + 1, list[j], len);
		ks->ord[k].pat[len + 1] = '"';
		ks->ord[k].pat[len + 2] = ':';
		len += 3;
		ks->ord[k].mask = len >= 32 ? 0xffffffffu : (1u << len) - 1;
		ks->ord[k].len = (uint32_t)len;
		ks->ord[k].idx = ks->ent[e].idx;
		ks->ord[k].bit = ks->ent[e].idx >= 0 ? 1u << ks->ent[e].idx : 0;
	}
	/* A NUL where a key has its '"': never matches, needs no bound. */
	memset(&ks->ord[base + j], 0, sizeof(ks->ord[base + j]));
	ks->ord[base + j].mask = 1;
	ks->ord[base + j].len = 1;
	ks->ord[base + j].idx = -1;
	return (int)(base + j);
}

/* The entries (wanted keys, then the order lists' other names) and the
 * order patterns.  Returns 0, or -1 if an order list breaks a limit. */
static int plain_build(struct ose_plain_keyset *ks)
{
	int end1, end2;

	for (uint32_t i = 0; i < ks->n; i++)
		plain_ent(ks, i, ks->keys[i].name, ks->keys[i].len, (int)i);
	ks->nent = ks->n;
	end1 = plain_build_list(ks, ks->order, 0, 0);
	if (end1 < 0)
		return -1;
	end2 = plain_build_list(ks, ks->order ? ks->order2 : NULL, (uint32_t)end1 + 1, 1);
	if (end2 < 0)
		return -1;
	/* Each name's successor in the other list. */
	ks->ord[end1].other = &ks->ord[end2];
	ks->ord[end2].other = &ks->ord[end1];
	for (uint32_t e = 0; e < ks->nent; e++) {
		if (ks->ent[e].pos >= 0)
			ks->ord[ks->ent[e].pos].other =
				&ks->ord[ks->ent[e].pos2 >= 0 ? ks->ent[e].pos2 + 1 : end2];
		if (ks->ent[e].pos2 >= 0)
			ks->ord[ks->ent[e].pos2].other =
				&ks->ord[ks->ent[e].pos >= 0 ? ks->ent[e].pos + 1 : end1];
	}
	/* The walk also tries the entry after the expected one (a key the
	 * venue left out): after order2's never-matching entry comes one
	 * more, so that every such entry is inside ord[]. */
	memset(&ks->ord[end2 + 1], 0, sizeof(ks->ord[end2 + 1]));
	ks->ord[end2 + 1].mask = 1;
	ks->ord[end2 + 1].len = 1;
	ks->ord[end2 + 1].idx = -1;
	ks->ord[end2 + 1].other = &ks->ord[end2 + 1];
	ks->nord = (uint32_t)end1;
	return 0;
}

/* Indexes built so far (ose_plain_keyset_builds); written under plain_lock. */
static uint64_t plain_builds;

void ose_plain_keyset_prepare(struct ose_plain_keyset *ks)
{
	pthread_mutex_lock(&plain_lock);
	if (!__atomic_load_n(&ks->ready, __ATOMIC_RELAXED)) {
		__atomic_store_n(&plain_builds, plain_builds + 1, __ATOMIC_RELAXED);
		/* A set too big to index is never usable here (ready = 2):
		 * every message then goes to the scanner. */
		int ok = ks->n <= OSE_PLAIN_KEYS_MAX && plain_build(ks) == 0;
		if (ok) {
			/* Odd multipliers until every entry has its own
			 * bucket (a lookup is then one compare): some tens of
			 * tries for a venue's 35 entries.  A bigger set (Bybit's
			 * 70: about 1 in 10,000 multipliers is perfect) keeps
			 * the best of 512 tries, which gives each wanted key a
			 * bucket of its own; the chains still give right
			 * answers for the rest, and misses are rare (the key
			 * orders match first).  About 0.5 M instructions, once. */
			uint64_t mult = 0x9e3779b97f4a7c15ull, best_mult = mult;
			unsigned cost, best = ~0u;
			for (int tries = 0; tries < 512; tries++) {
				cost = plain_index(ks, mult);
				if (cost < best) {
					best = cost;
					best_mult = mult;
				}
				if (cost == 0)
					break;
				mult = (mult * 6364136223846793005ull + 1442695040888963407ull) | 1;
			}
			if (best != 0)
				plain_index(ks, best_mult);
		}
		/* P1: publishes bucket/next/ent/ord/mult; pairs with the
		 * acquire load at P2 in plain_ready(). */
		__atomic_store_n(&ks->ready, ok ? 1 : 2, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&plain_lock);
}

uint64_t ose_plain_keyset_builds(void)
{
	/* A count, ordered with nothing else. */
	return __atomic_load_n(&plain_builds, __ATOMIC_RELAXED);
}

/* 1 if ks can be used (indexing it first if needed). */
static inline int plain_ready(struct ose_plain_keyset *ks)
{
	/* P2: pairs with the release store at P1. */
	int r = __atomic_load_n(&ks->ready, __ATOMIC_ACQUIRE);
	if (unlikely(!r)) {
		ose_plain_keyset_prepare(ks);
		r = __atomic_load_n(&ks->ready, __ATOMIC_ACQUIRE);
	}
	return r == 1;
}

static inline uint64_t plain_load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The first min(len, 8) bytes of k, zero-padded, when fewer than 8 bytes
 * of the buffer are left (a key at the very end: rare, kept out of line). */
static __attribute__((noinline)) uint64_t plain_word_short(const char *k, size_t len)
{
	uint64_t w = 0;
	memcpy(&w, k, len < 8 ? len : 8);
	return w;
}

/* plain_find for keys longer than 16 bytes (Coinbase's
 * cumulative_quantity and some names nobody wants): the middle bytes need a memcmp, kept
 * out of line so the common lookup has no call and keeps its registers.  i is the bucket's first
 * entry + 1. */
static __attribute__((noinline)) int plain_find_long(const struct ose_plain_keyset *ks, unsigned i,
						    uint64_t w, uint64_t t, const char *k, size_t len)
{
	do {
		if (ks->ent[i - 1].word == w && ks->ent[i - 1].tail == t && ks->ent[i - 1].len == len &&
		    memcmp(ks->ent[i - 1].name + 8, k + 8, len - 16) == 0)
			return (int)i - 1;
		i = ks->next[i - 1];
	} while (i);
	return -1;
}

/* Entry of key k[0..len) in ks, or -1.  k + len < end (the closing quote
 * is in the buffer).  The first 8 bytes compare as one word (one load
 * when the buffer has room), keys of 9..16 bytes add the last 8, longer
 * ones a memcmp of the middle.  mult is ks->mult, passed in so that it
 * stays in a register across the caller's stores. */
static inline int plain_find(const struct ose_plain_keyset *ks, uint64_t mult, const char *k,
			     size_t len, const char *end)
{
	unsigned i;
	uint64_t w, t = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (likely(end - k >= 8)) {
		w = plain_load64(k);
		if (len < 8)
			w &= (1ULL << (8 * len)) - 1;
	} else
#endif
	{
		(void)end;
		w = plain_word_short(k, len);
	}
	i = ks->bucket[plain_hash(w, len, mult)];
	if (likely(!i))
		return -1;
	if (len > 8)
		t = plain_load64(k + len - 8);
	if (unlikely(len > 16))
		return plain_find_long(ks, i, w, t, k, len);
	do {
		/* An empty key (len 0) is never indexed, so never matches. */
		if (ks->ent[i - 1].word == w && ks->ent[i - 1].tail == t && ks->ent[i - 1].len == len)
			return (int)i - 1;
		i = ks->next[i - 1];
	} while (i);
	return -1;
}

/* ---- classification ------------------------------------------------- */

/* Largest message taken (the bitmap lives on the stack: 8 KiB). */
#define PLAIN_MAX_LEN (64u * 1024u)

struct plain {
	const char *base, *end; /* end: one past the final '}' */
	const char *lim;        /* one past the message's last byte */
	const uint64_t *bits;   /* bit i of bits[w] = base[64 w + i] is '"' */
	size_t nwords;
	int vec; /* the SSE2 compares (else their scalar twins: tests) */
};

#if PLAIN_SSE2
/* One 64-byte block: its quote bits, and *bad |= non-zero if a byte in
 * it is not plain.  SSE2 (every x86-64). */
static inline uint64_t plain_block_sse2(const char *b, unsigned *bad)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');
	const __m128i lim = _mm_set1_epi8(0x20);
	uint64_t q = 0;

	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
		q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
		/* Signed compare: bytes >= 0x80 are negative, so v < lim
		 * catches them with the control bytes. */
		*bad |= (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmplt_epi8(v, lim)));
	}
	return q;
}

/* The same, 32 bytes at a time (AVX2, chosen at run time). */
__attribute__((target("avx2"))) static uint64_t plain_block_avx2(const char *b, unsigned *bad)
{
	const __m256i quote = _mm256_set1_epi8('"');
	const __m256i bs = _mm256_set1_epi8('\\');
	const __m256i lim = _mm256_set1_epi8(0x20);
	__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
	uint64_t q = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, quote)) |
		     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, quote)) << 32;
	__m256i x = _mm256_or_si256(
		_mm256_or_si256(_mm256_cmpeq_epi8(v0, bs), _mm256_cmpgt_epi8(lim, v0)),
		_mm256_or_si256(_mm256_cmpeq_epi8(v1, bs), _mm256_cmpgt_epi8(lim, v1)));
	*bad |= (unsigned)_mm256_movemask_epi8(x);
	return q;
}

__attribute__((target("avx2"))) static unsigned plain_blocks_avx2(const char *b, size_t nblk,
								uint64_t *bits)
{
	unsigned bad = 0;
	for (size_t i = 0; i < nblk; i++)
		bits[i] = plain_block_avx2(b + 64 * i, &bad);
	return bad;
}

static int plain_has_avx2 = -1; /* -1: not asked yet */
#endif

/* The scalar twin of a block: n <= 64 bytes. */
static inline uint64_t plain_block_scalar(const char *b, size_t n, unsigned *bad)
{
	uint64_t q = 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)b[k];
		*bad |= c < 0x20 || c >= 0x80 || c == '\\';
		q |= (uint64_t)(c == '"') << k;
	}
	return q;
}

/* Fill bits[] for b[0..n) (n <= PLAIN_MAX_LEN).  Returns 0, or -1 if a
 * byte is not plain.  Whole blocks go through the vector path; so does
 * the last partial block, as the message's last 64 bytes (or, for a
 * message shorter than 64 bytes, a copy padded with spaces: plain, not
 * quotes), so nothing past b + n is read. */
static int plain_classify(const char *b, size_t n, uint64_t *bits)
{
	size_t nblk = n / 64, rest = n % 64;
	unsigned bad = 0;

#if PLAIN_SSE2
	if (!plain_scalar_only) {
		char tail[64];
		/* Relaxed: every thread computes the same answer, and the
		 * flag orders nothing else. */
		int avx2 = __atomic_load_n(&plain_has_avx2, __ATOMIC_RELAXED);
		if (unlikely(avx2 < 0)) {
			avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
			__atomic_store_n(&plain_has_avx2, avx2, __ATOMIC_RELAXED);
		}
		if (avx2) {
			bad = plain_blocks_avx2(b, nblk, bits);
		} else {
			for (size_t i = 0; i < nblk; i++)
				bits[i] = plain_block_sse2(b + 64 * i, &bad);
		}
		if (rest && nblk) {
			/* The last 64 bytes of the message, overlapping the
			 * block before: every byte is inside the message, and
			 * the tail's quotes are the window's top bits. */
			const char *w = b + n - 64;
			uint64_t q = avx2 ? plain_block_avx2(w, &bad) : plain_block_sse2(w, &bad);
			bits[nblk] = q >> (64 - rest);
		} else if (rest) {
			memset(tail, ' ', sizeof(tail));
			memcpy(tail, b, rest);
			bits[0] = plain_block_sse2(tail, &bad);
		}
		return bad ? -1 : 0;
	}
#endif
	for (size_t i = 0; i < nblk; i++)
		bits[i] = plain_block_scalar(b + 64 * i, 64, &bad);
	if (rest)
		bits[nblk] = plain_block_scalar(b + 64 * nblk, rest, &bad);
	return bad ? -1 : 0;
}

/* The first '"' at or after pos (pos < end), or NULL. */
static __attribute__((noinline)) const char *plain_nextq_far(const struct plain *s, size_t w)
{
	while (++w < s->nwords)
		if (s->bits[w])
			return s->base + (w << 6) + (size_t)__builtin_ctzll(s->bits[w]);
	return NULL;
}

static inline const char *plain_nextq(const struct plain *s, const char *pos)
{
	size_t off = (size_t)(pos - s->base);
	/* Quotes at and after pos in its word, bit 0 = pos: the common case
	 * (the quote is within the same 64-byte word) is a shift and a
	 * count, relative to pos. */
	uint64_t m = s->bits[off >> 6] >> (off & 63);

	if (likely(m))
		return pos + __builtin_ctzll(m);
	/* A string that crosses into the next word (about one in three of
	 * a venue message's): that word inline, the loop out of line. */
	if (likely((off >> 6) + 1 < s->nwords && s->bits[(off >> 6) + 1]))
		return s->base + (((off >> 6) + 1) << 6) +
		       (size_t)__builtin_ctzll(s->bits[(off >> 6) + 1]);
	return plain_nextq_far(s, (off >> 6) + 1);
}

/* ---- grammar ------------------------------------------------------------ */

/* Spaces from p on.  No end test: p < end and end[-1] is '}'. */
static inline const char *plain_ws(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* After a number or literal (p < end): a byte that may follow a value.
 * (Tabs and newlines are not plain; the scanner takes those messages.) */
static inline int plain_delim(const char *p)
{
	return *p == ',' || *p == '}' || *p == ']' || *p == ' ';
}

#define DIG(q) ((unsigned char)(*(q) - '0') < 10)

/* JSON number grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at p;
 * the end of the token, or NULL.  No end tests: the final '}' stops every
 * loop, and a number never ends the walk. */
static inline const char *plain_number(const char *p)
{
	if (*p == '-')
		p++;
	if (!DIG(p))
		return NULL;
	if (*p == '0')
		p++;
	else
		while (DIG(p))
			p++;
	if (*p == '.') {
		p++;
		if (!DIG(p))
			return NULL;
		while (DIG(p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!DIG(p))
			return NULL;
		while (DIG(p))
			p++;
	}
	return plain_delim(p) ? p : NULL;
}
#undef DIG

/* true / false / null at p: the end of the token, or NULL.  A literal
 * is followed by at least the final '}', hence the end tests. */
static inline const char *plain_literal(const char *p, const char *end)
{
	size_t have = (size_t)(end - p);
	if (have > 4 && (memcmp(p, "true", 4) == 0 || memcmp(p, "null", 4) == 0))
		p += 4;
	else if (have > 5 && memcmp(p, "false", 5) == 0)
		p += 5;
	else
		return NULL;
	return plain_delim(p) ? p : NULL;
}

static const char *plain_container(const struct plain *s, const char *p, unsigned depth);

/* Validate the value at p (not a space, p < end) and return its end
 * (<= end), or NULL.  depth is the nesting of the value's parent. */
static const char *plain_skip(const struct plain *s, const char *p, unsigned depth)
{
	const char *q;

	switch (*p) {
	case '"':
		q = plain_nextq(s, p + 1);
		return q ? q + 1 : NULL;
	case '{':
	case '[':
		if (depth + 1 > OSE_PLAIN_MAX_DEPTH)
			return NULL;
		return plain_container(s, p, depth + 1);
	case 't':
	case 'f':
	case 'n':
		return plain_literal(p, s->end);
	default:
		if (*p == '-' || (unsigned char)(*p - '0') < 10)
			return plain_number(p);
		return NULL;
	}
}

/* An object or array nobody asked for, at p: validated, skipped. */
static const char *plain_container(const struct plain *s, const char *p, unsigned depth)
{
	const char *end = s->end, *q;
	const int obj = *p == '{';
	const char close = obj ? '}' : ']';

	p = plain_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			if (*p != '"' || !(q = plain_nextq(s, p + 1)))
				return NULL;
			p = plain_ws(q + 1);
			if (*p != ':')
				return NULL;
			p = plain_ws(p + 1);
		}
		p = plain_skip(s, p, depth);
		if (!p || p >= end)
			return NULL;
		p = plain_ws(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = plain_ws(p + 1);
	}
}

static const char *plain_object(const struct plain *s, const char *p,
				struct ose_plain_keyset *ks, struct ose_json_val *vals,
				const struct ose_plain_each *each, unsigned depth);

/* An OSE_JSON_EACH array at p ('['), elements at depth + 1. */
static const char *plain_each(const struct plain *s, const char *p,
			      const struct ose_plain_each *each, unsigned depth)
{
	const char *end = s->end;
	struct ose_plain_keyset *ks = each->pick ? each->pick(each->arg) : each->ks;
	const char *why = "";

	if (!ks || depth + 1 > OSE_PLAIN_MAX_DEPTH)
		return NULL;
	p = plain_ws(p + 1);
	if (*p == ']')
		return p + 1;
	for (;;) {
		if (*p != '{')
			return NULL;
		p = plain_object(s, p, ks, each->vals, each->inner, depth + 1);
		if (!p || p >= end || each->fn(each->arg, each->vals, &why) != 0)
			return NULL;
		p = plain_ws(p);
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p = plain_ws(p + 1);
	}
}

static inline uint8_t plain_type(char c)
{
	switch (c) {
	case '{': return OSE_JSON_OBJECT;
	case '[': return OSE_JSON_ARRAY;
	case 't': return OSE_JSON_TRUE;
	case 'f': return OSE_JSON_FALSE;
	case 'n': return OSE_JSON_NULL;
	default: return OSE_JSON_NUMBER;
	}
}

/* 1 if the 32 bytes at p (inside the message) start with order entry
 * o's "name":.  vec: the SSE2 compares, else their scalar twin.  The
 * first 16 bytes settle a miss and a pattern of up to 16 bytes (most);
 * only a longer one that matched so far takes the second compare. */
static inline int plain_expect(const struct ose_plain_ord *o, const char *p, int vec)
{
#if PLAIN_SSE2
	if (likely(vec)) {
		const __m128i *pat = (const __m128i *)(const void *)o->pat;
		const uint32_t mask = o->mask;
		uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
			_mm_loadu_si128((const __m128i *)(const void *)p), _mm_loadu_si128(pat)));

		if (~m & mask & 0xffff)
			return 0;
		if (mask < 0x10000)
			return 1;
		m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
			_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), _mm_loadu_si128(pat + 1)));
		return (~(m << 16) & mask & 0xffff0000u) == 0;
	}
#endif
	(void)vec;
	return memcmp(p, o->pat, o->len) == 0;
}

/* A key the expectations missed, at p (spaces may come first): looked
 * up in ks, *idx set to its index in keys or -1, and *c / *d to the
 * entries after its place in each order (unchanged for a name not in
 * one).  Returns the first byte of its value (spaces skipped), or NULL. */
static inline __attribute__((always_inline)) const char *
plain_key(const struct plain *s, const struct ose_plain_keyset *ks, const char *p,
	  const struct ose_plain_ord **c, const struct ose_plain_ord **d, int *idx)
{
	const char *q;
	int e;

	p = plain_ws(p);
	/* The key's closing quote is before end - 1 (the final '}'), so
	 * every byte looked at below up to the value is inside the walk. */
	if (*p != '"' || !(q = plain_nextq(s, p + 1)))
		return NULL;
	e = plain_find(ks, ks->mult, p + 1, (size_t)(q - p - 1), s->end);
	*idx = -1;
	if (e >= 0) {
		if (ks->ent[e].pos >= 0)
			*c = &ks->ord[ks->ent[e].pos + 1];
		if (ks->ent[e].pos2 >= 0)
			*d = &ks->ord[ks->ent[e].pos2 + 1];
		*idx = ks->ent[e].idx;
	}
	p = plain_ws(q + 1);
	if (*p != ':')
		return NULL;
	return plain_ws(p + 1);
}

/* vals[i].type = absent for each of the n (<= 32) keys whose bit is
 * clear in seen: one store per key not met. */
static inline void plain_absent(struct ose_json_val *vals, uint32_t n, uint32_t seen)
{
	uint32_t miss = ~seen & (n >= 32 ? ~0u : (1u << n) - 1);

	while (miss) {
		vals[__builtin_ctz(miss)].type = OSE_JSON_ABSENT;
		miss &= miss - 1;
	}
}

/*
 * The object at p ('{', at nesting depth): wanted keys into vals (the
 * ones not found set absent at the end), EACH arrays to each.  Its end
 * (<= end), or NULL.  vec is a constant in each of the two copies
 * plain_object makes (the SSE2 compares, or their scalar twins).
 * seen: one bit per key of ks already set in vals (first occurrence
 * wins), kept in a register instead of reading vals[].type back.
 */
static inline __attribute__((always_inline)) const char *
plain_object_t(const struct plain *s, const char *p, struct ose_plain_keyset *ks,
	       struct ose_json_val *vals, const struct ose_plain_each *each, unsigned depth,
	       const int vec)
{
	/* Local copies: the stores into vals (uint8_t type: may alias
	 * anything) would otherwise reload these through s and ks. */
	const struct plain L = *s;
	const char *end = L.end, *q, *vs;
	/* The entries expected next in each order (a never-matching one
	 * when a list is done or absent). */
	const struct ose_plain_ord *c, *d, *h;
	uint32_t seen = 0, bit;
	int idx;
#if PLAIN_SSE2
	const __m128i quote = _mm_set1_epi8('"');
#endif

	if (unlikely(!plain_ready(ks)))
		return NULL;
	c = ks->ord;
	d = ks->ord + ks->nord + 1;
	p = plain_ws(p + 1);
	if (*p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (likely(L.lim - p >= 32) &&
		    (likely(plain_expect(h = c, p, vec)) || plain_expect(h = d, p, vec) ||
		     plain_expect(h = c + 1, p, vec))) {
			/* (c + 1: the venue left the expected key out.)
			 * The list that hit goes on, and is tried first next
			 * (a venue that writes the second order pays one
			 * compare per key, not two); the other resumes after
			 * this name. */
			idx = h->idx;
			bit = h->bit;
			p += h->len;
			c = h + 1;
			d = h->other;
			if (unlikely(*p == ' '))
				p = plain_ws(p);
		} else {
			p = plain_key(&L, ks, p, &c, &d, &idx);
			if (unlikely(!p))
				return NULL;
			bit = idx >= 0 ? 1u << idx : 0;
		}

		vs = p;
		if (likely(*p == '"')) {
			/* Strings are most values: inline. */
			uint32_t slen;
#if PLAIN_SSE2
			unsigned m;
			/* One 16-byte compare finds the end of a string
			 * shorter than 16 bytes (decimals, statuses, short
			 * ids), a second one of up to 31 (times, enum names,
			 * UUIDs' first part); the bitmap the rest. */
			if (vec && likely(L.lim - p > 16) &&
			    likely(m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
					   _mm_loadu_si128((const __m128i *)(const void *)(p + 1)), quote))))
				slen = (uint32_t)__builtin_ctz(m);
			else if (vec && L.lim - p > 32 &&
				 (m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
					  _mm_loadu_si128((const __m128i *)(const void *)(p + 17)), quote))))
				slen = 16 + (uint32_t)__builtin_ctz(m);
			else
#endif
			{
				q = plain_nextq(&L, p + 1);
				if (unlikely(!q))
					return NULL;
				slen = (uint32_t)(q - p - 1);
			}
			if (bit & ~seen) {
				seen |= bit;
				vals[idx].p = p + 1;
				vals[idx].len = slen;
				vals[idx].type = OSE_JSON_STRING;
				vals[idx].esc = 0;
			}
			p += slen + 2;
		} else if (*p == '-' || (unsigned char)(*p - '0') < 10) {
			/* Numbers next (ids, times): inline too.  A number
			 * never ends the walk (the final '}' does), so
			 * p < end after it. */
			p = plain_number(p);
			if (unlikely(!p))
				return NULL;
			if (bit & ~seen) {
				seen |= bit;
				vals[idx].p = vs;
				vals[idx].len = (uint32_t)(p - vs);
				vals[idx].type = OSE_JSON_NUMBER;
				vals[idx].esc = 0;
			}
		} else if (!(bit & ~seen)) {
			p = plain_skip(s, p, depth);
			if (!p || p >= end)
				return NULL;
		} else {
			seen |= bit;
			if (*p == '[' && each && (ks->keys[idx].flags & OSE_JSON_EACH)) {
				/* Taken before the walk, like the scanner.  The
				 * callbacks may read vals (Gate's pick reads the
				 * channel): the keys not met yet read absent. */
				plain_absent(vals, ks->n, seen);
				vals[idx].type = OSE_JSON_ARRAY;
				p = plain_each(s, p, each, depth + 1);
			} else {
				vals[idx].type = plain_type(*p);
				p = plain_skip(s, p, depth);
			}
			if (!p || p >= end)
				return NULL;
			vals[idx].p = vs;
			vals[idx].len = (uint32_t)(p - vs);
			vals[idx].esc = 0;
		}

		/* p < end here: after a string (its closing quote is before
		 * the final '}') or by the tests above.  After a comma the
		 * next key may have spaces before it: plain_key skips them. */
		if (likely(*p == ',')) {
			p++;
			continue;
		}
		if (*p == ' ')
			p = plain_ws(p);
		if (*p == '}') {
			p++;
			break;
		}
		if (*p != ',')
			return NULL;
		p++;
	}
done:
	plain_absent(vals, ks->n, seen);
	return p;
}

static const char *plain_object(const struct plain *s, const char *p,
				struct ose_plain_keyset *ks, struct ose_json_val *vals,
				const struct ose_plain_each *each, unsigned depth)
{
#if PLAIN_SSE2
	if (likely(s->vec))
		return plain_object_t(s, p, ks, vals, each, depth, 1);
#endif
	return plain_object_t(s, p, ks, vals, each, depth, 0);
}

int ose_plain_obj_get_each(const char *p, size_t len, struct ose_plain_keyset *ks,
			   struct ose_json_val *vals, const struct ose_plain_each *each)
{
	uint64_t bits[PLAIN_MAX_LEN / 64];
	struct plain s;
	const char *e = p + len, *q;

	if (len < 2 || len > PLAIN_MAX_LEN)
		return -1;
	if (plain_classify(p, len, bits))
		return -1;
	while (e > p && e[-1] == ' ')
		e--;
	if (e - p < 2 || e[-1] != '}')
		return -1;
	s.base = p;
	s.end = e;
	s.lim = p + len;
	s.bits = bits;
	s.nwords = (len + 63) / 64;
	s.vec = !plain_scalar_only;
	q = plain_ws(p);
	if (*q != '{')
		return -1;
	q = plain_object(&s, q, ks, vals, each, 1);
	return q == e ? 0 : -1;
}
