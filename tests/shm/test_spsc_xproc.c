/* SPDX-License-Identifier: MIT */
/*
 * SPSC ring across processes (fork), over a real segment file:
 *  - 10 million records with sequence numbers and checksums: none lost,
 *    duplicated or torn;
 *  - kill -9 the producer mid-stream, start a new producer on the same
 *    ring: every record committed before the kill is consumed exactly
 *    once, records reserved/written but not committed never appear;
 *  - kill -9 the consumer: records whose release was published are never
 *    delivered again; records peeked but not released are delivered again
 *    (to the next consumer), and nothing else is.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "shm/spsc.h"
#include "shm_test.h"

TestSuite(spsc_xproc, .init = shm_test_setup, .fini = shm_test_teardown, .timeout = 150);

#define RING "ose.x.feed.sim.a"
#define NW 8 /* 64-byte records */
#define TIMEOUT_NS (30ull * 1000000000ull)

static struct ose_wait_cfg shared_wait = {200, 50, 1000, 100000};

/* Child side of a producer: create/adopt, report the create result on
 * fd, then produce `count` records tagged `tag` (forever if count is 0).
 * If hold_at, after that many records reserve 3 more, write them, do not
 * commit, report 'h' and sleep until killed. */
static void producer(int fd, uint64_t tag, uint64_t count, uint64_t hold_at, uint64_t seed)
{
	struct ose_seg seg;
	struct ose_spsc_prod p;
	struct ose_wait w;
	uint64_t s = seed, n = 0;
	int r = ose_spsc_create(&seg, RING, 64, 1024, 0, OSE_SEG_F_ADOPT, 0);
	char c = r == 0 ? '0' : r == 1 ? '1' : 'e';

	if (r < 0 || ose_spsc_prod_init(&p, &seg) < 0)
		c = 'e';
	if (write(fd, &c, 1) != 1 || c == 'e')
		_exit(2);
	ose_wait_init(&w, &shared_wait);
	while (count == 0 || n < count) {
		uint32_t want = (uint32_t)(1 + shm_test_rand(&s) % 64);
		int k;

		if (count && want > count - n)
			want = (uint32_t)(count - n);
		if (hold_at && n >= hold_at) {
			int got = 0;

			while (got < 3) { /* reserve_wait grants as soon as 1 is free */
				if ((got = ose_spsc_reserve_wait(&p, 3, &w, TIMEOUT_NS)) < 0)
					_exit(4);
				if (got < 3)
					ose_wait_idle(&w);
			}
			for (uint32_t i = 0; i < 3; i++)
				shm_test_fill(ose_spsc_prod_slot(&p, i), NW, tag, n + i);
			c = 'h';
			if (write(fd, &c, 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		k = ose_spsc_reserve_wait(&p, want, &w, TIMEOUT_NS);
		if (k < 0)
			_exit(3);
		for (int i = 0; i < k; i++)
			shm_test_fill(ose_spsc_prod_slot(&p, (uint32_t)i), NW, tag, n + (uint64_t)i);
		ose_spsc_commit(&p, (uint32_t)k);
		n += (uint64_t)k;
	}
	_exit(0);
}

static pid_t spawn_producer(uint64_t tag, uint64_t count, uint64_t hold_at, uint64_t seed,
			    int *fd_out, char *created)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		producer(p[1], tag, count, hold_at, seed);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], created, 1), 1);
	cr_assert_neq(*created, 'e', "producer could not create/adopt the ring");
	if (fd_out) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		*fd_out = p[0];
	} else {
		close(p[0]);
	}
	return pid;
}

static void reap_ok(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: status %d", st);
}

Test(spsc_xproc, ten_million_records)
{
	uint64_t total = SHM_TEST_SANITIZED ? 1000000 : 10000000;
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_wait w;
	uint64_t got = 0, s = 9, torn = 0;
	char created;
	pid_t pid = spawn_producer(7, total, 0, 3, NULL, &created);

	cr_assert_eq(created, '0');
	cr_assert_eq(ose_spsc_attach(&seg, RING, OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	ose_wait_init(&w, &shared_wait);
	while (got < total) {
		int n = ose_spsc_peek_wait(&c, (uint32_t)(1 + shm_test_rand(&s) % 128), &w,
					   TIMEOUT_NS);

		cr_assert_gt(n, 0, "stalled at %lu", (unsigned long)got);
		for (int i = 0; i < n; i++) {
			const uint64_t *r = ose_spsc_cons_slot(&c, (uint32_t)i);

			if (r[0] != 7 || r[1] != got + (uint64_t)i)
				cr_assert_fail("record %lu: tag %lu seq %lu", (unsigned long)(got + i),
					       (unsigned long)r[0], (unsigned long)r[1]);
			torn += !shm_test_check(r, NW);
		}
		ose_spsc_release(&c, (uint32_t)n);
		got += (uint64_t)n;
	}
	cr_assert_eq(torn, 0);
	reap_ok(pid);
	cr_assert_eq(ose_spsc_peek(&c, 1), 0); /* nothing extra */
	cr_assert_eq(c.ctl->prod.head, total);
	ose_seg_close(&seg);
}

/* Consumes what is there; checks order per tag.  Returns records taken. */
static uint64_t drain(struct ose_spsc_cons *c, uint64_t *next1, uint64_t *next2,
		      uint64_t tag1_limit)
{
	uint32_t n = ose_spsc_peek(c, 64);

	for (uint32_t i = 0; i < n; i++) {
		const uint64_t *r = ose_spsc_cons_slot(c, i);

		cr_assert(shm_test_check(r, NW), "torn record");
		if (r[0] == 1) {
			cr_assert_eq(*next2, 0, "old producer's record after the new one's");
			cr_assert_eq(r[1], *next1, "producer 1: got %lu want %lu",
				     (unsigned long)r[1], (unsigned long)*next1);
			cr_assert_lt(r[1], tag1_limit, "uncommitted record delivered");
			(*next1)++;
		} else {
			cr_assert_eq(r[0], 2);
			cr_assert_eq(r[1], *next2);
			(*next2)++;
		}
	}
	ose_spsc_release(c, n);
	return n;
}

static void kill_producer_run(int deterministic, uint64_t seed)
{
	const uint64_t m2 = 200000;
	struct ose_seg seg;
	struct ose_spsc_cons c;
	uint64_t next1 = 0, next2 = 0, committed, deadline;
	char created, b;
	int fd;
	pid_t p1 = spawn_producer(1, 0, deterministic ? 300000 : 0, seed, &fd, &created), p2;
	int st;

	cr_assert_eq(created, '0');
	cr_assert_eq(ose_spsc_attach(&seg, RING, OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	deadline = ose_time_mono_ns() + TIMEOUT_NS;
	if (deterministic) {
		/* Consume until producer 1 holds 3 written, uncommitted slots. */
		while (read(fd, &b, 1) != 1) {
			cr_assert_lt(ose_time_mono_ns(), deadline);
			if (!drain(&c, &next1, &next2, UINT64_MAX))
				sched_yield();
		}
		cr_assert_eq(b, 'h');
	} else {
		/* Kill at a random moment in full flow. */
		uint64_t until = next1 + 50000 + seed * 7919 % 100000;

		while (next1 < until) {
			cr_assert_lt(ose_time_mono_ns(), deadline);
			if (!drain(&c, &next1, &next2, UINT64_MAX))
				sched_yield();
		}
	}
	cr_assert_eq(kill(p1, SIGKILL), 0);
	cr_assert_eq(waitpid(p1, &st, 0), p1);
	close(fd);
	/* Everything producer 1 committed, and nothing else, must arrive. */
	committed = __atomic_load_n(&c.ctl->prod.head, __ATOMIC_ACQUIRE);
	cr_assert_geq(committed, next1);

	p2 = spawn_producer(2, m2, 0, seed + 1, NULL, &created);
	cr_assert_eq(created, '1', "new producer did not adopt the ring");
	while (next2 < m2) {
		cr_assert_lt(ose_time_mono_ns(), deadline, "stalled: p1 %lu/%lu p2 %lu",
			     (unsigned long)next1, (unsigned long)committed, (unsigned long)next2);
		if (!drain(&c, &next1, &next2, committed))
			sched_yield();
	}
	reap_ok(p2);
	cr_assert_eq(next1, committed, "records committed before the kill: %lu, consumed %lu",
		     (unsigned long)committed, (unsigned long)next1);
	cr_assert_eq(ose_spsc_peek(&c, 1), 0);
	cr_assert_eq(c.ctl->prod.attaches, 2);
	cr_assert_eq(seg.hdr->epoch, 2);
	ose_seg_close(&seg);
}

Test(spsc_xproc, kill_producer_with_uncommitted_slots)
{
	kill_producer_run(1, 11);
}

Test(spsc_xproc, kill_producer_random_moment)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		kill_producer_run(0, seed);
		cr_assert_eq(ose_seg_unlink(RING), 0);
	}
}

/* State shared by the parent and the consumer children. */
struct xshared {
	uint64_t seen;       /* records marked by consumer 1 (atomic) */
	uint64_t c2_first;   /* first sequence consumer 2 received */
	/* followed by marks: [consumer 0: total bytes][consumer 1: total] */
};

static uint8_t *marks_of(struct xshared *sh, int which, uint64_t total)
{
	return (uint8_t *)(sh + 1) + (size_t)which * total;
}

static void consumer(struct xshared *sh, int which, uint64_t total, uint64_t hold_at, int fd,
		     uint64_t seed)
{
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_wait w;
	uint8_t *marks = marks_of(sh, which, total);
	uint64_t s = seed, expect;
	char b = 'r';
	int first = 1;

	if (ose_spsc_attach(&seg, RING, OSE_SEG_F_WRITE) < 0 || ose_spsc_cons_init(&c, &seg) < 0)
		_exit(2);
	if (write(fd, &b, 1) != 1)
		_exit(2);
	ose_wait_init(&w, &shared_wait);
	expect = c.tail;
	while (expect < total) {
		int n = ose_spsc_peek_wait(&c, (uint32_t)(1 + shm_test_rand(&s) % 64), &w, TIMEOUT_NS);
		uint32_t rel;

		if (n < 0)
			_exit(3);
		for (int i = 0; i < n; i++) {
			const uint64_t *r = ose_spsc_cons_slot(&c, (uint32_t)i);

			if (!shm_test_check(r, NW) || r[1] != expect + (uint64_t)i)
				_exit(4);
			if (first) {
				sh->c2_first = r[1];
				first = 0;
			}
			marks[r[1]]++;
		}
		__atomic_store_n(&sh->seen, expect + (uint64_t)n, __ATOMIC_RELEASE);
		if (hold_at && expect >= hold_at) {
			/* Peeked and marked, never released: must come again. */
			b = 'h';
			if (write(fd, &b, 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		/* Release all, or (sometimes) all but a few: they stay peeked. */
		rel = (uint32_t)n;
		if (n > 1 && shm_test_rand(&s) % 4 == 0)
			rel = (uint32_t)n - 1 - (uint32_t)(shm_test_rand(&s) % (uint64_t)(n - 1));
		ose_spsc_release(&c, rel);
		expect += rel;
		/* Records [expect, expect + n - rel) were marked and will be
		 * peeked again: un-mark so each delivery is counted once per
		 * consumer incarnation. */
		for (uint64_t q = expect; q < expect + (uint64_t)n - rel; q++)
			marks[q]--;
	}
	_exit(0);
}

static pid_t spawn_consumer(struct xshared *sh, int which, uint64_t total, uint64_t hold_at,
			    uint64_t seed, int *fd_out)
{
	int p[2];
	pid_t pid;
	char b;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		consumer(sh, which, total, hold_at, p[1], seed);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &b, 1), 1, "consumer %d failed to attach", which);
	cr_assert_eq(b, 'r');
	*fd_out = p[0];
	return pid;
}

static void kill_consumer_run(int deterministic, uint64_t seed)
{
	const uint64_t total = 1000000;
	size_t shsize = sizeof(struct xshared) + 2 * total;
	struct xshared *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	struct ose_seg ro;
	uint64_t tail_at_kill, redelivered = 0, deadline = ose_time_mono_ns() + TIMEOUT_NS;
	char created, b;
	int fd1, fd2, st;
	pid_t prod, c1, c2;

	cr_assert_neq(sh, MAP_FAILED);
	prod = spawn_producer(0, total, 0, seed, NULL, &created);
	c1 = spawn_consumer(sh, 0, total, deterministic ? total / 3 : 0, seed + 5, &fd1);
	if (deterministic) {
		cr_assert_eq(read(fd1, &b, 1), 1);
		cr_assert_eq(b, 'h');
	} else {
		uint64_t until = total / 5 + seed * 104729 % (total / 2);

		while (__atomic_load_n(&sh->seen, __ATOMIC_ACQUIRE) < until) {
			cr_assert_lt(ose_time_mono_ns(), deadline);
			usleep(200);
		}
	}
	cr_assert_eq(kill(c1, SIGKILL), 0);
	cr_assert_eq(waitpid(c1, &st, 0), c1);
	close(fd1);
	cr_assert_eq(ose_spsc_attach(&ro, RING, 0), 0);
	tail_at_kill = __atomic_load_n(&ose_spsc_ctl_of(&ro)->cons.tail, __ATOMIC_ACQUIRE);

	c2 = spawn_consumer(sh, 1, total, 0, seed + 6, &fd2);
	reap_ok(c2);
	reap_ok(prod);
	close(fd2);
	cr_assert_eq(sh->c2_first, tail_at_kill, "second consumer started at %lu, tail was %lu",
		     (unsigned long)sh->c2_first, (unsigned long)tail_at_kill);
	for (uint64_t i = 0; i < total; i++) {
		uint8_t m1 = marks_of(sh, 0, total)[i], m2 = marks_of(sh, 1, total)[i];

		if (i < tail_at_kill) {
			/* Released by consumer 1: delivered once, never again. */
			if (m1 != 1 || m2 != 0)
				cr_assert_fail("seq %lu (< tail %lu): c1 %u c2 %u", (unsigned long)i,
					       (unsigned long)tail_at_kill, m1, m2);
		} else {
			if (m2 != 1 || m1 > 1)
				cr_assert_fail("seq %lu (>= tail %lu): c1 %u c2 %u", (unsigned long)i,
					       (unsigned long)tail_at_kill, m1, m2);
			if (m1) {
				/* peeked, not released: a prefix after the tail */
				cr_assert_eq(i, tail_at_kill + redelivered);
				redelivered++;
			}
		}
	}
	cr_assert_leq(redelivered, 1024);
	if (deterministic)
		cr_assert_gt(redelivered, 0, "held records were not re-delivered");
	cr_assert_eq(ose_spsc_ctl_of(&ro)->cons.attaches, 2);
	ose_seg_close(&ro);
	munmap(sh, shsize);
}

Test(spsc_xproc, kill_consumer_holding_peeked_records)
{
	kill_consumer_run(1, 21);
}

Test(spsc_xproc, kill_consumer_random_moment)
{
	for (uint64_t seed = 1; seed <= 2; seed++) {
		kill_consumer_run(0, seed);
		cr_assert_eq(ose_seg_unlink(RING), 0);
	}
}
