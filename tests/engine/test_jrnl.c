/* SPDX-License-Identifier: MIT */
/*
 * The journal file at open (engine/jrnl.h): a torn tail is truncated; a
 * file damaged before its end (a bad record, a jseq gap) is truncated at
 * the damage too, so appends continue the sequence, but the valid records
 * after it are first copied aside, never destroyed.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/jrnl.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ose-jrnl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal.ose", dir);
}

static void teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(jrnl, .init = setup, .fini = teardown);

/* Record i (0-based) as the engine writes it: jseq i + 1, sealed. */
static void rec(struct ose_jrec *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->type = OSE_JREC_EVENT;
	r->slot = 0xffffffffu;
	r->jseq = i + 1;
	r->pos = i;
	r->now = (int64_t)(1000 + i);
	snprintf(r->u.ev.order_id, sizeof(r->u.ev.order_id), "%llu", (unsigned long long)i);
	ose_jrec_seal(r);
}

/* Writes n records, then `extra` bytes of 0x5a. */
static void write_journal(uint64_t n, size_t extra)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	struct ose_jrec r;
	for (uint64_t i = 0; i < n; i++) {
		rec(&r, i);
		cr_assert_eq(ose_jrnl_append(fd, &r, 1), 0);
	}
	char junk[600];
	memset(junk, 0x5a, sizeof(junk));
	cr_assert_eq(write(fd, junk, extra), (ssize_t)extra);
	close(fd);
}

/* Overwrites record i with r (or, if r is NULL, flips one of its bytes). */
static void damage(uint64_t i, const struct ose_jrec *r)
{
	int fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	off_t off = (off_t)(i * OSE_JREC_SIZE);
	if (r) {
		cr_assert_eq(pwrite(fd, r, sizeof(*r), off), (ssize_t)sizeof(*r));
	} else {
		uint8_t b;
		cr_assert_eq(pread(fd, &b, 1, off + 100), 1);
		b ^= 0x01;
		cr_assert_eq(pwrite(fd, &b, 1, off + 100), 1);
	}
	close(fd);
}

static off_t fsize(const char *p)
{
	struct stat sb;
	cr_assert_eq(stat(p, &sb), 0, "%s", p);
	return sb.st_size;
}

static int count_fn(const struct ose_jrec *r, void *arg)
{
	uint64_t *n = arg;
	cr_assert_eq(r->jseq, *n + 1);
	(*n)++;
	return 0;
}

Test(jrnl, torn_tail_truncated_nothing_saved)
{
	write_journal(10, 100);
	struct ose_jrnl_info ji;
	int fd = ose_jrnl_open(path, 0, &ji);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ji.nrec, 10);
	cr_assert_eq(ji.last_jseq, 10);
	cr_assert_eq(ji.cut_bytes, 100);
	cr_assert_eq(ji.cut_valid, 0);
	cr_assert_str_empty(ji.saved);
	cr_assert_eq(fsize(path), 10 * OSE_JREC_SIZE);
	close(fd);
}

Test(jrnl, bad_last_record_is_a_torn_tail)
{
	write_journal(10, 0);
	damage(9, NULL);
	struct ose_jrnl_info ji;
	int fd = ose_jrnl_open(path, 0, &ji);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ji.nrec, 9);
	cr_assert_eq(ji.cut_bytes, OSE_JREC_SIZE);
	cr_assert_eq(ji.cut_valid, 0);
	close(fd);
}

Test(jrnl, damage_before_the_end_is_saved_aside_then_appends_continue)
{
	write_journal(10, 0);
	damage(4, NULL);
	/* The original bytes from the damaged record on. */
	int fd0 = open(path, O_RDONLY);
	static char want[6 * OSE_JREC_SIZE];
	cr_assert_eq(pread(fd0, want, sizeof(want), 4 * OSE_JREC_SIZE), (ssize_t)sizeof(want));
	close(fd0);

	struct ose_jrnl_info ji;
	int fd = ose_jrnl_open(path, 0, &ji);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ji.nrec, 4);
	cr_assert_eq(ji.last_jseq, 4);
	cr_assert_eq(ji.cut_bytes, 6 * OSE_JREC_SIZE);
	cr_assert_eq(ji.cut_valid, 5, "records 5..9 are intact");
	cr_assert_str_not_empty(ji.saved);
	cr_assert_eq(fsize(ji.saved), 6 * OSE_JREC_SIZE);
	static char got[6 * OSE_JREC_SIZE];
	int sfd = open(ji.saved, O_RDONLY);
	cr_assert_eq(read(sfd, got, sizeof(got)), (ssize_t)sizeof(got));
	close(sfd);
	cr_assert_eq(memcmp(want, got, sizeof(got)), 0, "saved byte for byte");
	cr_assert_eq(fsize(path), 4 * OSE_JREC_SIZE);

	/* The sequence continues from the last kept record. */
	struct ose_jrec r;
	rec(&r, 4);
	cr_assert_eq(ose_jrnl_append(fd, &r, 1), 0);
	close(fd);
	fd = ose_jrnl_open(path, 0, &ji);
	cr_assert_eq(ji.nrec, 5);
	cr_assert_eq(ji.cut_bytes, 0);
	uint64_t n = 0;
	cr_assert_eq(ose_jrnl_replay(fd, count_fn, &n), 5);
	close(fd);
}

Test(jrnl, jseq_gap_is_damage)
{
	write_journal(10, 0);
	struct ose_jrec r;
	rec(&r, 6); /* jseq 7 where 6 belongs */
	damage(5, &r);
	struct ose_jrnl_info ji;
	int fd = ose_jrnl_open(path, 0, &ji);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ji.nrec, 5);
	cr_assert_eq(ji.cut_valid, 5, "every cut record has a good CRC");
	cr_assert_eq(fsize(ji.saved), 5 * OSE_JREC_SIZE);
	close(fd);
}
