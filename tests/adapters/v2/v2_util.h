/* SPDX-License-Identifier: MIT */
/* Helpers shared by the venues2 adapter tests. */
#ifndef OSE_TESTS_ADAPTERS_V2_UTIL_H
#define OSE_TESTS_ADAPTERS_V2_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"

/* Read fixture OSE_FIXTURE_DIR/<rel> into a malloc'd buffer (NUL added,
 * not counted in *len); aborts the test on failure. */
char *v2_load(const char *rel, size_t *len);
/* Decode hex text (whitespace ignored) into a malloc'd buffer. */
uint8_t *v2_unhex(const char *hex, size_t len, size_t *out_len);
/* Strip one trailing newline (fixtures end with one; the venue's frame
 * did not). */
size_t v2_chomp(const char *p, size_t len);

/* Guard-page buffer: copy len bytes so they end right before a
 * PROT_NONE page.  Returns a pointer to the copy; v2_guard_free frees. */
struct v2_guard {
	uint8_t *map;
	size_t maplen;
};
const char *v2_guard_put(struct v2_guard *g, const void *p, size_t len);
void v2_guard_free(struct v2_guard *g);

/* An event formatted for comparisons: "field=value" lines.  Decimals
 * exact, absent (unflagged) fields omitted. */
void v2_dec_str(ose_dec v, char *buf);

/* Expected normalised fields of one event; NULL strings = "must be
 * empty" for ids and "flag must be clear" for decimals. */
struct v2_exp_ev {
	uint8_t kind, status, side, ord_type, tif;
	uint16_t flags;
	const char *symbol, *order_id, *client_id, *trade_id, *fee_asset;
	const char *price, *qty, *cum_qty, *last_qty, *last_px, *fee, *avg_px;
	int64_t exch_ts_ns;
	uint64_t venue_seq;
};

/* One fixture and what parsing it must give. */
struct v2_case {
	const char *file; /* under OSE_FIXTURE_DIR; *.hex files are decoded */
	int binary;
	enum ose_parse_res res;
	enum ose_parse_err err;       /* for OSE_PARSE_ERROR */
	enum ose_session_kind sess;   /* for OSE_PARSE_SESSION */
	const char *why;              /* if non-NULL: out->why must equal it */
	uint32_t n;
	const struct v2_exp_ev *ev;   /* n entries */
};

#define V2_ACCOUNT "acct-7"

/* Load c->file, parse it normally and from the end of a guard page,
 * compare with the expectations. */
void v2_check_case(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c);
/* Parse every prefix (and a few corruptions) of c->file from the end of a
 * guard page: never a crash, never an event count above cap, errors
 * always with n == 0 and a reason. */
void v2_check_truncations(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c);
/* Load a fixture's message bytes (hex decoded, trailing newline dropped). */
char *v2_load_msg(const struct v2_case *c, size_t *len);
/* Parse bytes with a fresh output of cap events. */
enum ose_parse_res v2_parse(ose_adapter_parse_fn fn, enum ose_venue venue, const char *msg,
			    size_t len, int binary, struct ose_event *ev, uint32_t cap,
			    struct ose_parse_out *out);
/* A malloc'd copy of msg with "type":"x" inserted as its first key, NUL-
 * terminated, length in *n (the caller frees it).  Gate's and Coinbase's
 * one-pass path refuses a frame with a type key, so this sends the same
 * content through the validating slow path. */
char *v2_slow_path_copy(const char *msg, size_t len, size_t *n);
/* Gate and Coinbase (JSON with a one-pass and a slow path): the stamp
 * test (st_check_json_fixture) on every OSE_PARSE_EVENTS case of
 * cases[0..n), as sent and through the slow path. */
void v2_check_json_stamps(ose_adapter_parse_fn fn, enum ose_venue venue,
			  const struct v2_case *cases, size_t n);
/* The account test (st_check_account) on case c, as sent and through the
 * slow path. */
void v2_check_json_account(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c);

#endif
