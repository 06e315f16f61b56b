/* SPDX-License-Identifier: MIT */
/* The slot layout the apply relies on (state v4, shm/state.h): an update
 * of a known order copies only lines 0-2 of its slot and brings in line 3
 * (fee) and line 4 (history timestamps) when it needs them.  These tests
 * check that what it publishes is still the whole truth (fees summed, the
 * history, ids learnt later) and that it leaves the lines it does not own
 * byte for byte alone.  Every test ends with the table's invariant check. */
#include <criterion/criterion.h>
#include <stddef.h>

#include "tests/engine/helpers.h"

OSE_TBL_FIXTURE()

TestSuite(slot, .init = tbl_setup, .fini = tbl_teardown);

/* Bytes [lo, hi) of two slot images are equal. */
static int same(const struct ose_slot *a, const struct ose_slot *b, size_t lo, size_t hi)
{
	return memcmp((const char *)a + lo, (const char *)b + lo, hi - lo) == 0;
}

static struct ose_event fill_fee(const char *oid, const char *last, const char *tid,
				 const char *fee)
{
	struct ose_event f = ev_fill("BTCUSDT", oid, last, tid);
	f.fee = D(fee);
	f.flags |= OSE_EVF_HAS_FEE;
	return f;
}

Test(slot, update_writes_lines_0_1_only)
{
	struct ose_event e = ev_order("BTCUSDT", "1", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "5");
	strcpy(e.client_id, "c-1");
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	uint32_t s = ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "BTCUSDT", "1");
	cr_assert_neq(s, OSE_NIL);
	struct ose_slot before = T.slots[s];

	/* No transition, no fee: new price and cumulative only. */
	e = ev_order("BTCUSDT", "1", OSE_ST_NEW, "");
	ev_px_qty(&e, "101", NULL);
	e.exch_ts_ns = 77;
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	const struct ose_slot *o = &T.slots[s];
	cr_assert(o->price == D("101"));
	cr_assert_eq(o->exch_ts_ns, 77);
	cr_assert_eq(o->updates, before.updates + 1);
	cr_assert(same(o, &before, offsetof(struct ose_slot, order_id), sizeof(*o)),
		  "lines 2-5 untouched by a plain update");
	cr_assert_eq(o->seq, before.seq + 2, "one seqlock write");

	/* A transition adds line 4 (and hist_st in line 0), nothing else. */
	before = *o;
	e = ev_order("BTCUSDT", "1", OSE_ST_PARTIALLY_FILLED, "2");
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	cr_assert_eq(o->status, OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(o->hist_len, 2);
	cr_assert_eq(o->hist_st[1], OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(o->hist_ts[1], o->updated_ns);
	cr_assert_eq(o->hist_ts[0], before.hist_ts[0], "older history kept");
	cr_assert(o->filled == D("2"));
	cr_assert(same(o, &before, offsetof(struct ose_slot, order_id),
		       offsetof(struct ose_slot, hist_ts)),
		  "lines 2-3 untouched by a transition");
	cr_assert(same(o, &before, offsetof(struct ose_slot, client_id), sizeof(*o)),
		  "line 5 untouched by a transition");
	cr_assert_str_eq(o->symbol, "BTCUSDT");
	cr_assert_str_eq(o->client_id, "c-1");
}

Test(slot, fees_sum_on_an_existing_order)
{
	struct ose_event e = ev_order("BTCUSDT", "7", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "3");
	tapply(&T, &e);
	const struct ose_slot *o = &T.slots[ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main",
							      "BTCUSDT", "7")];
	int64_t created = o->created_ns;
	uint64_t oh = o->oid_hash;

	struct ose_event f = fill_fee("7", "1", "t1", "0.01");
	cr_assert_eq(tapply(&T, &f), OSE_AP_APPLIED);
	cr_assert(o->fee == D("0.01"));
	cr_assert(o->oflags & OSE_OF_HAS_FEE);
	cr_assert(o->filled == D("1"));
	cr_assert_eq(o->status, OSE_ST_PARTIALLY_FILLED);

	/* the same trade again: no second fee */
	cr_assert_eq(tapply(&T, &f), OSE_AP_DUP);
	cr_assert(o->fee == D("0.01"));

	/* a plain update in between, then a second trade */
	e = ev_order("BTCUSDT", "7", OSE_ST_PARTIALLY_FILLED, "1");
	ev_px_qty(&e, "99", NULL);
	tapply(&T, &e);
	f = fill_fee("7", "2", "t2", "0.02");
	cr_assert_eq(tapply(&T, &f), OSE_AP_APPLIED);
	cr_assert(o->fee == D("0.03"), "fees of two trades summed");
	cr_assert(o->filled == D("3"));
	/* a fill channel carries no status: the quantity is reached, the
	 * status waits for the venue's order update */
	cr_assert_eq(o->status, OSE_ST_PARTIALLY_FILLED);
	/* what shares line 3 with the fee is as the creation left it */
	cr_assert_str_eq(o->symbol, "BTCUSDT");
	cr_assert_eq(o->created_ns, created);
	cr_assert_eq(o->oid_hash, oh);

	/* a cumulative message with a fee and no trade id (the fee counts
	 * only if the cumulative progressed) on a second order */
	e = ev_order("BTCUSDT", "8", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "3");
	tapply(&T, &e);
	e = ev_order("BTCUSDT", "8", OSE_ST_PARTIALLY_FILLED, "1");
	e.last_qty = D("1");
	e.fee = D("0.5");
	e.flags |= OSE_EVF_HAS_LAST | OSE_EVF_HAS_FEE;
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	cr_assert_eq(tapply(&T, &e), OSE_AP_DUP);
	o = &T.slots[ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "BTCUSDT", "8")];
	cr_assert(o->fee == D("0.5"));
}

Test(slot, client_id_learnt_later)
{
	struct ose_event e = ev_order("ETHUSDT", "9", OSE_ST_NEW, "0");
	tapply(&T, &e);
	uint32_t s = ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "ETHUSDT", "9");
	cr_assert_eq(T.slots[s].oflags & OSE_OF_HAS_CID, 0);
	cr_assert_eq(ose_tbl_find_cid(&T, OSE_VENUE_BINANCE, "main", "ETHUSDT", "late-9"), OSE_NIL);

	e = ev_order("ETHUSDT", "9", OSE_ST_NEW, "");
	strcpy(e.client_id, "late-9");
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	cr_assert_str_eq(T.slots[s].client_id, "late-9");
	cr_assert(T.slots[s].oflags & OSE_OF_HAS_CID);
	cr_assert_eq(ose_tbl_find_cid(&T, OSE_VENUE_BINANCE, "main", "ETHUSDT", "late-9"), s);

	/* a later, different client id does not replace it */
	e = ev_order("ETHUSDT", "9", OSE_ST_PARTIALLY_FILLED, "1");
	strcpy(e.client_id, "other");
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	cr_assert_str_eq(T.slots[s].client_id, "late-9");
	cr_assert_eq(T.slots[s].status, OSE_ST_PARTIALLY_FILLED);
}

Test(slot, symbol_verified_through_the_book)
{
	/* Same order id on two symbols of one venue: two orders (the symbol
	 * the key compare reads is the book's). */
	struct ose_event a = ev_order("BTCUSDT", "42", OSE_ST_NEW, "0");
	struct ose_event b = ev_order("ETHUSDT", "42", OSE_ST_NEW, "0");
	tapply(&T, &a);
	tapply(&T, &b);
	uint32_t sa = ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "BTCUSDT", "42");
	uint32_t sb = ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "ETHUSDT", "42");
	cr_assert_neq(sa, OSE_NIL);
	cr_assert_neq(sb, OSE_NIL);
	cr_assert_neq(sa, sb);
	cr_assert_eq(ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "SOLUSDT", "42"), OSE_NIL);
	cr_assert_str_eq(T.books[T.slots[sa].book].symbol, "BTCUSDT");
	cr_assert_str_eq(T.books[T.slots[sb].book].symbol, "ETHUSDT");
	a = ev_order("BTCUSDT", "42", OSE_ST_CANCELED, "0");
	tapply(&T, &a);
	cr_assert_eq(T.slots[sa].status, OSE_ST_CANCELED);
	cr_assert_eq(T.slots[sb].status, OSE_ST_NEW);
}

/* A random mix over `keys` order ids on two symbols (1 in sym_mod on
 * ETHUSDT): orders with statuses drawn from st[0..nst-1] (cumulative
 * i / cum_div), OSE_ST_NONE drawn = a fill with a fee and a new trade id. */
static void mixed_events(struct ose_event *evs, int n, uint64_t seed, unsigned keys,
			 const enum ose_status *st, unsigned nst, unsigned cum_div, unsigned sym_mod)
{
	uint64_t r = seed;
	char oid[24], cum[16];
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)(tst_rnd(&r) % keys);
		snprintf(oid, sizeof(oid), "%u", k);
		enum ose_status s = st[tst_rnd(&r) % nst];
		snprintf(cum, sizeof(cum), "%u", (unsigned)i / cum_div);
		if (s == OSE_ST_NONE) {
			snprintf(cum, sizeof(cum), "t%d", i);
			evs[i] = fill_fee(oid, "0.1", cum, "0.001");
		} else {
			evs[i] = ev_order(k % sym_mod ? "BTCUSDT" : "ETHUSDT", oid, s, cum);
		}
	}
}

/* Applies evs[0..n) to t (1024 slots), event i at time 100 + i, as the
 * engine's poll loop does: batches of 64, OSE_TBL_PF_AHEAD records peeked
 * past each, the pipeline started per batch.  If ref is non-NULL each
 * event is also applied to it one by one, in step, and the two tables'
 * slots must be byte-identical after every batch (a slot a hint touched
 * may be evicted, so zeroed, before the end). */
static void pf_apply_batches(struct ose_tbl *t, const struct ose_event *evs, int n,
			     struct ose_tbl *ref)
{
	struct ose_ap_out out;
	const struct ose_event *p[64 + OSE_TBL_PF_AHEAD];
	uint64_t hs[64 + OSE_TBL_PF_AHEAD];
	for (int b = 0; b < n; b += 64) {
		uint32_t m = n - b < 64 + OSE_TBL_PF_AHEAD ? (uint32_t)(n - b) : 64 + OSE_TBL_PF_AHEAD;
		uint32_t k = m < 64 ? m : 64;
		for (uint32_t i = 0; i < m; i++)
			p[i] = &evs[b + (int)i];
		ose_tbl_pf_start(t, p, m, hs);
		for (uint32_t i = 0; i < k; i++) {
			ose_tbl_pf_step(t, p, m, i, hs);
			ose_tbl_apply_h(t, p[i], hs[i], 100 + b + (int64_t)i, &out);
			if (ref)
				ose_tbl_apply(ref, p[i], 100 + b + (int64_t)i, &out);
		}
		if (ref)
			cr_assert_eq(memcmp(ref->slots, t->slots, 1024 * sizeof(struct ose_slot)), 0,
				     "after event %d", b + (int)k);
	}
}

/* The batch pipeline is a hint: the same events applied through
 * ose_tbl_pf_start/step and one by one give byte-identical tables. */
Test(slot, pipeline_changes_nothing)
{
	struct ose_tbl t2;
	void *m2 = tbl_new(&t2, 1024, 1000);
	enum { N = 600 };
	static struct ose_event evs[N];
	static const enum ose_status st[] = {OSE_ST_NEW, OSE_ST_PARTIALLY_FILLED, OSE_ST_FILLED,
					     OSE_ST_CANCELED, OSE_ST_NONE};
	mixed_events(evs, N, 12345, 40, st, 5, 20, 2);
	struct ose_ap_out out;
	for (int i = 0; i < N; i++)
		ose_tbl_apply(&T, &evs[i], 100 + i, &out);
	pf_apply_batches(&t2, evs, N, NULL);
	cr_assert_eq(ose_tbl_check(&t2), 0);
	cr_assert_eq(memcmp(T.slots, t2.slots, 1024 * sizeof(struct ose_slot)), 0);
	cr_assert_eq(T.st->events_applied, t2.st->events_applied);
	free(m2);
}

/* The pipeline's eviction and client-id prefetches (session 8: the key
 * stage reads the oldest executed order's fields through the event's book,
 * the slot stage hashes client ids) are hints too: with an executed bound
 * of 3, so that most closes evict, and a client id on every event, the
 * pipelined table stays byte-identical to the one-by-one table applied in
 * step, both indices included. */
Test(slot, pipeline_with_evictions_and_client_ids_changes_nothing)
{
	struct ose_tbl t1, t2;
	void *m1 = tbl_new(&t1, 1024, 3);
	void *m2 = tbl_new(&t2, 1024, 3);
	enum { N = 4000 };
	static struct ose_event evs[N];
	static const enum ose_status st[] = {OSE_ST_NEW, OSE_ST_PARTIALLY_FILLED, OSE_ST_FILLED,
					     OSE_ST_CANCELED, OSE_ST_NEW, OSE_ST_NONE};
	mixed_events(evs, N, 4242, 400, st, 6, 40, 3);
	for (int i = 0; i < N; i++)
		snprintf(evs[i].client_id, sizeof(evs[i].client_id), "cl-%s", evs[i].order_id);
	pf_apply_batches(&t2, evs, N, &t1);
	cr_assert_gt(t1.st->evicted, 500, "evictions: %llu", (unsigned long long)t1.st->evicted);
	cr_assert_eq(ose_tbl_check(&t1), 0);
	cr_assert_eq(ose_tbl_check(&t2), 0);
	cr_assert_eq(memcmp(t1.slots, t2.slots, 1024 * sizeof(struct ose_slot)), 0);
	cr_assert_eq(memcmp(t1.oid_idx, t2.oid_idx, (t1.idx_mask + 1) * sizeof(uint64_t)), 0);
	cr_assert_eq(memcmp(t1.cid_idx, t2.cid_idx, (t1.idx_mask + 1) * sizeof(uint64_t)), 0);
	cr_assert_eq(t1.st->events_applied, t2.st->events_applied);
	free(m1);
	free(m2);
}

/* The pipeline resumed across batches (ose_tbl_pf_carry/resume, as the
 * engine runs it per ring): batches of random sizes with a random number
 * of records peeked past their end.  Each event's hash handed to the
 * apply equals the one a fresh pipeline start computes for it (a carried
 * hash that belonged to another record would create the order twice), and
 * the table ends byte-identical to the one-by-one table. */
Test(slot, pipeline_resumed_across_batches_changes_nothing)
{
	struct ose_tbl t2, t3;
	void *m2 = tbl_new(&t2, 1024, 1000);
	void *m3 = tbl_new(&t3, 1024, 1000);
	enum { N = 3000, B = 64 };
	static struct ose_event evs[N];
	static const enum ose_status st[] = {OSE_ST_NEW, OSE_ST_PARTIALLY_FILLED,
					     OSE_ST_PARTIALLY_FILLED, OSE_ST_FILLED, OSE_ST_CANCELED,
					     OSE_ST_NONE};
	mixed_events(evs, N, 777, 300, st, 6, 30, 3);
	uint64_t r = 777;
	struct ose_ap_out out;
	for (int i = 0; i < N; i++)
		ose_tbl_apply(&T, &evs[i], 100 + i, &out);
	const struct ose_event *p[B + OSE_TBL_PF_AHEAD];
	uint64_t hs[B + OSE_TBL_PF_AHEAD], fresh[B + OSE_TBL_PF_AHEAD];
	uint32_t have = 0, resumed = 0, carried = 0;
	for (int b = 0; b < N;) {
		uint32_t want = 1 + (uint32_t)(tst_rnd(&r) % B);
		uint32_t look = (uint32_t)(tst_rnd(&r) % (OSE_TBL_PF_AHEAD + 1));
		uint32_t n = want + look;
		if ((uint32_t)(N - b) < n)
			n = (uint32_t)(N - b);
		uint32_t k = n < want ? n : want;
		for (uint32_t i = 0; i < n; i++)
			p[i] = &evs[b + (int)i];
		/* Sometimes the consumer does not resume (another ring in
		 * between, a restart): a fresh start must do as well. */
		if (tst_rnd(&r) % 8 == 0)
			have = 0;
		resumed += have > 0;
		carried += have;
		ose_tbl_pf_resume(&t2, p, n, have, hs);
		ose_tbl_pf_start(&t3, p, n, fresh);
		for (uint32_t i = 0; i < k; i++) {
			ose_tbl_pf_step(&t2, p, n, i, hs);
			ose_tbl_pf_step(&t3, p, n, i, fresh);
			cr_assert_eq(hs[i], fresh[i], "event %d: carried hash differs", b + (int)i);
			ose_tbl_apply_h(&t2, p[i], hs[i], 100 + b + (int64_t)i, &out);
			ose_tbl_apply_h(&t3, p[i], fresh[i], 100 + b + (int64_t)i, &out);
		}
		have = ose_tbl_pf_carry(hs, n, k);
		cr_assert_eq(have, n - k > OSE_TBL_PF_AHEAD ? OSE_TBL_PF_AHEAD : n - k);
		b += (int)k;
	}
	cr_assert_gt(resumed, 50);
	cr_assert_gt(carried, 200);
	cr_assert_eq(ose_tbl_check(&t2), 0);
	cr_assert_eq(memcmp(T.slots, t2.slots, 1024 * sizeof(struct ose_slot)), 0);
	cr_assert_eq(memcmp(T.oid_idx, t2.oid_idx, (T.idx_mask + 1) * sizeof(uint64_t)), 0);
	cr_assert_eq(T.st->events_applied, t2.st->events_applied);
	cr_assert_eq(T.st->tracked, t2.st->tracked);
	free(m2);
	free(m3);
}

static int cmp_tag(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a >> 32, y = *(const uint64_t *)b >> 32;
	return x < y ? -1 : x > y;
}

/* Two keys that differ only in the symbol and share the index tag (found
 * by a birthday search over symbol spellings): the second must not be
 * taken for the first, so the symbol compare (through the book) is what
 * decides, not the hash. */
Test(slot, tag_collision_on_symbol_is_not_a_match)
{
	enum { M = 1 << 18 };
	uint64_t *v = malloc(M * sizeof(*v));
	char sym[OSE_SYMBOL_MAX];
	for (uint32_t j = 0; j < M; j++) {
		snprintf(sym, sizeof(sym), "S%u", j);
		/* tag in the high half, the symbol number in the low half */
		v[j] = (ose_key_oid(OSE_VENUE_BINANCE, sym, "77") & ~0xffffffffull) | j;
	}
	qsort(v, M, sizeof(*v), cmp_tag);
	uint32_t a = UINT32_MAX, b = UINT32_MAX;
	for (uint32_t j = 1; j < M && a == UINT32_MAX; j++)
		if (v[j] >> 32 == v[j - 1] >> 32) {
			a = (uint32_t)v[j - 1];
			b = (uint32_t)v[j];
		}
	free(v);
	cr_assert_neq(a, UINT32_MAX, "no tag collision among %d symbols", M);
	char sa[OSE_SYMBOL_MAX], sb[OSE_SYMBOL_MAX];
	snprintf(sa, sizeof(sa), "S%u", a);
	snprintf(sb, sizeof(sb), "S%u", b);
	struct ose_event e = ev_order(sa, "77", OSE_ST_NEW, "0");
	cr_assert_eq(tapply(&T, &e), OSE_AP_APPLIED);
	uint32_t s = ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", sa, "77");
	cr_assert_neq(s, OSE_NIL);
	cr_assert_eq(ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", sb, "77"), OSE_NIL);
	e = ev_order(sb, "77", OSE_ST_CANCELED, "0");
	struct ose_ap_out out;
	cr_assert_eq(ose_tbl_apply(&T, &e, 5000, &out), OSE_AP_APPLIED);
	cr_assert_eq(out.created, 1, "a new order, not %s's", sa);
	cr_assert_neq(out.slot, s);
	cr_assert_eq(T.slots[s].status, OSE_ST_NEW);
}
