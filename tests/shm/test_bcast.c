/* SPDX-License-Identifier: MIT */
/* Broadcast ring: API, exact overrun counts, readers never block the
 * writer, no torn record under concurrent writing (shm/bcast.h). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "shm/bcast.h"
#include "shm_test.h"

TestSuite(bcast, .init = shm_test_setup, .fini = shm_test_teardown, .timeout = 60);

#define EVR "ose.t.events"

static void open_writer(struct ose_seg *seg, struct ose_bcast_writer *w, uint32_t slot,
			uint64_t cap)
{
	cr_assert_eq(ose_bcast_create(seg, EVR, slot, cap, 0, 0), 0);
	cr_assert_eq(ose_bcast_writer_init(w, seg), 0);
}

static void pub(struct ose_bcast_writer *w, uint64_t n)
{
	uint64_t rec[7];

	shm_test_fill(rec, 7, 5, n);
	cr_assert_eq(ose_bcast_publish(w, rec, sizeof(rec)), 0);
}

Test(bcast, sizes_and_args)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	uint64_t big[16] = {0};

	cr_assert_eq(ose_bcast_payload_size(64, 8), OSE_BCAST_CTL_SIZE + 512);
	cr_assert_eq(ose_bcast_payload_size(32, 8), 0);
	cr_assert_eq(ose_bcast_payload_size(64, 3), 0);
	cr_assert_eq(ose_bcast_create(&seg, EVR, 64, 3, 0, 0), -EINVAL);
	open_writer(&seg, &w, 64, 8);
	cr_assert_eq(ose_bcast_rec_size(&w), 56);
	cr_assert_eq(ose_bcast_publish(&w, big, 64), -EINVAL);
	cr_assert_eq(ose_bcast_publish(&w, big, 12), -EINVAL);
	cr_assert_eq(ose_bcast_publish(&w, big, 16), 0); /* short record: rest zeroed */
	ose_seg_close(&seg);
	cr_assert_eq(ose_bcast_attach(&seg, "ose.missing", 0), -ENOENT);
}

Test(bcast, read_in_order_readonly_mapping)
{
	struct ose_seg wseg, rseg;
	struct ose_bcast_writer w;
	struct ose_bcast_reader r;
	uint64_t out[7], lost = 99;

	open_writer(&wseg, &w, 64, 8);
	cr_assert_eq(ose_bcast_attach(&rseg, EVR, 0), 0);
	cr_assert(!rseg.writable);
	cr_assert_eq(ose_bcast_reader_init(&r, &rseg, OSE_BCAST_FROM_OLDEST), 0);
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_EMPTY);
	cr_assert_eq(ose_bcast_read(&r, out, 60, &lost), OSE_BCAST_TOOBIG);
	for (uint64_t i = 0; i < 5; i++)
		pub(&w, i);
	cr_assert_eq(ose_bcast_lag(&r), 5);
	for (uint64_t i = 0; i < 5; i++) {
		cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_OK);
		cr_assert_eq(out[1], i);
		cr_assert(shm_test_check(out, 7));
	}
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_EMPTY);
	cr_assert_eq(lost, 99); /* untouched unless overrun */
	cr_assert_eq(r.lost, 0);
	cr_assert_eq(ose_bcast_lag(&r), 0);
	cr_assert_eq(r.ctl->wr.pid, getpid());
	struct ose_bcast_stats bs;
	ose_bcast_stats(&rseg, &bs);
	cr_assert_eq(bs.head, 5);
	cr_assert_eq(bs.capacity, 8);
	cr_assert_eq(bs.rec_size, 56);
	cr_assert_eq(bs.writer_pid, getpid());
	cr_assert(bs.writer_alive);
	cr_assert_eq(bs.attaches, 1);
	ose_seg_close(&rseg);
	ose_seg_close(&wseg);
}

Test(bcast, from_newest)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	struct ose_bcast_reader r;
	uint64_t out[7];

	open_writer(&seg, &w, 64, 8);
	for (uint64_t i = 0; i < 3; i++)
		pub(&w, i);
	cr_assert_eq(ose_bcast_reader_init(&r, &seg, OSE_BCAST_FROM_NEWEST), 0);
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), NULL), OSE_BCAST_EMPTY);
	pub(&w, 3);
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), NULL), OSE_BCAST_OK);
	cr_assert_eq(out[1], 3);
	ose_seg_close(&seg);
}

/* Slow reader: exact loss count, then resynchronised in order. */
Test(bcast, overrun_exact_count)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	struct ose_bcast_reader r, r2;
	uint64_t out[7], lost = 0, ok = 0, expect;

	open_writer(&seg, &w, 64, 8);
	cr_assert_eq(ose_bcast_reader_init(&r, &seg, OSE_BCAST_FROM_OLDEST), 0);
	for (uint64_t i = 0; i < 20; i++)
		pub(&w, i);
	/* Records 0..12 are gone or about to be overwritten (slot of 12 is
	 * the next write's): 13 lost, then 13..19 readable. */
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_OVERRUN);
	cr_assert_eq(lost, 13);
	cr_assert_eq(r.lost, 13);
	cr_assert_eq(r.overruns, 1);
	for (expect = 13; expect < 20; expect++) {
		cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_OK);
		cr_assert_eq(out[1], expect);
		ok++;
	}
	cr_assert_eq(ose_bcast_read(&r, out, sizeof(out), &lost), OSE_BCAST_EMPTY);
	cr_assert_eq(ok + r.lost, 20);

	/* A reader that started late from the oldest loses nothing. */
	cr_assert_eq(ose_bcast_reader_init(&r2, &seg, OSE_BCAST_FROM_OLDEST), 0);
	cr_assert_eq(r2.cursor, 13);
	/* Random interleavings: delivered + lost always equals published. */
	uint64_t s = 3, published = 20;
	ok = 7;
	for (int round = 0; round < 20000; round++) {
		uint64_t k = shm_test_rand(&s) % 20;

		for (uint64_t i = 0; i < k; i++)
			pub(&w, published++);
		k = shm_test_rand(&s) % 12;
		for (uint64_t i = 0; i < k; i++) {
			enum ose_bcast_res res = ose_bcast_read(&r, out, sizeof(out), &lost);

			if (res == OSE_BCAST_EMPTY)
				break;
			if (res == OSE_BCAST_OK) {
				cr_assert_eq(out[1], r.cursor - 1);
				cr_assert(shm_test_check(out, 7));
				ok++;
			}
		}
	}
	while (ose_bcast_read(&r, out, sizeof(out), &lost) != OSE_BCAST_EMPTY)
		ok += out[1] == r.cursor - 1;
	cr_assert_eq(ok + r.lost, published, "ok %lu lost %lu published %lu", (unsigned long)ok,
		     (unsigned long)r.lost, (unsigned long)published);
	ose_seg_close(&seg);
}

Test(bcast, adopt_keeps_head)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (ose_bcast_create(&seg, EVR, 64, 8, 0, 0) != 0 || ose_bcast_writer_init(&w, &seg))
			_exit(1);
		for (uint64_t i = 0; i < 5; i++) {
			uint64_t rec[7];
			shm_test_fill(rec, 7, 5, i);
			ose_bcast_publish(&w, rec, sizeof(rec));
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_eq(st, 0);
	cr_assert_eq(ose_bcast_create(&seg, EVR, 64, 8, 0, OSE_SEG_F_ADOPT), 1);
	cr_assert_eq(ose_bcast_writer_init(&w, &seg), 0);
	cr_assert_eq(w.head, 5);
	cr_assert_eq(w.ctl->wr.attaches, 2);
	ose_seg_close(&seg);
	cr_assert_eq(ose_bcast_create(&seg, EVR, 128, 8, 0, OSE_SEG_F_ADOPT | OSE_SEG_F_KEEP),
		     -EEXIST);
}

/* Concurrent: one writer thread, readers at different speeds. */
struct hammer {
	struct ose_seg *seg;
	uint64_t total;
	int delay;      /* reader: spin this many rounds between reads */
	uint64_t ok, lost, torn, disorder;
	struct ose_bcast_reader r; /* initialised before the writer starts */
};

static void *reader_main(void *arg)
{
	struct hammer *h = arg;
	struct ose_bcast_reader r = h->r;
	uint64_t out[15], lost;

	while (r.cursor < h->total) {
		enum ose_bcast_res res = ose_bcast_read(&r, out, sizeof(out), &lost);

		if (res == OSE_BCAST_OK) {
			h->ok++;
			h->torn += !shm_test_check(out, 15);
			h->disorder += out[1] != r.cursor - 1;
			for (volatile int i = 0; i < h->delay; i++)
				;
		} else if (res == OSE_BCAST_EMPTY) {
			ose_cpu_relax();
		}
	}
	h->lost = r.lost;
	return NULL;
}

Test(bcast, concurrent_readers_no_torn_exact_loss)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	const uint64_t total = SHM_TEST_SANITIZED ? 200000 : 1000000;
	struct hammer hs[3] = {{.seg = &seg, .total = total, .delay = 0},
			       {.seg = &seg, .total = total, .delay = 50},
			       {.seg = &seg, .total = total, .delay = 500}};
	pthread_t th[3];
	uint64_t rec[15];

	open_writer(&seg, &w, 128, 64);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(ose_bcast_reader_init(&hs[i].r, &seg, OSE_BCAST_FROM_OLDEST), 0);
		cr_assert_eq(hs[i].r.cursor, 0);
	}
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, reader_main, &hs[i]), 0);
	for (uint64_t n = 0; n < total; n++) {
		shm_test_fill(rec, 15, 9, n);
		cr_assert_eq(ose_bcast_publish(&w, rec, sizeof(rec)), 0);
		if ((n & 1023) == 0)
			sched_yield(); /* 2 cores: let readers run sometimes */
	}
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_assert_eq(hs[i].torn, 0, "reader %d: %lu torn", i, (unsigned long)hs[i].torn);
		cr_assert_eq(hs[i].disorder, 0);
		cr_assert_eq(hs[i].ok + hs[i].lost, total, "reader %d: ok %lu + lost %lu != %lu", i,
			     (unsigned long)hs[i].ok, (unsigned long)hs[i].lost, (unsigned long)total);
	}
	ose_seg_close(&seg);
}

/* A stopped reader process (SIGSTOP, holding its mapping) cannot slow or
 * block the writer: the writer finishes and the reader, resumed, learns
 * exactly what it lost. */
Test(bcast, stopped_reader_never_blocks_writer)
{
	struct ose_seg seg;
	struct ose_bcast_writer w;
	int p[2], q[2], st;
	const uint64_t total = 100000;
	pid_t pid;
	char b;

	open_writer(&seg, &w, 64, 16);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ose_seg rs;
		struct ose_bcast_reader r;
		uint64_t out[7], ok = 0, lost;

		if (ose_bcast_attach(&rs, EVR, 0) || ose_bcast_reader_init(&r, &rs, OSE_BCAST_FROM_OLDEST))
			_exit(1);
		b = 'r';
		if (write(q[1], &b, 1) != 1 || read(p[0], &b, 1) != 1) /* parent: SIGSTOP, publish, SIGCONT */
			_exit(2);
		while (r.cursor < total) {
			enum ose_bcast_res res = ose_bcast_read(&r, out, sizeof(out), &lost);

			if (res == OSE_BCAST_OK) {
				ok++;
				if (!shm_test_check(out, 7) || out[1] != r.cursor - 1)
					_exit(3);
			} else if (res == OSE_BCAST_EMPTY) {
				_exit(4); /* everything was published before we resumed */
			}
		}
		_exit(ok + r.lost == total && r.overruns == 1 && r.lost == total - 15 ? 0 : 5);
	}
	cr_assert_eq(read(q[0], &b, 1), 1);
	cr_assert_eq(kill(pid, SIGSTOP), 0);
	for (uint64_t n = 0; n < total; n++)
		pub(&w, n);
	cr_assert_eq(ose_bcast_head(w.ctl), total);
	cr_assert_eq(kill(pid, SIGCONT), 0);
	cr_assert_eq(write(p[1], &b, 1), 1);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 0, "reader exit %d", WEXITSTATUS(st));
	ose_seg_close(&seg);
}

Test(bcast, slot_for_event_size)
{
	cr_assert_eq(OSE_BCAST_SLOT_FOR(448), 512);
	cr_assert_eq(OSE_BCAST_SLOT_FOR(56), 64);
	cr_assert_eq(OSE_BCAST_SLOT_FOR(64), 128);
	cr_assert_neq(ose_bcast_payload_size(OSE_BCAST_SLOT_FOR(448), 1024), 0);
}
