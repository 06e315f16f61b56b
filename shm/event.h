/* SPDX-License-Identifier: MIT */
/*
 * The normalised order event (DESIGN §5): the fixed-size record a feed
 * writes into its SPSC ring and the engine consumes.  Venue adapters fill
 * it, the engine applies it, tools print it.
 *
 * Layout rules: the record is exactly OSE_EVENT_SIZE bytes (a multiple of
 * the 64-byte cache line), holds no pointers, and every string is a fixed
 * NUL-terminated array (a venue value that does not fit is rejected by the
 * adapter with a reason, never truncated).  Numeric fields that a message
 * did not carry (absent, "" or null on the wire) have their OSE_EVF_HAS_*
 * bit clear and must not be read; the engine never lets an absent field
 * overwrite a known one.
 *
 * Changing this struct changes OSE_ABI_VERSION (shm/seg.h).
 */
#ifndef OSE_SHM_EVENT_H
#define OSE_SHM_EVENT_H

#include <stdint.h>

#include "dec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layout checks that compile as C and as C++ (every shm layout header is
 * included from C++ strategies too). */
#ifdef __cplusplus
#define OSE_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define OSE_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Venue ids; names are the DESIGN §12 spellings (ose_venue_name). */
enum ose_venue {
	OSE_VENUE_NONE = 0,
	OSE_VENUE_BINANCE = 1,
	OSE_VENUE_OKX = 2,
	OSE_VENUE_BYBIT = 3,
	OSE_VENUE_GATE = 4,
	OSE_VENUE_COINBASE = 5,
	OSE_VENUE_MEXC = 6,
	OSE_VENUE_COUNT
};

/* Normalised statuses (DESIGN §5).  Order matters: values from
 * OSE_ST_FILLED up are terminal ("executed"). */
enum ose_status {
	OSE_ST_NONE = 0, /* the message carried no status (fill-only) */
	OSE_ST_PENDING_NEW = 1,
	OSE_ST_NEW = 2,
	OSE_ST_PARTIALLY_FILLED = 3,
	OSE_ST_PENDING_CANCEL = 4,
	OSE_ST_FILLED = 5,
	OSE_ST_CANCELED = 6,
	OSE_ST_EXPIRED = 7,
	OSE_ST_REJECTED = 8,
	OSE_ST_COUNT
};

static inline int ose_status_terminal(enum ose_status s)
{
	return s >= OSE_ST_FILLED;
}

enum ose_event_kind {
	OSE_EV_NONE = 0,
	OSE_EV_ORDER = 1,     /* order update (status and/or quantities) */
	OSE_EV_FILL = 2,      /* a trade on an order (fill-only channels) */
	OSE_EV_GAP = 3,       /* feed (re)connected: venue must be reconciled */
	OSE_EV_BALANCE = 4,   /* balance or position change: asset in symbol */
	OSE_EV_HEARTBEAT = 5, /* liveness only, carries timestamps */
	OSE_EV_KIND_COUNT
};

enum ose_side { OSE_SIDE_NONE = 0, OSE_SIDE_BUY = 1, OSE_SIDE_SELL = 2 };

enum ose_ord_type {
	OSE_OT_NONE = 0,
	OSE_OT_LIMIT = 1,
	OSE_OT_MARKET = 2,
	OSE_OT_LIMIT_MAKER = 3, /* post-only */
	OSE_OT_STOP = 4,        /* any stop/trigger variant */
	OSE_OT_OTHER = 5
};

enum ose_tif {
	OSE_TIF_NONE = 0,
	OSE_TIF_GTC = 1,
	OSE_TIF_IOC = 2,
	OSE_TIF_FOK = 3,
	OSE_TIF_GTD = 4,
	OSE_TIF_OTHER = 5
};

/* ose_event.flags */
#define OSE_EVF_HAS_PRICE (1u << 0)
#define OSE_EVF_HAS_QTY (1u << 1)
#define OSE_EVF_HAS_CUM_QTY (1u << 2)
#define OSE_EVF_HAS_LAST (1u << 3)   /* last_qty and last_px */
#define OSE_EVF_HAS_FEE (1u << 4)
#define OSE_EVF_HAS_SEQ (1u << 5)    /* venue_seq is meaningful */
#define OSE_EVF_QTY_IN_QUOTE (1u << 6) /* qty/cum in quote currency (Gate market buy) */
#define OSE_EVF_SNAPSHOT (1u << 7)   /* part of a venue snapshot (Coinbase) */
#define OSE_EVF_HAS_AVG_PX (1u << 8)
#define OSE_EVF_HAS_LAST_PX (1u << 9) /* last_px present (MEXC sends qty only) */

#define OSE_EVENT_SIZE 448 /* 7 cache lines */
#define OSE_ID_MAX 48     /* order, client order and trade ids, incl. NUL */
#define OSE_SYMBOL_MAX 32 /* venue spelling: BTCUSDT, BTC-USDT, BTC_USDT */
#define OSE_ACCOUNT_MAX 16
#define OSE_ASSET_MAX 16

struct ose_event {
	/* Line 0: what it is and when. */
	uint8_t kind;     /* enum ose_event_kind */
	uint8_t venue;    /* enum ose_venue */
	uint8_t status;   /* enum ose_status, OSE_ST_NONE if not carried */
	uint8_t side;     /* enum ose_side */
	uint8_t ord_type; /* enum ose_ord_type */
	uint8_t tif;      /* enum ose_tif */
	uint16_t flags;   /* OSE_EVF_* */
	uint32_t feed_id; /* writer's ring id, set by the feed */
	uint32_t _pad0;
	uint64_t seq;       /* feed-local sequence number, gap-free per ring */
	uint64_t venue_seq; /* venue sequence number if OSE_EVF_HAS_SEQ */
	int64_t exch_ts_ns; /* venue event time, ns since epoch; 0 if unknown */
	int64_t recv_ts_ns; /* socket readable (CLOCK_REALTIME ns) */
	int64_t parse_ts_ns; /* adapter done, before ring commit */
	int64_t send_ts_ns;  /* sender's stamp when known (simulator), else 0 */

	/* Lines 1-2: exact decimals (see dec.h); read only if flagged. */
	ose_dec price;
	ose_dec qty;
	ose_dec cum_qty;  /* cumulative filled, base currency unless QTY_IN_QUOTE */
	ose_dec last_qty; /* this update's fill */
	ose_dec last_px;
	ose_dec fee;      /* this fill's fee, in fee_asset */
	ose_dec avg_px;
	ose_dec _rsv_dec;

	/* Lines 3-6: identifiers, NUL-terminated. */
	char account[OSE_ACCOUNT_MAX];
	char symbol[OSE_SYMBOL_MAX];
	char order_id[OSE_ID_MAX];
	char client_id[OSE_ID_MAX]; /* the order's own id, never a cancel request's */
	char trade_id[OSE_ID_MAX];
	char fee_asset[OSE_ASSET_MAX];
	/* Reason text for REJECTED orders or GAP markers, truncated (it is
	 * informational, not identity). */
	char reason[OSE_ID_MAX];
} __attribute__((aligned(64)));

OSE_STATIC_ASSERT(sizeof(struct ose_event) == OSE_EVENT_SIZE, "ose_event size is ABI");

/* "binance", ..., or "none"; never NULL. */
const char *ose_venue_name(enum ose_venue v);
/* Inverse of ose_venue_name; OSE_VENUE_NONE when unknown. */
enum ose_venue ose_venue_from_name(const char *name);
/* "NEW", "PARTIALLY_FILLED", ... (DESIGN §5 spelling); "NONE" for 0. */
const char *ose_status_name(enum ose_status s);
enum ose_status ose_status_from_name(const char *name);
const char *ose_side_name(enum ose_side s); /* "BUY", "SELL", "NONE" */
const char *ose_event_kind_name(enum ose_event_kind k);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_EVENT_H */
