/* SPDX-License-Identifier: MIT */
/* io_uring setup (flag fallback), the self-registered buffer ring and
 * multishot recv, on a socketpair.  Skips where io_uring is unavailable. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feeds/uring.h"

Test(uring, multishot_recv_with_buffer_ring)
{
	struct ose_uring u;
	int sv[2];
	int r = ose_uring_init(&u, 16, 8, 256);

	if (r == -ENOSYS || r == -EPERM)
		cr_skip_test("io_uring unavailable (%d)", r);
	if (r == -EINVAL)
		cr_skip_test("kernel lacks provided buffer rings");
	cr_assert_eq(r, 0, "init: %s", strerror(-r));
	cr_assert_eq(ose_uring_init(&(struct ose_uring){0}, 16, 6, 256), -EINVAL, "nbufs power of two");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(ose_uring_prep_recv(&u, sv[0], 42), 0);
	io_uring_submit(&u.ring);

	/* More messages than buffers: buffers must come back to be reused. */
	unsigned got = 0, total = 0;
	for (int i = 0; i < 40; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "message-%02d", i);
		cr_assert_eq(write(sv[1], msg, (size_t)n), n);
		struct io_uring_cqe *cqe;
		cr_assert_eq(io_uring_wait_cqe(&u.ring, &cqe), 0);
		cr_assert_eq(io_uring_cqe_get_data64(cqe), 42);
		cr_assert(cqe->res > 0, "res %d", cqe->res);
		cr_assert(cqe->flags & IORING_CQE_F_BUFFER);
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		cr_assert(bid < 8);
		cr_assert_eq(memcmp(ose_uring_buf(&u, bid), msg, (size_t)cqe->res), 0);
		total += (unsigned)cqe->res;
		int more = cqe->flags & IORING_CQE_F_MORE;
		io_uring_cqe_seen(&u.ring, cqe);
		ose_uring_buf_return(&u, bid);
		if (!more) {
			cr_assert_eq(ose_uring_prep_recv(&u, sv[0], 42), 0);
			io_uring_submit(&u.ring);
		}
		got++;
	}
	cr_assert_eq(got, 40);
	cr_assert_eq(total, 40 * 10);
	close(sv[0]);
	close(sv[1]);
	ose_uring_exit(&u);
}
