/* SPDX-License-Identifier: MIT */
/* Builders shared by the engine tests. */
#ifndef OSE_TESTS_ENGINE_HELPERS_H
#define OSE_TESTS_ENGINE_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tbl.h"
#include "shm/dec.h"
#include "shm/event.h"

/* xorshift64, the engine tests' reproducible generator: next value of
 * the state *s (which must not be 0). */
static inline uint64_t tst_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline ose_dec D(const char *s)
{
	ose_dec d = 0;
	if (ose_dec_parse(s, strlen(s), &d) != OSE_DEC_OK)
		abort();
	return d;
}

static inline void *tbl_new(struct ose_tbl *t, uint32_t cap, uint32_t bound)
{
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = cap;
	c.exec_bound = bound;
	c.book_cap = 1024;
	size_t n = ose_tbl_size(&c);
	void *mem = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);
	if (!mem || ose_tbl_format(t, mem, n, &c))
		abort();
	return mem;
}

/* An order update: status + cumulative filled ("" = absent). */
static inline struct ose_event ev_order(const char *sym, const char *oid, enum ose_status st,
					const char *cum)
{
	struct ose_event e;
	memset(&e, 0, sizeof(e));
	e.kind = OSE_EV_ORDER;
	e.venue = OSE_VENUE_BINANCE;
	e.status = (uint8_t)st;
	e.side = OSE_SIDE_BUY;
	strcpy(e.account, "main");
	strcpy(e.symbol, sym);
	strcpy(e.order_id, oid);
	if (cum && *cum) {
		e.cum_qty = D(cum);
		e.flags |= OSE_EVF_HAS_CUM_QTY;
	}
	return e;
}

static inline void ev_px_qty(struct ose_event *e, const char *px, const char *qty)
{
	if (px) {
		e->price = D(px);
		e->flags |= OSE_EVF_HAS_PRICE;
	}
	if (qty) {
		e->qty = D(qty);
		e->flags |= OSE_EVF_HAS_QTY;
	}
}

/* A fill-channel event (no status, maybe no cumulative). */
static inline struct ose_event ev_fill(const char *sym, const char *oid, const char *last,
				       const char *tid)
{
	struct ose_event e;
	memset(&e, 0, sizeof(e));
	e.kind = OSE_EV_FILL;
	e.venue = OSE_VENUE_BINANCE;
	strcpy(e.account, "main");
	strcpy(e.symbol, sym);
	strcpy(e.order_id, oid);
	e.last_qty = D(last);
	e.last_px = D("100");
	e.flags |= OSE_EVF_HAS_LAST;
	if (tid)
		strcpy(e.trade_id, tid);
	return e;
}

/* n open orders hot0 .. hot<n-1> on HOTUSDT (NEW, price 0, quantity 1e6):
 * the records the reader tests read while a writer thread rewrites them. */
static inline void tbl_seed_hot(struct ose_tbl *t, int n)
{
	char oid[24];
	for (int i = 0; i < n; i++) {
		snprintf(oid, sizeof(oid), "hot%d", i);
		struct ose_event e = ev_order("HOTUSDT", oid, OSE_ST_NEW, "0");
		ev_px_qty(&e, "0", "1000000");
		struct ose_ap_out out;
		ose_tbl_apply(t, &e, 1, &out);
	}
}

static inline const struct ose_slot *tslot(const struct ose_tbl *t, const char *sym,
					   const char *oid)
{
	uint32_t s = ose_tbl_find_oid(t, OSE_VENUE_BINANCE, "main", sym, oid);
	return s == OSE_NIL ? NULL : &t->slots[s];
}

static inline enum ose_ap tapply(struct ose_tbl *t, const struct ose_event *e)
{
	static int64_t now = 1000;
	struct ose_ap_out out;
	return ose_tbl_apply(t, e, now++, &out);
}

/* A Criterion fixture over one table T (capacity 1024, executed bound
 * 1000) for a suite declared with .init = tbl_setup, .fini = tbl_teardown:
 * every test ends with the table's invariant check.  Needs
 * <criterion/criterion.h> included first. */
#define OSE_TBL_FIXTURE()                                                                  \
	static struct ose_tbl T;                                                           \
	static void *tbl_mem;                                                              \
	static void tbl_setup(void)                                                        \
	{                                                                                  \
		tbl_mem = tbl_new(&T, 1024, 1000);                                         \
	}                                                                                  \
	static void tbl_teardown(void)                                                     \
	{                                                                                  \
		cr_assert_eq(ose_tbl_check(&T), 0, "table invariants: %d", ose_tbl_check(&T)); \
		free(tbl_mem);                                                             \
	}

#endif
