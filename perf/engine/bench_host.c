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
 *   host.stream.{p50,p99}.<case>  the floor of an order table on this
 *       host: a stream of events, each reading and writing some lines of
 *       one random record (no logic), the record prefetched (prefetchw)
 *       ahead of its turn as the engine's pipeline prefetches a slot,
 *       each event timed as bench_engine times an apply (TSC, from the
 *       previous event's end to its own).  Cases: line.64m, one 64-byte
 *       line per order over 64 MiB (1M orders); slot.384m, lines 0, 1, 2
 *       and 4 of 384-byte records over 384 MiB (the lines an update of
 *       the engine's 1M-order slot array touches); idx.slot.384m, the
 *       same behind an 8-byte entry read first from a 16 MiB index (the
 *       order-id index).  Each case runs with the record prefetched 4, 8,
 *       16 and 32 events ahead (the index entry twice as far) and reports
 *       the distance with the lowest p99 (host.stream.ahead.<case>): the
 *       best this host gives the pattern, whatever the pipeline.
 *   host.stream.{p50,p99}.idx.slot.384m.d4  the same at the engine's own
 *       distances (index 8, slot 4 events ahead): the synthetic twin of
 *       engine.apply.floor.*.1m.thp (private memory, 2 MiB pages).
 *
 * Each chase figure is the median of 15 passes, each stream figure the
 * median of 5 runs of 300,000 events.  The machine is shared and noisy:
 * run it alone for numbers to quote.
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

/*
 * The pipelined floor (host.stream.*, above): N events over nrec records
 * of rec bytes at recs, each event reading and writing the lines of its
 * record that `lines` names (bit l: line l).  With an index (idx
 * non-NULL, nidx 8-byte entries holding record numbers), an event first
 * reads its entry, as the engine probes its order-id index: the entry is prefetched 2 * ahead events
 * before its turn and read (then cached) `ahead` events before, to
 * prefetch the record; without one, the record is prefetched `ahead`
 * events before.  Stores the p50 and p99 of the per-event times (ns).
 */
static void stream(const uint64_t *idx, size_t nidx, char *recs, size_t nrec, size_t rec,
		   unsigned lines, unsigned ahead, double *p50, double *p99)
{
	enum { N = 300000, BUF = 64 };
	size_t off[8];
	unsigned nl = 0;
	for (unsigned l = 0; l < 8; l++)
		if (lines & (1u << l))
			off[nl++] = 64 * (size_t)l;
	const size_t look = idx ? 2 * (size_t)ahead : ahead;
	uint32_t *at = malloc((N + look) * sizeof(*at));
	uint64_t *lat = malloc(N * sizeof(*lat));
	if (!at || !lat)
		abort();
	/* at[]: the index entry (with an index) or the record of each event. */
	for (size_t i = 0; i < N + look; i++)
		at[i] = (uint32_t)(rnd() % (idx ? nidx : nrec));
	memset(lat, 0xff, N * sizeof(*lat)); /* faulted in before the clock */
#define REC(i) (recs + (size_t)(idx ? idx[at[i]] : at[i]) * rec)
	for (size_t i = 0; i < look; i++) { /* the prologue */
		if (idx)
			bench_pf0(&idx[at[i]]);
		if (i < ahead)
			for (unsigned l = 0; l < nl; l++)
				bench_pfw(REC(i) + off[l]);
	}
	uint64_t lb[BUF];
	uint64_t tp = __rdtsc();
	for (size_t i = 0; i < N; i++) {
		if (idx)
			bench_pf0(&idx[at[i + look]]);
		char *q = REC(i + ahead);
		for (unsigned l = 0; l < nl; l++)
			bench_pfw(q + off[l]);
		char *p = REC(i);
		for (unsigned l = 0; l < nl; l++)
			(*(volatile uint64_t *)(void *)(p + off[l]))++;
		uint64_t tn = __rdtsc();
		lb[i % BUF] = tn - tp;
		tp = tn;
		if (i % BUF == BUF - 1) {
			memcpy(&lat[i + 1 - BUF], lb, sizeof(lb));
			tp = __rdtsc(); /* the copy is not an event's */
		}
	}
#undef REC
	size_t n = N - N % BUF;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	*p50 = (double)lat[n / 2] * ns_per_tick;
	*p99 = (double)lat[n * 99 / 100] * ns_per_tick;
	free(at);
	free(lat);
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

	/* The streams: the records from the start of the region, the index
	 * (16 MiB, the order-id index of a 1M-order table: 2M entries) after
	 * 384 MiB of them.  Each case runs at prefetch distances 4 to 32 and
	 * reports the distance with the lowest p99 (median of 5 runs): the
	 * best this host gives that pattern, whatever the pipeline. */
	calibrate();
	const size_t nidx = (size_t)2 << 20;
	uint64_t *idx = (uint64_t *)(void *)(m + ((size_t)384 << 20));
	static const struct {
		const char *name;
		unsigned rec, lines, mib, with_idx;
	} st[] = {
		{"line.64m", 64, 0x1, 64, 0},
		{"slot.384m", 384, 0x17, 384, 0},
		{"idx.slot.384m", 384, 0x17, 384, 1},
	};
	for (size_t c = 0; c < sizeof(st) / sizeof(st[0]); c++) {
		size_t nrec = ((size_t)st[c].mib << 20) / st[c].rec;
		if (st[c].with_idx)
			for (size_t i = 0; i < nidx; i++)
				idx[i] = rnd() % nrec;
		double best50 = 0, best99 = 0;
		unsigned best_ahead = 0;
		for (unsigned ahead = 4; ahead <= 32; ahead *= 2) {
			double v50[5], v99[5];
			for (int r = 0; r < 5; r++)
				stream(st[c].with_idx ? idx : NULL, nidx, m, nrec, st[c].rec,
				       st[c].lines, ahead, &v50[r], &v99[r]);
			double p50 = median(v50, 5), p99 = median(v99, 5);
			if (st[c].with_idx && ahead == 4) {
				printf("BENCH host.stream.p50.%s.d4 %.0f ns\n", st[c].name, p50);
				printf("BENCH host.stream.p99.%s.d4 %.0f ns\n", st[c].name, p99);
			}
			if (!best_ahead || p99 < best99) {
				best99 = p99;
				best50 = p50;
				best_ahead = ahead;
			}
		}
		printf("BENCH host.stream.p50.%s %.0f ns\n", st[c].name, best50);
		printf("BENCH host.stream.p99.%s %.0f ns\n", st[c].name, best99);
		printf("BENCH host.stream.ahead.%s %u events\n", st[c].name, best_ahead);
	}
	munmap(raw, size + huge);
	return 0;
}
