/* SPDX-License-Identifier: MIT */
/*
 * adapters/plain: the plain-message fast path must agree with the full
 * scanner on everything it accepts, and accept nothing the scanner
 * refuses.  Checked on every JSON fixture of every venue (compact, with
 * spaces, each prefix, single-byte corruptions), on generated documents,
 * on the SSE2/AVX2 and the scalar classifier, always from the end of a
 * guard page (no over-read), with EACH nested one level on both sides
 * (the scanner's ose_json_each.inner, plain's each->inner), the scanner's
 * nested EACH also against a reference built from its walk without each
 * context and the array iterators (same outcome, same views in the same
 * order: inner elements first); and at the
 * adapter level: Gate and Coinbase give byte-identical events whether a
 * message takes the plain path (compact), the scanner's one-pass path
 * (pretty-printed) or the validating slow path; Bybit the same for its
 * plain path and its scanner path.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/plain/plain.h"
#include "perf/adapters/bench_util.h" /* bench_minify: the wire form */
#include "v2_util.h"

/* Keys the venues use, as one set for both walkers (<= 32). */
static const struct ose_json_key any_keys[] = {
	OSE_JSON_KEY_F("result", OSE_JSON_EACH), OSE_JSON_KEY_F("data", OSE_JSON_EACH),
	OSE_JSON_KEY_F("events", OSE_JSON_EACH), OSE_JSON_KEY_F("orders", OSE_JSON_EACH),
	OSE_JSON_KEY("channel"), OSE_JSON_KEY("event"), OSE_JSON_KEY("type"), OSE_JSON_KEY("id"),
	OSE_JSON_KEY("text"), OSE_JSON_KEY("price"), OSE_JSON_KEY("amount"), OSE_JSON_KEY("left"),
	OSE_JSON_KEY("time_ms"), OSE_JSON_KEY("currency_pair"), OSE_JSON_KEY("avg_deal_price"),
	OSE_JSON_KEY("update_time_ms"), OSE_JSON_KEY("finish_as"), OSE_JSON_KEY("status"),
	OSE_JSON_KEY("order_id"), OSE_JSON_KEY("cumulative_quantity"), OSE_JSON_KEY("timestamp"),
	OSE_JSON_KEY("sequence_num"), OSE_JSON_KEY("e"), OSE_JSON_KEY("c"), OSE_JSON_KEY("C"),
	OSE_JSON_KEY("p"), OSE_JSON_KEY("pL"), OSE_JSON_KEY("ordId"), OSE_JSON_KEY("arg"),
	OSE_JSON_KEY("error"), OSE_JSON_KEY("user"), OSE_JSON_KEY("a_key_longer_than_sixteen"),
};
#define N_ANY (sizeof(any_keys) / sizeof(any_keys[0]))
static struct ose_json_keyset any_ks = OSE_JSON_KEYSET(any_keys);
static struct ose_json_keyset any_el_ks = OSE_JSON_KEYSET(any_keys);
static struct ose_json_keyset any_in_ks = OSE_JSON_KEYSET(any_keys);
static struct ose_plain_keyset any_pks = OSE_PLAIN_KEYSET(any_keys);
static struct ose_plain_keyset any_el_pks = OSE_PLAIN_KEYSET(any_keys);
static struct ose_plain_keyset any_in_pks = OSE_PLAIN_KEYSET(any_keys);
/* The same keys with key orders (Gate's order, then Coinbase's, with
 * names nobody wants and a key of 29 bytes): the expectations must not
 * change a walk's result, only its speed.  A second set of key sets
 * walks with them alongside the plain ones. */
static const char *const ord1[] = {
	"time", "time_ms", "channel", "event", "result", "id", "text", "create_time",
	"update_time", "currency_pair", "type", "account", "side", "amount", "price",
	"time_in_force", "left", "filled_total", "filled_amount", "avg_deal_price", "fee",
	"fee_currency", "rebated_fee_currency", "create_time_ms", "update_time_ms", "user",
	"finish_as", "a_name_of_twenty_nine_bytes_x", "e", "c", "C", "p", "pL", NULL,
};
static const char *const ord2[] = {
	"channel", "client_id", "timestamp", "sequence_num", "events", "orders", "positions",
	"order_id", "client_order_id", "cumulative_quantity", "leaves_quantity", "avg_price",
	"status", "product_id", "order_side", "order_type", "a_key_longer_than_sixteen", NULL,
};
static struct ose_plain_keyset ord_pks = OSE_PLAIN_KEYSET_ORDER2(any_keys, ord1, ord2);
static struct ose_plain_keyset ord_el_pks = OSE_PLAIN_KEYSET_ORDER2(any_keys, ord2, ord1);
static struct ose_plain_keyset ord_in_pks = OSE_PLAIN_KEYSET_ORDER(any_keys, ord1);

/* A log of what a walk reported: every EACH element's views, then the
 * top-level views. */
struct wlog {
	char buf[1 << 16];
	size_t n;
	int overflow;
};

static void log_vals(struct wlog *l, const struct ose_json_val *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int w;
		if (v[i].type == OSE_JSON_ABSENT)
			continue;
		if (l->n + 64 + v[i].len >= sizeof(l->buf)) {
			l->overflow = 1;
			return;
		}
		w = snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%zu:%u:%u:%u:", i, v[i].type,
			     v[i].esc, v[i].len);
		l->n += (size_t)w;
		memcpy(l->buf + l->n, v[i].p, v[i].len);
		l->n += v[i].len;
		l->buf[l->n++] = ';';
	}
	l->buf[l->n++] = '|';
}

static int log_fn(void *arg, const struct ose_json_val *vals, const char **why)
{
	(void)why;
	log_vals(arg, vals, N_ANY);
	return 0;
}

static struct wlog la, lb, lc, ld;

/* The scanner's nested EACH against a reference built from the walk
 * without each context and the array iterators (levels 1 and 2 use the
 * element and inner key sets, like the EACH walk). */
static struct ose_json_keyset *const lvl_ks[3] = { &any_ks, &any_el_ks, &any_in_ks };

/* The EACH keys' array views of vals, in message order (the walk meets
 * them in that order; a key only once: the first occurrence). */
static size_t each_views(const struct ose_json_val *vals, const struct ose_json_val **out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_ANY; i++)
		if ((any_keys[i].flags & OSE_JSON_EACH) && vals[i].type == OSE_JSON_ARRAY)
			out[n++] = &vals[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j]->p < out[j - 1]->p; j--) {
			const struct ose_json_val *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* Elements of the arrays in arr[0..n) at level (1 or 2), each logged
 * after the arrays inside it (level 1 only).  Returns 0 or the first
 * negative reason. */
static int ref_level(const struct ose_json_val **arr, size_t n, int level, struct wlog *l)
{
	for (size_t a = 0; a < n; a++) {
		struct ose_json_iter it;
		struct ose_json_val e[N_ANY];
		const char *why = "";
		int rc;
		ose_json_iter_init(&it, arr[a]);
		while ((rc = ose_json_iter_next_obj(&it, &*lvl_ks[level], e, &why)) > 0) {
			if (level == 1) {
				const struct ose_json_val *in[N_ANY];
				size_t ni = each_views(e, in);
				rc = ref_level(in, ni, 2, l);
				if (rc)
					return rc;
			}
			log_vals(l, e, N_ANY);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void ref_walk(const char *m, size_t len, struct wlog *l, int *rc)
{
	struct ose_json_val v[N_ANY];
	const struct ose_json_val *arr[N_ANY];
	const char *why = "";

	/* No each context: EACH keys are plain values here. */
	*rc = ose_json_obj_get(m, len, &any_ks, v, &why);
	if (*rc)
		return;
	*rc = ref_level(arr, each_views(v, arr), 1, l);
	if (*rc == 0)
		log_vals(l, v, N_ANY);
}

/* Walk msg[0..len) (placed at the end of a guard page) with both; check
 * the contract.  Returns 1 if the plain path took it. */
static int diff_one(const char *msg, size_t len)
{
	struct v2_guard g;
	const char *m = v2_guard_put(&g, msg, len);
	struct ose_json_val va[N_ANY], vb[N_ANY], ea[N_ANY], eb[N_ANY], ia[N_ANY], ib[N_ANY];
	/* EACH nested one level on both sides (scanner inner, plain inner). */
	struct ose_json_each inner = { .ks = &any_in_ks, .vals = ia, .fn = log_fn, .arg = &la };
	struct ose_json_each each = { .ks = &any_el_ks, .vals = ea, .fn = log_fn, .arg = &la,
				      .inner = &inner };
	const struct ose_plain_each pinner = { .ks = &any_in_pks, .vals = ib, .fn = log_fn, .arg = &lb };
	const struct ose_plain_each pe = { .ks = &any_el_pks, .vals = eb, .fn = log_fn, .arg = &lb,
					   .inner = &pinner };
	struct ose_json_val vd[N_ANY], ed[N_ANY], id[N_ANY];
	const struct ose_plain_each dinner = { .ks = &ord_in_pks, .vals = id, .fn = log_fn, .arg = &ld };
	const struct ose_plain_each de = { .ks = &ord_el_pks, .vals = ed, .fn = log_fn, .arg = &ld,
					   .inner = &dinner };
	const char *why = "";
	int rs, rp, rd, rr = 0;

	la.n = lb.n = lc.n = ld.n = 0;
	la.overflow = lb.overflow = lc.overflow = ld.overflow = 0;
	rs = ose_json_obj_get_each(m, len, &any_ks, va, &each, &why);
	rp = ose_plain_obj_get_each(m, len, &any_pks, vb, &pe);
	rd = ose_plain_obj_get_each(m, len, &ord_pks, vd, &de);
	/* The views point into the guarded copy: log them first. */
	if (rs == 0)
		log_vals(&la, va, N_ANY);
	if (rp == 0)
		log_vals(&lb, vb, N_ANY);
	if (rd == 0)
		log_vals(&ld, vd, N_ANY);
	ref_walk(m, len, &lc, &rr);
	v2_guard_free(&g);
	cr_assert(rp == 0 || rp == -1, "plain returned %d", rp);
	/* Key orders change nothing but speed. */
	cr_assert_eq(rd, rp, "ordered plain %d, plain %d: %.*s", rd, rp, (int)(len < 300 ? len : 300), msg);
	cr_assert(rd != 0 || (!ld.overflow && ld.n == lb.n && memcmp(ld.buf, lb.buf, lb.n) == 0),
		  "ordered walk differs on %.*s\nplain   %.*s\nordered %.*s", (int)(len < 300 ? len : 300),
		  msg, (int)lb.n, lb.buf, (int)ld.n, ld.buf);
	/* The scanner's nested EACH against the iterators: same outcome,
	 * and the same views in the same order when it succeeds. */
	cr_assert((rs == 0) == (rr == 0), "nested EACH %d, reference %d: %.*s", rs, rr,
		  (int)(len < 300 ? len : 300), msg);
	cr_assert(rs != 0 || (la.n == lc.n && memcmp(la.buf, lc.buf, la.n) == 0),
		  "nested EACH differs from the reference on %.*s\nEACH %.*s\nref  %.*s",
		  (int)(len < 300 ? len : 300), msg, (int)la.n, la.buf, (int)lc.n, lc.buf);
	if (rs != 0) {
		cr_assert_eq(rp, -1, "plain accepted what the scanner refuses (%s): %.*s", why,
			     (int)(len < 300 ? len : 300), msg);
		return 0;
	}
	if (rp != 0)
		return 0;
	cr_assert(!la.overflow && !lb.overflow && !lc.overflow);
	cr_assert(la.n == lb.n && memcmp(la.buf, lb.buf, la.n) == 0,
		  "walks differ on %.*s\nscanner %.*s\nplain   %.*s", (int)(len < 300 ? len : 300), msg,
		  (int)la.n, la.buf, (int)lb.n, lb.buf);
	return 1;
}

/* The compact form with one space after every ':' and ',' outside
 * strings, and around the whole (dst has room for 2 len + 2). */
static size_t spaced(const char *s, size_t len, char *dst)
{
	size_t o = 0;
	int in = 0;
	dst[o++] = ' ';
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		dst[o++] = c;
		if (in) {
			if (c == '\\' && i + 1 < len)
				dst[o++] = s[++i];
			else if (c == '"')
				in = 0;
		} else if (c == '"') {
			in = 1;
		} else if (c == ':' || c == ',') {
			dst[o++] = ' ';
		}
	}
	dst[o++] = ' ';
	return o;
}

static const char *venues[] = { "gate", "coinbase", "okx", "bybit", "binance", "mexc" };

/* Every *.json fixture, compact: the whole message, with spaces, each
 * prefix, and corruptions of each byte. */
static void diff_fixtures(int *taken_compact)
{
	static const char subst[] = { '"', ',', '}', ']', ' ', '\\', 'x', '\n', (char)0x80, '0',
				      '{', '[', ':', '-', '.', 'e', 't' };
	char rel[512];

	for (size_t v = 0; v < sizeof(venues) / sizeof(venues[0]); v++) {
		snprintf(rel, sizeof(rel), "%s/%s", OSE_FIXTURE_DIR, venues[v]);
		DIR *d = opendir(rel);
		struct dirent *de;
		cr_assert_not_null(d, "cannot list %s", rel);
		while ((de = readdir(d))) {
			size_t nl = strlen(de->d_name), len;
			char *msg, *sp;
			if (nl < 5 || strcmp(de->d_name + nl - 5, ".json") != 0)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", venues[v], de->d_name);
			msg = v2_load(rel, &len);
			len = bench_minify(msg, len);
			*taken_compact += diff_one(msg, len);
			sp = malloc(2 * len + 2);
			cr_assert_not_null(sp);
			diff_one(sp, spaced(msg, len, sp));
			free(sp);
			for (size_t i = 0; i < len; i++)
				diff_one(msg, i);
			for (size_t i = 0; i < len; i++) {
				char keep = msg[i];
				for (size_t k = 0; k < sizeof(subst); k++) {
					msg[i] = subst[k];
					diff_one(msg, len);
				}
				msg[i] = keep;
			}
			free(msg);
		}
		closedir(d);
	}
}

Test(plain, fixtures_agree_with_scanner, .timeout = 300)
{
	int taken = 0;
	diff_fixtures(&taken);
	/* Most compact fixtures are plain (a test that cannot fail is a
	 * defect: this one fails if the fast path declines them all). */
	cr_assert_geq(taken, 30, "plain path took only %d compact fixtures", taken);
}

Test(plain, fixtures_agree_with_scanner_scalar, .timeout = 300)
{
	int taken = 0;
	ose_plain_force_scalar(1);
	/* The scalar scanner too: no indexed walk, the general walk's
	 * nested EACH (SSE4.2 where the CPU has it: the other index pass). */
	ose_json_simd_force(OSE_JSON_SIMD_SCALAR);
	diff_fixtures(&taken);
	if (ose_json_simd_force(OSE_JSON_SIMD_SSE42) == 0)
		diff_fixtures(&taken);
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
	ose_plain_force_scalar(0);
	cr_assert_geq(taken, 30);
}

/* ---- generated documents --------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct gbuf {
	char *p;
	size_t n, cap;
};

static void put(struct gbuf *b, const char *s, size_t n)
{
	if (b->n + n > b->cap)
		return; /* truncated documents are fine: both must refuse them */
	memcpy(b->p + b->n, s, n);
	b->n += n;
}
#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static void gen_ws(struct gbuf *b)
{
	if (rnd(8) == 0)
		put(b, "  \t\n", 1 + rnd(4));
}

static void gen_str(struct gbuf *b)
{
	static const char *odd[] = { "\\\"", "\\\\", "\\u0063", "\xc3\xa9", "\x01", "\\ud83d\\ude00", "\\x" };
	unsigned n = rnd(12);
	PUTS(b, "\"");
	for (unsigned i = 0; i < n; i++) {
		if (rnd(40) == 0) {
			const char *o = odd[rnd(sizeof(odd) / sizeof(odd[0]))];
			put(b, o, strlen(o));
		} else {
			char c = (char)(' ' + rnd(95));
			if (c == '"' || c == '\\')
				c = '_';
			put(b, &c, 1);
		}
	}
	PUTS(b, "\"");
}

static void gen_key(struct gbuf *b)
{
	if (rnd(3)) {
		const struct ose_json_key *k = &any_keys[rnd(N_ANY)];
		PUTS(b, "\"");
		put(b, k->name, k->len);
		PUTS(b, "\"");
	} else {
		gen_str(b);
	}
}

static void gen_value(struct gbuf *b, unsigned depth)
{
	static const char *nums[] = { "0", "-1", "12.5", "1e9", "-0.001", "1E+2", "01", "1.", "-",
				      "123456789012345678901234567890", "3.14e-7", "1.5.2" };
	static const char *lits[] = { "true", "false", "null", "tru", "nul", "falsey" };
	unsigned k = depth > 40 ? rnd(3) : rnd(6);

	switch (k) {
	case 0:
		gen_str(b);
		break;
	case 1: {
		const char *s = nums[rnd(sizeof(nums) / sizeof(nums[0]))];
		put(b, s, strlen(s));
		break;
	}
	case 2: {
		const char *s = lits[rnd(sizeof(lits) / sizeof(lits[0]))];
		put(b, s, strlen(s));
		break;
	}
	case 3:
	case 4: {
		unsigned n = rnd(5);
		PUTS(b, "{");
		for (unsigned i = 0; i < n; i++) {
			if (i)
				PUTS(b, ",");
			gen_ws(b);
			gen_key(b);
			gen_ws(b);
			PUTS(b, ":");
			gen_ws(b);
			gen_value(b, depth + 1);
			gen_ws(b);
		}
		PUTS(b, "}");
		break;
	}
	default: {
		unsigned n = rnd(4);
		PUTS(b, "[");
		for (unsigned i = 0; i < n; i++) {
			if (i)
				PUTS(b, ",");
			gen_ws(b);
			gen_value(b, depth + 1);
		}
		PUTS(b, "]");
		break;
	}
	}
}

Test(plain, generated_documents_agree_with_scanner, .timeout = 300)
{
	static char doc[1 << 15];
	int taken = 0;

	for (int i = 0; i < 20000; i++) {
		struct gbuf b = { doc, 0, sizeof(doc) };
		unsigned n = 1 + rnd(12);
		ose_plain_force_scalar(i & 1);
		ose_json_simd_force(i % 3 == 0 ? OSE_JSON_SIMD_SCALAR : OSE_JSON_SIMD_AUTO);
		PUTS(&b, "{");
		for (unsigned j = 0; j < n; j++) {
			if (j)
				PUTS(&b, ",");
			gen_key(&b);
			PUTS(&b, ":");
			if (rnd(4) == 0) {
				/* an array of objects for the EACH keys */
				unsigned m = rnd(4);
				PUTS(&b, "[");
				for (unsigned e = 0; e < m; e++) {
					if (e)
						PUTS(&b, ",");
					gen_value(&b, 3);
				}
				PUTS(&b, "]");
			} else {
				gen_value(&b, 1);
			}
		}
		PUTS(&b, "}");
		if (rnd(10) == 0 && b.n)
			b.n = rnd((unsigned)b.n); /* truncated */
		taken += diff_one(doc, b.n);
	}
	ose_plain_force_scalar(0);
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
	cr_assert_geq(taken, 1000, "plain path took only %d of 20000 documents", taken);
}

/* ---- what plain declines ---------------------------------------------- */

static int plain_takes(const char *s)
{
	struct ose_json_val v[N_ANY], e[N_ANY];
	const struct ose_plain_each pe = { .ks = &any_el_pks, .vals = e, .fn = log_fn, .arg = &lb };
	struct v2_guard g;
	const char *m = v2_guard_put(&g, s, strlen(s));
	int rc;

	lb.n = 0;
	rc = ose_plain_obj_get_each(m, strlen(s), &any_pks, v, &pe);
	v2_guard_free(&g);
	return rc == 0;
}

Test(plain, declines_what_is_not_plain)
{
	char deep[200];
	size_t n = 0;

	cr_assert(plain_takes("{\"id\":\"1\",\"price\":\"2.5\",\"user\":12,\"e\":true}"));
	cr_assert(plain_takes(" { \"id\" : \"1\" , \"price\" : [1, {\"a\": null}] } "));
	cr_assert_not(plain_takes("{\"id\":\"a\\\"b\"}"), "escape");
	cr_assert_not(plain_takes("{\"id\":\"\xc3\xa9\"}"), "UTF-8");
	cr_assert_not(plain_takes("{\"id\":\"1\",\n\"e\":1}"), "newline");
	cr_assert_not(plain_takes("{\"id\":\t\"1\"}"), "tab");
	cr_assert_not(plain_takes("{\"id\":\"1\"}x"), "trailing byte");
	cr_assert_not(plain_takes("{\"id\":\"1\"} {}"), "two values");
	cr_assert_not(plain_takes("[1]"), "not an object");
	cr_assert_not(plain_takes(""), "empty");
	cr_assert_not(plain_takes("{\"id\":01}"), "leading zero");
	cr_assert_not(plain_takes("{\"id\":1.}"), "bare fraction dot");
	cr_assert_not(plain_takes("{\"id\":tru}"), "bad literal");
	cr_assert_not(plain_takes("{\"id\":\"1\",}"), "trailing comma");
	cr_assert_not(plain_takes("{\"result\":[1]}"), "EACH element not an object");
	/* 33 levels: beyond OSE_PLAIN_MAX_DEPTH, the scanner decides. */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"x\":");
	for (int i = 0; i < 32; i++)
		deep[n++] = '[';
	for (int i = 0; i < 32; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = 0;
	cr_assert_not(plain_takes(deep), "too deep");
	deep[5] = ' '; /* 31 levels */
	deep[n - 2] = ' ';
	cr_assert(plain_takes(deep), "31 levels");
}

static const struct ose_json_key many_keys[33] = {
	OSE_JSON_KEY("k0"), OSE_JSON_KEY("k1"), OSE_JSON_KEY("k2"), OSE_JSON_KEY("k3"),
	OSE_JSON_KEY("k4"), OSE_JSON_KEY("k5"), OSE_JSON_KEY("k6"), OSE_JSON_KEY("k7"),
	OSE_JSON_KEY("k8"), OSE_JSON_KEY("k9"), OSE_JSON_KEY("k10"), OSE_JSON_KEY("k11"),
	OSE_JSON_KEY("k12"), OSE_JSON_KEY("k13"), OSE_JSON_KEY("k14"), OSE_JSON_KEY("k15"),
	OSE_JSON_KEY("k16"), OSE_JSON_KEY("k17"), OSE_JSON_KEY("k18"), OSE_JSON_KEY("k19"),
	OSE_JSON_KEY("k20"), OSE_JSON_KEY("k21"), OSE_JSON_KEY("k22"), OSE_JSON_KEY("k23"),
	OSE_JSON_KEY("k24"), OSE_JSON_KEY("k25"), OSE_JSON_KEY("k26"), OSE_JSON_KEY("k27"),
	OSE_JSON_KEY("k28"), OSE_JSON_KEY("k29"), OSE_JSON_KEY("k30"), OSE_JSON_KEY("k31"),
	OSE_JSON_KEY("k32"),
};
static struct ose_plain_keyset many_pks = OSE_PLAIN_KEYSET(many_keys);

Test(plain, key_set_too_big_declines)
{
	struct ose_json_val v[33];
	cr_assert_eq(ose_plain_obj_get_each("{\"k0\":1}", 8, &many_pks, v, NULL), -1);
}

/* ---- adapters: the three paths give the same events ------------------ */

static void paths_agree(ose_adapter_parse_fn fn, enum ose_venue venue, const char *rel,
			uint32_t want_n)
{
	struct ose_event e1[16], e2[16], e3[16], e4[16];
	struct ose_parse_out o1, o2, o3, o4;
	size_t len, n3;
	char *pretty = v2_load(rel, &len), *compact = malloc(len + 1), *sp = malloc(2 * len + 2);
	char *slow;
	size_t clen, slen;

	cr_assert(compact && sp);
	memcpy(compact, pretty, len);
	clen = bench_minify(compact, len);
	slen = spaced(compact, clen, sp);
	slow = v2_slow_path_copy(compact, clen, &n3);
	memset(e1, 0, sizeof(e1));
	memset(e2, 0, sizeof(e2));
	memset(e3, 0, sizeof(e3));
	memset(e4, 0, sizeof(e4));
	cr_assert_eq(v2_parse(fn, venue, compact, clen, 0, e1, 16, &o1), OSE_PARSE_EVENTS, "%s", rel);
	cr_assert_eq(v2_parse(fn, venue, pretty, len, 0, e2, 16, &o2), OSE_PARSE_EVENTS, "%s", rel);
	cr_assert_eq(v2_parse(fn, venue, slow, n3, 0, e3, 16, &o3), OSE_PARSE_EVENTS, "%s", rel);
	cr_assert_eq(v2_parse(fn, venue, sp, slen, 0, e4, 16, &o4), OSE_PARSE_EVENTS, "%s", rel);
	cr_assert_eq(o1.n, want_n, "%s", rel);
	cr_assert(o2.n == o1.n && o3.n == o1.n && o4.n == o1.n, "%s", rel);
	cr_assert_eq(memcmp(e1, e2, sizeof(e1[0]) * o1.n), 0, "%s: plain vs scanner", rel);
	cr_assert_eq(memcmp(e1, e3, sizeof(e1[0]) * o1.n), 0, "%s: plain vs slow path", rel);
	cr_assert_eq(memcmp(e1, e4, sizeof(e1[0]) * o1.n), 0, "%s: with spaces", rel);
	free(pretty);
	free(compact);
	free(sp);
	free(slow);
}

Test(plain, gate_paths_agree)
{
	paths_agree(ose_gate_parse, OSE_VENUE_GATE, "gate/spot_orders_doc.json", 1);
	paths_agree(ose_gate_parse, OSE_VENUE_GATE, "gate/spot_usertrades_doc.json", 1);
	paths_agree(ose_gate_parse, OSE_VENUE_GATE, "gate/spot_orders_multi_gen.json", 3);
	paths_agree(ose_gate_parse, OSE_VENUE_GATE, "gate/spot_orders_old_style_gen.json", 3);
}

Test(plain, coinbase_paths_agree)
{
	paths_agree(ose_coinbase_parse, OSE_VENUE_COINBASE, "coinbase/user_snapshot_docs.json", 1);
	paths_agree(ose_coinbase_parse, OSE_VENUE_COINBASE, "coinbase/user_snapshot_nautilus.json", 1);
	paths_agree(ose_coinbase_parse, OSE_VENUE_COINBASE,
		    "coinbase/user_snapshot_hummingbot_fixed_gen.json", 1);
	paths_agree(ose_coinbase_parse, OSE_VENUE_COINBASE, "coinbase/user_update_multi_gen.json", 6);
}

Test(plain, bybit_paths_agree)
{
	paths_agree(ose_bybit_parse, OSE_VENUE_BYBIT, "bybit/order_docs_option_filled.json", 1);
	paths_agree(ose_bybit_parse, OSE_VENUE_BYBIT, "bybit/order_filled.json", 1);
	paths_agree(ose_bybit_parse, OSE_VENUE_BYBIT, "bybit/order_partially_filled_rejected.json", 1);
	paths_agree(ose_bybit_parse, OSE_VENUE_BYBIT, "bybit/execution_docs.json", 1);
}

/* Coinbase: events[].type after orders (legal JSON, keys unordered):
 * the snapshot flag still lands on that element's orders only. */
Test(plain, coinbase_type_after_orders)
{
	static const char msg[] =
		"{\"channel\":\"user\",\"timestamp\":\"2024-06-21T18:29:13Z\",\"sequence_num\":7,"
		"\"events\":[{\"orders\":[{\"order_id\":\"a\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\","
		"\"cumulative_quantity\":\"0\",\"leaves_quantity\":\"1\"}],\"type\":\"snapshot\"},"
		"{\"orders\":[{\"order_id\":\"b\",\"product_id\":\"BTC-USD\",\"status\":\"OPEN\","
		"\"cumulative_quantity\":\"0\",\"leaves_quantity\":\"1\"}],\"type\":\"update\"}]}";
	struct ose_event ev[4];
	struct ose_parse_out out;

	cr_assert_eq(v2_parse(ose_coinbase_parse, OSE_VENUE_COINBASE, msg, sizeof(msg) - 1, 0, ev, 4,
			      &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 2);
	cr_assert(ev[0].flags & OSE_EVF_SNAPSHOT);
	cr_assert_not(ev[1].flags & OSE_EVF_SNAPSHOT);
	cr_assert_eq(ev[1].venue_seq, 7);
}

/* Gate: result before channel (the plain path cannot pick the element
 * key set yet and declines; the scanner's path takes it). */
Test(plain, gate_result_before_channel)
{
	static const char msg[] =
		"{\"time_ms\":1694655225315,\"event\":\"update\",\"result\":[{\"id\":\"1\","
		"\"currency_pair\":\"BTC_USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\","
		"\"left\":\"1\",\"event\":\"put\"}],\"channel\":\"spot.orders\"}";
	struct ose_event ev[4];
	struct ose_parse_out out;

	cr_assert_eq(v2_parse(ose_gate_parse, OSE_VENUE_GATE, msg, sizeof(msg) - 1, 0, ev, 4, &out),
		     OSE_PARSE_EVENTS);
	cr_assert_eq(out.n, 1);
	cr_assert_str_eq(ev[0].order_id, "1");
	cr_assert_eq(ev[0].status, OSE_ST_NEW);
}

/* Nested EACH by hand: inner elements before the element holding them,
 * counts on both levels, the element's own views. */
static int seen_fn(void *arg, const struct ose_json_val *v, const char **why)
{
	char *s = arg;
	size_t n = strlen(s);
	(void)why;
	if (v[7].type == OSE_JSON_STRING && n + v[7].len + 2 < 64) {
		memcpy(s + n, v[7].p, v[7].len);
		s[n + v[7].len] = ',';
		s[n + v[7].len + 1] = 0;
	}
	return 0;
}

Test(plain, scanner_nested_each_by_hand)
{
	static const char msg[] = "{\"events\":[{\"id\":\"e1\",\"orders\":[{\"id\":\"o1\"},{\"id\":\"o2\"}]},"
				  "{\"orders\":[],\"id\":\"e2\"},{\"orders\":[{\"id\":\"o3\"}],\"id\":\"e3\"}],"
				  "\"id\":\"top\"}";
	char seen[64] = "";
	struct ose_json_val v[N_ANY], e[N_ANY], o[N_ANY];
	struct ose_json_each inner = { .ks = &any_in_ks, .vals = o, .fn = seen_fn, .arg = seen };
	struct ose_json_each each = { .ks = &any_el_ks, .vals = e, .fn = seen_fn, .arg = seen,
				      .inner = &inner };
	const char *why = "";

	cr_assert_eq(ose_json_obj_get_each(msg, sizeof(msg) - 1, &any_ks, v, &each, &why), 0, "%s",
		     why);
	cr_assert_str_eq(seen, "o1,o2,e1,e2,o3,e3,");
	cr_assert_eq(each.count, 3);
	cr_assert_eq(inner.count, 3);
	cr_assert(OSE_JSON_STR_EQ(&v[7], "top"));
	cr_assert_eq(v[2].type, OSE_JSON_ARRAY);
	/* An inner element that is not an object fails the whole walk. */
	cr_assert_eq(ose_json_obj_get_each("{\"events\":[{\"orders\":[1]}]}", 28, &any_ks, v, &each,
					   &why),
		     -OSE_PERR_WRONG_TYPE);
}

/*
 * While pick and the element callbacks run, the enclosing objects' views
 * hold the keys met before the array and every other key reads absent
 * (the walk keeps the keys met as a bit mask and writes the absent ones
 * before the array's callbacks): vals start as garbage here, so a key
 * not yet met that was left unwritten would show.  Both the ordered and
 * the plain key sets, vector and scalar.
 */
struct pick_probe {
	const struct ose_json_val *top, *el;
	struct ose_plain_keyset *el_ks;
	int picks, els, bad;
};

static struct ose_plain_keyset *probe_pick(void *arg)
{
	struct pick_probe *pp = arg;
	pp->picks++;
	for (size_t i = 0; i < N_ANY; i++) {
		/* channel (4) and time_ms (12) come before result[]; id (7)
		 * and event (5) after it; result (0) is the array itself. */
		uint8_t want = i == 4 ? OSE_JSON_STRING : i == 12 ? OSE_JSON_NUMBER : OSE_JSON_ABSENT;
		if (i != 0 && pp->top[i].type != want)
			pp->bad++;
	}
	return pp->el_ks;
}

static int probe_fn(void *arg, const struct ose_json_val *v, const char **why)
{
	struct pick_probe *pp = arg;
	(void)why;
	pp->els++;
	/* The element's own views are complete: id (7) met, price (9) not. */
	if (v[7].type != OSE_JSON_STRING || v[9].type != OSE_JSON_ABSENT)
		pp->bad++;
	if (pp->top[4].type != OSE_JSON_STRING || pp->top[7].type != OSE_JSON_ABSENT)
		pp->bad++;
	return 0;
}

Test(plain, callbacks_see_unmet_keys_absent)
{
	static const char msg[] = "{\"time_ms\":1694655225315,\"channel\":\"spot.orders\",\"result\":"
				  "[{\"id\":\"1\",\"text\":\"t-1\"},{\"text\":\"t-2\",\"id\":\"2\"}],"
				  "\"event\":\"update\",\"id\":\"top\"}";
	struct ose_plain_keyset *sets[2][2] = { { &any_pks, &any_el_pks }, { &ord_pks, &ord_el_pks } };

	for (int scalar = 0; scalar < 2; scalar++) {
		ose_plain_force_scalar(scalar);
		for (int k = 0; k < 2; k++) {
			struct ose_json_val v[N_ANY], e[N_ANY];
			struct pick_probe pp = { v, e, sets[k][1], 0, 0, 0 };
			const struct ose_plain_each each = { .pick = probe_pick, .vals = e, .fn = probe_fn,
							     .arg = &pp };

			memset(v, 0x5a, sizeof(v)); /* garbage: type 0x5a is no type */
			memset(e, 0x5a, sizeof(e));
			cr_assert_eq(ose_plain_obj_get_each(msg, sizeof(msg) - 1, sets[k][0], v, &each), 0);
			cr_assert_eq(pp.picks, 1);
			cr_assert_eq(pp.els, 2);
			cr_assert_eq(pp.bad, 0, "scalar %d ordered %d: %d wrong views", scalar, k, pp.bad);
			/* After the walk: every key met, the rest absent. */
			cr_assert(OSE_JSON_STR_EQ(&v[7], "top"));
			cr_assert(OSE_JSON_STR_EQ(&v[5], "update"));
			cr_assert_eq(v[0].type, OSE_JSON_ARRAY);
			for (size_t i = 0; i < N_ANY; i++)
				if (i != 0 && i != 4 && i != 5 && i != 7 && i != 12)
					cr_assert_eq(v[i].type, OSE_JSON_ABSENT, "key %zu", i);
		}
	}
	ose_plain_force_scalar(0);
}
