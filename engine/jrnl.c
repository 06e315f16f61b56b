/* SPDX-License-Identifier: MIT */
#include "engine/jrnl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t ose_crc32c(const void *p, size_t n)
{
	static int ready;
	/* Benign: every thread computes the same table. */
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		static int building;
		if (!__atomic_exchange_n(&building, 1, __ATOMIC_ACQ_REL)) {
			crc_init();
			__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
		} else {
			while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
				;
		}
	}
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ b[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

void ose_jrec_seal(struct ose_jrec *r)
{
	r->magic = OSE_JREC_MAGIC;
	r->crc = ose_crc32c((const char *)r + 16, OSE_JREC_SIZE - 16);
}

int ose_jrec_ok(const struct ose_jrec *r)
{
	return r->magic == OSE_JREC_MAGIC &&
	       r->crc == ose_crc32c((const char *)r + 16, OSE_JREC_SIZE - 16);
}

struct scan {
	uint64_t n, last;
};

static int scan_fn(const struct ose_jrec *r, void *arg)
{
	struct scan *s = arg;
	if (s->n && r->jseq != s->last + 1)
		return 1; /* a gap: everything after it is suspect */
	s->n++;
	s->last = r->jseq;
	return 0;
}

int ose_jrnl_open(const char *path, int group_read, uint64_t *nrec, uint64_t *last_jseq)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, group_read ? 0640 : 0600);
	if (fd < 0)
		return -errno;
	struct scan s = {0, 0};
	int64_t rc = ose_jrnl_replay(fd, scan_fn, &s);
	if (rc < 0) {
		close(fd);
		return (int)rc;
	}
	off_t end = (off_t)(s.n * OSE_JREC_SIZE);
	struct stat sb;
	if (fstat(fd, &sb) == 0 && sb.st_size != end && ftruncate(fd, end) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (lseek(fd, end, SEEK_SET) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*nrec = s.n;
	*last_jseq = s.last;
	return fd;
}

int64_t ose_jrnl_replay(int fd, int (*fn)(const struct ose_jrec *r, void *arg), void *arg)
{
	enum { CHUNK = 256 };
	struct ose_jrec *buf = aligned_alloc(64, CHUNK * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	int64_t n = 0;
	off_t off = 0;
	for (;;) {
		ssize_t got = pread(fd, buf, CHUNK * sizeof(*buf), off);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			break;
		}
		size_t k = (size_t)got / OSE_JREC_SIZE;
		size_t i = 0;
		for (; i < k; i++) {
			if (!ose_jrec_ok(&buf[i]) || fn(&buf[i], arg))
				goto out;
			n++;
		}
		if (k < CHUNK)
			break;
		off += got;
	}
out:
	free(buf);
	return n;
}

int ose_jrnl_append(int fd, const struct ose_jrec *r, size_t n)
{
	const char *p = (const char *)r;
	size_t left = n * OSE_JREC_SIZE;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		left -= (size_t)w;
	}
	return 0;
}
