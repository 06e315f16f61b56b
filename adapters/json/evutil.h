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
#include "adapters/json/swar.h"

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

/* The bytes of ctx->account an event holds: up to OSE_ACCOUNT_MAX - 1
 * (0 without an account).  One strnlen: a parser that makes several
 * events takes it once per message and passes it to ose_ev_init_n. */
static inline size_t ose_ev_account_len(const struct ose_parse_ctx *ctx)
{
	return ctx && ctx->account ? strnlen(ctx->account, OSE_ACCOUNT_MAX - 1) : 0;
}

/* ose_ev_init with the account's length alen = ose_ev_account_len(ctx)
 * already taken: the account is copied with fixed-width moves, no call. */
static inline void ose_ev_init_n(struct ose_event *ev, enum ose_event_kind kind,
				 enum ose_venue venue, const struct ose_parse_ctx *ctx, size_t alen)
{
#if defined(__SSE2__) && defined(__GNUC__)
	{
		/* Vector stores: the memset of 448 bytes is a rep stos here,
		 * which costs more to start than to run. */
		typedef long long v2di __attribute__((vector_size(16), may_alias));
		v2di z = { 0, 0 };
#pragma GCC unroll 28
		for (size_t i = 0; i < sizeof(*ev) / 16; i++) {
			__asm__("" : "+x"(z));
			((v2di *)(void *)ev)[i] = z;
		}
	}
#else
	memset(ev, 0, sizeof(*ev));
#endif
	ev->kind = (uint8_t)kind;
	ev->venue = (uint8_t)venue;
	if (alen)
		ose_swar_copy48(ev->account, ctx->account, alen);
}

/* A zeroed event with kind, venue and account set.  The account is
 * copied up to OSE_ACCOUNT_MAX - 1 bytes; an account that does not fit
 * is refused per message by ose_ev_done(), so no truncated copy escapes. */
static inline void ose_ev_init(struct ose_event *ev, enum ose_event_kind kind,
			       enum ose_venue venue, const struct ose_parse_ctx *ctx)
{
	ose_ev_init_n(ev, kind, venue, ctx, ose_ev_account_len(ctx));
}

/* Wire string -> value, one table per venue and field. */
struct ose_wire_map {
	const char *wire;
	uint32_t len;
	int val;
};
#define OSE_WIRE(lit, v) { (lit), sizeof(lit) - 1, (v) }

/* a[0..n) == b[0..n), with loads that stay inside both (a wire table's
 * literal holds only n + 1 bytes) and no library call up to 24 bytes.
 * ose_wire_eq_k: always inlined (a constant n folds the branches). */
static inline __attribute__((always_inline)) int ose_wire_eq_k(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n > 24)
		return memcmp(a, b, n) == 0;
	if (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		if (x != y)
			return 0;
		if (n > 16) {
			memcpy(&x, a + 8, 8);
			memcpy(&y, b + 8, 8);
			return x == y;
		}
		return 1;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static inline int ose_wire_eq(const char *a, const char *b, size_t n)
{
	return ose_wire_eq_k(a, b, n);
}

/* The table value for the raw bytes p[0..len), or -1 if they are not
 * one of its strings.  The lengths settle almost every entry. */
static inline int ose_wire_find(const char *p, size_t len, const struct ose_wire_map *map,
				size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].len == len && ose_wire_eq(map[i].wire, p, len))
			return map[i].val;
	return -1;
}

/* The table value for string view v, or -1 if v is not one of its
 * strings (or not a string). */
static inline int ose_wire_lookup(const struct ose_json_val *v, const struct ose_wire_map *map,
				  size_t n)
{
	if (v->type != OSE_JSON_STRING || v->esc || v->len == 0)
		return -1;
	return ose_wire_find(v->p, v->len, map, n);
}
#define OSE_WIRE_LOOKUP(v, map) ose_wire_lookup((v), (map), sizeof(map) / sizeof((map)[0]))

/*
 * ose_wire_lookup for a static const table of at most 16 entries, with
 * the loop unrolled and the compare inlined, so that the compiler folds
 * each entry's length and bytes into immediates: no loads from the
 * table, a compare of the length per entry and one or two word compares
 * for the entry of the right length.  Same result as OSE_WIRE_LOOKUP
 * (tests compare the two on every entry and near misses).
 */
static inline __attribute__((always_inline)) int
ose_wire_lookup_k(const struct ose_json_val *v, const struct ose_wire_map *map, size_t n)
{
	if (v->type != OSE_JSON_STRING || v->esc || v->len == 0)
		return -1;
#pragma GCC unroll 16
	for (size_t i = 0; i < n; i++)
		if (map[i].len == v->len && ose_wire_eq_k(map[i].wire, v->p, map[i].len))
			return map[i].val;
	return -1;
}
#define OSE_WIRE_LOOKUP_K(v, map) ose_wire_lookup_k((v), (map), sizeof(map) / sizeof((map)[0]))

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

/*
 * The decimal shapes venues write most ("30000.50", "0.0001", "0": [-]I
 * or [-]I.F, 1..8 digits each), read without a call: 1 with *dst the
 * value ose_dec_parse gives, when v is an unescaped string at least 18
 * bytes before end (the message's end: ose_swar_dec_short's word loads
 * stay inside it); 0 otherwise, *dst untouched, and the caller uses its
 * reader, which also names any error.
 */
static inline __attribute__((always_inline)) int
ose_ev_dec_try(const struct ose_json_val *v, ose_dec *dst, const char *end)
{
#if OSE_SWAR
	return __builtin_expect(v->type == OSE_JSON_STRING && !v->esc && end - v->p >= 18 &&
					ose_swar_dec_short(v->p, v->len, dst),
				1);
#else
	(void)v;
	(void)dst;
	(void)end;
	return 0;
#endif
}

/* ose_ev_dec with the common shapes inline (ose_ev_dec_try). */
static inline __attribute__((always_inline)) int
ose_ev_dec_fast(struct ose_event *ev, const struct ose_json_val *v, ose_dec *dst, uint16_t flag,
		const char *end)
{
	if (ose_ev_dec_try(v, dst, end)) {
		ev->flags |= flag;
		return 0;
	}
	return ose_ev_dec(ev, v, dst, flag);
}

/*
 * ose_json_read_str (id: ose_json_read_id) into a field of an event
 * ose_ev_init zeroed (cap <= 48), a plain string that fits copied inline
 * by ose_swar_copy48; the readers take the rest (escapes, numbers, null,
 * errors).  Returns what they return: the length, or a negative reason.
 */
static inline __attribute__((always_inline)) int
ose_ev_str_fast(const struct ose_json_val *v, char *dst, size_t cap, int id)
{
	if (__builtin_expect(v->type == OSE_JSON_STRING && !v->esc && v->len < cap && cap <= 48, 1)) {
		ose_swar_copy48(dst, v->p, v->len);
		return (int)v->len;
	}
	return id ? ose_json_read_id(v, dst, cap, NULL) : ose_json_read_str(v, dst, cap, NULL);
}

/*
 * The simulator's send stamp (docs/sim.md, "The timestamp stamp"): a
 * top-level "ose_ts":<ns since the epoch> that real venues never send.
 * Absent: *ns = 0 and 0 is returned (one compare: the common case).
 * Present, it must be a bare non-negative integer: only our simulator
 * writes it, so anything else is a defect worth counting, not ignoring.
 * Returns 0, -OSE_PERR_WRONG_TYPE (not a number: string, null, object..)
 * or -OSE_PERR_NUMBER (fraction, exponent, negative, beyond int64).
 */
static inline int ose_json_read_stamp(const struct ose_json_val *v, int64_t *ns)
{
	int64_t t = 0;
	int rc;

	*ns = 0;
	if (v->type == OSE_JSON_ABSENT)
		return 0;
	if (v->type != OSE_JSON_NUMBER)
		return -OSE_PERR_WRONG_TYPE;
	rc = ose_json_read_i64(v, &t, NULL);
	if (rc)
		return rc;
	if (t < 0)
		return -OSE_PERR_NUMBER;
	*ns = t;
	return 0;
}

/*
 * Finish an OSE_PARSE_EVENTS result whose out->n events are complete:
 * refuse the whole message (OSE_PERR_TOO_LONG, why "account", no event)
 * if ctx->account needs more than OSE_ACCOUNT_MAX - 1 bytes, since
 * ose_ev_init could only have copied a truncated account; otherwise set
 * send_ts_ns = send_ts_ns on every event (0 leaves them as they are).
 * The account check is a strnlen bounded by OSE_ACCOUNT_MAX per message.
 * Returns OSE_PARSE_EVENTS or OSE_PARSE_ERROR.
 */
static inline enum ose_parse_res ose_ev_done(struct ose_parse_out *out,
					     const struct ose_parse_ctx *ctx, int64_t send_ts_ns)
{
	if (ctx && ctx->account && strnlen(ctx->account, OSE_ACCOUNT_MAX) >= OSE_ACCOUNT_MAX)
		return ose_ev_fail(out, -OSE_PERR_TOO_LONG, "account");
	if (send_ts_ns)
		for (uint32_t i = 0; i < out->n; i++)
			out->ev[i].send_ts_ns = send_ts_ns;
	return OSE_PARSE_EVENTS;
}

/* ose_ev_done() for a JSON message whose top-level "ose_ts" view is v
 * (malformed stamp: OSE_PERR_WRONG_TYPE / _NUMBER, why "ose_ts"). */
static inline enum ose_parse_res ose_ev_done_json(struct ose_parse_out *out,
						  const struct ose_parse_ctx *ctx,
						  const struct ose_json_val *v)
{
	int64_t ts;
	int rc = ose_json_read_stamp(v, &ts);
	if (rc)
		return ose_ev_fail(out, rc, "ose_ts");
	return ose_ev_done(out, ctx, ts);
}

/* ose_ev_done_json for a parser that took alen = ose_ev_account_len(ctx)
 * for the message: the account is too long exactly when alen reached
 * OSE_ACCOUNT_MAX - 1 and the next byte is not its end, so no second
 * strnlen.  Same results as ose_ev_done_json. */
static inline enum ose_parse_res ose_ev_done_json_n(struct ose_parse_out *out,
						    const struct ose_parse_ctx *ctx,
						    const struct ose_json_val *v, size_t alen)
{
	int64_t ts;
	int rc = ose_json_read_stamp(v, &ts);
	if (rc)
		return ose_ev_fail(out, rc, "ose_ts");
	if (alen == OSE_ACCOUNT_MAX - 1 && ctx->account[OSE_ACCOUNT_MAX - 1] != '\0')
		return ose_ev_fail(out, -OSE_PERR_TOO_LONG, "account");
	if (ts)
		for (uint32_t i = 0; i < out->n; i++)
			out->ev[i].send_ts_ns = ts;
	return OSE_PARSE_EVENTS;
}

/* 1 if the view carries a value (not absent, null or ""). */
static inline int ose_json_has(const struct ose_json_val *v)
{
	return v->type != OSE_JSON_ABSENT && v->type != OSE_JSON_NULL &&
	       !(v->type == OSE_JSON_STRING && v->len == 0);
}

#endif /* OSE_ADAPTERS_JSON_EVUTIL_H */
