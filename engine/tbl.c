/* SPDX-License-Identifier: MIT */
/*
 * The order table and the lifecycle FSM.  See tbl.h for the contract and
 * docs/engine.md for the rules in table form.
 *
 * Everything readers can see is written with relaxed atomic stores
 * (seqlocked slot payloads, list links, index entries, counters); the
 * engine reads its own data with plain loads, which is race-free because it
 * is the only writer.
 */
#include "engine/tbl.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/keys.h"
#include "shm/seqlock.h"

#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STR(p, v) __atomic_store_n((p), (v), OSE_SHM_WORD_STORE)

/* Counters: single writer, so load + store is an exact increment. */
static inline void cnt_add(uint64_t *c, uint64_t n)
{
	STR(c, LD(c) + n);
}

static inline void cnt_sub(uint64_t *c, uint64_t n)
{
	STR(c, LD(c) - n);
}

static inline uint64_t al128(uint64_t x)
{
	return (x + OSE_STATE_ALIGN - 1) & ~(uint64_t)(OSE_STATE_ALIGN - 1);
}

static uint64_t pow2_at_least(uint64_t x)
{
	uint64_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

void ose_tbl_cfg_default(struct ose_tbl_cfg *cfg)
{
	cfg->capacity = 1u << 20;
	cfg->exec_bound = 1000;
	cfg->book_cap = 16384;
	cfg->ring_cap = 256;
}

struct layout {
	uint64_t off_stats, off_rings, off_books, off_book_idx, off_slots, off_memo, off_oid,
		off_cid, total;
	uint64_t idx_cap, book_idx_cap;
};

static int compute_layout(const struct ose_tbl_cfg *cfg, struct layout *l)
{
	if (cfg->capacity < 1 || cfg->capacity > (1u << 30) || cfg->exec_bound < 1 ||
	    cfg->book_cap < 1 || cfg->book_cap > (1u << 24) || cfg->ring_cap < 1 ||
	    cfg->ring_cap > 65536)
		return -EINVAL;
	l->idx_cap = pow2_at_least(2ull * cfg->capacity);
	l->book_idx_cap = pow2_at_least(2ull * cfg->book_cap);
	uint64_t o = al128(sizeof(struct ose_state_hdr));
	l->off_stats = o;
	o = al128(o + sizeof(struct ose_stats));
	l->off_rings = o;
	o = al128(o + (uint64_t)cfg->ring_cap * sizeof(struct ose_ring_ent));
	l->off_books = o;
	o = al128(o + (uint64_t)cfg->book_cap * sizeof(struct ose_book));
	l->off_book_idx = o;
	o = al128(o + l->book_idx_cap * sizeof(uint32_t));
	l->off_slots = o;
	o = al128(o + (uint64_t)cfg->capacity * sizeof(struct ose_slot));
	l->off_memo = o;
	o = al128(o + (uint64_t)cfg->capacity * sizeof(struct ose_slot_memo));
	l->off_oid = o;
	o = al128(o + l->idx_cap * sizeof(uint64_t));
	l->off_cid = o;
	o = al128(o + l->idx_cap * sizeof(uint64_t));
	l->total = o;
	return 0;
}

size_t ose_tbl_size(const struct ose_tbl_cfg *cfg)
{
	struct layout l;
	return compute_layout(cfg, &l) ? 0 : (size_t)l.total;
}

static void bind_ptrs(struct ose_tbl *t, void *mem)
{
	struct ose_state_hdr *h = mem;
	t->hdr = h;
	t->st = OSE_STATE_AT(h, h->off_stats, struct ose_stats);
	t->rings = OSE_STATE_AT(h, h->off_rings, struct ose_ring_ent);
	t->books = OSE_STATE_AT(h, h->off_books, struct ose_book);
	t->book_idx = OSE_STATE_AT(h, h->off_book_idx, uint32_t);
	t->slots = OSE_STATE_AT(h, h->off_slots, struct ose_slot);
	t->memo = OSE_STATE_AT(h, h->off_memo, struct ose_slot_memo);
	t->oid_idx = OSE_STATE_AT(h, h->off_oid_idx, uint64_t);
	t->cid_idx = OSE_STATE_AT(h, h->off_cid_idx, uint64_t);
	t->idx_mask = h->idx_cap - 1;
	t->book_idx_mask = h->book_idx_cap - 1;
}

int ose_tbl_format(struct ose_tbl *t, void *mem, size_t size, const struct ose_tbl_cfg *cfg)
{
	struct layout l;
	if (compute_layout(cfg, &l))
		return -EINVAL;
	if (size < l.total)
		return -ENOSPC;
	/* The region may be a reused (stale) segment that readers still map:
	 * invalidate the magic first so none of them trusts the rest while it
	 * is rebuilt. */
	struct ose_state_hdr *h = mem;
	__atomic_store_n(&h->magic, 0, __ATOMIC_RELEASE);
	memset((char *)mem + 8, 0, l.total - 8);
	h->version = OSE_STATE_VERSION;
	h->hdr_size = sizeof(*h);
	h->total_size = l.total;
	h->capacity = cfg->capacity;
	h->exec_bound = cfg->exec_bound;
	h->idx_cap = (uint32_t)l.idx_cap;
	h->book_cap = cfg->book_cap;
	h->book_idx_cap = (uint32_t)l.book_idx_cap;
	h->ring_cap = cfg->ring_cap;
	h->slot_size = sizeof(struct ose_slot);
	h->book_size = sizeof(struct ose_book);
	h->ring_ent_size = sizeof(struct ose_ring_ent);
	h->stats_size = sizeof(struct ose_stats);
	h->off_stats = l.off_stats;
	h->off_rings = l.off_rings;
	h->off_books = l.off_books;
	h->off_book_idx = l.off_book_idx;
	h->off_slots = l.off_slots;
	h->off_memo = l.off_memo;
	h->off_oid_idx = l.off_oid;
	h->off_cid_idx = l.off_cid;
	h->free_head = OSE_NIL;
	/* A fresh table is "mid-apply" until its owner says otherwise: an
	 * engine killed while rebuilding must not resume from a partial
	 * table (engine.c clears it once recovery is complete). */
	h->in_apply = 1;
	bind_ptrs(t, mem);
	for (uint32_t i = 0; i < cfg->capacity; i++)
		t->slots[i].prev = t->slots[i].next = OSE_NIL;
	/* Publishes the layout; pairs with the reader's acquire load of magic
	 * (libose ose_open). */
	__atomic_store_n(&h->magic, OSE_STATE_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int ose_tbl_bind(struct ose_tbl *t, void *mem, size_t size, const struct ose_tbl_cfg *cfg)
{
	struct ose_state_hdr *h = mem;
	if (size < sizeof(*h) || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != OSE_STATE_MAGIC)
		return -EBADMSG;
	if (h->version != OSE_STATE_VERSION || h->hdr_size != sizeof(*h) ||
	    h->slot_size != sizeof(struct ose_slot) || h->book_size != sizeof(struct ose_book) ||
	    h->ring_ent_size != sizeof(struct ose_ring_ent) ||
	    h->stats_size != sizeof(struct ose_stats))
		return -EPROTO;
	struct ose_tbl_cfg c = {h->capacity, h->exec_bound, h->book_cap, h->ring_cap};
	struct layout l;
	if (compute_layout(&c, &l) || l.total != h->total_size || l.total > size ||
	    l.off_slots != h->off_slots || l.off_cid != h->off_cid_idx ||
	    l.off_oid != h->off_oid_idx || l.off_memo != h->off_memo ||
	    l.off_books != h->off_books || l.off_book_idx != h->off_book_idx ||
	    l.off_rings != h->off_rings || l.off_stats != h->off_stats ||
	    l.idx_cap != h->idx_cap || l.book_idx_cap != h->book_idx_cap)
		return -EUCLEAN;
	if (cfg && (cfg->capacity != c.capacity || cfg->exec_bound != c.exec_bound ||
		    cfg->book_cap != c.book_cap || cfg->ring_cap != c.ring_cap))
		return -ESTALE;
	bind_ptrs(t, mem);
	return 0;
}

const char *ose_ap_name(enum ose_ap r)
{
	static const char *const n[] = {"applied", "duplicate", "stale", "invalid_transition",
					"ignored", "gap", "invalid", "full", "not_found"};
	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "unknown";
}

uint64_t ose_key_name(const char *name)
{
	return ose_key_str(0x72696e67ull, name, OSE_RING_NAME_MAX, 0);
}

/* ---- strings ------------------------------------------------------------ */

/* 1 if the fixed array s[max] holds a NUL (max: 16, 32 or 48, the key
 * fields of events and commands). */
static inline int terminated(const char *s, size_t max)
{
	return ose_fk_len(s, max) < max;
}

static inline int streq(const char *a, const char *b, size_t max)
{
	return strncmp(a, b, max) == 0;
}

/* Copies a NUL-terminated string into a fixed array, zero-filling the rest
 * (slot payloads are compared and hashed as whole arrays). */
static inline void scopy(char *dst, const char *src, size_t max)
{
	size_t n = strnlen(src, max - 1);
	memcpy(dst, src, n);
	memset(dst + n, 0, max - n);
}

/* ---- slots -------------------------------------------------------------- */

static void slot_publish(struct ose_tbl *t, uint32_t s, const struct ose_slot *src)
{
	struct ose_slot *d = &t->slots[s];
	ose_seqlock_write(&d->seq, (uint64_t *)((char *)d + OSE_SLOT_PAYLOAD_OFF),
			  (const uint64_t *)(const void *)((const char *)src + OSE_SLOT_PAYLOAD_OFF),
			  OSE_SLOT_PAYLOAD_WORDS);
}

static uint32_t slot_alloc(struct ose_tbl *t)
{
	struct ose_state_hdr *h = t->hdr;
	uint32_t s = (uint32_t)h->free_head;
	if (s != OSE_NIL) {
		STR(&h->free_head, (uint64_t)t->slots[s].next);
		STR(&t->slots[s].next, OSE_NIL);
		return s;
	}
	if (h->slots_used < h->capacity) {
		s = (uint32_t)h->slots_used;
		STR(&h->slots_used, h->slots_used + 1);
		return s;
	}
	return OSE_NIL;
}

static int slot_available(const struct ose_tbl *t)
{
	return t->hdr->free_head != OSE_NIL || t->hdr->slots_used < t->hdr->capacity;
}

/* Bit of the payload word holding a field (bit i = payload word i). */
#define WBIT(field) (1ull << ((offsetof(struct ose_slot, field) - OSE_SLOT_PAYLOAD_OFF) / 8))
#define WALL ((1ull << OSE_SLOT_PAYLOAD_WORDS) - 1)

/* Which payload words in [lo, hi) of o differ from slot s (the engine's
 * own data: plain loads are race-free for the single writer).  Bit i =
 * payload word i. */
static inline uint64_t slot_diff(const struct ose_tbl *t, uint32_t s, const struct ose_slot *o,
				 unsigned lo, unsigned hi)
{
	const char *a = (const char *)&t->slots[s] + OSE_SLOT_PAYLOAD_OFF;
	const char *b = (const char *)o + OSE_SLOT_PAYLOAD_OFF;
	uint64_t m = 0;
	unsigned i = lo;
#ifdef __SSE2__
	/* Two words per step: 32-bit lane compares, each lane ANDed with its
	 * 64-bit partner, one sign bit per word (movmskpd); bit set = equal. */
	uint64_t eq = 0;
#pragma GCC unroll 32
	for (; i + 2 <= hi; i += 2) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(a + 8 * i));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(b + 8 * i));
		__m128i q = _mm_cmpeq_epi32(x, y);
		q = _mm_and_si128(q, _mm_shuffle_epi32(q, _MM_SHUFFLE(2, 3, 0, 1)));
		eq |= (uint64_t)_mm_movemask_pd(_mm_castsi128_pd(q)) << i;
	}
	m = eq ^ (((1ull << i) - 1) & ~((1ull << lo) - 1)); /* equal bits -> differing bits */
#endif
	for (; i < hi; i++) {
		uint64_t x, y;
		memcpy(&x, a + 8 * i, 8);
		memcpy(&y, b + 8 * i, 8);
		m |= (uint64_t)(x != y) << i;
	}
	return m;
}

/* Payload word ranges [lo, hi) that ose_tbl_apply_h may change in an
 * existing order (every other word - book, not_found, account, symbol,
 * created_ns - is set once at creation), by slot line (shm/state.h):
 *   venue .. avg_px   lines 0-1: head word, venue_seq, timestamps,
 *                     updates, hist_st, the four quantities: every update
 *   fee               line 3: only when a fill carries a fee
 *   hist_ts           line 4: only with a status transition
 *   order_id, oid_hash  lines 2-3: only when adopting an id
 *   client_id         line 5: only when the order learns its client id */
#define DW(field) ((unsigned)((offsetof(struct ose_slot, field) - OSE_SLOT_PAYLOAD_OFF) / 8))
#define DW_END(field) ((unsigned)((offsetof(struct ose_slot, field) + sizeof(((struct ose_slot *)0)->field) - OSE_SLOT_PAYLOAD_OFF + 7) / 8))
OSE_STATIC_ASSERT(DW(venue) == 0 && DW_END(oflags) == 1, "head word");
OSE_STATIC_ASSERT(DW_END(hist_st) == DW(filled) && DW_END(avg_px) == DW(order_id),
		  "the words every update may change are lines 0-1");
/* Byte ranges of the lines an apply copies lazily (see ose_tbl_apply_h). */
#define LINE_KEY_END offsetof(struct ose_slot, fee)    /* lines 0-2 */
#define LINE3_OFF offsetof(struct ose_slot, fee)       /* fee .. oid_hash */
#define LINE4_OFF offsetof(struct ose_slot, hist_ts)
OSE_STATIC_ASSERT(LINE4_OFF - LINE3_OFF == 64 && DW_END(oid_hash) == DW(hist_ts) &&
			  DW_END(hist_ts) == DW(client_id),
		  "line 3 is fee .. oid_hash, line 4 hist_ts");

/* Publishes the payload words of o selected by mask (WBIT bits) into slot
 * s under its seqlock; the others already hold o's values. */
static void slot_publish_mask(struct ose_tbl *t, uint32_t s, const struct ose_slot *o,
			      uint64_t mask)
{
	struct ose_slot *d = &t->slots[s];
	uint64_t *dw = (uint64_t *)(void *)((char *)d + OSE_SLOT_PAYLOAD_OFF);
	const uint64_t *sw = (const uint64_t *)(const void *)((const char *)o + OSE_SLOT_PAYLOAD_OFF);
	ose_seqlock_write_begin(&d->seq);
	for (; mask; mask &= mask - 1) {
		unsigned i = (unsigned)__builtin_ctzll(mask);
		__atomic_store_n(&dw[i], sw[i], OSE_SHM_WORD_STORE);
	}
	ose_seqlock_write_end(&d->seq);
}

/* The memo of a freed slot is not cleared here: whoever takes the slot
 * writes a fresh one (apply and register both do). */
static void slot_free(struct ose_tbl *t, uint32_t s)
{
	static const struct ose_slot zero = {0};
	slot_publish(t, s, &zero);
	STR(&t->slots[s].cid_hash, 0);
	STR(&t->slots[s].prev, OSE_NIL);
	STR(&t->slots[s].next, (uint32_t)t->hdr->free_head);
	STR(&t->hdr->free_head, (uint64_t)s);
}

/* ---- hash indices ------------------------------------------------------- */

static void idx_insert(uint64_t *idx, uint64_t mask, uint64_t h, uint32_t s)
{
	uint32_t tag = (uint32_t)(h >> 32);
	uint64_t i = tag & mask;
	while (idx[i])
		i = (i + 1) & mask;
	/* Release: the slot payload published before is visible to a reader
	 * that loads this entry (it re-validates through the seqlock anyway). */
	__atomic_store_n(&idx[i], ((uint64_t)tag << 32) | ((uint64_t)s + 1), __ATOMIC_RELEASE);
}

/* Backward-shift deletion (Knuth 6.4 Algorithm R) of the entry for slot s
 * under hash h.  Entries move, so the index generation is odd meanwhile:
 * a reader that missed while it changed retries (libose). */
static void idx_delete(struct ose_tbl *t, uint64_t *idx, uint64_t mask, uint64_t h, uint32_t s)
{
	uint64_t i = (h >> 32) & mask;
	uint64_t want = (uint64_t)s + 1;
	for (uint64_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		if (idx[i] == 0)
			return; /* not indexed */
		if ((idx[i] & 0xffffffffull) == want)
			break;
	}
	if ((idx[i] & 0xffffffffull) != want)
		return;
	uint64_t *gen = &t->hdr->idx_gen;
	STR(gen, LD(gen) + 1);
	/* Orders the odd generation before the entry moves; pairs with the
	 * reader's acquire fence before it re-reads idx_gen. */
	ose_shm_fence_release();
	STR(&idx[i], 0);
	uint64_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t e = idx[j];
		if (e == 0)
			break;
		uint64_t k = (e >> 32) & mask; /* home of the entry at j */
		/* The entry stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		STR(&idx[i], e);
		STR(&idx[j], 0);
		i = j;
	}
	/* Publishes the moved entries with the even generation; pairs with
	 * the reader's acquire load of idx_gen. */
	__atomic_store_n(gen, LD(gen) + 1, __ATOMIC_RELEASE);
}

/* The order-id probe for an event's key (hash h): its fixed arrays are
 * compared with the slot's in 16-byte steps (ose_fk_eq; lengths < the
 * fields' sizes, measured once by event_valid).  al 0: any account. */
static inline uint32_t find_oid_ev(const struct ose_tbl *t, uint64_t h, const struct ose_event *ev,
				   size_t sl, size_t ol, size_t al)
{
	uint32_t tag = (uint32_t)(h >> 32);
	uint64_t mask = t->idx_mask;
	for (uint64_t i = tag & mask;; i = (i + 1) & mask) {
		uint64_t e = t->oid_idx[i];
		if (!e)
			return OSE_NIL;
		if (OSE_IDX_TAG(e) != tag)
			continue;
		const struct ose_slot *o = &t->slots[OSE_IDX_SLOT(e)];
		/* The symbol is compared as the book's (the same string, set
		 * at creation): few books, whose lines stay cached, where the
		 * slot's symbol is a line the update would not touch. */
		if (o->venue == ev->venue && ose_fk_eq(o->order_id, ev->order_id, ol) &&
		    ose_fk_eq(t->books[o->book].symbol, ev->symbol, sl) &&
		    (!al || ose_fk_eq(o->account, ev->account, al)))
			return OSE_IDX_SLOT(e);
	}
}

/* The book of (venue, symbol[0..sl)) or OSE_NIL; *at gets the index
 * position where a miss ended (where book_get inserts). */
static uint32_t book_find(const struct ose_tbl *t, uint8_t venue, const char *symbol, size_t sl,
			  uint32_t *at)
{
	uint64_t h = ose_key_book_fix(venue, symbol, sl);
	uint32_t mask = t->book_idx_mask;
	uint32_t i = (uint32_t)(h >> 32) & mask;
	for (;; i = (i + 1) & mask) {
		uint32_t e = t->book_idx[i];
		if (!e)
			break;
		const struct ose_book *b = &t->books[e - 1];
		if (b->venue == venue && ose_fk_eq(b->symbol, symbol, sl))
			return e - 1;
	}
	*at = i;
	return OSE_NIL;
}

/* ---- batch pipelining ---------------------------------------------------- */

/*
 * Prefetches the compiler cannot drop.  GCC's IPA pure/const analysis
 * counts __builtin_prefetch as no side effect, so a static function that
 * only prefetches (pf_slot, pf_late) is found "pure" and its calls, whose
 * result nobody uses, are deleted: until state v4 ose_tbl_pf_step brought
 * in the index lines but never a slot (no prefetch in its object code).
 * A volatile asm is a side effect.  pf_w: the line will be written
 * (prefetchw: fetched exclusive, no second request for ownership; a NOP on
 * x86 CPUs without it); pf_r: read only.
 */
static inline void pf_w(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw (%0)" : : "r"(p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

static inline void pf_r(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 (%0)" : : "r"(p));
#else
	__builtin_prefetch(p, 0, 3);
#endif
}

static inline void pf_lines(const void *p, size_t bytes)
{
	for (size_t o = 0; o < bytes; o += 64)
		pf_w((const char *)p + o);
}

/* Prefetches the index line of an entry about to be edited (hash h;
 * line = 8 entries) and, if the entry's home position is at least `from`
 * into its line, the next line too: a deletion's backward shift reads
 * the entries after the one it removes, an insertion probes from the
 * home position on, and either runs into the next line from near the
 * end of one (session 8: a close's p99 at 1M, hot10k, 468-482 -> 348-369
 * ns with the deletions' next lines). */
static inline void pf_idx_edit(const uint64_t *idx, uint64_t mask, uint64_t h, unsigned from)
{
	uint64_t i = (h >> 32) & mask;
	pf_w(&idx[i]);
	if ((i & 7) >= from)
		pf_w(&idx[(i + 8) & mask]);
}

/* A close in book b whose executed cache is full evicts the book's oldest
 * executed order (exec_trim): prefetches what that touches besides the
 * order's own lines (exec_trim prefetched those at the book's previous
 * eviction, so the fields read here are cached): its successor's link
 * and its index entries. */
static void pf_victim(const struct ose_tbl *t, const struct ose_book *b)
{
	uint32_t v = b->exec_head;
	if (b->exec_count < t->hdr->exec_bound || v >= t->hdr->capacity)
		return;
	const struct ose_slot *x = &t->slots[v];
	if (x->next < t->hdr->capacity)
		pf_w(&t->slots[x->next].prev);
	if (x->oid_hash)
		pf_idx_edit(t->oid_idx, t->idx_mask, x->oid_hash, 5);
	if (x->cid_hash)
		pf_idx_edit(t->cid_idx, t->idx_mask, x->cid_hash, 5);
}

/* The client-id index line of ev's client id, if it has one (and the
 * next line when the home position is the last of its line: an insert
 * probes on). */
static void pf_cid(const struct ose_tbl *t, const struct ose_event *ev)
{
	if (!ev->client_id[0])
		return;
	size_t cl = ose_fk_len(ev->client_id, OSE_ID_MAX);
	if (cl < OSE_ID_MAX)
		pf_idx_edit(t->cid_idx, t->idx_mask, ose_key_cid_fix(ev->venue, ev->client_id, cl), 7);
}

static uint64_t pf_key(const struct ose_tbl *t, const struct ose_event *ev)
{
	if (!ev->order_id[0] || (ev->kind != OSE_EV_ORDER && ev->kind != OSE_EV_FILL))
		return 0;
	/* Bounded by the arrays: safe on an unterminated (invalid) event,
	 * which gets no hint (apply refuses it). */
	size_t sl = ose_fk_len(ev->symbol, OSE_SYMBOL_MAX), ol = ose_fk_len(ev->order_id, OSE_ID_MAX);
	if (sl == OSE_SYMBOL_MAX || ol == OSE_ID_MAX)
		return 0;
	uint64_t h = ose_key_oid_fix(ev->venue, ev->symbol, sl, ev->order_id, ol);
	pf_r(&t->oid_idx[(h >> 32) & t->idx_mask]);
	/* A NEW status is an order's creation or a registered order's ack:
	 * either probes the client-id index (the ack is matched there) and
	 * a creation writes it.  Here rather than at the slot stage, so
	 * that a lone event's two index lines come in together. */
	if (ev->status == OSE_ST_NEW)
		pf_cid(t, ev);
	/* A terminal status may close an open order and evict its book's
	 * oldest executed one: found here, through the event's own (venue,
	 * symbol) and the few, cached books, not through the order's slot,
	 * which is not here yet.  At the slot stage (4 ahead, pf_late 2)
	 * a cold index line did not arrive in time (session 8). */
	if (ev->status >= OSE_ST_FILLED && ev->status < OSE_ST_COUNT) {
		uint32_t at, b = book_find(t, ev->venue, ev->symbol, sl, &at);
		if (b != OSE_NIL)
			pf_victim(t, &t->books[b]);
	}
	return h;
}

/* The first slot whose index entry carries h's tag, or OSE_NIL: a
 * candidate, which is all a hint needs (a few probes at most, load factor
 * <= 1/2). */
static uint32_t pf_find(const struct ose_tbl *t, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	uint64_t mask = t->idx_mask;
	for (uint64_t i = tag & mask, n = 0; n < 8; i = (i + 1) & mask, n++) {
		uint64_t e = t->oid_idx[i];
		if (!e)
			break;
		if (OSE_IDX_TAG(e) == tag && OSE_IDX_SLOT(e) < t->hdr->capacity)
			return OSE_IDX_SLOT(e);
	}
	return OSE_NIL;
}

static void pf_slot(const struct ose_tbl *t, const struct ose_event *ev, uint64_t h)
{
	if (!h)
		return;
	uint32_t s = pf_find(t, h);
	if (s != OSE_NIL) {
		/* The lines an update reads (shm/state.h): 0-1 always, 2 for
		 * the key compare; 4 (history) if the event carries a status,
		 * which may be a transition: the same page, so no second page
		 * walk, and waiting for line 0 to decide would stall the
		 * pipeline; 3 if a fill may add its fee. */
		pf_lines(&t->slots[s], LINE_KEY_END);
		if (ev->status != OSE_ST_NONE)
			pf_w((const char *)&t->slots[s] + LINE4_OFF);
		if (ev->status >= OSE_ST_FILLED) /* closing: its links (line 5), read by pf_late */
			pf_w(&t->slots[s].prev);
		if (ev->flags & OSE_EVF_HAS_LAST) {
			pf_lines(&t->memo[s], sizeof(struct ose_slot_memo));
			if (ev->flags & OSE_EVF_HAS_FEE)
				pf_w((const char *)&t->slots[s] + LINE3_OFF);
		}
		return;
	}
	/* A new order: the slot it will take (the free list's head, reused
	 * LIFO so usually still cached) and its memo; with a client id, the
	 * client-id index line the apply probes (the ack of a registered
	 * order) and inserts into: a miss on it cost a new order a cold
	 * line's wait (session 8: p50 250-350 ns with client ids against
	 * 115-170 without). */
	if (ev->status != OSE_ST_NEW) /* NEW: pf_key did */
		pf_cid(t, ev);
	uint32_t f = (uint32_t)t->hdr->free_head;
	if (f == OSE_NIL)
		f = (uint32_t)t->hdr->slots_used;
	if (f < t->hdr->capacity) {
		pf_lines(&t->slots[f], sizeof(struct ose_slot));
		pf_lines(&t->memo[f], sizeof(struct ose_slot_memo));
	}
}

/* For an order closing, once its slot has arrived: the list links
 * closing it will edit. */
static void pf_late(const struct ose_tbl *t, const struct ose_event *ev, uint64_t h)
{
	if (!h || ev->status < OSE_ST_FILLED)
		return;
	uint32_t s = pf_find(t, h);
	if (s == OSE_NIL)
		return;
	const struct ose_slot *o = &t->slots[s];
	if (!(o->oflags & OSE_OF_OPEN))
		return;
	if (o->prev < t->hdr->capacity)
		pf_w(&t->slots[o->prev].next);
	if (o->next < t->hdr->capacity)
		pf_w(&t->slots[o->next].prev);
	if (o->book < t->hdr->book_cap) {
		uint32_t tl = t->books[o->book].exec_tail;
		if (tl < t->hdr->capacity)
			pf_w(&t->slots[tl].next);
	}
}

/* Pipeline distances (events ahead of the apply) of the three stages.
 * 8/4/2 rather than 4/2/1: at 1M resident an event is ~350 ns under load,
 * a miss behind this VM's page walks up to ~500 ns, and the slot stage
 * reads the index line the key stage fetched (16/8/3 and 12/6/3 measured
 * no better, within this machine's noise). */
#define PF_KEY OSE_TBL_PF_AHEAD
#define PF_SLOT 4
#define PF_LATE 2

void ose_tbl_pf_resume(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		       uint32_t have, uint64_t *hs)
{
	/* The previous batch's steps ran each stage for the records it
	 * peeked past its end, as far as that stage's distance reached: the
	 * key stage for all `have` of them, the slot stage for the first
	 * PF_SLOT, the late stage for the first PF_LATE.  Only the rest
	 * runs here. */
	if (have > n)
		have = n;
	for (uint32_t k = have; k < n && k < PF_KEY; k++)
		hs[k] = pf_key(t, evs[k]);
	for (uint32_t k = have < PF_SLOT ? have : PF_SLOT; k < n && k < PF_SLOT; k++)
		pf_slot(t, evs[k], hs[k]);
	for (uint32_t k = have < PF_LATE ? have : PF_LATE; k < n && k < PF_LATE; k++)
		pf_late(t, evs[k], hs[k]);
}

void ose_tbl_pf_start(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		      uint64_t *hs)
{
	ose_tbl_pf_resume(t, evs, n, 0, hs);
}

uint32_t ose_tbl_pf_carry(uint64_t *hs, uint32_t n, uint32_t k)
{
	uint32_t have = k < n ? n - k : 0;
	if (have > PF_KEY)
		have = PF_KEY;
	memmove(hs, hs + k, have * sizeof(*hs));
	return have;
}

void ose_tbl_pf_step(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		     uint32_t i, uint64_t *hs)
{
	if (i + PF_KEY < n)
		hs[i + PF_KEY] = pf_key(t, evs[i + PF_KEY]);
	if (i + PF_SLOT < n)
		pf_slot(t, evs[i + PF_SLOT], hs[i + PF_SLOT]);
	if (i + PF_LATE < n)
		pf_late(t, evs[i + PF_LATE], hs[i + PF_LATE]);
}

uint32_t ose_tbl_find_oid(const struct ose_tbl *t, uint8_t venue, const char *account,
			  const char *symbol, const char *order_id)
{
	if (!order_id || !order_id[0])
		return OSE_NIL;
	/* The caller's strings in an event's fixed arrays: the probe is then
	 * the apply's. */
	struct ose_event ev;
	ev.venue = venue;
	size_t ol = ose_fk_put(ev.order_id, order_id, OSE_ID_MAX);
	size_t sl = ose_fk_put(ev.symbol, symbol, OSE_SYMBOL_MAX);
	size_t al = ose_fk_put(ev.account, account, OSE_ACCOUNT_MAX);
	if (sl == OSE_SYMBOL_MAX || ol == OSE_ID_MAX || al == OSE_ACCOUNT_MAX)
		return OSE_NIL; /* cannot be in a field of that size */
	return find_oid_ev(t, ose_key_oid_fix(venue, ev.symbol, sl, ev.order_id, ol), &ev, sl, ol, al);
}

/* Client-id lookup.  symbol NULL/"" matches any symbol; pending_only picks
 * only orders that have no exchange id yet (the ack match). */
static uint32_t find_cid(const struct ose_tbl *t, uint8_t venue, const char *account,
			 const char *symbol, const char *client_id, int pending_only)
{
	if (!client_id || !client_id[0])
		return OSE_NIL;
	uint64_t h = ose_key_cid(venue, client_id);
	uint32_t tag = (uint32_t)(h >> 32);
	uint64_t mask = t->idx_mask;
	uint32_t best = OSE_NIL;
	for (uint64_t i = tag & mask;; i = (i + 1) & mask) {
		uint64_t e = t->cid_idx[i];
		if (!e)
			return best;
		if (OSE_IDX_TAG(e) != tag)
			continue;
		uint32_t s = OSE_IDX_SLOT(e);
		const struct ose_slot *o = &t->slots[s];
		if (o->venue != venue || !streq(o->client_id, client_id, OSE_ID_MAX))
			continue;
		if (account && account[0] && !streq(o->account, account, OSE_ACCOUNT_MAX))
			continue;
		if (symbol && symbol[0] && !streq(o->symbol, symbol, OSE_SYMBOL_MAX))
			continue;
		if (pending_only && o->order_id[0])
			continue;
		/* Several orders may reuse a client id over time: prefer an
		 * open one, else the first found. */
		if (o->oflags & OSE_OF_OPEN)
			return s;
		if (best == OSE_NIL)
			best = s;
	}
}

uint32_t ose_tbl_find_cid(const struct ose_tbl *t, uint8_t venue, const char *account,
			  const char *symbol, const char *client_id)
{
	return find_cid(t, venue, account, symbol, client_id, 0);
}

/* ---- books and lists ---------------------------------------------------- */

/* The book of (venue, symbol), symbol a fixed OSE_SYMBOL_MAX array (an
 * event's or a command's, validated terminated); created if asked. */
static uint32_t book_get(struct ose_tbl *t, uint8_t venue, const char *symbol, int create)
{
	size_t sl = ose_fk_len(symbol, OSE_SYMBOL_MAX);
	uint32_t i;
	uint32_t found = book_find(t, venue, symbol, sl, &i);
	if (found != OSE_NIL)
		return found;
	if (!create || t->hdr->books_used >= t->hdr->book_cap)
		return OSE_NIL;
	uint32_t n = (uint32_t)t->hdr->books_used;
	struct ose_book *b = &t->books[n];
	/* Written before the index entry is published (release below); never
	 * changed afterwards. */
	b->venue = venue;
	ose_fk_copy(b->symbol, symbol, OSE_SYMBOL_MAX);
	STR(&b->open_head, OSE_NIL);
	STR(&b->exec_head, OSE_NIL);
	STR(&b->exec_tail, OSE_NIL);
	STR(&t->hdr->books_used, (uint64_t)n + 1);
	/* Pairs with the reader's acquire load of the book index entry. */
	__atomic_store_n(&t->book_idx[i], n + 1, __ATOMIC_RELEASE);
	return n;
}

static inline void book_begin(struct ose_book *b)
{
	STR(&b->ver, b->ver + 1);
	/* Odd version before any link store; pairs with the reader's acquire
	 * fence before it re-reads ver (libose list walk). */
	ose_shm_fence_release();
}

static inline void book_end(struct ose_book *b)
{
	/* Publishes the links; pairs with the reader's acquire load of ver. */
	__atomic_store_n(&b->ver, b->ver + 1, __ATOMIC_RELEASE);
}

static void open_push(struct ose_tbl *t, struct ose_book *b, uint32_t s)
{
	struct ose_slot *o = &t->slots[s];
	STR(&o->prev, OSE_NIL);
	STR(&o->next, b->open_head);
	if (b->open_head != OSE_NIL)
		STR(&t->slots[b->open_head].prev, s);
	STR(&b->open_head, s);
	STR(&b->open_count, b->open_count + 1);
}

static void open_unlink(struct ose_tbl *t, struct ose_book *b, uint32_t s)
{
	struct ose_slot *o = &t->slots[s];
	if (o->prev != OSE_NIL)
		STR(&t->slots[o->prev].next, o->next);
	else
		STR(&b->open_head, o->next);
	if (o->next != OSE_NIL)
		STR(&t->slots[o->next].prev, o->prev);
	STR(&o->prev, OSE_NIL);
	STR(&o->next, OSE_NIL);
	STR(&b->open_count, b->open_count - 1);
}

static void exec_append(struct ose_tbl *t, struct ose_book *b, uint32_t s)
{
	struct ose_slot *o = &t->slots[s];
	STR(&o->next, OSE_NIL);
	STR(&o->prev, b->exec_tail);
	if (b->exec_tail != OSE_NIL)
		STR(&t->slots[b->exec_tail].next, s);
	else
		STR(&b->exec_head, s);
	STR(&b->exec_tail, s);
	if (b->exec_count == 0)
		cnt_add(&t->st->exec_symbols, 1);
	STR(&b->exec_count, b->exec_count + 1);
}

static void exec_unlink(struct ose_tbl *t, struct ose_book *b, uint32_t s)
{
	struct ose_slot *o = &t->slots[s];
	if (o->prev != OSE_NIL)
		STR(&t->slots[o->prev].next, o->next);
	else
		STR(&b->exec_head, o->next);
	if (o->next != OSE_NIL)
		STR(&t->slots[o->next].prev, o->prev);
	else
		STR(&b->exec_tail, o->prev);
	STR(&o->prev, OSE_NIL);
	STR(&o->next, OSE_NIL);
	STR(&b->exec_count, b->exec_count - 1);
	if (b->exec_count == 0)
		cnt_sub(&t->st->exec_symbols, 1);
}

/* Drops the oldest executed orders of b beyond the bound.  Open orders are
 * never here, so never evicted. */
static void exec_trim(struct ose_tbl *t, struct ose_book *b)
{
	while (b->exec_count > t->hdr->exec_bound) {
		uint32_t s = b->exec_head;
		const struct ose_slot *o = &t->slots[s];
		exec_unlink(t, b, s);
		if (o->order_id[0])
			idx_delete(t, t->oid_idx, t->idx_mask, o->oid_hash, s);
		if (o->client_id[0])
			idx_delete(t, t->cid_idx, t->idx_mask, o->cid_hash, s);
		slot_free(t, s);
		cnt_sub(&t->st->executed_cached, 1);
		cnt_sub(&t->st->tracked, 1);
		cnt_add(&t->st->evicted, 1);
	}
	/* The next victim is known now: the new head.  Prefetch its lines,
	 * which its eviction (at this book's next execution) writes, so
	 * that eviction does not wait on memory.  Only its lines: the
	 * successor's link and its index entries need its fields (next,
	 * oid_hash, cid_hash), and reading them here, while the lines are
	 * still on their way from memory, stalled this close for a cache
	 * miss (and the events after it, behind it in the reorder buffer;
	 * session 8).  pf_key reads them, lines cached by then, for the
	 * close that will evict this order, eight events before it. */
	uint32_t w = b->exec_head;
	if (w != OSE_NIL && b->exec_count == t->hdr->exec_bound) {
		pf_lines(&t->slots[w], sizeof(struct ose_slot));
		/* Its memo too: evicted, its slot heads the free list, and
		 * the next new order takes it and writes the memo (a cold
		 * line there was most of a new order's p99 at 1M, hot10k:
		 * 529-540 -> 407-416 ns, session 8). */
		pf_lines(&t->memo[w], sizeof(struct ose_slot_memo));
	}
}

/* ---- the lifecycle ------------------------------------------------------ */

/* Rank of a status in the open lattice; every terminal status ranks 5. */
static inline int rank(uint8_t st)
{
	switch (st) {
	case OSE_ST_PENDING_NEW: return 1;
	case OSE_ST_NEW: return 2;
	case OSE_ST_PARTIALLY_FILLED: return 3;
	case OSE_ST_PENDING_CANCEL: return 4;
	case OSE_ST_NONE: return 0;
	default: return 5;
	}
}

static inline int term(uint8_t st)
{
	return st >= OSE_ST_FILLED && st < OSE_ST_COUNT;
}

static void hist_push(struct ose_slot *o, uint8_t st, int64_t now)
{
	unsigned i = o->hist_len % OSE_HIST_MAX;
	o->hist_ts[i] = now;
	o->hist_st[i] = st;
	if (o->hist_len < 255)
		o->hist_len++;
	else
		o->hist_len = 255 - ((255 - OSE_HIST_MAX) % OSE_HIST_MAX); /* keep ring order */
}

static void count_terminal(struct ose_tbl *t, uint8_t st)
{
	switch (st) {
	case OSE_ST_FILLED: cnt_add(&t->st->filled_total, 1); break;
	case OSE_ST_CANCELED: cnt_add(&t->st->canceled_total, 1); break;
	case OSE_ST_EXPIRED: cnt_add(&t->st->expired_total, 1); break;
	case OSE_ST_REJECTED: cnt_add(&t->st->rejected_total, 1); break;
	default: break;
	}
}

/* Records the status change prev -> st in o (history, counters, stuck). */
static void transition(struct ose_tbl *t, struct ose_slot *o, uint8_t prev, uint8_t st,
		       int64_t now)
{
	if ((prev == OSE_ST_NONE || prev == OSE_ST_PENDING_NEW) &&
	    (st == OSE_ST_PARTIALLY_FILLED || st == OSE_ST_FILLED || st == OSE_ST_PENDING_CANCEL))
		hist_push(o, OSE_ST_NEW, now); /* a fill or cancel implies the accept */
	hist_push(o, st, now);
	o->status = st;
	if (prev == OSE_ST_PENDING_NEW && st != OSE_ST_PENDING_NEW) {
		if (o->oflags & OSE_OF_REGISTERED)
			cnt_add(&t->st->pending_acked, 1);
		if (o->oflags & OSE_OF_STUCK) {
			o->oflags &= (uint16_t)~OSE_OF_STUCK;
			cnt_sub(&t->st->stuck_now, 1);
		}
	}
	if (term(st))
		count_terminal(t, st);
}

/* Publishes o into slot s (the payload words in mask changed) and moves it
 * between lists if it became terminal (was_open: it was in the open list). */
static void commit_existing(struct ose_tbl *t, uint32_t s, struct ose_slot *o, int was_open,
			    uint64_t mask)
{
	int now_open = !term(o->status);
	struct ose_book *b = &t->books[o->book];
	if (was_open && !now_open) {
		o->oflags = (uint16_t)((o->oflags & ~OSE_OF_OPEN) | OSE_OF_EXECUTED);
		slot_publish_mask(t, s, o, mask | WBIT(oflags));
		book_begin(b);
		open_unlink(t, b, s);
		exec_append(t, b, s);
		book_end(b);
		cnt_sub(&t->st->open, 1);
		cnt_add(&t->st->executed_cached, 1);
		book_begin(b);
		exec_trim(t, b);
		book_end(b);
	} else {
		slot_publish_mask(t, s, o, mask);
	}
}

/* Inserts a freshly built order o into slot s: payload, indices, list. */
static void commit_new(struct ose_tbl *t, uint32_t s, struct ose_slot *o)
{
	struct ose_book *b = &t->books[o->book];
	int open = !term(o->status);
	o->oflags |= open ? OSE_OF_OPEN : OSE_OF_EXECUTED;
	slot_publish(t, s, o);
	STR(&t->slots[s].cid_hash, o->cid_hash);
	if (o->order_id[0])
		idx_insert(t->oid_idx, t->idx_mask, o->oid_hash, s);
	if (o->client_id[0])
		idx_insert(t->cid_idx, t->idx_mask, o->cid_hash, s);
	book_begin(b);
	if (open)
		open_push(t, b, s);
	else
		exec_append(t, b, s);
	book_end(b);
	cnt_add(&t->st->tracked, 1);
	if (open) {
		cnt_add(&t->st->open, 1);
	} else {
		cnt_add(&t->st->executed_cached, 1);
		book_begin(b);
		exec_trim(t, b);
		book_end(b);
	}
}

/* Zeroes n bytes (a multiple of 16) with 16-byte stores.  memset of a
 * local slot image (384 bytes) and memo (96) became `rep stosq`, whose
 * start-up cost (tens of cycles each) every new order paid; the empty asm
 * keeps GCC from turning the loop back into that memset. */
static inline void zero16(void *p, size_t n)
{
#ifdef __SSE2__
	for (size_t o = 0; o < n; o += 16) {
		_mm_storeu_si128((__m128i *)(void *)((char *)p + o), _mm_setzero_si128());
		__asm__("" : : "r"(p) : "memory");
	}
#else
	memset(p, 0, n);
#endif
}

/* Lines of an existing order that ose_tbl_apply_h copies only on use. */
#define HAVE_L3 1u /* fee, symbol, created_ns, oid_hash */
#define HAVE_L4 2u /* hist_ts */

/* Copies line l (HAVE_L3 or HAVE_L4) of the slot src into o once. */
static inline void need_line(struct ose_slot *o, const struct ose_slot *src, unsigned *have,
			     unsigned l)
{
	if (*have & l)
		return;
	size_t off = l == HAVE_L3 ? LINE3_OFF : LINE4_OFF;
	memcpy((char *)o + off, (const char *)src + off, 64);
	*have |= l;
}

/* 1 if ev can be applied; stores the lengths of its symbol and order id
 * (measured once, reused by the hash and the key compare). */
static int event_valid(const struct ose_event *ev, size_t *sl, size_t *ol, size_t *al)
{
	if (ev->venue == OSE_VENUE_NONE || ev->venue >= OSE_VENUE_COUNT ||
	    ev->status >= OSE_ST_COUNT || ev->side > OSE_SIDE_SELL)
		return 0;
	/* An empty string is terminated at byte 0: only non-empty ones are
	 * scanned (events without a client or trade id are common). */
	*sl = ose_fk_len(ev->symbol, OSE_SYMBOL_MAX);
	*ol = ev->order_id[0] ? ose_fk_len(ev->order_id, OSE_ID_MAX) : 0;
	*al = ev->account[0] ? ose_fk_len(ev->account, OSE_ACCOUNT_MAX) : 0;
	if (*sl == OSE_SYMBOL_MAX || *ol == OSE_ID_MAX || *al == OSE_ACCOUNT_MAX ||
	    (ev->client_id[0] && !terminated(ev->client_id, OSE_ID_MAX)) ||
	    (ev->trade_id[0] && !terminated(ev->trade_id, OSE_ID_MAX)))
		return 0;
	if (!ev->symbol[0] || (!ev->order_id[0] && !ev->client_id[0]))
		return 0;
	return 1;
}

/* *r = a + b.  Returns 1 if the sum does not fit an ose_dec (then *r is
 * wrapped and must not be used): fees and fill sums accumulate, and a
 * producer's garbage can be near the type's limit. */
static inline int dec_add(ose_dec a, ose_dec b, ose_dec *r)
{
	return __builtin_expect(__builtin_add_overflow(a, b, r), 0);
}

/* Adds fee to the order as it will be (o, line 3 copied in from src
 * first).  Returns 1, o's fee then unusable, if the sum does not fit. */
static inline int fee_add(struct ose_slot *o, const struct ose_slot *src, unsigned *have,
			  ose_dec fee)
{
	need_line(o, src, have, HAVE_L3);
	if (dec_add(o->fee, fee, &o->fee))
		return 1;
	o->oflags |= OSE_OF_HAS_FEE;
	return 0;
}

static int memo_has(const struct ose_slot_memo *m, uint64_t th)
{
	for (unsigned i = 0; i < OSE_TRADE_MEMO; i++)
		if (m->trade[i] == th)
			return 1;
	return 0;
}

enum ose_ap ose_tbl_apply(struct ose_tbl *t, const struct ose_event *ev, int64_t now,
			  struct ose_ap_out *out)
{
	return ose_tbl_apply_h(t, ev, 0, now, out);
}

enum ose_ap ose_tbl_apply_h(struct ose_tbl *t, const struct ose_event *ev, uint64_t hash,
			    int64_t now, struct ose_ap_out *out)
{
	struct ose_stats *st = t->st;
	out->slot = OSE_NIL;
	out->prev_status = out->status = OSE_ST_NONE;
	out->created = out->executed = 0;

	switch (ev->kind) {
	case OSE_EV_ORDER:
	case OSE_EV_FILL:
		break;
	case OSE_EV_HEARTBEAT:
	case OSE_EV_BALANCE:
		return OSE_AP_IGNORED;
	case OSE_EV_GAP:
		cnt_add(&st->gaps, 1);
		if (ev->venue > OSE_VENUE_NONE && ev->venue < OSE_VENUE_COUNT)
			STR(&st->reconcile_venues, st->reconcile_venues | (1ull << ev->venue));
		return OSE_AP_GAP;
	default:
		cnt_add(&st->invalid_events, 1);
		return OSE_AP_INVALID;
	}
	uint16_t f = ev->flags;
	int has_last = (f & OSE_EVF_HAS_LAST) && ev->last_qty > 0;
	size_t sl = 0, ol = 0, al = 0;
	if (!event_valid(ev, &sl, &ol, &al) || (ev->kind == OSE_EV_ORDER && ev->status == OSE_ST_NONE &&
				 !has_last && !(f & OSE_EVF_HAS_CUM_QTY)) ||
	    (ev->kind == OSE_EV_FILL && !(f & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_CUM_QTY))) ||
	    ((f & OSE_EVF_HAS_LAST) && ev->last_qty < 0) ||
	    ((f & OSE_EVF_HAS_CUM_QTY) && ev->cum_qty < 0) ||
	    ((f & OSE_EVF_HAS_QTY) && ev->qty < 0)) {
		cnt_add(&st->invalid_events, 1);
		return OSE_AP_INVALID;
	}
	if (f & OSE_EVF_QTY_IN_QUOTE)
		cnt_add(&st->qty_in_quote, 1);

	/* Find the order: (venue, account, symbol, order id), else a
	 * registered PENDING_NEW with this client id (the ack), else by
	 * client id alone when the event has no order id. */
	uint32_t s = OSE_NIL;
	int adopt = 0;
	uint64_t hk = 0;
	if (ev->order_id[0]) {
		hk = hash ? hash : ose_key_oid_fix(ev->venue, ev->symbol, sl, ev->order_id, ol);
		s = find_oid_ev(t, hk, ev, sl, ol, al);
	}
	if (s == OSE_NIL && ev->client_id[0]) {
		s = find_cid(t, ev->venue, ev->account, ev->symbol, ev->client_id,
			     ev->order_id[0] != 0);
		adopt = s != OSE_NIL && ev->order_id[0];
	}

	/* o: the order as it will be.  For an existing order only the lines
	 * the update needs are copied in (lines 0-2 always, 3 and 4 by
	 * need_line before their first use; `have` says which): the words
	 * outside them are never read, diffed or published. */
	struct ose_slot o;
	const struct ose_slot *src = NULL;
	unsigned have = 0;
	/* The memo (trade ids, fill sum) is read only for events that carry a
	 * fill: otherwise o.filled >= memo.fill_sum already (filled takes the
	 * max of both whenever the sum grows), so the sum cannot change it. */
	struct ose_slot_memo m;
	int created = 0, memo_in = 0, memo_dirty = 0;
	uint32_t book = OSE_NIL;
	if (s == OSE_NIL) {
		book = book_get(t, ev->venue, ev->symbol, 0);
		if (book == OSE_NIL && t->hdr->books_used >= t->hdr->book_cap) {
			cnt_add(&st->books_full, 1);
			return OSE_AP_FULL;
		}
		if (!slot_available(t)) {
			cnt_add(&st->table_full, 1);
			return OSE_AP_FULL;
		}
		if (book == OSE_NIL)
			book = book_get(t, ev->venue, ev->symbol, 1);
		s = slot_alloc(t);
		zero16(&o, sizeof(o));
		zero16(&m, sizeof(m));
		memo_in = 1;
		o.venue = ev->venue;
		o.book = book;
		ose_fk_copy(o.account, ev->account, OSE_ACCOUNT_MAX);
		ose_fk_copy(o.symbol, ev->symbol, OSE_SYMBOL_MAX);
		ose_fk_copy(o.order_id, ev->order_id, OSE_ID_MAX);
		ose_fk_copy(o.client_id, ev->client_id, OSE_ID_MAX);
		o.oid_hash = hk;
		o.cid_hash = 0;
		if (o.client_id[0]) {
			o.cid_hash = ose_key_cid(o.venue, o.client_id);
			o.oflags |= OSE_OF_HAS_CID;
		}
		o.created_ns = now;
		created = 1;
		have = HAVE_L3 | HAVE_L4;
	} else {
		src = &t->slots[s];
		memcpy(&o, src, LINE_KEY_END);
		if (has_last) {
			m = t->memo[s];
			memo_in = 1;
		}
	}
	const int had_cid = (o.oflags & OSE_OF_HAS_CID) != 0;
	uint8_t cur = o.status;

	/* Fills: dedup by trade id, sum distinct fills (the fill-channel
	 * view), guard the sum by the order quantity. */
	/* A fill without a trade id cannot be deduplicated: when the same
	 * message carries a cumulative (MEXC lastDealQuantity, Binance l with
	 * t=-1) the cumulative is authoritative and the fill is not summed,
	 * or a repeated message (or the same trade seen on the fill channel
	 * with its id) would overshoot.  Only a bare fill (no id, no
	 * cumulative) is summed, guarded by the quantity. */
	int trade_dup = 0, fill_new = 0;
	if (has_last) {
		if (!ev->trade_id[0] && (f & OSE_EVF_HAS_CUM_QTY)) {
			/* progress: this message's fill is new */
			if ((f & OSE_EVF_HAS_FEE) && ev->cum_qty > o.filled &&
			    fee_add(&o, src, &have, ev->fee))
				goto out_of_range;
		} else if (ev->trade_id[0]) {
			uint64_t th = ose_key_str(0x74726164ull, ev->trade_id, OSE_ID_MAX, 0) | 1;
			if (memo_has(&m, th)) {
				trade_dup = 1;
			} else {
				m.trade[m.ntrade % OSE_TRADE_MEMO] = th;
				m.ntrade++;
				memo_dirty = 1;
				fill_new = 1;
			}
		} else {
			fill_new = 1;
		}
	}
	ose_dec qty_known = 0;
	int have_qty = 0;
	if (o.oflags & OSE_OF_HAS_QTY) {
		qty_known = o.qty;
		have_qty = 1;
	}
	if ((f & OSE_EVF_HAS_QTY) && !have_qty) {
		qty_known = ev->qty;
		have_qty = 1;
	}
	if (fill_new) {
		ose_dec sum;
		if (dec_add(m.fill_sum, ev->last_qty, &sum))
			goto out_of_range;
		if ((f & OSE_EVF_HAS_FEE) && fee_add(&o, src, &have, ev->fee))
			goto out_of_range;
		if (have_qty && !(f & OSE_EVF_QTY_IN_QUOTE) && sum > qty_known) {
			cnt_add(&st->overfill_guard, 1);
			sum = qty_known > m.fill_sum ? qty_known : m.fill_sum;
		}
		if (sum != m.fill_sum)
			memo_dirty = 1;
		m.fill_sum = sum;
	}
	int has_cum = (f & OSE_EVF_HAS_CUM_QTY) != 0;
	ose_dec filled = o.filled;
	if (has_cum && ev->cum_qty > filled)
		filled = ev->cum_qty;
	if (memo_in && m.fill_sum > filled)
		filled = m.fill_sum;

	/* Status: a lattice join, so any delivery order converges. */
	uint8_t evst = ev->status;
	if (evst == OSE_ST_NEW && has_cum && ev->cum_qty > 0)
		evst = OSE_ST_PARTIALLY_FILLED; /* Coinbase: OPEN with fills */
	uint8_t nst = cur;
	int invalid = 0, stale = 0;
	if (cur == OSE_ST_NONE) {
		nst = evst != OSE_ST_NONE ? evst : OSE_ST_NEW;
	} else if (term(cur)) {
		if (term(evst) && evst != cur)
			invalid = 1; /* terminal states do not change */
		else if (evst != OSE_ST_NONE && !term(evst))
			stale = 1;   /* e.g. PARTIALLY_FILLED after FILLED */
		if (filled > o.filled) {
			o.oflags |= OSE_OF_LATE_FILL;
			cnt_add(&st->late_fills, 1);
		}
	} else if (term(evst)) {
		nst = evst;
	} else if (evst != OSE_ST_NONE) {
		ose_dec ecum = has_cum ? ev->cum_qty : o.filled;
		if (ecum > o.filled || (ecum == o.filled && rank(evst) > rank(cur)))
			nst = evst;
		else if (ecum < o.filled || rank(evst) < rank(cur))
			stale = 1;
	}
	if (!term(nst) && filled > 0 && rank(nst) < rank(OSE_ST_PARTIALLY_FILLED))
		nst = OSE_ST_PARTIALLY_FILLED;

	/* Fields: absent ones never overwrite; present ones overwrite unless
	 * the event is behind what we hold. */
	int behind = stale || invalid || (has_cum && ev->cum_qty < o.filled);
	if (!o.side && ev->side)
		o.side = ev->side;
	if (!o.ord_type && ev->ord_type)
		o.ord_type = ev->ord_type;
	if (!o.tif && ev->tif)
		o.tif = ev->tif;
	if ((f & OSE_EVF_HAS_PRICE) && (!(o.oflags & OSE_OF_HAS_PRICE) || !behind)) {
		o.price = ev->price;
		o.oflags |= OSE_OF_HAS_PRICE;
	}
	if ((f & OSE_EVF_HAS_QTY) && (!(o.oflags & OSE_OF_HAS_QTY) || !behind)) {
		o.qty = ev->qty;
		o.oflags |= OSE_OF_HAS_QTY;
	}
	if ((f & OSE_EVF_HAS_AVG_PX) &&
	    (!(o.oflags & OSE_OF_HAS_AVG_PX) || (!behind && (!has_cum || ev->cum_qty >= filled)))) {
		o.avg_px = ev->avg_px;
		o.oflags |= OSE_OF_HAS_AVG_PX;
	}
	if (f & OSE_EVF_QTY_IN_QUOTE)
		o.oflags |= OSE_OF_QTY_IN_QUOTE;
	if (!had_cid && ev->client_id[0]) {
		/* The slot's client_id is all zero: only these words are
		 * diffed against it, the rest of line 5 is not copied. */
		ose_fk_copy(o.client_id, ev->client_id, OSE_ID_MAX);
		o.cid_hash = ose_key_cid(o.venue, o.client_id);
		o.oflags |= OSE_OF_HAS_CID;
	}
	if (adopt) {
		need_line(&o, src, &have, HAVE_L3);
		ose_fk_copy(o.order_id, ev->order_id, OSE_ID_MAX);
		o.oid_hash = hk;
	}
	if (ev->exch_ts_ns > o.exch_ts_ns)
		o.exch_ts_ns = ev->exch_ts_ns;
	if ((f & OSE_EVF_HAS_SEQ) && ev->venue_seq > o.venue_seq)
		o.venue_seq = ev->venue_seq;
	if (filled > o.filled)
		cnt_add(&st->fills_applied, 1);
	o.filled = filled;
	if (nst != cur) {
		need_line(&o, src, &have, HAVE_L4);
		transition(t, &o, cur, nst, now);
	}

	/* Changed: a new order, a new memo, or a payload word that differs
	 * (then only those words are published, see slot_publish_diff). */
	uint64_t dmask = WALL;
	if (!created) {
		dmask = slot_diff(t, s, &o, DW(venue), DW_END(avg_px));
		if (have & HAVE_L3)
			dmask |= slot_diff(t, s, &o, DW(fee), DW_END(fee));
		if (have & HAVE_L4)
			dmask |= slot_diff(t, s, &o, DW(hist_ts), DW_END(hist_ts));
		if (adopt)
			dmask |= slot_diff(t, s, &o, DW(order_id), DW_END(order_id)) |
				 slot_diff(t, s, &o, DW(oid_hash), DW_END(oid_hash));
		if (!had_cid && (o.oflags & OSE_OF_HAS_CID))
			dmask |= slot_diff(t, s, &o, DW(client_id), DW_END(client_id));
	}
	int changed = created || memo_dirty || dmask;
	out->slot = s;
	out->prev_status = cur;
	out->status = o.status;
	if (!changed) {
		if (trade_dup) {
			cnt_add(&st->fill_dup_trade, 1);
			return OSE_AP_DUP;
		}
		if (invalid) {
			cnt_add(&st->invalid_transitions, 1);
			return OSE_AP_INVALID_TR;
		}
		if (stale) {
			cnt_add(&st->stale, 1);
			return OSE_AP_STALE;
		}
		cnt_add(&st->duplicates, 1);
		return OSE_AP_DUP;
	}
	if (invalid)
		cnt_add(&st->invalid_transitions, 1);
	if (trade_dup)
		cnt_add(&st->fill_dup_trade, 1);
	o.updated_ns = now;
	o.updates++;
	dmask |= WBIT(updated_ns) | WBIT(updates);
	/* Memo first: it is engine-private, and a crash in between is
	 * covered by the batch-level recovery (docs/engine.md). */
	if (created || memo_dirty)
		t->memo[s] = m;
	if (created) {
		commit_new(t, s, &o);
		out->created = 1;
	} else {
		if (adopt)
			idx_insert(t->oid_idx, t->idx_mask, o.oid_hash, s);
		if (!had_cid && (o.oflags & OSE_OF_HAS_CID)) {
			idx_insert(t->cid_idx, t->idx_mask, o.cid_hash, s);
			STR(&t->slots[s].cid_hash, o.cid_hash);
		}
		commit_existing(t, s, &o, !term(cur), dmask);
	}
	out->executed = term(o.status);
	/* Release: pairs with ose-dump's acquire load of the counters before
	 * it scans the slots (tools/dump/dump_read.c): the slot published
	 * above is visible to whoever sees this count. */
	__atomic_store_n(&st->events_applied, LD(&st->events_applied) + 1, __ATOMIC_RELEASE);
	STR(&t->hdr->applied_total, t->hdr->applied_total + 1);
	return OSE_AP_APPLIED;

out_of_range:
	/* A fee or fill sum past ose_dec's range: nothing was written yet
	 * (o and m are copies), so the refusal touches no order. */
	cnt_add(&st->invalid_events, 1);
	cnt_add(&st->out_of_range, 1);
	return OSE_AP_INVALID;
}

enum ose_ap ose_tbl_register(struct ose_tbl *t, const struct ose_cmd *c, int64_t now,
			     struct ose_ap_out *out)
{
	struct ose_stats *st = t->st;
	out->slot = OSE_NIL;
	out->prev_status = out->status = OSE_ST_NONE;
	out->created = out->executed = 0;
	if (c->venue == OSE_VENUE_NONE || c->venue >= OSE_VENUE_COUNT ||
	    !terminated(c->account, OSE_ACCOUNT_MAX) || !terminated(c->symbol, OSE_SYMBOL_MAX) ||
	    !terminated(c->client_id, OSE_ID_MAX) || !c->symbol[0] || !c->client_id[0] ||
	    c->side > OSE_SIDE_SELL) {
		cnt_add(&st->invalid_events, 1);
		return OSE_AP_INVALID;
	}
	uint32_t s = find_cid(t, c->venue, c->account, c->symbol, c->client_id, 0);
	if (s != OSE_NIL) {
		/* Registered twice, or the venue's ack won the race: the
		 * order is already tracked. */
		out->slot = s;
		out->prev_status = out->status = t->slots[s].status;
		cnt_add(&st->duplicates, 1);
		return OSE_AP_DUP;
	}
	uint32_t book = book_get(t, c->venue, c->symbol, 0);
	if (book == OSE_NIL && t->hdr->books_used >= t->hdr->book_cap) {
		cnt_add(&st->books_full, 1);
		return OSE_AP_FULL;
	}
	if (!slot_available(t)) {
		cnt_add(&st->table_full, 1);
		return OSE_AP_FULL;
	}
	if (book == OSE_NIL)
		book = book_get(t, c->venue, c->symbol, 1);
	s = slot_alloc(t);
	struct ose_slot o;
	memset(&o, 0, sizeof(o));
	o.venue = c->venue;
	o.book = book;
	o.side = c->side;
	o.ord_type = c->ord_type;
	o.tif = c->tif;
	ose_fk_copy(o.account, c->account, OSE_ACCOUNT_MAX);
	ose_fk_copy(o.symbol, c->symbol, OSE_SYMBOL_MAX);
	ose_fk_copy(o.client_id, c->client_id, OSE_ID_MAX);
	o.cid_hash = ose_key_cid(o.venue, o.client_id);
	if (c->flags & OSE_CMDF_HAS_PRICE) {
		o.price = c->price;
		o.oflags |= OSE_OF_HAS_PRICE;
	}
	if (c->flags & OSE_CMDF_HAS_QTY) {
		o.qty = c->qty;
		o.oflags |= OSE_OF_HAS_QTY;
	}
	o.oflags |= OSE_OF_REGISTERED | OSE_OF_HAS_CID;
	o.created_ns = o.updated_ns = now;
	o.updates = 1;
	transition(t, &o, OSE_ST_NONE, OSE_ST_PENDING_NEW, now);
	memset(&t->memo[s], 0, sizeof(t->memo[s]));
	commit_new(t, s, &o);
	cnt_add(&st->registered, 1);
	/* Release: as in ose_tbl_apply_h (ose-dump's counters-first read). */
	__atomic_store_n(&st->events_applied, LD(&st->events_applied) + 1, __ATOMIC_RELEASE);
	STR(&t->hdr->applied_total, t->hdr->applied_total + 1);
	out->slot = s;
	out->status = OSE_ST_PENDING_NEW;
	out->created = 1;
	return OSE_AP_APPLIED;
}

static int pending_match(const struct ose_tbl *t, uint32_t s, const char *client_id)
{
	if (s >= t->hdr->capacity)
		return 0;
	const struct ose_slot *o = &t->slots[s];
	return o->venue != OSE_VENUE_NONE && o->status == OSE_ST_PENDING_NEW &&
	       streq(o->client_id, client_id, OSE_ID_MAX);
}

enum ose_ap ose_tbl_mark_stuck(struct ose_tbl *t, uint32_t s, const char *client_id,
			       int64_t now, struct ose_ap_out *out)
{
	out->slot = s;
	out->created = out->executed = 0;
	if (!pending_match(t, s, client_id))
		return OSE_AP_NOT_FOUND;
	struct ose_slot o;
	memcpy(&o, &t->slots[s], sizeof(o));
	out->prev_status = out->status = o.status;
	if (o.oflags & OSE_OF_STUCK)
		return OSE_AP_DUP;
	o.oflags |= OSE_OF_STUCK;
	o.updated_ns = now;
	o.updates++;
	slot_publish(t, s, &o);
	cnt_add(&t->st->stuck_now, 1);
	cnt_add(&t->st->stuck_total, 1);
	return OSE_AP_APPLIED;
}

enum ose_ap ose_tbl_venue_not_found(struct ose_tbl *t, uint32_t s, const char *client_id,
				    int64_t now, struct ose_ap_out *out)
{
	out->slot = s;
	out->created = out->executed = 0;
	if (!pending_match(t, s, client_id))
		return OSE_AP_NOT_FOUND;
	struct ose_slot o;
	memcpy(&o, &t->slots[s], sizeof(o));
	out->prev_status = o.status;
	o.not_found++;
	o.oflags |= OSE_OF_NOT_FOUND;
	o.updated_ns = now;
	o.updates++;
	/* One "not found" can be a replication lag at the venue; only a
	 * second confirmed answer rejects (DESIGN §6). */
	if (o.not_found >= 2)
		transition(t, &o, OSE_ST_PENDING_NEW, OSE_ST_REJECTED, now);
	commit_existing(t, s, &o, 1, WALL);
	out->status = o.status;
	out->executed = term(o.status);
	/* Both answers change the slot (the count and the flag readers see):
	 * APPLIED, so the engine journals and publishes either. */
	return OSE_AP_APPLIED;
}

/* ---- rings -------------------------------------------------------------- */

struct ose_ring_ent *ose_tbl_ring_by_hash(struct ose_tbl *t, uint64_t name_hash)
{
	for (uint64_t i = 0; i < t->hdr->rings_used; i++)
		if (t->rings[i].name_hash == name_hash)
			return &t->rings[i];
	return NULL;
}

struct ose_ring_ent *ose_tbl_ring(struct ose_tbl *t, const char *name, uint64_t ring_created,
				  uint32_t kind, uint64_t start)
{
	uint64_t h = ose_key_name(name);
	struct ose_ring_ent *r = ose_tbl_ring_by_hash(t, h);
	if (!r) {
		if (t->hdr->rings_used >= t->hdr->ring_cap)
			return NULL;
		r = &t->rings[t->hdr->rings_used];
		memset(r, 0, sizeof(*r));
		scopy(r->name, name, OSE_RING_NAME_MAX);
		r->name_hash = h;
		STR(&r->ring_epoch, ring_created);
		STR(&r->applied, start);
		STR(&t->hdr->rings_used, t->hdr->rings_used + 1);
	}
	if (!r->name[0])
		scopy(r->name, name, OSE_RING_NAME_MAX); /* rebuilt from the journal */
	r->kind = kind;
	if (r->ring_epoch != ring_created) {
		/* Same name, new ring (recreated, indices restarted): what we
		 * applied from the old one says nothing about this one. */
		STR(&r->ring_epoch, ring_created);
		STR(&r->applied, start);
	}
	STR(&r->state, (uint32_t)OSE_RS_ACTIVE);
	return r;
}

/* ---- invariants --------------------------------------------------------- */

int ose_tbl_check(const struct ose_tbl *t)
{
	const struct ose_state_hdr *h = t->hdr;
	uint64_t open = 0, exec = 0, used = 0, exec_books = 0;
	for (uint64_t bi = 0; bi < h->books_used; bi++) {
		const struct ose_book *b = &t->books[bi];
		if (b->ver & 1)
			return -1;
		uint32_t n = 0, prev = OSE_NIL;
		for (uint32_t s = b->open_head; s != OSE_NIL; s = t->slots[s].next) {
			const struct ose_slot *o = &t->slots[s];
			if (++n > h->capacity || o->book != bi || term(o->status) ||
			    !(o->oflags & OSE_OF_OPEN) || o->prev != prev)
				return -2;
			prev = s;
		}
		if (n != b->open_count)
			return -3;
		open += n;
		n = 0;
		prev = OSE_NIL;
		for (uint32_t s = b->exec_head; s != OSE_NIL; s = t->slots[s].next) {
			const struct ose_slot *o = &t->slots[s];
			if (++n > h->capacity || o->book != bi || !term(o->status) ||
			    !(o->oflags & OSE_OF_EXECUTED) || o->prev != prev)
				return -4;
			prev = s;
		}
		if (n != b->exec_count || prev != b->exec_tail || n > h->exec_bound)
			return -5;
		exec += n;
		exec_books += n > 0;
	}
	for (uint64_t s = 0; s < h->slots_used; s++) {
		const struct ose_slot *o = &t->slots[s];
		if (o->venue == OSE_VENUE_NONE)
			continue;
		used++;
		if (o->oid_hash != (o->order_id[0] ? ose_key_oid(o->venue, o->symbol, o->order_id) : 0) ||
		    o->cid_hash != (o->client_id[0] ? ose_key_cid(o->venue, o->client_id) : 0) ||
		    !(o->oflags & OSE_OF_HAS_CID) != !o->client_id[0])
			return -11;
		/* The apply verifies a key's symbol through the book. */
		if (o->book >= h->books_used || t->books[o->book].venue != o->venue ||
		    memcmp(t->books[o->book].symbol, o->symbol, OSE_SYMBOL_MAX) != 0)
			return -12;
		if (o->order_id[0] &&
		    ose_tbl_find_oid(t, o->venue, o->account, o->symbol, o->order_id) != s)
			return -6;
		if (o->client_id[0] &&
		    find_cid(t, o->venue, o->account, o->symbol, o->client_id, 0) == OSE_NIL)
			return -7;
	}
	for (uint64_t i = 0; i <= t->idx_mask; i++) {
		uint64_t e = t->oid_idx[i];
		if (e && (OSE_IDX_SLOT(e) >= h->slots_used ||
			  t->slots[OSE_IDX_SLOT(e)].venue == OSE_VENUE_NONE))
			return -8;
		e = t->cid_idx[i];
		if (e && (OSE_IDX_SLOT(e) >= h->slots_used ||
			  t->slots[OSE_IDX_SLOT(e)].venue == OSE_VENUE_NONE))
			return -9;
	}
	if (used != open + exec || used != t->st->tracked || open != t->st->open ||
	    exec != t->st->executed_cached || exec_books != t->st->exec_symbols)
		return -10;
	return 0;
}
