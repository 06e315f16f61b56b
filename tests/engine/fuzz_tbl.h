/* SPDX-License-Identifier: MIT */
/*
 * The order table under arbitrary input: fz_tbl_run(data, n) decodes
 * bytes into a sequence of table operations and applies them to a small
 * table (16 slots, two executed orders kept per book, 8 books: full
 * tables, evictions and slot reuse come quickly).  The operations: feed
 * events in batches through the engine's prefetch pipeline (some copied
 * raw from the input: any 448 bytes a broken producer could leave in a
 * ring), strategy registrations and lookups, stuck timers, venue "not
 * found" answers.  After every operation it checks:
 *
 *   - ose_tbl_check(): indices <-> slots, lists, counts, bounds;
 *   - nothing stored changed unless the result is APPLIED: a duplicate,
 *     a stale or refused event, a full table, an invalid record leave
 *     books, slots, memo and both indices byte for byte as they were
 *     (GAP changes only statistics);
 *   - per order (a small pool of keys, looked up after every operation):
 *     the cumulative filled quantity never decreases, a terminal status
 *     never reopens, and an order that stays in the table stays in its
 *     slot.
 *
 * A violation prints what broke and aborts (a crash to libFuzzer, a
 * failed test to Criterion).  Shared by fuzz_tbl.c (libFuzzer, clang,
 * -Dfuzz=enabled) and test_garbage.c (every build, so CI runs it under
 * ASan + UBSan).
 */
#ifndef OSE_TESTS_ENGINE_FUZZ_TBL_H
#define OSE_TESTS_ENGINE_FUZZ_TBL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tbl.h"
#include "shm/cmd.h"
#include "shm/event.h"

/* The input, read a byte at a time; past its end every read is 0. */
struct fz_in {
	const uint8_t *p;
	size_t n, at;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	return in->at < in->n ? in->p[in->at++] : 0;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

/* Key pools: few enough that events meet the same orders again. */
static const char *const fz_syms[] = {"BTCUSDT", "ETHUSDT", "X", "SOL-USDT"};
static const char *const fz_oids[] = {"", "1", "2", "77", "a-very-long-order-id-0123456789abcdef"};
static const char *const fz_accts[] = {"main", "alt", ""};
static const char *const fz_cids[] = {"", "c1", "c2", "web_3"};
static const char *const fz_tids[] = {"", "t1", "t2", "t3"};
#define FZ_N(a) (sizeof(a) / sizeof((a)[0]))

__extension__ typedef unsigned __int128 fz_u128;

/* A decimal: the interesting edges, small values, or raw bits. */
static inline ose_dec fz_dec(struct fz_in *in)
{
	const ose_dec one = OSE_DEC_ONE;
	const ose_dec max = (ose_dec)(((fz_u128)1 << 127) - 1);
	uint8_t b = fz_u8(in);
	switch (b % 8) {
	case 0:
		return 0;
	case 1:
		return one * (b >> 3);
	case 2:
		return one * (b >> 3) / 4;
	case 3:
		return max - (b >> 3);
	case 4:
		return -one * (b >> 3);
	case 5:
		return -max - 1;
	case 6:
		return (ose_dec)fz_u64(in);
	default: {
		fz_u128 u = fz_u64(in);
		return (ose_dec)(u << 64 | fz_u64(in));
	}
	}
}

static inline void fz_str(char *dst, size_t cap, const char *const *pool, size_t np, uint8_t b)
{
	memset(dst, 0, cap);
	if (b == 0xff) /* unterminated */
		memset(dst, 'Z', cap);
	else
		strncpy(dst, pool[b % np], cap - 1);
}

static inline void fz_event(struct fz_in *in, struct ose_event *e)
{
	uint8_t how = fz_u8(in);
	if (how == 0xee) {
		/* Raw bytes: whatever a broken producer could write. */
		uint8_t *r = (uint8_t *)e;
		for (size_t i = 0; i < sizeof(*e); i++)
			r[i] = fz_u8(in);
		return;
	}
	memset(e, 0, sizeof(*e));
	uint8_t k = fz_u8(in);
	e->kind = k < 200 ? (uint8_t)(1 + k % 2) : (uint8_t)(k % OSE_EV_KIND_COUNT + 1);
	uint8_t v = fz_u8(in);
	e->venue = v < 250 ? (uint8_t)(1 + v % 2) : v;
	e->status = fz_u8(in) % (OSE_ST_COUNT + 1);
	e->side = fz_u8(in) % 4;
	e->ord_type = fz_u8(in) % 4;
	e->tif = fz_u8(in) % 4;
	e->flags = (uint16_t)(fz_u8(in) | fz_u8(in) << 8);
	e->venue_seq = fz_u8(in);
	e->exch_ts_ns = fz_u8(in);
	fz_str(e->account, sizeof(e->account), fz_accts, FZ_N(fz_accts), fz_u8(in));
	fz_str(e->symbol, sizeof(e->symbol), fz_syms, FZ_N(fz_syms), fz_u8(in));
	fz_str(e->order_id, sizeof(e->order_id), fz_oids, FZ_N(fz_oids), fz_u8(in));
	fz_str(e->client_id, sizeof(e->client_id), fz_cids, FZ_N(fz_cids), fz_u8(in));
	fz_str(e->trade_id, sizeof(e->trade_id), fz_tids, FZ_N(fz_tids), fz_u8(in));
	if (e->flags & OSE_EVF_HAS_PRICE)
		e->price = fz_dec(in);
	if (e->flags & OSE_EVF_HAS_QTY)
		e->qty = fz_dec(in);
	if (e->flags & OSE_EVF_HAS_CUM_QTY)
		e->cum_qty = fz_dec(in);
	if (e->flags & OSE_EVF_HAS_LAST) {
		e->last_qty = fz_dec(in);
		e->last_px = fz_dec(in);
	}
	if (e->flags & OSE_EVF_HAS_FEE)
		e->fee = fz_dec(in);
	if (e->flags & OSE_EVF_HAS_AVG_PX)
		e->avg_px = fz_dec(in);
}

static inline void fz_cmd(struct fz_in *in, struct ose_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = OSE_CMD_REGISTER;
	uint8_t v = fz_u8(in);
	c->venue = v < 250 ? (uint8_t)(1 + v % 2) : v;
	c->side = fz_u8(in) % 4;
	c->flags = fz_u8(in) % 4;
	fz_str(c->account, sizeof(c->account), fz_accts, FZ_N(fz_accts), fz_u8(in));
	fz_str(c->symbol, sizeof(c->symbol), fz_syms, FZ_N(fz_syms), fz_u8(in));
	fz_str(c->client_id, sizeof(c->client_id), fz_cids, FZ_N(fz_cids), fz_u8(in));
	fz_str(c->order_id, sizeof(c->order_id), fz_oids, FZ_N(fz_oids), fz_u8(in));
	if (c->flags & OSE_CMDF_HAS_PRICE)
		c->price = fz_dec(in);
	if (c->flags & OSE_CMDF_HAS_QTY)
		c->qty = fz_dec(in);
}

/* What the previous operation left for one pooled key. */
struct fz_seen {
	uint32_t slot; /* OSE_NIL: not in the table */
	uint8_t status;
	ose_dec filled;
};

#define FZ_VENUES 2
#define FZ_KEYS (FZ_VENUES * FZ_N(fz_syms) * FZ_N(fz_accts) * FZ_N(fz_oids))

static inline void fz_fail(const char *what, uint64_t op, const char *detail)
{
	fprintf(stderr, "fuzz_tbl: operation %llu: %s%s%s\n", (unsigned long long)op, what,
		detail ? ": " : "", detail ? detail : "");
	abort();
}

/* Every pooled order-id key: filled never decreases, terminal never
 * reopens, an order that stays keeps its slot. */
static inline void fz_check_orders(const struct ose_tbl *t, struct fz_seen *seen, uint64_t op)
{
	size_t i = 0;
	for (unsigned v = 1; v <= FZ_VENUES; v++)
		for (size_t s = 0; s < FZ_N(fz_syms); s++)
			for (size_t a = 0; a < FZ_N(fz_accts); a++)
				for (size_t o = 0; o < FZ_N(fz_oids); o++, i++) {
					struct fz_seen *p = &seen[i];
					/* "" as the account finds any account's order:
					 * not one order's history, so not checked. */
					uint32_t sl = fz_oids[o][0] && fz_accts[a][0]
						? ose_tbl_find_oid(t, (uint8_t)v, fz_accts[a], fz_syms[s],
								   fz_oids[o])
						: OSE_NIL;
					if (sl == OSE_NIL) {
						p->slot = OSE_NIL;
						continue;
					}
					const struct ose_slot *x = &t->slots[sl];
					if (x->status >= OSE_ST_COUNT)
						fz_fail("status out of range", op, fz_oids[o]);
					if (p->slot != OSE_NIL) {
						if (p->slot != sl)
							fz_fail("an order moved to another slot", op, fz_oids[o]);
						if (x->filled < p->filled)
							fz_fail("filled quantity decreased", op, fz_oids[o]);
						if (ose_status_terminal(p->status) &&
						    !ose_status_terminal(x->status))
							fz_fail("a terminal order reopened", op, fz_oids[o]);
					}
					p->slot = sl;
					p->status = x->status;
					p->filled = x->filled;
				}
}

/* Everything an operation may change only when it returns APPLIED:
 * books, book index, slots, memo and both indices (contiguous from
 * off_books to the end of the region). */
static inline size_t fz_state_off(const struct ose_tbl *t)
{
	return t->hdr->off_books;
}

/* The region that byte b of the state is in (from off_books on); *at
 * gets the region's offset. */
static inline const char *fz_region(const struct ose_tbl *t, size_t b, size_t *at)
{
	const struct ose_state_hdr *h = t->hdr;
	const struct {
		uint64_t off;
		const char *name;
	} r[] = {{h->off_cid_idx, "cid_idx"}, {h->off_oid_idx, "oid_idx"}, {h->off_memo, "memo"},
		 {h->off_slots, "slots"},     {h->off_book_idx, "book_idx"}};
	for (size_t i = 0; i < FZ_N(r); i++)
		if (b >= r[i].off) {
			*at = r[i].off;
			return r[i].name;
		}
	*at = h->off_books;
	return "books";
}

/* One run's table, its copy before the operation, and what was seen. */
struct fz_run {
	struct ose_tbl t;
	struct ose_tbl_cfg cfg;
	uint8_t *mem, *snap;
	size_t size, off;
	struct fz_seen seen[FZ_KEYS];
};

/* Before an operation: the state it may change only if it applies. */
static inline void fz_before(struct fz_run *z)
{
	memcpy(z->snap + z->off, z->mem + z->off, z->size - z->off);
}

/* After an operation that returned r: every check of the header comment. */
static inline void fz_after(struct fz_run *z, enum ose_ap r, unsigned what, uint64_t op)
{
	int rc = ose_tbl_check(&z->t);
	if (rc) {
		char d[64];
		snprintf(d, sizeof(d), "ose_tbl_check %d after %s", rc, ose_ap_name(r));
		fz_fail("table invariant broken", op, d);
	}
	if (r != OSE_AP_APPLIED && memcmp(z->snap + z->off, z->mem + z->off, z->size - z->off)) {
		size_t b = z->off;
		while (z->snap[b] == z->mem[b])
			b++;
		char d[160];
		size_t at;
		const char *region = fz_region(&z->t, b, &at);
		snprintf(d, sizeof(d), "%s (operation %u), first changed byte %s+%zu",
			 ose_ap_name(r), what, region, b - at);
		fz_fail("state changed by an operation that did not apply", op, d);
	}
	fz_check_orders(&z->t, z->seen, op);
}

/*
 * Runs the operations data[0..n) encodes.  Each starts with a byte that
 * says what (below) and one that advances the clock by 0-2 ns (it may
 * stand still).  Events come in batches of 1-12 through the engine's
 * prefetch pipeline (ose_tbl_pf_start / pf_step, then ose_tbl_apply_h
 * with the pipeline's hash, as poll_ring does): the hints must be safe
 * on any record, and their hashes right.  Returns 0; a violation aborts.
 */
static inline int fz_tbl_run(const uint8_t *data, size_t n)
{
	struct fz_run *z = malloc(sizeof(*z));
	if (!z)
		abort();
	ose_tbl_cfg_default(&z->cfg);
	z->cfg.capacity = 16;
	z->cfg.exec_bound = 2;
	z->cfg.book_cap = 8;
	z->cfg.ring_cap = 4;
	z->size = ose_tbl_size(&z->cfg);
	z->mem = aligned_alloc(4096, (z->size + 4095) & ~(size_t)4095);
	z->snap = malloc(z->size);
	if (!z->mem || !z->snap || ose_tbl_format(&z->t, z->mem, z->size, &z->cfg))
		abort();
	for (size_t i = 0; i < FZ_KEYS; i++)
		z->seen[i].slot = OSE_NIL;
	z->off = fz_state_off(&z->t);
	struct ose_tbl *t = &z->t;
	struct fz_in in = {data, n, 0};
	int64_t now = 1000;
	enum { BATCH = 12 };
	struct ose_event evs[BATCH];
	const struct ose_event *ep[BATCH];
	uint64_t hs[BATCH];
	struct ose_cmd cmd;
	/* The last slot an operation returned, for the slow path's calls. */
	uint32_t last_slot = 0;
	for (uint64_t op = 0; in.at < in.n && op < 4096; op++) {
		struct ose_ap_out out;
		enum ose_ap r;
		uint8_t what = fz_u8(&in);
		now += fz_u8(&in) % 3;
		switch (what % 8) {
		case 5:
			fz_cmd(&in, &cmd);
			fz_before(z);
			if (what & 0x80) {
				/* A strategy's lookup (engine.c apply_jrec): reads only. */
				uint32_t s = what & 0x40
					? ose_tbl_find_oid(t, cmd.venue, cmd.account, cmd.symbol,
							   cmd.order_id)
					: ose_tbl_find_cid(t, cmd.venue, cmd.account, cmd.symbol,
							   cmd.client_id);
				if (s != OSE_NIL && s >= z->cfg.capacity)
					fz_fail("a lookup returned a slot out of range", op, NULL);
				out.slot = s;
				r = OSE_AP_IGNORED;
			} else {
				r = ose_tbl_register(t, &cmd, now, &out);
			}
			break;
		case 6:
		case 7: {
			uint8_t b = fz_u8(&in);
			uint32_t s = b < 240 ? last_slot : (uint32_t)fz_u64(&in);
			char cid[OSE_ID_MAX];
			fz_str(cid, sizeof(cid), fz_cids, FZ_N(fz_cids), fz_u8(&in));
			fz_before(z);
			r = what % 8 == 6 ? ose_tbl_mark_stuck(t, s, cid, now, &out)
					  : ose_tbl_venue_not_found(t, s, cid, now, &out);
			break;
		}
		default: {
			uint32_t k = 1 + fz_u8(&in) % BATCH;
			for (uint32_t i = 0; i < k; i++) {
				fz_event(&in, &evs[i]);
				ep[i] = &evs[i];
			}
			ose_tbl_pf_start(t, ep, k, hs);
			for (uint32_t i = 0; i < k; i++) {
				ose_tbl_pf_step(t, ep, k, i, hs);
				fz_before(z);
				r = ose_tbl_apply_h(t, ep[i], hs[i], now, &out);
				if (out.slot != OSE_NIL && out.slot < z->cfg.capacity)
					last_slot = out.slot;
				if (i + 1 < k)
					fz_after(z, r, what % 8, op);
			}
			break;
		}
		}
		if (out.slot != OSE_NIL && out.slot < z->cfg.capacity)
			last_slot = out.slot;
		fz_after(z, r, what % 8, op);
	}
	free(z->snap);
	free(z->mem);
	free(z);
	return 0;
}

#endif /* OSE_TESTS_ENGINE_FUZZ_TBL_H */
