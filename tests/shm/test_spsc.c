/* SPDX-License-Identifier: MIT */
/* SPSC ring, single process: API, edges, properties, wrap-around near
 * 2^32 and 2^64 (shm/spsc.h). */
#include <criterion/criterion.h>
#include <criterion/theories.h>

#include "shm/spsc.h"
#include "shm_test.h"

TestSuite(spsc, .init = shm_test_setup, .fini = shm_test_teardown, .timeout = 60);

struct ring {
	struct ose_seg pseg, cseg;
	struct ose_spsc_prod p;
	struct ose_spsc_cons c;
};

static void ring_open(struct ring *r, uint32_t slot, uint64_t cap, uint64_t init)
{
	cr_assert_eq(ose_spsc_create(&r->pseg, "ose.t.feed.x.y", slot, cap, 64, 0, init), 0);
	cr_assert_eq(ose_spsc_prod_init(&r->p, &r->pseg), 0);
	cr_assert_eq(ose_spsc_attach(&r->cseg, "ose.t.feed.x.y", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&r->c, &r->cseg), 0);
}

static void ring_close(struct ring *r)
{
	ose_spsc_cons_fini(&r->c);
	ose_seg_close(&r->cseg);
	ose_seg_close(&r->pseg);
	ose_seg_unlink("ose.t.feed.x.y");
}

Test(spsc, sizes)
{
	cr_assert_eq(ose_spsc_payload_size(64, 8), OSE_SPSC_CTL_SIZE + 512);
	cr_assert_eq(ose_spsc_payload_size(448, 1024), OSE_SPSC_CTL_SIZE + 448 * 1024);
	cr_assert_eq(ose_spsc_payload_size(0, 8), 0);
	cr_assert_eq(ose_spsc_payload_size(100, 8), 0);
	cr_assert_eq(ose_spsc_payload_size(64, 6), 0);
	cr_assert_eq(ose_spsc_payload_size(64, 1), 0);
	cr_assert_eq(ose_spsc_payload_size(64, OSE_SPSC_CAPACITY_MAX * 2), 0);
	cr_assert_eq(ose_spsc_payload_size(OSE_SPSC_SLOT_MAX * 2, 8), 0);
}

Test(spsc, push_pop_basic)
{
	struct ring r;
	uint64_t rec[8], out[8], big[9] = {0};
	struct ose_spsc_stats st;

	ring_open(&r, 64, 4, 0);
	cr_assert_eq(ose_spsc_pop(&r.c, out, sizeof(out)), OSE_SPSC_EMPTY);
	for (uint64_t i = 0; i < 4; i++) {
		shm_test_fill(rec, 8, 1, i);
		cr_assert_eq(ose_spsc_push(&r.p, rec, sizeof(rec)), OSE_SPSC_OK);
	}
	cr_assert_eq(ose_spsc_push(&r.p, rec, sizeof(rec)), OSE_SPSC_FULL);
	cr_assert_eq(ose_spsc_push(&r.p, big, 65), OSE_SPSC_TOOBIG);
	ose_spsc_stats(&r.cseg, &st);
	cr_assert_eq(st.head, 4);
	cr_assert_eq(st.tail, 0);
	cr_assert_eq(st.lag, 4);
	cr_assert_eq(st.records, 4);
	cr_assert_eq(st.capacity, 4);
	cr_assert_eq(st.slot_size, 64);
	cr_assert_eq(st.prod_pid, getpid());
	cr_assert_eq(st.cons_pid, getpid());
	cr_assert(st.prod_alive && st.cons_alive);
	cr_assert_eq(st.prod_attaches, 1);
	cr_assert_eq(st.empty_polls, 1);
	cr_assert_eq(ose_spsc_pop(&r.c, big, 65), OSE_SPSC_TOOBIG);
	for (uint64_t i = 0; i < 4; i++) {
		cr_assert_eq(ose_spsc_pop(&r.c, out, sizeof(out)), OSE_SPSC_OK);
		cr_assert_eq(out[1], i);
		cr_assert(shm_test_check(out, 8));
	}
	cr_assert_eq(ose_spsc_pop(&r.c, out, sizeof(out)), OSE_SPSC_EMPTY);
	ring_close(&r);
}

Test(spsc, batch_reserve_commit_peek_release)
{
	struct ring r;

	ring_open(&r, 128, 8, 0);
	cr_assert_eq(ose_spsc_reserve(&r.p, 5), 5);
	for (uint32_t i = 0; i < 5; i++)
		shm_test_fill(ose_spsc_prod_slot(&r.p, i), 16, 2, i);
	cr_assert_eq(ose_spsc_peek(&r.c, 8), 0); /* not committed: invisible */
	ose_spsc_commit(&r.p, 3);                /* partial commit */
	cr_assert_eq(ose_spsc_peek(&r.c, 8), 3);
	cr_assert_eq(ose_spsc_reserve(&r.p, 10), 5); /* only 5 free */
	cr_assert_eq(ose_spsc_reserve(&r.p, 2), 2);
	for (uint32_t i = 0; i < 2; i++)
		shm_test_fill(ose_spsc_prod_slot(&r.p, i), 16, 2, 3 + i);
	ose_spsc_commit(&r.p, 2);
	/* The consumer's cached head still says 3 until it runs dry. */
	cr_assert_eq(ose_spsc_peek(&r.c, 8), 3);
	for (uint32_t i = 0; i < 3; i++) {
		const uint64_t *w = ose_spsc_cons_slot(&r.c, i);
		cr_assert_eq(w[1], i);
		cr_assert(shm_test_check(w, 16));
	}
	ose_spsc_release(&r.c, 3);
	cr_assert_eq(ose_spsc_peek(&r.c, 1), 1);
	cr_assert_eq(ose_spsc_peek(&r.c, 8), 2);
	cr_assert_eq(((const uint64_t *)ose_spsc_cons_slot(&r.c, 1))[1], 4);
	ose_spsc_release(&r.c, 2);
	cr_assert_eq(ose_spsc_peek(&r.c, 8), 0);
	/* Full edge: exactly capacity fits. */
	cr_assert_eq(ose_spsc_reserve(&r.p, 8), 8);
	ose_spsc_commit(&r.p, 8);
	cr_assert_eq(ose_spsc_reserve(&r.p, 1), 0);
	cr_assert_eq(ose_spsc_peek(&r.c, 100), 8);
	ose_spsc_release(&r.c, 1);
	cr_assert_eq(ose_spsc_reserve(&r.p, 4), 1);
	ring_close(&r);
}

/* Random capacities, batch sizes and interleavings; start index near an
 * overflow boundary.  Checks order, no loss, no duplicate, intact bodies
 * and the free/available counts against a model. */
static void property_run(uint64_t init, uint64_t seed, int rounds)
{
	uint64_t s = seed;

	for (int round = 0; round < rounds; round++) {
		struct ring r;
		uint64_t cap = UINT64_C(2) << (shm_test_rand(&s) % 10); /* 2..1024 */
		uint32_t slot = 64u * (uint32_t)(1 + shm_test_rand(&s) % 3);
		unsigned nw = slot / 8;
		uint64_t sent = 0, got = 0, total = cap * 5 + shm_test_rand(&s) % 1000;

		ring_open(&r, slot, cap, init);
		while (got < total) {
			uint32_t want = (uint32_t)(1 + shm_test_rand(&s) % (cap + 3));
			uint32_t n = ose_spsc_reserve(&r.p, want);
			uint64_t used = sent - got;
			uint32_t expect = (uint32_t)(cap - used < want ? cap - used : want);

			cr_assert_eq(n, expect, "reserve %u of free %lu gave %u", want,
				     (unsigned long)(cap - used), n);
			if (sent + n > total)
				n = (uint32_t)(total - sent);
			for (uint32_t i = 0; i < n; i++)
				shm_test_fill(ose_spsc_prod_slot(&r.p, i), nw, seed, sent + i);
			ose_spsc_commit(&r.p, n);
			sent += n;

			uint32_t max = (uint32_t)(1 + shm_test_rand(&s) % (cap + 3));
			uint32_t k = ose_spsc_peek(&r.c, max);
			cr_assert_leq(k, sent - got);
			if (k == 0)
				cr_assert_eq(sent, got);
			for (uint32_t i = 0; i < k; i++) {
				const uint64_t *w = ose_spsc_cons_slot(&r.c, i);
				cr_assert_eq(w[1], got + i);
				cr_assert(shm_test_check(w, nw));
			}
			uint32_t rel = k ? (uint32_t)(shm_test_rand(&s) % (k + 1)) : 0;
			ose_spsc_release(&r.c, rel);
			got += rel;
		}
		cr_assert_eq(sent, total);
		cr_assert_eq(r.c.ctl->prod.head, init + total);
		cr_assert_eq(r.c.ctl->cons.tail, init + total);
		ring_close(&r);
	}
}

TheoryDataPoints(spsc, wrap_property) = {
	DataPoints(uint64_t, 0, (UINT64_C(1) << 32) - 700, UINT64_MAX - 700, UINT64_MAX - 3,
		   UINT64_MAX),
	DataPoints(uint64_t, 1, 77),
};

Theory((uint64_t init, uint64_t seed), spsc, wrap_property)
{
	property_run(init, seed, 12);
}

Test(spsc, wrap_past_2_64_exact)
{
	struct ring r;
	uint64_t rec[8], out[8];

	ring_open(&r, 64, 4, UINT64_MAX - 1);
	for (uint64_t i = 0; i < 40; i++) {
		shm_test_fill(rec, 8, 3, i);
		cr_assert_eq(ose_spsc_push(&r.p, rec, sizeof(rec)), OSE_SPSC_OK);
		if (i % 3 == 2) {
			cr_assert_eq(ose_spsc_push(&r.p, rec, sizeof(rec)), OSE_SPSC_OK);
			cr_assert_eq(ose_spsc_pop(&r.c, out, sizeof(out)), OSE_SPSC_OK);
		}
		cr_assert_eq(ose_spsc_pop(&r.c, out, sizeof(out)), OSE_SPSC_OK);
	}
	/* head went UINT64_MAX-1 -> past 0: the count is still exact. */
	cr_assert_lt(r.c.ctl->prod.head, 100);
	cr_assert_eq(r.c.ctl->prod.head - r.c.ctl->cons.tail, 0);
	ring_close(&r);
}

Test(spsc, consumer_lock_and_roles)
{
	struct ring r;
	struct ose_seg other, ro;
	struct ose_spsc_cons c2;
	struct ose_spsc_prod p2;

	ring_open(&r, 64, 8, 0);
	cr_assert_eq(ose_spsc_attach(&other, "ose.t.feed.x.y", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c2, &other), -EBUSY); /* one consumer */
	cr_assert_eq(ose_spsc_prod_init(&p2, &other), -EINVAL); /* not the owner */
	cr_assert_eq(ose_spsc_attach(&ro, "ose.t.feed.x.y", 0), 0);
	cr_assert_eq(ose_spsc_cons_init(&c2, &ro), -EACCES); /* read-only */
	cr_assert_eq(ose_seg_lock_held(&ro, OSE_SEG_LOCK_PEER), 1);
	ose_spsc_cons_fini(&r.c);
	cr_assert_eq(ose_seg_lock_held(&ro, OSE_SEG_LOCK_PEER), 0);
	cr_assert_eq(ose_spsc_cons_init(&c2, &other), 0);
	cr_assert_eq(c2.ctl->cons.attaches, 2);
	ose_spsc_cons_fini(&c2);
	ose_seg_close(&other);
	ose_seg_close(&ro);
	ring_close(&r);
}

Test(spsc, attach_errors)
{
	struct ose_seg s;
	struct ose_spsc_ctl *ctl;

	cr_assert_eq(ose_spsc_attach(&s, "ose.none", 0), -ENOENT);
	cr_assert_eq(ose_seg_create(&s, "ose.st", OSE_SEG_STATE, 0, 4096, 0), 0);
	ose_seg_close(&s);
	cr_assert_eq(ose_spsc_attach(&s, "ose.st", 0), OSE_SEG_EKIND);
	cr_assert_eq(ose_spsc_create(&s, "ose.r", 100, 8, 0, 0, 0), -EINVAL);
	cr_assert_eq(ose_spsc_create(&s, "ose.r", 64, 12, 0, 0, 0), -EINVAL);
	/* A ring whose control block was corrupted. */
	cr_assert_eq(ose_spsc_create(&s, "ose.r", 64, 8, 0, 0, 0), 0);
	ctl = ose_spsc_ctl_of(&s);
	ctl->info.capacity = 7;
	cr_assert_eq(ose_spsc_attach(&(struct ose_seg){0}, "ose.r", 0), OSE_SEG_ELAYOUT);
	ctl->info.capacity = 8;
	ctl->prod.head = 100; /* head - tail > capacity */
	cr_assert_eq(ose_spsc_attach(&(struct ose_seg){0}, "ose.r", 0), OSE_SEG_ELAYOUT);
	ctl->prod.head = 0;
	ose_seg_close(&s);
	/* Adopting with another shape is refused. */
	cr_assert_eq(ose_spsc_create(&s, "ose.r", 128, 4, 0, OSE_SEG_F_ADOPT, 0), -EEXIST);
	cr_assert_eq(ose_spsc_create(&s, "ose.r", 64, 8, 0, OSE_SEG_F_ADOPT, 0), 1);
	ose_seg_close(&s);
}

Test(spsc, wait_helpers_timeout_and_stall_count)
{
	struct ring r;
	struct ose_wait w;
	struct ose_wait_cfg cfg = {10, 10, 1000, 50000};
	uint64_t rec[9] = {0};

	ring_open(&r, 64, 2, 0);
	ose_wait_init(&w, &cfg);
	cr_assert_eq(ose_spsc_peek_wait(&r.c, 4, &w, 2000000), -ETIMEDOUT);
	cr_assert_eq(ose_spsc_push_wait(&r.p, rec, 64, &w, 1000000), 0);
	cr_assert_eq(ose_spsc_push_wait(&r.p, rec, 64, &w, 1000000), 0);
	cr_assert_eq(r.p.ctl->prod.full_stalls, 0);
	cr_assert_eq(ose_spsc_push_wait(&r.p, rec, 64, &w, 2000000), -ETIMEDOUT);
	cr_assert_eq(r.p.ctl->prod.full_stalls, 1);
	cr_assert_eq(ose_spsc_push_wait(&r.p, rec, 65, &w, 0), -EMSGSIZE);
	cr_assert_eq(ose_spsc_peek_wait(&r.c, 4, &w, 0), 2);
	ose_spsc_release(&r.c, 1);
	cr_assert_eq(ose_spsc_reserve_wait(&r.p, 4, &w, 0), 1);
	ring_close(&r);
}
