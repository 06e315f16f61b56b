/* SPDX-License-Identifier: MIT */
/*
 * The command-ring record: what a strategy writes into its own SPSC ring
 * segment (`ose.<instance>.cmd.<strategy>`, shm/seg.h naming) and the engine
 * consumes.  One writer (the strategy), one reader (the engine hot thread).
 *
 * 256 bytes, no pointers, strings NUL-terminated in fixed arrays.  Answers
 * come back on the event ring (shm/state.h struct ose_update) carrying the
 * strategy-chosen req_id, and in the order table itself.
 *
 * Changing this struct bumps OSE_STATE_VERSION (shm/state.h).
 */
#ifndef OSE_SHM_CMD_H
#define OSE_SHM_CMD_H

#include <stdint.h>

#include "shm/dec.h"
#include "shm/event.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ose_cmd_kind {
	OSE_CMD_NONE = 0,
	/* Register an order the strategy is about to send: creates it as
	 * PENDING_NEW keyed by (venue, account, client_id); the first venue
	 * event carrying that client id acks it.  Needs venue, account,
	 * symbol, client_id, side; price/qty when has_price/has_qty. */
	OSE_CMD_REGISTER = 1,
	/* Look an order up by (venue, account, symbol, order_id). */
	OSE_CMD_LOOKUP_OID = 2,
	/* Look an order up by (venue, account, client_id); symbol optional. */
	OSE_CMD_LOOKUP_CID = 3,
	OSE_CMD_KIND_COUNT
};

#define OSE_CMDF_HAS_PRICE (1u << 0)
#define OSE_CMDF_HAS_QTY (1u << 1)

struct ose_cmd {
	uint8_t kind;      /*   0: enum ose_cmd_kind */
	uint8_t venue;     /*   1: enum ose_venue */
	uint8_t side;      /*   2: enum ose_side */
	uint8_t ord_type;  /*   3: enum ose_ord_type */
	uint8_t tif;       /*   4: enum ose_tif */
	uint8_t _pad0;
	uint16_t flags;    /*   6: OSE_CMDF_* */
	uint64_t req_id;   /*   8: echoed on the event ring */
	int64_t ts_ns;     /*  16: strategy's clock when written */
	uint64_t _pad1;    /*  24 */
	char account[OSE_ACCOUNT_MAX];  /*  32 */
	char symbol[OSE_SYMBOL_MAX];    /*  48 */
	char order_id[OSE_ID_MAX];      /*  80 */
	char client_id[OSE_ID_MAX];     /* 128 */
	ose_dec price;     /* 176 */
	ose_dec qty;       /* 192 */
	uint64_t _rsv[6];  /* 208 */
} __attribute__((aligned(64)));

#define OSE_CMD_SIZE 256
OSE_STATIC_ASSERT(sizeof(struct ose_cmd) == OSE_CMD_SIZE, "ose_cmd size is ABI");

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_CMD_H */
