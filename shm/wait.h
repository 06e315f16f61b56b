/* SPDX-License-Identifier: MIT */
/*
 * ose_wait: what a polling loop does when there is nothing to do
 * (DESIGN §4).  Three tiers: spin (cpu_relax), then sched_yield, then
 * nanosleep with a doubling interval up to a cap.  A pinned process with a
 * core of its own spins forever (lowest latency; the core is burnt anyway);
 * processes that share cores must yield and sleep or they starve the peer
 * they are waiting for (this machine has 2 cores for ~5 busy processes).
 *
 * Usage:
 *	struct ose_wait w;
 *	ose_wait_init(&w, &cfg);                  // once
 *	for (;;) {
 *		if (work()) { ose_wait_reset(&w); continue; }
 *		ose_wait_idle(&w);                // one step of backoff
 *	}
 */
#ifndef OSE_SHM_WAIT_H
#define OSE_SHM_WAIT_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__x86_64__) || defined(__i386__)
#define ose_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define ose_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define ose_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define ose_likely(x) __builtin_expect(!!(x), 1)
#define ose_unlikely(x) __builtin_expect(!!(x), 0)

/* Tier lengths.  spin_iters == UINT32_MAX means spin forever. */
struct ose_wait_cfg {
	uint32_t spin_iters;   /* cpu_relax rounds before yielding */
	uint32_t yield_iters;  /* sched_yield rounds before sleeping */
	uint32_t sleep_min_ns; /* first sleep */
	uint32_t sleep_max_ns; /* sleep doubles up to this */
};

/* Per-loop state (process-private).  Fields are internal. */
struct ose_wait {
	struct ose_wait_cfg cfg;
	uint32_t n;        /* idle rounds since the last reset */
	uint32_t sleep_ns; /* current sleep */
};

/* Tiers that never sleep: spin forever. */
#define OSE_WAIT_CFG_SPIN ((struct ose_wait_cfg){UINT32_MAX, 0, 0, 0})

/*
 * The default for a process with `busy` busy-polling processes on the
 * machine (itself included, 0 = assume 1) that is `pinned` (1) or not (0):
 * spin forever if pinned and the online CPUs are at least busy + 1 (one
 * spare for the OS); otherwise spin 200, yield 50, sleep 1 us .. 200 us.
 * $OSE_WAIT=spin|yield|sleep overrides the choice (yield = no sleep tier,
 * sleep = straight to sleeping).  Never fails.
 */
void ose_wait_cfg_default(struct ose_wait_cfg *cfg, unsigned busy, int pinned);

static inline void ose_wait_init(struct ose_wait *w, const struct ose_wait_cfg *cfg)
{
	w->cfg = *cfg;
	w->n = 0;
	w->sleep_ns = cfg->sleep_min_ns;
}

/* Call after useful work: the next idle round starts spinning again. */
static inline void ose_wait_reset(struct ose_wait *w)
{
	w->n = 0;
	w->sleep_ns = w->cfg.sleep_min_ns;
}

/* Out-of-line tiers (yield / sleep); internal to ose_wait_idle. */
void ose_wait_slow(struct ose_wait *w);

/* One idle round: spin, yield or sleep according to how long we have been
 * idle.  Returns nothing; cannot fail. */
static inline void ose_wait_idle(struct ose_wait *w)
{
	if (ose_likely(w->n < w->cfg.spin_iters)) {
		w->n++;
		ose_cpu_relax();
		return;
	}
	ose_wait_slow(w);
}

/* CLOCK_MONOTONIC in ns (vDSO, no syscall). */
static inline uint64_t ose_time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Pins the calling thread to one CPU.  Returns 0 or a negative errno
 * (-EINVAL if the CPU is not online/allowed). */
int ose_pin_cpu(int cpu);

/* Online CPUs (sysconf), at least 1. */
unsigned ose_cpus_online(void);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_WAIT_H */
