/* SPDX-License-Identifier: MIT */
/* Broadcast ring: creation, validation, handles, overrun resync
 * (bcast.h has the hot path and the ordering edges). */
#include "shm/bcast.h"

#include <unistd.h>

size_t ose_bcast_payload_size(uint32_t slot_size, uint64_t capacity)
{
	if (slot_size < OSE_CACHELINE || (slot_size & (OSE_CACHELINE - 1)) ||
	    slot_size > OSE_BCAST_SLOT_MAX)
		return 0;
	if (capacity < 2 || capacity > (UINT64_C(1) << 32) || (capacity & (capacity - 1)))
		return 0;
	return OSE_BCAST_CTL_SIZE + (size_t)capacity * slot_size;
}

struct bcast_init_arg {
	uint32_t slot_size;
	uint64_t capacity;
};

static int bcast_init(struct ose_seg *seg, void *arg)
{
	const struct bcast_init_arg *a = arg;
	struct ose_bcast_ctl *ctl = seg->payload;

	/* Not visible yet: plain stores. Slots are zero = never written. */
	ctl->info.slot_size = a->slot_size;
	ctl->info.rec_size = a->slot_size - 8;
	ctl->info.capacity = a->capacity;
	ctl->info.mask = a->capacity - 1;
	ctl->info.slots_off = OSE_BCAST_CTL_SIZE;
	return 0;
}

int ose_bcast_validate(const struct ose_seg *seg)
{
	const struct ose_bcast_ctl *ctl;

	if (!seg->hdr || seg->kind != OSE_SEG_BCAST || seg->payload_size < OSE_BCAST_CTL_SIZE)
		return OSE_SEG_ELAYOUT;
	ctl = seg->payload;
	if (ose_bcast_payload_size(ctl->info.slot_size, ctl->info.capacity) != seg->payload_size ||
	    ctl->info.rec_size != ctl->info.slot_size - 8 ||
	    ctl->info.mask != ctl->info.capacity - 1 || ctl->info.slots_off != OSE_BCAST_CTL_SIZE)
		return OSE_SEG_ELAYOUT;
	return 0;
}

int ose_bcast_create(struct ose_seg *seg, const char *name, uint32_t slot_size,
		     uint64_t capacity, size_t aux_size, unsigned seg_flags)
{
	struct bcast_init_arg a = {slot_size, capacity};
	size_t psize = ose_bcast_payload_size(slot_size, capacity);
	const struct ose_bcast_ctl *ctl;
	int r;

	if (psize == 0)
		return -EINVAL;
	r = ose_seg_create_init(seg, name, OSE_SEG_BCAST, aux_size, psize, seg_flags, bcast_init, &a);
	if (r != 1)
		return r;
	ctl = seg->payload;
	if (ose_bcast_validate(seg) < 0 || ctl->info.slot_size != slot_size ||
	    ctl->info.capacity != capacity) {
		ose_seg_close(seg);
		return -EEXIST;
	}
	return 1;
}

int ose_bcast_attach(struct ose_seg *seg, const char *name, unsigned seg_flags)
{
	int r = ose_seg_attach(seg, name, OSE_SEG_BCAST, seg_flags);

	if (r < 0)
		return r;
	if ((r = ose_bcast_validate(seg)) < 0)
		ose_seg_close(seg);
	return r;
}

int ose_bcast_writer_init(struct ose_bcast_writer *w, struct ose_seg *seg)
{
	struct ose_bcast_ctl *ctl;
	uint64_t start = 0;

	if (!seg->owner || !seg->writable || ose_bcast_validate(seg) < 0)
		return -EINVAL;
	ctl = seg->payload;
	memset(w, 0, sizeof(*w));
	w->ctl = ctl;
	w->slots = (uint8_t *)ctl + OSE_BCAST_CTL_SIZE;
	w->mask = ctl->info.mask;
	w->slot_size = ctl->info.slot_size;
	w->rec_size = ctl->info.rec_size;
	/* Relaxed: we are head's only writer (owner lock). */
	w->head = __atomic_load_n(&ctl->wr.head, __ATOMIC_RELAXED);
	(void)ose_proc_start_time(getpid(), &start);
	__atomic_store_n(&ctl->wr.start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->wr.pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->wr.attaches, ctl->wr.attaches + 1, __ATOMIC_RELAXED);
	ose_bcast_writer_heartbeat(w);
	return 0;
}

/* First record number a reader may start at: the oldest one the writer is
 * not about to overwrite (record h - capacity shares its slot with the
 * next record, h). */
static uint64_t oldest_safe(uint64_t h, uint64_t capacity)
{
	return h >= capacity ? h - capacity + 1 : 0;
}

int ose_bcast_reader_init(struct ose_bcast_reader *r, const struct ose_seg *seg,
			  enum ose_bcast_from from)
{
	const struct ose_bcast_ctl *ctl;
	uint64_t h;

	if (ose_bcast_validate(seg) < 0)
		return -EINVAL;
	ctl = seg->payload;
	memset(r, 0, sizeof(*r));
	r->ctl = ctl;
	r->slots = (const uint8_t *)ctl + OSE_BCAST_CTL_SIZE;
	r->mask = ctl->info.mask;
	r->capacity = ctl->info.capacity;
	r->slot_size = ctl->info.slot_size;
	r->rec_size = ctl->info.rec_size;
	h = ose_bcast_head(ctl); /* B6 */
	r->cursor = from == OSE_BCAST_FROM_NEWEST ? h : oldest_safe(h, r->capacity);
	return 0;
}

enum ose_bcast_res ose_bcast_read_slow(struct ose_bcast_reader *r, uint64_t sw, uint64_t *lost)
{
	uint64_t k = sw >> 1;   /* record number + 1 the slot holds or is getting */
	uint64_t want = r->cursor + 1;
	uint64_t h, next, m;

	if (k < want || (k == want && (sw & 1)))
		return OSE_BCAST_EMPTY; /* not written yet, or being written */
	/*
	 * Lapped: the slot holds (or is getting) record m = k - 1 >= cursor +
	 * capacity.  Resume at the oldest record safe from the writer as far
	 * as we know: from m (seen in the slot; the odd store is relaxed, so
	 * head may lag it) and from head (B6).
	 */
	m = k - 1;
	h = ose_bcast_head(r->ctl);
	next = oldest_safe(m, r->capacity);
	if (oldest_safe(h, r->capacity) > next)
		next = oldest_safe(h, r->capacity);
	if (next <= r->cursor)
		next = r->cursor + 1; /* record `cursor` is gone for certain */
	if (lost)
		*lost = next - r->cursor;
	r->lost += next - r->cursor;
	r->overruns++;
	r->cursor = next;
	return OSE_BCAST_OVERRUN;
}

void ose_bcast_writer_heartbeat(struct ose_bcast_writer *w)
{
	/* Relaxed: a clock reading, nothing is published with it. */
	__atomic_store_n(&w->ctl->wr.heartbeat_ns, ose_time_mono_ns(), __ATOMIC_RELAXED);
}

void ose_bcast_stats(const struct ose_seg *seg, struct ose_bcast_stats *st)
{
	const struct ose_bcast_ctl *ctl = seg->payload;

	memset(st, 0, sizeof(*st));
	st->capacity = ctl->info.capacity;
	st->slot_size = ctl->info.slot_size;
	st->rec_size = ctl->info.rec_size;
	st->head = ose_bcast_head(ctl); /* B6 */
	/* Relaxed: display values, nothing is read through them. */
	st->heartbeat_ns = __atomic_load_n(&ctl->wr.heartbeat_ns, __ATOMIC_RELAXED);
	st->attaches = __atomic_load_n(&ctl->wr.attaches, __ATOMIC_RELAXED);
	st->writer_pid = __atomic_load_n(&ctl->wr.pid, __ATOMIC_RELAXED);
	st->writer_alive = st->writer_pid > 0 &&
		ose_proc_alive(st->writer_pid, __atomic_load_n(&ctl->wr.start, __ATOMIC_RELAXED));
}
