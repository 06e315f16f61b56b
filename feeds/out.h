/* SPDX-License-Identifier: MIT */
/*
 * The feed's ring: an SPSC ring segment (shm/spsc.h) named
 * ose.<instance>.feed.<venue>.<account>, slots of sizeof(struct ose_event),
 * with struct ose_feed_stats in its aux area.  Implements the sink of
 * feed.h: ring slots lent to the adapter and one commit per batch
 * (reserve/commit), or one reserve + copy + commit per batch (publish);
 * either way waiting (never dropping) while the ring is full.
 *
 * A restarted feed adopts its ring (OSE_SEG_F_ADOPT): records committed
 * before the restart are kept for the engine, and event sequence numbers
 * continue from the last committed record, so seq stays gap-free per ring
 * across feed restarts.  The stats block is re-initialised per process
 * (counters are per run; sessions/reconnects start again at 0).
 */
#ifndef OSE_FEEDS_OUT_H
#define OSE_FEEDS_OUT_H

#include <signal.h>
#include <stdint.h>

#include "feeds/feed.h"
#include "shm/seg.h"
#include "shm/spsc.h"
#include "shm/wait.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_FEED_RING_CAPACITY 65536u

struct ose_feed_ring {
	struct ose_seg seg;
	struct ose_spsc_prod prod;
	struct ose_wait wait;
	struct ose_feed_stats *stats; /* in seg's aux area */
	uint64_t last_seq;            /* seq of the last committed record (adopted rings) */
	uint32_t feed_id;             /* FNV-1a of the segment name */
	int adopted;
	/* If set, a publish waiting on a full ring gives up (-ECANCELED) once
	 * *stop is non-zero, so a feed whose engine is gone still stops on
	 * SIGTERM.  Checked every 100 ms of waiting. */
	volatile sig_atomic_t *stop;
};

/*
 * Create or adopt the ring for (instance, venue, account) with capacity
 * slots (power of two; 0: OSE_FEED_RING_CAPACITY) and initialise the stats
 * block.  Returns 0 or a negative errno (ose_spsc_create's; -EBUSY when
 * another live feed owns the ring).
 */
int ose_feed_ring_open(struct ose_feed_ring *r, const char *instance, enum ose_venue venue,
		       const char *account, uint64_t capacity);
void ose_feed_ring_close(struct ose_feed_ring *r);

/* feed.h sink callbacks; ctx is the struct ose_feed_ring. */
int ose_feed_ring_publish(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls);
void ose_feed_ring_tick(void *ctx);
/* The in-place pair (feed.h): reserve lends up to want contiguous slots,
 * never past the end of the ring (the adapter writes events as one array),
 * waiting while the ring is full; returns how many (>= 1) or -ECANCELED
 * (stop requested while full) / the wait's error.  commit publishes the
 * first n with one release store of head, then rings the doorbell. */
int ose_feed_ring_reserve(void *ctx, uint32_t want, struct ose_event **slots, uint64_t *stalls);
int ose_feed_ring_commit(void *ctx, uint32_t n);

/* Wait until the consumer has released everything committed, or
 * timeout_ms passed, or no live consumer is attached.  Returns 0 when
 * drained, -ETIMEDOUT, or -ENOTCONN when there is no consumer. */
int ose_feed_ring_drain(struct ose_feed_ring *r, uint64_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_OUT_H */
