/* SPDX-License-Identifier: MIT */
/*
 * ose_jrnl: the engine's append-only binary journal.
 *
 * File format: a sequence of fixed 512-byte records, no file header, so a
 * record's offset is (index * 512) and a torn tail (a write cut by a crash)
 * is found by size and CRC and truncated.  Each record:
 *
 *	 0 u32 magic  OSE_JREC_MAGIC ("OSEJ")
 *	 4 u16 type   enum ose_jrec_type
 *	 6 u16 _r
 *	 8 u32 crc    CRC-32C of bytes 16..511 (crc field excluded)
 *	12 u32 slot   table slot (STUCK / NOT_FOUND), else OSE_NIL
 *	16 u64 jseq   1, 2, 3, ... gap-free across the file's life
 *	24 u64 ring   hash of the source ring's segment name, 0 = internal
 *	32 u64 epoch  the source ring's creation stamp (seg created_ns)
 *	40 u64 pos    the record's index in the source ring
 *	48 i64 now    engine clock the record was applied with
 *	56 ...        payload: struct ose_event (448 B) or struct ose_cmd
 *	              (256 B) or a client id (48 B)
 *
 * Little-endian host order; the journal is a local recovery file, not an
 * interchange format.  Replaying every record through ose_tbl with its
 * recorded `now` rebuilds the table exactly.
 */
#ifndef OSE_ENGINE_JRNL_H
#define OSE_ENGINE_JRNL_H

#include <stddef.h>
#include <stdint.h>

#include "shm/cmd.h"
#include "shm/event.h"

#define OSE_JREC_MAGIC 0x4a45534fu /* "OSEJ" */
#define OSE_JREC_SIZE 512

enum ose_jrec_type {
	OSE_JREC_EVENT = 1,     /* a feed record */
	OSE_JREC_CMD = 2,       /* a command-ring record */
	OSE_JREC_STUCK = 3,     /* the stuck timer fired for slot (client id) */
	OSE_JREC_NOT_FOUND = 4, /* the venue said "not found" for slot (client id) */
};

struct ose_jrec {
	uint32_t magic;
	uint16_t type;
	uint16_t _r;
	uint32_t crc;
	uint32_t slot;
	uint64_t jseq;
	uint64_t ring;
	uint64_t epoch;
	uint64_t pos;
	int64_t now;
	union {
		struct ose_event ev;
		struct ose_cmd cmd;
		char client_id[OSE_ID_MAX];
		uint8_t raw[OSE_JREC_SIZE - 64];
	} u;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct ose_jrec) == OSE_JREC_SIZE, "journal record is a file format");

/* CRC-32C (Castagnoli), software; seeds with 0. */
uint32_t ose_crc32c(const void *p, size_t n);

/* Seals r (magic, crc) before it is written. */
void ose_jrec_seal(struct ose_jrec *r);

/* 1 if r carries the magic and a matching CRC. */
int ose_jrec_ok(const struct ose_jrec *r);

/* What ose_jrnl_open found. */
struct ose_jrnl_info {
	uint64_t nrec;      /* valid records kept: jseq 1..last_jseq, gap-free */
	uint64_t last_jseq;
	uint64_t cut_bytes; /* bytes after them, truncated */
	/* Records among the cut bytes that carry the magic and a good CRC.
	 * 0: a torn tail (a write cut by a crash), nothing lost.  More: the
	 * file was damaged before its end (a bad record or a jseq gap in the
	 * middle); the cut bytes were first copied to `saved`. */
	uint64_t cut_valid;
	char saved[320];    /* "<path>.cut-<ns>" if cut_valid, else "" */
};

/* Opens (creating, mode 0600 or 0640) the journal at path and validates
 * it record by record up to the first one that is invalid (magic, CRC)
 * or breaks the jseq sequence; everything from there on is truncated, so
 * appends continue the sequence.  If the truncated part holds valid
 * records (damage, not a torn tail) it is copied first to a new file
 * beside the journal (same mode), so nothing is destroyed; the caller
 * reports it.  On success returns the fd (positioned at the end) and
 * fills *info.  Returns a negative errno on failure (then the file is
 * untouched if the copy could not be made). */
int ose_jrnl_open(const char *path, int group_read, struct ose_jrnl_info *info);

/* Calls fn for each valid record of the open journal fd, in order, from
 * the start; stops at the first invalid one or when fn returns non-zero.
 * Returns the number of records visited or a negative errno.  Uses pread,
 * leaves the file position alone. */
int64_t ose_jrnl_replay(int fd, int (*fn)(const struct ose_jrec *r, void *arg), void *arg);

/* Appends n records (write(2), retried on short writes).  Returns 0 or a
 * negative errno. */
int ose_jrnl_append(int fd, const struct ose_jrec *r, size_t n);

#endif /* OSE_ENGINE_JRNL_H */
