/* SPDX-License-Identifier: MIT */
/* Wait strategy: default selection, tiers, CPU helpers (shm/wait.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/wait.h"

Test(wait, default_selection)
{
	struct ose_wait_cfg c;
	unsigned n = ose_cpus_online();

	unsetenv("OSE_WAIT");
	cr_assert_geq(n, 1);
	ose_wait_cfg_default(&c, n, 1); /* as many busy as CPUs: no spare */
	cr_assert_neq(c.spin_iters, UINT32_MAX);
	cr_assert_gt(c.sleep_max_ns, 0);
	ose_wait_cfg_default(&c, 1, 0); /* not pinned: never spin forever */
	cr_assert_neq(c.spin_iters, UINT32_MAX);
	if (n >= 2) {
		ose_wait_cfg_default(&c, n - 1, 1); /* pinned, one CPU spare */
		cr_assert_eq(c.spin_iters, UINT32_MAX);
		ose_wait_cfg_default(&c, 0, 1); /* 0 means 1 */
		cr_assert_eq(c.spin_iters, UINT32_MAX);
	}
	setenv("OSE_WAIT", "spin", 1);
	ose_wait_cfg_default(&c, 100, 0);
	cr_assert_eq(c.spin_iters, UINT32_MAX);
	setenv("OSE_WAIT", "yield", 1);
	ose_wait_cfg_default(&c, 1, 1);
	cr_assert_eq(c.yield_iters, UINT32_MAX);
	setenv("OSE_WAIT", "sleep", 1);
	ose_wait_cfg_default(&c, 1, 1);
	cr_assert_eq(c.spin_iters, 0);
	cr_assert_eq(c.yield_iters, 0);
	cr_assert_gt(c.sleep_min_ns, 0);
	unsetenv("OSE_WAIT");
}

Test(wait, tiers_progress_and_reset)
{
	struct ose_wait_cfg c = {3, 2, 1000, 4000};
	struct ose_wait w;
	uint64_t t0;

	ose_wait_init(&w, &c);
	for (int i = 0; i < 3; i++)
		ose_wait_idle(&w); /* spins */
	cr_assert_eq(w.n, 3);
	ose_wait_idle(&w); /* yields */
	ose_wait_idle(&w);
	cr_assert_eq(w.n, 5);
	t0 = ose_time_mono_ns();
	for (int i = 0; i < 4; i++)
		ose_wait_idle(&w); /* sleeps: 1, 2, 4, 4 us */
	cr_assert_geq(ose_time_mono_ns() - t0, 11000);
	cr_assert_eq(w.sleep_ns, 4000); /* capped */
	ose_wait_reset(&w);
	cr_assert_eq(w.n, 0);
	cr_assert_eq(w.sleep_ns, 1000);

	struct ose_wait s;
	ose_wait_init(&s, &OSE_WAIT_CFG_SPIN);
	for (int i = 0; i < 1000; i++)
		ose_wait_idle(&s); /* never leaves the spin tier */
	cr_assert_eq(s.sleep_ns, 0);
}

Test(wait, pin_and_clock)
{
	cpu_set_t old;
	uint64_t a = ose_time_mono_ns(), b = ose_time_mono_ns();

	cr_assert_geq(b, a);
	cr_assert_eq(ose_pin_cpu(-1), -EINVAL);
	cr_assert_eq(ose_pin_cpu(CPU_SETSIZE), -EINVAL);
	cr_assert_eq(sched_getaffinity(0, sizeof(old), &old), 0);
	if (!CPU_ISSET(0, &old))
		cr_skip_test("CPU 0 not in our affinity mask");
	cr_assert_eq(ose_pin_cpu(0), 0);
	cr_assert_eq(sched_getcpu(), 0);
	sched_setaffinity(0, sizeof(old), &old);
}

Test(wait, will_sleep_follows_tiers)
{
	struct ose_wait_cfg c = {2, 1, 1000, 4000};
	struct ose_wait w;

	ose_wait_init(&w, &c);
	cr_assert_not(ose_wait_will_sleep(&w)); /* spin */
	ose_wait_idle(&w);
	ose_wait_idle(&w);
	cr_assert_not(ose_wait_will_sleep(&w)); /* yield */
	ose_wait_idle(&w);
	cr_assert(ose_wait_will_sleep(&w));
	ose_wait_init(&w, &OSE_WAIT_CFG_SPIN);
	for (int i = 0; i < 100; i++)
		ose_wait_idle(&w);
	cr_assert_not(ose_wait_will_sleep(&w));
}

/*
 * The doorbell across processes: a child sleeps on a word in a shared
 * mapping with a 4 s timer; the parent waits until the child says it is
 * asleep (its sleeping word), publishes and rings.  The child reports
 * (exit code) whether it came back long before its timer, which only the
 * bell can do.  A word that already moved never sleeps at all.
 */
static int sleep_child(uint64_t *word, uint64_t seen, uint32_t *sleeping)
{
	struct ose_wait_cfg c = {0, 0, 4000000000u, 4000000000u};
	struct ose_wait w;
	struct ose_wait_word ww = {word, seen, sleeping};
	uint64_t t0;

	ose_wait_init(&w, &c);
	t0 = ose_time_mono_ns();
	ose_wait_sleep_on(&w, &ww, 1);
	return ose_time_mono_ns() - t0 < 2000000000u ? 0 : 1;
}

Test(wait, doorbell_wakes_sleeper)
{
	uint64_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t *sleeping;
	int st;

	cr_assert_neq(m, MAP_FAILED);
	sleeping = (uint32_t *)&m[16];
	m[0] = 41; /* producer index */
	*sleeping = 0;
	/* Nobody asleep: the bell is a fence and a load (nothing to see but
	 * that it does not fail). */
	ose_wait_doorbell(&m[0], sleeping);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(sleep_child(&m[0], 41, sleeping));
	/* The child raises its word before the futex compare (D2); wait for
	 * it (bounded: 3 s). */
	for (int i = 0; i < 3000 && !__atomic_load_n(sleeping, __ATOMIC_RELAXED); i++)
		usleep(1000);
	cr_assert_neq(__atomic_load_n(sleeping, __ATOMIC_RELAXED), 0,
		      "the sleeper never said it was asleep");
	__atomic_store_n(&m[0], 42, __ATOMIC_RELEASE);
	ose_wait_doorbell(&m[0], sleeping);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 0, "the sleeper was not woken by the doorbell");
	cr_assert_eq(*sleeping, 0, "the sleeper left its sleeping word set");

	/* Already moved: back at once, no bell needed. */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(sleep_child(&m[0], 41, sleeping));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 0, "slept although the word had moved");
	munmap(m, 4096);
}
