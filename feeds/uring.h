/* SPDX-License-Identifier: MIT */
/*
 * The feed's io_uring: one ring, one provided-buffer ring for multishot
 * recv, set up once before the hot loop.
 *
 * Setup asks for IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
 * (completions are processed only when this thread enters the kernel, no
 * IPIs, no task-work interrupting user code) and retries without them on
 * -EINVAL (kernels before 6.1), then with a plain ring.  u->setup_flags
 * records what we got.
 *
 * The buffer ring: liburing 2.3 has io_uring_register_buf_ring() but not
 * io_uring_setup_buf_ring(), so we mmap the ring memory ourselves (page
 * aligned, as the kernel requires), register it, and fill it with nbufs
 * buffers of buf_size bytes carved from one more mapping.  The kernel picks
 * a buffer per recv completion and reports its id in cqe->flags; we hand it
 * back with ose_uring_buf_return() once the bytes are consumed.
 */
#ifndef OSE_FEEDS_URING_H
#define OSE_FEEDS_URING_H

#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ose_uring {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_bytes;
	uint8_t *bufs;
	size_t bufs_bytes;
	unsigned nbufs;    /* power of two */
	unsigned buf_size;
	uint16_t bgid;
	unsigned setup_flags; /* IORING_SETUP_* actually in effect */
	int ready;
};

/*
 * Create the ring (entries SQEs) and the provided-buffer ring (nbufs, a
 * power of two <= 32768, of buf_size bytes, group bgid 0).  Returns 0 or a
 * negative errno (-ENOSYS: io_uring disabled; -EINVAL: bad sizes; the
 * kernel's error for buffer ring registration).  On failure nothing is
 * left allocated.
 */
int ose_uring_init(struct ose_uring *u, unsigned entries, unsigned nbufs, unsigned buf_size);
void ose_uring_exit(struct ose_uring *u);

static inline uint8_t *ose_uring_buf(struct ose_uring *u, unsigned bid)
{
	return u->bufs + (size_t)bid * u->buf_size;
}

/* Give buffer bid back to the kernel.  Cheap: one ring slot and a release
 * store of the tail (inside io_uring_buf_ring_advance). */
static inline void ose_uring_buf_return(struct ose_uring *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, ose_uring_buf(u, bid), u->buf_size, (unsigned short)bid,
			      io_uring_buf_ring_mask(u->nbufs), 0);
	/* The release store of the tail in here orders the slot write above
	 * before the kernel can see the new tail. */
	io_uring_buf_ring_advance(u->br, 1);
}

/* Queue a multishot recv on fd selecting buffers from our group. Returns
 * 0 or -EBUSY if the SQ is full. */
int ose_uring_prep_recv(struct ose_uring *u, int fd, uint64_t user_data);

/* An SQE, flushing the SQ once if it is full; NULL only if that fails. */
struct io_uring_sqe *ose_uring_sqe(struct ose_uring *u);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_URING_H */
