/* SPDX-License-Identifier: MIT */
/*
 * What the host's memory gives the order table, measured the way the
 * table uses it (DESIGN §12 output).  Not ose code: the figures the
 * engine's own (bench_engine) should be read against.
 *
 *   host.mem.chase.<MiB>          ns per dependent load, random lines over
 *       a region of that size (private memory advised for 2 MiB pages):
 *       a cache's latency while it holds the region, then the memory's
 *       (plus the page walk's) once the region outgrows the caches.  The
 *       1M-order table is ~500 MiB.
 *   host.tlb.hop.{packed,spread}  ns per dependent load over 4096 lines,
 *       all cached: packed into 256 KiB, or one per 4 KiB page over 16 MiB
 *       (8 huge pages).  The lines are the same in number and all in L2
 *       either way, so the difference is address translation alone.
 *   host.tlb.spread_over_packed   the ratio.  Near 1: a TLB entry covers a
 *       2 MiB page (bare metal, or a hypervisor that backs the guest with
 *       huge pages).  Several times: every 4 KiB page needs its own TLB
 *       entry whatever page size the guest uses (the hypervisor backs
 *       guest memory with 4 KiB pages), so a random access anywhere in a
 *       table of more than a few MiB takes a page walk, and 2 MiB or
 *       1 GiB pages in the guest shorten only the guest's half of it.
 *   host.tlb.huge_pct              how much of the probe's memory the
 *       kernel backed with 2 MiB pages (0: THP off, figures are 4 KiB's).
 *
 * Each figure is the median of 15 passes.  The machine is shared and
 * noisy: run it alone for numbers to quote.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "perf/engine/bench_util.h"

enum { PASSES = 15 };

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++) /* insertion sort: n is 15 */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

/* Links k lines, line i at base + i * stride, into one random cycle (each
 * line's first word points to the next), walks it once to warm the
 * caches, then returns the median over PASSES of ns per dependent load. */
static double chase(char *base, size_t k, size_t stride, size_t hops)
{
	uint32_t *perm = malloc(k * sizeof(*perm));
	if (!perm)
		abort();
	for (size_t i = 0; i < k; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = k - 1; i > 0; i--) { /* Sattolo: one cycle over all */
		size_t j = rnd() % i;
		uint32_t x = perm[i];
		perm[i] = perm[j];
		perm[j] = x;
	}
	for (size_t i = 0; i < k; i++)
		*(char **)(void *)(base + perm[i] * stride) = base + perm[(i + 1) % k] * stride;
	char *p = base + perm[0] * stride;
	free(perm);
	for (size_t i = 0; i < k; i++)
		p = *(char **)(void *)p;
	double v[PASSES];
	for (int r = 0; r < PASSES; r++) {
		uint64_t t0 = now_ns();
		for (size_t i = 0; i < hops; i++)
			p = *(char **)(void *)p;
		v[r] = (double)(now_ns() - t0) / (double)hops;
	}
	if (p == NULL) /* never: keeps the walk */
		fprintf(stderr, "-");
	return median(v, PASSES);
}

/* Bytes of [p, p + n) in AnonHugePages, from /proc/self/smaps; -1 if unknown. */
static long long huge_bytes(const void *p, size_t n)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[256];
	int in = 0;
	long long kb = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = lo <= (uintptr_t)p && (uintptr_t)p + n <= hi;
		else if (in && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int main(void)
{
	const size_t huge = (size_t)2 << 20, size = (size_t)512 << 20;
	char *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (raw == MAP_FAILED)
		return 1;
	char *m = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	(void)madvise(m, size, MADV_HUGEPAGE);
	memset(m, 1, size);
	long long hb = huge_bytes(m, size);
	printf("BENCH host.tlb.huge_pct %.1f %%\n", hb < 0 ? -1.0 : 100.0 * (double)hb / (double)size);

	static const unsigned mib[] = {4, 64, 512};
	for (size_t i = 0; i < sizeof(mib) / sizeof(mib[0]); i++) {
		size_t k = ((size_t)mib[i] << 20) / 64;
		printf("BENCH host.mem.chase.%u %.1f ns\n", mib[i], chase(m, k, 64, 1000000));
	}

	/* 4096 lines either way; 4160 = 4 KiB + one line, so the spread
	 * lines do not all fall in the same cache sets. */
	double packed = chase(m, 4096, 64, 1 << 20);
	double spread = chase(m, 4096, 4096 + 64, 1 << 20);
	printf("BENCH host.tlb.hop.packed %.1f ns\n", packed);
	printf("BENCH host.tlb.hop.spread %.1f ns\n", spread);
	printf("BENCH host.tlb.spread_over_packed %.2f x\n", spread / packed);
	munmap(raw, size + huge);
	return 0;
}
