/* SPDX-License-Identifier: MIT */
/*
 * Internal to adapters/binance: the wire vocabulary both parse paths
 * share, and the two paths behind ose_binance_parse (venues.h).
 *
 *   ose_binance_parse_fast:    one ordered pass for the common
 *                              executionReport (fast.c);
 *   ose_binance_parse_generic: the scanner-based parser for everything
 *                              (parse.c).
 *
 * ose_binance_parse tries the fast path and, when it declines, parses
 * the message from scratch with the generic one.  Tests call both
 * directly to prove the fast path exact (tests/adapters/test_binance_fast.c).
 */
#ifndef OSE_ADAPTERS_BINANCE_BINANCE_H
#define OSE_ADAPTERS_BINANCE_BINANCE_H

#include "adapters/json/evutil.h"

/* Order status X (binance-docs enums.md). */
static const struct ose_wire_map bn_status[] = {
	OSE_WIRE("NEW", OSE_ST_NEW),
	OSE_WIRE("PARTIALLY_FILLED", OSE_ST_PARTIALLY_FILLED),
	OSE_WIRE("FILLED", OSE_ST_FILLED),
	OSE_WIRE("CANCELED", OSE_ST_CANCELED),
	OSE_WIRE("PENDING_CANCEL", OSE_ST_PENDING_CANCEL),
	OSE_WIRE("REJECTED", OSE_ST_REJECTED),
	OSE_WIRE("EXPIRED", OSE_ST_EXPIRED),
	OSE_WIRE("EXPIRED_IN_MATCH", OSE_ST_EXPIRED), /* STP expiry */
	OSE_WIRE("PENDING_NEW", OSE_ST_PENDING_NEW),  /* order-list leg */
};

static const struct ose_wire_map bn_side[] = {
	OSE_WIRE("BUY", OSE_SIDE_BUY),
	OSE_WIRE("SELL", OSE_SIDE_SELL),
};

static const struct ose_wire_map bn_type[] = {
	OSE_WIRE("LIMIT", OSE_OT_LIMIT),
	OSE_WIRE("MARKET", OSE_OT_MARKET),
	OSE_WIRE("LIMIT_MAKER", OSE_OT_LIMIT_MAKER),
	OSE_WIRE("STOP_LOSS", OSE_OT_STOP),
	OSE_WIRE("STOP_LOSS_LIMIT", OSE_OT_STOP),
	OSE_WIRE("TAKE_PROFIT", OSE_OT_STOP),
	OSE_WIRE("TAKE_PROFIT_LIMIT", OSE_OT_STOP),
};

static const struct ose_wire_map bn_tif[] = {
	OSE_WIRE("GTC", OSE_TIF_GTC),
	OSE_WIRE("IOC", OSE_TIF_IOC),
	OSE_WIRE("FOK", OSE_TIF_FOK),
	OSE_WIRE("GTD", OSE_TIF_GTD),
};

#define BN_WIRE_FIND(p, n, map) ose_wire_find((p), (n), (map), sizeof(map) / sizeof((map)[0]))

/*
 * The executionReport fast path.  out must have been reset
 * (ose_ev_out_reset).  Returns 1 when it took the message: the result
 * is then OSE_PARSE_EVENTS with out->n = 1 and exactly the event, err
 * and why that ose_binance_parse_generic gives for the same bytes.
 * Returns 0 when it declines (any other message, shape or value it does
 * not handle, and every message the generic path would refuse): out->n
 * is still 0 but out->ev[0] may have been written, so the caller must
 * parse from scratch.  Never reads outside msg[0..len).
 */
int ose_binance_parse_fast(const char *msg, size_t len, const struct ose_parse_ctx *ctx,
			   struct ose_parse_out *out);

/*
 * The forms of the fast path (same contract, same results): BASE is
 * the SSE2 form on x86 (the scalar one elsewhere), SSSE3 converts
 * Binance's decimals with pshufb and pmaddubsw.  ose_binance_parse_fast
 * runs the best one the CPU has, chosen at its first call (cpuid).
 */
enum { OSE_BN_FAST_AUTO = -1, OSE_BN_FAST_BASE = 0, OSE_BN_FAST_SSSE3 = 1 };

/* Test and benchmark hook: makes ose_binance_parse_fast use form (AUTO:
 * the best again) from now on, for every thread.  Returns the form now
 * in use, -ENOTSUP if this build or CPU lacks it, -EINVAL for another
 * value.  Not for the hot path: call it before parsing. */
int ose_binance_fast_form(int form);

/* 1 if the generic parser's key set (parse.c) holds the key k[0..n),
 * at whatever level: the fast path must not skip such a key. */
int ose_binance_generic_key(const char *k, size_t n);

/* The scanner-based parser: same contract as ose_adapter_parse_fn. */
enum ose_parse_res ose_binance_parse_generic(const char *msg, size_t len, int binary,
					     const struct ose_parse_ctx *ctx,
					     struct ose_parse_out *out);

#endif /* OSE_ADAPTERS_BINANCE_BINANCE_H */
