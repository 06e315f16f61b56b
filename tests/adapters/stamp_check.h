/* SPDX-License-Identifier: MIT */
/*
 * Shared by every venue's tests: the simulator's send stamp ("ose_ts",
 * docs/sim.md) and the account-length rule (docs/adapters.md §3).
 *
 * st_check_stamp(): a message parsed as it is and with a stamp appended
 * must give the same result and the same events byte for byte, except
 * send_ts_ns, which must be 0 without the stamp and the stamp's value in
 * every event with it.  Run on every SIMD path this CPU has.
 * st_check_account(): a ctx->account of OSE_ACCOUNT_MAX - 1 bytes is
 * copied whole; one byte more refuses the message (OSE_PERR_TOO_LONG,
 * why "account", no event).
 */
#ifndef OSE_TESTS_ADAPTERS_STAMP_CHECK_H
#define OSE_TESTS_ADAPTERS_STAMP_CHECK_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/json/json.h"

#define ST_CAP 64

static const enum ose_json_simd st_levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						OSE_JSON_SIMD_AVX2 };

/* msg (one JSON object, trailing whitespace allowed) with
 * ,"ose_ts":<text> added as its last top-level key, as the simulator
 * writes it.  Returns a malloc'd copy (caller frees), length in *out_len. */
static inline char *st_stamp_json(const char *msg, size_t len, const char *text, size_t *out_len)
{
	static const char key[] = ",\"ose_ts\":";
	size_t end = len, tl = strlen(text), n;
	char *s;

	while (end && (msg[end - 1] == ' ' || msg[end - 1] == '\n' || msg[end - 1] == '\r' ||
		       msg[end - 1] == '\t'))
		end--;
	cr_assert(end && msg[end - 1] == '}', "fixture does not end with an object");
	end--;
	n = end + sizeof(key) - 1 + tl + 1;
	s = malloc(n + 1);
	cr_assert(s);
	memcpy(s, msg, end);
	memcpy(s + end, key, sizeof(key) - 1);
	memcpy(s + end + sizeof(key) - 1, text, tl);
	s[n - 1] = '}';
	s[n] = '\0';
	*out_len = n;
	return s;
}

static inline enum ose_parse_res st_parse(ose_adapter_parse_fn parse, enum ose_venue venue,
					  const char *account, const char *msg, size_t len,
					  int binary, struct ose_event *ev, struct ose_parse_out *out)
{
	struct ose_parse_ctx ctx = { .account = account, .venue = venue };
	memset(ev, 0xa5, sizeof(*ev) * ST_CAP); /* no stale byte may pass for a result */
	memset(out, 0, sizeof(*out));
	out->ev = ev;
	out->cap = ST_CAP;
	return parse(msg, len, binary, &ctx, out);
}

/* plain must give events (at least want_min); stamped must give the same
 * events with send_ts_ns == ts in each. */
static inline void st_check_stamp(ose_adapter_parse_fn parse, enum ose_venue venue,
				  const char *plain, size_t plen, const char *stamped, size_t slen,
				  int binary, int64_t ts, uint32_t want_min)
{
	static struct ose_event a[ST_CAP], b[ST_CAP];
	struct ose_parse_out oa, ob;

	for (size_t l = 0; l < sizeof(st_levels) / sizeof(st_levels[0]); l++) {
		if (ose_json_simd_force(st_levels[l]) != 0)
			continue;
		enum ose_parse_res ra = st_parse(parse, venue, "acct1", plain, plen, binary, a, &oa);
		enum ose_parse_res rb = st_parse(parse, venue, "acct1", stamped, slen, binary, b, &ob);
		cr_assert_eq(ra, OSE_PARSE_EVENTS, "plain: %d (err %d: %s)", ra, oa.err, oa.why);
		cr_assert_eq(rb, OSE_PARSE_EVENTS, "stamped: %d (err %d: %s)", rb, ob.err, ob.why);
		cr_assert_geq(oa.n, want_min);
		cr_assert_eq(ob.n, oa.n);
		for (uint32_t i = 0; i < oa.n; i++) {
			cr_expect_eq(a[i].send_ts_ns, 0, "ev%u: unstamped send_ts_ns %lld", i,
				     (long long)a[i].send_ts_ns);
			cr_expect_eq(b[i].send_ts_ns, ts, "ev%u: send_ts_ns %lld, want %lld", i,
				     (long long)b[i].send_ts_ns, (long long)ts);
			b[i].send_ts_ns = 0;
			cr_expect(memcmp(&a[i], &b[i], sizeof(a[i])) == 0,
				  "ev%u: the stamp changed another field", i);
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

/* stamped must be refused whole with err and why. */
static inline void st_check_refused(ose_adapter_parse_fn parse, enum ose_venue venue,
				    const char *msg, size_t len, int binary, enum ose_parse_err err,
				    const char *why)
{
	static struct ose_event ev[ST_CAP];
	struct ose_parse_out out;

	for (size_t l = 0; l < sizeof(st_levels) / sizeof(st_levels[0]); l++) {
		if (ose_json_simd_force(st_levels[l]) != 0)
			continue;
		enum ose_parse_res r = st_parse(parse, venue, "acct1", msg, len, binary, ev, &out);
		cr_expect_eq(r, OSE_PARSE_ERROR, "%.*s: result %d", (int)(len < 80 ? len : 80), msg, r);
		cr_expect_eq(out.err, err, "err %d (%s), want %d", out.err, out.why, err);
		cr_expect_eq(out.n, 0);
		cr_expect_str_eq(out.why, why);
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

/* A JSON fixture stamped with each malformed value is refused with the
 * error any other field would get; the bare integer is accepted. */
static inline void st_check_bad_json_stamps(ose_adapter_parse_fn parse, enum ose_venue venue,
					    const char *msg, size_t len)
{
	static const struct {
		char text[32];
		enum ose_parse_err err;
	} bad[] = {
		{ "\"1795386154366123456\"", OSE_PERR_WRONG_TYPE }, /* a string */
		{ "null", OSE_PERR_WRONG_TYPE },
		{ "true", OSE_PERR_WRONG_TYPE },
		{ "{}", OSE_PERR_WRONG_TYPE },
		{ "[1]", OSE_PERR_WRONG_TYPE },
		{ "-1", OSE_PERR_NUMBER },
		{ "1.5", OSE_PERR_NUMBER },
		{ "1e18", OSE_PERR_NUMBER },
		{ "9223372036854775808", OSE_PERR_NUMBER }, /* INT64_MAX + 1 */
	};
	size_t n;
	char *s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = st_stamp_json(msg, len, bad[i].text, &n);
		st_check_refused(parse, venue, s, n, 0, bad[i].err, "ose_ts");
		free(s);
	}
	/* The extremes that fit. */
	s = st_stamp_json(msg, len, "9223372036854775807", &n);
	st_check_stamp(parse, venue, msg, len, s, n, 0, INT64_MAX, 1);
	free(s);
	s = st_stamp_json(msg, len, "0", &n);
	st_check_stamp(parse, venue, msg, len, s, n, 0, 0, 1);
	free(s);
}

/* The stamp test of a JSON venue: the fixture stamped as the simulator
 * does, then the malformed stamps. */
static inline void st_check_json_fixture(ose_adapter_parse_fn parse, enum ose_venue venue,
					 const char *msg, size_t len, uint32_t want_min)
{
	size_t n;
	char *s = st_stamp_json(msg, len, "1795386154366123456", &n);
	st_check_stamp(parse, venue, msg, len, s, n, 0, 1795386154366123456LL, want_min);
	free(s);
	st_check_bad_json_stamps(parse, venue, msg, len);
}

/* ctx->account: 15 bytes fit, 16 are refused, never truncated. */
static inline void st_check_account(ose_adapter_parse_fn parse, enum ose_venue venue,
				    const char *msg, size_t len, int binary)
{
	static struct ose_event ev[ST_CAP];
	struct ose_parse_out out;
	char fits[OSE_ACCOUNT_MAX], longer[OSE_ACCOUNT_MAX + 8];
	enum ose_parse_res r;

	memset(fits, 'a', sizeof(fits) - 1);
	fits[sizeof(fits) - 1] = '\0';
	r = st_parse(parse, venue, fits, msg, len, binary, ev, &out);
	cr_assert_eq(r, OSE_PARSE_EVENTS, "15-byte account: %d (%s)", r, out.why);
	cr_assert_geq(out.n, 1);
	for (uint32_t i = 0; i < out.n; i++)
		cr_expect_str_eq(ev[i].account, fits);

	for (size_t extra = 0; extra < 8; extra += 7) {
		memset(longer, 'b', OSE_ACCOUNT_MAX + extra);
		longer[OSE_ACCOUNT_MAX + extra] = '\0';
		r = st_parse(parse, venue, longer, msg, len, binary, ev, &out);
		cr_expect_eq(r, OSE_PARSE_ERROR, "%zu-byte account: result %d",
			     (size_t)OSE_ACCOUNT_MAX + extra, r);
		cr_expect_eq(out.err, OSE_PERR_TOO_LONG);
		cr_expect_eq(out.n, 0);
		cr_expect_str_eq(out.why, "account");
	}
	/* No account at all (NULL) stays legal: an empty account. */
	r = st_parse(parse, venue, NULL, msg, len, binary, ev, &out);
	cr_expect_eq(r, OSE_PARSE_EVENTS);
	if (r == OSE_PARSE_EVENTS)
		cr_expect_str_eq(ev[0].account, "");
}

#endif /* OSE_TESTS_ADAPTERS_STAMP_CHECK_H */
