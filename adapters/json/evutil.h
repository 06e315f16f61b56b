/* SPDX-License-Identifier: MIT */
/*
 * Small helpers the JSON venue parsers share: error exits that keep the
 * "no half-filled event" rule, status tables, and field setters that set
 * the OSE_EVF_HAS_* flag only when the wire carried a value.  Internal to
 * adapters/ (not part of the adapter contract).
 */
#ifndef OSE_ADAPTERS_JSON_EVUTIL_H
#define OSE_ADAPTERS_JSON_EVUTIL_H

#include <string.h>

#include "adapters/adapter.h"
#include "adapters/json/json.h"

/* Refuse the whole message: no event escapes (out->n = 0). */
static inline enum ose_parse_res ose_ev_fail(struct ose_parse_out *out, int neg_err,
					     const char *why)
{
	out->n = 0;
	out->session = OSE_SESS_NONE;
	out->err = (enum ose_parse_err)(neg_err < 0 ? -neg_err : neg_err);
	out->why = why ? why : "unknown";
	return OSE_PARSE_ERROR;
}

static inline enum ose_parse_res ose_ev_session(struct ose_parse_out *out,
						enum ose_session_kind kind, const char *why)
{
	out->n = 0;
	out->session = kind;
	out->err = OSE_PERR_NONE;
	out->why = why;
	return OSE_PARSE_SESSION;
}

static inline void ose_ev_out_reset(struct ose_parse_out *out)
{
	out->n = 0;
	out->session = OSE_SESS_NONE;
	out->err = OSE_PERR_NONE;
	out->why = "";
}

/* A zeroed event with kind, venue and account set. */
static inline void ose_ev_init(struct ose_event *ev, enum ose_event_kind kind,
			       enum ose_venue venue, const struct ose_parse_ctx *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint8_t)kind;
	ev->venue = (uint8_t)venue;
	if (ctx && ctx->account) {
		size_t n = strnlen(ctx->account, OSE_ACCOUNT_MAX - 1);
		memcpy(ev->account, ctx->account, n);
	}
}

/* Wire string -> value, one table per venue and field. */
struct ose_wire_map {
	const char *wire;
	uint32_t len;
	int val;
};
#define OSE_WIRE(lit, v) { (lit), sizeof(lit) - 1, (v) }

/* The table value for string view v, or -1 if v is not one of its
 * strings (or not a string). */
static inline int ose_wire_lookup(const struct ose_json_val *v, const struct ose_wire_map *map,
				  size_t n)
{
	if (v->type != OSE_JSON_STRING || v->esc)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (map[i].len == v->len && memcmp(map[i].wire, v->p, v->len) == 0)
			return map[i].val;
	return -1;
}
#define OSE_WIRE_LOOKUP(v, map) ose_wire_lookup((v), (map), sizeof(map) / sizeof((map)[0]))

/* Read a decimal into *dst and set flag in ev->flags if the wire had one.
 * Returns 0 or a negative reason. */
static inline int ose_ev_dec(struct ose_event *ev, const struct ose_json_val *v, ose_dec *dst,
			     uint16_t flag)
{
	enum ose_json_got got = OSE_JGOT_ABSENT;
	int rc = ose_json_read_dec(v, dst, &got);
	if (rc)
		return rc;
	if (got == OSE_JGOT_STRING || got == OSE_JGOT_NUMBER)
		ev->flags |= flag;
	return 0;
}

/* 1 if the view carries a value (not absent, null or ""). */
static inline int ose_json_has(const struct ose_json_val *v)
{
	return v->type != OSE_JSON_ABSENT && v->type != OSE_JSON_NULL &&
	       !(v->type == OSE_JSON_STRING && v->len == 0);
}

#endif /* OSE_ADAPTERS_JSON_EVUTIL_H */
