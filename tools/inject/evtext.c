/* SPDX-License-Identifier: MIT */
#include "tools/inject/evtext.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_str(char *dst, size_t max, const char *v, size_t n)
{
	if (n >= max)
		return -1;
	memcpy(dst, v, n);
	dst[n] = 0;
	return 0;
}

static int set_dec(ose_dec *d, const char *v, size_t n)
{
	return ose_dec_parse(v, n, d) == OSE_DEC_OK ? 0 : -1;
}

/* Digits only: strtoull alone would take "-5" (as 2^64 - 5), a leading
 * '+' or blank, and clamp an overflow to ULLONG_MAX. */
static int set_u64(uint64_t *d, const char *v, size_t n)
{
	char buf[32];
	if (n == 0 || n >= sizeof(buf) || v[0] < '0' || v[0] > '9')
		return -1;
	memcpy(buf, v, n);
	buf[n] = 0;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (*end || errno == ERANGE)
		return -1;
	*d = x;
	return 0;
}

static int eqs(const char *v, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(v, lit, n);
}

static int enum_of(const char *v, size_t n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (names[i] && eqs(v, n, names[i]))
			return i;
	return -1;
}

static const char *const kinds[] = {NULL, "order", "fill", "gap", "balance", "heartbeat"};
static const char *const sides[] = {NULL, "BUY", "SELL"};
static const char *const types[] = {NULL, "LIMIT", "MARKET", "LIMIT_MAKER", "STOP", "OTHER"};
static const char *const tifs[] = {NULL, "GTC", "IOC", "FOK", "GTD", "OTHER"};
static const char *const cmds[] = {NULL, "register", "lookup_oid", "lookup_cid"};

enum ose_evtext_res ose_evtext_parse(const char *line, struct ose_event *ev,
				     struct ose_cmd *cmd, char *err, size_t errlen)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n' || *p == '\r' || *p == '#')
		return OSE_EVTEXT_SKIP;
	memset(ev, 0, sizeof(*ev));
	memset(cmd, 0, sizeof(*cmd));
	int is_cmd = -1;
	char vname[16] = "";
	ose_dec price = 0, qty = 0;
	int hp = 0, hq = 0;
	while (*p && *p != '\n' && *p != '\r') {
		const char *k = p;
		while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p != '=') {
			snprintf(err, errlen, "field without '=' at column %d", (int)(k - line) + 1);
			return OSE_EVTEXT_ERR;
		}
		size_t kn = (size_t)(p - k);
		const char *v = ++p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		size_t n = (size_t)(p - v);
		int bad = 0, x;
		uint64_t u = 0;
#define K(lit) (kn == sizeof(lit) - 1 && !memcmp(k, lit, kn))
		if (K("kind")) {
			bad = (x = enum_of(v, n, kinds, 6)) < 0;
			ev->kind = (uint8_t)(x < 0 ? 0 : x);
			if (is_cmd == 1)
				bad = 1;
			is_cmd = 0;
		} else if (K("cmd")) {
			bad = (x = enum_of(v, n, cmds, 4)) < 0;
			cmd->kind = (uint8_t)(x < 0 ? 0 : x);
			if (is_cmd == 0)
				bad = 1;
			is_cmd = 1;
		} else if (K("venue")) {
			bad = set_str(vname, sizeof(vname), v, n) ||
			      ose_venue_from_name(vname) == OSE_VENUE_NONE;
			ev->venue = cmd->venue = (uint8_t)ose_venue_from_name(vname);
		} else if (K("account")) {
			bad = set_str(ev->account, OSE_ACCOUNT_MAX, v, n) ||
			      set_str(cmd->account, OSE_ACCOUNT_MAX, v, n);
		} else if (K("symbol")) {
			bad = set_str(ev->symbol, OSE_SYMBOL_MAX, v, n) ||
			      set_str(cmd->symbol, OSE_SYMBOL_MAX, v, n);
		} else if (K("order_id")) {
			bad = set_str(ev->order_id, OSE_ID_MAX, v, n) ||
			      set_str(cmd->order_id, OSE_ID_MAX, v, n);
		} else if (K("client_id") || K("client_order_id")) {
			bad = set_str(ev->client_id, OSE_ID_MAX, v, n) ||
			      set_str(cmd->client_id, OSE_ID_MAX, v, n);
		} else if (K("trade_id")) {
			bad = set_str(ev->trade_id, OSE_ID_MAX, v, n);
		} else if (K("fee_asset")) {
			bad = set_str(ev->fee_asset, OSE_ASSET_MAX, v, n);
		} else if (K("reason")) {
			bad = n >= OSE_ID_MAX;
			if (!bad)
				set_str(ev->reason, OSE_ID_MAX, v, n);
		} else if (K("side")) {
			bad = (x = enum_of(v, n, sides, 3)) < 0;
			ev->side = cmd->side = (uint8_t)(x < 0 ? 0 : x);
		} else if (K("type")) {
			bad = (x = enum_of(v, n, types, 6)) < 0;
			ev->ord_type = cmd->ord_type = (uint8_t)(x < 0 ? 0 : x);
		} else if (K("tif")) {
			bad = (x = enum_of(v, n, tifs, 6)) < 0;
			ev->tif = cmd->tif = (uint8_t)(x < 0 ? 0 : x);
		} else if (K("status")) {
			char sb[24];
			bad = set_str(sb, sizeof(sb), v, n);
			if (!bad) {
				ev->status = (uint8_t)ose_status_from_name(sb);
				bad = ev->status == OSE_ST_NONE;
			}
		} else if (K("price")) {
			bad = set_dec(&price, v, n);
			hp = 1;
		} else if (K("quantity") || K("qty")) {
			bad = set_dec(&qty, v, n);
			hq = 1;
		} else if (K("filled_quantity") || K("cum_qty")) {
			bad = set_dec(&ev->cum_qty, v, n);
			ev->flags |= OSE_EVF_HAS_CUM_QTY;
		} else if (K("last_qty")) {
			bad = set_dec(&ev->last_qty, v, n);
			ev->flags |= OSE_EVF_HAS_LAST;
		} else if (K("last_px")) {
			bad = set_dec(&ev->last_px, v, n);
			ev->flags |= OSE_EVF_HAS_LAST_PX;
		} else if (K("fee")) {
			bad = set_dec(&ev->fee, v, n);
			ev->flags |= OSE_EVF_HAS_FEE;
		} else if (K("avg_px")) {
			bad = set_dec(&ev->avg_px, v, n);
			ev->flags |= OSE_EVF_HAS_AVG_PX;
		} else if (K("exch_ts")) {
			bad = set_u64(&u, v, n) || u > (uint64_t)INT64_MAX;
			ev->exch_ts_ns = (int64_t)u;
		} else if (K("venue_seq")) {
			bad = set_u64(&ev->venue_seq, v, n);
			ev->flags |= OSE_EVF_HAS_SEQ;
		} else if (K("req_id")) {
			bad = set_u64(&cmd->req_id, v, n);
		} else if (K("qty_in_quote")) {
			if (eqs(v, n, "1"))
				ev->flags |= OSE_EVF_QTY_IN_QUOTE;
			else
				bad = !eqs(v, n, "0");
		} else if (K("snapshot")) {
			if (eqs(v, n, "1"))
				ev->flags |= OSE_EVF_SNAPSHOT;
			else
				bad = !eqs(v, n, "0");
		} else {
			snprintf(err, errlen, "unknown key '%.*s'", (int)kn, k);
			return OSE_EVTEXT_ERR;
		}
#undef K
		if (bad) {
			snprintf(err, errlen, "bad value for '%.*s': '%.*s'", (int)kn, k, (int)n, v);
			return OSE_EVTEXT_ERR;
		}
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (is_cmd < 0) {
		snprintf(err, errlen, "no kind= or cmd=");
		return OSE_EVTEXT_ERR;
	}
	if (is_cmd) {
		if (hp) {
			cmd->price = price;
			cmd->flags |= OSE_CMDF_HAS_PRICE;
		}
		if (hq) {
			cmd->qty = qty;
			cmd->flags |= OSE_CMDF_HAS_QTY;
		}
		return OSE_EVTEXT_CMD;
	}
	if (hp) {
		ev->price = price;
		ev->flags |= OSE_EVF_HAS_PRICE;
	}
	if (hq) {
		ev->qty = qty;
		ev->flags |= OSE_EVF_HAS_QTY;
	}
	if (ev->flags & OSE_EVF_HAS_LAST_PX)
		ev->flags |= OSE_EVF_HAS_LAST;
	return OSE_EVTEXT_EVENT;
}
