/* SPDX-License-Identifier: MIT */
/* Wait strategy tiers and CPU helpers (wait.h). */
#include "shm/wait.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned ose_cpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1u;
}

void ose_wait_cfg_default(struct ose_wait_cfg *cfg, unsigned busy, int pinned)
{
	const char *env = getenv("OSE_WAIT");
	/* Shared cores: a short spin catches the common "peer is mid-batch"
	 * case, yields give the peer our core, sleeps stop burning it. */
	struct ose_wait_cfg shared = {200, 50, 1000, 200000};

	if (busy == 0)
		busy = 1;
	if (env && strcmp(env, "spin") == 0) {
		*cfg = OSE_WAIT_CFG_SPIN;
	} else if (env && strcmp(env, "yield") == 0) {
		*cfg = (struct ose_wait_cfg){200, UINT32_MAX, 0, 0};
	} else if (env && strcmp(env, "sleep") == 0) {
		*cfg = (struct ose_wait_cfg){0, 0, 1000, 200000};
	} else if (pinned && ose_cpus_online() >= busy + 1) {
		*cfg = OSE_WAIT_CFG_SPIN;
	} else {
		*cfg = shared;
	}
}

void ose_wait_slow(struct ose_wait *w)
{
	const struct ose_wait_cfg *c = &w->cfg;

	if (c->spin_iters == UINT32_MAX) { /* spin forever */
		ose_cpu_relax();
		return;
	}
	if (w->n - c->spin_iters < c->yield_iters || c->yield_iters == UINT32_MAX) {
		if (w->n != UINT32_MAX)
			w->n++;
		sched_yield();
		return;
	}
	if (c->sleep_min_ns == 0 && c->sleep_max_ns == 0) {
		sched_yield(); /* no sleep tier configured */
		return;
	}
	{
		uint32_t ns = w->sleep_ns ? w->sleep_ns : c->sleep_min_ns;
		struct timespec ts = {0, ns ? (long)ns : 1000};

		nanosleep(&ts, NULL);
		ns = ns ? ns * 2 : 1000;
		w->sleep_ns = ns > c->sleep_max_ns ? c->sleep_max_ns : ns;
	}
}

int ose_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}
