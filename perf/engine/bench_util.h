/* SPDX-License-Identifier: MIT */
/*
 * What the engine and reader benchmarks share: a TSC calibrated against
 * CLOCK_MONOTONIC, a xorshift generator, prefetches the compiler keeps,
 * a u64 sort order and the 16
 * symbols the workloads spread orders over.  Header-only (static), so
 * each benchmark keeps its own state.  Benchmark code only.
 */
#ifndef OSE_PERF_ENGINE_BENCH_UTIL_H
#define OSE_PERF_ENGINE_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

static double ns_per_tick; /* set by calibrate() */

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ns_per_tick from 50 ms of both clocks. */
static inline void calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = __rdtsc();
	struct timespec ts = {0, 50000000};
	nanosleep(&ts, NULL);
	uint64_t t1 = now_ns(), c1 = __rdtsc();
	ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
}

static uint64_t rng = 88172645463325252ull;
static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* prefetcht0 / prefetchw as volatile asm: GCC may drop a
 * __builtin_prefetch whose function it judges free of side effects
 * (engine/tbl.c says how that once removed the engine's slot stage). */
static inline void bench_pf0(const void *p)
{
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
}

static inline void bench_pfw(const void *p)
{
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
}

/* qsort order of uint64_t. */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static const char *const syms[16] = {"BTCUSDT",  "ETHUSDT",   "SOLUSDT",  "XRPUSDT",
				     "BNBUSDT",  "ADAUSDT",   "DOGEUSDT", "TRXUSDT",
				     "LINKUSDT", "AVAXUSDT",  "DOTUSDT",  "MATICUSDT",
				     "LTCUSDT",  "BCHUSDT",   "UNIUSDT",  "ATOMUSDT"};

#endif
