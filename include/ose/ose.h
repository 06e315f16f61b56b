/* SPDX-License-Identifier: MIT */
/*
 * libose: what a strategy links to read ose's order state.
 *
 *	ose_t *h;
 *	if (ose_open("prod", &h) == 0) {
 *		struct ose_order o;
 *		if (ose_find_order(h, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "12345", &o) == 0)
 *			printf("%s filled %s\n", ose_status_name(o.status), ...);
 *		ose_close(h);
 *	}
 *
 * Guarantees:
 *  - The state segment is mapped read-only: nothing here can corrupt it.
 *  - Every ose_find_* / ose_*_orders / ose_stats_read / ose_events_next
 *    call is wait-free for the engine and makes no system call once the
 *    handle is open (tests/engine prove it with a seccomp filter).  They
 *    never block: under a write they retry a bounded number of times and
 *    then return -EAGAIN.
 *  - Every struct ose_order / ose_brief returned is a consistent snapshot
 *    of one order (seqlock) that carries the key asked for (compared
 *    inside the same snapshot: a reused slot never yields another order);
 *    a list is a consistent membership snapshot of its (venue, symbol)
 *    list, each element individually consistent.
 *
 * Return values: 0 or a count on success, a negative errno otherwise
 * (-ENOENT not found, -EAGAIN contention, -EINVAL bad argument); nothing
 * prints.  An output struct holds a snapshot only after a 0 return (a
 * failed call may have written to it).  Handles are not thread-safe: one per thread, or lock around.
 *
 * Types from the shared ABI: enum ose_venue / ose_status / ose_side and
 * ose_dec (exact decimal, 1e-20 units; ose_dec_format prints it) come from
 * shm/event.h and shm/dec.h; struct ose_stats and struct ose_update from
 * shm/state.h (layouts documented there and in docs/engine.md).
 */
#ifndef OSE_OSE_H
#define OSE_OSE_H

#include <stddef.h>
#include <stdint.h>

#include "shm/cmd.h"
#include "shm/dec.h"
#include "shm/event.h"
#include "shm/state.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ose_handle ose_t;

/* ose_find_* / ose_get_order result besides 0 and -errno. */
#define OSE_PENDING 1 /* not in the table: a lookup was queued (answer on the event ring) */

/* The first word of struct ose_order and struct ose_brief (it mirrors the
 * slot's head word: libose stores it in one go) and the slot index. */
#define OSE_ORDER_HEAD                                                                         \
	uint8_t venue;    /* enum ose_venue */                                                 \
	uint8_t status;   /* enum ose_status */                                                \
	uint8_t side;     /* enum ose_side */                                                  \
	uint8_t ord_type; /* enum ose_ord_type */                                              \
	uint8_t tif;      /* enum ose_tif */                                                   \
	uint8_t open;     /* 1 if in the open table, 0 if in the executed cache */             \
	uint16_t flags;   /* OSE_OF_* (shm/state.h): STUCK, QTY_IN_QUOTE, HAS_PRICE... */       \
	uint32_t slot     /* table slot (stable while the order is tracked) */

struct ose_order {
	OSE_ORDER_HEAD;
	uint32_t updates; /* changes applied */
	char account[OSE_ACCOUNT_MAX];
	char symbol[OSE_SYMBOL_MAX];
	char order_id[OSE_ID_MAX];
	char client_id[OSE_ID_MAX];
	ose_dec price;    /* valid if flags & OSE_OF_HAS_PRICE */
	ose_dec qty;      /* valid if flags & OSE_OF_HAS_QTY */
	ose_dec filled;   /* cumulative filled quantity */
	ose_dec avg_px;   /* valid if flags & OSE_OF_HAS_AVG_PX */
	ose_dec fee;      /* cumulative, valid if flags & OSE_OF_HAS_FEE */
	int64_t created_ns, updated_ns, exch_ts_ns;
	uint32_t hist_n;  /* transitions below, oldest first (at most 8) */
	uint8_t hist_status[OSE_HIST_MAX];
	int64_t hist_ts_ns[OSE_HIST_MAX];
};

/* Attaches instance NAME's state segment read-only ($OSE_SHM_DIR or
 * /dev/shm).  Returns 0 and *out, or -ENOENT (no engine ever ran),
 * -EPROTO (layout of another version), -EBADMSG, -ENOMEM. */
int ose_open(const char *instance, ose_t **out);
void ose_close(ose_t *h);

/* Bytes of h's mapping of the state segment the kernel backs with huge
 * pages (2 MiB) right now; 0: all 4 KiB pages (the host's tmpfs is not
 * mounted huge=advise, see `tools/ose tune`); negative errno.  Reads
 * /proc/self/smaps (syscalls): for start-up checks and reports, never on
 * a hot path. */
long long ose_huge_bytes(const ose_t *h);

/* 1 if the engine process is alive (pid + start time: a syscall), else 0. */
int ose_engine_alive(const ose_t *h);
/* Nanoseconds since the engine's last heartbeat (CLOCK_REALTIME via vDSO). */
int64_t ose_engine_heartbeat_age_ns(const ose_t *h);

/* ---- prepared keys: the fast path --------------------------------------
 *
 * A strategy looks up the same orders again and again.  An ose_key is
 * prepared once per order (the strings copied into zero-filled fixed
 * arrays, the index hash computed) and then passed to ose_find_brief /
 * ose_find_key, which skip the string work.  The key also remembers the
 * slot where it last found its order (a hint): the next call reads that
 * slot directly and verifies, inside the same seqlock snapshot, that it
 * still carries the key (venue, order or client id, symbol and account
 * if given); if the slot was reused for another order, the call falls
 * back to the index probe and never returns the other order's state.
 *
 *	struct ose_key k;
 *	struct ose_brief b;
 *	ose_key_order(&k, OSE_VENUE_BINANCE, "main", "BTCUSDT", "12345");
 *	for (;;)
 *		if (ose_find_brief(h, &k, &b) == 0 && b.status == OSE_ST_FILLED)
 *			break;
 *
 * Ownership: the key is the caller's memory and holds no pointer (it may
 * be copied, kept in the strategy's own order record, used with any handle
 * of any instance: a hint from elsewhere is only a wrong guess).  The find
 * calls write the hint, so one key is used by one thread at a time.  The
 * fields are libose's: set them only through ose_key_order / ose_key_client.
 */
struct ose_key {
	/* Line 0: all a find reads of a key whose id is at most 23
	 * characters, symbol 15 and account 7 (the usual case). */
	uint32_t hint;   /* slot + 1 of the last hit, 0 none: a guess, always verified */
	int8_t err;      /* 0, or what every find with this key returns (-EINVAL, -ENOENT) */
	uint8_t venue;   /* enum ose_venue */
	uint8_t idw;     /* slot payload word of the id compared (order or client id) */
	uint8_t kf;      /* shape: client id, which fields given, long forms, hint off */
	uint64_t hash;   /* ose_key_oid / ose_key_cid (shm/state.h) */
	uint64_t w0[6];  /* zero-filled words: id 0-2, symbol 0-1, account 0 */
	/* Line 1: the long forms' words. */
	uint64_t w1[6];  /* id 3-5, symbol 2-3, account 1 */
	uint64_t _rsv[2];
} __attribute__((aligned(64))); /* two cache lines */
OSE_STATIC_ASSERT(sizeof(struct ose_key) == 128, "ose_key is two lines");

/* What a strategy polls: a consistent snapshot of one order's live fields,
 * read from fewer slot lines than struct ose_order (no strings, no fee,
 * no history). */
struct ose_brief {
	OSE_ORDER_HEAD;
	uint32_t updates; /* changes applied: differs => something changed */
	uint64_t venue_seq; /* newest venue sequence applied, 0 if none */
	int64_t updated_ns; /* engine clock at the last change */
	ose_dec qty;      /* valid if flags & OSE_OF_HAS_QTY */
	ose_dec filled;   /* cumulative filled quantity */
	ose_dec remaining; /* qty - filled if flags & OSE_OF_HAS_QTY (never < 0), else 0 */
	ose_dec avg_px;   /* valid if flags & OSE_OF_HAS_AVG_PX */
	int64_t exch_ts_ns; /* newest venue timestamp applied */
};

/* Prepares k for (venue, account, symbol, exchange order id); account
 * NULL/"" = any.  0; -EINVAL (symbol or order id NULL, order id empty);
 * -ENOENT (a string too long for its field: no order can carry it).  On
 * an error k is still set: every find with it returns that error. */
int ose_key_order(struct ose_key *k, enum ose_venue venue, const char *account,
		  const char *symbol, const char *order_id);
/* The same for (venue, account, client order id); account/symbol NULL/""
 * = any.  A find with it prefers the open order when a client id was
 * reused (the hint is taken only while its order is open). */
int ose_key_client(struct ose_key *k, enum ose_venue venue, const char *account,
		   const char *symbol, const char *client_id);

/* on 0: finds with k neither use nor keep a slot hint (every find probes
 * the index); on 1 (the default): they do.  0 or -EINVAL. */
int ose_key_hint(struct ose_key *k, int on);

/* The compact snapshot of k's order into *out: 0, -ENOENT, -EAGAIN (no
 * consistent copy in a bounded number of tries), or k's error.  No
 * syscall, no allocation; updates k's hint. */
int ose_find_brief(ose_t *h, struct ose_key *k, struct ose_brief *out);
/* n finds in one call: out[i] and rc[i] (0, -ENOENT, -EAGAIN, key i's
 * error, -EINVAL for a NULL key) exactly as ose_find_brief(h, keys[i],
 * &out[i]) would return them (it is called for each key, hint and probe
 * included), but the cache misses of the n lookups overlap: the keys, then
 * their index entries (or hinted slots), then the slots are prefetched in
 * groups before the finds.  Returns how many were found, or -EINVAL. */
int ose_find_brief_n(ose_t *h, struct ose_key *const *keys, size_t n, struct ose_brief *out,
		     int *rc);
/* The full struct ose_order of k's order; as ose_find_brief. */
int ose_find_key(ose_t *h, struct ose_key *k, struct ose_order *out);

/* ---- lookups by strings ------------------------------------------------ */

/* By (venue, account, symbol, exchange order id); account NULL/"" = any.
 * 0 and *out, -ENOENT, -EAGAIN.  Hashes and copies the strings on every
 * call: prefer a prepared ose_key for orders looked up repeatedly. */
int ose_find_order(ose_t *h, enum ose_venue venue, const char *account, const char *symbol,
		   const char *order_id, struct ose_order *out);
/* By (venue, account, client order id); account/symbol NULL/"" = any;
 * prefers the open order when a client id was reused. */
int ose_find_client(ose_t *h, enum ose_venue venue, const char *account, const char *symbol,
		    const char *client_id, struct ose_order *out);

/* Open orders of (venue, symbol), newest first: copies up to max into out
 * and returns how many the list holds (may exceed max), or -EAGAIN. */
int ose_open_orders(ose_t *h, enum ose_venue venue, const char *symbol, struct ose_order *out,
		    size_t max);
/* The executed cache of (venue, symbol), oldest first; as above. */
int ose_executed_orders(ose_t *h, enum ose_venue venue, const char *symbol,
			struct ose_order *out, size_t max);

/* Copies the statistics (each counter exact, the set not atomic). */
int ose_stats_read(ose_t *h, struct ose_stats *out);
/* Latency percentile (0 < p < 1) of the apply histogram in ns (bucket
 * lower bound), 0 if empty. */
uint64_t ose_stats_percentile(const struct ose_stats *st, double p);
/* The same for the frame -> table histogram (feed socket readable ->
 * slot published, st->f2t_hist; shm/state.h). */
uint64_t ose_stats_f2t_percentile(const struct ose_stats *st, double p);

/* ---- the event ring ------------------------------------------------- */
struct ose_events;
/* Attaches ose.<instance>.events read-only; from_oldest 1 = replay what
 * the ring still holds, 0 = only new records. */
int ose_events_open(ose_t *h, int from_oldest, struct ose_events **out);
/* 1 and *out: the next record; 0: nothing new.  Records lost to overrun
 * (a slow reader) are added to *lost (may be NULL) and skipped. */
int ose_events_next(struct ose_events *ev, struct ose_update *out, uint64_t *lost);
void ose_events_close(struct ose_events *ev);

/* ---- commands (this strategy's own ring) ---------------------------- */
/* A command is a record pushed into the strategy's ring: no syscall while
 * the engine is awake.  If the engine is asleep on its rings (its wait
 * strategy on a shared machine), the push wakes it with one futex-wake
 * syscall (docs/shm.md, the doorbell), so a command is seen at once. */
struct ose_cmdq;
/* Creates (or re-adopts) ose.<instance>.cmd.<strategy>; the engine
 * discovers it within its scan period.  0 or -errno. */
int ose_cmdq_open(ose_t *h, const char *strategy, struct ose_cmdq **out);
void ose_cmdq_close(struct ose_cmdq *q);
/* Registers an order about to be sent (PENDING_NEW until the venue acks
 * the client id).  price/qty may be NULL.  0, -EAGAIN (ring full),
 * -EINVAL. */
int ose_register(struct ose_cmdq *q, enum ose_venue venue, const char *account,
		 const char *symbol, const char *client_id, enum ose_side side,
		 const ose_dec *price, const ose_dec *qty);
/* Three-tier lookup: the table (open, then executed cache) now; on a miss
 * a lookup is queued on q (if non-NULL) and OSE_PENDING returned: the
 * answer arrives on the event ring with req_id.  0 found, OSE_PENDING,
 * -ENOENT (miss and q NULL), -EAGAIN. */
int ose_get_order(ose_t *h, struct ose_cmdq *q, enum ose_venue venue, const char *account,
		  const char *symbol, const char *order_id, uint64_t req_id,
		  struct ose_order *out);

#ifdef __cplusplus
}
#endif

#endif /* OSE_OSE_H */
