/* SPDX-License-Identifier: MIT */
/*
 * ose-dump internals (tools/dump): the read-only view of one instance's
 * shared memory.  Three parts, one prefix (dump_):
 *
 *   dump_read.c   find and attach the segments of an instance (PROT_READ,
 *                 never a lock, never a write), validate the state layout,
 *                 copy order slots through their seqlock, decode ring records.
 *   dump_out.c    human tables and the --json document (docs/dump.md).
 *   main.c        the command line, --watch, --follow, exit codes.
 *
 * Read-only is structural: every segment is attached without
 * OSE_SEG_F_WRITE (O_RDONLY + PROT_READ, so a stray store faults), and the
 * code below only ever loads from the mappings (atomic loads where the
 * writer may be storing concurrently).  No function here prints to stderr;
 * errors come back as negative errno values.
 */
#ifndef OSE_TOOLS_DUMP_H
#define OSE_TOOLS_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "shm/bcast.h"
#include "shm/cmd.h"
#include "shm/event.h"
#include "shm/seg.h"
#include "shm/spsc.h"
#include "shm/state.h"

/* Process exit codes (documented in docs/dump.md; scripts rely on them). */
enum dump_exit {
	DUMP_EXIT_OK = 0,
	DUMP_EXIT_ERROR = 1,   /* anything else (out of memory, I/O error) */
	DUMP_EXIT_USAGE = 2,   /* bad command line */
	DUMP_EXIT_NOINST = 3,  /* no such instance / segment */
	DUMP_EXIT_PERM = 4,    /* permission denied on a segment */
	DUMP_EXIT_ABI = 5,     /* ABI or layout version mismatch */
	DUMP_EXIT_CORRUPT = 6, /* a segment is not a valid ose segment */
	DUMP_EXIT_BUSY = 7,    /* the live engine is still formatting its state: retry */
};

/* The state table's magic is not published yet and its engine is alive:
 * it is formatting the table (a moment at start-up), not corrupt. */
#define DUMP_EINIT (-EINPROGRESS)

/* Maps a negative errno from the attach/validate functions to an exit code. */
int dump_exit_code(int err);
/* Message for a negative errno (segment errors included); never NULL. */
const char *dump_strerror(int err);

/* How many times a slot copy is retried before the slot is reported as
 * unstable (a writer that died in the middle of an update leaves its seq
 * odd forever: post-mortem must not hang on it). */
#define DUMP_SEQ_TRIES 10000u

/* What a segment is, from its name and kind. */
enum dump_role {
	DUMP_ROLE_STATE = 0,  /* ose.<instance> */
	DUMP_ROLE_FEED,       /* ose.<instance>.feed.<venue>.<account> */
	DUMP_ROLE_CMD,        /* ose.<instance>.cmd.<strategy> */
	DUMP_ROLE_EVENTS,     /* ose.<instance>.events */
	DUMP_ROLE_OTHER,      /* any other ose.<instance>.* segment */
};

const char *dump_role_name(enum dump_role r); /* "state", "feed", "cmd", "events", "other" */

struct dump_seg {
	char name[OSE_SEG_NAME_MAX];
	enum dump_role role;
	int err;           /* 0 attached; else why not (negative errno) */
	struct ose_seg seg;/* valid when err == 0 */
};

/* One order as copied out of its slot (a consistent seqlock snapshot). */
struct dump_order {
	struct ose_slot s;
	uint32_t slot;
};

/* Order filters (all that are set must match). */
struct dump_filter {
	uint8_t venue;       /* OSE_VENUE_NONE = any */
	uint32_t status_mask;/* bit (1 << status); 0 = any */
	int open_only;
	int executed_only;
	char symbol[OSE_SYMBOL_MAX];
	char account[OSE_ACCOUNT_MAX];
	char order_id[OSE_ID_MAX];
	char client_id[OSE_ID_MAX];
};

struct dump_inst {
	char name[32];
	char dir[256];           /* the segment directory */
	struct dump_seg *segs;   /* sorted by name; owned */
	size_t nsegs;
	struct dump_seg *state;  /* segs entry of the state segment, or NULL */
	int state_err;           /* 0, -ENOENT (absent) or why it is unusable */
	const struct ose_state_hdr *sh; /* validated state header, or NULL */
	/* Loaded by dump_orders_load (owned). */
	struct dump_order *orders;
	size_t norders;
	uint32_t *unstable;      /* slots whose seqlock never settled */
	size_t nunstable;
	uint64_t tracked;        /* live slots seen (before filtering) */
	/* Statistics copied by dump_orders_load BEFORE it scans the slots, so
	 * what a dump prints is consistent: every event counted in them was
	 * applied (its slot published) before the scan began.  Valid when
	 * have_stats; otherwise read the live ones (dump_inst_stats). */
	struct ose_stats stats;
	int have_stats;
};

/* Attaches every segment of instance `name` read-only.  Returns 0 when at
 * least one segment exists (the state segment's own problem, if any, is in
 * inst->state_err), -ENOENT if the instance has no segment at all, -EINVAL
 * for a bad name, or another negative errno.  Release with dump_inst_close. */
int dump_inst_open(struct dump_inst *inst, const char *name);
void dump_inst_close(struct dump_inst *inst);

/* Validates the state header in a state segment's payload: magic, layout
 * version, struct sizes, every region inside the mapping.  Returns 0,
 * OSE_SEG_EMAGIC, OSE_SEG_ENEWER/EOLDER (other version or struct sizes) or
 * OSE_SEG_ELAYOUT (a region out of range). */
int dump_state_validate(const struct ose_seg *seg, const struct ose_state_hdr **out);

/* Region accessors of a validated state header. */
static inline const struct ose_stats *dump_stats(const struct ose_state_hdr *h)
{
	return (const struct ose_stats *)(const void *)((const char *)h + h->off_stats);
}
/* The statistics to print for inst: the snapshot taken with the orders,
 * or the live ones in shm. */
static inline const struct ose_stats *dump_inst_stats(const struct dump_inst *inst)
{
	return inst->have_stats ? &inst->stats : dump_stats(inst->sh);
}
static inline const struct ose_slot *dump_slots(const struct ose_state_hdr *h)
{
	return (const struct ose_slot *)(const void *)((const char *)h + h->off_slots);
}
static inline const struct ose_ring_ent *dump_ring_ents(const struct ose_state_hdr *h)
{
	return (const struct ose_ring_ent *)(const void *)((const char *)h + h->off_rings);
}

/* Relaxed 64-bit load of a word the engine may be storing (a counter). */
static inline uint64_t dump_ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Copies slot i with the seqlock, at most `tries` attempts.  Returns 0
 * with a consistent copy in *out, or -EAGAIN if the slot never settled. */
int dump_slot_read(const struct ose_state_hdr *h, uint32_t i, struct ose_slot *out,
		   uint32_t tries);

/* 1 if order o passes filter f. */
int dump_filter_match(const struct dump_filter *f, const struct ose_slot *o);

/* Scans the slots in use (0 .. slots_used), keeps the live orders (open or
 * executed) that pass f, sorted by venue, account, symbol, open first,
 * created time, order id.  Returns 0 or -ENOMEM. */
int dump_orders_load(struct dump_inst *inst, const struct dump_filter *f);

/* The engine's ring entry for a ring segment name, or NULL. */
const struct ose_ring_ent *dump_ring_ent_find(const struct dump_inst *inst, const char *name);

/* Newest record of an SPSC ring copied with relaxed word loads into buf
 * (len <= slot size, multiple of 8).  Returns 1 with the record number in
 * *idx, 0 if the ring is empty, -EAGAIN if the producer lapped the copy. */
int dump_spsc_newest(const struct ose_seg *seg, void *buf, size_t len, uint64_t *idx);

/* Newest record of the event ring (struct ose_update).  Returns 1 with its
 * number in *idx, 0 if none published, -EAGAIN if it was being rewritten. */
int dump_bcast_newest(const struct ose_seg *seg, struct ose_update *u, uint64_t *idx);

/* Latency percentile from a log-linear histogram (shm/state.h buckets):
 * the upper bound of the bucket holding the q-quantile (q in per-mille),
 * capped by max_ns.  0 if the histogram is empty. */
uint64_t dump_hist_pct(const uint64_t *hist, unsigned nb, uint64_t max_ns, unsigned permille);
/* Same for the feed histograms (bucket i = [2^i, 2^(i+1))). */
uint64_t dump_hist2_pct(const uint64_t *hist, unsigned nb, unsigned permille);

/* ---- output (dump_out.c) -------------------------------------------------- */

#define DUMP_SEC_ENGINE (1u << 0)
#define DUMP_SEC_SEGMENTS (1u << 1)
#define DUMP_SEC_RINGS (1u << 2)
#define DUMP_SEC_FEEDS (1u << 3)
#define DUMP_SEC_STATS (1u << 4)
#define DUMP_SEC_ORDERS (1u << 5)
#define DUMP_SEC_ALL 0x3fu

struct dump_opts {
	unsigned sections;   /* DUMP_SEC_* (human output; JSON has every key) */
	int detail;          /* print each order in full with its history */
	int color;           /* unused for now: plain text only */
};

/* Human tables for an opened instance (orders loaded). */
void dump_human(FILE *f, const struct dump_inst *inst, const struct dump_opts *o);
/* The --json document (docs/dump.md, docs/dump.schema.json). */
void dump_json(FILE *f, const struct dump_inst *inst, const struct dump_opts *o);

/* --list: every instance in the segment directory.  Returns 0 or a
 * negative errno (directory unreadable). */
int dump_list(FILE *f, int json);

/* One event-ring record as a line (human) or one JSON object (no newline). */
void dump_update_line(FILE *f, const struct ose_update *u, uint64_t idx);
void dump_update_json(FILE *f, const struct ose_update *u, uint64_t idx);

#endif /* OSE_TOOLS_DUMP_H */
