/* SPDX-License-Identifier: MIT */
/* SPSC ring: creation, validation, handles and the waiting slow path
 * (spsc.h has the hot path and the ordering edges). */
#include "shm/spsc.h"

#include <unistd.h>

size_t ose_spsc_payload_size(uint32_t slot_size, uint64_t capacity)
{
	if (slot_size == 0 || (slot_size & (OSE_CACHELINE - 1)) || slot_size > OSE_SPSC_SLOT_MAX)
		return 0;
	if (capacity < 2 || capacity > OSE_SPSC_CAPACITY_MAX || (capacity & (capacity - 1)))
		return 0;
	return OSE_SPSC_CTL_SIZE + (size_t)capacity * slot_size;
}

struct spsc_init_arg {
	uint32_t slot_size;
	uint64_t capacity, init_index;
};

static int spsc_init(struct ose_seg *seg, void *arg)
{
	const struct spsc_init_arg *a = arg;
	struct ose_spsc_ctl *ctl = ose_spsc_ctl_of(seg);

	/* The segment is not visible yet: plain stores suffice, and linking it
	 * into the directory orders them before any reader's open. */
	ctl->info.slot_size = a->slot_size;
	ctl->info.capacity = a->capacity;
	ctl->info.mask = a->capacity - 1;
	ctl->info.init_index = a->init_index;
	ctl->info.slots_off = OSE_SPSC_CTL_SIZE;
	ctl->prod.head = a->init_index;
	ctl->cons.tail = a->init_index;
	return 0;
}

int ose_spsc_validate(const struct ose_seg *seg)
{
	const struct ose_spsc_ctl *ctl;
	uint64_t head, tail;

	if (!seg->hdr || seg->kind != OSE_SEG_SPSC || seg->payload_size < OSE_SPSC_CTL_SIZE)
		return OSE_SEG_ELAYOUT;
	ctl = ose_spsc_ctl_of(seg);
	if (ose_spsc_payload_size(ctl->info.slot_size, ctl->info.capacity) != seg->payload_size ||
	    ctl->info.mask != ctl->info.capacity - 1 || ctl->info.slots_off != OSE_SPSC_CTL_SIZE)
		return OSE_SEG_ELAYOUT;
	/* A sanity bound on a possibly live ring: tail first, then head, both
	 * acquire (A2's edge), so head >= tail; both sides may move between
	 * the two loads, so a few tries before calling it corrupt. */
	for (int i = 0; i < 4; i++) {
		tail = __atomic_load_n(&ctl->cons.tail, __ATOMIC_ACQUIRE);
		head = __atomic_load_n(&ctl->prod.head, __ATOMIC_ACQUIRE);
		if (head - tail <= ctl->info.capacity)
			return 0;
	}
	return OSE_SEG_ELAYOUT;
}

int ose_spsc_create(struct ose_seg *seg, const char *name, uint32_t slot_size,
		    uint64_t capacity, size_t aux_size, unsigned seg_flags,
		    uint64_t init_index)
{
	struct spsc_init_arg a = {slot_size, capacity, init_index};
	size_t psize = ose_spsc_payload_size(slot_size, capacity);
	const struct ose_spsc_ctl *ctl;
	int r;

	if (psize == 0)
		return -EINVAL;
	r = ose_seg_create_init(seg, name, OSE_SEG_SPSC, aux_size, psize, seg_flags, spsc_init, &a);
	if (r != 1)
		return r;
	/* Adopted: same payload size, but it must be the same ring shape. */
	ctl = ose_spsc_ctl_of(seg);
	if (ose_spsc_validate(seg) < 0 || ctl->info.slot_size != slot_size ||
	    ctl->info.capacity != capacity) {
		ose_seg_close(seg);
		return -EEXIST;
	}
	return 1;
}

int ose_spsc_attach(struct ose_seg *seg, const char *name, unsigned seg_flags)
{
	int r = ose_seg_attach(seg, name, OSE_SEG_SPSC, seg_flags);

	if (r < 0)
		return r;
	if ((r = ose_spsc_validate(seg)) < 0)
		ose_seg_close(seg);
	return r;
}

static void ident(int32_t *pid, uint64_t *start)
{
	uint64_t st = 0;

	*pid = (int32_t)getpid();
	(void)ose_proc_start_time(getpid(), &st);
	*start = st;
}

int ose_spsc_prod_init(struct ose_spsc_prod *p, struct ose_seg *seg)
{
	struct ose_spsc_ctl *ctl;
	int32_t pid;
	uint64_t start;

	if (!seg->owner || !seg->writable || ose_spsc_validate(seg) < 0)
		return -EINVAL;
	ctl = ose_spsc_ctl_of(seg);
	memset(p, 0, sizeof(*p));
	p->ctl = ctl;
	p->slots = (uint8_t *)ctl + OSE_SPSC_CTL_SIZE;
	p->mask = ctl->info.mask;
	p->capacity = ctl->info.capacity;
	p->slot_size = ctl->info.slot_size;
	/* Relaxed: we are head's only writer; a previous producer's stores
	 * were ordered before us by the owner lock we took in the kernel. */
	p->head = __atomic_load_n(&ctl->prod.head, __ATOMIC_RELAXED);
	/* Same edge as A1. */
	p->tail_cache = __atomic_load_n(&ctl->cons.tail, __ATOMIC_ACQUIRE);
	ident(&pid, &start);
	__atomic_store_n(&ctl->prod.start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->prod.pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->prod.attaches, ctl->prod.attaches + 1, __ATOMIC_RELAXED);
	ose_spsc_prod_heartbeat(p);
	return 0;
}

int ose_spsc_cons_init(struct ose_spsc_cons *c, struct ose_seg *seg)
{
	struct ose_spsc_ctl *ctl;
	int32_t pid;
	uint64_t start;
	int r;

	if (ose_spsc_validate(seg) < 0)
		return -EINVAL;
	if (!seg->writable)
		return -EACCES;
	if ((r = ose_seg_lock(seg, OSE_SEG_LOCK_PEER)) < 0)
		return r;
	ctl = ose_spsc_ctl_of(seg);
	memset(c, 0, sizeof(*c));
	c->ctl = ctl;
	c->seg = seg;
	c->slots = (const uint8_t *)ctl + OSE_SPSC_CTL_SIZE;
	c->mask = ctl->info.mask;
	c->capacity = ctl->info.capacity;
	c->slot_size = ctl->info.slot_size;
	/* Relaxed: tail's only writer is the consumer, and the previous one
	 * is gone (we hold the consumer lock). */
	c->tail = __atomic_load_n(&ctl->cons.tail, __ATOMIC_RELAXED);
	/* Same edge as A2. */
	c->head_cache = __atomic_load_n(&ctl->prod.head, __ATOMIC_ACQUIRE);
	ident(&pid, &start);
	__atomic_store_n(&ctl->cons.start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->cons.pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->cons.attaches, ctl->cons.attaches + 1, __ATOMIC_RELAXED);
	ose_spsc_cons_heartbeat(c);
	return 0;
}

void ose_spsc_cons_fini(struct ose_spsc_cons *c)
{
	if (c->seg)
		ose_seg_unlock(c->seg, OSE_SEG_LOCK_PEER);
	c->seg = NULL;
}

int ose_spsc_reserve_wait(struct ose_spsc_prod *p, uint32_t want, struct ose_wait *w,
			  uint64_t timeout_ns)
{
	uint32_t n = ose_spsc_reserve(p, want);
	uint64_t deadline;

	if (n)
		return (int)n;
	/* Relaxed: a statistic with a single writer. */
	__atomic_store_n(&p->ctl->prod.full_stalls,
			 __atomic_load_n(&p->ctl->prod.full_stalls, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	deadline = timeout_ns ? ose_time_mono_ns() + timeout_ns : 0;
	ose_wait_reset(w);
	for (uint32_t i = 1;; i++) {
		ose_wait_idle(w);
		if ((n = ose_spsc_reserve(p, want)))
			return (int)n;
		if (deadline && (i & 63) == 0 && ose_time_mono_ns() > deadline)
			return -ETIMEDOUT;
	}
}

int ose_spsc_push_wait(struct ose_spsc_prod *p, const void *rec, size_t len,
		       struct ose_wait *w, uint64_t timeout_ns)
{
	int r;

	if (len > p->slot_size)
		return -EMSGSIZE;
	if ((r = ose_spsc_reserve_wait(p, 1, w, timeout_ns)) < 0)
		return r;
	memcpy(ose_spsc_prod_slot(p, 0), rec, len);
	ose_spsc_commit(p, 1);
	return 0;
}

int ose_spsc_peek_wait(struct ose_spsc_cons *c, uint32_t max, struct ose_wait *w,
		       uint64_t timeout_ns)
{
	uint32_t n = ose_spsc_peek(c, max);
	uint64_t deadline;

	if (n)
		return (int)n;
	deadline = timeout_ns ? ose_time_mono_ns() + timeout_ns : 0;
	ose_wait_reset(w);
	for (uint32_t i = 1;; i++) {
		ose_wait_idle(w);
		if ((n = ose_spsc_peek(c, max)))
			return (int)n;
		if (deadline && (i & 63) == 0 && ose_time_mono_ns() > deadline)
			return -ETIMEDOUT;
	}
}

void ose_spsc_prod_heartbeat(struct ose_spsc_prod *p)
{
	/* Relaxed: a clock reading, nothing is published with it. */
	__atomic_store_n(&p->ctl->prod.heartbeat_ns, ose_time_mono_ns(), __ATOMIC_RELAXED);
}

void ose_spsc_cons_heartbeat(struct ose_spsc_cons *c)
{
	__atomic_store_n(&c->ctl->cons.heartbeat_ns, ose_time_mono_ns(), __ATOMIC_RELAXED);
}

void ose_spsc_stats(const struct ose_seg *seg, struct ose_spsc_stats *st)
{
	const struct ose_spsc_ctl *ctl = ose_spsc_ctl_of(seg);

	memset(st, 0, sizeof(*st));
	st->capacity = ctl->info.capacity;
	st->slot_size = ctl->info.slot_size;
	/* Tail first, then head: with both acquire, lag is never negative. */
	st->tail = __atomic_load_n(&ctl->cons.tail, __ATOMIC_ACQUIRE);
	st->head = __atomic_load_n(&ctl->prod.head, __ATOMIC_ACQUIRE);
	st->lag = st->head - st->tail;
	st->records = st->head - ctl->info.init_index;
	st->full_stalls = __atomic_load_n(&ctl->prod.full_stalls, __ATOMIC_RELAXED);
	st->empty_polls = __atomic_load_n(&ctl->cons.empty_polls, __ATOMIC_RELAXED);
	st->prod_pid = __atomic_load_n(&ctl->prod.pid, __ATOMIC_RELAXED);
	st->cons_pid = __atomic_load_n(&ctl->cons.pid, __ATOMIC_RELAXED);
	st->prod_alive = st->prod_pid > 0 && ose_proc_alive(st->prod_pid,
		__atomic_load_n(&ctl->prod.start, __ATOMIC_RELAXED));
	st->cons_alive = st->cons_pid > 0 && ose_proc_alive(st->cons_pid,
		__atomic_load_n(&ctl->cons.start, __ATOMIC_RELAXED));
	st->prod_heartbeat_ns = __atomic_load_n(&ctl->prod.heartbeat_ns, __ATOMIC_RELAXED);
	st->cons_heartbeat_ns = __atomic_load_n(&ctl->cons.heartbeat_ns, __ATOMIC_RELAXED);
	st->prod_attaches = __atomic_load_n(&ctl->prod.attaches, __ATOMIC_RELAXED);
	st->cons_attaches = __atomic_load_n(&ctl->cons.attaches, __ATOMIC_RELAXED);
}
