/* SPDX-License-Identifier: MIT */
/*
 * The scanner's nested EACH (json.h, ose_json_each.inner): the one-pass
 * walk of EACH arrays inside EACH elements must report what a reference
 * built from the walk without each context and the array iterators
 * finds - the same views, the element callbacks in the same order
 * (inner elements first, then the element holding them) - and succeed
 * or fail with it.  Checked on every JSON fixture of every venue
 * (compact, with spaces, each prefix, every byte replaced by a set of
 * troublemakers), on 20,000 generated documents, on every SIMD path,
 * always from the end of a guard page (no over-read).
 * (test_plain checks the adapters' paths against each other.)
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"
#include "perf/adapters/bench_util.h" /* bench_minify: the wire form */
#include "v2_util.h"

/* Keys the venues use, as one set for every walk (<= 64). */
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
	OSE_JSON_KEY("orderStatus"), OSE_JSON_KEY("cumExecQty"), OSE_JSON_KEY("symbol"),
};
#define N_ANY (sizeof(any_keys) / sizeof(any_keys[0]))

/* Three levels of key sets (the same keys). */
static struct ose_json_keyset ks_none[3] = {
	OSE_JSON_KEYSET(any_keys), OSE_JSON_KEYSET(any_keys), OSE_JSON_KEYSET(any_keys),
};

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

/* Walk msg[0..len) (placed at the end of a guard page) with nested EACH
 * two levels deep and compare with the reference built from the walk
 * without each context and the iterators (ref_walk).  Returns 1 if the
 * walk succeeded. */
static void ref_walk(const char *m, size_t len, struct wlog *l, int *rc);

static struct wlog la, lc;

static int diff_one(const char *msg, size_t len)
{
	struct v2_guard g;
	const char *m = v2_guard_put(&g, msg, len);
	struct ose_json_val va[N_ANY], ea[N_ANY], ia[N_ANY];
	struct ose_json_each inner_a = { .ks = &ks_none[2], .vals = ia, .fn = log_fn, .arg = &la };
	struct ose_json_each each_a = { .ks = &ks_none[1], .vals = ea, .fn = log_fn, .arg = &la,
					.inner = &inner_a };
	const char *wa = "";
	int ra, rc = 0;

	la.n = lc.n = 0;
	la.overflow = lc.overflow = 0;
	ra = ose_json_obj_get_each(m, len, &ks_none[0], va, &each_a, &wa);
	if (ra == 0)
		log_vals(&la, va, N_ANY);
	ref_walk(m, len, &lc, &rc);
	v2_guard_free(&g);
	if (ra != 0) {
		cr_assert_neq(rc, 0, "nested EACH failed (%s) where the reference walked: %.*s", wa,
			      (int)(len < 300 ? len : 300), msg);
		return 0;
	}
	cr_assert(!la.overflow && !lc.overflow);
	cr_assert_eq(rc, 0, "reference walk failed where nested EACH succeeded: %.*s",
		     (int)(len < 300 ? len : 300), msg);
	cr_assert(la.n == lc.n && memcmp(la.buf, lc.buf, la.n) == 0,
		  "nested EACH differs from the reference on %.*s\nEACH %.*s\nref  %.*s",
		  (int)(len < 300 ? len : 300), msg, (int)la.n, la.buf, (int)lc.n, lc.buf);
	return 1;
}

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
		while ((rc = ose_json_iter_next_obj(&it, &ks_none[level], e, &why)) > 0) {
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
	*rc = ose_json_obj_get(m, len, &ks_none[0], v, &why);
	if (*rc)
		return;
	*rc = ref_level(arr, each_views(v, arr), 1, l);
	if (*rc == 0)
		log_vals(l, v, N_ANY);
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

Test(each, fixtures_agree_every_simd_path, .timeout = 300)
{
	static const enum ose_json_simd lv[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						  OSE_JSON_SIMD_AVX2 };
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		int taken = 0;
		if (!ose_json_simd_supported(lv[i]))
			continue;
		cr_assert_eq(ose_json_simd_force(lv[i]), 0);
		diff_fixtures(&taken);
		/* A test that cannot fail is a defect: this one fails if the
		 * compact fixtures stop walking at all. */
		cr_assert_geq(taken, 30, "only %d compact fixtures walked", taken);
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
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

Test(each, generated_documents_agree, .timeout = 120)
{
	static char doc[1 << 15];
	int taken = 0;

	for (int i = 0; i < 20000; i++) {
		struct gbuf b = { doc, 0, sizeof(doc) };
		unsigned n = 1 + rnd(12);
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
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
	cr_assert_geq(taken, 1000, "only %d of 20000 documents walked", taken);
}

/* ---- by hand ---------------------------------------------------------- */

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

Test(each, nested_each_by_hand)
{
	static const char msg[] = "{\"events\":[{\"id\":\"e1\",\"orders\":[{\"id\":\"o1\"},{\"id\":\"o2\"}]},"
				  "{\"orders\":[],\"id\":\"e2\"},{\"orders\":[{\"id\":\"o3\"}],\"id\":\"e3\"}],"
				  "\"id\":\"top\"}";
	char seen[64] = "";
	struct ose_json_val v[N_ANY], e[N_ANY], o[N_ANY];
	struct ose_json_each inner = { .ks = &ks_none[2], .vals = o, .fn = seen_fn, .arg = seen };
	struct ose_json_each each = { .ks = &ks_none[1], .vals = e, .fn = seen_fn, .arg = seen,
				      .inner = &inner };
	const char *why = "";

	cr_assert_eq(ose_json_obj_get_each(msg, sizeof(msg) - 1, &ks_none[0], v, &each, &why), 0, "%s",
		     why);
	cr_assert_str_eq(seen, "o1,o2,e1,e2,o3,e3,");
	cr_assert_eq(each.count, 3);
	cr_assert_eq(inner.count, 3);
	cr_assert(OSE_JSON_STR_EQ(&v[7], "top"));
	cr_assert_eq(v[2].type, OSE_JSON_ARRAY);
	/* An inner element that is not an object fails the whole walk. */
	cr_assert_eq(ose_json_obj_get_each("{\"events\":[{\"orders\":[1]}]}", 28, &ks_none[0], v, &each,
					   &why),
		     -OSE_PERR_WRONG_TYPE);
}
