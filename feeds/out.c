/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "feeds/out.h"

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

int ose_feed_ring_open(struct ose_feed_ring *r, const char *instance, enum ose_venue venue,
		       const char *account, uint64_t capacity)
{
	char name[OSE_SEG_NAME_MAX];
	struct ose_wait_cfg wc;
	int n, a;

	memset(r, 0, sizeof(*r));
	r->seg.fd = -1;
	n = ose_seg_name_feed(name, sizeof(name), instance, ose_venue_name(venue), account);
	if (n < 0)
		return n;
	a = ose_spsc_create(&r->seg, name, sizeof(struct ose_event),
			    capacity ? capacity : OSE_FEED_RING_CAPACITY,
			    sizeof(struct ose_feed_stats), OSE_SEG_F_ADOPT, 0);
	if (a < 0)
		return a;
	r->adopted = a == 1;
	n = ose_spsc_prod_init(&r->prod, &r->seg);
	if (n < 0) {
		ose_seg_close(&r->seg);
		return n;
	}
	if (r->adopted && r->prod.head != ose_spsc_ctl_of(&r->seg)->info.init_index) {
		/* Continue the sequence after the last committed record. */
		const struct ose_event *last =
			(const void *)(r->prod.slots + ((r->prod.head - 1) & r->prod.mask) *
							   r->prod.slot_size);
		r->last_seq = last->seq;
	}
	r->feed_id = fnv1a(name);
	r->stats = r->seg.aux;
	ose_feed_stats_init(r->stats, venue, r->feed_id);
	/* The feed shares cores with the engine on small machines: spin a
	 * little, then yield/sleep (shm/wait.h picks by CPU count). */
	ose_wait_cfg_default(&wc, 2, 0);
	ose_wait_init(&r->wait, &wc);
	return 0;
}

void ose_feed_ring_close(struct ose_feed_ring *r)
{
	ose_seg_close(&r->seg);
}

/* Reserve up to want slots, waiting while the ring is full: in 100 ms
 * slices so a stop request is seen even if the consumer never returns.
 * Returns the number granted (>= 1) or a negative errno. */
static int reserve(struct ose_feed_ring *r, uint32_t want, uint64_t *stalls)
{
	int got = (int)ose_spsc_reserve(&r->prod, want);

	if (got > 0)
		return got;
	(*stalls)++;
	while ((got = ose_spsc_reserve_wait(&r->prod, want, &r->wait, 100000000u)) == -ETIMEDOUT) {
		if (r->stop && *r->stop)
			return -ECANCELED;
	}
	if (got > 0)
		ose_wait_reset(&r->wait);
	return got;
}

int ose_feed_ring_reserve(void *ctx, uint32_t want, struct ose_event **slots, uint64_t *stalls)
{
	struct ose_feed_ring *r = ctx;
	/* Slots up to the end of the ring are contiguous; past it the next
	 * reservation starts at slot 0. */
	uint64_t to_end = r->prod.mask + 1 - (r->prod.head & r->prod.mask);
	int got = reserve(r, want < to_end ? want : (uint32_t)to_end, stalls);

	if (got > 0)
		*slots = ose_spsc_prod_slot(&r->prod, 0);
	return got;
}

int ose_feed_ring_commit(void *ctx, uint32_t n)
{
	struct ose_feed_ring *r = ctx;

	/* One release store of head for the batch (spsc.h R1), then the
	 * engine's doorbell, which makes a syscall only if the engine says
	 * it is asleep on this ring (shm/wait.h). */
	ose_spsc_commit(&r->prod, n);
	ose_spsc_doorbell(&r->prod);
	/* The next event goes into the slot after these. */
	ose_feed_prefetch_event(ose_spsc_prod_slot(&r->prod, 0));
	return 0;
}

int ose_feed_ring_publish(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls)
{
	struct ose_feed_ring *r = ctx;

	while (n) {
		int got = reserve(r, n, stalls);

		if (got < 0)
			return got;
		for (int i = 0; i < got; i++)
			memcpy(ose_spsc_prod_slot(&r->prod, (uint32_t)i), &ev[i], sizeof(*ev));
		/* One commit for the whole batch, as the in-place pair does. */
		ose_feed_ring_commit(r, (uint32_t)got);
		ev += got;
		n -= (uint32_t)got;
	}
	return 0;
}

void ose_feed_ring_tick(void *ctx)
{
	struct ose_feed_ring *r = ctx;

	ose_seg_heartbeat(&r->seg);
	ose_spsc_prod_heartbeat(&r->prod);
}

int ose_feed_ring_drain(struct ose_feed_ring *r, uint64_t timeout_ms)
{
	const struct ose_spsc_ctl *ctl = ose_spsc_ctl_of(&r->seg);
	uint64_t end = ose_time_mono_ns() + timeout_ms * 1000000u;

	for (;;) {
		/* Acquire: pairs with the consumer's release of tail (R2). */
		uint64_t tail = __atomic_load_n(&ctl->cons.tail, __ATOMIC_ACQUIRE);
		int32_t pid = __atomic_load_n(&ctl->cons.pid, __ATOMIC_RELAXED);

		if (tail == r->prod.head)
			return 0;
		if (pid == 0 || !ose_proc_alive(pid, __atomic_load_n(&ctl->cons.start,
								     __ATOMIC_RELAXED)))
			return -ENOTCONN;
		if (ose_time_mono_ns() >= end)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}
