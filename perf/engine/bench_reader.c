/* SPDX-License-Identifier: MIT */
/*
 * Strategy reader benchmarks (DESIGN §12 output), ns per find, p50 of
 * 64-find batch means, random keys over 10,000 resident open orders,
 * every find a real lookup returning a validated snapshot:
 *   reader.find.p50         the headline: a prepared struct ose_key (strings
 *       padded and hashed once per order, as a strategy keeps it) with its
 *       slot hint off (ose_key_hint): index probe, key verified in the slot's seqlock
 *       snapshot, compact snapshot (ose_find_brief)
 *   reader.find.full.p50    the same, full struct ose_order (ose_find_key)
 *   reader.find.str.p50     the string call, full struct (ose_find_order:
 *       copies and hashes the strings on every call; the headline before
 *       prepared keys)
 *   reader.find.hint.p50    ose_find_brief with the hint its last find left:
 *       the slot read directly, the key verified in the snapshot, no probe
 *   reader.find.bulk.p50    the headline's finds (hints off), 64 per
 *       ose_find_brief_n call: each key probed and verified as above, the
 *       misses of the 64 overlapped by staged prefetches (keys, index
 *       entries, slots)
 *   reader.find.p50.direct  anchor: the engine's own lookup by strings, no
 *       seqlock, no copy (its own random keys)
 *   reader.find.p50.cached  the headline's 64 keys again at once (lines
 *       cached: the instruction cost alone)
 *   reader.find.p50.4k      the headline on a second table that never gets
 *       huge pages (4 KiB pages whatever the host allows), same batches
 *   reader.find.huge.share  share of the reader's mapping of the main table
 *       on huge pages (1.00: all 2 MiB; 0: all 4 KiB), and .4k.huge.share
 *       of the second one: the page size the figures ran on
 *   reader.find.syscalls    count during 1M x (brief, key, string) finds,
 *       seccomp trap
 * The tables are state segments where the engine's is ($OSE_SHM_DIR, else
 * /dev/shm); the main one asks for huge pages as the engine does
 * (OSE_SEG_F_HUGEPAGE: 2 MiB pages on a tmpfs mounted huge=advise, which
 * `tools/ose tune` sets; 4 KiB otherwise, as the share then says).
 * The machine is shared and noisy: figures are medians over many batches;
 * run it alone for numbers to quote.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/tbl.h"
#include "perf/engine/bench_util.h"
#include "ose/ose.h"
#include "shm/seg.h"

/* A NEW Binance order for (sym, oid), as the engine applies it. */
static void new_order(struct ose_event *e, const char *sym, uint64_t oid)
{
	memset(e, 0, sizeof(*e));
	e->kind = OSE_EV_ORDER;
	e->venue = OSE_VENUE_BINANCE;
	e->status = OSE_ST_NEW;
	e->side = OSE_SIDE_BUY;
	memcpy(e->account, "main", 5);
	strcpy(e->symbol, sym);
	snprintf(e->order_id, sizeof(e->order_id), "%llu", (unsigned long long)oid);
	e->price = (ose_dec)100500 * (OSE_DEC_ONE / 1000);
	e->qty = (ose_dec)1000000000 * (OSE_DEC_ONE / 1000);
	e->flags = OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY;
}

/* ---- reader ------------------------------------------------------------ */

static volatile sig_atomic_t trapped;
static void on_sigsys(int s)
{
	(void)s;
	trapped++;
}

enum { K = 10000, PER = 64 };
static char keys[K][24];        /* order ids */
static struct ose_key pk[K];    /* their prepared keys */
static struct ose_key pq[K];    /* the same, hints off (ose_key_hint) */
static ose_t *rh;
static struct ose_tbl *rt;   /* the engine's table (the direct anchor) */

/* One measure each: PER finds of the keys ix; returns how many were
 * found.  Separate functions so callgrind counts each call kind apart.
 * The keys pq have their hints off: the call hashes nothing but probes
 * the index and verifies the key in the slot's snapshot; m_hint's keys
 * pk have the hint their last find left. */
static inline __attribute__((always_inline)) uint64_t briefs(ose_t *h, const int *ix)
{
	struct ose_brief br;
	uint64_t n = 0;
	for (int i = 0; i < PER; i++)
		n += ose_find_brief(h, &pq[ix[i]], &br) == 0;
	return n;
}

static __attribute__((noinline)) uint64_t m_brief(const int *ix)
{
	return briefs(rh, ix);
}

static __attribute__((noinline)) uint64_t m_full(const int *ix)
{
	struct ose_order o;
	uint64_t n = 0;
	for (int i = 0; i < PER; i++)
		n += ose_find_key(rh, &pq[ix[i]], &o) == 0;
	return n;
}

/* All PER in one ose_find_brief_n call (hints off). */
static __attribute__((noinline)) uint64_t m_bulk(const int *ix)
{
	struct ose_key *kp[PER];
	struct ose_brief br[PER];
	int rc[PER];
	for (int i = 0; i < PER; i++)
		kp[i] = &pq[ix[i]];
	int n = ose_find_brief_n(rh, kp, PER, br, rc);
	return n < 0 ? 0 : (uint64_t)n;
}

static __attribute__((noinline)) uint64_t m_str(const int *ix)
{
	struct ose_order o;
	uint64_t n = 0;
	for (int i = 0; i < PER; i++)
		n += ose_find_order(rh, OSE_VENUE_BINANCE, NULL, syms[ix[i] % 16], keys[ix[i]],
				    &o) == 0;
	return n;
}

/* The key with the hint its last find left: the hinted slot read. */
static __attribute__((noinline)) uint64_t m_hint(const int *ix)
{
	struct ose_brief br;
	uint64_t n = 0;
	for (int i = 0; i < PER; i++)
		n += ose_find_brief(rh, &pk[ix[i]], &br) == 0;
	return n;
}

static __attribute__((noinline)) uint64_t m_direct(const int *ix)
{
	uint64_t n = 0;
	for (int i = 0; i < PER; i++)
		n += ose_tbl_find_oid(rt, OSE_VENUE_BINANCE, NULL, syms[ix[i] % 16], keys[ix[i]]) !=
		     OSE_NIL;
	return n;
}

/* One benchmark table: a state segment in the segment directory (as the
 * engine's: $OSE_SHM_DIR, else /dev/shm), the K orders applied through
 * the engine's own table code, and a reader handle on it. */
struct btab {
	struct ose_seg seg;
	struct ose_tbl t;
	char name[OSE_SEG_NAME_MAX];
	ose_t *h;
};

/* huge: OSE_SEG_F_HUGEPAGE as engine/engine.c asks for its state segment
 * (2 MiB pages where the segment directory's tmpfs allows it, huge=advise;
 * 4 KiB otherwise); 0: never huge (4 KiB whatever the host allows). */
static void btab_make(struct btab *b, const char *tag, int huge)
{
	char inst[32];
	snprintf(inst, sizeof(inst), "rb%d%s", (int)getpid(), tag);
	ose_seg_name_state(b->name, sizeof(b->name), inst);
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = 1u << 16;
	if (ose_seg_create(&b->seg, b->name, OSE_SEG_STATE, 0, ose_tbl_size(&c),
			   huge ? OSE_SEG_F_HUGEPAGE : 0) < 0 ||
	    ose_tbl_format(&b->t, b->seg.payload, b->seg.payload_size, &c))
		abort();
	struct ose_event e;
	struct ose_ap_out out;
	for (int i = 0; i < K; i++) {
		uint64_t oid = 9000000000ull + (uint64_t)i * 7919;
		new_order(&e, syms[i % 16], oid);
		ose_tbl_apply(&b->t, &e, 1, &out);
		snprintf(keys[i], sizeof(keys[i]), "%llu", (unsigned long long)oid);
	}
	if (ose_open(inst, &b->h))
		abort();
}

static void btab_free(struct btab *b)
{
	ose_close(b->h);
	ose_seg_close(&b->seg);
	ose_seg_unlink(b->name);
}

/* The headline on the 4 KiB table (same keys, hints off). */
static ose_t *rh4k;
static __attribute__((noinline)) uint64_t m_brief4k(const int *ix)
{
	return briefs(rh4k, ix);
}

static void bench_reader(int syscalls)
{
	/* The main table where the engine's segment is, with the engine's
	 * huge-page request; a second one that never gets huge pages, for the
	 * 4 KiB figure measured in the same batches. */
	static struct btab main_t, small_t;
	btab_make(&main_t, "h", 1);
	btab_make(&small_t, "s", 0);
	rh = main_t.h;
	rh4k = small_t.h;
	rt = &main_t.t;
	ose_t *h = rh;
	/* One prepared key per order, as a strategy keeps in its own order
	 * records; one warm-up find each (m_hint's keys have found their
	 * order before). */
	struct ose_brief br;
	struct ose_order o;
	for (int i = 0; i < K; i++)
		if (ose_key_order(&pk[i], OSE_VENUE_BINANCE, NULL, syms[i % 16], keys[i]) ||
		    ose_find_brief(h, &pk[i], &br) ||
		    ose_key_order(&pq[i], OSE_VENUE_BINANCE, NULL, syms[i % 16], keys[i]) ||
		    ose_key_hint(&pq[i], 0) || ose_find_brief(h, &pq[i], &br) || pq[i].hint ||
		    ose_find_brief(rh4k, &pq[i], &br))
			abort();
	enum { B = 2000, NM = 8 };
	/* Headline: prepared key without hint (index probe), compact
	 * snapshot; then the same key with the full struct, the string call,
	 * the key with its hint (the slot read directly, verified), the
	 * headline's finds in one bulk call, the engine's own probe, the
	 * headline on the 4 KiB table, and the headline's keys again at once
	 * (cached: the instruction cost). */
	uint64_t (*const run[NM])(const int *) = {m_brief, m_full,   m_str,     m_hint,
						   m_bulk,  m_direct, m_brief4k, m_brief};
	static uint64_t per[NM][B];
	static int idx[NM][PER];
	uint64_t found = 0;
	for (int b = 0; b < B; b++) {
		/* Each measure draws its own keys (the cached one excepted):
		 * none finds the lines another has just brought in. */
		for (int m = 0; m < NM - 1; m++)
			for (int i = 0; i < PER; i++)
				idx[m][i] = (int)(rnd() % K);
		memcpy(idx[NM - 1], idx[0], sizeof(idx[0]));
		for (int m = 0; m < NM; m++) {
			uint64_t t0 = __rdtsc();
			found += run[m](idx[m]);
			per[m][b] = __rdtsc() - t0;
		}
	}
	if (found != (uint64_t)NM * B * PER)
		fprintf(stderr, "bench: reader missed keys!\n");
	static const char *const bname[NM] = {
		"reader.find.p50",	  "reader.find.full.p50",   "reader.find.str.p50",
		"reader.find.hint.p50", "reader.find.bulk.p50",   "reader.find.p50.direct",
		"reader.find.p50.4k",   "reader.find.p50.cached"};
	for (int m = 0; m < NM; m++) {
		qsort(per[m], B, sizeof(uint64_t), cmp_u64);
		printf("BENCH %s %.1f ns\n", bname[m], (double)per[m][B / 2] * ns_per_tick / PER);
	}
	/* Which page size the figures ran on: the share of each reader
	 * mapping the kernel backs with huge pages (0: all 4 KiB). */
	long long hb = ose_huge_bytes(rh), hb4 = ose_huge_bytes(rh4k);
	printf("BENCH reader.find.huge.share %.2f ratio\n",
	       hb < 0 ? -1.0 : (double)hb / (double)main_t.seg.size);
	printf("BENCH reader.find.4k.huge.share %.2f ratio\n",
	       hb4 < 0 ? -1.0 : (double)hb4 / (double)small_t.seg.size);

	if (!syscalls)
		goto out;
	/* syscalls during 1M finds, counted by a seccomp trap filter in a child */
	int pfd[2];
	if (pipe(pfd))
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigsys;
		sigaction(SIGSYS, &sa, NULL);
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		};
		struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
		long cnt = -1;
		if (!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) &&
		    !prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			/* The headline call (hints set and, one in 16, cleared:
			 * the probe), the full copy, the string call. */
			for (int i = 0; i < 1000000; i++) {
				int k = (int)(rnd() % K);
				if (!(i & 15))
					pk[k].hint = 0;
				ose_find_brief(h, &pk[k], &br);
				ose_find_key(h, &pk[k], &o);
				ose_find_order(h, OSE_VENUE_BINANCE, NULL, syms[k % 16], keys[k], &o);
			}
			cnt = trapped;
		}
		if (write(pfd[1], &cnt, sizeof(cnt)) != sizeof(cnt))
			_exit(1);
		_exit(0);
	}
	long cnt = -1;
	if (read(pfd[0], &cnt, sizeof(cnt)) != sizeof(cnt))
		cnt = -1;
	waitpid(pid, NULL, 0);
	printf("BENCH reader.find.syscalls %ld count\n", cnt);
out:
	btab_free(&main_t);
	btab_free(&small_t);
}

/* No argument: everything.  "find": the finds without the syscall count,
 * whose seccomp child cannot run under valgrind (callgrind profiles). */
int main(int argc, char **argv)
{
	calibrate();
	bench_reader(!(argc > 1 && !strcmp(argv[1], "find")));
	return 0;
}
