/* SPDX-License-Identifier: MIT */
/*
 * The functions each venue folder provides (internal to adapters/).
 * adapters/<venue>/parse.c defines ose_<venue>_parse and ose_<venue>_prepare
 * (builds every key set index that parse would build on first use);
 * adapters/<venue>/
 * session.c defines ose_<venue>_session and ose_<venue>_ping.  The
 * registry (registry.c) assembles them into struct ose_adapter.
 */
#ifndef OSE_ADAPTERS_CORE_VENUES_H
#define OSE_ADAPTERS_CORE_VENUES_H

#include "adapters/adapter.h"

#define OSE_VENUE_FNS(v)                                                              \
	enum ose_parse_res ose_##v##_parse(const char *msg, size_t len, int binary,   \
					   const struct ose_parse_ctx *ctx,           \
					   struct ose_parse_out *out);                \
	void ose_##v##_prepare(void);                                                 \
	int ose_##v##_session(const struct ose_session_cfg *cfg, unsigned step,       \
			      char *buf, size_t cap, int *binary, int *wait_ack);     \
	int ose_##v##_ping(int reply, char *buf, size_t cap);

OSE_VENUE_FNS(binance)
OSE_VENUE_FNS(okx)
OSE_VENUE_FNS(bybit)
OSE_VENUE_FNS(gate)
OSE_VENUE_FNS(coinbase)
OSE_VENUE_FNS(mexc)

#undef OSE_VENUE_FNS

#endif /* OSE_ADAPTERS_CORE_VENUES_H */
