/* SPDX-License-Identifier: MIT */
/*
 * ose_bcast: single-writer broadcast ring in its own segment (kind
 * OSE_SEG_BCAST; DESIGN §4): engine -> any number of strategies.  Readers
 * map it PROT_READ and keep private cursors; the writer never looks at
 * them, so a slow or dead reader cannot slow the engine.  A reader that
 * falls more than a ring behind is told it was overrun, learns exactly how
 * many records it lost, and resumes at the oldest record still safe to
 * read (Disruptor/Aeron style).
 *
 * Payload layout (offsets from the payload start):
 *
 *	  0  struct ose_bcast_ctl.info    constants, written once
 *	128  struct ose_bcast_ctl.wr      writer: head, pid, heartbeat
 *	256  slots: capacity * slot_size bytes; each slot is
 *	     [ uint64 sw | record words (slot_size - 8 bytes) ]
 *
 * Record n (0-based, free-running 64-bit like the SPSC indices) lives in
 * slot n & mask.  The slot word sw is a per-slot seqlock that also names
 * the record: sw = 2(n+1) when record n is complete, 2(n+1)+1 while it is
 * being written, 0 if the slot was never written.  A reader expecting
 * record n in that slot compares sw with 2(n+1) before and after copying
 * the words (relaxed atomic word loads), so a torn record is never
 * returned: a changed sw means the writer lapped us.
 *
 * Ordering edges (also in docs/shm.md):
 *	B1 writer: sw odd (relaxed) + fence(release)   pairs with B4
 *	B2 writer: sw = 2(n+1) (release)               pairs with B3
 *	B3 reader: load-acquire sw                     (record words visible)
 *	B4 reader: fence(acquire), re-load sw          (detects lapping)
 *	B5 writer: store-release head = n + 1          pairs with B6
 *	B6 reader: load-acquire head                   (resync, lag, "from newest")
 */
#ifndef OSE_SHM_BCAST_H
#define OSE_SHM_BCAST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/seg.h"
#include "shm/seqlock.h" /* fence and word-order macros (TSan form) */
#include "shm/wait.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_BCAST_CTL_SIZE 256
#define OSE_BCAST_SLOT_MAX (1u << 16)
/* Slot size for records of rec_bytes (multiple of 8): the 8-byte slot word
 * plus the record, rounded up to a cache line.  struct ose_event (448 B)
 * -> 512. */
#define OSE_BCAST_SLOT_FOR(rec_bytes) ((((rec_bytes) + 8u) + 63u) & ~63u)

enum ose_bcast_res {
	OSE_BCAST_OK = 0,      /* a record was copied; cursor advanced */
	OSE_BCAST_EMPTY = 1,   /* the next record is not published yet */
	OSE_BCAST_OVERRUN = 2, /* lapped: *lost records skipped, cursor resynced */
	OSE_BCAST_TOOBIG = 3,  /* len > record size (ose_bcast_rec_size) */
};

/* Where a new reader starts. */
enum ose_bcast_from {
	OSE_BCAST_FROM_OLDEST = 0, /* the oldest record still in the ring */
	OSE_BCAST_FROM_NEWEST = 1, /* the next record published */
};

struct ose_bcast_ctl {
	struct {
		uint32_t slot_size; /* bytes incl. the 8-byte sw; multiple of 64 */
		uint32_t rec_size;  /* slot_size - 8 */
		uint64_t capacity;  /* power of two */
		uint64_t mask;
		uint64_t slots_off; /* from the ctl start: OSE_BCAST_CTL_SIZE */
		uint64_t _rsv[12];
	} info;
	struct {
		uint64_t head;         /* records published; store-release at B5 */
		uint64_t heartbeat_ns;
		int32_t pid;
		uint32_t _r1;
		uint64_t start;
		uint64_t attaches;
		uint64_t _rsv[11];
	} wr;
} __attribute__((aligned(128)));

OSE_SHM_STATIC_ASSERT(sizeof(struct ose_bcast_ctl) == OSE_BCAST_CTL_SIZE, "bcast ctl is ABI");

/* Writer handle (process-private). */
struct ose_bcast_writer {
	struct ose_bcast_ctl *ctl;
	uint8_t *slots;
	uint64_t mask;
	uint64_t head;
	uint32_t slot_size;
	uint32_t rec_size;
};

/* Reader handle (process-private; any number per ring). */
struct ose_bcast_reader {
	const struct ose_bcast_ctl *ctl;
	const uint8_t *slots;
	uint64_t mask;
	uint64_t capacity;
	uint64_t cursor;   /* next record number to read */
	uint64_t lost;     /* total records lost to overruns */
	uint64_t overruns; /* times overrun */
	uint32_t slot_size;
	uint32_t rec_size;
};

/* Payload bytes: OSE_BCAST_CTL_SIZE + capacity * slot_size, or 0 if
 * slot_size is not a multiple of 64 in 64..OSE_BCAST_SLOT_MAX or capacity
 * not a power of two in 2..2^32. */
size_t ose_bcast_payload_size(uint32_t slot_size, uint64_t capacity);

/* Writer: creates (or adopts, with OSE_SEG_F_ADOPT: records and head kept)
 * the ring segment.  Returns 0 fresh, 1 adopted, negative errno. */
int ose_bcast_create(struct ose_seg *seg, const char *name, uint32_t slot_size,
		     uint64_t capacity, size_t aux_size, unsigned seg_flags);

/* Reader: attaches read-only (seg_flags usually 0) and validates.
 * Returns 0 or a negative errno (OSE_SEG_ELAYOUT for a bad ctl). */
int ose_bcast_attach(struct ose_seg *seg, const char *name, unsigned seg_flags);

int ose_bcast_validate(const struct ose_seg *seg);

/* Writer handle on the owner's segment; records pid/start/heartbeat.
 * Returns 0 or -EINVAL. */
int ose_bcast_writer_init(struct ose_bcast_writer *w, struct ose_seg *seg);

/* Reader handle; works on a PROT_READ mapping.  Returns 0 or -EINVAL. */
int ose_bcast_reader_init(struct ose_bcast_reader *r, const struct ose_seg *seg,
			  enum ose_bcast_from from);

static inline uint32_t ose_bcast_rec_size(const struct ose_bcast_writer *w)
{
	return w->rec_size;
}

/* Writer: publishes one record of len bytes (len <= rec_size, a multiple
 * of 8; the slot's remaining words are zeroed).  Never waits.  Returns 0
 * or -EINVAL. */
static inline int ose_bcast_publish(struct ose_bcast_writer *w, const void *rec, size_t len)
{
	if (ose_unlikely(len > w->rec_size || (len & 7)))
		return -EINVAL;

	uint64_t n = w->head;
	uint64_t *sw = (uint64_t *)(w->slots + (n & w->mask) * w->slot_size);
	uint64_t *words = sw + 1;
	const unsigned char *src = (const unsigned char *)rec;
	size_t nw = len / 8, tot = w->rec_size / 8;

	__atomic_store_n(sw, ((n + 1) << 1) | 1, __ATOMIC_RELAXED);
	/* B1: the odd sw is ordered before the word stores below; pairs with
	 * the reader's acquire fence at B4, so a reader that copied any new
	 * word sees sw changed. */
	ose_shm_fence_release();
	/* Unrolled: len is a constant at the engine's call (ose_update, 32
	 * words), where the loop cost ~5 instructions a word. */
#pragma GCC unroll 32
	for (size_t i = 0; i < nw; i++) {
		uint64_t v;

		memcpy(&v, src + 8 * i, 8);
		__atomic_store_n(&words[i], v, OSE_SHM_WORD_STORE);
	}
	for (size_t i = nw; i < tot; i++)
		__atomic_store_n(&words[i], 0, OSE_SHM_WORD_STORE);
	/* B2: publishes the words; pairs with the reader's load-acquire at B3. */
	__atomic_store_n(sw, (n + 1) << 1, __ATOMIC_RELEASE);
	w->head = n + 1;
	/* B5: pairs with B6; only resync and lag use head, records are found
	 * through their slot word. */
	__atomic_store_n(&w->ctl->wr.head, w->head, __ATOMIC_RELEASE);
	return 0;
}

/* Reader, out of line: classify a slot that did not hold the expected
 * record and resync on overrun.  Internal to ose_bcast_read. */
enum ose_bcast_res ose_bcast_read_slow(struct ose_bcast_reader *r, uint64_t sw, uint64_t *lost);

/*
 * Reader: copies the next record's first len bytes (len <= rec_size,
 * multiple of 8) to out and advances the cursor.  Returns
 *  OSE_BCAST_OK       record copied, consistent (never torn);
 *  OSE_BCAST_EMPTY    nothing new yet (out untouched... or scribbled: do
 *                     not use it);
 *  OSE_BCAST_OVERRUN  the writer lapped us: *lost (if non-NULL) is the
 *                     exact number of records skipped, the cursor now
 *                     points at the oldest safe record; call again;
 *  OSE_BCAST_TOOBIG   bad len.
 * The sum of records returned OK and of every *lost equals the records the
 * writer published after the reader's start point.
 */
static inline enum ose_bcast_res ose_bcast_read(struct ose_bcast_reader *r, void *out, size_t len,
						uint64_t *lost)
{
	if (ose_unlikely(len > r->rec_size || (len & 7)))
		return OSE_BCAST_TOOBIG;

	const uint64_t *sw = (const uint64_t *)(r->slots + (r->cursor & r->mask) * r->slot_size);
	const uint64_t *words = sw + 1;
	uint64_t want = (r->cursor + 1) << 1;
	/* B3: pairs with the writer's store-release at B2. */
	uint64_t s = __atomic_load_n(sw, __ATOMIC_ACQUIRE);

	if (ose_likely(s == want)) {
		unsigned char *dst = (unsigned char *)out;

		for (size_t i = 0; i < len / 8; i++) {
			uint64_t v = __atomic_load_n(&words[i], OSE_SHM_WORD_LOAD);

			memcpy(dst + 8 * i, &v, 8);
		}
		/* B4: the word loads above happen before the re-load of sw;
		 * pairs with the writer's release fence at B1. */
		ose_shm_fence_acquire();
		s = __atomic_load_n(sw, __ATOMIC_RELAXED);
		if (ose_likely(s == want)) {
			r->cursor++;
			return OSE_BCAST_OK;
		}
	}
	return ose_bcast_read_slow(r, s, lost);
}

/* Records published so far (B6 load). */
static inline uint64_t ose_bcast_head(const struct ose_bcast_ctl *ctl)
{
	return __atomic_load_n(&ctl->wr.head, __ATOMIC_ACQUIRE);
}

/* Records published but not yet read by r (may exceed capacity if r was
 * lapped). */
static inline uint64_t ose_bcast_lag(const struct ose_bcast_reader *r)
{
	return ose_bcast_head(r->ctl) - r->cursor;
}

void ose_bcast_writer_heartbeat(struct ose_bcast_writer *w);

/* A snapshot for tools (ose-dump).  Works on a read-only mapping. */
struct ose_bcast_stats {
	uint64_t capacity, head, heartbeat_ns, attaches;
	uint32_t slot_size, rec_size;
	int32_t writer_pid;
	int writer_alive; /* ose_proc_alive with the stored start time */
};
void ose_bcast_stats(const struct ose_seg *seg, struct ose_bcast_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_BCAST_H */
