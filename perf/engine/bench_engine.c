/* SPDX-License-Identifier: MIT */
/*
 * Engine benchmarks (DESIGN §12 output):
 *   engine.apply.{p50,p99,p999}.{1k,100k,1m}  ns, ring pop -> slot published,
 *       with that many open orders resident (80% updates of resident
 *       orders, 10% new orders, 10% of them executed: exec-cache churn;
 *       every event with an order id and a client id),
 *       consumed as the engine consumes a busy ring: batches of 64 with the
 *       prefetch pipeline; each event's time runs from the previous
 *       event's publish (or the batch pop) to its own
 *   engine.apply.{p50,p99,share}.<size>.{update,new,close}  the pipelined
 *       figures split by kind of event (a diagnostic next to them)
 *   engine.apply.floor.{p50,p99,p999}.<tag>   the memory floor: an update's
 *       access pattern on the same table with none of the apply logic
 *       (bench_floor)
 *   engine.apply.single.{p50,p99,p999}.*      the same, one event per pop, no
 *       pipeline: a lone event on an idle ring, every cache miss exposed
 *   engine.apply.lone.{p50,p99,p999}.*        one event per pop through the
 *       pipeline, as the engine runs a ring that holds one record: the
 *       event's own misses overlap, nothing else's
 *   engine.apply.*.1m.thp                     1M resident, the table in private
 *       memory advised for transparent huge pages (anonymous THP)
 *   engine.apply.*.1m.seg, engine.throughput.1m.seg(.hot10k)
 *       1M resident, the table in a state segment mapped as ose-engine
 *       maps its own (ose_seg_create, OSE_SEG_F_HUGEPAGE, in the segment
 *       directory's tmpfs): 2 MiB pages where that tmpfs allows huge=advise
 *       (tools/ose tune), 4 KiB otherwise; engine.table.huge_pct.1m.seg
 *       says which it ran on (ose_seg_huge_bytes)
 *   engine.throughput                         events/s, one core, batches of 64
 *   engine.throughput.ring_only               anchor: the same ring pops, no apply
 *   engine.apply.{p50,p99,p999}.1m.hot10k, engine.throughput.1m.hot10k
 *       the same 1M-order table, but the updates go to the newest 10,000
 *       resident orders only (the live orders of a strategy; the rest sit
 *       idle): order flow as it usually is, next to the uniform worst case
 *   (events are generated before the timed regions: the generator's
 *   snprintf costs more than an apply)
 *   engine.rss.growth                         kB between 1M and 10M events applied
 *       (anonymous + shared resident memory: RssAnon + RssShmem)
 * (reader.find.*: bench_reader.c)
 * The machine is shared and noisy: figures are medians/percentiles over
 * many iterations; run it alone for numbers to quote.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "engine/tbl.h"
#include "ose/ose.h"
#include "perf/engine/bench_util.h"
#include "shm/seg.h"
#include "shm/seqlock.h"
#include "shm/spsc.h"

static ose_dec dec_units(uint64_t n)
{
	return (ose_dec)n * (OSE_DEC_ONE / 1000);
}

static void mk(struct ose_event *e, const char *sym, uint64_t oid, enum ose_status st,
	       uint64_t cum_milli)
{
	memset(e, 0, 192); /* kind .. decimals */
	memset(e->account, 0, sizeof(e->account) + sizeof(e->symbol) + sizeof(e->order_id) +
				       sizeof(e->client_id) + sizeof(e->trade_id));
	e->kind = OSE_EV_ORDER;
	e->venue = OSE_VENUE_BINANCE;
	e->status = (uint8_t)st;
	e->side = OSE_SIDE_BUY;
	memcpy(e->account, "main", 5);
	strcpy(e->symbol, sym);
	snprintf(e->order_id, sizeof(e->order_id), "%llu", (unsigned long long)oid);
	/* Every event carries its order's client id, as a Binance
	 * executionReport does (c): a new order probes and fills the
	 * client-id index too (since session 8; the figures before were
	 * without). */
	snprintf(e->client_id, sizeof(e->client_id), "web_%llu", (unsigned long long)oid);
	e->cum_qty = dec_units(cum_milli);
	e->price = dec_units(100500);
	e->qty = dec_units(1000000000);
	e->flags = OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY;
}

/* Where a benchmark's table lives. */
enum tmem {
	TM_PRIVATE, /* private memory, 4 KiB pages (the historical figures) */
	TM_THP,     /* private memory, 2 MiB-aligned, advised for anonymous THP */
	TM_SEG,     /* a state segment mapped as ose-engine maps its own */
};

struct tmap {
	enum tmem kind;
	void *mem;         /* TM_PRIVATE / TM_THP: the allocation */
	struct ose_seg seg; /* TM_SEG */
	char name[OSE_SEG_NAME_MAX];
};

/* ose_seg_init_fn: formats the fresh segment (arg: the config), as
 * engine.c's state_init does. */
static int seg_fmt(struct ose_seg *seg, void *arg)
{
	struct ose_tbl t;
	return ose_tbl_format(&t, seg->payload, seg->payload_size, arg);
}

/* Formats a table of cap slots in memory of kind m->kind and binds t. */
static void tbl_alloc(struct ose_tbl *t, uint32_t cap, struct tmap *m)
{
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = cap;
	size_t n = ose_tbl_size(&c);
	if (m->kind == TM_SEG) {
		/* engine.c start(): same kind, flags and format (no MLOCK:
		 * the engine asks for none by default). */
		snprintf(m->name, sizeof(m->name), "ose.bench%d", (int)getpid());
		if (ose_seg_create_init(&m->seg, m->name, OSE_SEG_STATE, 0, n,
					OSE_SEG_F_HUGEPAGE, seg_fmt, &c) < 0 ||
		    ose_tbl_bind(t, m->seg.payload, m->seg.payload_size, &c))
			abort();
		return;
	}
	size_t al = m->kind == TM_THP ? (size_t)2 << 20 : 4096;
	void *mem = aligned_alloc(al, (n + al - 1) & ~(al - 1));
	if (mem && m->kind == TM_THP)
		(void)madvise(mem, (n + al - 1) & ~(al - 1), MADV_HUGEPAGE);
	if (!mem || ose_tbl_format(t, mem, n, &c))
		abort();
	memset(t->slots, 0, (size_t)cap * sizeof(struct ose_slot)); /* pre-fault */
	for (uint32_t i = 0; i < cap; i++)
		t->slots[i].prev = t->slots[i].next = OSE_NIL;
	m->mem = mem;
}

static void tbl_free(struct tmap *m)
{
	if (m->kind == TM_SEG) {
		ose_seg_close(&m->seg);
		ose_seg_unlink(m->name);
	} else {
		free(m->mem);
	}
}


/* One workload step: fills e (a ring slot) with the next event.  New
 * orders go on a small stack; an "execute" step fills the newest one, so
 * the resident count stays put and the executed caches churn. */
struct wl {
	uint64_t resident, next_new;
	uint64_t hot; /* 0: updates hit any resident order; else only the newest hot */
	uint64_t *cum;
	uint64_t stack[4096];
	unsigned sp;
};

static void wl_next(struct wl *w, struct ose_event *e)
{
	uint64_t r = rnd();
	unsigned k = (unsigned)(r % 10);
	if (k == 8 && w->sp < 4096) {
		uint64_t o = w->next_new++;
		w->stack[w->sp++] = o;
		mk(e, syms[o % 16], o, OSE_ST_NEW, 0);
	} else if (k == 9 && w->sp) {
		uint64_t o = w->stack[--w->sp];
		mk(e, syms[o % 16], o, OSE_ST_FILLED, 5);
	} else {
		uint64_t o = w->hot ? w->resident - 1 - (r >> 8) % w->hot : (r >> 8) % w->resident;
		mk(e, syms[o % 16], o, OSE_ST_PARTIALLY_FILLED, ++w->cum[o]);
	}
}

/* The engine's consume step (engine.c poll_ring): pop up to BATCH events,
 * peeking PF_LOOK more so the prefetch pipeline (tbl.h ose_tbl_pf_*) runs
 * across batch boundaries, apply each, release.  pipeline: 0 none, 1 the
 * pipeline with that look-ahead, 2 the pipeline over the popped events
 * alone (a ring that holds no more).  lat (if non-NULL) gets
 * each event's service time in TSC ticks: from the previous event's
 * publish (the batch pop for the first) to its own, so the peek, the
 * pipeline prologue and the prefetch work for later events are all
 * counted.  cls (if non-NULL, with lat) gets each event's status, read
 * after the timed loop (the records stay in the ring until the release),
 * so the figures can be split by kind of event.  Returns the events
 * applied. */
enum { BATCH = 64, PF_LOOK = OSE_TBL_PF_AHEAD };

/* Copies a batch's k samples to lat (and, if cls, each event's status)
 * with non-temporal stores and waits for them to drain: plain stores
 * would leave up to 9 line misses (RFOs) in the store buffer, and the
 * next batch's first events would wait for them (the measurement's cost
 * again, at batch position 0). */
static void lat_out(uint64_t *lat, const uint64_t *lb, uint8_t *cls,
		    const struct ose_event *const *evs, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		_mm_stream_si64((long long *)(void *)&lat[i], (long long)lb[i]);
	if (cls) {
		uint64_t w = 0;
		uint32_t i = 0;
		for (; i < k && ((uintptr_t)&cls[i] & 7); i++)
			cls[i] = evs[i]->status;
		for (; i + 8 <= k; i += 8) {
			w = 0;
			for (uint32_t j = 0; j < 8; j++)
				w |= (uint64_t)evs[i + j]->status << (8 * j);
			_mm_stream_si64((long long *)(void *)&cls[i], (long long)w);
		}
		for (; i < k; i++)
			cls[i] = evs[i]->status;
	}
	_mm_sfence();
}

/* The pipeline state a consumer keeps between batches of its ring (as
 * engine.c keeps one per ring): the hashes the last batch computed for
 * the records it peeked past its end, valid if the next batch starts at
 * ring position pos. */
static struct {
	uint64_t pos;
	uint32_t have;
	uint64_t hs[BATCH + PF_LOOK];
} carry;

static uint32_t consume(struct ose_tbl *t, struct ose_spsc_cons *c, uint32_t want, int pipeline,
			uint64_t *lat, uint8_t *cls)
{
	/* The previous batch's sample stores drained (mfence) and done
	 * (lfence: rdtsc runs in order) before this batch's clock starts. */
	uint64_t tp = 0;
	if (lat) {
		_mm_mfence();
		_mm_lfence();
		tp = __rdtsc();
	}
	uint32_t n = ose_spsc_peek(c, want + (pipeline == 1 ? PF_LOOK : 0));
	uint32_t k = n < want ? n : want;
	const struct ose_event *evs[BATCH + PF_LOOK];
	uint64_t *hs = carry.hs;
	/* The samples go to this (cached) buffer and are copied out after
	 * the batch (lat_out): stored straight into the 2.4 MB lat array,
	 * every 8th event paid the store miss of a new line of it (the
	 * measurement's cost, not the apply's). */
	uint64_t lb[BATCH];
	struct ose_ap_out out;
	for (uint32_t i = 0; i < n; i++)
		evs[i] = ose_spsc_cons_slot(c, i);
	uint32_t have = carry.have && carry.pos == c->tail ? carry.have : 0;
	if (pipeline)
		ose_tbl_pf_resume(t, evs, n, have, hs);
	for (uint32_t i = 0; i < k; i++) {
		if (pipeline)
			ose_tbl_pf_step(t, evs, n, i, hs);
		ose_tbl_apply_h(t, evs[i], pipeline ? hs[i] : 0, 2, &out);
		if (lat) {
			uint64_t tn = __rdtsc();
			lb[i] = tn - tp;
			tp = tn;
		}
	}
	/* Outside every event's interval (the next call starts its own). */
	if (lat)
		lat_out(lat, lb, cls, evs, k);
	carry.have = pipeline ? ose_tbl_pf_carry(hs, n, k) : 0;
	ose_spsc_release(c, k);
	carry.pos = c->tail;
	return k;
}

static void pct(const char *name, const char *tag, uint64_t *lat, size_t n)
{
	qsort(lat, n, sizeof(uint64_t), cmp_u64);
	printf("BENCH %s.p50.%s %.0f ns\n", name, tag, (double)lat[n / 2] * ns_per_tick);
	printf("BENCH %s.p99.%s %.0f ns\n", name, tag, (double)lat[n * 99 / 100] * ns_per_tick);
	printf("BENCH %s.p999.%s %.0f ns\n", name, tag, (double)lat[n * 999 / 1000] * ns_per_tick);
}

/* The pipelined figures split by kind of event (the workload's three:
 * an update of a resident order, a new order, a fill that closes one
 * and moves it to the executed cache, evicting the oldest there):
 * engine.apply.{p50,p99}.<tag>.{update,new,close}.  Diagnostic, next to
 * the whole-stream figures, which stay the ones the floors are about. */
static void pct_by_kind(const char *tag, const uint64_t *lat, const uint8_t *cls, size_t n)
{
	static const struct {
		uint8_t st;
		const char *name;
	} kinds[] = { { OSE_ST_PARTIALLY_FILLED, "update" },
		      { OSE_ST_NEW, "new" },
		      { OSE_ST_FILLED, "close" } };
	uint64_t *v = malloc(n * sizeof(uint64_t));
	if (!v)
		abort();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (cls[i] == kinds[k].st)
				v[m++] = lat[i];
		if (m < 1000)
			continue;
		qsort(v, m, sizeof(uint64_t), cmp_u64);
		printf("BENCH engine.apply.p50.%s.%s %.0f ns\n", tag, kinds[k].name,
		       (double)v[m / 2] * ns_per_tick);
		printf("BENCH engine.apply.p99.%s.%s %.0f ns\n", tag, kinds[k].name,
		       (double)v[m * 99 / 100] * ns_per_tick);
		printf("BENCH engine.apply.share.%s.%s %.1f %%\n", tag, kinds[k].name,
		       100.0 * (double)m / (double)n);
	}
	free(v);
}

/* Fills the whole ring with the next workload events (not timed: the
 * snprintf-based generator costs more than an apply). */
static uint32_t produce(struct ose_spsc_prod *p, struct wl *w)
{
	uint32_t n = ose_spsc_reserve(p, 4096);
	for (uint32_t i = 0; i < n; i++)
		wl_next(w, ose_spsc_prod_slot(p, i));
	ose_spsc_commit(p, n);
	return n;
}

/* Consumes n events of the workload, `want` a pop in consume's pipeline
 * mode, refilling the ring whenever it is drained; the samples go to lat
 * (and each event's status to cls, if non-NULL).  The consumer sees new
 * records only once it has drained what it saw (spsc.h caches the head):
 * a pipeline restarts once per ring fill (1024 events), its prologue
 * counted. */
static void run(struct ose_tbl *t, struct ose_spsc_prod *p, struct ose_spsc_cons *c, struct wl *w,
		uint64_t n, uint32_t want, int pipeline, uint64_t *lat, uint8_t *cls)
{
	uint64_t done = 0;
	while (done < n) {
		produce(p, w);
		while (done < n && ose_spsc_peek(c, 1))
			done += consume(t, c, want, pipeline, lat + done, cls ? cls + done : NULL);
	}
}

/* Events/s one core sustains consuming a full ring in batches of 64 with
 * the prefetch pipeline, over 2M events (the producer's work not timed). */
static double throughput(struct ose_tbl *t, struct ose_spsc_prod *p, struct ose_spsc_cons *c,
			 struct wl *w)
{
	enum { M = 2000000 };
	uint64_t dt = 0, left = M;
	while (left) {
		produce(p, w);
		uint64_t t0 = now_ns();
		while (left && ose_spsc_peek(c, 1))
			left -= consume(t, c, left < BATCH ? (uint32_t)left : BATCH, 1, NULL, NULL);
		dt += now_ns() - t0;
	}
	return (double)M * 1e9 / (double)dt;
}

/*
 * The memory floor of an update on this table: the access pattern of
 * ose_tbl_apply_h for an update of a resident order, with none of its
 * logic, in the same run, on the same table, memory and pipeline (batches
 * of 64; key stage 8 ahead, slot stage 4 ahead, as tbl.c's PF_KEY and
 * PF_SLOT).  Per event: the index probe (tag compare), slot lines 0-2 and
 * 4 read (the key compare's line 2 included), lines 0, 1 and 4 written
 * under the slot's seqlock.  The stores write back the values they read,
 * so the table stays valid (ose_tbl_check after it); only seq moves, by
 * 2, as a real write's would.  The workload's update keys (uniform over
 * the resident orders, or the hot set) are hashed before the timed loop.
 * engine.apply.floor.{p50,p99,p999}.<tag>: what no layout-preserving
 * change to the apply code can beat; next to engine.apply.*.<tag>.update,
 * the apply logic's own share of the tail.
 */
static inline uint32_t floor_find(const struct ose_tbl *t, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	for (uint64_t i = tag & t->idx_mask;; i = (i + 1) & t->idx_mask) {
		uint64_t e = __atomic_load_n(&t->oid_idx[i], __ATOMIC_RELAXED);
		if (!e || OSE_IDX_TAG(e) == tag)
			return e ? OSE_IDX_SLOT(e) : OSE_NIL;
	}
}

static void floor_slot_pf(const struct ose_tbl *t, uint64_t h)
{
	uint32_t s = floor_find(t, h);
	if (s == OSE_NIL)
		return;
	const char *o = (const char *)&t->slots[s];
	bench_pfw(o);
	bench_pfw(o + 64);
	bench_pfw(o + 128);
	bench_pfw(o + offsetof(struct ose_slot, hist_ts));
}

/* Rewrites *p with its own value: the line is dirtied as a real store's. */
#define FLOOR_RW(p) __atomic_store_n((p), __atomic_load_n((p), __ATOMIC_RELAXED), __ATOMIC_RELAXED)

static void bench_floor(struct ose_tbl *t, struct wl *w, const char *tag, uint64_t *lat, size_t n)
{
	enum { KEY = 8, SLOT = 4 };
	uint64_t *hs = malloc((n + KEY) * sizeof(uint64_t));
	struct ose_event *e = aligned_alloc(64, sizeof(*e));
	if (!hs || !e)
		abort();
	for (size_t i = 0; i < n + KEY; i++) {
		uint64_t r = rnd();
		uint64_t o = w->hot ? w->resident - 1 - (r >> 8) % w->hot : (r >> 8) % w->resident;
		mk(e, syms[o % 16], o, OSE_ST_PARTIALLY_FILLED, 0);
		hs[i] = ose_key_oid_fix(e->venue, e->symbol, strlen(e->symbol), e->order_id,
					strlen(e->order_id));
	}
	uint64_t sink = 0, lb[BATCH];
	for (size_t b = 0; b < n; b += BATCH) {
		size_t k = n - b < BATCH ? n - b : BATCH;
		_mm_mfence();
		_mm_lfence();
		uint64_t tp = __rdtsc();
		if (b == 0) /* the prologue, once: later batches carry on */
			for (size_t j = 0; j < KEY; j++) {
				bench_pf0(&t->oid_idx[(hs[j] >> 32) & t->idx_mask]);
				if (j < SLOT)
					floor_slot_pf(t, hs[j]);
			}
		for (size_t j = 0; j < k; j++) {
			size_t i = b + j;
			bench_pf0(&t->oid_idx[(hs[i + KEY] >> 32) & t->idx_mask]);
			floor_slot_pf(t, hs[i + SLOT]);
			uint32_t s = floor_find(t, hs[i]);
			if (s != OSE_NIL) {
				struct ose_slot *o = &t->slots[s];
				sink += (uint64_t)o->order_id[0] + (uint64_t)o->account[0];
				ose_seqlock_write_begin(&o->seq);
				FLOOR_RW(&o->updated_ns);
				FLOOR_RW((uint64_t *)(void *)&o->filled);
				FLOOR_RW(&o->hist_ts[0]);
				ose_seqlock_write_end(&o->seq);
			}
			uint64_t tn = __rdtsc();
			lb[j] = tn - tp;
			tp = tn;
		}
		for (size_t j = 0; j < k; j++)
			_mm_stream_si64((long long *)(void *)&lat[b + j], (long long)lb[j]);
	}
	if (sink == 1)
		fprintf(stderr, "-");
	pct("engine.apply.floor", tag, lat, n);
	free(e);
	free(hs);
}

static void bench_apply(uint64_t resident, const char *tag, enum tmem mk_in)
{
	struct ose_tbl t;
	uint32_t cap = (uint32_t)(resident + 200000);
	struct tmap tm = {.kind = mk_in};
	carry.have = 0; /* a new ring */
	tbl_alloc(&t, cap, &tm);
	struct ose_event *e = aligned_alloc(64, sizeof(*e));
	struct ose_ap_out out;
	for (uint64_t o = 0; o < resident; o++) {
		mk(e, syms[o % 16], o, OSE_ST_NEW, 0);
		ose_tbl_apply(&t, e, 1, &out);
	}
	if (mk_in != TM_PRIVATE) {
		/* The page size these figures ran on (the whole table's). */
		size_t tsz = (size_t)t.hdr->total_size;
		long long hb = ose_seg_huge_bytes(t.hdr, tsz);
		printf("BENCH engine.table.huge_pct.%s %.1f %%\n", tag,
		       hb < 0 ? -1.0 : 100.0 * (double)(hb > (long long)tsz ? (long long)tsz : hb) / (double)tsz);
	}
	static struct wl w;
	memset(&w, 0, sizeof(w));
	w.resident = resident;
	w.next_new = resident;
	w.cum = calloc(resident, sizeof(uint64_t));
	/* A real SPSC ring in a segment: producer and consumer in this thread. */
	char name[OSE_SEG_NAME_MAX];
	snprintf(name, sizeof(name), "ose.bench%d.feed.binance.main", (int)getpid());
	struct ose_seg seg, cseg;
	struct ose_spsc_prod p;
	struct ose_spsc_cons c;
	if (ose_spsc_create(&seg, name, OSE_EVENT_SIZE, 1024, 0, 0, 0) < 0 ||
	    ose_spsc_prod_init(&p, &seg) || ose_spsc_attach(&cseg, name, OSE_SEG_F_WRITE) ||
	    ose_spsc_cons_init(&c, &cseg))
		abort();
	/* Pipelined, as the engine consumes a busy ring. */
	enum { N = 300000 };
	uint64_t *lat = malloc((N + BATCH) * sizeof(uint64_t));
	uint8_t *cls = malloc(N + BATCH);
	/* Pre-faulted: a page fault while storing one sample would land in the
	 * next event's interval (one per 512 samples: the whole p999).  Not
	 * with zeros: GCC turns malloc + memset(0) into calloc, which leaves
	 * fresh pages unfaulted (it did, until session 5: ~2 us on every
	 * 512th event). */
	if (!lat || !cls)
		abort();
	memset(lat, 0xff, (N + BATCH) * sizeof(uint64_t));
	memset(cls, 0xff, N + BATCH);
	run(&t, &p, &c, &w, N, BATCH, 1, lat, cls);
	pct_by_kind(tag, lat, cls, N);
	pct("engine.apply", tag, lat, N);
	bench_floor(&t, &w, tag, lat, N);
	/* One event at a time, no pipeline: what a lone event on an idle
	 * ring costs (every miss exposed). */
	enum { NS = 100000 };
	run(&t, &p, &c, &w, NS, 1, 0, lat, NULL);
	pct("engine.apply.single", tag, lat, NS);
	/* One event at a time through the pipeline, as poll_ring runs a
	 * ring that holds one record: every stage for that record, then its
	 * apply.  What a quiet market costs the engine: the event's misses
	 * overlap only with each other. */
	run(&t, &p, &c, &w, NS, 1, 2, lat, NULL);
	pct("engine.apply.lone", tag, lat, NS);
	if (resident == 1000000 && mk_in != TM_THP) {
		/* The historical names for the private table; .seg after the
		 * size for the segment. */
		const char *sx = mk_in == TM_SEG ? ".1m.seg" : "";
		/* Throughput: what one core sustains consuming a full ring in
		 * batches of 64 (the producer's work is not timed). */
		double tp = throughput(&t, &p, &c, &w);
		/* The anchor: the same ring pops, a byte read per event, no apply. */
		enum { M = 2000000 };
		uint64_t dt2 = 0, left = M;
		volatile uint8_t sink = 0;
		while (left) {
			produce(&p, &w);
			uint64_t t0 = now_ns();
			uint32_t k;
			while (left && (k = ose_spsc_peek(&c, left < BATCH ? (uint32_t)left : BATCH))) {
				for (uint32_t i = 0; i < k; i++)
					sink ^= ((const struct ose_event *)ose_spsc_cons_slot(&c, i))
							->status;
				ose_spsc_release(&c, k);
				left -= k;
			}
			dt2 += now_ns() - t0;
		}
		if (sink == 0xff)
			fprintf(stderr, "-");
		printf("BENCH engine.throughput%s %.3g events/s\n", sx, tp);
		if (mk_in == TM_PRIVATE)
			printf("BENCH engine.throughput.ring_only %.3g events/s\n",
			       (double)M * 1e9 / (double)dt2);
		/* A second workload on the same 1M-order table: the updates go
		 * to the newest 10,000 resident orders only (the orders a
		 * strategy is working; the rest sit idle), new orders and
		 * executions as before.  Named .hot10k; the uniform figures
		 * above stay what they were. */
		w.hot = 10000;
		run(&t, &p, &c, &w, N, BATCH, 1, lat, cls);
		const char *htag = mk_in == TM_SEG ? "1m.seg.hot10k" : "1m.hot10k";
		pct_by_kind(htag, lat, cls, N);
		pct("engine.apply", htag, lat, N);
		bench_floor(&t, &w, htag, lat, N);
		printf("BENCH engine.throughput.1m%s.hot10k %.3g events/s\n",
		       mk_in == TM_SEG ? ".seg" : "", throughput(&t, &p, &c, &w));
		w.hot = 0;
	}
	ose_spsc_cons_fini(&c);
	ose_seg_close(&cseg);
	ose_seg_close(&seg);
	ose_seg_unlink(name);
	if (ose_tbl_check(&t))
		fprintf(stderr, "bench: table invariants broken!\n");
	free(lat);
	free(cls);
	free(w.cum);
	free(e);
	tbl_free(&tm);
}

/* Resident anonymous and shared memory (kB): the memory the run
 * allocates.  Not the whole RSS, which also counts the library code
 * pages a run touches for the first time (session 8: 44-104 kB of them
 * between the two readings, on unchanged code). */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = 0, v;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld", &v) == 1 || sscanf(line, "RssShmem: %ld", &v) == 1)
			kb += v;
	fclose(f);
	return kb;
}

static void bench_rss(void)
{
	/* Default executed bound (1000 per symbol); orders are created and
	 * executed forever: slots recycle through the eviction free list. */
	struct ose_tbl t;
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = 1u << 18;
	size_t n = ose_tbl_size(&c);
	void *mem = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);
	if (!mem || ose_tbl_format(&t, mem, n, &c))
		abort();
	struct ose_event e;
	struct ose_ap_out out;
	long at1m = 0;
	for (uint64_t i = 0; i < 10000000; i++) {
		uint64_t o = i / 2;
		mk(&e, syms[o % 16], o, i % 2 ? OSE_ST_FILLED : OSE_ST_NEW, i % 2 ? 7 : 0);
		ose_tbl_apply(&t, &e, (int64_t)i, &out);
		if (i == 1000000)
			at1m = rss_kb();
	}
	long at10m = rss_kb();
	printf("BENCH engine.rss.kb.1m %ld kB\n", at1m);
	printf("BENCH engine.rss.kb.10m %ld kB\n", at10m);
	printf("BENCH engine.rss.growth %ld kB\n", at10m - at1m);
	free(mem);
}

/* No argument: everything.  Otherwise the parts named (apply1k,
 * apply100k, apply1m, apply1mthp, apply1mseg, rss), e.g. to profile one under
 * callgrind.  The reader benchmarks are in bench_reader.c. */
static int want(int argc, char **argv, const char *part)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], part))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* The rings (and the .seg table) in a directory of their own on the
	 * tmpfs the engine's segments use (/dev/shm: huge=advise there is
	 * what gives the .seg table 2 MiB pages); /tmp if there is none. */
	char dir[] = "/dev/shm/ose-bench-XXXXXX";
	char dir2[] = "/tmp/ose-bench-ring-XXXXXX";
	char *d = mkdtemp(dir);
	if (!d && !(d = mkdtemp(dir2)))
		return 1;
	setenv("OSE_SHM_DIR", d, 1);
	calibrate();
	if (want(argc, argv, "apply1k"))
		bench_apply(1000, "1k", TM_PRIVATE);
	if (want(argc, argv, "apply100k"))
		bench_apply(100000, "100k", TM_PRIVATE);
	if (want(argc, argv, "apply1m"))
		bench_apply(1000000, "1m", TM_PRIVATE);
	if (want(argc, argv, "apply1mthp"))
		bench_apply(1000000, "1m.thp", TM_THP);
	if (want(argc, argv, "apply1mseg"))
		bench_apply(1000000, "1m.seg", TM_SEG);
	if (want(argc, argv, "rss"))
		bench_rss();
	rmdir(d);
	return 0;
}
