/* SPDX-License-Identifier: MIT */
/* Wait strategy tiers and CPU helpers (wait.h). */
#include "shm/wait.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* Linux 5.16, same number on every architecture */
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

unsigned ose_cpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1u;
}

void ose_wait_cfg_default(struct ose_wait_cfg *cfg, unsigned busy, int pinned)
{
	const char *env = getenv("OSE_WAIT");
	/* Shared cores: a short spin catches the common "peer is mid-batch"
	 * case, sleeps stop burning the core.  No yield tier: on a shared
	 * core sched_yield hands the core to whichever task is next for its
	 * whole slice (ms), and a consumer with a doorbell (ose_wait_sleep_on)
	 * is woken by the producer's commit anyway. */
	struct ose_wait_cfg shared = {200, 0, 1000, 200000};

	if (busy == 0)
		busy = 1;
	if (env && strcmp(env, "spin") == 0) {
		*cfg = OSE_WAIT_CFG_SPIN;
	} else if (env && strcmp(env, "yield") == 0) {
		*cfg = (struct ose_wait_cfg){200, UINT32_MAX, 0, 0};
	} else if (env && strcmp(env, "sleep") == 0) {
		*cfg = (struct ose_wait_cfg){0, 0, 1000, 200000};
	} else if (env && strncmp(env, "tiers:", 6) == 0) {
		/* tiers:SPIN,YIELD,SLEEP_MIN_NS,SLEEP_MAX_NS (experiments) */
		unsigned long v[4] = {0, 0, 0, 0};
		char *p = (char *)env + 6;
		for (int i = 0; i < 4; i++) {
			v[i] = strtoul(p, &p, 10);
			if (*p == ',')
				p++;
		}
		*cfg = (struct ose_wait_cfg){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2], (uint32_t)v[3]};
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

/* sched_attr as the kernel reads it (no glibc wrapper before 2.41). */
struct ose_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime; /* SCHED_OTHER on 6.12+: the EEVDF slice */
	uint64_t sched_deadline;
	uint64_t sched_period;
};

#define OSE_SCHED_FLAG_KEEP_PARAMS 0x10
#define OSE_SLICE_NS 100000u /* the kernel's minimum custom slice */

int ose_wait_thread_tune(void)
{
	static __thread int done;
	static __thread int rc;
	struct ose_sched_attr a;

	const char *env = getenv("OSE_WAIT_TUNE");

	if (done)
		return rc;
	done = 1;
	if (env && strcmp(env, "0") == 0)
		return 0; /* $OSE_WAIT_TUNE=0: leave the scheduling alone */
	/* Timer slack is per thread; 1 us instead of 50 us on every sleep. */
	if (prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0) < 0)
		rc = -errno;
	if (env && strcmp(env, "slack") == 0)
		return rc; /* $OSE_WAIT_TUNE=slack: the timer slack only */
	/* Keep the policy (SCHED_OTHER) and nice; ask only for a short slice:
	 * EEVDF gives a task with a shorter slice an earlier deadline, so its
	 * wakeup preempts a CPU-bound task.  Older kernels ignore the runtime
	 * of SCHED_OTHER (or refuse the call); either is harmless. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = SCHED_OTHER;
	a.sched_runtime = OSE_SLICE_NS;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* The 32-bit futex inside a 64-bit index: its low half. */
static inline const uint32_t *low32(const uint64_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (const uint32_t *)p + 1;
#else
	return (const uint32_t *)p;
#endif
}

void ose_wait_wake(const uint64_t *index)
{
	/* Shared futex (no FUTEX_PRIVATE_FLAG): the sleeper is another
	 * process mapping the same segment.  A wake needs only read access. */
	(void)syscall(SYS_futex, low32(index), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void ose_wait_sleep_on(struct ose_wait *w, const struct ose_wait_word *words, unsigned n)
{
	static int no_waitv; /* set once the kernel says ENOSYS */
	const struct ose_wait_cfg *c = &w->cfg;
	uint32_t ns = w->sleep_ns ? w->sleep_ns : (c->sleep_min_ns ? c->sleep_min_ns : 1000);

	if (n && n <= OSE_WAIT_WORDS_MAX && !__atomic_load_n(&no_waitv, __ATOMIC_RELAXED)) {
		struct futex_waitv v[OSE_WAIT_WORDS_MAX];
		struct timespec ts;
		uint64_t end;
		unsigned i;
		/* The bell, not the timer, bounds the latency of ring work:
		 * sleep the longest at once (wait.h). */
		if (c->sleep_max_ns > ns)
			ns = c->sleep_max_ns;

		for (i = 0; i < n; i++) {
			v[i].val = (uint32_t)words[i].seen;
			v[i].uaddr = (uint64_t)(uintptr_t)low32(words[i].index);
			v[i].flags = FUTEX_32;
			v[i].__reserved = 0;
		}
		end = ose_time_mono_ns() + ns;
		ts.tv_sec = (time_t)(end / 1000000000u);
		ts.tv_nsec = (long)(end % 1000000000u);
		for (i = 0; i < n; i++)
			if (words[i].sleeping)
				__atomic_store_n(words[i].sleeping, 1, __ATOMIC_RELAXED);
		/* D2: pairs with D1 in ose_wait_doorbell: the sleeping stores
		 * are ordered before the kernel's compare of each word with
		 * its seen value. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		long rc = syscall(SYS_futex_waitv, v, n, 0, &ts, CLOCK_MONOTONIC);
		int err = errno;
		for (i = 0; i < n; i++)
			if (words[i].sleeping)
				__atomic_store_n(words[i].sleeping, 0, __ATOMIC_RELAXED);
		if (rc < 0 && err == ENOSYS)
			__atomic_store_n(&no_waitv, 1, __ATOMIC_RELAXED);
		else
			goto grow; /* woken, timed out, a word had moved, or a signal */
	}
	{
		struct timespec ts = {0, (long)ns};

		nanosleep(&ts, NULL);
	}
grow:
	ns *= 2;
	w->sleep_ns = ns > c->sleep_max_ns ? c->sleep_max_ns : ns;
}
