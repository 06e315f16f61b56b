/* SPDX-License-Identifier: MIT */
/*
 * Property: any valid event history, delivered with random duplication and
 * reordering, converges to the same final table as in-order delivery.
 *
 * Histories are generated per order in three venue styles: (A) order
 * channel with cumulative + a separate fill channel with trade ids (Gate,
 * Bybit), (B) order messages carrying last fill + trade id + cumulative
 * (Binance, OKX), (C) fill channel only plus a terminal order message.
 * Endings: FILLED, CANCELED (with a PENDING_CANCEL and fills during it),
 * EXPIRED, REJECTED, or still open.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "tests/engine/helpers.h"

#define NORD 300
#define MAXEV 40

static uint64_t rng;

struct hist {
	struct ose_event ev[MAXEV];
	int n;
};

static char *dec_tenths(char *buf, unsigned v)
{
	sprintf(buf, "%u.%u", v / 10, v % 10);
	return buf;
}

static void gen_order(struct hist *h, int id)
{
	char oid[16], sym[16], b1[16], b2[16], tid[24];
	snprintf(oid, sizeof(oid), "%d", id);
	snprintf(sym, sizeof(sym), "S%dUSDT", id % 7);
	int style = (int)(tst_rnd(&rng) % 3);
	int end = (int)(tst_rnd(&rng) % 6); /* 0 FILLED 1 CANCELED 2 EXPIRED 3 REJECTED 4,5 open */
	unsigned qty = 10 + (unsigned)(tst_rnd(&rng) % 90);
	unsigned target = end == 0 ? qty : end == 3 ? 0 : (unsigned)(tst_rnd(&rng) % qty);
	int ntr = target ? 1 + (int)(tst_rnd(&rng) % 5) : 0;
	unsigned cut[6];
	unsigned left = target;
	for (int i = 0; i < ntr; i++) {
		cut[i] = i == ntr - 1 ? left : (left > 1 ? 1 + (unsigned)(tst_rnd(&rng) % (left - 1 + 1)) : left);
		if (cut[i] > left)
			cut[i] = left;
		left -= cut[i];
	}
	h->n = 0;
	struct ose_event e = ev_order(sym, oid, OSE_ST_NEW, "0");
	ev_px_qty(&e, "100.5", dec_tenths(b1, qty));
	h->ev[h->n++] = e;
	unsigned cum = 0;
	int pc_at = end == 1 && ntr ? (int)(tst_rnd(&rng) % (unsigned)ntr) : -1;
	for (int i = 0; i < ntr; i++) {
		if (!cut[i])
			continue;
		if (i == pc_at) {
			e = ev_order(sym, oid, OSE_ST_PENDING_CANCEL, dec_tenths(b2, cum));
			ev_px_qty(&e, "100.5", dec_tenths(b1, qty));
			h->ev[h->n++] = e;
		}
		cum += cut[i];
		snprintf(tid, sizeof(tid), "T%d-%d", id, i);
		if (style != 2) {
			enum ose_status st = OSE_ST_PARTIALLY_FILLED;
			if (i > pc_at && pc_at >= 0)
				st = OSE_ST_PARTIALLY_FILLED; /* fill during pending cancel */
			e = ev_order(sym, oid, st, dec_tenths(b2, cum));
			ev_px_qty(&e, "100.5", dec_tenths(b1, qty));
			if (style == 1) {
				e.last_qty = D(dec_tenths(b2, cut[i]));
				e.last_px = D("100.5");
				e.fee = D("0.01");
				e.flags |= OSE_EVF_HAS_LAST | OSE_EVF_HAS_FEE;
				strcpy(e.trade_id, tid);
			}
			h->ev[h->n++] = e;
		}
		if (style != 1) {
			e = ev_fill(sym, oid, dec_tenths(b2, cut[i]), tid);
			e.fee = D("0.01");
			e.flags |= OSE_EVF_HAS_FEE;
			h->ev[h->n++] = e;
		}
	}
	enum ose_status fin[] = {OSE_ST_FILLED, OSE_ST_CANCELED, OSE_ST_EXPIRED, OSE_ST_REJECTED};
	if (end < 4) {
		e = ev_order(sym, oid, fin[end], dec_tenths(b2, cum));
		ev_px_qty(&e, "100.5", dec_tenths(b1, qty));
		h->ev[h->n++] = e;
	}
}

static void compare(const struct ose_tbl *a, const struct ose_tbl *b)
{
	cr_assert_eq(a->st->tracked, b->st->tracked);
	cr_assert_eq(a->st->open, b->st->open);
	for (uint32_t s = 0; s < a->hdr->slots_used; s++) {
		const struct ose_slot *x = &a->slots[s];
		if (!x->venue)
			continue;
		uint32_t t = ose_tbl_find_oid(b, x->venue, x->account, x->symbol, x->order_id);
		cr_assert_neq(t, OSE_NIL, "order %s missing", x->order_id);
		const struct ose_slot *y = &b->slots[t];
		cr_assert_eq(x->status, y->status, "order %s: %s vs %s", x->order_id,
			     ose_status_name(x->status), ose_status_name(y->status));
		cr_assert(x->filled == y->filled, "order %s filled differs", x->order_id);
		cr_assert(x->price == y->price && x->qty == y->qty, "order %s px/qty", x->order_id);
		cr_assert(x->fee == y->fee, "order %s fee", x->order_id);
		cr_assert_eq(x->side, y->side);
		cr_assert_eq(x->oflags & (OSE_OF_OPEN | OSE_OF_EXECUTED),
			     y->oflags & (OSE_OF_OPEN | OSE_OF_EXECUTED));
	}
}

Test(property, reordered_duplicated_delivery_converges, .timeout = 120)
{
	static struct hist H[NORD];
	static struct ose_event inorder[NORD * MAXEV], shuffled[NORD * MAXEV * 2];
	for (uint64_t seed = 1; seed <= 25; seed++) {
		rng = 0x9e3779b97f4a7c15ull * seed;
		int total = 0;
		for (int i = 0; i < NORD; i++) {
			gen_order(&H[i], i);
			total += H[i].n;
		}
		/* In order per order, orders interleaved at random. */
		int pos[NORD] = {0}, n = 0;
		while (n < total) {
			int i = (int)(tst_rnd(&rng) % NORD);
			while (pos[i] == H[i].n)
				i = (i + 1) % NORD;
			inorder[n++] = H[i].ev[pos[i]++];
		}
		/* Duplicate ~15%, then shuffle everything. */
		int m = 0;
		for (int i = 0; i < n; i++) {
			shuffled[m++] = inorder[i];
			if (tst_rnd(&rng) % 100 < 15)
				shuffled[m++] = inorder[i];
		}
		for (int i = m - 1; i > 0; i--) {
			int j = (int)(tst_rnd(&rng) % (uint64_t)(i + 1));
			struct ose_event t = shuffled[i];
			shuffled[i] = shuffled[j];
			shuffled[j] = t;
		}
		struct ose_tbl A, B;
		void *ma = tbl_new(&A, 4096, 4096), *mb = tbl_new(&B, 4096, 4096);
		struct ose_ap_out out;
		for (int i = 0; i < n; i++)
			ose_tbl_apply(&A, &inorder[i], i, &out);
		for (int i = 0; i < m; i++)
			ose_tbl_apply(&B, &shuffled[i], i, &out);
		cr_assert_eq(ose_tbl_check(&A), 0);
		cr_assert_eq(ose_tbl_check(&B), 0);
		cr_assert_eq(A.st->tracked, NORD);
		compare(&A, &B);
		compare(&B, &A);
		free(ma);
		free(mb);
	}
}
