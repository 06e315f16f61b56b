/* SPDX-License-Identifier: MIT */
/*
 * ose_spsc: single-producer single-consumer ring of fixed-size records in
 * its own segment (kind OSE_SEG_SPSC; DESIGN §4).  Feeds -> engine and
 * strategies -> engine.
 *
 * Payload layout (offsets from the payload start; 128-byte lines so the
 * adjacent-line prefetcher does not couple the two sides):
 *
 *	  0  struct ose_spsc_ctl.info   constants, written once at creation
 *	128  struct ose_spsc_ctl.prod   written only by the producer (head, ...)
 *	256  struct ose_spsc_ctl.cons   written only by the consumer (tail, ...)
 *	384  slots: capacity * slot_size bytes
 *
 * Indices.  head (records committed) and tail (records released) are
 * free-running 64-bit counters; record i lives in slot (i & mask) and the
 * ring holds head - tail records.  Unsigned subtraction gives the right
 * count even after a counter wraps past 2^64 (it would take 58 years at
 * 1e10 records/s, but rings may start anywhere: see init_index), which is
 * why the overflow of the indices is not a problem and why no `%` is used.
 *
 * Each side keeps a private copy of the other side's index and re-reads
 * the shared one only when its copy says full (producer) or empty
 * (consumer), so in steady state each side touches the other's line once
 * per batch, not once per record.
 *
 * Ordering edges (also in docs/shm.md):
 *	R1 producer commit: store-release head   pairs with A2
 *	A2 consumer peek:   load-acquire head    (slot writes visible before reads)
 *	R2 consumer release: store-release tail  pairs with A1
 *	A1 producer reserve: load-acquire tail   (slot reads finish before reuse)
 *
 * Restart semantics (what "exactly once" means here):
 *  - A producer that dies and restarts re-attaches (ose_spsc_create with
 *    OSE_SEG_F_ADOPT) and continues from the committed head: every record
 *    committed before the crash is delivered once; records it reserved and
 *    wrote but did not commit never existed.
 *  - A consumer that dies and restarts continues from the released tail:
 *    records whose release was published (R2) are never delivered again;
 *    records it had peeked but not released are delivered again.  A
 *    consumer that must not apply a record twice releases each record once
 *    it has durably applied it (or keeps the record's sequence number with
 *    its applied state, as the engine does).
 *
 * Hot-path functions are static inline.  A handle (ose_spsc_prod /
 * ose_spsc_cons) is process-private and used by one thread.
 */
#ifndef OSE_SHM_SPSC_H
#define OSE_SHM_SPSC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/seg.h"
#include "shm/wait.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_SPSC_CTL_SIZE 384
#define OSE_SPSC_SLOT_MAX (1u << 20)
#define OSE_SPSC_CAPACITY_MAX (UINT64_C(1) << 32)

/* Results of the single-record helpers. */
enum ose_spsc_res {
	OSE_SPSC_OK = 0,
	OSE_SPSC_FULL = 1,   /* producer: no free slot now (retry, wait) */
	OSE_SPSC_EMPTY = 2,  /* consumer: nothing committed now */
	OSE_SPSC_TOOBIG = 3, /* record longer than the slot */
};

struct ose_spsc_ctl {
	struct {
		uint32_t slot_size;  /* bytes, multiple of 64 */
		uint32_t _r0;
		uint64_t capacity;   /* slots, power of two */
		uint64_t mask;       /* capacity - 1 */
		uint64_t init_index; /* head == tail == init_index at creation */
		uint64_t slots_off;  /* from the ctl start: OSE_SPSC_CTL_SIZE */
		uint64_t _rsv[11];
	} info;
	struct {
		uint64_t head;         /* committed; store-release at R1 */
		uint64_t full_stalls;  /* waits for space (ose_spsc_reserve_wait) */
		uint64_t heartbeat_ns; /* CLOCK_MONOTONIC (ose_spsc_prod_heartbeat) */
		int32_t pid;           /* current producer, 0 if none yet */
		uint32_t _r1;
		uint64_t start;        /* its start time (see ose_proc_start_time) */
		uint64_t attaches;     /* producer incarnations */
		uint64_t _rsv[10];
	} prod;
	struct {
		uint64_t tail;         /* released; store-release at R2 */
		uint64_t empty_polls;  /* peeks that found nothing after re-reading head */
		uint64_t heartbeat_ns;
		int32_t pid;           /* current consumer, 0 if none yet */
		uint32_t sleeping;     /* nonzero while the consumer sleeps on head (shm/wait.h D1/D2) */
		uint64_t start;
		uint64_t attaches;     /* consumer incarnations */
		uint64_t _rsv[10];
	} cons;
} __attribute__((aligned(128)));

OSE_SHM_STATIC_ASSERT(sizeof(struct ose_spsc_ctl) == OSE_SPSC_CTL_SIZE, "spsc ctl is ABI");
OSE_SHM_STATIC_ASSERT(offsetof(struct ose_spsc_ctl, prod) == 128, "spsc ctl is ABI");
OSE_SHM_STATIC_ASSERT(offsetof(struct ose_spsc_ctl, cons) == 256, "spsc ctl is ABI");

/* Producer handle (process-private). */
struct ose_spsc_prod {
	struct ose_spsc_ctl *ctl;
	uint8_t *slots;
	uint64_t mask;
	uint64_t capacity;
	uint64_t head;       /* == ctl->prod.head (we are its only writer) */
	uint64_t tail_cache; /* last tail read at A1 */
	uint32_t slot_size;
	uint32_t reserved;   /* granted by the last reserve, not yet committed */
};

/* Consumer handle (process-private). */
struct ose_spsc_cons {
	struct ose_spsc_ctl *ctl;
	const uint8_t *slots;
	uint64_t mask;
	uint64_t capacity;
	uint64_t tail;       /* == ctl->cons.tail (we are its only writer) */
	uint64_t head_cache; /* last head read at A2 */
	uint32_t slot_size;
	uint32_t _r;
	struct ose_seg *seg; /* for the consumer lock; not owned */
};

/* A snapshot for tools (ose-dump); fields read relaxed, may be mutually
 * inconsistent by a few records. */
struct ose_spsc_stats {
	uint64_t capacity, head, tail, lag, full_stalls, empty_polls;
	uint64_t records; /* committed since creation: head - init_index */
	uint32_t slot_size;
	int32_t prod_pid, cons_pid;
	int prod_alive, cons_alive; /* ose_proc_alive with the stored start */
	uint64_t prod_heartbeat_ns, cons_heartbeat_ns, prod_attaches, cons_attaches;
};

/* Payload bytes for a ring: OSE_SPSC_CTL_SIZE + capacity * slot_size, or
 * 0 if slot_size is not a non-zero multiple of 64 up to OSE_SPSC_SLOT_MAX
 * or capacity is not a power of two in 2..OSE_SPSC_CAPACITY_MAX. */
size_t ose_spsc_payload_size(uint32_t slot_size, uint64_t capacity);

/*
 * Producer side: creates (or, with OSE_SEG_F_ADOPT, re-attaches to) ring
 * segment `name` with the given slot size, capacity and aux area, and
 * initialises a fresh ring with head = tail = init_index (0 in
 * production; tests start near 2^32 or 2^64).  An adopted ring keeps its
 * indices and records.  Returns 0 (fresh), 1 (adopted) or a negative errno
 * (ose_seg_create's, -EINVAL for bad sizes).  Then call ose_spsc_prod_init.
 */
int ose_spsc_create(struct ose_seg *seg, const char *name, uint32_t slot_size,
		    uint64_t capacity, size_t aux_size, unsigned seg_flags,
		    uint64_t init_index);

/* Consumer or observer side: attaches ring `name` (read-write with
 * OSE_SEG_F_WRITE, which a consumer needs) and validates the control block
 * (sizes, power of two, head - tail <= capacity).  Returns 0 or a negative
 * errno (ose_seg_attach's, OSE_SEG_ELAYOUT for a bad control block). */
int ose_spsc_attach(struct ose_seg *seg, const char *name, unsigned seg_flags);

/* Validates the control block of an attached/created ring segment.
 * Returns 0 or OSE_SEG_ELAYOUT. */
int ose_spsc_validate(const struct ose_seg *seg);

/* The control block of a validated ring segment. */
static inline struct ose_spsc_ctl *ose_spsc_ctl_of(const struct ose_seg *seg)
{
	return (struct ose_spsc_ctl *)seg->payload;
}

/* Binds a producer handle to a created/adopted ring and records this
 * process as producer (pid, start time, heartbeat, attaches + 1).  The
 * segment must be the owner's (seg->owner).  Returns 0 or -EINVAL. */
int ose_spsc_prod_init(struct ose_spsc_prod *p, struct ose_seg *seg);

/* Binds a consumer handle to a writable attached ring and takes the
 * consumer lock (OFD lock on byte 1 of the file, dropped by the kernel when
 * this process dies).  Returns 0, -EBUSY if a live consumer holds it,
 * -EACCES if the mapping is read-only, or -EINVAL. */
int ose_spsc_cons_init(struct ose_spsc_cons *c, struct ose_seg *seg);

/* Drops the consumer lock (also dropped by ose_seg_close). */
void ose_spsc_cons_fini(struct ose_spsc_cons *c);

/* ---- producer hot path ------------------------------------------------ */

/* Reserves up to `want` slots (want >= 1).  Returns how many were granted:
 * 0 means FULL; fewer than want means that is all the room there is.  The
 * slots are ose_spsc_prod_slot(p, 0 .. granted-1); they are invisible to
 * the consumer until ose_spsc_commit.  A new reserve replaces an
 * uncommitted one (same slots). */
static inline uint32_t ose_spsc_reserve(struct ose_spsc_prod *p, uint32_t want)
{
	uint64_t used = p->head - p->tail_cache;
	uint64_t free_ = p->capacity - used;

	if (free_ < want) {
		/* A1: pairs with the consumer's store-release of tail at R2: the
		 * consumer has finished reading every slot below tail before we
		 * overwrite it. */
		p->tail_cache = __atomic_load_n(&p->ctl->cons.tail, __ATOMIC_ACQUIRE);
		free_ = p->capacity - (p->head - p->tail_cache);
	}
	p->reserved = (uint32_t)(free_ < want ? free_ : want);
	return p->reserved;
}

/* Slot i (0-based) of the current reservation: slot_size writable bytes. */
static inline void *ose_spsc_prod_slot(const struct ose_spsc_prod *p, uint32_t i)
{
	return p->slots + ((p->head + i) & p->mask) * p->slot_size;
}

/* Publishes the first n (<= granted) reserved slots, in order. */
static inline void ose_spsc_commit(struct ose_spsc_prod *p, uint32_t n)
{
	p->head += n;
	p->reserved = 0;
	/* R1: pairs with the consumer's load-acquire of head at A2: the slot
	 * contents written above are visible before the new head is. */
	__atomic_store_n(&p->ctl->prod.head, p->head, __ATOMIC_RELEASE);
}

/* After a commit: wake the consumer if it sleeps on this ring (the
 * doorbell of shm/wait.h: a futex wake only then, a fence and a load
 * otherwise).  Call it when the consumer may sleep in ose_wait_sleep_on
 * with ose_spsc_wait_word. */
static inline void ose_spsc_doorbell(const struct ose_spsc_prod *p)
{
	ose_wait_doorbell(&p->ctl->prod.head, &p->ctl->cons.sleeping);
}

/* Copies one record of len <= slot_size bytes (the rest of the slot is
 * left as it was) and commits it.  OSE_SPSC_OK, FULL or TOOBIG. */
static inline enum ose_spsc_res ose_spsc_push(struct ose_spsc_prod *p, const void *rec,
					      size_t len)
{
	if (ose_unlikely(len > p->slot_size))
		return OSE_SPSC_TOOBIG;
	if (ose_unlikely(ose_spsc_reserve(p, 1) == 0))
		return OSE_SPSC_FULL;
	memcpy(ose_spsc_prod_slot(p, 0), rec, len);
	ose_spsc_commit(p, 1);
	return OSE_SPSC_OK;
}

/* ---- consumer hot path ------------------------------------------------ */

/* This ring as one word for ose_wait_sleep_on: its head, what the consumer
 * has released, and the consumer's sleeping word that ose_spsc_doorbell
 * reads (so the producer's commit ends the sleep). */
static inline struct ose_wait_word ose_spsc_wait_word(struct ose_spsc_cons *c)
{
	struct ose_wait_word w = { &c->ctl->prod.head, c->tail, &c->ctl->cons.sleeping };
	return w;
}

/* Returns how many committed records (up to max) can be read now: 0 means
 * EMPTY.  They are ose_spsc_cons_slot(c, 0 .. n-1), oldest first, and stay
 * valid until ose_spsc_release. */
static inline uint32_t ose_spsc_peek(struct ose_spsc_cons *c, uint32_t max)
{
	uint64_t avail = c->head_cache - c->tail;

	if (avail == 0) {
		/* A2: pairs with the producer's store-release of head at R1:
		 * slots below the head we read are fully written. */
		c->head_cache = __atomic_load_n(&c->ctl->prod.head, __ATOMIC_ACQUIRE);
		avail = c->head_cache - c->tail;
		if (avail == 0) {
			/* Relaxed: a statistic, only this thread writes it. */
			__atomic_store_n(&c->ctl->cons.empty_polls,
					 __atomic_load_n(&c->ctl->cons.empty_polls, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
			return 0;
		}
	}
	return (uint32_t)(avail < max ? avail : max);
}

/* Record i (0-based) of the current peek. */
static inline const void *ose_spsc_cons_slot(const struct ose_spsc_cons *c, uint32_t i)
{
	return c->slots + ((c->tail + i) & c->mask) * c->slot_size;
}

/* Gives the first n peeked records back to the producer.  After this their
 * slots may be overwritten and, across a consumer restart, they are never
 * delivered again. */
static inline void ose_spsc_release(struct ose_spsc_cons *c, uint32_t n)
{
	c->tail += n;
	/* R2: pairs with the producer's load-acquire of tail at A1: our reads
	 * of the released slots happen before the producer may reuse them. */
	__atomic_store_n(&c->ctl->cons.tail, c->tail, __ATOMIC_RELEASE);
}

/* Copies the oldest record's first len bytes to out and releases it.
 * OSE_SPSC_OK, EMPTY or TOOBIG (len > slot_size; nothing consumed). */
static inline enum ose_spsc_res ose_spsc_pop(struct ose_spsc_cons *c, void *out, size_t len)
{
	if (ose_unlikely(len > c->slot_size))
		return OSE_SPSC_TOOBIG;
	if (ose_spsc_peek(c, 1) == 0)
		return OSE_SPSC_EMPTY;
	memcpy(out, ose_spsc_cons_slot(c, 0), len);
	ose_spsc_release(c, 1);
	return OSE_SPSC_OK;
}

/* ---- slow path (spsc.c) ---------------------------------------------- */

/* Like ose_spsc_reserve, but when the ring is full waits with w until at
 * least one slot is free, counting one full-stall in the ring per call that
 * had to wait.  timeout_ns 0 = wait forever.  Returns the number granted
 * (>= 1) or -ETIMEDOUT.  Nothing is ever dropped. */
int ose_spsc_reserve_wait(struct ose_spsc_prod *p, uint32_t want, struct ose_wait *w,
			  uint64_t timeout_ns);

/* ose_spsc_push that waits instead of returning FULL.  Returns 0,
 * -ETIMEDOUT or -EMSGSIZE (len > slot_size). */
int ose_spsc_push_wait(struct ose_spsc_prod *p, const void *rec, size_t len,
		       struct ose_wait *w, uint64_t timeout_ns);

/* Like ose_spsc_peek, waiting with w until something arrives.  Returns
 * n >= 1 or -ETIMEDOUT. */
int ose_spsc_peek_wait(struct ose_spsc_cons *c, uint32_t max, struct ose_wait *w,
		       uint64_t timeout_ns);

/* Heartbeats: store CLOCK_MONOTONIC now in the side's heartbeat_ns. */
void ose_spsc_prod_heartbeat(struct ose_spsc_prod *p);
void ose_spsc_cons_heartbeat(struct ose_spsc_cons *c);

/* Snapshot for tools.  Works on a read-only mapping. */
void ose_spsc_stats(const struct ose_seg *seg, struct ose_spsc_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_SPSC_H */
