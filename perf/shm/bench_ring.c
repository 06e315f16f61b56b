/* SPDX-License-Identifier: MIT */
/*
 * Ring benchmarks (DESIGN §12 output): ose SPSC ring vs Concurrency Kit's
 * ck_ring SPSC, cross-core, 64- and 128-byte records; one-way latency of
 * the ose ring vs the physical floor (one cache line bounced between the
 * same two cores).
 *
 * Throughput: producer thread pinned to CPU 0, consumer to CPU 1 (if
 * pinning fails we say so on stderr and run unpinned).  Both rings carry
 * records by value: ck_ring through its CK_RING_PROTOTYPE typed interface
 * (memcpy of the struct in and out, one record per call: ck_ring has no
 * batch SPSC API), ose with batch reserve/commit and peek/release of up to
 * 64 records, the consumer copying each record out as ck does.  Both sides
 * busy-spin.  rec/s = records / (consumer done - producer start) of one
 * short run (RUN_RECORDS).  The four configurations alternate run by run
 * so machine noise hits them alike.  A run during which either thread was
 * switched out (getrusage(RUSAGE_THREAD) context-switch counts) measures
 * the scheduler, not the ring, and is set aside; the figure is the median
 * of the undisturbed runs (RUNS wanted, within a time budget), or of all
 * runs if fewer than 5 were undisturbed (stderr says which).
 *
 * Latency (one-way): the sender reads the TSC, stores the stamp into the
 * record and publishes it; the receiver spins until it sees the record,
 * reads the TSC, and the difference is one sample.  The sender then waits
 * for an acknowledgement (the ring's tail moving, or the ping-pong's reply
 * line) before sending the next, so samples never queue.  The TSC is
 * invariant and synchronised across cores on this CPU (constant_tsc,
 * nonstop_tsc); it is converted to ns with a calibration against
 * CLOCK_MONOTONIC.  The floor, ring.pingpong.oneway.*, is measured the same
 * way with the stamp in a bare cache line instead of a ring record.
 */
#include <ck_ring.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "shm/spsc.h"
#include "shm/wait.h"

#define RUNS 25          /* undisturbed runs wanted per configuration */
#define MAX_ROUNDS 400
#define BUDGET_NS (40ull * 1000000000ull)
#define RUN_RECORDS 20000u
#define LAT_SAMPLES 50000u
#define CAP 4096u
#define BATCH 64u

struct rec64 {
	uint64_t w[8];
};
struct rec128 {
	uint64_t w[16];
};
CK_RING_PROTOTYPE(rec64, rec64)
CK_RING_PROTOTYPE(rec128, rec128)

static int pin_ok = 1;

static void pin(int cpu)
{
	if (ose_pin_cpu(cpu) < 0)
		pin_ok = 0;
}

static inline uint64_t tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return ose_time_mono_ns();
#endif
}

static double ns_per_tick;

static void calibrate(void)
{
	uint64_t t0 = ose_time_mono_ns(), c0 = tsc(), t1, c1;
	struct timespec ts = {0, 50000000};

	nanosleep(&ts, NULL);
	t1 = ose_time_mono_ns();
	c1 = tsc();
	ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++) /* insertion sort, n is tiny */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- throughput: one producer (this thread), one consumer thread ----
 *
 * The consumer thread lives for the whole benchmark and runs one job per
 * request, so a run costs no thread start.  Runs are short (RUN_RECORDS)
 * and many: on a shared machine a short run usually completes while both
 * threads are on CPU, and the median over runs measures the rings rather
 * than the scheduler.  ose and ck_ring runs alternate. */

struct job {
	int which;     /* 0 ose, 1 ck */
	uint32_t size; /* record bytes: 64 or 128 */
	uint64_t n;
	struct ose_spsc_cons *c;
	struct ck_ring *ck;
	void *ckbuf;
	uint64_t sum;
	uint64_t t_end;
	long cons_switches; /* consumer thread's context switches during the run */
};

/* Context switches (voluntary + involuntary) of the calling thread. */
static long thread_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static struct job cur;
static uint64_t req_seq, done_seq; /* atomics: request / completion counters */
static int quit;

static void consume(struct job *j)
{
	uint64_t sum = 0, got = 0;

	if (j->which == 0) {
		uint64_t out[16];

		while (got < j->n) {
			uint32_t k = ose_spsc_peek(j->c, BATCH);

			for (uint32_t i = 0; i < k; i++) {
				memcpy(out, ose_spsc_cons_slot(j->c, i), j->size);
				sum += out[0];
			}
			if (k)
				ose_spsc_release(j->c, k);
			else
				ose_cpu_relax();
			got += k;
		}
	} else if (j->size == 64) {
		struct rec64 out;

		while (got < j->n) {
			if (ck_ring_dequeue_spsc_rec64(j->ck, j->ckbuf, &out)) {
				sum += out.w[0];
				got++;
			} else {
				ose_cpu_relax();
			}
		}
	} else {
		struct rec128 out;

		while (got < j->n) {
			if (ck_ring_dequeue_spsc_rec128(j->ck, j->ckbuf, &out)) {
				sum += out.w[0];
				got++;
			} else {
				ose_cpu_relax();
			}
		}
	}
	j->t_end = ose_time_mono_ns();
	j->sum = sum;
}

static void *consumer_main(void *arg)
{
	uint64_t seen = 0;

	(void)arg;
	pin(1);
	for (;;) {
		uint64_t r;

		/* Acquire: pairs with the release of req_seq; the job is set. */
		while ((r = __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE)) == seen) {
			if (__atomic_load_n(&quit, __ATOMIC_ACQUIRE))
				return NULL;
			ose_cpu_relax();
		}
		seen = r;
		long sw0 = thread_switches();
		consume(&cur);
		cur.cons_switches = thread_switches() - sw0;
		/* Release: publishes t_end and sum to the producer. */
		__atomic_store_n(&done_seq, seen, __ATOMIC_RELEASE);
	}
}

/* One run: returns rec/s, and in *clean whether neither thread was
 * switched out during it. */
static double throughput(int which, uint32_t size, struct ose_spsc_prod *p,
			 struct ose_spsc_cons *c, struct ck_ring *ck, void *ckbuf, int *clean)
{
	uint64_t t0, rec[16] = {0}, n_total = RUN_RECORDS, seq;
	long sw0 = thread_switches();

	if (which == 1)
		ck_ring_init(ck, CAP);
	cur = (struct job){.which = which, .size = size, .n = n_total, .c = c, .ck = ck,
			   .ckbuf = ckbuf};
	seq = __atomic_load_n(&req_seq, __ATOMIC_RELAXED) + 1;
	t0 = ose_time_mono_ns();
	__atomic_store_n(&req_seq, seq, __ATOMIC_RELEASE);
	if (which == 0) {
		for (uint64_t n = 0; n < n_total;) {
			uint32_t want = n_total - n < BATCH ? (uint32_t)(n_total - n) : BATCH;
			uint32_t k = ose_spsc_reserve(p, want);

			if (!k) {
				ose_cpu_relax();
				continue;
			}
			for (uint32_t i = 0; i < k; i++) {
				rec[0] = n + i;
				memcpy(ose_spsc_prod_slot(p, i), rec, size);
			}
			ose_spsc_commit(p, k);
			n += k;
		}
	} else {
		for (uint64_t n = 0; n < n_total;) {
			bool ok;

			rec[0] = n;
			ok = size == 64 ? ck_ring_enqueue_spsc_rec64(ck, ckbuf, (struct rec64 *)rec)
					: ck_ring_enqueue_spsc_rec128(ck, ckbuf, (struct rec128 *)rec);
			if (ok)
				n++;
			else
				ose_cpu_relax();
		}
	}
	while (__atomic_load_n(&done_seq, __ATOMIC_ACQUIRE) != seq)
		ose_cpu_relax();
	*clean = thread_switches() == sw0 && cur.cons_switches == 0;
	if (cur.sum != n_total * (n_total - 1) / 2) {
		fprintf(stderr, "bench_ring: checksum mismatch (%s)\n", which ? "ck" : "ose");
		exit(1);
	}
	return (double)n_total * 1e9 / (double)(cur.t_end - t0);
}

/* ---- latency ---------------------------------------------------------- */

struct lat {
	int which; /* 0 ose ring, 1 ping-pong line */
	struct ose_seg *seg;
	uint64_t *samples;
	int go;
	/* ping-pong lines: stamp/seq out, ack back; separate 128-byte lines */
	uint64_t ping[16] __attribute__((aligned(128)));
	uint64_t pong[16] __attribute__((aligned(128)));
};

static void *lat_receiver(void *arg)
{
	struct lat *l = arg;

	pin(1);
	__atomic_store_n(&l->go, 1, __ATOMIC_RELEASE);
	if (l->which == 0) {
		struct ose_spsc_cons c;

		if (ose_spsc_cons_init(&c, l->seg) < 0)
			abort();
		for (uint32_t i = 0; i < LAT_SAMPLES; i++) {
			uint64_t stamp, now;

			while (ose_spsc_peek(&c, 1) == 0)
				;
			now = tsc();
			memcpy(&stamp, ose_spsc_cons_slot(&c, 0), 8);
			l->samples[i] = now - stamp;
			ose_spsc_release(&c, 1); /* the ack */
		}
		ose_spsc_cons_fini(&c);
	} else {
		for (uint32_t i = 0; i < LAT_SAMPLES; i++) {
			uint64_t now;

			/* Acquire: pairs with the sender's release of seq. */
			while (__atomic_load_n(&l->ping[1], __ATOMIC_ACQUIRE) != i + 1)
				;
			now = tsc();
			l->samples[i] = now - __atomic_load_n(&l->ping[0], __ATOMIC_RELAXED);
			__atomic_store_n(&l->pong[0], i + 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static void latency(int which, struct ose_seg *seg, uint64_t *samples)
{
	static struct lat l;
	pthread_t th;

	memset(&l, 0, sizeof(l));
	l.which = which;
	l.seg = seg;
	l.samples = samples;
	if (pthread_create(&th, NULL, lat_receiver, &l))
		abort();
	while (!__atomic_load_n(&l.go, __ATOMIC_ACQUIRE))
		ose_cpu_relax();
	if (which == 0) {
		struct ose_spsc_prod p;
		uint64_t rec[8] = {0};

		if (ose_spsc_prod_init(&p, seg) < 0)
			abort();
		for (uint32_t i = 0; i < LAT_SAMPLES; i++) {
			/* Wait for the ring to be empty (the receiver released the
			 * last record), then a short gap so the receiver is
			 * spinning, not mid-release. */
			while (__atomic_load_n(&p.ctl->cons.tail, __ATOMIC_ACQUIRE) != p.head)
				;
			for (int k = 0; k < 50; k++)
				ose_cpu_relax();
			ose_spsc_reserve(&p, 1);
			rec[0] = tsc();
			memcpy(ose_spsc_prod_slot(&p, 0), rec, sizeof(rec));
			ose_spsc_commit(&p, 1);
		}
	} else {
		for (uint32_t i = 0; i < LAT_SAMPLES; i++) {
			while (__atomic_load_n(&l.pong[0], __ATOMIC_ACQUIRE) != i)
				;
			for (int k = 0; k < 50; k++)
				ose_cpu_relax();
			__atomic_store_n(&l.ping[0], tsc(), __ATOMIC_RELAXED);
			/* Release: the stamp is visible once seq is. */
			__atomic_store_n(&l.ping[1], (uint64_t)i + 1, __ATOMIC_RELEASE);
		}
	}
	pthread_join(th, NULL);
	qsort(samples, LAT_SAMPLES, sizeof(uint64_t), cmp_u64);
}

static double pct(const uint64_t *sorted, double p)
{
	size_t i = (size_t)(p * (LAT_SAMPLES - 1));
	return (double)sorted[i] * ns_per_tick;
}

int main(void)
{
	char dir[] = "/dev/shm/ose-bench.XXXXXX";
	char dir2[] = "/tmp/ose-bench.XXXXXX";
	const char *d = mkdtemp(dir);
	struct ose_seg seg64, seg128, seglat;
	struct ck_ring ck __attribute__((aligned(128)));
	void *ckbuf = aligned_alloc(128, (size_t)CAP * 128);
	uint64_t *samples = malloc(LAT_SAMPLES * sizeof(uint64_t));
	static double t[4][RUNS], all[4][MAX_ROUNDS];
	int nclean[4] = {0}, nall[4] = {0};

	if (!d)
		d = mkdtemp(dir2);
	if (!d || !ckbuf || !samples)
		return 1;
	setenv("OSE_SHM_DIR", d, 1);
	pin(0);
	calibrate();
	if (ose_spsc_create(&seg64, "ose.bench.feed.a.b", 64, CAP, 0, 0, 0) < 0 ||
	    ose_spsc_create(&seg128, "ose.bench.feed.a.c", 128, CAP, 0, 0, 0) < 0 ||
	    ose_spsc_create(&seglat, "ose.bench.feed.a.d", 64, CAP, 0, 0, 0) < 0) {
		fprintf(stderr, "bench_ring: cannot create rings in %s\n", d);
		return 1;
	}
	{
		struct ose_spsc_prod p64, p128;
		struct ose_spsc_cons c64, c128;
		pthread_t th;

		if (ose_spsc_prod_init(&p64, &seg64) || ose_spsc_prod_init(&p128, &seg128) ||
		    ose_spsc_cons_init(&c64, &seg64) || ose_spsc_cons_init(&c128, &seg128) ||
		    pthread_create(&th, NULL, consumer_main, NULL))
			return 1;
		struct rusage ru0, ru1;
		uint64_t w0 = ose_time_mono_ns(), budget = w0 + BUDGET_NS;

		getrusage(RUSAGE_SELF, &ru0);
		/* Alternate the four configurations until each has RUNS runs
		 * during which neither thread was switched out, or the time
		 * budget is spent. */
		for (int round = 0; round < MAX_ROUNDS; round++) {
			int full = 1;

			for (int k = 0; k < 4; k++) {
				int clean;
				double v;

				if (nclean[k] >= RUNS)
					continue;
				full = 0;
				v = throughput(k & 1, k < 2 ? 64 : 128, k < 2 ? &p64 : &p128,
					       k < 2 ? &c64 : &c128, &ck, ckbuf, &clean);
				if (nall[k] < MAX_ROUNDS)
					all[k][nall[k]++] = v;
				if (clean)
					t[k][nclean[k]++] = v;
			}
			if (full || (ose_time_mono_ns() > budget && round >= RUNS))
				break;
		}
		getrusage(RUSAGE_SELF, &ru1);
		/* How much CPU the two spinning threads actually got: on a
		 * loaded machine the figures measure the scheduler, say so. */
		double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
				      ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
			     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
				      ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
		fprintf(stderr, "# bench_ring: throughput threads got %.0f%% of 2 CPUs\n",
			100.0 * cpu / (2.0 * (double)(ose_time_mono_ns() - w0) / 1e9));
		__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		ose_spsc_cons_fini(&c64);
		ose_spsc_cons_fini(&c128);
	}
	if (!pin_ok)
		fprintf(stderr, "# bench_ring: CPU pinning failed, ran unpinned\n");
	double med[4];

	for (int k = 0; k < 4; k++)
		fprintf(stderr, "# bench_ring: %s %u B: %d undisturbed runs of %d\n",
			k & 1 ? "ck_ring" : "ose", k < 2 ? 64u : 128u, nclean[k], nall[k]);
	/* Each ose/ck pair is compared like with like: undisturbed medians if
	 * both have at least 5 undisturbed runs, else medians of all runs for
	 * both (then the figures include scheduling delays; stderr says so). */
	for (int k = 0; k < 4; k += 2) {
		int ok = nclean[k] >= 5 && nclean[k + 1] >= 5;

		for (int j = k; j < k + 2; j++)
			med[j] = ok ? median(t[j], nclean[j]) : median(all[j], nall[j]);
		if (!ok)
			fprintf(stderr, "# bench_ring: %u B figures use all runs (machine busy)\n",
				k < 2 ? 64u : 128u);
	}
	double o64 = med[0], c64 = med[1], o128 = med[2], c128 = med[3];

	printf("BENCH ring.spsc.throughput.ose %.3g rec/s\n", o64);
	printf("BENCH ring.spsc.throughput.ck_ring %.3g rec/s\n", c64);
	printf("BENCH ring.spsc.throughput.ratio.ck_ring %.2f x\n", o64 / c64);
	printf("BENCH ring.spsc.throughput.128.ose %.3g rec/s\n", o128);
	printf("BENCH ring.spsc.throughput.128.ck_ring %.3g rec/s\n", c128);
	printf("BENCH ring.spsc.throughput.128.ratio.ck_ring %.2f x\n", o128 / c128);

	/* Latency: alternate ring and floor, three rounds each, median p50. */
	double lp50[3], lp99[3], lp999[3], fp50[3], fp99[3];

	for (int i = 0; i < 3; i++) {
		latency(0, &seglat, samples);
		lp50[i] = pct(samples, 0.50);
		lp99[i] = pct(samples, 0.99);
		lp999[i] = pct(samples, 0.999);
		latency(1, NULL, samples);
		fp50[i] = pct(samples, 0.50);
		fp99[i] = pct(samples, 0.99);
	}
	double l50 = median(lp50, 3), f50 = median(fp50, 3);

	printf("BENCH ring.spsc.latency.p50.ose %.1f ns\n", l50);
	printf("BENCH ring.spsc.latency.p99.ose %.1f ns\n", median(lp99, 3));
	printf("BENCH ring.spsc.latency.p999.ose %.1f ns\n", median(lp999, 3));
	printf("BENCH ring.pingpong.oneway.p50 %.1f ns\n", f50);
	printf("BENCH ring.pingpong.oneway.p99 %.1f ns\n", median(fp99, 3));
	printf("BENCH ring.spsc.latency.p50.ratio.pingpong %.2f x\n", l50 / f50);

	ose_seg_close(&seg64);
	ose_seg_close(&seg128);
	ose_seg_close(&seglat);
	ose_seg_unlink("ose.bench.feed.a.b");
	ose_seg_unlink("ose.bench.feed.a.c");
	ose_seg_unlink("ose.bench.feed.a.d");
	rmdir(d);
	free(ckbuf);
	free(samples);
	return 0;
}
