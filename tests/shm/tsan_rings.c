/* SPDX-License-Identifier: MIT */
/*
 * Thread-level stress of the shm concurrency primitives as a plain program
 * (no Criterion: Criterion cannot start under ThreadSanitizer, see
 * Snaipe/Criterion#274).  Built in every configuration and registered as a
 * test; its purpose is the -Db_sanitize=thread build, where any data race
 * in the SPSC ring, broadcast ring or seqlock is reported and fails it.
 * Exit 0 = all checks passed, 1 = a check failed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "shm/bcast.h"
#include "shm/seqlock.h"
#include "shm/spsc.h"
#include "shm/wait.h"
#include "shm_test.h"

#define N_SPSC 300000u
#define N_BCAST 200000u
#define N_SEQ 200000u

static int failures;

#define CHECK(c, ...)                                                   \
	do {                                                            \
		if (!(c)) {                                             \
			fprintf(stderr, "tsan_rings: " __VA_ARGS__);    \
			fputc('\n', stderr);                            \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED); \
		}                                                       \
	} while (0)

static struct ose_wait_cfg wcfg = {100, 20, 1000, 50000};

/* ---- SPSC ---- */
static struct ose_seg spsc_seg;

static void *spsc_consumer(void *arg)
{
	struct ose_spsc_cons c;
	struct ose_wait w;
	uint64_t got = 0, s = 5;

	(void)arg;
	CHECK(ose_spsc_cons_init(&c, &spsc_seg) == 0, "cons_init");
	ose_wait_init(&w, &wcfg);
	while (got < N_SPSC) {
		int n = ose_spsc_peek_wait(&c, (uint32_t)(1 + shm_test_rand(&s) % 32), &w,
					   60ull * 1000000000ull);

		if (n < 0) {
			CHECK(0, "spsc consumer timed out at %lu", (unsigned long)got);
			break;
		}
		for (int i = 0; i < n; i++) {
			const uint64_t *r = ose_spsc_cons_slot(&c, (uint32_t)i);

			CHECK(r[1] == got + (uint64_t)i && shm_test_check(r, 8), "spsc record %lu",
			      (unsigned long)(got + i));
		}
		ose_spsc_release(&c, (uint32_t)n);
		got += (uint64_t)n;
	}
	ose_spsc_cons_fini(&c);
	return NULL;
}

static void run_spsc(void)
{
	struct ose_spsc_prod p;
	struct ose_wait w;
	pthread_t th;
	uint64_t s = 7;

	CHECK(ose_spsc_create(&spsc_seg, "ose.tsan.feed.a.b", 64, 256, 0, 0, 0) == 0, "create");
	CHECK(ose_spsc_prod_init(&p, &spsc_seg) == 0, "prod_init");
	pthread_create(&th, NULL, spsc_consumer, NULL);
	ose_wait_init(&w, &wcfg);
	for (uint64_t n = 0; n < N_SPSC;) {
		int k = ose_spsc_reserve_wait(&p, (uint32_t)(1 + shm_test_rand(&s) % 32), &w,
					      60ull * 1000000000ull);

		if (k < 0) {
			CHECK(0, "spsc producer timed out");
			break;
		}
		if ((uint64_t)k > N_SPSC - n)
			k = (int)(N_SPSC - n);
		for (int i = 0; i < k; i++)
			shm_test_fill(ose_spsc_prod_slot(&p, (uint32_t)i), 8, 1, n + (uint64_t)i);
		ose_spsc_commit(&p, (uint32_t)k);
		n += (uint64_t)k;
	}
	pthread_join(th, NULL);
	ose_seg_close(&spsc_seg);
}

/* ---- broadcast ---- */
static struct ose_seg bc_seg;
static struct ose_bcast_reader bc_readers[2];

static void *bcast_reader(void *arg)
{
	struct ose_bcast_reader *r = arg;
	uint64_t out[7], lost, ok = 0;

	while (r->cursor < N_BCAST) {
		enum ose_bcast_res res = ose_bcast_read(r, out, sizeof(out), &lost);

		if (res == OSE_BCAST_OK) {
			ok++;
			CHECK(shm_test_check(out, 7) && out[1] == r->cursor - 1, "bcast torn/order");
		} else if (res == OSE_BCAST_EMPTY) {
			ose_cpu_relax();
		}
	}
	CHECK(ok + r->lost == N_BCAST, "bcast ok %lu + lost %lu", (unsigned long)ok,
	      (unsigned long)r->lost);
	return NULL;
}

static void run_bcast(void)
{
	struct ose_bcast_writer w;
	pthread_t th[2];
	uint64_t rec[7];

	CHECK(ose_bcast_create(&bc_seg, "ose.tsan.events", 64, 64, 0, 0) == 0, "bcast create");
	CHECK(ose_bcast_writer_init(&w, &bc_seg) == 0, "writer_init");
	for (int i = 0; i < 2; i++) {
		ose_bcast_reader_init(&bc_readers[i], &bc_seg, OSE_BCAST_FROM_OLDEST);
		pthread_create(&th[i], NULL, bcast_reader, &bc_readers[i]);
	}
	for (uint64_t n = 0; n < N_BCAST; n++) {
		shm_test_fill(rec, 7, 2, n);
		ose_bcast_publish(&w, rec, sizeof(rec));
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ose_seg_close(&bc_seg);
}

/* ---- seqlock ---- */
static uint64_t sl_seq, sl_words[10];

static void *seq_reader(void *arg)
{
	uint64_t w[10], last = 0;

	(void)arg;
	while (last < N_SEQ) {
		if (ose_seqlock_read(&sl_seq, sl_words, w, 10, 0) < 0)
			continue;
		for (int i = 1; i < 10; i++)
			CHECK(w[i] == w[0] * (uint64_t)(i + 1), "seqlock torn");
		CHECK(w[0] >= last, "seqlock went backwards");
		last = w[0];
	}
	return NULL;
}

static void run_seqlock(void)
{
	pthread_t th[2];
	uint64_t w[10];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, seq_reader, NULL);
	for (uint64_t v = 1; v <= N_SEQ; v++) {
		for (int i = 0; i < 10; i++)
			w[i] = v * (uint64_t)(i + 1);
		ose_seqlock_write(&sl_seq, sl_words, w, 10);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

int main(void)
{
	shm_test_setup();
	run_spsc();
	run_bcast();
	run_seqlock();
	shm_test_teardown();
	if (failures)
		fprintf(stderr, "tsan_rings: %d failures\n", failures);
	return failures ? 1 : 0;
}
