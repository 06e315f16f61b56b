/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "feeds/uring.h"

static int ring_setup(struct ose_uring *u, unsigned entries)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SINGLE_ISSUER,
		0,
	};
	int r = -EINVAL;

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = tries[i];
		r = io_uring_queue_init_params(entries, &u->ring, &p);
		if (r == 0) {
			u->setup_flags = tries[i];
			return 0;
		}
		if (r != -EINVAL) /* a real failure, not an unknown flag */
			return r;
	}
	return r;
}

int ose_uring_init(struct ose_uring *u, unsigned entries, unsigned nbufs, unsigned buf_size)
{
	struct io_uring_buf_reg reg;
	int r;

	memset(u, 0, sizeof(*u));
	if (!nbufs || (nbufs & (nbufs - 1)) || nbufs > 32768 || buf_size < 64)
		return -EINVAL;
	r = ring_setup(u, entries);
	if (r < 0)
		return r;

	u->nbufs = nbufs;
	u->buf_size = buf_size;
	u->br_bytes = (size_t)nbufs * sizeof(struct io_uring_buf);
	u->br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (u->br == MAP_FAILED) {
		u->br = NULL;
		r = -ENOMEM;
		goto err;
	}
	u->bufs_bytes = (size_t)nbufs * buf_size;
	u->bufs = mmap(NULL, u->bufs_bytes, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
	if (u->bufs == MAP_FAILED) {
		u->bufs = NULL;
		r = -ENOMEM;
		goto err;
	}
	io_uring_buf_ring_init(u->br);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)u->br;
	reg.ring_entries = nbufs;
	reg.bgid = u->bgid;
	r = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (r < 0)
		goto err;
	for (unsigned i = 0; i < nbufs; i++)
		io_uring_buf_ring_add(u->br, ose_uring_buf(u, i), buf_size, (unsigned short)i,
				      io_uring_buf_ring_mask(nbufs), (int)i);
	/* Publishes all nbufs slots with one release store of the tail. */
	io_uring_buf_ring_advance(u->br, (int)nbufs);
	u->ready = 1;
	return 0;
err:
	if (u->bufs)
		munmap(u->bufs, u->bufs_bytes);
	if (u->br)
		munmap(u->br, u->br_bytes);
	io_uring_queue_exit(&u->ring);
	memset(u, 0, sizeof(*u));
	return r;
}

void ose_uring_exit(struct ose_uring *u)
{
	if (!u->ready)
		return;
	io_uring_unregister_buf_ring(&u->ring, u->bgid);
	io_uring_queue_exit(&u->ring);
	munmap(u->bufs, u->bufs_bytes);
	munmap(u->br, u->br_bytes);
	memset(u, 0, sizeof(*u));
}

struct io_uring_sqe *ose_uring_sqe(struct ose_uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

int ose_uring_prep_recv(struct ose_uring *u, int fd, uint64_t user_data)
{
	struct io_uring_sqe *sqe = ose_uring_sqe(u);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = u->bgid;
	io_uring_sqe_set_data64(sqe, user_data);
	return 0;
}
