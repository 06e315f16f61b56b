/* SPDX-License-Identifier: MIT */
/*
 * ose_wait: what a polling loop does when there is nothing to do
 * (DESIGN §4).  Three tiers: spin (cpu_relax), then sched_yield, then
 * nanosleep with a doubling interval up to a cap.  A pinned process with a
 * core of its own spins forever (lowest latency; the core is burnt anyway);
 * processes that share cores must sleep or they starve the peer they are
 * waiting for (this machine has 2 cores for ~5 busy processes), and a
 * consumer that sleeps should sleep on a doorbell (ose_wait_sleep_on,
 * below) so that the producer's commit wakes it, not a timer.
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
 * spare for the OS); otherwise spin 200, no yield, sleep 1 us .. 200 us.
 * $OSE_WAIT=spin|yield|sleep|tiers:S,Y,MIN,MAX overrides the choice (yield = no
 * sleep tier, sleep = straight to sleeping, tiers: = these four fields of
 * struct ose_wait_cfg).  Never fails.
 */
void ose_wait_cfg_default(struct ose_wait_cfg *cfg, unsigned busy, int pinned);

/*
 * Scheduling for a thread that waits with a yield or sleep tier on shared
 * cores: timer slack 1 us (the default 50 us is added to every timed
 * sleep) and, on Linux 6.12+ (EEVDF custom slices), a 100 us slice so that
 * its wakeups preempt CPU-bound neighbours instead of waiting for their
 * 3 ms slice to end.  Called by ose_wait_init for such tiers, once per
 * thread; errors (old kernel) are ignored.  $OSE_WAIT_TUNE=0 leaves the
 * scheduling alone, =slack sets only the timer slack (experiments).  Returns 0, or a negative errno
 * of the first call that failed (for tests).
 */
int ose_wait_thread_tune(void);

/* Also tunes the calling thread's scheduling (ose_wait_thread_tune) when
 * the tiers yield or sleep. */
static inline void ose_wait_init(struct ose_wait *w, const struct ose_wait_cfg *cfg)
{
	w->cfg = *cfg;
	w->n = 0;
	w->sleep_ns = cfg->sleep_min_ns;
	if (cfg->spin_iters != UINT32_MAX)
		(void)ose_wait_thread_tune();
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

/*
 * Doorbell (futex) for a consumer that sleeps.  A sleeping consumer costs
 * a timer wakeup per sleep and, worse, up to a whole sleep of latency when
 * work arrives just after it went to sleep.  With the doorbell the sleep
 * tier sleeps on the producers' index words instead (futex_waitv, Linux
 * 5.16+): a producer that publishes into a ring whose consumer had caught
 * up calls ose_wait_doorbell, which wakes the consumer (one futex-wake
 * syscall, ~1 us) only if the consumer has said it is asleep: the consumer
 * sets a "sleeping" word of its own (in the ring's consumer line) for the
 * duration of the futex wait.  A consumer that keeps up, spins or has just
 * been woken costs the producer a fence and a load, never a syscall.  The
 * tier's longest sleep still bounds the sleep, so work that rings no bell
 * (internal queues, producers that do not call ose_wait_doorbell) is seen
 * within sleep_max_ns as before.  Without futex_waitv (ENOSYS) the sleep is
 * a plain nanosleep.
 *
 * The futex is the low 32 bits of a 64-bit free-running index: a change of
 * the index changes them unless it moved by a multiple of 2^32 between two
 * looks, which one sleep cannot cover.
 *
 * Ordering (the lost-wakeup race, Dekker style): the consumer stores
 * sleeping = 1 before the kernel compares the producer's index with the
 * value it has consumed; the producer stores its index (store-release)
 * before it loads sleeping.
 *	D1 producer: seq_cst fence between its index store and its load of
 *	   the consumer's sleeping word (ose_wait_doorbell)
 *	D2 consumer: seq_cst fence between its sleeping store and the
 *	   kernel's compare of the producer's index (ose_wait_sleep_on)
 * D1 pairs with D2: either the producer sees sleeping != 0 (and wakes the
 * consumer), or the kernel sees the producer's new index (and does not
 * sleep).  The consumer clears sleeping (relaxed) after the wait; a
 * producer that still sees it set makes one spurious wake, which is
 * harmless.
 */
#define OSE_WAIT_WORDS_MAX 64

/* One word to sleep on: a producer's index and the value the consumer has
 * consumed up to (the sleep ends as soon as the index differs from it). */
struct ose_wait_word {
	const uint64_t *index;
	uint64_t seen;
	/* The consumer's own "sleeping" word that this index's producer reads
	 * in ose_wait_doorbell (e.g. &ctl->cons.sleeping of an SPSC ring);
	 * NULL: this producer rings no bell, the timer bounds the sleep. */
	uint32_t *sleeping;
};

/* True if the next idle round of w is in the sleep tier (then call
 * ose_wait_sleep_on instead of ose_wait_idle). */
static inline int ose_wait_will_sleep(const struct ose_wait *w)
{
	const struct ose_wait_cfg *c = &w->cfg;

	if (c->spin_iters == UINT32_MAX || c->yield_iters == UINT32_MAX ||
	    (c->sleep_min_ns == 0 && c->sleep_max_ns == 0))
		return 0;
	return w->n >= c->spin_iters && w->n - c->spin_iters >= c->yield_iters;
}

/* One sleep-tier round: sleeps until one of the n words' index differs from
 * its seen value (a doorbell), a signal, or sleep_max_ns pass: no doubling
 * from sleep_min_ns, since the bell, not the timer, bounds the latency of
 * ring work (each short sleep costs a timer and a context switch, 10-30 us
 * of CPU in a VM), and sleep_max_ns still bounds the latency of work that
 * rings no bell.  n == 0, n > OSE_WAIT_WORDS_MAX or a kernel without
 * futex_waitv: the tier's plain sleep (doubling up to sleep_max_ns).
 * Cannot fail. */
void ose_wait_sleep_on(struct ose_wait *w, const struct ose_wait_word *words, unsigned n);

/* Wakes every consumer sleeping on *index in ose_wait_sleep_on (futex
 * wake; a few hundred ns with nobody asleep, ~1-2 us with a sleeper). */
void ose_wait_wake(const uint64_t *index);

/*
 * Producer side of the doorbell, right after the store-release of its new
 * index: *sleeping is the consumer's sleeping word for this ring and index
 * the producer's index word (the futex).  Rings (ose_wait_wake) only when
 * the consumer is asleep on it or about to be; otherwise a fence and a
 * load.
 */
static inline void ose_wait_doorbell(const uint64_t *index, const uint32_t *sleeping)
{
	/* D1: pairs with D2 in ose_wait_sleep_on (see above). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Relaxed is enough: the fence orders this load after our index
	 * store, and only zero / nonzero matters. */
	if (__atomic_load_n(sleeping, __ATOMIC_RELAXED))
		ose_wait_wake(index);
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
