/* SPDX-License-Identifier: MIT */
/*
 * The Binance executionReport fast path (adapters/binance/fast.c) is
 * exact: on every input it either declines, or gives byte for byte the
 * event, result, err and why of the generic (scanner-based) parser.  And
 * ose_binance_parse, which tries one then the other, always answers as
 * the generic parser does.
 *
 * Inputs: the reference's executionReports in their wire form (compact)
 * in all three envelopes, with and without the simulator's stamp, and
 * mutations of each: truncated at every byte, every member removed,
 * duplicated, moved; every value replaced by values of other types and
 * shapes; a space inserted and special bytes written at every offset;
 * random decimals, times and ids.  Every input sits right before a
 * PROT_NONE page.  The tests also require that the fast path takes the
 * fixtures and a share of the mutations, or they could not fail.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/binance/binance.h"
#include "adapters/core/venues.h"
#include "perf/adapters/bench_util.h"
#include "tests/adapters/fixture_check.h"
#include "tests/adapters/guard.h"

#define MAXM 48   /* members of one event */
#define MAXML 256 /* bytes of one member */
#define MSGMAX 16384

static const char *const er_files[] = {
	"binance/execution_report_documented.json",
	"binance/execution_report_binance_us.json",
	"binance/execution_report_trade_prevention.json",
	"binance/execution_report_pending_cancel.json",
	"binance/execution_report_trade_l_zero_partial.json",
};
#define N_ER (sizeof(er_files) / sizeof(er_files[0]))

/* The other Binance fixtures: the fast path must decline them. */
static const char *const other_files[] = {
	"binance/outbound_account_position.json",
	"binance/balance_update.json",
	"binance/listen_key_expired.json",
	"binance/ws_api_subscribe_response.json",
};

static const char *const env_pre[] = {
	"{",
	"{\"subscriptionId\":0,\"event\":{",
	"{\"stream\":\"executionReport\",\"data\":{",
};
#define STAMP ",\"ose_ts\":1795386154366123456"

/* An executionReport's members, split from its compact form. */
struct er {
	char m[MAXM][MAXML];
	int n;
};

static struct guard g;
static int g_ready;
static const char *g_account = "acct1";

static int run_form(const char *msg, size_t len);

/* The fast path's forms (ose_binance_fast_form) this machine runs:
 * each is forced in turn by run_both.  BASE always; SSSE3 on x86. */
static int g_forms[2], g_nforms;

/* Run every form of the fast path, the generic path and
 * ose_binance_parse on msg (at the end of a page) and check they agree.
 * Returns 1 if the fast path took the message (every form must answer
 * the same). */
static int run_both(const char *msg, size_t len)
{
	int took = -1;

	if (!g_ready) {
		guard_init(&g, MSGMAX);
		g_nforms = 0;
		for (int f = OSE_BN_FAST_BASE; f <= OSE_BN_FAST_SSSE3; f++)
			if (ose_binance_fast_form(f) == f)
				g_forms[g_nforms++] = f;
		cr_assert_geq(g_nforms, 1);
		g_ready = 1;
	}
	for (int i = 0; i < g_nforms; i++) {
		cr_assert_eq(ose_binance_fast_form(g_forms[i]), g_forms[i]);
		int t = run_form(msg, len);
		cr_assert(took < 0 || t == took, "form %d took %d, form %d %d: %.*s", g_forms[i], t,
			  g_forms[0], took, (int)len, msg);
		took = t;
	}
	ose_binance_fast_form(OSE_BN_FAST_AUTO);
	return took;
}

/* run_both for the form in use. */
static int run_form(const char *msg, size_t len)
{
	struct ose_event ef[4], eg[4], ec[4];
	struct ose_parse_ctx ctx = { .account = g_account, .venue = OSE_VENUE_BINANCE };
	struct ose_parse_out of = { .ev = ef, .cap = 4 }, og = { .ev = eg, .cap = 4 },
			     oc = { .ev = ec, .cap = 4 };
	enum ose_parse_res rg, rc;
	const char *m;
	int took;

	m = guard_put(&g, msg, len);
	memset(ef, 0xa5, sizeof(ef));
	memset(eg, 0x5a, sizeof(eg));
	memset(ec, 0x3c, sizeof(ec));
	ose_ev_out_reset(&of);
	took = ose_binance_parse_fast(m, len, &ctx, &of);
	rg = ose_binance_parse_generic(m, len, 0, &ctx, &og);
	rc = ose_binance_parse(m, len, 0, &ctx, &oc);
	if (took) {
		cr_assert_eq(took, 1);
		cr_assert_eq(rg, OSE_PARSE_EVENTS, "fast took what generic refuses (%d %s): %.*s",
			     og.err, og.why, (int)len, msg);
		cr_assert_eq(of.n, 1);
		cr_assert_eq(og.n, 1);
		cr_assert(memcmp(&ef[0], &eg[0], sizeof(ef[0])) == 0, "events differ: %.*s",
			  (int)len, msg);
		cr_assert_eq(of.err, og.err);
		cr_assert_eq(of.session, og.session);
		cr_assert_str_eq(of.why, og.why);
	} else {
		cr_assert_eq(of.n, 0, "fast declined but reported events: %.*s", (int)len, msg);
	}
	cr_assert_eq(rc, rg, "ose_binance_parse %d, generic %d: %.*s", rc, rg, (int)len, msg);
	cr_assert_eq(oc.n, og.n);
	cr_assert_eq(oc.err, og.err);
	cr_assert_eq(oc.session, og.session);
	cr_assert_str_eq(oc.why, og.why);
	cr_assert(memcmp(ec, eg, sizeof(ec[0]) * og.n) == 0, "combined events differ: %.*s",
		  (int)len, msg);
	return took;
}

static void er_load(const char *file, struct er *e)
{
	size_t len;
	char *s = fx_load(file, &len);
	const char *p, *q;
	int in_str = 0;

	len = bench_minify(s, len);
	p = strstr(s, "{\"e\":\"executionReport\"");
	cr_assert(p, "%s: no executionReport", file);
	q = strchr(p, '}');
	cr_assert(q);
	e->n = 0;
	p++;
	/* Members end at commas outside strings (no escapes in fixtures). */
	for (const char *a = p; a <= q; a++) {
		if (*a == '"')
			in_str = !in_str;
		if (!in_str && (*a == ',' || a == q)) {
			size_t n = (size_t)(a - p);
			cr_assert(e->n < MAXM && n < MAXML);
			memcpy(e->m[e->n], p, n);
			e->m[e->n][n] = '\0';
			e->n++;
			p = a + 1;
		}
	}
	free(s);
}

/* env_pre[env] + members + [stamp] + env_post[env] into buf. */
static size_t er_build(char *buf, int env, char m[][MAXML], int n, int stamp)
{
	size_t o = 0;
	o += (size_t)sprintf(buf + o, "%s", env_pre[env]);
	for (int i = 0; i < n; i++)
		o += (size_t)sprintf(buf + o, "%s%s", i ? "," : "", m[i]);
	if (env == 0) {
		if (stamp)
			o += (size_t)sprintf(buf + o, STAMP);
		o += (size_t)sprintf(buf + o, "}");
	} else {
		o += (size_t)sprintf(buf + o, "}%s}", stamp ? STAMP : "");
	}
	cr_assert_lt(o, (size_t)MSGMAX);
	return o;
}

/* Every fixture in every envelope, with and without the stamp: taken,
 * and equal to the generic parse.  Pretty-printed: declined (whitespace),
 * and still the same answer from ose_binance_parse. */
Test(binance_fast, fixtures)
{
	static char buf[MSGMAX];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		size_t len;
		char *raw = fx_load(er_files[f], &len);
		cr_expect_eq(run_both(raw, len), 0, "%s pretty-printed was taken", er_files[f]);
		free(raw);
		er_load(er_files[f], &e);
		for (int env = 0; env < 3; env++)
			for (int st = 0; st < 2; st++) {
				size_t n = er_build(buf, env, e.m, e.n, st);
				cr_expect_eq(run_both(buf, n), 1, "not taken: %s", buf);
			}
	}
	for (size_t f = 0; f < sizeof(other_files) / sizeof(other_files[0]); f++) {
		size_t len;
		char *raw = fx_load(other_files[f], &len);
		len = bench_minify(raw, len);
		cr_expect_eq(run_both(raw, len), 0, "%s taken", other_files[f]);
		free(raw);
	}
}

/* Every proper prefix is incomplete JSON: declined, same answer. */
Test(binance_fast, truncated_everywhere)
{
	static char buf[MSGMAX];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int env = 0; env < 3; env++)
			for (int st = 0; st < 2; st++) {
				size_t n = er_build(buf, env, e.m, e.n, st);
				for (size_t l = 0; l < n; l++)
					cr_assert_eq(run_both(buf, l), 0, "prefix %zu taken", l);
			}
	}
}

/* Members removed, duplicated (next to themselves and at the end),
 * swapped with the next and moved to the end. */
Test(binance_fast, members_moved)
{
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;
	unsigned taken = 0, tried = 0;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int env = 0; env < 3; env++) {
			for (int i = 0; i < e.n; i++) {
				int n = 0;
				/* removed */
				for (int j = 0; j < e.n; j++)
					if (j != i)
						strcpy(m[n++], e.m[j]);
				taken += (unsigned)run_both(buf, er_build(buf, env, m, n, i & 1));
				/* duplicated next to itself, then at the end */
				n = 0;
				for (int j = 0; j < e.n; j++) {
					strcpy(m[n++], e.m[j]);
					if (j == i)
						strcpy(m[n++], e.m[j]);
				}
				cr_assert_eq(run_both(buf, er_build(buf, env, m, n, 0)), 0);
				memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
				strcpy(m[e.n], e.m[i]);
				cr_assert_eq(run_both(buf, er_build(buf, env, m, e.n + 1, 1)), 0);
				/* moved to the end, swapped with the next */
				n = 0;
				for (int j = 0; j < e.n; j++)
					if (j != i)
						strcpy(m[n++], e.m[j]);
				strcpy(m[n++], e.m[i]);
				taken += (unsigned)run_both(buf, er_build(buf, env, m, n, 0));
				if (i + 1 < e.n) {
					memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
					strcpy(m[i], e.m[i + 1]);
					strcpy(m[i + 1], e.m[i]);
					taken += (unsigned)run_both(buf, er_build(buf, env, m, e.n, 1));
				}
				tried += 3;
			}
		}
	}
	/* Optional keys removed and any key after "e" moved: taken. */
	cr_expect_gt(taken, tried / 3, "taken %u of %u", taken, tried);
}

/* Values of other types and shapes for every key. */
static const char *const vals[] = {
	"\"\"", "null", "true", "false", "0", "-0", "1", "-1", "01", "1.5", "-1.5e3", "1E+2",
	"\"x\"", "{}", "[]", "[1]", "{\"a\":1}", "\"0.5\"", "\"-0.00000001\"", "\"1e5\"", "\"5.\"",
	"\".5\"", "\"-\"", "\"+1.5\"", "\"00.50\"", "\"12345678.12345678\"",
	"\"123456789.123456789\"", "\"1234567890123456789.5\"", "\"0.000000000000000000001\"",
	"\"0.1234567890123456789\"", "\"99999999999999999\"", "\"\\u0041\"", "\"a\\\"b\"",
	"\"caf\xc3\xa9\"", "\"\x01\"", "\"NEW\"", "\"TRADE\"", "\"BUY\"", "\"SELL\"", "\"LIMIT\"",
	"\"STOP_LOSS_LIMIT\"", "\"TAKE_PROFIT_LIMIT\"", "\"IOC\"", "\"FILLED\"", "\"CANCELED\"",
	"\"PENDING_NEW\"", "\"EXPIRED_IN_MATCH\"", "\"REJECTED\"", "\"NONE\"",
	"\"PARTIALLY_FILLED\"", "\"Filled\"", "\"FILLEDX\"", "1499405658658", "1499405658658000",
	"\"1499405658658\"", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"123456789012345678", "1234567890123456789", "12345678901234567890123",
	"\"ABCDEFGHIJKLMNOPQRSTUVWXYZ01234\"", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"",
	"\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu\"",
	"\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv\"",
	"\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789\"", "\"USDTUSDTUSDTUSD\"",
	"\"USDTUSDTUSDTUSDT\"", "tru", "nul", "fals", "-", "1.", "1e", "\"0.00000000", "\"",
};

Test(binance_fast, values_replaced)
{
	static char buf[MSGMAX];
	static char m[MAXM][MAXML];
	struct er e;
	unsigned taken = 0;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int i = 0; i < e.n; i++)
			for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
				int env = (int)((v + (size_t)i) % 3);
				memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
				/* key is "k": (4 bytes), the value follows */
				snprintf(m[i] + 4, MAXML - 4, "%s", vals[v]);
				taken += (unsigned)run_both(buf, er_build(buf, env, m, e.n, (int)v & 1));
			}
	}
	cr_expect_gt(taken, 100u, "taken %u", taken);
}

/* A space inserted at every offset, and special bytes written there. */
Test(binance_fast, bytes_mutated)
{
	static const char subst[] = { ' ', '\t', '\n', '"', '\'', '\\', '\x01', '\x1f', '\x7f',
				      '\x80', '\xff', '}', '{', ',', ':', '0', '9', '/', 'a',
				      '-', '+', '.', 'e', '[' };
	static char buf[MSGMAX], mut[MSGMAX];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int env = 0; env < 3; env++) {
			size_t n = er_build(buf, env, e.m, e.n, env == 1);
			for (size_t at = 0; at <= n; at++) {
				memcpy(mut, buf, at);
				mut[at] = ' ';
				memcpy(mut + at + 1, buf + at, n - at);
				run_both(mut, n + 1);
				if (at == n)
					break;
				for (size_t s = 0; s < sizeof(subst); s++) {
					memcpy(mut, buf, n);
					mut[at] = subst[s];
					run_both(mut, n);
				}
			}
		}
	}
}

/* Random decimals, times and ids in the fields the event keeps. */
Test(binance_fast, random_values)
{
	static char buf[MSGMAX];
	static char m[MAXM][MAXML];
	struct er e;
	unsigned seed = 12345, taken = 0;

	er_load(er_files[1], &e);
	for (int it = 0; it < 20000; it++) {
		char v[96];
		size_t o = 0;
		int i = 1 + (int)(rand_r(&seed) % (unsigned)(e.n - 1));
		int ni = (int)(rand_r(&seed) % 21), nf = (int)(rand_r(&seed) % 22);
		int kind = (int)(rand_r(&seed) % 4);

		memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
		if (kind < 3)
			v[o++] = '"';
		if (rand_r(&seed) % 5 == 0)
			v[o++] = '-';
		for (int d = 0; d < ni; d++)
			v[o++] = (char)('0' + (d == 0 && kind == 3 && ni > 1 ? 1 + rand_r(&seed) % 9
									  : rand_r(&seed) % 10));
		if (kind < 3 && nf) {
			v[o++] = '.';
			for (int d = 0; d < nf - 1; d++)
				v[o++] = (char)('0' + rand_r(&seed) % 10);
		}
		if (kind < 3)
			v[o++] = '"';
		v[o] = '\0';
		snprintf(m[i] + 4, MAXML - 4, "%s", v);
		taken += (unsigned)run_both(buf, er_build(buf, it % 3, m, e.n, it & 1));
	}
	cr_expect_gt(taken, 1000u, "taken %u", taken);
}

/* The account rule (ose_ev_done): 15 bytes copied, 16 refused; and an
 * output array without room. */
Test(binance_fast, account_and_cap)
{
	static char buf[MSGMAX];
	struct er e;
	struct ose_event ev[1];
	struct ose_parse_out out = { .ev = ev, .cap = 0 };
	struct ose_parse_ctx ctx = { .account = "acct1", .venue = OSE_VENUE_BINANCE };
	size_t n;

	er_load(er_files[0], &e);
	n = er_build(buf, 1, e.m, e.n, 0);
	g_account = "a23456789012345";
	cr_expect_eq(run_both(buf, n), 1);
	g_account = "a234567890123456";
	cr_expect_eq(run_both(buf, n), 0);
	g_account = "";
	cr_expect_eq(run_both(buf, n), 1);
	g_account = NULL;
	cr_expect_eq(run_both(buf, n), 1);
	ose_ev_out_reset(&out);
	cr_expect_eq(ose_binance_parse_fast(buf, n, &ctx, &out), 0);
	cr_expect_eq(ose_binance_parse(buf, n, 0, &ctx, &out), OSE_PARSE_ERROR);
	cr_expect_eq(out.err, OSE_PERR_TOO_MANY);
}

/* Members with longer keys inserted at every position: the ones the
 * generic parser does not look for (newer Binance fields) are skipped
 * and the message still taken; its own keys (envelope keys at any
 * level, "ose_ts" anywhere but last) make the fast path decline. */
Test(binance_fast, longer_keys)
{
	static const char *const extra[] = {
		"\"Cs\":\"USDT\"", "\"pL\":\"0.00000000\"", "\"eR\":\"NONE\"", "\"uS\":true",
		"\"\":1", "\"ab\":-1.5e3", "\"id\":1", "\"event\":\"x\"", "\"data\":1",
		"\"status\":200", "\"result\":null", "\"error\":1", "\"stream\":\"x\"",
		"\"subscriptionId\":1", "\"ose_ts\":1", "\"ose_ts\":\"1\"", "\"e\\u0073\":1",
		"\"Xx\":{}", "\"ab\":[1]", "\"ab\" :1", "\"a\\\"b\":1", "\"caf\xc3\xa9\":1",
	};
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;
	unsigned taken = 0;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (size_t x = 0; x < sizeof(extra) / sizeof(extra[0]); x++)
			for (int at = 1; at <= e.n; at++) {
				int n = 0;
				for (int j = 0; j < e.n; j++) {
					if (j == at)
						strcpy(m[n++], extra[x]);
					strcpy(m[n++], e.m[j]);
				}
				if (at == e.n)
					strcpy(m[n++], extra[x]);
				taken += (unsigned)run_both(
					buf, er_build(buf, (int)((x + (size_t)at) % 3), m, n, at & 1));
			}
	}
	cr_expect_gt(taken, 500u, "taken %u", taken);
}

/* The fast path walks an executionReport as two chains, from the start
 * and from ,"l": (fast.c, bf_split), and walks it again as one chain
 * when the first stops before ,"l":.  A newer field inserted at any
 * place (before ,"l": it stops the first chain) and any two members
 * after "e" swapped: every such message is taken, exactly as the
 * generic parser reads it.  (Fails when the second walk keeps the
 * first walk's keys: ,"l": then looks like a duplicate.) */
Test(binance_fast, split_fallback_taken)
{
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int env = 0; env < 3; env++)
			for (int at = 1; at <= e.n; at++) {
				int n = 0;
				for (int j = 0; j < e.n; j++) {
					if (j == at)
						strcpy(m[n++], "\"Cs\":\"USDT\"");
					strcpy(m[n++], e.m[j]);
				}
				if (at == e.n)
					strcpy(m[n++], "\"Cs\":\"USDT\"");
				cr_assert_eq(run_both(buf, er_build(buf, env, m, n, at & 1)), 1,
					     "not taken: %s", buf);
				if (at + 1 < e.n) {
					memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
					strcpy(m[at], e.m[at + 1]);
					strcpy(m[at + 1], e.m[at]);
					cr_assert_eq(run_both(buf, er_build(buf, env, m, e.n, at & 1)),
						     1, "not taken: %s", buf);
				}
			}
	}
}

/* The member of e whose key is k ("k":...), or -1. */
static int er_find(const struct er *e, char k)
{
	for (int i = 0; i < e->n; i++)
		if (e->m[i][1] == k && e->m[i][2] == '"')
			return i;
	return -1;
}

/* e's members into m with member at's value (after its 4-byte "k":)
 * replaced by val, in place or, if moved, as the last member.  Returns
 * the member count. */
static int er_with(const struct er *e, int at, const char *val, int moved, char m[][MAXML])
{
	int n = 0;

	for (int j = 0; j < e->n; j++)
		if (!moved || j != at)
			strcpy(m[n++], e->m[j]);
	if (moved)
		strcpy(m[n++], e->m[at]);
	snprintf(m[moved ? n - 1 : at] + 4, MAXML - 4, "%s", val);
	return n;
}

/*
 * Binance's own decimal shape, "I.FFFFFFFF" with I of 1..6 digits, has
 * a one-load conversion (fast.c, bf_dec8); every other shape the
 * general one.  Every decimal key the event uses and every one it skips
 * gets integer parts of 0..9 digits and fractions of 0..10 digits, with
 * and without a sign, digits random, all nines and all zeros, in the
 * chain (in place) and out of it (moved to the end, where the member
 * loop reads it within a few bytes of the message's end).  Binance's
 * shape is required to be taken; everything agrees with the generic
 * parse byte for byte.  Then each byte of "123.45678901" replaced in
 * turn by 13 others.  (Fails with a wrong power of ten, a wrong row of
 * the byte mask, or I's length limit moved by one.)
 */
Test(binance_fast, dec8_shapes)
{
	static const char keys[] = "qpzlLnPFZYQ";
	static const char subst[] = { '.', '"', 'a', '/', ':', '0', '9', '-', ' ', '\\',
				      '\x80', '\x1f', 'e' };
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	unsigned seed = 777;
	struct er e;

	er_load(er_files[1], &e);
	for (const char *k = keys; *k; k++) {
		int at = er_find(&e, *k);
		cr_assert_geq(at, 0, "no %c", *k);
		for (int ni = 0; ni <= 9; ni++)
			for (int nf = 0; nf <= 10; nf++)
				for (int var = 0; var < 8; var++) {
					char v[64];
					size_t o = 0;
					int neg = var & 1, moved = (var >> 1) & 1, fill = var >> 2;

					v[o++] = '"';
					if (neg)
						v[o++] = '-';
					for (int d = 0; d < ni + nf + (nf > 0); d++) {
						if (nf && d == ni) {
							v[o++] = '.';
							continue;
						}
						v[o++] = (char)('0' + (fill ? (seed = seed * 1103515245u + 12345u) >> 16 : 9u) % 10);
					}
					v[o++] = '"';
					v[o] = '\0';
					int n = er_with(&e, at, v, moved, m);
					int took = run_both(buf, er_build(buf, 0, m, n, 0));
					if (ni >= 1 && ni <= 6 && nf == 8 && !neg)
						cr_assert_eq(took, 1, "not taken: %s", buf);
				}
		for (size_t pos = 0; pos < 12; pos++)
			for (size_t s = 0; s < sizeof(subst); s++) {
				memcpy(m, e.m, sizeof(e.m[0]) * (size_t)e.n);
				snprintf(m[at] + 4, MAXML - 4, "\"123.45678901\"");
				m[at][5 + pos] = subst[s];
				run_both(buf, er_build(buf, (int)(pos % 3), m, e.n, (int)s & 1));
			}
	}
}

/*
 * Messages that end early: each fixture's first k members only, in
 * every envelope, with and without the stamp.  The last member then
 * sits right before the end, where the chain reads with end checks (or
 * leaves the member to the loop).  Taken exactly when the six required
 * keys (X S s i z E) are among them.
 */
Test(binance_fast, members_cut)
{
	static char buf[MSGMAX];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (int k = 1; k <= e.n; k++) {
			int req = 0;
			for (int j = 0; j < k; j++)
				if (e.m[j][2] == '"' && strchr("XSsizE", e.m[j][1]))
					req++;
			for (int env = 0; env < 3; env++)
				for (int st = 0; st < 2; st++) {
					int took = run_both(buf, er_build(buf, env, e.m, k, st));
					cr_assert_eq(took, req == 6, "k=%d took %d: %s", k, took, buf);
				}
		}
	}
}

/* The literal shortcuts (P F Q Z Y "0.00000000", g -1, C ""): the
 * literal and its near misses, in place and moved to the end.  Each
 * value is required taken or declined as the general reading says for
 * that key (skipped strings and numbers, g's integer, C's string), so
 * a shortcut that claims too much or too little fails. */
Test(binance_fast, literal_values)
{
	static const struct {
		const char *v;
		int skip, g, c; /* taken as P F Q Z Y, as g, as C */
	} lit[] = {
		{ "\"0.00000000\"", 1, 1, 1 },	   { "\"0.0000000\"", 1, 1, 1 },
		{ "\"0.000000000\"", 1, 1, 1 },	   { "\"0.00000001\"", 1, 1, 1 },
		{ "\"1.00000000\"", 1, 1, 1 },	   { "\"0.00000000x\"", 1, 1, 1 },
		{ "\"0,00000000\"", 1, 1, 1 },	   { "\"0.00000000\\\"\"", 0, 0, 0 },
		{ "-1", 1, 1, 0 },		   { "-10", 1, 1, 0 },
		{ "-1.5", 1, 0, 0 },		   { "-1e3", 1, 0, 0 },
		{ "-", 0, 0, 0 },		   { "-0", 1, 1, 0 },
		{ "-01", 0, 0, 0 },		   { "1", 1, 1, 0 },
		{ "\"\"", 1, 1, 1 },		   { "\"\"\"", 0, 0, 0 },
		{ "\"x\"", 1, 1, 1 },		   { "\"\\\"\"", 0, 0, 0 },
		{ "0.00000000", 1, 0, 0 },	   { "\"0.00000000", 0, 0, 0 },
	};
	static const char keys[] = "PFQZYgC";
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (const char *k = keys; *k; k++) {
			int at = er_find(&e, *k);
			if (at < 0)
				continue;
			for (size_t l = 0; l < sizeof(lit) / sizeof(lit[0]); l++)
				for (int moved = 0; moved < 2; moved++) {
					int n = er_with(&e, at, lit[l].v, moved, m),
					    want = *k == 'g' ? lit[l].g : *k == 'C' ? lit[l].c : lit[l].skip;
					cr_assert_eq(run_both(buf, er_build(buf, (int)(l % 3), m, n, moved)),
						     want, "%c=%s: %s", *k, lit[l].v, buf);
				}
		}
	}
}

/* The enumerated keys' word-compare shortcuts (bf_enum: S o f x X r):
 * every table value and the near misses of each shortcut's literals
 * (one byte longer or shorter, a neighbour's prefix), in place and
 * moved to the end (where the end checks apply), in each key.  A
 * quoted plain string is taken unless S or X does not know it; an
 * escape or a bare word is declined.  The events are compared with the
 * generic parse byte for byte (run_both), so a shortcut that sets the
 * wrong value, or returns the wrong end, fails. */
Test(binance_fast, enum_values)
{
	static const char *const val[] = {
		"SELL", "BUY", "SELLX", "SEL", "BUYS", "BU", "LIMIT", "LIMIT_MAKER", "LIMITX",
		"LIMI", "MARKET", "MARKETS", "MARKE", "GTC", "IOC", "FOK", "GTD", "GTCX", "IO",
		"TRADE", "TRADEX", "TRADE_PREVENTION", "TRAD", "NEW", "NEWX", "NE", "NONE",
		"NONEX", "NON", "FILLED", "FILLEDX", "FILLE", "CANCELED", "CANCELEDX", "CANCELE",
		"CANCELEX", "PARTIALLY_FILLED", "PARTIALLY_FILLEDX", "PARTIALLY_FILLE",
		"PARTIALLY_FILLEX", "PARTIALL", "EXPIRED", "EXPIRED_IN_MATCH", "PENDING_NEW",
		"PENDING_CANCEL", "REJECTED", "", "SELL\\\"", "NEW\\u0041",
	};
	static const char *const side[] = { "SELL", "BUY" };
	static const char *const status[] = {
		"NEW",	   "PARTIALLY_FILLED", "FILLED",	   "CANCELED",	  "PENDING_CANCEL",
		"REJECTED", "EXPIRED",	       "EXPIRED_IN_MATCH", "PENDING_NEW",
	};
	static const char keys[] = "SofxXr";
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;
	int taken = 0;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		for (const char *k = keys; *k; k++) {
			int at = er_find(&e, *k);
			cr_assert_geq(at, 0, "%s has no %c", er_files[f], *k);
			for (size_t l = 0; l < sizeof(val) / sizeof(val[0]) + 2; l++) {
				/* The last two: bare words, not strings. */
				int bare = l >= sizeof(val) / sizeof(val[0]);
				const char *v = bare ? (l % 2 ? "SELL" : "null") : val[l];
				int want = !bare && !strchr(v, '\\');
				if (want && *k == 'S') {
					want = 0;
					for (size_t i = 0; i < 2; i++)
						want |= !strcmp(v, side[i]);
				} else if (want && *k == 'X') {
					want = 0;
					for (size_t i = 0; i < sizeof(status) / sizeof(status[0]); i++)
						want |= !strcmp(v, status[i]);
				}
				char qv[64];
				snprintf(qv, sizeof(qv), bare ? "%s" : "\"%s\"", v);
				for (int moved = 0; moved < 2; moved++) {
					int n = er_with(&e, at, qv, moved, m);
					int t = run_both(buf, er_build(buf, (int)(l % 3), m, n, moved));
					cr_assert_eq(t, want, "%c=%s: %s", *k, v, buf);
					taken += t;
				}
			}
		}
	}
	cr_assert_gt(taken, 0);
}

/* The event time E (bf_time): Binance's 13-digit ms with its own
 * constants, the other lengths the general sum, µs from 15 digits, and
 * the bounds of each (the largest ms and µs whose ns fit in int64 and
 * the next ones up), signed and with a fraction, in place and at the
 * end: each agrees with the generic parse (run_both), and the
 * in-range ones are taken. */
Test(binance_fast, time_values)
{
	static const struct {
		const char *v;
		int ok;
	} tv[] = {
		{ "1759347763167", 1 },	      { "9223372036854", 1 },	   { "9223372036855", 0 },
		{ "9999999999999", 0 },	      { "1000000000000", 1 },	   { "-1759347763167", 0 },
		{ "1759347763167.5", 0 },     { "01759347763167", 0 },	   { "175934776316", 1 },
		{ "17593477631670", 0 },      { "1759347763167000", 1 },	   { "9223372036854775", 1 },
		{ "9223372036854776", 0 },    { "123456789", 1 },	   { "12345678", 1 },
		{ "1", 1 },		      { "0", 1 },		   { "17593477631670000", 0 },
		{ "\"1759347763167\"", 0 },
	};
	static char buf[MSGMAX];
	static char m[MAXM + 1][MAXML];
	struct er e;

	for (size_t f = 0; f < N_ER; f++) {
		er_load(er_files[f], &e);
		int at = er_find(&e, 'E');
		cr_assert_geq(at, 0);
		for (size_t l = 0; l < sizeof(tv) / sizeof(tv[0]); l++)
			for (int moved = 0; moved < 2; moved++) {
				int n = er_with(&e, at, tv[l].v, moved, m);
				int t = run_both(buf, er_build(buf, (int)(l % 3), m, n, moved));
				if (tv[l].ok)
					cr_assert_eq(t, 1, "E=%s not taken: %s", tv[l].v, buf);
			}
	}
}

/* The form hook: BASE always exists, SSSE3 exactly on x86 CPUs that
 * have it (then the tests above run both), AUTO picks the best,
 * anything else is refused. */
Test(binance_fast, forms)
{
	cr_assert_eq(ose_binance_fast_form(OSE_BN_FAST_BASE), OSE_BN_FAST_BASE);
#if defined(__x86_64__)
	__builtin_cpu_init();
	int x3 = __builtin_cpu_supports("ssse3") ? OSE_BN_FAST_SSSE3 : -ENOTSUP;
	cr_assert_eq(ose_binance_fast_form(OSE_BN_FAST_SSSE3), x3);
	cr_assert_eq(ose_binance_fast_form(OSE_BN_FAST_AUTO), x3 > 0 ? x3 : OSE_BN_FAST_BASE);
#else
	cr_assert_geq(ose_binance_fast_form(OSE_BN_FAST_AUTO), OSE_BN_FAST_BASE);
#endif
	cr_assert_eq(ose_binance_fast_form(7), -EINVAL);
	cr_assert_eq(ose_binance_fast_form(-2), -EINVAL);
}
