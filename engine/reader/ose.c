/* SPDX-License-Identifier: MIT */
/*
 * libose: the reader side of shm/state.h.  Everything after ose_open reads
 * mapped memory only (no syscalls): 8-byte relaxed atomic loads validated
 * by the slot seqlocks, the index generation and the book versions.
 */
#include "ose/ose.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/keys.h"
#include "shm/bcast.h"
#include "shm/seg.h"
#include "shm/seqlock.h"
#include "shm/spsc.h"
#include "shm/wait.h"

#define LD(p) __atomic_load_n((p), OSE_SHM_WORD_LOAD)
#define TRIES 1000

struct ose_handle {
	struct ose_seg seg;
	const struct ose_state_hdr *hdr;
	const struct ose_stats *st;
	const struct ose_book *books;
	const uint32_t *book_idx;
	const struct ose_slot *slots;
	const uint64_t *oid_idx, *cid_idx;
	uint64_t idx_mask;
	uint32_t book_idx_mask, capacity, book_cap;
	char instance[32];
};

int ose_open(const char *instance, ose_t **out)
{
	if (!instance || !out || strlen(instance) >= 32)
		return -EINVAL;
	struct ose_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	char name[OSE_SEG_NAME_MAX];
	int rc = ose_seg_name_state(name, sizeof(name), instance);
	if (rc < 0)
		goto err;
	/* Huge pages as the engine asks for them (its state segment is
	 * OSE_SEG_F_HUGEPAGE): the mapping is advised and pre-faulted, so a
	 * segment the kernel backs with 2 MiB pages is PMD-mapped here too
	 * (one TLB entry per 2 MiB instead of 512: a find's three dependent
	 * loads otherwise each pay a page walk over a large table) and no
	 * find ever takes a first-touch fault. */
	rc = ose_seg_attach(&h->seg, name, OSE_SEG_STATE, OSE_SEG_F_HUGEPAGE);
	if (rc)
		goto err;
	const struct ose_state_hdr *s = h->seg.payload;
	size_t size = h->seg.payload_size;
	/* Pairs with the engine's release store of magic after formatting. */
	if (size < sizeof(*s) || __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != OSE_STATE_MAGIC) {
		rc = -EBADMSG;
		goto err_close;
	}
	if (s->version != OSE_STATE_VERSION || s->slot_size != sizeof(struct ose_slot) ||
	    s->book_size != sizeof(struct ose_book) || s->stats_size != sizeof(struct ose_stats) ||
	    s->hdr_size != sizeof(*s)) {
		rc = -EPROTO;
		goto err_close;
	}
	if (s->total_size > size || s->off_slots + (uint64_t)s->capacity * sizeof(struct ose_slot) > size ||
	    s->off_oid_idx + (uint64_t)s->idx_cap * 8 > size ||
	    s->off_cid_idx + (uint64_t)s->idx_cap * 8 > size ||
	    s->off_books + (uint64_t)s->book_cap * sizeof(struct ose_book) > size ||
	    s->off_book_idx + (uint64_t)s->book_idx_cap * 4 > size ||
	    s->off_stats + sizeof(struct ose_stats) > size || (s->idx_cap & (s->idx_cap - 1)) ||
	    (s->book_idx_cap & (s->book_idx_cap - 1)) || !s->idx_cap || !s->book_idx_cap) {
		rc = -EUCLEAN;
		goto err_close;
	}
	h->hdr = s;
	h->st = OSE_STATE_AT(s, s->off_stats, const struct ose_stats);
	h->books = OSE_STATE_AT(s, s->off_books, const struct ose_book);
	h->book_idx = OSE_STATE_AT(s, s->off_book_idx, const uint32_t);
	h->slots = OSE_STATE_AT(s, s->off_slots, const struct ose_slot);
	h->oid_idx = OSE_STATE_AT(s, s->off_oid_idx, const uint64_t);
	h->cid_idx = OSE_STATE_AT(s, s->off_cid_idx, const uint64_t);
	h->idx_mask = s->idx_cap - 1;
	h->book_idx_mask = s->book_idx_cap - 1;
	h->capacity = s->capacity;
	h->book_cap = s->book_cap;
	memcpy(h->instance, instance, strlen(instance) + 1);
	*out = h;
	return 0;
err_close:
	ose_seg_close(&h->seg);
err:
	free(h);
	return rc;
}

void ose_close(ose_t *h)
{
	if (!h)
		return;
	ose_seg_close(&h->seg);
	free(h);
}

long long ose_huge_bytes(const ose_t *h)
{
	if (!h)
		return -EINVAL;
	return ose_seg_huge_bytes(h->seg.base, h->seg.size);
}

int ose_engine_alive(const ose_t *h)
{
	return ose_seg_owner_alive(h->seg.hdr);
}

int64_t ose_engine_heartbeat_age_ns(const ose_t *h)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)LD(&h->hdr->heartbeat_ns);
}

static inline int streq(const char *a, const char *b, size_t max)
{
	return strncmp(a, b, max) == 0;
}

/* ose_key.kf */
#define KF_CID 0x01       /* a client-id key */
#define KF_ID_LONG 0x02   /* id of 24+ characters: words 3-5 compared too */
#define KF_SYM 0x04       /* symbol given */
#define KF_SYM_LONG 0x08  /* symbol of 16+ characters: words 2-3 too */
#define KF_ACCT 0x10      /* account given */
#define KF_ACCT_LONG 0x20 /* account of 8+ characters: word 1 too */
#define KF_NOHINT 0x40    /* ose_key_hint(k, 0) */
/* ose_key.w0 / w1 word positions of each field (its short form in w0,
 * the rest of the same field in w1 at the same positions). */
#define KW_ID 0
#define KW_SYM 3
#define KW_ACCT 5

int ose_key_hint(struct ose_key *k, int on)
{
	if (!k)
		return -EINVAL;
	k->kf = (uint8_t)(on ? k->kf & ~KF_NOHINT : k->kf | KF_NOHINT);
	k->hint = 0;
	return 0;
}

/* Payload word index of a slot field. */
#define PW(field) ((offsetof(struct ose_slot, field) - OSE_SLOT_PAYLOAD_OFF) / 8)

/* Builds k (the strings' words, through the NUL, split between its two
 * lines; the index hash from whole zero-filled arrays as the engine
 * hashes); sets and returns k->err. */
static int key_make(struct ose_key *k, uint8_t venue, const char *account, const char *symbol,
		    const char *id, int by_cid)
{
	/* Every field is written below (w0/w1 whole, from the zero-filled
	 * buffers): no memset of the key first. */
	k->hint = 0;
	k->err = 0;
	k->hash = 0;
	k->_rsv[0] = k->_rsv[1] = 0;
	k->venue = venue;
	k->idw = (uint8_t)(by_cid ? PW(client_id) : PW(order_id));
	/* ose_fk_put zero-fills each buffer (constant sizes: inline stores)
	 * and copies the caller's string once. */
	union {
		char c[OSE_ID_MAX];
		uint64_t w[OSE_ID_MAX / 8];
	} ib;
	union {
		char c[OSE_SYMBOL_MAX];
		uint64_t w[OSE_SYMBOL_MAX / 8];
	} sb;
	union {
		char c[OSE_ACCOUNT_MAX];
		uint64_t w[OSE_ACCOUNT_MAX / 8];
	} ab;
	size_t il = ose_fk_put(ib.c, id, OSE_ID_MAX);
	size_t sl = ose_fk_put(sb.c, symbol, OSE_SYMBOL_MAX);
	size_t al = ose_fk_put(ab.c, account, OSE_ACCOUNT_MAX);
	if (il == OSE_ID_MAX || sl == OSE_SYMBOL_MAX || al == OSE_ACCOUNT_MAX) {
		memset(k, 0, sizeof(*k));
		k->err = -ENOENT;
		return -ENOENT;
	}
	unsigned kf = by_cid ? KF_CID : 0;
	kf |= il >= 24 ? KF_ID_LONG : 0;
	kf |= sl ? KF_SYM : 0;
	kf |= sl >= 16 ? KF_SYM_LONG : 0;
	kf |= al ? KF_ACCT : 0;
	kf |= al >= 8 ? KF_ACCT_LONG : 0;
	k->kf = (uint8_t)kf;
	for (unsigned j = 0; j < 3; j++) {
		k->w0[KW_ID + j] = ib.w[j];
		k->w1[KW_ID + j] = ib.w[3 + j];
	}
	for (unsigned j = 0; j < 2; j++) {
		k->w0[KW_SYM + j] = sb.w[j];
		k->w1[KW_SYM + j] = sb.w[2 + j];
	}
	k->w0[KW_ACCT] = ab.w[0];
	k->w1[KW_ACCT] = ab.w[1];
	/* ose_key_cid / ose_key_oid (shm/state.h). */
	k->hash = by_cid ? ose_key_cid_fix(venue, ib.c, il)
			 : ose_key_oid_fix(venue, sb.c, sl, ib.c, il);
	return 0;
}
OSE_STATIC_ASSERT(OSE_ID_MAX == 48 && OSE_SYMBOL_MAX == 32 && OSE_ACCOUNT_MAX == 16,
		  "ose_key's word split (3+3 id, 2+2 symbol, 1+1 account)");

int ose_key_order(struct ose_key *k, enum ose_venue venue, const char *account,
		  const char *symbol, const char *order_id)
{
	if (!k)
		return -EINVAL;
	if (!symbol || !order_id || !order_id[0]) {
		memset(k, 0, sizeof(*k));
		k->err = -EINVAL;
		return -EINVAL;
	}
	return key_make(k, (uint8_t)venue, account, symbol, order_id, 0);
}

int ose_key_client(struct ose_key *k, enum ose_venue venue, const char *account,
		   const char *symbol, const char *client_id)
{
	if (!k)
		return -EINVAL;
	if (!client_id || !client_id[0]) {
		memset(k, 0, sizeof(*k));
		k->err = -EINVAL;
		return -EINVAL;
	}
	return key_make(k, (uint8_t)venue, account, symbol, client_id, 1);
}

#define LDW(sw, f) __atomic_load_n(&(sw)[PW(f)], OSE_SHM_WORD_LOAD)

static inline ose_dec ld_dec(const uint64_t *sw, unsigned i)
{
	uint64_t w[2] = {__atomic_load_n(&sw[i], OSE_SHM_WORD_LOAD),
			 __atomic_load_n(&sw[i + 1], OSE_SHM_WORD_LOAD)};
	ose_dec d;
	memcpy(&d, w, sizeof(d));
	return d;
}

/* max / 8 payload words from word i into the string array dst (NUL kept
 * at its end even from a torn copy; the seqlock check decides). */
static inline void ld_str(char *dst, const uint64_t *sw, size_t i, size_t max)
{
#pragma GCC unroll 8
	for (size_t j = 0; j < max / 8; j++) {
		uint64_t w = __atomic_load_n(&sw[i + j], OSE_SHM_WORD_LOAD);
		memcpy(dst + 8 * j, &w, 8);
	}
	dst[max - 1] = 0;
}

/* The head word hw (payload word 0) as its slot fields. */
struct head {
	uint8_t venue, status, side, ord_type, tif, hist_len;
	uint16_t oflags;
};
OSE_STATIC_ASSERT(offsetof(struct ose_slot, oflags) - OSE_SLOT_PAYLOAD_OFF == 6,
		  "the head word is venue..oflags");

static inline struct head head_of(uint64_t hw)
{
	struct head x;
	memcpy(&x, &hw, sizeof(x));
	return x;
}

static inline uint16_t x_flags(uint64_t hw)
{
	return (uint16_t)(hw >> 48);
}

/* The first word of struct ose_order and ose_brief: the head word with
 * hist_len (byte 5) replaced by the open bit, one store. */
#define HEAD_OPEN_SHIFT 40
OSE_STATIC_ASSERT(offsetof(struct ose_order, open) == 5 && offsetof(struct ose_order, flags) == 6 &&
			  offsetof(struct ose_brief, open) == 5 &&
			  offsetof(struct ose_brief, flags) == 6 &&
			  offsetof(struct ose_brief, tif) == 4,
		  "public head word mirrors the slot's");
static inline void put_head(void *dst, uint64_t hw)
{
	/* OSE_OF_OPEN is bit 0 of oflags (bit 48 of the word): shifted down
	 * by 8 it lands on the open byte's bit 0. */
	uint64_t v = (hw & ~(0xffull << HEAD_OPEN_SHIFT)) | ((hw >> 8) & (1ull << HEAD_OPEN_SHIFT));
	memcpy(dst, &v, 8);
}
OSE_STATIC_ASSERT(OSE_OF_OPEN == 1 && HEAD_OPEN_SHIFT == 48 - 8, "the open bit's shift");

/* The fields struct ose_order and struct ose_brief both carry, from the
 * payload words sw into *out (either type: the same member names). */
#define LD_LIVE(sw, out)                                           \
	do {                                                       \
		(out)->qty = ld_dec(sw, PW(qty));                  \
		(out)->filled = ld_dec(sw, PW(filled));            \
		(out)->avg_px = ld_dec(sw, PW(avg_px));            \
		(out)->updated_ns = (int64_t)LDW(sw, updated_ns);  \
		(out)->exch_ts_ns = (int64_t)LDW(sw, exch_ts_ns);  \
		(out)->updates = (uint32_t)LDW(sw, updates);       \
	} while (0)

/* The whole order from a slot being read under its seqlock: the head
 * word already loaded (x), everything else loaded from the slot's
 * payload words sw straight into out.  The caller validates the sequence
 * afterwards (out is garbage if it fails). */
static void to_order(uint64_t hw, const uint64_t *sw, uint32_t s, struct ose_order *out)
{
	struct head x = head_of(hw);
	put_head(out, hw);
	out->slot = s;
	ld_str(out->account, sw, PW(account), OSE_ACCOUNT_MAX);
	ld_str(out->symbol, sw, PW(symbol), OSE_SYMBOL_MAX);
	ld_str(out->order_id, sw, PW(order_id), OSE_ID_MAX);
	ld_str(out->client_id, sw, PW(client_id), OSE_ID_MAX);
	out->price = ld_dec(sw, PW(price));
	out->fee = ld_dec(sw, PW(fee));
	out->created_ns = (int64_t)LDW(sw, created_ns);
	LD_LIVE(sw, out);
	uint64_t st = LDW(sw, hist_st);
	unsigned len = x.hist_len, n = len < OSE_HIST_MAX ? len : OSE_HIST_MAX;
	out->hist_n = n;
	if (len <= OSE_HIST_MAX) {
		/* Not wrapped: the ring is already oldest first. */
		memcpy(out->hist_status, &st, sizeof(out->hist_status));
#pragma GCC unroll 8
		for (unsigned i = 0; i < OSE_HIST_MAX; i++)
			out->hist_ts_ns[i] = (int64_t)__atomic_load_n(&sw[PW(hist_ts) + i],
								      OSE_SHM_WORD_LOAD);
		return;
	}
	uint8_t hs[OSE_HIST_MAX];
	memcpy(hs, &st, sizeof(hs));
	for (unsigned i = 0; i < n; i++) {
		unsigned k = (len - n + i) % OSE_HIST_MAX;
		out->hist_status[i] = hs[k];
		out->hist_ts_ns[i] = (int64_t)__atomic_load_n(&sw[PW(hist_ts) + k], OSE_SHM_WORD_LOAD);
	}
}
OSE_STATIC_ASSERT(sizeof(((struct ose_slot *)0)->hist_st) == 8, "hist_st is one word");

/* The polled fields only (struct ose_brief), as to_order.  remaining is
 * computed from the loaded values without a branch (garbage with them if
 * the copy is torn; the caller retries). */
static inline __attribute__((always_inline)) void to_brief(uint64_t hw, const uint64_t *sw, uint32_t s,
							   struct ose_brief *out)
{
	put_head(out, hw);
	out->slot = s;
	out->venue_seq = LDW(sw, venue_seq);
	ose_dec qty = ld_dec(sw, PW(qty)), filled = ld_dec(sw, PW(filled));
	out->qty = qty;
	out->filled = filled;
	out->avg_px = ld_dec(sw, PW(avg_px));
	out->updated_ns = (int64_t)LDW(sw, updated_ns);
	out->exch_ts_ns = (int64_t)LDW(sw, exch_ts_ns);
	out->updates = (uint32_t)LDW(sw, updates);
	ose_dec r = qty - filled;
	out->remaining = ((x_flags(hw) & OSE_OF_HAS_QTY) && r > 0) ? r : 0;
}

/* Payload words from word i against the key words kw: the difference
 * over n words, 0 if equal. */
static inline uint64_t words_diff(const uint64_t *sw, size_t i, const uint64_t *kw, unsigned n)
{
	uint64_t d = 0;
#pragma GCC unroll 4
	for (unsigned j = 0; j < n; j++)
		d |= __atomic_load_n(&sw[i + j], OSE_SHM_WORD_LOAD) ^ kw[j];
	return d;
}

/* 1 if the slot's payload words sw (head word hw) carry k: venue, id, and
 * symbol / account when k has them.  Both sides are zero-filled arrays,
 * so the words through the one holding the key's NUL decide: equal there,
 * the slot's string ends at the same place.  The short forms (ids up to
 * 23 characters, symbols up to 15, accounts up to 7) are one fixed
 * compare each from the key's first line; the lengths of one venue's ids
 * and symbols hardly vary, so the branches to the long forms predict. */
static inline __attribute__((always_inline)) int key_eq(const uint64_t *sw, uint64_t hw,
							 const struct ose_key *k)
{
	unsigned kf = k->kf;
	uint64_t d = (uint8_t)hw ^ k->venue;
	d |= words_diff(sw, k->idw, &k->w0[KW_ID], 3);
	if (__builtin_expect(kf & KF_ID_LONG, 0))
		d |= words_diff(sw, k->idw + 3u, &k->w1[KW_ID], 3);
	if (kf & KF_SYM) {
		d |= words_diff(sw, PW(symbol), &k->w0[KW_SYM], 2);
		if (__builtin_expect(kf & KF_SYM_LONG, 0))
			d |= words_diff(sw, PW(symbol) + 2, &k->w1[KW_SYM], 2);
	}
	if (kf & KF_ACCT) {
		d |= words_diff(sw, PW(account), &k->w0[KW_ACCT], 1);
		if (kf & KF_ACCT_LONG)
			d |= words_diff(sw, PW(account) + 1, &k->w1[KW_ACCT], 1);
	}
	return d == 0;
}


/* What slot_get reads on a match. */
enum rd { RD_NONE, RD_BRIEF, RD_ORDER };

/* Slot s against k under its seqlock (S3/S4 of shm/seqlock.h, pairing with
 * the engine's slot publish): the key words are compared straight from the
 * slot first, the rest read only on a match (k NULL: every slot matches).
 * On a match out (a struct ose_brief or ose_order per what) is filled and
 * *oflags set.  1: a consistent snapshot carrying k; 0: a consistent copy
 * that does not carry it (a mismatch is trusted only from a consistent
 * copy too: a torn key could hide the order asked for); -EAGAIN: no
 * consistent copy in TRIES. */
static inline __attribute__((always_inline)) int
slot_get(const ose_t *h, uint32_t s, const struct ose_key *k, enum rd what, void *out,
	 uint16_t *oflags)
{
	const struct ose_slot *src = &h->slots[s];
	const uint64_t *sw = (const uint64_t *)(const void *)((const char *)src + OSE_SLOT_PAYLOAD_OFF);
	for (int t = 0; t < TRIES; t++) {
		uint64_t q = ose_seqlock_read_begin(&src->seq);
		if (q & 1) {
			ose_cpu_relax();
			continue;
		}
		uint64_t hw = __atomic_load_n(&sw[0], OSE_SHM_WORD_LOAD);
		int m = !k || key_eq(sw, hw, k);
		if (m && what == RD_BRIEF)
			to_brief(hw, sw, s, out);
		else if (m && what == RD_ORDER)
			to_order(hw, sw, s, out);
		if (!ose_seqlock_read_retry(&src->seq, q)) {
			*oflags = head_of(hw).oflags;
			return m;
		}
	}
	return -EAGAIN;
}

/* The index probe for k: 0 and out filled (k's hint set), -ENOENT,
 * -EAGAIN.  By order id the first slot carrying k is the answer; by
 * client id an open order is preferred (ids may be reused), so the probe
 * first locates one and then reads it. */
static inline __attribute__((always_inline)) int probe(const ose_t *h, struct ose_key *k,
						       enum rd what, void *out)
{
	const uint64_t *idx = (k->kf & KF_CID) ? h->cid_idx : h->oid_idx;
	uint32_t tag = (uint32_t)(k->hash >> 32);
	uint16_t fl;
	for (int t = 0; t < TRIES; t++) {
		/* Pairs with the engine's release store of the even generation
		 * after a deletion moved entries. */
		uint64_t g = __atomic_load_n(&h->hdr->idx_gen, __ATOMIC_ACQUIRE);
		if (g & 1) {
			ose_cpu_relax();
			continue;
		}
		uint32_t pick = OSE_NIL;
		int retry = 0;
		for (uint64_t i = tag & h->idx_mask, n = 0; n <= h->idx_mask;
		     i = (i + 1) & h->idx_mask, n++) {
			uint64_t e = __atomic_load_n(&idx[i], __ATOMIC_ACQUIRE);
			if (!e)
				break;
			if (OSE_IDX_TAG(e) != tag || OSE_IDX_SLOT(e) >= h->capacity)
				continue;
			uint32_t s = OSE_IDX_SLOT(e);
			int m = slot_get(h, s, k, (k->kf & KF_CID) ? RD_NONE : what, out, &fl);
			if (m < 0) {
				retry = 1;
				break;
			}
			if (!m)
				continue;
			/* A hit is self-validating: the copy is consistent and
			 * carries the key asked for. */
			if (!(k->kf & KF_CID)) {
				if (!(k->kf & KF_NOHINT))
					k->hint = s + 1;
				return 0;
			}
			if (pick == OSE_NIL || (fl & OSE_OF_OPEN))
				pick = s;
			if (fl & OSE_OF_OPEN)
				break;
		}
		if (retry)
			continue;
		if (pick != OSE_NIL) {
			/* Read the chosen one; if it stopped carrying k in
			 * between, probe again. */
			if (slot_get(h, pick, k, what, out, &fl) == 1) {
				if (!(k->kf & KF_NOHINT))
					k->hint = pick + 1;
				return 0;
			}
			continue;
		}
		/* A miss is only trusted if no deletion moved entries while we
		 * probed: the fence orders the probe loads before the re-load;
		 * pairs with the engine's release fence after the odd
		 * generation store. */
		ose_shm_fence_acquire();
		if (LD(&h->hdr->idx_gen) == g)
			return -ENOENT;
	}
	return -EAGAIN;
}

/* The probe for each output, out of line: the hinted path stays short
 * (few registers, no spills) and the string calls share it. */
static __attribute__((noinline)) int probe_brief(const ose_t *h, struct ose_key *k,
						 struct ose_brief *out)
{
	return probe(h, k, RD_BRIEF, out);
}

static __attribute__((noinline)) int probe_order(const ose_t *h, struct ose_key *k,
						 struct ose_order *out)
{
	return probe(h, k, RD_ORDER, out);
}

/* One attempt at slot s against k under its seqlock (S3/S4 of
 * shm/seqlock.h, pairing with the engine's slot publish), with no retry
 * loop: 1 if it is a consistent snapshot carrying k (out and *oflags
 * filled), 0 for anything else (a write in progress or raced, another
 * order): the caller's full probe then decides and retries.  The key
 * words are compared straight from the slot and the fields loaded
 * whatever the outcome; odd sequence, mismatch and torn copy are one
 * branch, so the common hit runs straight through with few live values
 * and no loop state (the find's instruction window then holds the next
 * finds' loads too). */
static inline __attribute__((always_inline)) int slot_try(const ose_t *h, uint32_t s,
							  const struct ose_key *k, enum rd what,
							  void *out, uint16_t *oflags)
{
	const struct ose_slot *src = &h->slots[s];
	const uint64_t *sw = (const uint64_t *)(const void *)((const char *)src + OSE_SLOT_PAYLOAD_OFF);
	uint64_t q = ose_seqlock_read_begin(&src->seq);
	uint64_t hw = __atomic_load_n(&sw[0], OSE_SHM_WORD_LOAD);
	if (!key_eq(sw, hw, k))
		return 0;
	if (what == RD_BRIEF)
		to_brief(hw, sw, s, out);
	else
		to_order(hw, sw, s, out);
	if (ose_seqlock_read_retry(&src->seq, q))
		return 0;
	*oflags = head_of(hw).oflags;
	return 1;
}

/* A find with a prepared key: one slot read inline, then the full probe
 * only if that read does not answer.  The slot is the hinted one if there
 * is a hint, else (by order id) the one the first index entry of the
 * key's hash names when its tag matches: the usual hit, taken without the
 * index generation, since a hit is self-validating (a consistent snapshot
 * carrying the key); only a miss needs the full probe's generation check.
 * By client id without a hint, and whenever the read does not answer
 * (another order, a write in progress), probe_brief / probe_order decide
 * (a hinted client-id slot is accepted only while open). */
static inline __attribute__((always_inline)) int find_key(const ose_t *h, struct ose_key *k,
							  enum rd what, void *out)
{
	if (__builtin_expect(k->err != 0, 0))
		return k->err;
	unsigned kf = k->kf;
	uint32_t s = k->hint - 1;
	if (s >= h->capacity) {
		if (kf & KF_CID)
			goto probe;
		uint32_t tag = (uint32_t)(k->hash >> 32);
		uint64_t e = __atomic_load_n(&h->oid_idx[tag & h->idx_mask], __ATOMIC_ACQUIRE);
		s = OSE_IDX_SLOT(e);
		/* e == 0 gives s = OSE_NIL, out of range. */
		if (OSE_IDX_TAG(e) != tag || s >= h->capacity)
			goto probe;
	}
	uint16_t fl;
	if (__builtin_expect(slot_try(h, s, k, what, out, &fl), 1) &&
	    (!(kf & KF_CID) || (fl & OSE_OF_OPEN))) {
		/* Only a new hint is stored: a hinted find leaves the key's
		 * line clean. */
		if (!(kf & KF_NOHINT) && k->hint != s + 1)
			k->hint = s + 1;
		return 0;
	}
probe:
	return what == RD_BRIEF ? probe_brief(h, k, out) : probe_order(h, k, out);
}

/* brief_fast reads the slot's book index as the low half of its payload
 * word, and compares the symbol in the book's line the engine does not
 * write after creation (state v5): a find then takes no coherence miss
 * when the engine changes the book's lists. */
OSE_STATIC_ASSERT(offsetof(struct ose_slot, book) % 8 == 0, "slot.book starts a payload word");
OSE_STATIC_ASSERT(offsetof(struct ose_book, symbol) / 64 != offsetof(struct ose_book, ver) / 64 &&
			  offsetof(struct ose_book, symbol) / 64 != offsetof(struct ose_book, open_head) / 64 &&
			  offsetof(struct ose_book, symbol) % 8 == 0,
		  "a book's symbol is not in the line of its list fields");

/* The key shapes brief_fast takes: an order-id key whose id, symbol and
 * account have their short forms (the usual case); the rest, and client-id
 * keys, take find_key. */
#define KF_SLOW (KF_CID | KF_ID_LONG | KF_SYM_LONG | KF_ACCT_LONG)

/*
 * 16 payload bytes at p (8-byte aligned) into dst, for brief_fast's copy.
 * On x86-64 one SSE load and one store instead of two of each: a find
 * holds its loads and stores in the core's load and store buffers until
 * its misses retire, so fewer of them let more finds overlap.  The load
 * is an asm statement, outside the C memory model like the relaxed
 * atomics it replaces: a racing write can tear it, which the seqlock
 * re-check that follows rejects (it is ordered before that check by the
 * acquire fence, a compiler barrier for the asm's memory operand).  TSan
 * builds keep the 8-byte atomic loads it can see.
 */
#if defined(__x86_64__) && defined(__SSE2__) && !defined(OSE_SHM_TSAN)
#include <emmintrin.h>
static inline void cp16(void *dst, const uint64_t *p)
{
	__m128i v;
	__asm__("movdqu %1, %0" : "=x"(v) : "m"(*(const struct { uint64_t w[2]; } *)(const void *)p));
	_mm_storeu_si128((__m128i *)dst, v);
}
#else
static inline void cp16(void *dst, const uint64_t *p)
{
	uint64_t w[2] = {__atomic_load_n(&p[0], OSE_SHM_WORD_LOAD),
			 __atomic_load_n(&p[1], OSE_SHM_WORD_LOAD)};
	memcpy(dst, w, 16);
}
#endif

/* The brief's words from payload words sw, as to_brief, for brief_fast:
 * the pairs (venue_seq, updated_ns), qty, filled and avg_px each one
 * 16-byte copy; remaining from qty and filled loaded again (cached by
 * then) instead of kept in registers across the copy. */
OSE_STATIC_ASSERT(offsetof(struct ose_brief, updated_ns) == offsetof(struct ose_brief, venue_seq) + 8 &&
			  offsetof(struct ose_slot, updated_ns) == offsetof(struct ose_slot, venue_seq) + 8,
		  "venue_seq and updated_ns are adjacent on both sides");
static inline __attribute__((always_inline)) void brief_copy(uint64_t hw, const uint64_t *sw, uint32_t s,
							     struct ose_brief *out)
{
	int has_qty = (x_flags(hw) & OSE_OF_HAS_QTY) != 0;
	put_head(out, hw);
	out->slot = s;
	ose_dec r = ld_dec(sw, PW(qty)) - ld_dec(sw, PW(filled));
	out->remaining = (has_qty && r > 0) ? r : 0;
	out->updates = (uint32_t)LDW(sw, updates);
	cp16(&out->venue_seq, &sw[PW(venue_seq)]);
	cp16(&out->qty, &sw[PW(qty)]);
	cp16(&out->filled, &sw[PW(filled)]);
	cp16(&out->avg_px, &sw[PW(avg_px)]);
	out->exch_ts_ns = (int64_t)LDW(sw, exch_ts_ns);
}

/* ose_find_brief's common case written for the fewest instructions,
 * loads and stores: find_key's first read (hinted slot, else the slot the
 * first index entry names) for a short order-id key, with the key
 * compared at fixed offsets and no retry loop.  A find's three dependent
 * misses (key, index entry, slot) cannot overlap inside one call; what
 * lets consecutive finds overlap is the out-of-order window (about 350
 * instructions, 128 loads, 72 stores on this class of core), so the
 * shorter this path, the more finds' misses are in flight at once.
 * 0 on a hit (a consistent snapshot carrying k), 1 when anything else
 * happens (the caller runs find_key, which decides). */
static inline __attribute__((always_inline)) int brief_fast(const ose_t *h, struct ose_key *k,
							    struct ose_brief *out)
{
	unsigned kf = k->kf;
	uint32_t s = k->hint - 1;
	if (kf & KF_SLOW)
		return 1;
	if (s >= h->capacity) {
		uint32_t tag = (uint32_t)(k->hash >> 32);
		/* Pairs with the engine's release store of the entry (the
		 * slot it names was published before it). */
		uint64_t e = __atomic_load_n(&h->oid_idx[tag & h->idx_mask], __ATOMIC_ACQUIRE);
		s = OSE_IDX_SLOT(e); /* e == 0: OSE_NIL, out of range */
		if (OSE_IDX_TAG(e) != tag || s >= h->capacity)
			return 1;
	}
	const struct ose_slot *src = &h->slots[s];
	const uint64_t *sw = (const uint64_t *)(const void *)((const char *)src + OSE_SLOT_PAYLOAD_OFF);
	/* S3/S4 of shm/seqlock.h, pairing with the engine's slot publish. */
	uint64_t q = ose_seqlock_read_begin(&src->seq);
	uint64_t hw = __atomic_load_n(&sw[0], OSE_SHM_WORD_LOAD);
	uint64_t d = (uint8_t)hw ^ k->venue;
	d |= words_diff(sw, PW(order_id), &k->w0[KW_ID], 3);
	if (__builtin_expect(kf & KF_SYM, 1)) {
		/* The symbol through the slot's book (its index is in line 0,
		 * read inside this snapshot; a book's symbol never changes and
		 * was written before any slot naming it was published, and
		 * the engine keeps slot.symbol equal to it, ose_tbl_check):
		 * the same full compare without the slot's line 3.  An index
		 * out of range (a torn copy) takes the general path. */
		uint32_t bk = (uint32_t)LDW(sw, book);
		if (bk >= h->book_cap)
			return 1;
		const uint64_t *bw = (const uint64_t *)(const void *)h->books[bk].symbol;
		d |= words_diff(bw, 0, &k->w0[KW_SYM], 2);
	}
	if (kf & KF_ACCT)
		d |= words_diff(sw, PW(account), &k->w0[KW_ACCT], 1);
	if (d | (q & 1))
		return 1;
	brief_copy(hw, sw, s, out);
	if (ose_seqlock_read_retry(&src->seq, q))
		return 1;
	/* Only a new hint is stored: a hinted find leaves the key's line
	 * clean.  The slot comes back from out (one register fewer live
	 * across the copy). */
	if (!(k->kf & KF_NOHINT) && k->hint != out->slot + 1)
		k->hint = out->slot + 1;
	return 0;
}

/* ose_find_brief's general path, out of line so the fast path keeps to
 * scratch registers (no saves and restores: stack stores and loads). */
static __attribute__((noinline)) int find_brief_slow(ose_t *h, struct ose_key *k,
						     struct ose_brief *out)
{
	return find_key(h, k, RD_BRIEF, out);
}

int ose_find_brief(ose_t *h, struct ose_key *k, struct ose_brief *out)
{
	if (!h || !k || !out)
		return -EINVAL;
	/* k->err set means kf is 0 and the key words are zero: brief_fast
	 * cannot match it (no slot has an empty order id), find_key returns
	 * the error. */
	if (__builtin_expect(brief_fast(h, k, out) == 0, 1))
		return 0;
	return find_brief_slow(h, k, out);
}

/* The slot lines ose_find_brief reads, as a bit per line of slot, from
 * the field offsets (the layout is the engine's, shm/state.h); the id's
 * line is added per key (order or client id). */
#define LINE_OF(f) (1u << (offsetof(struct ose_slot, f) / 64))
#define LINES_OF(f) (LINE_OF(f) | 1u << ((offsetof(struct ose_slot, f) + sizeof(((struct ose_slot *)0)->f) - 1) / 64))
#define BRIEF_LINES                                                                        \
	(LINE_OF(seq) | LINE_OF(oflags) | LINE_OF(venue_seq) | LINES_OF(qty) |             \
	 LINES_OF(filled) | LINES_OF(avg_px) | LINE_OF(updated_ns) | LINE_OF(exch_ts_ns) | \
	 LINE_OF(updates) | LINES_OF(account))
OSE_STATIC_ASSERT(sizeof(struct ose_slot) <= 64 * 8, "a line mask byte covers a slot");

/* A prefetch the compiler keeps: GCC treats a function whose only
 * effect is __builtin_prefetch as pure and deletes its calls (even
 * inlined ones; see engine/tbl.c), so on x86 it is an asm volatile. */
static inline void pf(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p);
#endif
}

static inline void pf_slot(const ose_t *h, uint32_t s, const struct ose_key *k)
{
	const char *c = (const char *)&h->slots[s];
	/* The slot's symbol only for the keys brief_fast leaves to the
	 * general path, which compares it in the slot (brief_fast reads it
	 * in the book). */
	unsigned lines = BRIEF_LINES | ((k->kf & KF_CID) ? LINES_OF(client_id) : LINES_OF(order_id)) |
			 ((k->kf & KF_SLOW) ? LINES_OF(symbol) : 0);
#pragma GCC unroll 8
	for (unsigned l = 0; l < (sizeof(struct ose_slot) + 63) / 64; l++)
		if (lines & (1u << l))
			pf(c + 64 * l);
}

/* Keys per stage in ose_find_brief_n: one group's prefetched lines (a key
 * line, an index line, 4-5 slot lines each: ~12 KB at 32) stay inside L1
 * until its finds run; 8 and 16 measured slower, 64 no better. */
#define BULK 32

int ose_find_brief_n(ose_t *h, struct ose_key *const *keys, size_t n, struct ose_brief *out,
		     int *rc)
{
	if (!h || (n && (!keys || !out || !rc)))
		return -EINVAL;
	int found = 0;
	for (size_t b = 0; b < n; b += BULK) {
		size_t m = n - b < BULK ? n - b : BULK;
		struct ose_key *const *kk = keys + b;
		/* Stage 1: the keys' first lines (all a short key needs). */
		for (size_t i = 0; i < m; i++)
			if (kk[i])
				pf(kk[i]);
		/* Stage 2: the hinted slot or the first index entry. */
		for (size_t i = 0; i < m; i++) {
			const struct ose_key *k = kk[i];
			if (!k || k->err)
				continue;
			uint32_t s = k->hint - 1;
			if (s < h->capacity)
				pf_slot(h, s, k);
			else
				pf(&((k->kf & KF_CID) ? h->cid_idx
						       : h->oid_idx)[(k->hash >> 32) & h->idx_mask]);
		}
		/* Stage 3: the slot that entry names (a guess: the find below
		 * probes and verifies as ever). */
		for (size_t i = 0; i < m; i++) {
			const struct ose_key *k = kk[i];
			if (!k || k->err || k->hint - 1 < h->capacity)
				continue;
			const uint64_t *idx = (k->kf & KF_CID) ? h->cid_idx : h->oid_idx;
			uint64_t e = __atomic_load_n(&idx[(k->hash >> 32) & h->idx_mask],
						     OSE_SHM_WORD_LOAD);
			if (e && OSE_IDX_TAG(e) == (uint32_t)(k->hash >> 32) &&
			    OSE_IDX_SLOT(e) < h->capacity)
				pf_slot(h, OSE_IDX_SLOT(e), k);
		}
		/* Stage 4: each find, on warm lines, as ose_find_brief. */
		for (size_t i = 0; i < m; i++) {
			struct ose_key *k = kk[i];
			int r = !k ? -EINVAL
			    : brief_fast(h, k, &out[b + i]) == 0 ? 0
								   : find_brief_slow(h, k, &out[b + i]);
			rc[b + i] = r;
			found += r == 0;
		}
	}
	return found;
}

int ose_find_key(ose_t *h, struct ose_key *k, struct ose_order *out)
{
	if (!h || !k || !out)
		return -EINVAL;
	return find_key(h, k, RD_ORDER, out);
}

int ose_find_order(ose_t *h, enum ose_venue venue, const char *account, const char *symbol,
		   const char *order_id, struct ose_order *out)
{
	if (!h || !out)
		return -EINVAL;
	struct ose_key k;
	int rc = ose_key_order(&k, venue, account, symbol, order_id);
	return rc ? rc : find_key(h, &k, RD_ORDER, out);
}

int ose_find_client(ose_t *h, enum ose_venue venue, const char *account, const char *symbol,
		    const char *client_id, struct ose_order *out)
{
	if (!h || !out)
		return -EINVAL;
	struct ose_key k;
	int rc = ose_key_client(&k, venue, account, symbol, client_id);
	return rc ? rc : probe_order(h, &k, out);
}

static const struct ose_book *book_find(const ose_t *h, uint8_t venue, const char *symbol)
{
	uint64_t hv = ose_key_book(venue, symbol);
	for (uint32_t i = (uint32_t)(hv >> 32) & h->book_idx_mask, n = 0; n <= h->book_idx_mask;
	     i = (i + 1) & h->book_idx_mask, n++) {
		/* Pairs with the engine's release store of the entry: the
		 * book's venue and symbol (never changed) are visible. */
		uint32_t e = __atomic_load_n(&h->book_idx[i], __ATOMIC_ACQUIRE);
		if (!e)
			return NULL;
		if (e > h->book_cap)
			return NULL;
		const struct ose_book *b = &h->books[e - 1];
		if (b->venue == venue && streq(b->symbol, symbol, OSE_SYMBOL_MAX))
			return b;
	}
	return NULL;
}

static int list(ose_t *h, uint8_t venue, const char *symbol, struct ose_order *out, size_t max,
		int exec)
{
	if (!h || !symbol || (max && !out))
		return -EINVAL;
	const struct ose_book *b = book_find(h, venue, symbol);
	if (!b)
		return 0;
	for (int t = 0; t < TRIES; t++) {
		/* Pairs with the engine's release store of the even version. */
		uint64_t v = __atomic_load_n(&b->ver, __ATOMIC_ACQUIRE);
		if (v & 1) {
			ose_cpu_relax();
			continue;
		}
		uint32_t s = LD(exec ? &b->exec_head : &b->open_head);
		size_t n = 0;
		int bad = 0;
		while (s != OSE_NIL) {
			if (s >= h->capacity || n > h->capacity) {
				bad = 1;
				break;
			}
			uint16_t fl;
			if (n < max && slot_get(h, s, NULL, RD_ORDER, &out[n], &fl) < 0) {
				bad = 1;
				break;
			}
			n++;
			s = LD(&h->slots[s].next);
		}
		/* Orders the link loads before the version re-load; pairs
		 * with the engine's release fence after the odd version. */
		ose_shm_fence_acquire();
		if (!bad && LD(&b->ver) == v)
			return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
	}
	return -EAGAIN;
}

int ose_open_orders(ose_t *h, enum ose_venue venue, const char *symbol, struct ose_order *out,
		    size_t max)
{
	return list(h, (uint8_t)venue, symbol, out, max, 0);
}

int ose_executed_orders(ose_t *h, enum ose_venue venue, const char *symbol,
			struct ose_order *out, size_t max)
{
	return list(h, (uint8_t)venue, symbol, out, max, 1);
}

int ose_stats_read(ose_t *h, struct ose_stats *out)
{
	if (!h || !out)
		return -EINVAL;
	const uint64_t *src = (const uint64_t *)(const void *)h->st;
	uint64_t *dst = (uint64_t *)(void *)out;
	for (size_t i = 0; i < sizeof(*out) / 8; i++)
		dst[i] = LD(&src[i]);
	return 0;
}

/* Percentile p of a log-linear histogram of OSE_LAT_BUCKETS buckets. */
static uint64_t hist_percentile(const uint64_t *hist, double p)
{
	uint64_t total = 0;
	for (unsigned b = 0; b < OSE_LAT_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(p * (double)total);
	uint64_t acc = 0;
	for (unsigned b = 0; b < OSE_LAT_BUCKETS; b++) {
		acc += hist[b];
		if (acc > want)
			return ose_lat_bucket_low(b);
	}
	return ose_lat_bucket_low(OSE_LAT_BUCKETS - 1);
}

uint64_t ose_stats_percentile(const struct ose_stats *st, double p)
{
	return hist_percentile(st->lat_hist, p);
}

uint64_t ose_stats_f2t_percentile(const struct ose_stats *st, double p)
{
	return hist_percentile(st->f2t_hist, p);
}

/* ---- events ---------------------------------------------------------- */

struct ose_events {
	struct ose_seg seg;
	struct ose_bcast_reader r;
};

int ose_events_open(ose_t *h, int from_oldest, struct ose_events **out)
{
	struct ose_events *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	char name[OSE_SEG_NAME_MAX];
	int rc = ose_seg_name_events(name, sizeof(name), h->instance);
	if (rc >= 0)
		rc = ose_bcast_attach(&ev->seg, name, 0);
	if (rc >= 0)
		rc = ose_bcast_reader_init(&ev->r, &ev->seg,
					   from_oldest ? OSE_BCAST_FROM_OLDEST : OSE_BCAST_FROM_NEWEST);
	if (rc < 0) {
		ose_seg_close(&ev->seg);
		free(ev);
		return rc;
	}
	*out = ev;
	return 0;
}

int ose_events_next(struct ose_events *ev, struct ose_update *out, uint64_t *lost)
{
	for (int i = 0; i < 4; i++) {
		uint64_t l = 0;
		enum ose_bcast_res r = ose_bcast_read(&ev->r, out, sizeof(*out), &l);
		if (r == OSE_BCAST_OK)
			return 1;
		if (r == OSE_BCAST_EMPTY)
			return 0;
		if (r == OSE_BCAST_OVERRUN) {
			if (lost)
				*lost += l;
			continue;
		}
		return -EINVAL;
	}
	return 0;
}

void ose_events_close(struct ose_events *ev)
{
	if (!ev)
		return;
	ose_seg_close(&ev->seg);
	free(ev);
}

/* ---- commands -------------------------------------------------------- */

struct ose_cmdq {
	struct ose_seg seg;
	struct ose_spsc_prod p;
};

int ose_cmdq_open(ose_t *h, const char *strategy, struct ose_cmdq **out)
{
	struct ose_cmdq *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	char name[OSE_SEG_NAME_MAX];
	int rc = ose_seg_name_cmd(name, sizeof(name), h->instance, strategy);
	if (rc >= 0)
		rc = ose_spsc_create(&q->seg, name, OSE_CMD_SIZE, 4096, 0, OSE_SEG_F_ADOPT, 0);
	if (rc >= 0)
		rc = ose_spsc_prod_init(&q->p, &q->seg);
	if (rc < 0) {
		ose_seg_close(&q->seg);
		free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void ose_cmdq_close(struct ose_cmdq *q)
{
	if (!q)
		return;
	ose_seg_close(&q->seg);
	free(q);
}

static int set_s(char *dst, size_t max, const char *src)
{
	if (!src)
		return 0;
	size_t n = strlen(src);
	if (n >= max)
		return -EINVAL;
	memcpy(dst, src, n);
	return 0;
}

static int push_cmd(struct ose_cmdq *q, const struct ose_cmd *c)
{
	if (ose_spsc_push(&q->p, c, sizeof(*c)) != OSE_SPSC_OK)
		return -EAGAIN;
	/* Wake the engine if it sleeps on its rings (a futex wake only
	 * then; otherwise a fence and a load). */
	ose_spsc_doorbell(&q->p);
	return 0;
}

int ose_register(struct ose_cmdq *q, enum ose_venue venue, const char *account,
		 const char *symbol, const char *client_id, enum ose_side side,
		 const ose_dec *price, const ose_dec *qty)
{
	struct ose_cmd c;
	memset(&c, 0, sizeof(c));
	c.kind = OSE_CMD_REGISTER;
	c.venue = (uint8_t)venue;
	c.side = (uint8_t)side;
	if (!q || !symbol || !client_id || !client_id[0] ||
	    set_s(c.account, sizeof(c.account), account) || set_s(c.symbol, sizeof(c.symbol), symbol) ||
	    set_s(c.client_id, sizeof(c.client_id), client_id))
		return -EINVAL;
	if (price) {
		c.price = *price;
		c.flags |= OSE_CMDF_HAS_PRICE;
	}
	if (qty) {
		c.qty = *qty;
		c.flags |= OSE_CMDF_HAS_QTY;
	}
	return push_cmd(q, &c);
}

int ose_get_order(ose_t *h, struct ose_cmdq *q, enum ose_venue venue, const char *account,
		  const char *symbol, const char *order_id, uint64_t req_id,
		  struct ose_order *out)
{
	int rc = ose_find_order(h, venue, account, symbol, order_id, out);
	if (rc != -ENOENT || !q)
		return rc;
	struct ose_cmd c;
	memset(&c, 0, sizeof(c));
	c.kind = OSE_CMD_LOOKUP_OID;
	c.venue = (uint8_t)venue;
	c.req_id = req_id;
	if (set_s(c.account, sizeof(c.account), account) || set_s(c.symbol, sizeof(c.symbol), symbol) ||
	    set_s(c.order_id, sizeof(c.order_id), order_id))
		return -EINVAL;
	rc = push_cmd(q, &c);
	return rc ? rc : OSE_PENDING;
}
