/* SPDX-License-Identifier: MIT */
/* Wait strategy: default selection, tiers, CPU helpers (shm/wait.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

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
