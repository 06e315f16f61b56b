/* SPDX-License-Identifier: MIT */
/*
 * The running engine: one hot thread (the caller of ose_engine_run) that
 * polls every inbound ring and applies records to the table, and one
 * slow-path thread that does everything that may block: journal writes and
 * fsync, ring discovery and producer liveness, stuck-order timers, and the
 * REST tier of lookups (not built yet: answered "not found locally").
 *
 * Exactly-once across kill -9 (docs/engine.md has the full argument).  Per
 * inbound record at ring index `pos` the hot thread does, in this order:
 *   1. copy the record into a journal record in the journal ring (shm
 *      segment ose.<instance>.journal: it survives the process);
 *   2. apply it to the table (seqlocked slot publish);
 *   3. commit the journal record (journal ring head, release);
 *   4. ring_ent.applied = pos + 1 (state segment).
 * and per batch: hdr.in_apply = 1 before step 1 of the first record, = 0
 * after step 4 of the last one, then the ring's tail is released.
 *   - Killed outside a batch (in_apply == 0): the table is exactly the
 *     records below each ring's `applied`; a restart resumes from the
 *     segment and skips ring records below `applied`.
 *   - Killed inside a batch: the table may hold a half-applied record, so a
 *     restart rebuilds it from the journal file plus the journal ring's
 *     unwritten records (each record is there iff it was committed at 3),
 *     and skips ring records at or below the last journaled pos.  The
 *     record being applied when killed was not committed: it is still in
 *     its ring (not released) and is applied on restart, once.
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/jrnl.h"
#include "shm/bcast.h"
#include "shm/seg.h"
#include "shm/seqlock.h"
#include "shm/spsc.h"
#include "shm/wait.h"

#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STR(p, v) __atomic_store_n((p), (v), OSE_SHM_WORD_STORE)
#define MAX_RINGS 256

static inline void cnt_add(uint64_t *c, uint64_t n)
{
	STR(c, LD(c) + n);
}

static int64_t now_rt(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ose_engine_cfg_default(struct ose_engine_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpu = -1;
	ose_tbl_cfg_default(&cfg->tbl);
	cfg->stuck_timeout_ms = 5000;
	cfg->fsync = OSE_FSYNC_BATCH;
	cfg->fsync_interval_ms = 10;
	cfg->wait = OSE_WAITM_AUTO;
	cfg->scan_ms = 100;
	cfg->batch = 64;
	cfg->events_capacity = 65536;
	cfg->journal_ring = 65536;
}

/* ---- in-process SPSC queue between the two threads ---------------------- */

enum xmsg_type {
	XM_RING_ADD = 1, /* slow -> hot: start polling ring p */
	XM_RING_PARK,    /* hot -> slow: ring p drained, producer gone */
	XM_STUCK,        /* slow -> hot: stuck timer fired for slot/client id */
	XM_TIMER,        /* hot -> slow: registered slot, arm its stuck timer */
	XM_LOOKUP,       /* hot -> slow: lookup miss, for the REST tier */
	XM_LOOKUP_ANS,   /* slow -> hot: REST tier answer (not found locally) */
};

struct xmsg {
	uint32_t type;
	uint32_t slot;
	uint64_t due_ns;
	void *p;
	struct ose_cmd cmd; /* lookups; client_id for timers */
};

#define XQ_CAP 8192
struct xq {
	uint64_t head __attribute__((aligned(128)));
	uint64_t tail __attribute__((aligned(128)));
	struct xmsg buf[XQ_CAP];
};

static int xq_push(struct xq *q, const struct xmsg *m)
{
	uint64_t h = q->head;
	/* Pairs with the consumer's release of tail in xq_pop: its read of
	 * the slot is done before we overwrite it. */
	if (h - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) == XQ_CAP)
		return -1;
	q->buf[h & (XQ_CAP - 1)] = *m;
	/* Publishes the slot; pairs with the acquire load of head in xq_pop. */
	__atomic_store_n(&q->head, h + 1, __ATOMIC_RELEASE);
	return 0;
}

static int xq_pop(struct xq *q, struct xmsg *m)
{
	uint64_t t = q->tail;
	/* Pairs with the release store of head in xq_push. */
	if (t == __atomic_load_n(&q->head, __ATOMIC_ACQUIRE))
		return 0;
	*m = q->buf[t & (XQ_CAP - 1)];
	/* Pairs with the acquire load of tail in xq_push. */
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELEASE);
	return 1;
}

/* ---- engine state ------------------------------------------------------- */

struct ering {
	struct ose_seg seg;
	struct ose_spsc_cons cons;
	struct ose_ring_ent *ent; /* hot thread only */
	uint32_t kind;            /* OSE_RING_FEED / OSE_RING_CMD */
	uint8_t venue;            /* feed rings: from the name */
	char account[OSE_ACCOUNT_MAX];
	char name[OSE_SEG_NAME_MAX];
	uint64_t epoch;           /* seg created_ns */
	int gone;                 /* atomic: producer dead or ring superseded */
	int parked;               /* slow thread only */
	int32_t seen_pid;         /* slow thread: producer pid when parked */
	uint64_t seen_start;
	int seen_dead;            /* slow thread: seen_* is the dead producer */
	/* Hot thread, feed rings: the prefetch pipeline's key hashes for the
	 * records the last batch peeked past its end (tbl.h
	 * ose_tbl_pf_carry), valid while the next batch starts at pf_pos. */
	uint64_t pf_pos;
	uint32_t pf_have;
	uint64_t pf_hs[OSE_TBL_PF_AHEAD];
};

struct timer {
	uint64_t due_ns;
	uint32_t slot;
	char client_id[OSE_ID_MAX];
};

struct eng {
	const struct ose_engine_cfg *cfg;
	void (*log)(const char *);
	struct ose_seg state_seg, ev_seg, j_seg;
	struct ose_tbl t;
	struct ose_bcast_writer bw;
	struct ose_spsc_prod jprod;
	struct ose_spsc_cons jcons;
	int jfd;
	uint64_t jseq;        /* last journal seq handed to the journal ring */
	int64_t now_rt;       /* hot thread: CLOCK_REALTIME of this loop pass and */
	uint64_t now_ticks;   /* lat_ticks() right after it (f2t_record) */
	uint64_t jfile_seq;   /* slow thread: last jseq written to the file */
	uint64_t oor_seen;    /* hot thread: stats out_of_range at the last refusal */
	struct xq *s2h, *h2s;
	struct ering *act[MAX_RINGS]; /* hot thread's poll list */
	unsigned nact;
	struct ering *all[MAX_RINGS]; /* slow thread's list */
	unsigned nall;
	struct timer *timers;  /* slow thread FIFO (constant timeout: deadlines ordered) */
	uint64_t t_head, t_tail;
	int slow_stop;         /* atomic */
	int journal_on;
	/* Hot thread: the batch being applied, for the prefetch pipeline
	 * (cfg->batch + OSE_TBL_PF_AHEAD entries each). */
	const struct ose_event **pf_ev;
	uint64_t *pf_h;
};

#define TIMER_CAP 65536

static void elog(struct eng *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void elog(struct eng *e, const char *fmt, ...)
{
	if (!e->log)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->log(buf);
}

/* ---- event ring --------------------------------------------------------- */

static uint8_t prio_of(uint8_t st)
{
	switch (st) {
	case OSE_ST_REJECTED: return OSE_PRIO_ERROR;
	case OSE_ST_FILLED:
	case OSE_ST_PARTIALLY_FILLED: return OSE_PRIO_FILLED;
	case OSE_ST_NEW:
	case OSE_ST_PENDING_NEW: return OSE_PRIO_PLACED;
	case OSE_ST_CANCELED:
	case OSE_ST_EXPIRED:
	case OSE_ST_PENDING_CANCEL: return OSE_PRIO_CANCELED;
	default: return OSE_PRIO_OTHER;
	}
}

static void upd_from_slot(struct ose_update *u, const struct ose_slot *o)
{
	u->venue = o->venue;
	u->status = o->status;
	u->side = o->side;
	memcpy(u->account, o->account, sizeof(u->account));
	memcpy(u->symbol, o->symbol, sizeof(u->symbol));
	memcpy(u->order_id, o->order_id, sizeof(u->order_id));
	memcpy(u->client_id, o->client_id, sizeof(u->client_id));
	u->price = o->price;
	u->qty = o->qty;
	u->filled = o->filled;
}

static void publish(struct eng *e, struct ose_update *u)
{
	ose_bcast_publish(&e->bw, u, sizeof(*u));
	cnt_add(&e->t.st->bcast_published, 1);
	STR(&e->t.hdr->bcast_seq, e->t.hdr->bcast_seq + 1);
}

/* Zeroes an update record with 16-byte stores: memset of the 256 bytes
 * became `rep stosq`, whose start-up cost is paid on every change.  The
 * empty asm keeps GCC from turning the loop back into that memset. */
static inline void upd_zero(struct ose_update *u)
{
#ifdef __SSE2__
	OSE_STATIC_ASSERT(sizeof(*u) % 64 == 0, "whole 64-byte steps");
	for (size_t o = 0; o < sizeof(*u); o += 64) {
		char *p = (char *)u + o;
		_mm_storeu_si128((__m128i *)(void *)p, _mm_setzero_si128());
		_mm_storeu_si128((__m128i *)(void *)(p + 16), _mm_setzero_si128());
		_mm_storeu_si128((__m128i *)(void *)(p + 32), _mm_setzero_si128());
		_mm_storeu_si128((__m128i *)(void *)(p + 48), _mm_setzero_si128());
		__asm__("" : : "r"(p) : "memory");
	}
#else
	memset(u, 0, sizeof(*u));
#endif
}

static void publish_change(struct eng *e, const struct ose_ap_out *out, int64_t now)
{
	struct ose_update u;
	upd_zero(&u);
	u.kind = OSE_UPD_ORDER;
	u.slot = out->slot;
	u.prev_status = out->prev_status;
	u.ts_ns = now;
	/* Not upd_from_slot: an update of a known order brings in only slot
	 * lines 0-2 (shm/state.h), so the symbol is taken from the book (the
	 * same string, ose_tbl_check -12; its line stays cached) and the
	 * client id (line 5) only if the order has one.  Reading those two
	 * lines here cost two misses per change at 1M resident orders. */
	const struct ose_slot *o = &e->t.slots[out->slot];
	u.venue = o->venue;
	u.status = o->status;
	u.side = o->side;
	memcpy(u.account, o->account, sizeof(u.account));
	memcpy(u.symbol, e->t.books[o->book].symbol, sizeof(u.symbol));
	memcpy(u.order_id, o->order_id, sizeof(u.order_id));
	if (o->oflags & OSE_OF_HAS_CID)
		memcpy(u.client_id, o->client_id, sizeof(u.client_id));
	u.price = o->price;
	u.qty = o->qty;
	u.filled = o->filled;
	u.prio = prio_of(u.status);
	publish(e, &u);
}

static void publish_error(struct eng *e, const struct ose_event *ev, const char *why, int64_t now)
{
	struct ose_update u;
	memset(&u, 0, sizeof(u));
	u.kind = OSE_UPD_ERROR;
	u.prio = OSE_PRIO_ERROR;
	u.slot = OSE_NIL;
	u.ts_ns = now;
	if (ev) {
		u.venue = ev->venue;
		u.status = ev->status;
		memcpy(u.account, ev->account, sizeof(u.account) - 1);
		memcpy(u.symbol, ev->symbol, sizeof(u.symbol) - 1);
		memcpy(u.order_id, ev->order_id, sizeof(u.order_id) - 1);
		memcpy(u.client_id, ev->client_id, sizeof(u.client_id) - 1);
	}
	snprintf(u.reason, sizeof(u.reason), "%s", why);
	publish(e, &u);
}

static void publish_lookup(struct eng *e, const struct ose_cmd *c, uint32_t slot, int executed,
			   int not_local, int64_t now)
{
	struct ose_update u;
	memset(&u, 0, sizeof(u));
	u.kind = OSE_UPD_LOOKUP;
	u.prio = OSE_PRIO_OTHER;
	u.slot = slot;
	u.req_id = c->req_id;
	u.ts_ns = now;
	if (slot != OSE_NIL) {
		upd_from_slot(&u, &e->t.slots[slot]);
		u.uflags = OSE_UF_FOUND | (executed ? OSE_UF_EXECUTED : 0);
	} else {
		u.venue = c->venue;
		memcpy(u.account, c->account, sizeof(u.account) - 1);
		memcpy(u.symbol, c->symbol, sizeof(u.symbol) - 1);
		memcpy(u.order_id, c->order_id, sizeof(u.order_id) - 1);
		memcpy(u.client_id, c->client_id, sizeof(u.client_id) - 1);
		u.uflags = not_local ? OSE_UF_NOT_LOCAL : 0;
	}
	publish(e, &u);
}

/* ---- applying journal records (live and replay) ------------------------- */

/* Ring bookkeeping from a record (replay creates nameless entries; the
 * name is filled in when the ring is attached again). */
static void ring_note(struct ose_tbl *t, const struct ose_jrec *j)
{
	if (!j->ring)
		return;
	struct ose_ring_ent *r = ose_tbl_ring_by_hash(t, j->ring);
	if (!r) {
		if (t->hdr->rings_used >= t->hdr->ring_cap)
			return;
		r = &t->rings[t->hdr->rings_used];
		memset(r, 0, sizeof(*r));
		r->name_hash = j->ring;
		STR(&t->hdr->rings_used, t->hdr->rings_used + 1);
	}
	if (r->ring_epoch != j->epoch) {
		STR(&r->ring_epoch, j->epoch);
		STR(&r->consumed, 0);
	}
	STR(&r->applied, j->pos + 1);
	STR(&r->consumed, r->consumed + 1);
}

/* Applies one journal record.  live: publish on the event ring and talk to
 * the slow path (replay only rebuilds the table).  hash: the event's key
 * hash from the prefetch pipeline, 0 if none (ose_tbl_apply_h). */
static enum ose_ap apply_jrec(struct eng *e, const struct ose_jrec *j, int live, uint64_t hash)
{
	struct ose_tbl *t = &e->t;
	struct ose_ap_out out;
	enum ose_ap ap = OSE_AP_IGNORED;
	const struct ose_event *ev = NULL;
	cnt_add(&t->st->events_received, 1);
	switch (j->type) {
	case OSE_JREC_EVENT:
		ev = &j->u.ev;
		ap = ose_tbl_apply_h(t, ev, hash, j->now, &out);
		break;
	case OSE_JREC_CMD:
		if (j->u.cmd.kind == OSE_CMD_REGISTER) {
			ap = ose_tbl_register(t, &j->u.cmd, j->now, &out);
			if (live && ap == OSE_AP_APPLIED) {
				struct xmsg m = {.type = XM_TIMER, .slot = out.slot};
				m.due_ns = ose_time_mono_ns() +
					   (uint64_t)e->cfg->stuck_timeout_ms * 1000000u;
				memcpy(m.cmd.client_id, j->u.cmd.client_id, OSE_ID_MAX);
				xq_push(e->h2s, &m);
			}
		} else if (j->u.cmd.kind == OSE_CMD_LOOKUP_OID || j->u.cmd.kind == OSE_CMD_LOOKUP_CID) {
			const struct ose_cmd *c = &j->u.cmd;
			cnt_add(&t->st->lookups, 1);
			uint32_t s = c->kind == OSE_CMD_LOOKUP_OID
					     ? ose_tbl_find_oid(t, c->venue, c->account, c->symbol,
								c->order_id)
					     : ose_tbl_find_cid(t, c->venue, c->account, c->symbol,
								c->client_id);
			if (s != OSE_NIL) {
				int ex = (t->slots[s].oflags & OSE_OF_EXECUTED) != 0;
				cnt_add(ex ? &t->st->lookup_exec_hits : &t->st->lookup_open_hits, 1);
				if (live)
					publish_lookup(e, c, s, ex, 0, j->now);
			} else {
				cnt_add(&t->st->lookup_miss_queued, 1);
				if (live) {
					struct xmsg m = {.type = XM_LOOKUP, .slot = OSE_NIL};
					m.cmd = *c;
					xq_push(e->h2s, &m);
				}
			}
			ap = OSE_AP_IGNORED;
		} else {
			cnt_add(&t->st->invalid_events, 1);
			ap = OSE_AP_INVALID;
		}
		break;
	case OSE_JREC_STUCK:
		ap = ose_tbl_mark_stuck(t, j->slot, j->u.client_id, j->now, &out);
		if (live && ap == OSE_AP_APPLIED) {
			/* The REST tier would ask the venue now. */
			struct xmsg m = {.type = XM_LOOKUP, .slot = j->slot};
			m.cmd.kind = OSE_CMD_LOOKUP_CID;
			m.cmd.venue = t->slots[j->slot].venue;
			memcpy(m.cmd.account, t->slots[j->slot].account, OSE_ACCOUNT_MAX);
			memcpy(m.cmd.symbol, t->slots[j->slot].symbol, OSE_SYMBOL_MAX);
			memcpy(m.cmd.client_id, j->u.client_id, OSE_ID_MAX);
			cnt_add(&t->st->lookup_miss_queued, 1);
			xq_push(e->h2s, &m);
		}
		break;
	case OSE_JREC_NOT_FOUND:
		ap = ose_tbl_venue_not_found(t, j->slot, j->u.client_id, j->now, &out);
		break;
	default:
		cnt_add(&t->st->invalid_events, 1);
		ap = OSE_AP_INVALID;
		break;
	}
	ring_note(t, j);
	if (live) {
		if (ap == OSE_AP_APPLIED ||
		    (j->type == OSE_JREC_STUCK && ap == OSE_AP_DUP && out.slot != OSE_NIL))
			publish_change(e, &out, j->now);
		else if (ap == OSE_AP_FULL) {
			publish_error(e, ev, "table full", j->now);
			uint64_t n = t->st->table_full + t->st->books_full;
			if (n == 1 || n % 10000 == 0) /* a flood must not flood the log */
				elog(e, "event refused: table full (%llu refusals so far; "
					"capacity %u, raise 'capacity' or lower 'exec_bound')",
				     (unsigned long long)n, t->hdr->capacity);
		}
		else if (ap == OSE_AP_INVALID) {
			/* Which refusal: only this branch reads the counter. */
			uint64_t oor = t->st->out_of_range;
			publish_error(e, ev, oor != e->oor_seen ? "decimal sum out of range"
								: "invalid event", j->now);
			e->oor_seen = oor;
		}
		else if (ap == OSE_AP_GAP)
			publish_error(e, ev, "gap: reconcile venue", j->now);
	}
	return ap;
}

/* ---- hot path ----------------------------------------------------------- */

/* The apply-latency clock: one read per event, so the TSC where it is
 * usable (~8 ns a read against ~20 ns for clock_gettime through the vDSO),
 * converted with a multiplier calibrated against CLOCK_MONOTONIC at start
 * (lat_calibrate); the monotonic clock elsewhere. */
static uint64_t lat_mul; /* ns per tick << 32; 0: ticks are ns already */

#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t lat_ticks(void)
{
	return lat_mul ? __rdtsc() : ose_time_mono_ns();
}

static void lat_calibrate(void)
{
	uint64_t n0 = ose_time_mono_ns(), c0 = __rdtsc();
	struct timespec ts = {0, 20000000};
	nanosleep(&ts, NULL);
	uint64_t n1 = ose_time_mono_ns(), c1 = __rdtsc();
	/* A TSC that did not advance sensibly (0.1 to 10 GHz) is not used. */
	if (c1 > c0 && (c1 - c0) / 10 < (n1 - n0) * 10 && (c1 - c0) * 10 > (n1 - n0) / 10)
		lat_mul = (uint64_t)(((double)(n1 - n0) / (double)(c1 - c0)) * 4294967296.0);
}
#else
static inline uint64_t lat_ticks(void)
{
	return ose_time_mono_ns();
}

static void lat_calibrate(void)
{
}
#endif

static inline uint64_t lat_ns(uint64_t ticks)
{
	if (!lat_mul)
		return ticks;
	/* mul < 2^34 (>= 0.1 GHz), so a product below 2^64 needs ticks < 2^30
	 * (a second or so); longer stalls take the double path. */
	return ticks < (1ull << 30) ? (ticks * lat_mul) >> 32
				    : (uint64_t)((double)ticks * (double)lat_mul / 4294967296.0);
}

/* One sample of ns into a histogram (hist) and its count, sum and max
 * (csm: three adjacent words, as ose_stats lays out each histogram's). */
static inline void hist_add(uint64_t *hist, uint64_t *csm, uint64_t ns)
{
	cnt_add(&hist[ose_lat_bucket(ns)], 1);
	cnt_add(&csm[0], 1);
	cnt_add(&csm[1], ns);
	if (ns > csm[2])
		STR(&csm[2], ns);
}
OSE_STATIC_ASSERT(offsetof(struct ose_stats, lat_max_ns) == offsetof(struct ose_stats, lat_count) + 16 &&
			  offsetof(struct ose_stats, f2t_max_ns) == offsetof(struct ose_stats, f2t_count) + 16,
		  "each histogram's count, sum and max are adjacent");

static void lat_record(struct ose_stats *st, uint64_t ns)
{
	hist_add(st->lat_hist, &st->lat_count, ns);
}

/* This loop pass's CLOCK_REALTIME, also kept with the tick count it was
 * read at (e->now_rt, e->now_ticks) for f2t_record.  The read is
 * bracketed by two tick reads and taken again (up to three times) if
 * they are more than 2 us apart: a vCPU descheduled between the clock
 * and the ticks would otherwise date every publish of the pass early by
 * that long (seen in the demo: 30 us, publishes "before" their frames). */
static int64_t rt_anchor(struct eng *e)
{
	for (int k = 0;; k++) {
		uint64_t a = lat_ticks();
		int64_t rt = now_rt();
		uint64_t b = lat_ticks();
		if (lat_ns(b - a) < 2000 || k == 2) {
			e->now_rt = rt;
			e->now_ticks = a + (b - a) / 2;
			return rt;
		}
	}
}

/* Frame -> table for a feed event published at tick t1: the realtime
 * clock of this loop pass advanced by the ticks since, less the feed's
 * socket-readable stamp (CLOCK_REALTIME in another process: the only
 * clock both share).  An event without a stamp is not a sample; a stamp
 * later than the publish (the realtime clock stepped) is counted apart,
 * not folded into the histogram. */
static inline void f2t_record(struct eng *e, int64_t recv_ns, uint64_t t1)
{
	if (recv_ns <= 0)
		return;
	struct ose_stats *st = e->t.st;
	int64_t d = e->now_rt + (int64_t)lat_ns(t1 - e->now_ticks) - recv_ns;
	if (d < 0) {
		cnt_add(&st->f2t_clock_back, 1);
		return;
	}
	hist_add(st->f2t_hist, &st->f2t_count, (uint64_t)d);
}

/* Copies a feed record (OSE_EVENT_SIZE bytes) into a journal record: 16
 * bytes a step, inline.  memcpy of this constant size became `rep movsq`,
 * whose start-up cost made it the hot loop's biggest item (perf: a third
 * of hot_loop's samples while draining a full ring). */
static inline void ev_copy(void *dst, const void *src)
{
#ifdef __SSE2__
	_Static_assert(OSE_EVENT_SIZE % 64 == 0, "whole lines");
	char *d = dst;
	const char *s = src;
	for (size_t o = 0; o < OSE_EVENT_SIZE; o += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + o));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + o + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + o + 32));
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + o + 48));
		_mm_storeu_si128((__m128i *)(void *)(d + o), a);
		_mm_storeu_si128((__m128i *)(void *)(d + o + 16), b);
		_mm_storeu_si128((__m128i *)(void *)(d + o + 32), c);
		_mm_storeu_si128((__m128i *)(void *)(d + o + 48), x);
	}
#else
	memcpy(dst, src, OSE_EVENT_SIZE);
#endif
}

/* How many records ahead the hot loop prefetches the journal slot it will
 * fill: the journal ring (64k records of 512 bytes) is far larger than the
 * caches, so each slot is 8 cold lines, last touched by the slow thread
 * on the other core; written without a prefetch their ownership misses
 * fill the store buffer and stall the applies after them. */
#define JRNL_PF_AHEAD 4

/* Prefetches the lines of [p, p + bytes), to write (w: prefetchw) or to
 * read.  Volatile asm: GCC may delete __builtin_prefetch calls (see
 * engine/tbl.c, pf_w). */
static inline void pf_lines(const void *p, size_t bytes, int w)
{
	for (size_t o = 0; o < bytes; o += 64) {
		const char *a = (const char *)p + o;
#if defined(__x86_64__) || defined(__i386__)
		if (w)
			__asm__ volatile("prefetchw (%0)" : : "r"(a));
		else
			__asm__ volatile("prefetcht0 (%0)" : : "r"(a));
#else
		if (w)
			__builtin_prefetch(a, 1, 3);
		else
			__builtin_prefetch(a, 0, 3);
#endif
	}
}

static inline void jrec_prefetch(struct eng *e)
{
	/* The broadcast slot a change JRNL_PF_AHEAD records on will take
	 * (the event ring is as large and as cold as the journal's). */
	const struct ose_bcast_writer *w = &e->bw;
	if (w->slots)
		pf_lines(w->slots + ((w->head + JRNL_PF_AHEAD) & w->mask) * w->slot_size,
			 w->slot_size, 1);
	if (!e->journal_on)
		return;
	pf_lines(ose_spsc_prod_slot(&e->jprod, JRNL_PF_AHEAD), OSE_JREC_SIZE, 1);
}

/* A journal record to fill: the next slot of the journal ring, or a local
 * one when journaling is off. */
static struct ose_jrec *jrec_get(struct eng *e, struct ose_jrec *local)
{
	if (!e->journal_on)
		return local;
	if (ose_spsc_reserve(&e->jprod, 1) == 0) {
		struct ose_wait w;
		struct ose_wait_cfg wc = {200, 50, 2000, 100000};
		ose_wait_init(&w, &wc);
		ose_spsc_reserve_wait(&e->jprod, 1, &w, 0);
	}
	return ose_spsc_prod_slot(&e->jprod, 0);
}

/* Hands j to the slow thread.  Only the magic is set here: the CRC-32C of
 * the 496 bytes (~60 dependent crc32 steps, about 70 ns) is computed by
 * the slow thread before it writes the record (journal_drain), off the hot
 * path.  The ring's commit already publishes a complete record (a restart
 * seals what the dead engine left in the ring the same way). */
static void jrec_commit(struct eng *e, struct ose_jrec *j)
{
	if (!e->journal_on)
		return;
	j->magic = OSE_JREC_MAGIC;
	ose_spsc_commit(&e->jprod, 1);
}

static unsigned poll_ring(struct eng *e, struct ering *r, int64_t now)
{
	/* Feed rings: up to OSE_TBL_PF_AHEAD records past the batch are
	 * peeked (not applied) so that the prefetch pipeline keeps running
	 * into the next batch instead of restarting cold at every one. */
	int pipe = r->kind == OSE_RING_FEED;
	uint32_t np = ose_spsc_peek(&r->cons, e->cfg->batch + (pipe ? OSE_TBL_PF_AHEAD : 0));
	uint32_t n = np < e->cfg->batch ? np : e->cfg->batch;
	if (!n)
		return 0;
	struct ose_state_hdr *h = e->t.hdr;
	struct ose_ring_ent *ent = r->ent;
	STR(&h->in_apply, 1);
	/* The in-apply mark is ordered before every table store of the
	 * batch: a restart that finds it clear may trust the table. */
	ose_shm_fence_release();
	uint64_t t0 = lat_ticks();
	struct ose_jrec local;
	/* Feed records: the prefetch pipeline (tbl.h ose_tbl_pf_*) brings
	 * each record's index line and slot in while the records before it
	 * are applied; at 1M resident orders those are DRAM misses. */
	if (pipe) {
		for (uint32_t i = 0; i < np; i++)
			e->pf_ev[i] = ose_spsc_cons_slot(&r->cons, i);
		/* The previous batch of this ring ran the pipeline's first
		 * stages for the records that start this one: resumed, not
		 * restarted (their hashes kept in the ring's entry). */
		uint32_t have = r->pf_have && r->pf_pos == r->cons.tail ? r->pf_have : 0;
		memcpy(e->pf_h, r->pf_hs, have * sizeof(*e->pf_h));
		ose_tbl_pf_resume(&e->t, e->pf_ev, np, have, e->pf_h);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pos = r->cons.tail + i;
		if (pipe)
			ose_tbl_pf_step(&e->t, e->pf_ev, np, i, e->pf_h);
		if (pos < ent->applied) {
			/* Applied before a restart (the release of the tail
			 * had not happened yet): never twice. */
			cnt_add(&e->t.st->recovery_skipped, 1);
			continue;
		}
		const void *rec = ose_spsc_cons_slot(&r->cons, i);
		struct ose_jrec *j = jrec_get(e, &local);
		j->type = r->kind == OSE_RING_FEED ? OSE_JREC_EVENT : OSE_JREC_CMD;
		j->slot = OSE_NIL;
		j->jseq = e->jseq + 1;
		j->ring = ent->name_hash;
		j->epoch = r->epoch;
		j->pos = pos;
		j->now = now;
		if (r->kind == OSE_RING_FEED) {
			/* The whole record JRNL_PF_AHEAD on (the pipeline's key
			 * stage reads only its key lines): written by a feed
			 * process on another core, its lines come from there or
			 * from L3, and the copy below reads all seven. */
			if (i + JRNL_PF_AHEAD < np)
				pf_lines(e->pf_ev[i + JRNL_PF_AHEAD], OSE_EVENT_SIZE, 0);
			jrec_prefetch(e);
			ev_copy(&j->u.ev, rec);
			if (!j->u.ev.account[0])
				memcpy(j->u.ev.account, r->account, OSE_ACCOUNT_MAX);
		} else {
			memcpy(&j->u.cmd, rec, sizeof(j->u.cmd));
			memset(j->u.raw + sizeof(j->u.cmd), 0, sizeof(j->u.raw) - sizeof(j->u.cmd));
		}
		apply_jrec(e, j, 1, pipe ? e->pf_h[i] : 0);
		uint64_t t1 = lat_ticks();
		lat_record(e->t.st, lat_ns(t1 - t0));
		if (pipe) /* a feed ring */
			f2t_record(e, j->u.ev.recv_ts_ns, t1);
		t0 = t1;
		jrec_commit(e, j);
		e->jseq++;
		STR(&h->journal_seq, e->jseq);
	}
	/* The table and the applied marks are complete before in_apply
	 * clears (pairs with the restart's read of in_apply). */
	__atomic_store_n(&h->in_apply, 0, __ATOMIC_RELEASE);
	if (pipe) {
		r->pf_have = ose_tbl_pf_carry(e->pf_h, np, n);
		memcpy(r->pf_hs, e->pf_h, r->pf_have * sizeof(*e->pf_h));
	}
	ose_spsc_release(&r->cons, n);
	r->pf_pos = r->cons.tail;
	return n;
}

static void hot_internal(struct eng *e, struct xmsg *m, int64_t now)
{
	struct ose_jrec local;
	struct ose_jrec *j;
	switch (m->type) {
	case XM_RING_ADD: {
		struct ering *r = m->p;
		r->ent = ose_tbl_ring(&e->t, r->name, r->epoch, r->kind, r->cons.tail);
		if (!r->ent || e->nact >= MAX_RINGS) {
			elog(e, "ring %s refused: ring table full", r->name);
			struct xmsg back = {.type = XM_RING_PARK, .p = r};
			xq_push(e->h2s, &back);
			return;
		}
		uint64_t head = __atomic_load_n(&r->cons.ctl->prod.head, __ATOMIC_ACQUIRE);
		if (r->ent->applied > head || r->ent->applied + r->cons.capacity < r->cons.tail)
			STR(&r->ent->applied, r->cons.tail); /* not the ring we knew */
		STR(&r->ent->producer_pid, r->cons.ctl->prod.pid);
		e->act[e->nact++] = r;
		cnt_add(&e->t.st->rings_attached, 1);
		elog(e, "polling %s (tail %llu, applied %llu)", r->name,
		     (unsigned long long)r->cons.tail, (unsigned long long)r->ent->applied);
		return;
	}
	case XM_STUCK:
		STR(&e->t.hdr->in_apply, 1);
		ose_shm_fence_release();
		j = jrec_get(e, &local);
		memset(j, 0, sizeof(*j));
		j->type = OSE_JREC_STUCK;
		j->slot = m->slot;
		j->jseq = e->jseq + 1;
		j->now = now;
		memcpy(j->u.client_id, m->cmd.client_id, OSE_ID_MAX);
		apply_jrec(e, j, 1, 0);
		jrec_commit(e, j);
		e->jseq++;
		STR(&e->t.hdr->journal_seq, e->jseq);
		__atomic_store_n(&e->t.hdr->in_apply, 0, __ATOMIC_RELEASE);
		return;
	case XM_LOOKUP_ANS:
		cnt_add(&e->t.st->lookup_not_found_local, 1);
		publish_lookup(e, &m->cmd, OSE_NIL, 0, 1, now);
		return;
	default:
		return;
	}
}

/* The sleep tier of the hot loop: sleep on every active ring's head, so a
 * producer's doorbell (ose_spsc_doorbell after its commit) ends the sleep at
 * once; the tier's sleep length still bounds it for the internal queue. */
static void hot_sleep(struct eng *e, struct ose_wait *w)
{
	struct ose_wait_word ww[OSE_WAIT_WORDS_MAX];
	unsigned n = 0;
	for (unsigned i = 0; i < e->nact && n < OSE_WAIT_WORDS_MAX; i++)
		ww[n++] = ose_spsc_wait_word(&e->act[i]->cons);
	ose_wait_sleep_on(w, ww, e->nact <= OSE_WAIT_WORDS_MAX ? n : 0);
}

static void hot_loop(struct eng *e, volatile sig_atomic_t *stop)
{
	struct ose_wait w;
	struct ose_wait_cfg wc;
	switch (e->cfg->wait) {
	case OSE_WAITM_SPIN: wc = OSE_WAIT_CFG_SPIN; break;
	case OSE_WAITM_YIELD: wc = (struct ose_wait_cfg){200, UINT32_MAX, 0, 0}; break;
	case OSE_WAITM_SLEEP: wc = (struct ose_wait_cfg){0, 0, 1000, 200000}; break;
	default:
		/* Engine + at least one feed + one strategy poll: on a small
		 * shared machine this picks spin -> yield -> sleep. */
		ose_wait_cfg_default(&wc, 3, e->cfg->cpu >= 0);
		break;
	}
	ose_wait_init(&w, &wc);
	uint64_t last_hb = 0;
	while (!*stop) {
		int64_t now = rt_anchor(e);
		unsigned work = 0;
		for (unsigned i = 0; i < e->nact; i++) {
			struct ering *r = e->act[i];
			unsigned n = poll_ring(e, r, now);
			work += n;
			if (!n && __atomic_load_n(&r->gone, __ATOMIC_ACQUIRE) &&
			    ose_spsc_peek(&r->cons, 1) == 0) {
				/* Producer gone and its ring drained: stop
				 * polling (the slow path parks it). */
				STR(&r->ent->state, (uint32_t)OSE_RS_DRAINED);
				cnt_add(&e->t.st->rings_detached, 1);
				e->act[i--] = e->act[--e->nact];
				struct xmsg m = {.type = XM_RING_PARK, .p = r};
				xq_push(e->h2s, &m);
				elog(e, "drained %s, producer gone", r->name);
			}
		}
		struct xmsg m;
		for (int k = 0; k < 64 && xq_pop(e->s2h, &m); k++) {
			hot_internal(e, &m, now);
			work++;
		}
		uint64_t mono = ose_time_mono_ns();
		if (mono - last_hb > 1000000) {
			ose_seg_heartbeat(&e->state_seg);
			STR(&e->t.hdr->heartbeat_ns, now);
			ose_bcast_writer_heartbeat(&e->bw);
			for (unsigned i = 0; i < e->nact; i++)
				ose_spsc_cons_heartbeat(&e->act[i]->cons);
			last_hb = mono;
		}
		if (work)
			ose_wait_reset(&w);
		else if (!ose_wait_will_sleep(&w))
			ose_wait_idle(&w);
		else
			hot_sleep(e, &w);
	}
}

/* ---- slow path ---------------------------------------------------------- */

static uint64_t journal_drain(struct eng *e, unsigned max)
{
	if (!e->journal_on)
		return 0;
	uint64_t total = 0;
	while (max--) {
		uint32_t n = ose_spsc_peek(&e->jcons, 256);
		if (!n)
			break;
		/* Records are contiguous up to the ring's wrap point. */
		uint64_t idx = e->jcons.tail & e->jcons.mask;
		uint32_t run = n;
		if (idx + run > e->jcons.capacity)
			run = (uint32_t)(e->jcons.capacity - idx);
		/* The records are this (consumer) thread's until released: seal
		 * them in place (jrec_commit leaves the CRC to us). */
		struct ose_jrec *r = (struct ose_jrec *)(uintptr_t)ose_spsc_cons_slot(&e->jcons, 0);
		for (uint32_t i = 0; i < run; i++)
			ose_jrec_seal(&r[i]);
		int rc = ose_jrnl_append(e->jfd, r, run);
		if (rc) {
			cnt_add(&e->t.st->journal_errors, 1);
			elog(e, "journal write failed: %s", strerror(-rc));
			break;
		}
		e->jfile_seq = r[run - 1].jseq;
		ose_spsc_release(&e->jcons, run);
		cnt_add(&e->t.st->journal_records, run);
		cnt_add(&e->t.st->journal_bytes, (uint64_t)run * OSE_JREC_SIZE);
		total += run;
	}
	return total;
}

struct scan_ctx {
	struct eng *e;
	size_t feed_pfx, cmd_pfx;
	char feed[OSE_SEG_NAME_MAX], cmd[OSE_SEG_NAME_MAX];
};

static int scan_fn(const char *name, void *arg)
{
	struct scan_ctx *sc = arg;
	struct eng *e = sc->e;
	uint32_t kind;
	if (!strncmp(name, sc->feed, sc->feed_pfx))
		kind = OSE_RING_FEED;
	else if (!strncmp(name, sc->cmd, sc->cmd_pfx))
		kind = OSE_RING_CMD;
	else
		return 0;
	for (unsigned i = 0; i < e->nall; i++)
		if (!strcmp(e->all[i]->name, name))
			return 0;
	if (e->nall >= MAX_RINGS)
		return 0;
	struct ering *r = calloc(1, sizeof(*r));
	if (!r)
		return 0;
	int rc = ose_spsc_attach(&r->seg, name, OSE_SEG_F_WRITE);
	if (!rc) {
		uint32_t need = kind == OSE_RING_FEED ? OSE_EVENT_SIZE : OSE_CMD_SIZE;
		if (ose_spsc_ctl_of(&r->seg)->info.slot_size < need)
			rc = -EMSGSIZE;
		else
			rc = ose_spsc_cons_init(&r->cons, &r->seg);
	}
	if (rc) {
		/* Retried at the next scan (a ring being created, a consumer
		 * still holding it); say so once per name change only. */
		ose_seg_close(&r->seg);
		free(r);
		return 0;
	}
	r->kind = kind;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->epoch = r->seg.hdr->created_ns;
	if (kind == OSE_RING_FEED) {
		/* ose.<instance>.feed.<venue>.<account> */
		const char *v = name + sc->feed_pfx;
		const char *dot = strchr(v, '.');
		if (dot) {
			char vn[32];
			size_t l = (size_t)(dot - v) < sizeof(vn) - 1 ? (size_t)(dot - v) : sizeof(vn) - 1;
			memcpy(vn, v, l);
			vn[l] = 0;
			r->venue = (uint8_t)ose_venue_from_name(vn);
			snprintf(r->account, sizeof(r->account), "%s", dot + 1);
		}
	}
	e->all[e->nall++] = r;
	struct xmsg m = {.type = XM_RING_ADD, .p = r};
	if (xq_push(e->s2h, &m)) {
		e->nall--;
		ose_spsc_cons_fini(&r->cons);
		ose_seg_close(&r->seg);
		free(r);
	}
	return 0;
}

static void liveness(struct eng *e)
{
	for (unsigned i = 0; i < e->nall; i++) {
		struct ering *r = e->all[i];
		const struct ose_spsc_ctl *c = r->cons.ctl;
		int32_t pid = LD(&c->prod.pid);
		uint64_t start = LD(&c->prod.start);
		int sup = ose_seg_superseded(&r->seg) != 0;
		int alive = pid > 0 && ose_proc_alive(pid, start);
		if (!r->parked) {
			if (!sup && pid > 0 && !alive && !r->seen_dead) {
				/* Remember the dead producer now: by the time
				 * the hot thread parks the ring, its successor
				 * may have attached, and taking that one for the
				 * dead one would never poll the ring again. */
				r->seen_pid = pid;
				r->seen_start = start;
				r->seen_dead = 1;
			}
			if (sup || (pid > 0 && !alive))
				__atomic_store_n(&r->gone, 1, __ATOMIC_RELEASE);
			continue;
		}
		if (sup) {
			/* Replaced by a new file: forget this mapping, the
			 * next scan attaches the new one. */
			ose_spsc_cons_fini(&r->cons);
			ose_seg_close(&r->seg);
			free(r);
			e->all[i--] = e->all[--e->nall];
			continue;
		}
		if (alive && (pid != r->seen_pid || start != r->seen_start)) {
			r->parked = 0;
			r->seen_dead = 0;
			__atomic_store_n(&r->gone, 0, __ATOMIC_RELEASE);
			struct xmsg m = {.type = XM_RING_ADD, .p = r};
			if (xq_push(e->s2h, &m))
				r->parked = 1;
		}
	}
}

/* The slow thread's nap when it found nothing to do.  It polls: lookups
 * and timers reach it through h2s, journal records through the journal
 * ring, and none of them rings a bell.  Every nap is a timer wakeup on the
 * cores the feeds use (1,700/s at 500 us with 100k events/s, each a
 * context switch into a sender's or a feed's turn), so while nobody has
 * asked for anything it naps 2 ms (the journal ring, 65536 records by
 * default, holds 650 ms at 100k/s); for SLOW_ASK_WINDOW_NS after it last
 * answered a lookup or fired a timer it naps 500 us, the old bound on a
 * lookup's answer for a strategy that is asking.  A first lookup after a
 * quiet spell waits at most SLOW_NAP_IDLE_NS. */
#define SLOW_NAP_BUSY_NS 500000u
#define SLOW_NAP_IDLE_NS 2000000u
#define SLOW_ASK_WINDOW_NS 100000000u
static uint64_t slow_nap_ns(uint64_t now, uint64_t last_ask)
{
	return last_ask && now - last_ask < SLOW_ASK_WINDOW_NS ? SLOW_NAP_BUSY_NS : SLOW_NAP_IDLE_NS;
}

/* A new segment (a feed or a strategy starting) is found within one nap
 * rather than after up to scan_ms: until the engine attaches a feed's
 * ring, everything the feed commits waits there (at 100k events/s and
 * scan_ms 100, up to 10,000 events, each late by up to 100 ms).  Segments
 * appear by link(2) or rename(2) (shm/seg.c), so an inotify watch on the
 * segment directory for IN_CREATE | IN_MOVED_TO says when to scan.
 * Returns the non-blocking inotify fd, or -1 (no inotify, no directory):
 * then only the periodic scan finds new segments, as before. */
static int slow_watch_dir(void)
{
	char dir[256];
	int fd;

	if (ose_seg_dir(dir, sizeof(dir)) < 0)
		return -1;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if the watched directory got a new name since the last call (the
 * events are drained: one scan covers them all), else 0.  A full event
 * queue (IN_Q_OVERFLOW) also reads as 1. */
static int slow_dir_changed(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;

	while (read(fd, buf, sizeof(buf)) > 0)
		changed = 1;
	return changed;
}

static void *slow_main(void *arg)
{
	struct eng *e = arg;
	const struct ose_engine_cfg *cfg = e->cfg;
	struct scan_ctx sc = {.e = e};
	snprintf(sc.feed, sizeof(sc.feed), "ose.%s.feed.", cfg->instance);
	snprintf(sc.cmd, sizeof(sc.cmd), "ose.%s.cmd.", cfg->instance);
	sc.feed_pfx = strlen(sc.feed);
	sc.cmd_pfx = strlen(sc.cmd);
	char pfx[64];
	snprintf(pfx, sizeof(pfx), "ose.%s.", cfg->instance);
	uint64_t last_scan = 0, last_sync = ose_time_mono_ns(), unsynced = 0;
	/* When this thread last answered a lookup or fired a timer: while
	 * that is recent it naps SLOW_NAP_BUSY_NS, otherwise SLOW_NAP_IDLE_NS
	 * (slow_nap_ns). */
	uint64_t last_ask = 0;
	int ino = slow_watch_dir();
	for (;;) {
		int stopping = __atomic_load_n(&e->slow_stop, __ATOMIC_ACQUIRE);
		uint64_t work = journal_drain(e, stopping ? UINT32_MAX : 64);
		unsynced += work;
		uint64_t now = ose_time_mono_ns();
		if (unsynced && e->journal_on &&
		    (cfg->fsync == OSE_FSYNC_ALWAYS ||
		     (cfg->fsync == OSE_FSYNC_BATCH &&
		      now - last_sync >= (uint64_t)cfg->fsync_interval_ms * 1000000u) ||
		     stopping)) {
			if (cfg->fsync != OSE_FSYNC_NONE) {
				if (fdatasync(e->jfd) == 0)
					cnt_add(&e->t.st->journal_fsyncs, 1);
				else
					cnt_add(&e->t.st->journal_errors, 1);
			}
			unsynced = 0;
			last_sync = now;
		}
		if (stopping)
			break;
		struct xmsg m;
		while (xq_pop(e->h2s, &m)) {
			work++;
			switch (m.type) {
			case XM_TIMER:
				if (e->t_head - e->t_tail < TIMER_CAP) {
					struct timer *tm = &e->timers[e->t_head++ % TIMER_CAP];
					tm->due_ns = m.due_ns;
					tm->slot = m.slot;
					memcpy(tm->client_id, m.cmd.client_id, OSE_ID_MAX);
				}
				break;
			case XM_LOOKUP:
				/* REST tier not built yet (a later issue):
				 * the honest answer is "not found locally". */
				m.type = XM_LOOKUP_ANS;
				xq_push(e->s2h, &m);
				last_ask = now;
				break;
			case XM_RING_PARK: {
				struct ering *r = m.p;
				r->parked = 1;
				if (!r->seen_dead) { /* refused, not dead: this producer */
					r->seen_pid = LD(&r->cons.ctl->prod.pid);
					r->seen_start = LD(&r->cons.ctl->prod.start);
				}
				break;
			}
			default:
				break;
			}
		}
		while (e->t_tail != e->t_head && e->timers[e->t_tail % TIMER_CAP].due_ns <= now) {
			struct timer *tm = &e->timers[e->t_tail % TIMER_CAP];
			struct xmsg s = {.type = XM_STUCK, .slot = tm->slot};
			memcpy(s.cmd.client_id, tm->client_id, OSE_ID_MAX);
			if (xq_push(e->s2h, &s))
				break;
			e->t_tail++;
			work++;
			last_ask = now;
		}
		if ((ino >= 0 && slow_dir_changed(ino)) ||
		    now - last_scan >= (uint64_t)cfg->scan_ms * 1000000u) {
			liveness(e);
			ose_seg_list(pfx, scan_fn, &sc);
			last_scan = now;
		}
		if (!work) {
			struct timespec ts = {0, (long)slow_nap_ns(now, last_ask)};
			nanosleep(&ts, NULL);
		}
	}
	if (ino >= 0)
		close(ino);
	return NULL;
}

/* ---- startup and recovery ----------------------------------------------- */

struct replay_ctx {
	struct eng *e;
	uint64_t n;
};

static int replay_fn(const struct ose_jrec *r, void *arg)
{
	struct replay_ctx *rc = arg;
	apply_jrec(rc->e, r, 0, 0);
	rc->e->jseq = r->jseq;
	rc->n++;
	return 0;
}

static void default_journal(const struct ose_engine_cfg *cfg, char *buf, size_t len)
{
	const char *d = getenv("OSE_JOURNAL_DIR");
	if (!d || !*d)
		d = getenv("OSE_SHM_DIR");
	if (!d || !*d)
		d = "/var/tmp";
	snprintf(buf, len, "%s/journal-%s.ose", d, cfg->instance);
}

/* ose_seg_init_fn: formats a fresh state segment (arg: the table config). */
static int state_init(struct ose_seg *seg, void *arg)
{
	struct ose_tbl t;
	return ose_tbl_format(&t, seg->payload, seg->payload_size, arg);
}

static int start(struct eng *e)
{
	const struct ose_engine_cfg *cfg = e->cfg;
	unsigned gflag = cfg->group_read ? OSE_SEG_F_GROUP_READ : 0;
	char name[OSE_SEG_NAME_MAX];
	int rc = ose_seg_name_state(name, sizeof(name), cfg->instance);
	if (rc < 0)
		return rc;
	size_t size = ose_tbl_size(&cfg->tbl);
	if (!size)
		return -EINVAL;
	/* A fresh segment is formatted before it becomes visible under its
	 * name, so a reader never meets an unformatted table (it finds no
	 * segment, or a valid one marked in_apply until recovery ends).
	 * HUGEPAGE asks for transparent huge pages (best effort: it takes
	 * effect where the host's shmem_enabled allows it): at 1M orders the
	 * table spans ~600 MB and every random access is a TLB miss with 4 KiB
	 * pages. */
	rc = ose_seg_create_init(&e->state_seg, name, OSE_SEG_STATE, 0, size,
				 OSE_SEG_F_ADOPT | OSE_SEG_F_HUGEPAGE | gflag, state_init,
				 (void *)&cfg->tbl);
	if (rc < 0) {
		elog(e, "state segment %s: %s", name, ose_seg_strerror(rc));
		return rc;
	}
	int adopted = rc == 1;
	int resume = 0;
	if (adopted && ose_tbl_bind(&e->t, e->state_seg.payload, e->state_seg.payload_size,
				    &cfg->tbl) == 0)
		resume = __atomic_load_n(&e->t.hdr->in_apply, __ATOMIC_ACQUIRE) == 0;

	/* The journal ring (hot -> slow) lives in shm so a kill -9 does not
	 * lose what the slow thread had not written yet. */
	e->journal_on = !cfg->no_journal;
	uint64_t nrec = 0, last = 0;
	struct ose_jrnl_info ji = {0};
	if (e->journal_on) {
		char jname[OSE_SEG_NAME_MAX];
		snprintf(jname, sizeof(jname), "ose.%s.journal", cfg->instance);
		rc = ose_spsc_create(&e->j_seg, jname, OSE_JREC_SIZE, cfg->journal_ring, 0,
				     OSE_SEG_F_ADOPT | gflag, 0);
		if (rc < 0) {
			elog(e, "journal ring %s: %s", jname, ose_seg_strerror(rc));
			return rc;
		}
		if ((rc = ose_spsc_prod_init(&e->jprod, &e->j_seg)) ||
		    (rc = ose_spsc_cons_init(&e->jcons, &e->j_seg)))
			return rc;
		char path[256];
		if (cfg->journal[0])
			snprintf(path, sizeof(path), "%s", cfg->journal);
		else
			default_journal(cfg, path, sizeof(path));
		e->jfd = ose_jrnl_open(path, cfg->group_read, &ji);
		if (e->jfd < 0) {
			elog(e, "journal %s: %s", path, strerror(-e->jfd));
			return e->jfd;
		}
		nrec = ji.nrec;
		last = ji.last_jseq;
		elog(e, "journal %s: %llu records", path, (unsigned long long)nrec);
		if (ji.cut_valid) {
			/* Not a torn tail: the file was damaged before its end.
			 * What follows the damage is kept aside, not replayed
			 * (counted in journal_errors once the table is bound). */
			elog(e, "journal %s: DAMAGED after record %llu: %llu valid records "
				"after it were not replayed; they are saved in %s, 512-byte "
				"records as in the journal (reconcile the venues)",
			     path, (unsigned long long)nrec, (unsigned long long)ji.cut_valid,
			     ji.saved);
		} else if (ji.cut_bytes) {
			elog(e, "journal %s: torn tail of %llu bytes truncated (a write cut "
				"by the crash)", path, (unsigned long long)ji.cut_bytes);
		}
	}
	if (!resume) {
		/* Fresh: formatted by state_init; adopted but not resumable:
		 * formatted again here (magic cleared first, see tbl.c). */
		rc = adopted ? ose_tbl_format(&e->t, e->state_seg.payload,
					      e->state_seg.payload_size, &cfg->tbl)
			     : ose_tbl_bind(&e->t, e->state_seg.payload,
					    e->state_seg.payload_size, &cfg->tbl);
		if (rc)
			return rc;
		e->jseq = 0;
		if (e->journal_on && nrec) {
			struct replay_ctx rcx = {e, 0};
			int64_t n = ose_jrnl_replay(e->jfd, replay_fn, &rcx);
			if (n < 0)
				return (int)n;
			cnt_add(&e->t.st->recoveries_journal, 1);
		}
		elog(e, "state %s: rebuilt (%s), %llu journal records replayed", name,
		     adopted ? "previous engine died mid-batch or layout changed" : "fresh segment",
		     (unsigned long long)e->jseq);
	} else {
		e->jseq = last;
		cnt_add(&e->t.st->recoveries_state, 1);
		elog(e, "state %s: resumed (%llu orders tracked)", name,
		     (unsigned long long)e->t.st->tracked);
	}
	if (ji.cut_valid)
		cnt_add(&e->t.st->journal_errors, 1);
	e->jfile_seq = last;
	/* Records the dead engine committed to the journal ring but had not
	 * written to the file: write them now, and apply them if the table
	 * was rebuilt (a resumed table already holds them). */
	if (e->journal_on) {
		uint32_t n;
		while ((n = ose_spsc_peek(&e->jcons, 256)) > 0) {
			for (uint32_t i = 0; i < n; i++) {
				/* Committed by the dead engine, so complete; sealed
				 * here if its slow thread had not done it yet. */
				struct ose_jrec *r =
					(struct ose_jrec *)(uintptr_t)ose_spsc_cons_slot(&e->jcons, i);
				if (r->magic != OSE_JREC_MAGIC || r->jseq <= e->jfile_seq)
					continue;
				if (r->jseq != e->jfile_seq + 1)
					break;
				ose_jrec_seal(r);
				if ((rc = ose_jrnl_append(e->jfd, r, 1)))
					return rc;
				e->jfile_seq = r->jseq;
				if (!resume) {
					apply_jrec(e, r, 0, 0);
					e->jseq = r->jseq;
				}
			}
			ose_spsc_release(&e->jcons, n);
		}
		if (e->jseq < e->jfile_seq)
			e->jseq = e->jfile_seq;
		fdatasync(e->jfd);
	}
	struct ose_state_hdr *h = e->t.hdr;
	STR(&h->journal_seq, e->jseq);
	STR(&h->clean, 0);
	STR(&h->in_apply, 0);
	STR(&h->engine_pid, (int64_t)getpid());
	STR(&h->epoch, h->epoch + 1);
	/* Rings are re-attached by discovery; none is being polled yet. */
	for (uint64_t i = 0; i < h->rings_used; i++)
		STR(&e->t.rings[i].state, (uint32_t)OSE_RS_FREE);

	if ((rc = ose_seg_name_events(name, sizeof(name), cfg->instance)) < 0)
		return rc;
	rc = ose_bcast_create(&e->ev_seg, name, sizeof(struct ose_update) + 64,
			      cfg->events_capacity, 0, OSE_SEG_F_ADOPT | gflag);
	if (rc < 0) {
		elog(e, "event ring %s: %s", name, ose_seg_strerror(rc));
		return rc;
	}
	if ((rc = ose_bcast_writer_init(&e->bw, &e->ev_seg)))
		return rc;
	return 0;
}

static int timer_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct timer *)a)->due_ns, y = ((const struct timer *)b)->due_ns;
	return x < y ? -1 : x > y;
}

/* Stuck timers live in the slow thread's memory, so a restart (resumed or
 * rebuilt table) arms them again from the table: every registered order
 * still PENDING_NEW and not yet stuck gets the deadline it had (created_ns
 * + timeout, overdue ones fire at once).  Runs before the slow thread
 * starts, so it fills the timer FIFO directly, sorted by deadline as the
 * FIFO requires. */
static void rearm_timers(struct eng *e)
{
	const struct ose_tbl *t = &e->t;
	int64_t rt = now_rt();
	uint64_t mono = ose_time_mono_ns();
	uint64_t tmo = (uint64_t)e->cfg->stuck_timeout_ms * 1000000u;
	uint64_t n = 0, dropped = 0;
	for (uint64_t s = 0; s < t->hdr->slots_used; s++) {
		const struct ose_slot *o = &t->slots[s];
		if (o->venue == OSE_VENUE_NONE || o->status != OSE_ST_PENDING_NEW ||
		    !(o->oflags & OSE_OF_REGISTERED) || (o->oflags & OSE_OF_STUCK))
			continue;
		if (n == TIMER_CAP) {
			dropped++;
			continue;
		}
		int64_t left = o->created_ns + (int64_t)tmo - rt;
		struct timer *tm = &e->timers[n++];
		tm->due_ns = mono + (left > 0 ? (uint64_t)left : 0);
		tm->slot = (uint32_t)s;
		memcpy(tm->client_id, o->client_id, OSE_ID_MAX);
	}
	qsort(e->timers, n, sizeof(*e->timers), timer_cmp);
	e->t_tail = 0;
	e->t_head = n;
	if (n || dropped)
		elog(e, "stuck timers re-armed for %llu pending orders (%llu beyond the timer "
			"capacity not armed)",
		     (unsigned long long)n, (unsigned long long)dropped);
}

int ose_engine_run(const struct ose_engine_cfg *cfg, volatile sig_atomic_t *stop,
		   void (*log)(const char *msg))
{
	struct eng *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = cfg;
	e->log = log;
	e->jfd = -1;
	e->s2h = aligned_alloc(128, sizeof(struct xq));
	e->h2s = aligned_alloc(128, sizeof(struct xq));
	e->timers = calloc(TIMER_CAP, sizeof(struct timer));
	/* The pipeline reads OSE_TBL_PF_AHEAD records past the batch. */
	uint32_t nb = (cfg->batch ? cfg->batch : 1) + OSE_TBL_PF_AHEAD;
	e->pf_ev = calloc(nb, sizeof(*e->pf_ev));
	e->pf_h = calloc(nb, sizeof(*e->pf_h));
	int rc = -ENOMEM;
	if (!e->s2h || !e->h2s || !e->timers || !e->pf_ev || !e->pf_h)
		goto out;
	memset(e->s2h, 0, sizeof(struct xq));
	memset(e->h2s, 0, sizeof(struct xq));
	if ((rc = start(e)))
		goto out;
	rearm_timers(e);
	lat_calibrate();
	/* The CPUs we may run on before pinning: the slow-path thread gets
	 * them minus the hot thread's core (below). */
	cpu_set_t others;
	int have_others = sched_getaffinity(0, sizeof(others), &others) == 0;
	if (cfg->cpu >= 0) {
		int prc = ose_pin_cpu(cfg->cpu);
		if (prc)
			elog(e, "cannot pin to cpu %d: %s", cfg->cpu, strerror(-prc));
	}
	pthread_t slow;
	if ((rc = -pthread_create(&slow, NULL, slow_main, e)))
		goto out;
	/* A thread inherits its creator's affinity: without this the journal
	 * and timer thread would share the pinned (often spinning) hot core
	 * and preempt it.  Where the hot core is the only one allowed, both
	 * stay on it. */
	if (cfg->cpu >= 0 && have_others && cfg->cpu < CPU_SETSIZE) {
		CPU_CLR(cfg->cpu, &others);
		if (CPU_COUNT(&others)) {
			int prc = pthread_setaffinity_np(slow, sizeof(others), &others);
			if (prc)
				elog(e, "cannot keep the slow-path thread off cpu %d: %s", cfg->cpu,
				     strerror(prc));
		}
	}
	elog(e, "engine %s running: capacity %u, executed bound %u", cfg->instance,
	     cfg->tbl.capacity, cfg->tbl.exec_bound);
	e->oor_seen = e->t.st->out_of_range; /* a resumed table's count */
	hot_loop(e, stop);
	__atomic_store_n(&e->slow_stop, 1, __ATOMIC_RELEASE);
	pthread_join(slow, NULL);
	__atomic_store_n(&e->t.hdr->clean, 1, __ATOMIC_RELEASE);
	elog(e, "engine %s stopped: %llu records journaled", cfg->instance,
	     (unsigned long long)e->jfile_seq);
	rc = 0;
out:
	for (unsigned i = 0; i < e->nall; i++) {
		ose_spsc_cons_fini(&e->all[i]->cons);
		ose_seg_close(&e->all[i]->seg);
		free(e->all[i]);
	}
	if (e->jfd >= 0)
		close(e->jfd);
	ose_seg_close(&e->ev_seg);
	ose_seg_close(&e->j_seg);
	ose_seg_close(&e->state_seg);
	free(e->s2h);
	free(e->h2s);
	free(e->timers);
	free(e->pf_ev);
	free(e->pf_h);
	free(e);
	return rc;
}
