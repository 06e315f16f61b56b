/* SPDX-License-Identifier: MIT */
/*
 * ose_tbl: the order table and lifecycle FSM (DESIGN §6) over a state
 * region laid out as shm/state.h describes.  Single writer (the engine hot
 * thread); readers use libose.  No threads, no syscalls, no allocation, no
 * printing: every entry point is a pure function of (table, input, now), so
 * a journal replay with the recorded `now` rebuilds the same table.
 */
#ifndef OSE_ENGINE_TBL_H
#define OSE_ENGINE_TBL_H

#include <stddef.h>
#include <stdint.h>

#include "shm/cmd.h"
#include "shm/event.h"
#include "shm/state.h"

struct ose_tbl_cfg {
	uint32_t capacity;   /* order slots (default 1 << 20) */
	uint32_t exec_bound; /* executed orders kept per (venue, symbol), default 1000 */
	uint32_t book_cap;   /* (venue, symbol) pairs, default 16384 */
	uint32_t ring_cap;   /* inbound rings remembered, default 256 */
};

void ose_tbl_cfg_default(struct ose_tbl_cfg *cfg);

/* Process-private view of a state region (pointers into it). */
struct ose_tbl {
	struct ose_state_hdr *hdr;
	struct ose_stats *st;
	struct ose_ring_ent *rings;
	struct ose_book *books;
	uint32_t *book_idx;
	struct ose_slot *slots;
	struct ose_slot_memo *memo;
	uint64_t *oid_idx;
	uint64_t *cid_idx;
	uint64_t idx_mask;
	uint32_t book_idx_mask;
};

/* Bytes needed for a region of this configuration (0 if it is invalid). */
size_t ose_tbl_size(const struct ose_tbl_cfg *cfg);

/* Formats an empty table in mem (size bytes, zeroed or not) and binds t.
 * Returns 0 or -EINVAL (bad config) / -ENOSPC (size too small). */
int ose_tbl_format(struct ose_tbl *t, void *mem, size_t size, const struct ose_tbl_cfg *cfg);

/* Binds t to an existing region after checking magic, version, struct
 * sizes and offsets against size.  If cfg is non-NULL the capacities must
 * match it too.  Returns 0, -EBADMSG (not a table), -EPROTO (other
 * version or struct sizes), -EUCLEAN (offsets out of range), -ESTALE
 * (capacities differ from cfg). */
int ose_tbl_bind(struct ose_tbl *t, void *mem, size_t size, const struct ose_tbl_cfg *cfg);

/* Result of applying one input. */
enum ose_ap {
	OSE_AP_APPLIED = 0,  /* the table changed */
	OSE_AP_DUP,          /* exact duplicate: nothing changed */
	OSE_AP_STALE,        /* older than what we hold: nothing changed */
	OSE_AP_INVALID_TR,   /* transition refused (e.g. terminal to another terminal) */
	OSE_AP_IGNORED,      /* heartbeat / balance: not for the table */
	OSE_AP_GAP,          /* gap marker recorded (venue flagged for reconcile) */
	OSE_AP_INVALID,      /* malformed: no key, bad venue or kind */
	OSE_AP_FULL,         /* no free slot (or book): refused, nothing touched */
	OSE_AP_NOT_FOUND,    /* lookup/stuck/not-found input for no known order */
};

const char *ose_ap_name(enum ose_ap r);

/* What an apply did, for the event ring. */
struct ose_ap_out {
	uint32_t slot;       /* OSE_NIL if none */
	uint8_t prev_status;
	uint8_t status;
	uint8_t created;     /* a new slot was taken */
	uint8_t executed;    /* the order is in the executed cache */
};

/* Applies a normalised event (kind ORDER, FILL, GAP; BALANCE/HEARTBEAT are
 * IGNORED).  `now` is the engine clock (ns) stamped on changes. */
enum ose_ap ose_tbl_apply(struct ose_tbl *t, const struct ose_event *ev, int64_t now,
			  struct ose_ap_out *out);
/* The same, given ev's order-id key hash as ose_tbl_pf_start/step stored
 * it in hs[] (saves hashing the key twice); 0 = compute it here. */
enum ose_ap ose_tbl_apply_h(struct ose_tbl *t, const struct ose_event *ev, uint64_t hash,
			    int64_t now, struct ose_ap_out *out);

/*
 * Batch pipelining (the engine's poll loop, benchmarks).  Hints only: they
 * read the table, never change it, and any event (even a malformed one) is
 * safe to pass.  For the n events evs[0..n-1] popped from a ring, call
 * ose_tbl_pf_start once, then ose_tbl_pf_step(i) just before applying
 * evs[i]: it hashes evs[i+8] and prefetches its index line (and, if
 * its status is terminal, what evicting its book's oldest executed order
 * would touch: that order's index entries and list neighbour), reads the
 * (by then cached) index line of evs[i+4] and prefetches the slot lines
 * its apply will touch (the memo too if it carries a fill; for a new
 * order, the slot a create will take), and for evs[i+2], if its status is
 * terminal, prefetches the list links closing it will edit.  At 1M resident orders each of those is
 * a DRAM miss; in a pipeline they overlap with the applies before.  hs is
 * caller scratch of n entries (key hashes).  A lone event gains nothing.
 */
/* How many events past the batch the pipeline reads (the key stage's
 * distance): a consumer peeks that many more records than it applies, so
 * the pipeline does not restart at every batch boundary. */
#define OSE_TBL_PF_AHEAD 8

void ose_tbl_pf_start(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		      uint64_t *hs);

/*
 * Batch after batch from one ring, the pipeline need not restart: the
 * steps of a batch that applied k of its n peeked records already ran
 * the first stages for records k..n-1 (at most OSE_TBL_PF_AHEAD of them),
 * which are the first records of the ring's next batch.  After the batch,
 * ose_tbl_pf_carry moves their hashes from hs[k..] to hs[0..] and returns
 * how many (`have`); if the next batch of that ring starts exactly at
 * record k (nothing consumed in between), call ose_tbl_pf_resume with
 * hs and `have` instead of ose_tbl_pf_start: it runs only the stages the
 * previous steps did not.  Any other case: ose_tbl_pf_start (have 0).
 * The hashes are pure functions of the records; the prefetches hints.
 */
void ose_tbl_pf_resume(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		       uint32_t have, uint64_t *hs);
uint32_t ose_tbl_pf_carry(uint64_t *hs, uint32_t n, uint32_t k);
void ose_tbl_pf_step(const struct ose_tbl *t, const struct ose_event *const *evs, uint32_t n,
		     uint32_t i, uint64_t *hs);

/* Registers a strategy's pending order (OSE_CMD_REGISTER). */
enum ose_ap ose_tbl_register(struct ose_tbl *t, const struct ose_cmd *c, int64_t now,
			     struct ose_ap_out *out);

/* Flags slot as stuck if it is still the PENDING_NEW order with this
 * client id (the slow path's timer fired).  APPLIED, DUP (already stuck)
 * or NOT_FOUND (acked, gone or reused). */
enum ose_ap ose_tbl_mark_stuck(struct ose_tbl *t, uint32_t slot, const char *client_id,
			       int64_t now, struct ose_ap_out *out);

/* The venue confirmed "not found" for a PENDING_NEW order: counted in the
 * slot (not_found, OSE_OF_NOT_FOUND); the second such answer makes it
 * REJECTED.  APPLIED (either answer: the slot changed) or NOT_FOUND (no
 * PENDING_NEW order with this client id in that slot). */
enum ose_ap ose_tbl_venue_not_found(struct ose_tbl *t, uint32_t slot, const char *client_id,
				    int64_t now, struct ose_ap_out *out);

/* Engine-side lookups (no seqlock needed: the caller is the writer).
 * Return the slot index or OSE_NIL.  account may be NULL or "" (any). */
uint32_t ose_tbl_find_oid(const struct ose_tbl *t, uint8_t venue, const char *account,
			  const char *symbol, const char *order_id);
uint32_t ose_tbl_find_cid(const struct ose_tbl *t, uint8_t venue, const char *account,
			  const char *symbol, const char *client_id);

/* Per-ring bookkeeping for exactly-once consumption. Returns the entry for
 * (name, created_ns), creating it (applied = start) if new or if the ring
 * was recreated; NULL if the ring table is full. */
struct ose_ring_ent *ose_tbl_ring(struct ose_tbl *t, const char *name, uint64_t ring_created,
				  uint32_t kind, uint64_t start);
struct ose_ring_ent *ose_tbl_ring_by_hash(struct ose_tbl *t, uint64_t name_hash);

/* Checks every invariant (indices <-> slots, lists, counts, bounds).
 * Returns 0 or a negative number identifying the first violation; for
 * tests and the engine's debug mode.  O(capacity). */
int ose_tbl_check(const struct ose_tbl *t);

/* Hash of a ring segment name (journal records carry it). */
uint64_t ose_key_name(const char *name);

#endif /* OSE_ENGINE_TBL_H */
