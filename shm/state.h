/* SPDX-License-Identifier: MIT */
/*
 * The state segment layout (DESIGN §3): what ose-engine publishes and what
 * libose, ose-dump and strategies read.  Written only by the engine; every
 * other process maps it PROT_READ.
 *
 * The segment (`ose.<instance>`, created through shm/seg.h) carries, after
 * the generic segment header, one struct ose_state_hdr.  Every region below
 * is located by a byte offset counted from the first byte of that
 * ose_state_hdr (never a pointer), so the layout is position independent:
 *
 *   off 0              struct ose_state_hdr           (4096 bytes)
 *   off_stats          struct ose_stats               (engine counters)
 *   off_rings          struct ose_ring_ent[ring_cap]  (inbound rings seen)
 *   off_books          struct ose_book[book_cap]      (one per venue+symbol)
 *   off_book_idx       uint32_t[book_idx_cap]         (book hash, append only)
 *   off_slots          struct ose_slot[capacity]      (the order table)
 *   off_memo           struct ose_slot_memo[capacity] (engine-private)
 *   off_oid_idx        uint64_t[idx_cap]              (venue,symbol,order id)
 *   off_cid_idx        uint64_t[idx_cap]              (venue,client order id)
 *
 * Every region starts on a 128-byte boundary.  Sizes and offsets are in the
 * header; a reader checks magic, version and the sizes of the structs it
 * was compiled with (slot_size, book_size, ...) before trusting a byte.
 *
 * Concurrency contract (single writer, many readers, no locks):
 *  - A slot's payload (ose_slot.seq excluded, links excluded) is published
 *    with a seqlock: seq is odd while the engine writes, even when stable.
 *    A reader copies the payload as 8-byte atomic words and retries if seq
 *    changed or was odd.  A slot can be freed and reused for another order,
 *    so a reader that found a slot through an index compares the key it
 *    asked for with the copy it took.
 *  - The two hash indices are open-addressed, linear probing, with
 *    backward-shift deletion (no tombstones).  An entry is one 64-bit word:
 *    low 32 bits = slot index + 1 (0 = empty), high 32 bits = the top 32
 *    bits of the key hash (a tag that skips most non-matching slots).
 *    Because a deletion moves entries, a reader that misses re-checks
 *    hdr.idx_gen (odd while the engine edits an index, bumped by 2 per
 *    edit) and retries if it changed; a hit is validated by the key compare.
 *  - Book lists (open orders, executed FIFO) are doubly linked through
 *    ose_slot.prev/next (slot indices, OSE_NIL terminates).  ose_book.ver is
 *    odd while the engine changes list membership; a reader walking a list
 *    retries when ver changed.  Slot contents inside a list are read with
 *    the slot seqlock as usual.
 *  - Counters are 64-bit words stored with relaxed atomics; each is
 *    individually exact, a set of them is not a snapshot.
 *
 * Changing any struct here bumps OSE_STATE_VERSION.
 */
#ifndef OSE_SHM_STATE_H
#define OSE_SHM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "shm/dec.h"
#include "shm/event.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_STATE_MAGIC 0x455441545345534fULL /* "OSESTATE" little endian */
#define OSE_STATE_VERSION 6u /* 2: ose_slot.oid_hash / cid_hash; 3: order-key hash; 4: hot/cold slot layout; 5: book key in line 1; 6: frame -> table histogram */

#define OSE_NIL 0xffffffffu      /* "no slot" in links and heads */
#define OSE_HIST_MAX 8           /* status transitions kept per order */
#define OSE_TRADE_MEMO 8         /* trade-id hashes kept per order */
#define OSE_LAT_BUCKETS 256      /* apply-latency histogram */
#define OSE_RING_NAME_MAX 96
#define OSE_STATE_ALIGN 128

/* ose_slot.oflags */
#define OSE_OF_OPEN (1u << 0)        /* in its book's open list */
#define OSE_OF_EXECUTED (1u << 1)    /* terminal, in its book's executed FIFO */
#define OSE_OF_REGISTERED (1u << 2)  /* registered by a strategy (command ring) */
#define OSE_OF_STUCK (1u << 3)       /* PENDING_NEW past the stuck timeout */
#define OSE_OF_QTY_IN_QUOTE (1u << 4) /* qty/filled are quote currency (as reported) */
#define OSE_OF_HAS_PRICE (1u << 5)
#define OSE_OF_HAS_QTY (1u << 6)
#define OSE_OF_HAS_AVG_PX (1u << 7)
#define OSE_OF_HAS_FEE (1u << 8)
#define OSE_OF_LATE_FILL (1u << 9)   /* a fill raised it after it was terminal */
#define OSE_OF_NOT_FOUND (1u << 10)  /* venue said "not found" at least once */
#define OSE_OF_HAS_CID (1u << 11)    /* client_id is not "" (saves reading line 5) */

/*
 * One order.  384 bytes (6 cache lines), laid out by how often the engine
 * touches a field (state version 4): an update of a known order (status,
 * quantities) reads and writes lines 0-1 and reads line 2 (the order id
 * and account it verifies the key with; the symbol is verified through the
 * book, whose line stays cached); a status transition adds line 4 (the
 * history timestamps); fees, the symbol string, the creation time and the
 * order-id hash (line 3) and the client id (line 5) are touched only when
 * they change or when the order is created or evicted.
 *
 * Words 1..45 (bytes 8..367) are the seqlocked payload; prev/next (bytes
 * 368..375) are list links read with relaxed atomics under the book's
 * version; bytes 376..383 hold the engine's client-id hash.
 */
struct ose_slot {
	/* Line 0: what every update reads and writes. */
	uint64_t seq;       /*   0: seqlock, odd while written */
	uint8_t venue;      /*   8: enum ose_venue */
	uint8_t status;     /*   9: enum ose_status */
	uint8_t side;       /*  10: enum ose_side */
	uint8_t ord_type;   /*  11: enum ose_ord_type */
	uint8_t tif;        /*  12: enum ose_tif */
	uint8_t hist_len;   /*  13: transitions recorded so far (saturates at 255) */
	uint16_t oflags;    /*  14: OSE_OF_* */
	uint32_t book;      /*  16: index into the books array */
	uint16_t not_found; /*  20: venue "not found" answers seen */
	uint16_t _pad0;     /*  22 */
	uint64_t venue_seq; /*  24: newest venue sequence applied, 0 if none */
	int64_t updated_ns; /*  32: engine clock at the last change */
	int64_t exch_ts_ns; /*  40: newest venue timestamp applied */
	uint64_t updates;   /*  48: changes applied to this order */
	/* 56: the last OSE_HIST_MAX transitions, ring-ordered: entry
	 * (hist_len - 1) % OSE_HIST_MAX is the newest; hist_ts (line 4)
	 * holds the engine clock of each. */
	uint8_t hist_st[OSE_HIST_MAX];
	/* Line 1: quantities. */
	ose_dec filled;     /*  64: cumulative filled quantity, never decreases */
	ose_dec qty;        /*  80 */
	ose_dec price;      /*  96 */
	ose_dec avg_px;     /* 112 */
	/* Line 2: the key fields an update compares. */
	char order_id[OSE_ID_MAX];      /* 128: "" while PENDING_NEW */
	char account[OSE_ACCOUNT_MAX];  /* 176 */
	/* Line 3: set at creation or rarely changed. */
	ose_dec fee;        /* 192: cumulative fee from fills seen */
	char symbol[OSE_SYMBOL_MAX];    /* 208: also the book's (venue, symbol) */
	int64_t created_ns; /* 240: engine clock (CLOCK_REALTIME) at creation */
	/* 248: ose_key_oid(venue, symbol, order_id), 0 while order_id is "":
	 * the engine removes an evicted order's index entry (and prefetches
	 * it) without re-reading and re-hashing its strings. */
	uint64_t oid_hash;
	/* Line 4: status history timestamps. */
	int64_t hist_ts[OSE_HIST_MAX];  /* 256: engine clock of the transition */
	/* Line 5: client id and engine bookkeeping. */
	char client_id[OSE_ID_MAX];     /* 320: "" if the venue gave none */
	uint32_t prev;      /* 368: list link (slot index or OSE_NIL) */
	uint32_t next;      /* 372 */
	/* 376: ose_key_cid(venue, client_id), 0 while client_id is "".
	 * Engine bookkeeping outside the seqlocked payload: readers ignore it. */
	uint64_t cid_hash;
} __attribute__((aligned(64)));

#define OSE_SLOT_PAYLOAD_OFF 8
#define OSE_SLOT_PAYLOAD_WORDS 45 /* bytes 8..367 */
OSE_STATIC_ASSERT(sizeof(struct ose_slot) == 384, "ose_slot size is ABI");
OSE_STATIC_ASSERT(offsetof(struct ose_slot, filled) == 64 && offsetof(struct ose_slot, order_id) == 128 &&
			  offsetof(struct ose_slot, fee) == 192 && offsetof(struct ose_slot, hist_ts) == 256 &&
			  offsetof(struct ose_slot, client_id) == 320 && offsetof(struct ose_slot, prev) == 368,
		  "ose_slot lines are laid out as documented");

/* Engine-private per-slot memory (readers ignore it): the hashes of the
 * last OSE_TRADE_MEMO trade ids applied (fill deduplication) and the sum of
 * the distinct fills seen (the cumulative guard for fill-only channels). */
struct ose_slot_memo {
	uint64_t trade[OSE_TRADE_MEMO]; /*  0: hash | 1; 0 = empty */
	ose_dec fill_sum;               /* 64: sum of last_qty over distinct trades */
	uint32_t ntrade;                /* 80: trades recorded (ring position) */
	uint32_t _pad;
	uint64_t _rsv;                  /* 88 */
};
OSE_STATIC_ASSERT(sizeof(struct ose_slot_memo) == 96, "ose_slot_memo size is ABI");

/* One (venue, symbol): its open list and executed FIFO (oldest at head).
 * Line 0 holds what the engine writes on every open or close (version,
 * heads, counts); line 1 the key, written once at creation: a reader that
 * compares a slot's symbol through its book (slot.book, line 0 of the
 * slot) keeps that line cached while the engine churns the lists
 * (state version 5). */
struct ose_book {
	uint64_t ver;        /*   0: odd while list membership changes */
	uint32_t open_head;  /*   8 */
	uint32_t open_count; /*  12 */
	uint32_t exec_head;  /*  16: oldest executed (evicted first) */
	uint32_t exec_tail;  /*  20: newest executed */
	uint32_t exec_count; /*  24 */
	uint32_t _pad1;
	uint64_t _rsv[4];    /*  32 */
	uint8_t venue;       /*  64 */
	uint8_t _pad[15];
	char symbol[OSE_SYMBOL_MAX]; /* 80 */
	uint64_t _rsv2[2];   /* 112 */
} __attribute__((aligned(64)));
OSE_STATIC_ASSERT(sizeof(struct ose_book) == 128, "ose_book size is ABI");
OSE_STATIC_ASSERT(offsetof(struct ose_book, venue) == 64 && offsetof(struct ose_book, symbol) == 80,
		  "a book's key is in its second line, away from the list fields");

enum ose_ring_kind { OSE_RING_FEED = 1, OSE_RING_CMD = 2, OSE_RING_INTERNAL = 3 };
enum ose_ring_state { OSE_RS_FREE = 0, OSE_RS_ACTIVE = 1, OSE_RS_DRAINED = 2 };

/* One inbound ring the engine has consumed from.  `applied` is the ring's
 * free-running consumer index after the last event applied: a restart skips
 * ring records below it (exactly-once, see docs/engine.md). */
struct ose_ring_ent {
	char name[OSE_RING_NAME_MAX]; /*   0: segment name, e.g. ose.x.feed.binance.main */
	uint64_t name_hash;   /*  96 */
	uint64_t ring_epoch;  /* 104: the ring segment's creation epoch */
	uint64_t applied;     /* 112: consumer index after the last applied record */
	uint64_t consumed;    /* 120: records consumed (all time) */
	uint64_t rejected;    /* 128: records refused (bad, table full) */
	uint32_t kind;        /* 136: enum ose_ring_kind */
	uint32_t state;       /* 140: enum ose_ring_state */
	int32_t producer_pid; /* 144 */
	uint32_t _pad;
	uint64_t _rsv[5];     /* 152 */
} __attribute__((aligned(64)));
OSE_STATIC_ASSERT(sizeof(struct ose_ring_ent) == 192, "ose_ring_ent size is ABI");

/* Statistics: every field a uint64_t (relaxed atomics). */
struct ose_stats {
	uint64_t tracked;          /* slots in use (open + executed cached) */
	uint64_t open;             /* orders in open lists */
	uint64_t executed_cached;  /* orders in executed caches */
	uint64_t exec_symbols;     /* books with at least one executed order */
	uint64_t filled_total;     /* transitions into FILLED */
	uint64_t canceled_total;
	uint64_t expired_total;
	uint64_t rejected_total;
	uint64_t events_received;  /* records popped from all rings */
	uint64_t events_applied;   /* records that changed the table */
	uint64_t duplicates;       /* exact duplicates dropped */
	uint64_t stale;            /* stale updates (lower cumulative/status) dropped */
	uint64_t invalid_transitions;
	uint64_t invalid_events;   /* no key, bad venue, unknown kind */
	uint64_t table_full;       /* events refused: no free slot */
	uint64_t books_full;       /* events refused: no free book */
	uint64_t stuck_now;        /* PENDING_NEW orders currently flagged stuck */
	uint64_t stuck_total;
	uint64_t registered;       /* pending orders registered by strategies */
	uint64_t pending_acked;    /* registered orders acked by the venue */
	uint64_t lookups;          /* lookup commands received */
	uint64_t lookup_open_hits;
	uint64_t lookup_exec_hits;
	uint64_t lookup_miss_queued; /* sent to the slow path (REST tier) */
	uint64_t lookup_not_found_local; /* slow path answered "not found locally" */
	uint64_t fills_applied;    /* fills that raised filled quantity */
	uint64_t fill_dup_trade;   /* fills dropped by trade-id dedup */
	uint64_t overfill_guard;   /* fills clamped/dropped by the cumulative guard */
	uint64_t late_fills;       /* fills applied to terminal orders */
	uint64_t qty_in_quote;     /* events flagged OSE_EVF_QTY_IN_QUOTE */
	uint64_t gaps;             /* OSE_EV_GAP markers */
	uint64_t reconcile_venues; /* bit (1 << venue): venue needs reconcile */
	uint64_t evicted;          /* executed orders evicted (bound reached) */
	uint64_t bcast_published;  /* records written to the event ring */
	uint64_t journal_records;
	uint64_t journal_bytes;
	uint64_t journal_fsyncs;
	uint64_t journal_errors;
	uint64_t rings_attached;
	uint64_t rings_detached;
	uint64_t recoveries_state;   /* starts that resumed from this segment */
	uint64_t recoveries_journal; /* starts that rebuilt from the journal */
	uint64_t recovery_skipped;   /* ring records skipped as already applied */
	uint64_t lat_count;        /* apply latency samples */
	uint64_t lat_sum_ns;
	uint64_t lat_max_ns;
	/* Frame -> table (state version 6): from the feed's socket-readable
	 * stamp (ose_event.recv_ts_ns, CLOCK_REALTIME) to the slot published,
	 * for each feed event that carries one: the whole path, live. */
	uint64_t f2t_count;
	uint64_t f2t_sum_ns;
	uint64_t f2t_max_ns;
	uint64_t f2t_clock_back;   /* samples left out: stamp after the publish (a clock step) */
	uint64_t out_of_range;     /* events refused: a fee or fill sum past ose_dec's range
				    * (also counted in invalid_events) */
	uint64_t _rsv[13];         /* pads the scalar part to 512 bytes */
	/* Apply latency, ring pop -> slot published, ns, log-linear: bucket
	 * b < 16 holds value b; above, 8 buckets per power of two (see
	 * ose_lat_bucket / ose_lat_bucket_low). */
	uint64_t lat_hist[OSE_LAT_BUCKETS];
	/* Frame -> table, the same buckets (f2t_count samples). */
	uint64_t f2t_hist[OSE_LAT_BUCKETS];
};
OSE_STATIC_ASSERT(sizeof(struct ose_stats) == 512 + 16 * OSE_LAT_BUCKETS, "ose_stats size is ABI");

struct ose_state_hdr {
	uint64_t magic;          /*   0: OSE_STATE_MAGIC */
	uint32_t version;        /*   8: OSE_STATE_VERSION */
	uint32_t hdr_size;       /*  12: sizeof(struct ose_state_hdr) */
	uint64_t total_size;     /*  16: bytes from this header to the end */
	uint32_t capacity;       /*  24: order slots */
	uint32_t exec_bound;     /*  28: executed orders kept per book */
	uint32_t idx_cap;        /*  32: entries per hash index (power of two) */
	uint32_t book_cap;       /*  36 */
	uint32_t book_idx_cap;   /*  40: power of two */
	uint32_t ring_cap;       /*  44 */
	uint32_t slot_size;      /*  48: sizeof(struct ose_slot) */
	uint32_t book_size;      /*  52 */
	uint32_t ring_ent_size;  /*  56 */
	uint32_t stats_size;     /*  60 */
	uint64_t off_stats;      /*  64 */
	uint64_t off_rings;      /*  72 */
	uint64_t off_books;      /*  80 */
	uint64_t off_book_idx;   /*  88 */
	uint64_t off_slots;      /*  96 */
	uint64_t off_memo;       /* 104 */
	uint64_t off_oid_idx;    /* 112 */
	uint64_t off_cid_idx;    /* 120 */
	/* Engine-owned words below change while running. */
	uint64_t idx_gen;        /* 128: odd while an index is edited */
	uint64_t in_apply;       /* 136: non-zero while a batch is being applied */
	uint64_t clean;          /* 144: 1 after a clean shutdown */
	uint64_t free_head;      /* 152: first free slot (OSE_NIL = none), chained by next */
	uint64_t slots_used;     /* 160: high-water mark of never-used slots */
	uint64_t books_used;     /* 168 */
	uint64_t rings_used;     /* 176 */
	uint64_t journal_seq;    /* 184: records handed to the journal */
	uint64_t applied_total;  /* 192: events applied since creation */
	int64_t heartbeat_ns;    /* 200: CLOCK_REALTIME, refreshed by the hot thread */
	int64_t engine_pid;      /* 208 */
	uint64_t epoch;          /* 216: bumped at every engine start */
	uint64_t bcast_seq;      /* 224: records published on the event ring */
	uint64_t _rsv[483];      /* 232: pads the header to 4096 bytes */
};
OSE_STATIC_ASSERT(sizeof(struct ose_state_hdr) == 4096, "ose_state_hdr size is ABI");

/*
 * The record the engine publishes on the event ring (`ose.<instance>.events`,
 * shm/bcast.h), one per state change or lookup answer.  256 bytes.
 */
enum ose_update_kind {
	OSE_UPD_ORDER = 1,    /* an order changed: status/quantities are the new state */
	OSE_UPD_LOOKUP = 2,   /* answer to a lookup command (req_id), found or not */
	OSE_UPD_ERROR = 3,    /* an event refused (reason), or a gap marker */
};
/* Priority classes (issue 3): the higher, the more urgent. */
#define OSE_PRIO_ERROR 9
#define OSE_PRIO_FILLED 8
#define OSE_PRIO_PLACED 7
#define OSE_PRIO_CANCELED 6
#define OSE_PRIO_OTHER 5

/* ose_update.uflags */
#define OSE_UF_FOUND (1u << 0)     /* lookup: the order was found */
#define OSE_UF_EXECUTED (1u << 1)  /* lookup: found in the executed cache */
#define OSE_UF_NOT_LOCAL (1u << 2) /* lookup: "not found locally" (REST tier pending) */

struct ose_update {
	uint8_t kind;         /*   0: enum ose_update_kind */
	uint8_t prio;         /*   1: OSE_PRIO_* */
	uint8_t venue;        /*   2 */
	uint8_t status;       /*   3: new status */
	uint8_t prev_status;  /*   4 */
	uint8_t side;         /*   5 */
	uint16_t uflags;      /*   6: OSE_UF_* */
	uint32_t slot;        /*   8: table slot (OSE_NIL if none) */
	uint32_t _pad;
	uint64_t req_id;      /*  16: lookup request id, else 0 */
	int64_t ts_ns;        /*  24: engine clock */
	char account[OSE_ACCOUNT_MAX];  /* 32 */
	char symbol[OSE_SYMBOL_MAX];    /* 48 */
	char order_id[OSE_ID_MAX];      /* 80 */
	char client_id[OSE_ID_MAX];     /* 128 */
	ose_dec price;        /* 176 */
	ose_dec qty;          /* 192 */
	ose_dec filled;       /* 208 */
	char reason[32];      /* 224: why, for OSE_UPD_ERROR */
} __attribute__((aligned(64)));
OSE_STATIC_ASSERT(sizeof(struct ose_update) == 256, "ose_update size is ABI");

/* Log-linear latency bucket of v ns (see ose_stats.lat_hist). */
static inline unsigned ose_lat_bucket(uint64_t v)
{
	if (v < 16)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= 4 */
	unsigned b = 16u + (e - 4u) * 8u + (unsigned)((v >> (e - 3u)) & 7u);
	return b < OSE_LAT_BUCKETS ? b : OSE_LAT_BUCKETS - 1;
}

/* Smallest value that lands in bucket b. */
static inline uint64_t ose_lat_bucket_low(unsigned b)
{
	if (b < 16)
		return b;
	unsigned e = 4u + (b - 16u) / 8u;
	return (1ull << e) | ((uint64_t)((b - 16u) % 8u) << (e - 3u));
}

/*
 * Key hashes (engine and readers must agree): a string is hashed as its
 * bytes up to the NUL (at most max), in 8-byte little-endian chunks, the
 * last one zero-padded, then its length.
 *   order-id index:  ose_key_oid(venue, symbol, order_id)
 *   client-id index: ose_key_cid(venue, client_id)
 *   book index:      ose_key_book(venue, symbol)
 * Index position = (hash >> 32) & (cap - 1); the stored tag is hash >> 32.
 * Order keys ("fast", state version 3) take one multiply per chunk and one
 * ose_key_mix at the end (ose_key_end): a 2-3 word key is a chain of 4-5
 * multiplies instead of 10.  Ring names and trade ids keep ose_key_mix per
 * chunk (a ring name's hash is stored in journal records).
 */
static inline uint64_t ose_key_mix(uint64_t h, uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	k ^= k >> 29;
	h ^= k;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h;
}

/* One chunk k into h: fast (order keys) or ose_key_mix. */
static inline uint64_t ose_key_step(uint64_t h, uint64_t k, int fast)
{
	return fast ? (h ^ k) * 0x9e3779b97f4a7c15ull : ose_key_mix(h, k);
}

/* The end of a fast hash: the high half folded in, then one full mix. */
static inline uint64_t ose_key_end(uint64_t h)
{
	return ose_key_mix(h ^ (h >> 32), 0);
}

/* The whole 8-byte words of s[0..n) stepped into h; the first byte after
 * them is s[n & ~7]. */
static inline uint64_t ose_key_words(uint64_t h, const char *s, size_t n, int fast)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t k;
		__builtin_memcpy(&k, s + i, 8);
		h = ose_key_step(h, k, fast);
	}
	return h;
}

/* The string hash of s when its length n (bytes before the NUL, at most
 * max) is already known; never reads past s[n - 1]. */
static inline uint64_t ose_key_strn(uint64_t h, const char *s, size_t n, int fast)
{
	size_t i = n & ~(size_t)7;
	h = ose_key_words(h, s, n, fast);
	if (i < n) {
		/* The 1..7 tail bytes, little-endian, zero-padded, read without
		 * touching a byte past the string (4 + 2 + 1 pieces). */
		const char *p = s + i;
		size_t r = n - i;
		unsigned sh = 0;
		uint64_t k = 0;
		if (r >= 4) {
			uint32_t v;
			__builtin_memcpy(&v, p, 4);
			k = v;
			p += 4;
			r -= 4;
			sh = 32;
		}
		if (r >= 2) {
			uint16_t v;
			__builtin_memcpy(&v, p, 2);
			k |= (uint64_t)v << sh;
			p += 2;
			r -= 2;
			sh += 16;
		}
		if (r)
			k |= (uint64_t)(unsigned char)*p << sh;
		h = ose_key_step(h, k, fast);
	}
	return ose_key_step(h, n, fast);
}

/* The same value as ose_key_strn(h, s, n, fast) when s is a fixed array
 * whose size is a multiple of 8 and larger than n (every key field is):
 * the tail is one whole-word load with the bytes past the string masked
 * off, which stays inside the array. */
static inline uint64_t ose_key_fixn(uint64_t h, const char *s, size_t n, int fast)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	size_t i = n & ~(size_t)7;
	h = ose_key_words(h, s, n, fast);
	if (i < n) {
		uint64_t k;
		__builtin_memcpy(&k, s + i, 8);
		h = ose_key_step(h, k & (~0ull >> (64 - 8 * (n - i))), fast);
	}
	return ose_key_step(h, n, fast);
#else
	return ose_key_strn(h, s, n, fast);
#endif
}

static inline uint64_t ose_key_str(uint64_t h, const char *s, size_t max, int fast)
{
	/* memchr stops at the first NUL (C11 7.24.5.1), so a string shorter
	 * than max is never read past its end. */
	const char *z = (const char *)__builtin_memchr(s, 0, max);

	return ose_key_strn(h, s, z ? (size_t)(z - s) : max, fast);
}

static inline uint64_t ose_key_oid(uint8_t venue, const char *symbol, const char *order_id)
{
	uint64_t h = ose_key_step(0x6f69642dull, venue, 1);
	return ose_key_end(ose_key_str(ose_key_str(h, symbol, OSE_SYMBOL_MAX, 1), order_id,
				       OSE_ID_MAX, 1));
}

static inline uint64_t ose_key_cid(uint8_t venue, const char *client_id)
{
	return ose_key_end(ose_key_str(ose_key_step(0x6369642dull, venue, 1), client_id, OSE_ID_MAX, 1));
}

static inline uint64_t ose_key_book(uint8_t venue, const char *symbol)
{
	return ose_key_end(ose_key_str(ose_key_step(0x626f6f6bull, venue, 1), symbol, OSE_SYMBOL_MAX, 1));
}

/* The same three from fixed arrays (OSE_SYMBOL_MAX, OSE_ID_MAX: events,
 * commands, slots, libose's key copies) whose lengths are known. */
static inline uint64_t ose_key_oid_fix(uint8_t venue, const char *symbol, size_t sl,
				       const char *order_id, size_t ol)
{
	uint64_t h = ose_key_step(0x6f69642dull, venue, 1);
	return ose_key_end(ose_key_fixn(ose_key_fixn(h, symbol, sl, 1), order_id, ol, 1));
}

static inline uint64_t ose_key_cid_fix(uint8_t venue, const char *client_id, size_t cl)
{
	return ose_key_end(ose_key_fixn(ose_key_step(0x6369642dull, venue, 1), client_id, cl, 1));
}

static inline uint64_t ose_key_book_fix(uint8_t venue, const char *symbol, size_t sl)
{
	return ose_key_end(ose_key_fixn(ose_key_step(0x626f6f6bull, venue, 1), symbol, sl, 1));
}

/* Index entry helpers. */
#define OSE_IDX_SLOT(e) ((uint32_t)(e) - 1u)  /* valid only if e != 0 */
#define OSE_IDX_TAG(e) ((uint32_t)((e) >> 32))

/* Region accessors: h is the mapped header; offsets were validated. */
#define OSE_STATE_AT(h, off, type) ((type *)(void *)((char *)(h) + (off)))

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_STATE_H */
