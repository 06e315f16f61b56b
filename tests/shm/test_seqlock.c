/* SPDX-License-Identifier: MIT */
/* Seqlock: single-thread protocol, and a writer thread hammering a
 * multi-word record while readers check every snapshot (shm/seqlock.h). */
#include <criterion/criterion.h>
#include <pthread.h>

#include "shm/seqlock.h"
#include "shm/wait.h"
#include "shm_test.h"

#define NW 12 /* a 96-byte record, spans two cache lines */

struct rec {
	uint64_t seq;
	uint64_t w[NW];
} __attribute__((aligned(64)));

Test(seqlock, protocol)
{
	struct rec r = {0};
	uint64_t src[NW], dst[NW];

	for (int i = 0; i < NW; i++)
		src[i] = (uint64_t)i * 3 + 1;
	cr_assert_eq(ose_seqlock_try_read(&r.seq, r.w, dst, NW), 0);
	ose_seqlock_write_begin(&r.seq);
	cr_assert_eq(r.seq, 1);
	cr_assert_eq(ose_seqlock_try_read(&r.seq, r.w, dst, NW), -EAGAIN);
	cr_assert_eq(ose_seqlock_read(&r.seq, r.w, dst, NW, 5), -EAGAIN);
	ose_seqlock_store_words(r.w, src, NW);
	ose_seqlock_write_end(&r.seq);
	cr_assert_eq(r.seq, 2);
	cr_assert_eq(ose_seqlock_read(&r.seq, r.w, dst, NW, 0), 2);
	cr_assert_arr_eq(dst, src, sizeof(src));
	/* A read that straddles a write is detected. */
	uint64_t s = ose_seqlock_read_begin(&r.seq);
	ose_seqlock_load_words(dst, r.w, NW);
	ose_seqlock_write(&r.seq, r.w, src, NW);
	cr_assert(ose_seqlock_read_retry(&r.seq, s));
	cr_assert_eq(r.seq, 4);
}

static struct rec shared_rec;
static uint64_t writes_total;
static int writer_done;

static void make(uint64_t v, uint64_t *w)
{
	for (int i = 0; i < NW; i++)
		w[i] = v * (uint64_t)(i + 1) ^ ((uint64_t)i << 56);
}

static void *writer(void *arg)
{
	uint64_t w[NW];

	(void)arg;
	for (uint64_t v = 1; v <= writes_total; v++) {
		make(v, w);
		ose_seqlock_write(&shared_rec.seq, shared_rec.w, w, NW);
		if ((v & 4095) == 0)
			sched_yield();
	}
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct rstat {
	uint64_t reads, torn, backwards, last;
};

static void *reader(void *arg)
{
	struct rstat *st = arg;
	uint64_t w[NW], expect[NW];

	while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE) || st->last < writes_total) {
		int64_t s = ose_seqlock_read(&shared_rec.seq, shared_rec.w, w, NW, 0);
		uint64_t v = w[0];

		if (s < 0)
			continue;
		if (s == 0) { /* nothing written yet */
			sched_yield();
			continue;
		}
		make(v, expect);
		st->reads++;
		st->torn += memcmp(w, expect, sizeof(w)) != 0;
		st->backwards += v < st->last;
		/* seq 2v is the v-th write. */
		st->torn += (uint64_t)s != 2 * v;
		st->last = v;
	}
	return NULL;
}

Test(seqlock, hammer_no_torn_read, .timeout = 60)
{
	pthread_t wt, rt[2];
	struct rstat st[2] = {{0}, {0}};

	writes_total = SHM_TEST_SANITIZED ? 300000 : 3000000;
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&rt[i], NULL, reader, &st[i]), 0);
	cr_assert_eq(pthread_create(&wt, NULL, writer, NULL), 0);
	cr_assert_eq(pthread_join(wt, NULL), 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(pthread_join(rt[i], NULL), 0);
		cr_assert_gt(st[i].reads, 0);
		cr_assert_eq(st[i].torn, 0, "reader %d: %lu torn of %lu", i,
			     (unsigned long)st[i].torn, (unsigned long)st[i].reads);
		cr_assert_eq(st[i].backwards, 0);
		cr_assert_eq(st[i].last, writes_total);
	}
}
